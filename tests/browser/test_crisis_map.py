"""The crisis map as the commander sees it: zoomed on the sectors in crisis, each move an arrow with its vehicles
and travel time, « Valider le plan » confirmed first, free-text entries in the main courante."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import push_correction

MARSEILLE_8 = (43.23757, 5.37523)   # its town hall side: the centroid of the 8e arrondissement
# the map shows the focus (the sectors in crisis and the sending stations), not much more
ZOOMED = """() => { const b = window.vigie.crisis.shown(), f = window.vigie.crisis.focused();
  return !!b && !!f && b[0][0] <= f[0][0] && b[0][1] <= f[0][1] && b[1][0] >= f[1][0] && b[1][1] >= f[1][1]
         && b[1][1] - b[0][1] < 3 * Math.max(f[1][1] - f[0][1], f[1][0] - f[0][0]) + 0.1; }"""
# the labels' text (the page refreshes every 2 s here: a label being redrawn is waited for, not read empty)
LABELS = ("() => Array.from(document.querySelectorAll('.crisis-arrow-label'))"
          ".filter(e => e.style.visibility !== 'hidden').map(e => e.textContent.trim())")
OVERLAPS = """() => { const r = Array.from(document.querySelectorAll('.crisis-arrow-label'))
  .filter(e => e.style.visibility !== 'hidden').map(e => e.getBoundingClientRect());
  return r.filter((a, i) => r.some((b, j) => j < i && a.left < b.right && b.left < a.right
                                          && a.top < b.bottom && b.top < a.bottom)).length; }"""


@pytest.fixture
def crisis_in_the_8e(live_server: Any, seeded_data_dir: Any) -> None:
    """300 000 people in Marseille 8e (about 100 000 on an ordinary evening), two slots: it ranks first and the plan sends BMPM vehicles."""
    push_correction(live_server, seeded_data_dir, "13208", 300_000, slots=2)


@pytest.mark.parametrize("size", ("desktop", "tablet"))   # 1920x1080 and 1024x768
def test_the_map_zooms_on_the_crisis_and_draws_the_moves(session_factory: Any, crisis_in_the_8e: None,
                                                         size: str) -> None:
    s = session_factory("commander", size).login("/crise")
    s.page.wait_for_selector("#crisis-ranking-table td:has-text('Marseille 8e')", timeout=20_000)
    s.page.wait_for_selector(".crisis-arrow-label", timeout=20_000)
    s.page.wait_for_function(ZOOMED, timeout=10_000)
    (south, west), (north, east) = s.page.evaluate("() => window.vigie.crisis.shown()")
    assert south < MARSEILLE_8[0] < north and west < MARSEILLE_8[1] < east
    (f_south, f_west), (f_north, f_east) = s.page.evaluate("() => window.vigie.crisis.focused()")
    assert f_south < MARSEILLE_8[0] < f_north and f_west < MARSEILLE_8[1] < f_east
    if f_east - f_west < 0.4:   # the 8e alone in crisis (other tests may add sectors): no longer a sliver
        assert east - west < 0.6   # the département is 1.6° wide
    s.page.wait_for_function(f"() => {{ const l = ({LABELS})(); return l.length > 0 && l.every(x => x); }}",
                             timeout=10_000)
    s.page.wait_for_function(f"() => ({OVERLAPS})() === 0", timeout=5_000)   # no label shown over another
    labels = s.page.evaluate(LABELS)
    assert all(re.fullmatch(r"\d+ (VSAV|FPT|CCF)(, \d+ (VSAV|FPT|CCF))* · \d+ min", x) for x in labels), labels
    s.page.wait_for_selector("#crisis-plan .plan-sector", timeout=10_000)
    plan = s.page.locator("#crisis-plan").text_content() or ""   # text even while a refresh hides it
    assert "Marseille 8e Arrondissement · +" in plan and " garde " in plan and "sapeurs-pompiers" in plan
    assert "hors objectif" not in plan and "pour +" not in plan
    assert "python" not in s.page.inner_text("body")
    s.page.wait_for_timeout(800)
    s.screenshot(f"crisis-{size}")
    s.page.locator("#crisis-map").scroll_into_view_if_needed()
    s.page.wait_for_timeout(500)
    s.screenshot(f"crisis-map-{size}")
    s.assert_no_horizontal_scroll()
    assert s.errors == []


def test_validating_asks_for_confirmation_and_entries_join_the_log(session_factory: Any,
                                                                   crisis_in_the_8e: None) -> None:
    s = session_factory("commander").login("/crise")
    s.page.wait_for_selector(".crisis-arrow-label", timeout=20_000)
    s.page.wait_for_selector("#crisis-validate:not([disabled])", timeout=20_000)
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    s.page.once("dialog", dismiss)
    s.page.click("#crisis-validate")
    s.page.wait_for_timeout(1500)
    assert asked and "main courante" in asked[0]
    assert s.page.locator("#crisis-validated .alert").count() == 0   # dismissed: nothing logged
    s.page.once("dialog", lambda dialog: dialog.accept())
    s.page.click("#crisis-validate")
    s.page.wait_for_selector("#crisis-validated .alert-success", timeout=10_000)
    s.page.wait_for_selector("#crisis-decisions td:has-text('Plan validé')", timeout=10_000)
    s.page.fill("#crisis-entry", "Renfort BMPM confirmé <b>par radio</b>")
    s.page.click("#crisis-entry-add")
    s.page.wait_for_selector("#crisis-decisions td:has-text('Renfort BMPM confirmé <b>par radio</b>')", timeout=10_000)
    assert s.page.locator("#crisis-decisions b").count() == 0   # shown as text, never as markup
    assert s.page.input_value("#crisis-entry") == ""
    assert s.errors == []


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_crisis_map_passes_axe_on_either_theme(session_factory: Any, crisis_in_the_8e: None, theme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    s = session_factory("commander", "desktop")
    s.context.add_init_script(f"window.localStorage.setItem('vigie-theme', '{theme}')")
    s.login("/crise")
    s.page.wait_for_selector(".crisis-arrow-label", timeout=20_000)
    s.page.wait_for_selector("#crisis-plan .plan-sector", timeout=20_000)
    s.page.wait_for_timeout(800)
    found = Axe().run(s.page).response["violations"]
    assert [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in found] == []
    s.page.locator("#crisis-map").scroll_into_view_if_needed()
    s.page.wait_for_timeout(300)
    s.screenshot(f"crisis-map-desktop-{theme}")
    assert s.errors == []
