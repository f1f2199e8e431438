"""Every page at the four sizes (wall, desktop, tablet, phone), the crisis plan, the wall, languages."""
from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import push_correction

PAGES = {  # path -> (role that may open it, a selector that proves it rendered)
    "/": ("operator", "#situation-kpis .kpi"),
    "/secteur/13208": ("operator", "#sector-series .main-svg"),
    "/crise": ("operator", "#crisis-ranking-table"),
    "/requetes": ("operator", "#query-sectors"),
    "/evenements": ("operator", "#events-table"),
    "/exercice": ("trainer", "#exercise-list"),
    "/mur": ("display", "#wall-kpis .kpi"),
    "/admin": ("admin", "#admin-users table"),
}
SIZES = ("wall", "desktop", "tablet", "phone")


@pytest.mark.parametrize("lang", ("fr", "en"))
@pytest.mark.parametrize("size", SIZES)
def test_every_page_renders_without_overflow_or_console_error(session_factory: Any, size: str, lang: str) -> None:
    by_role: dict[str, Any] = {}
    for path, (role, proof) in PAGES.items():
        if role not in by_role:
            by_role[role] = session_factory(role, size, lang).login()
        s = by_role[role]
        s.goto(path)
        s.page.wait_for_selector(proof, timeout=20_000)
        if path in ("/", "/mur"):  # the map is coloured, whichever of geometry and values arrived first
            s.page.wait_for_function(
                "() => Array.from(document.querySelectorAll('path.leaflet-interactive'))"
                ".filter(e => e.getAttribute('fill') !== '#5b6570').length > 100", timeout=20_000)
        s.page.wait_for_timeout(800)
        name = path.strip("/").replace("/", "-") or "situation"
        s.screenshot(f"{name}-{size}" if lang == "fr" else f"{name}-{size}-{lang}")
        if lang == "en":  # no French left on an English screen
            text = s.page.inner_text("body")
            assert "Données" not in text and "Déconnexion" not in text and "Secteur" not in text, path
        s.assert_no_horizontal_scroll()
    for s in by_role.values():
        assert s.errors == [], s.errors


def test_sector_page_shows_band_and_event_annotation(session_factory: Any) -> None:
    s = session_factory("operator").login("/secteur/13208")
    s.page.wait_for_selector("#sector-series .main-svg", timeout=20_000)
    s.page.click("label:has-text('30 jours')")
    # a home match in the last 30 days is drawn as an annotation once the 30-day figure is in
    s.page.wait_for_function("() => document.querySelector('#sector-series').innerText.includes('Olympique')",
                             timeout=20_000)
    legend = s.page.inner_text("#sector-series")
    assert "Plage habituelle (P10–P90)" in legend and "Présents" in legend
    assert s.errors == []


def test_crisis_ranks_a_surge_and_a_commander_validates_the_plan(session_factory: Any, live_server: Any,
                                                                seeded_data_dir: Any) -> None:
    # Saintes-Maries-de-la-Mer, ~2 300 residents; two slots: a sector enters the list after two
    push_correction(live_server, seeded_data_dir, "13096", 60_000, slots=2)
    operator = session_factory("operator").login("/crise")
    operator.page.wait_for_selector("#crisis-ranking-table td", timeout=20_000)
    operator.page.wait_for_selector("#crisis-ranking-table td:has-text('Saintes-Maries-de-la-Mer')", timeout=20_000)
    assert operator.page.is_hidden("#crisis-validate")  # read-only for operators
    commander = session_factory("commander").login("/crise")
    commander.page.wait_for_selector("#crisis-plan li", timeout=20_000)
    assert "VSAV" in commander.page.inner_text("#crisis-plan")
    commander.page.once("dialog", lambda dialog: dialog.accept())   # « Valider le plan » asks for confirmation
    commander.page.click("#crisis-validate")
    commander.page.wait_for_selector("#crisis-validated .alert-success", timeout=10_000)
    commander.page.wait_for_selector("#crisis-decisions td", timeout=10_000)
    assert "commander" in commander.page.inner_text("#crisis-decisions")
    report = commander.context.request.get(live_server.url + "/rapport")
    assert report.status == 200 and "Saintes-Maries-de-la-Mer" in report.text() and "commander" in report.text()
    commander.screenshot("crisis-validated-desktop")
    assert operator.errors == [] and commander.errors == []


def test_wall_rotates_its_views(session_factory: Any) -> None:
    s = session_factory("display", "wall").login("/mur")
    s.page.wait_for_selector("#wall-kpis .kpi", timeout=20_000)
    seen = set()
    for _ in range(12):
        seen.add(s.page.get_attribute("#wall-views", "class"))
        s.page.wait_for_timeout(700)
    assert len({c for c in seen if c and "wall-active-" in c}) >= 3, seen
    assert s.page.is_hidden(".shell-logout")
    assert s.errors == []


def test_language_switch(session_factory: Any) -> None:
    s = session_factory("operator").login("/crise")
    s.page.wait_for_selector("#crisis-ranking-table", timeout=20_000)
    s.page.click(".shell-lang")
    s.page.wait_for_url("**/crise", timeout=10_000)
    s.page.wait_for_selector("text=Sign out", timeout=10_000)
    assert "Crisis mode" in s.page.inner_text("h1")
    s.page.click(".shell-lang")
    s.page.wait_for_selector("text=Déconnexion", timeout=10_000)
    assert s.errors == []
