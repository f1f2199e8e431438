"""Look back, compare, share: the slider with the keyboard, a link that survives a login, an earlier period drawn."""
from __future__ import annotations

import re
import time
from typing import Any

from tests.browser.conftest import PASSWORD, violations, wait_for_map
from vigie.slots import to_local

TEXT = "(document.getElementById('situation-time-text') || {}).textContent || ''"
REWOUND_SHOWN = "!document.getElementById('situation-rewound').hidden"
SERIES = "document.querySelector('#sector-series .js-plotly-plot')"


def _traces(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(f"() => ({SERIES}.data || []).map(d => ({{name: d.name, dash: (d.line || {{}}).dash}}))")


def _rewind(page: Any, slots: int) -> str:
    """Move the slider back `slots` slots with the keyboard; the time in words it then shows."""
    page.wait_for_function(f"() => ({TEXT}).startsWith('Direct')", timeout=20_000)
    slider = page.locator("#situation-time")
    slider.focus()
    for _ in range(slots):
        slider.press("ArrowLeft")
    chosen = to_local(int(float(page.input_value("#situation-time")))).strftime("%d/%m %H:%M")
    page.wait_for_function(f"() => ({TEXT}).startsWith('Vue du') && ({TEXT}).endsWith({chosen!r}) && {REWOUND_SHOWN}",
                           timeout=10_000)
    return str(page.evaluate(f"() => {TEXT}"))


def test_rewind_with_the_keyboard_stays_through_refreshes_and_comes_back_live(session_factory: Any) -> None:
    s = session_factory("operator").login()
    wait_for_map(s.page)
    assert s.page.locator("label[for='situation-time']").count() == 1
    started = time.monotonic()
    words = _rewind(s.page, 6)
    elapsed = time.monotonic() - started
    assert re.fullmatch(r"Vue du (lun|mar|mer|jeu|ven|sam|dim)\. \d\d/\d\d \d\d:\d\d", words), words
    s.page.wait_for_url(re.compile(r"[?&]t=\d{4}-\d\d-\d\dT\d\d%3A\d\d"), timeout=10_000)
    s.page.wait_for_function(f"() => document.getElementById('situation-data-time').textContent"
                             f".includes('{words[-5:]} –')", timeout=10_000)
    assert s.page.get_attribute("#situation-time", "aria-valuetext") == words
    time.sleep(5)                                          # two refreshes (2 s) pass: still looking back
    assert s.page.evaluate(f"() => {TEXT}") == words and s.page.evaluate(f"() => {REWOUND_SHOWN}")
    s.page.locator("path.leaflet-interactive").nth(40).dispatch_event("click")
    s.page.wait_for_selector(".sector-card a[href*='?t=']", timeout=10_000)   # the sector page looks back too
    s.screenshot("lookback-situation-rewound-desktop")
    s.page.click("#situation-back-to-live")
    try:
        s.page.wait_for_function(f"() => ({TEXT}).startsWith('Direct') && !({REWOUND_SHOWN})", timeout=10_000)
    except Exception:
        raise AssertionError((s.page.evaluate(f"() => {TEXT}"), s.page.evaluate(f"() => {REWOUND_SHOWN}"),
                              s.page.input_value("#situation-time"), s.errors))
    s.page.wait_for_url(re.compile(r"^[^?]*(\?(?!.*\bt=).*)?$"), timeout=10_000)
    slowest = s.page.evaluate("() => Math.max(...performance.getEntriesByType('resource')"
                              ".filter(e => e.name.includes('_dash-update-component')).map(e => e.duration))")
    print(s.page.evaluate("() => performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update'))"
                          ".map(e => Math.round(e.startTime) + ':' + Math.round(e.duration))"))
    print(f"keyboard rewind to figures on screen: {elapsed:.2f} s (0.4 s of it the slider's debounce); "
          f"slowest callback request of the page: {slowest:.0f} ms")
    assert s.errors == [], s.errors


def test_a_shared_link_survives_the_login_and_shows_the_same_picture(session_factory: Any) -> None:
    sender = session_factory("operator").login()
    wait_for_map(sender.page)
    sender.page.select_option("#situation-indicator", "z")
    words = _rewind(sender.page, 3)
    sender.page.locator("path.leaflet-interactive").nth(40).dispatch_event("click")
    sender.page.wait_for_selector(".sector-card", timeout=10_000)
    sender.page.wait_for_url(re.compile(r"indicator=z.*sector=\d+.*t="), timeout=10_000)
    link, card = sender.page.url, sender.page.inner_text(".sector-card h3")
    sender.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=sender.server.url)
    sender.page.click("#situation-copy-link")
    sender.page.wait_for_function("() => document.getElementById('situation-link-copied').textContent"
                                  ".startsWith('Lien copié')", timeout=10_000)
    assert sender.page.evaluate("() => navigator.clipboard.readText()") == link

    colleague = session_factory("display")
    colleague.page.goto(link)                              # not signed in: the login first
    colleague.page.wait_for_url(re.compile(r"/login\?next="), timeout=10_000)
    colleague.page.fill("#username", "display")
    colleague.page.fill("#password", PASSWORD)
    colleague.page.click("button[type=submit]")
    colleague.page.wait_for_url(link, timeout=10_000)
    wait_for_map(colleague.page)
    colleague.page.wait_for_function(f"() => ({TEXT}) === {words!r}", timeout=10_000)
    assert colleague.page.input_value("#situation-indicator") == "z"
    colleague.page.wait_for_function(f"() => (document.querySelector('.sector-card h3') || {{}}).innerText === {card!r}",
                                     timeout=10_000)
    assert colleague.page.evaluate(f"() => {REWOUND_SHOWN}")
    assert sender.errors == [] and colleague.errors == [], sender.errors + colleague.errors


def test_a_bad_link_opens_the_defaults(session_factory: Any) -> None:
    s = session_factory("operator").login()
    s.goto("/?indicator=bogus&sector=%3Cb%3E&t=2020-01-01T00%3A00")
    wait_for_map(s.page)
    s.page.wait_for_function(f"() => ({TEXT}).startsWith('Direct')", timeout=10_000)
    assert s.page.input_value("#situation-indicator") == "present"
    s.goto("/secteur/13208?range=9y&compare=%3Cx%3E&date=2026-99-99")
    s.page.wait_for_selector("#sector-series .main-svg", timeout=20_000)
    assert s.page.inner_text("#sector-range label.active") == "7 jours"
    assert s.page.input_value("#sector-compare") == "none"
    assert s.errors == [], s.errors


def test_the_sector_chart_compares_with_a_week_before_and_a_chosen_date(session_factory: Any) -> None:
    s = session_factory("operator").login("/secteur/13208")
    s.goto("/secteur/13208?range=48h&compare=week")
    s.page.wait_for_function(f"() => {SERIES} && ({SERIES}.data || []).some(d => "
                             "(d.name || '').startsWith('Semaine précédente ('))", timeout=20_000)
    week = [d for d in _traces(s.page) if d["name"].startswith("Semaine précédente (")]
    assert len(week) == 1 and week[0]["dash"] == "dash"
    assert re.fullmatch(r"Semaine précédente \(\d\d/\d\d\)", week[0]["name"]), week
    assert s.page.evaluate(f"() => {SERIES}.layout.dragmode") is False      # a finger scrolls the page
    assert s.page.evaluate("() => document.documentElement.lang") == "fr"
    s.page.select_option("#sector-compare", "date")
    day_field = s.page.locator("#sector-compare-date")
    day_field.wait_for(state="visible", timeout=10_000)
    s.page.wait_for_function("() => document.querySelectorAll('#sector-compare-date option').length > 20",
                             timeout=10_000)
    days = s.page.eval_on_selector_all("#sector-compare-date option", "els => els.map(e => [e.value, e.textContent])")
    assert all(re.fullmatch(r"(lun|mar|mer|jeu|ven|sam|dim)\. \d\d/\d\d/\d{4}", text) for _v, text in days[1:]), days
    chosen, words = days[3]
    s.page.select_option("#sector-compare-date", chosen)
    label = "Le " + words[5:]
    s.page.wait_for_function(f"() => ({SERIES}.data || []).some(d => d.name === {label!r})", timeout=10_000)
    s.page.wait_for_url(re.compile(rf"compare=date&date={chosen}"), timeout=10_000)
    box = s.page.evaluate("""() => { const t = document.querySelector('#sector-series .gtitle').getBoundingClientRect();
        const m = document.querySelector('#sector-series .modebar').getBoundingClientRect();
        return {titleTop: t.top, barBottom: m.bottom, barLeft: m.left, titleRight: t.right}; }""")
    assert box["titleTop"] >= box["barBottom"] or box["titleRight"] <= box["barLeft"], box
    s.screenshot("lookback-sector-compare-desktop")
    assert s.errors == [], s.errors


def test_phone_pages_hide_the_mode_bar_and_keep_the_controls(session_factory: Any) -> None:
    s = session_factory("operator", "phone").login()
    wait_for_map(s.page)
    _rewind(s.page, 4)
    s.assert_no_horizontal_scroll()
    s.screenshot("lookback-situation-rewound-phone")
    s.goto("/secteur/13208?compare=week")
    s.page.wait_for_function(f"() => {SERIES} && ({SERIES}.data || []).some(d => "
                             "(d.name || '').startsWith('Semaine précédente ('))", timeout=20_000)
    hidden = s.page.evaluate("() => getComputedStyle(document.querySelector('#sector-series .modebar-container')).display")
    assert hidden == "none"
    s.assert_no_horizontal_scroll()
    s.page.locator(".compare-controls").scroll_into_view_if_needed()
    s.page.evaluate("() => window.scrollBy(0, document.querySelector('.compare-controls').getBoundingClientRect().top"
                    " - document.querySelector('.shell-header').getBoundingClientRect().bottom - 8)")
    s.screenshot("lookback-sector-compare-phone")
    assert s.errors == [], s.errors


def test_the_new_controls_have_no_accessibility_violation(session_factory: Any) -> None:

    s = session_factory("operator", "phone").login()
    wait_for_map(s.page)
    _rewind(s.page, 2)                                     # the not-live band and its button on screen
    report = {"rewound": violations(s.page)}
    s.goto("/secteur/13208?compare=date")
    s.page.wait_for_function("() => document.querySelectorAll('#sector-compare-date option').length > 20",
                             timeout=20_000)
    s.page.wait_for_timeout(800)
    report["compare"] = violations(s.page)
    assert {name: found for name, found in report.items() if found} == {}
    assert s.errors == [], s.errors
