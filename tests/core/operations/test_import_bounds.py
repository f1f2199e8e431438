"""Event and overlay imports bound every cell before any pattern runs: long cells are refused at once, never echoed."""
from __future__ import annotations

import time

import pytest

from vigie.operations import imports as calendar_import, overlays
from vigie.calendar.events import COLUMNS
from vigie.operations.overlays import ImportRefused
from vigie.store import Store

LONG = "1 " * 50_000  # 100 000 characters, digits and spaces (under the csv module's own limit)


def _refused_at_once(call: object) -> str:
    started = time.perf_counter()
    with pytest.raises(ImportRefused) as refused:
        call()  # type: ignore[operator]
    assert time.perf_counter() - started < 2.0  # quadratic work on these sizes takes minutes; a loaded CI stays far below
    text = refused.value.message("en")
    assert LONG[:200] not in text and len(text) < 2000  # the cell is measured, not echoed
    return text


@pytest.mark.parametrize("column", COLUMNS)
def test_events_csv_cell_too_long(store: Store, column: str) -> None:
    row = {"event_id": "e1", "name": "Fête", "sectors": "13004", "start": "2026-07-14T20:00:00+02:00",
           "end": "2026-07-14T23:00:00+02:00", "expected_attendance": "1000", "category": "other", "source": "test"}
    row[column] = LONG
    data = (",".join(COLUMNS) + "\n" + ",".join(row[c] for c in COLUMNS) + "\n").encode()
    text = _refused_at_once(lambda: calendar_import.import_events_csv(store, data, "operator"))
    assert "characters, at most" in text or "caractères" in text


def test_events_csv_name_bound_is_the_icalendar_bound(store: Store) -> None:
    row = ["e1", "x" * 201, "13004", "2026-07-14T20:00:00+02:00", "2026-07-14T23:00:00+02:00", "10", "other", "t"]
    data = (",".join(COLUMNS) + "\n" + ",".join(row) + "\n").encode()
    assert "200" in _refused_at_once(lambda: calendar_import.import_events_csv(store, data, "operator"))


def test_icalendar_location_too_long(store: Store) -> None:
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260714T200000Z\r\n"
           f"DTEND:20260714T230000Z\r\nSUMMARY:Fête\r\nLOCATION:{'Arles ' * 100_000}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    started = time.perf_counter()
    with pytest.raises(ImportRefused) as refused:
        calendar_import.import_icalendar(store, ics.encode(), "operator")
    assert time.perf_counter() - started < 1.0
    assert "LOCATION" in str(refused.value.problems[0].en)


@pytest.mark.parametrize("importer, columns", [(overlays.import_massif_levels, overlays.MASSIF_COLUMNS),
                                               (overlays.import_flood_vigilance, overlays.FLOOD_COLUMNS)])
def test_overlay_cell_too_long(store: Store, importer: object, columns: tuple[str, ...]) -> None:
    for column in columns:
        cells = [LONG if c == column else "x" for c in columns]
        data = (",".join(columns) + "\n" + ",".join(cells) + "\n").encode()
        refused = _refused_at_once(lambda: importer(store, data, "test"))  # type: ignore[operator]
        assert f"{column}: 100000 characters, at most {overlays.MAX_CELL_CHARS}" in refused or \
            f"{column} : 100000 caractères" in refused


def test_cells_past_the_csv_limit_are_refused_not_crashed(store: Store) -> None:
    """Before, a cell over 131 072 characters raised csv.Error out of the events import (a 500)."""
    huge = "x" * 200_000
    data = (",".join(COLUMNS) + "\n" + ",".join([huge] * len(COLUMNS)) + "\n").encode()
    assert "exceeds" in _refused_at_once(lambda: calendar_import.import_events_csv(store, data, "operator"))
    flood = (",".join(overlays.FLOOD_COLUMNS) + "\n" + huge + ",x,x,x,x\n").encode()
    assert "exceeds" in _refused_at_once(lambda: overlays.import_flood_vigilance(store, flood, "test"))
