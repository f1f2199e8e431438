"""Issue 12, item 9 in Chromium: an event name with Plotly markup is drawn as text on the sector chart."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

EVIL = '<a href="https://evil.example/">CLICK ME</a> <b>bold</b> <span style="font-size:90px;fill:red">big</span>'


def test_plotly_markup_in_an_event_name_is_shown_as_text(session_factory: Any, seeded_data_dir: Path) -> None:
    from vigie.calendar.events import make_event, save_user_event
    from vigie.store import Store

    store = Store(seeded_data_dir / "vigie.db")
    now = int(time.time())
    save_user_event(store, make_event("plotly-probe", EVIL, ["13201"], now - 7200, now + 3600, 1500, "other"),
                    "operator")
    store.close()
    s = session_factory("operator").login("/secteur/13201")
    s.page.wait_for_selector("#sector-series .main-svg", timeout=20_000)
    s.page.wait_for_function("() => document.querySelector('#sector-series').innerText.includes('CLICK ME')",
                             timeout=20_000)
    text = s.page.inner_text("#sector-series")
    assert '<a href="https://evil.example/">CLICK ME</a>' in text and "<b>bold</b>" in text
    assert s.page.locator("#sector-series a[href*='evil.example']").count() == 0
    assert s.page.locator("#sector-series svg [style*='90px']").count() == 0
    assert s.page.locator("#sector-series svg b, #sector-series svg [style*='bold']").count() == 0
