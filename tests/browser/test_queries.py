"""An analyst builds a zone (list and map), queries a period, exports the CSV; each step is audited."""
from __future__ import annotations

from datetime import date, timedelta
import re
from pathlib import Path
from typing import Any

CAMARGUE = (("Saintes-Maries", "13096"), ("Port-Saint-Louis", "13078"), ("Arles", "13004"))


def pick(page: Any, search: str, code: str) -> None:
    page.click("#query-sectors")
    page.fill(".dash-dropdown-search", search)
    page.click(f".dash-dropdown-content :text('({code})')")
    page.keyboard.press("Escape")


def test_build_query_and_export_a_zone(session_factory: Any, seeded_data_dir: Path) -> None:
    from vigie.store import Store

    s = session_factory("operator").login("/requetes")
    page = s.page
    page.wait_for_function("() => document.querySelectorAll('#query-map path.leaflet-interactive').length >= 134",
                           timeout=20_000)
    for search, code in CAMARGUE:
        pick(page, search, code)
    page.locator("#query-map path.leaflet-interactive").nth(60).dispatch_event("click")  # a fourth, from the map
    page.wait_for_function("() => document.querySelectorAll('#query-map path[stroke=\"#ff6d00\"]').length === 4",
                           timeout=10_000)
    first, last = date.today() - timedelta(days=7), date.today() - timedelta(days=1)
    page.fill("#query-from", first.isoformat())         # native date fields, shown jj/mm/aaaa in fr-FR
    page.fill("#query-to", last.isoformat())
    page.click("#query-run")
    try:
        page.wait_for_selector("#query-result .kpi", timeout=30_000)
    except Exception:
        s.screenshot("requetes-debug")
        raise AssertionError(page.inner_text("#query-message") + " | " + str(page.evaluate(
            "() => [document.getElementById('query-from').value, document.getElementById('query-to').value]")))
    result = page.inner_text("#query-result")
    assert "VISITEURS UNIQUES" in result.upper() and "ENTRÉES" in result.upper()
    with page.expect_download() as download:
        page.click("#query-export")
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and b";" in body.splitlines()[0]
    number = re.compile(r"-?\d+(,\d+)?")                 # numbers stay numbers for the spreadsheet
    assert not [cell for line in body.decode("utf-8-sig").splitlines() for cell in line.split(";")
                if cell[:1] in ("=", "+", "-", "@") and not number.fullmatch(cell)]
    assert re.fullmatch(rf"vigie-(\d{{5}}-){{4}}{first.isoformat()}_{last.isoformat()}-summary\.csv",
                        download.value.suggested_filename), download.value.suggested_filename
    actions = [r["action"] for r in Store(seeded_data_dir / "vigie.db").query(
        "SELECT action FROM audit WHERE username = 'operator' AND action LIKE 'zone.%' ORDER BY id")]
    assert actions[-2:] == ["zone.query", "zone.export"]
    page.select_option("#query-export-table", "series")          # the time series, one slot per line
    with page.expect_download() as series:
        page.click("#query-export")
    assert series.value.suggested_filename.endswith(f"-{first.isoformat()}_{last.isoformat()}-series.csv")
    lines = Path(series.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("créneau") and len(lines) > 7 * 48
    s.screenshot("requetes-result-desktop")
    assert s.errors == [], s.errors
