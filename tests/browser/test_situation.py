"""Log in, see the 134 sectors, click one, watch the colours follow the data without refetching the map."""
from __future__ import annotations

import time
from typing import Any

from tests.browser.conftest import POLYGONS, push_correction, wait_for_map

DARKEST = "#46327e"


def fills(page: Any) -> list[str]:
    return page.eval_on_selector_all(".leaflet-overlay-pane path.leaflet-interactive",
                                     "els => els.map(e => e.getAttribute('fill'))")


def test_login_map_and_sector_card(session_factory: Any) -> None:
    for viewport in ("desktop", "tablet"):
        s = session_factory("operator", viewport).login()
        wait_for_map(s.page)
        assert s.page.evaluate(POLYGONS) == 134
        s.page.locator("path.leaflet-interactive").nth(40).dispatch_event("click")
        s.page.wait_for_selector(".sector-card", timeout=10_000)
        card = s.page.inner_text(".sector-card")
        assert "Code INSEE" in card and "Résidents" in card
        s.screenshot(f"situation-{viewport}")
        s.assert_no_horizontal_scroll()
        assert s.errors == [], s.errors


def test_colours_follow_new_data_and_geometry_is_fetched_once(session_factory: Any, live_server: Any,
                                                             seeded_data_dir: Any) -> None:
    s = session_factory("operator").login()
    wait_for_map(s.page)
    time.sleep(2.5)  # let one refresh pass
    before = fills(s.page).count(DARKEST)

    push_correction(live_server, seeded_data_dir, "13004", 250_000)

    s.page.wait_for_function(
        f"() => Array.from(document.querySelectorAll('path.leaflet-interactive'))"
        f".filter(e => e.getAttribute('fill') === '{DARKEST}').length > {before}", timeout=15_000)
    geometry = [u for u in s.requests if "/geo/sectors.geojson" in u]
    updates = [u for u in s.requests if "/_dash-update-component" in u]
    assert len(geometry) == 1, geometry
    assert len(updates) >= 3
    assert s.errors == [], s.errors


def test_event_names_are_text_not_html(session_factory: Any) -> None:
    s = session_factory("operator").login()
    wait_for_map(s.page)
    s.page.wait_for_selector("#situation-events td", timeout=10_000)
    assert "<img" in s.page.inner_text("#situation-events")
    assert s.page.evaluate("window.__x") is None
    assert s.page.locator("#situation-events img").count() == 0
    # the event is under way: its sector (Arles) is outlined on the map
    s.page.wait_for_function("() => document.querySelectorAll('#situation-map path[stroke=\"#ff6d00\"]').length >= 1",
                             timeout=10_000)


