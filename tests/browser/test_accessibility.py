"""axe-core finds no violation on any page, in both themes, on a desktop and on a phone."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import violations

# every page, and what shows that its content has arrived
PAGES = {"/": "#situation-kpis .kpi", "/crise": "#crisis-ranking-table", "/mur": "#wall-kpis",
         "/secteur/13201": "h1", "/requetes": "#query-map", "/evenements": "h1", "/exercice": "h1",
         "/admin": "h1", "/alertes": "h1"}


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_no_accessibility_violation_on_any_page(session_factory: Any, theme: str, viewport: str) -> None:
    s = session_factory("admin", viewport)
    s.context.add_init_script(f"window.localStorage.setItem('vigie-theme', '{theme}')")
    s.page.goto(f"{s.server.url}/login")
    report = {"/login": violations(s.page)}
    s.login("/")
    for path, ready in PAGES.items():
        s.goto(path)
        s.page.wait_for_selector(ready, timeout=20_000)
        s.page.wait_for_timeout(800)   # the first refresh has filled the panels
        report[path] = violations(s.page)
    assert {path: found for path, found in report.items() if found} == {}
    assert s.errors == [], s.errors
