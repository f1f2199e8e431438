"""Events calendar: the file, its errors (line and field), time queries, the events table."""
from __future__ import annotations

from datetime import date

import pytest

from vigie.config import SHIPPED_DATA_DIR
from vigie.calendar.events import (
    Event,
    InvalidEvents,
    delete_event,
    default_events_path,
    event_days,
    events_at,
    events_between,
    load_events,
    make_event,
    parse_events,
    read_events,
    save_user_event,
    sync_events,
)
from vigie.slots import parse_instant
from vigie.store import Store

HEADER = "event_id,name,sectors,start,end,expected_attendance,category,source"
KNOWN = {"13001", "13004", "13096", "13208", "13209", "13022"}


def test_shipped_file_loads() -> None:
    events = read_events(default_events_path(SHIPPED_DATA_DIR, "13"))
    assert len(events) > 100
    cassis = next(e for e in events if e.event_id == "2026-marseille-cassis")
    assert cassis.sectors == ("13208", "13209", "13022")
    assert cassis.start == parse_instant("2026-10-25T07:30:00+01:00")  # DST day, winter offset


@pytest.mark.parametrize("row, message", [
    ("x,Name,13001,2026-07-14T20:00:00+02:00,2026-07-14T19:00:00+02:00,10,concert,s", "line 2: field end: must be after start"),
    ("x,Name,13001,2026-07-14T20:00:00,2026-07-14T22:00:00+02:00,10,concert,s", "line 2: field start: '2026-07-14T20:00:00' has no UTC offset"),
    ("x,Name,13001,2026-07-14T20:00:00+02:00,2026-07-14T22:00:00+02:00,10.5,concert,s", "line 2: field expected_attendance"),
    ("x,Name,13999,2026-07-14T20:00:00+02:00,2026-07-14T22:00:00+02:00,10,concert,s", "line 2: field sectors: unknown sector code(s) 13999"),
    ("x,Name,13001,2026-07-14T20:00:00+02:00,2026-07-14T22:00:00+02:00,10,party,s", "line 2: field category: 'party' is not one of"),
    (",Name,13001,2026-07-14T20:00:00+02:00,2026-07-14T22:00:00+02:00,10,concert,s", "line 2: field event_id: empty"),
])
def test_errors_name_line_and_field(row: str, message: str) -> None:
    with pytest.raises(InvalidEvents) as info:
        parse_events(f"{HEADER}\n{row}\n", "events.csv", KNOWN)
    assert message in str(info.value)


def test_duplicate_ids_and_bad_header() -> None:
    row = "x,Name,13001,2026-07-14T20:00:00+02:00,2026-07-14T22:00:00+02:00,10,concert,s"
    with pytest.raises(InvalidEvents, match="line 3: field event_id: 'x' already used on line 2"):
        parse_events(f"{HEADER}\n{row}\n{row}\n")
    with pytest.raises(InvalidEvents, match="line 1: the header must be"):
        parse_events("event_id,name\n")


def _event(event_id: str, sectors: list[str], start: str, end: str, attendance: int = 1000):  # type: ignore[no-untyped-def]
    return make_event(event_id, event_id, sectors, start, end, attendance, "other")


def test_time_queries_and_event_days() -> None:
    feria = _event("feria", ["13004"], "2026-04-03T10:00:00+02:00", "2026-04-06T23:00:00+02:00", 500_000)
    expo = _event("expo", ["13004"], "2026-07-06T10:00:00+02:00", "2026-09-27T19:00:00+02:00", 150_000)
    night = _event("night", ["13001"], "2026-06-21T18:00:00+02:00", "2026-06-22T00:00:00+02:00")
    events = [expo, feria, night]
    assert events_at(events, parse_instant("2026-04-04T12:00:00+02:00")) == [feria]
    assert events_at(events, feria.end) == []
    assert events_between(events, parse_instant("2026-04-01T00:00:00Z"), parse_instant("2026-08-01T00:00:00Z")) == [feria, night, expo]
    assert event_days([night], "13001") == {date(2026, 6, 21)}, "an end at midnight does not touch the next day"
    assert event_days(events, "13004", min_daily_attendance=10_000) == {date(2026, 4, d) for d in range(3, 7)}
    assert len(event_days(events, "13004")) == 4 + 84


def test_sync_keeps_user_events(store: Store) -> None:
    a = _event("a", ["13001"], "2026-07-14T20:00:00+02:00", "2026-07-14T23:00:00+02:00")
    b = _event("b", ["13096"], "2026-07-15T20:00:00+02:00", "2026-07-15T23:00:00+02:00")
    sync_events(store, [a, b])
    save_user_event(store, _event("mine", ["13208"], "2026-07-16T20:00:00+02:00", "2026-07-16T23:00:00+02:00"), "alice")
    save_user_event(store, b, "bob")  # an operator takes over a file event
    counts = sync_events(store, [a])
    assert counts == {"upserted": 1, "deleted": 0, "kept_user": 0}
    loaded = {e.event_id: e for e in load_events(store)}
    assert set(loaded) == {"a", "b", "mine"}
    assert loaded["b"].origin == "user" and loaded["b"].created_by == "bob" and loaded["a"].origin == "file"
    assert load_events(store, parse_instant("2026-07-16T00:00:00Z"), parse_instant("2026-07-17T00:00:00Z"))[0].event_id == "mine"
    assert delete_event(store, "mine") and not delete_event(store, "mine")
    sync_events(store, [])
    assert [e.event_id for e in load_events(store)] == ["b"]


def _market() -> Event:
    """Six weeks, open 10:00-20:00 (its first and last instants), like the Christmas market of Aix."""
    return Event("noel", "Marché de Noël", ("13001",), parse_instant("2026-11-20T10:00:00+01:00"),
                 parse_instant("2026-12-31T20:00:00+01:00"), 200_000, "fair")


def test_a_market_of_six_weeks_is_open_by_day_and_closed_at_night() -> None:
    market = _market()
    at = parse_instant("2026-12-03T15:00:00+01:00")
    assert market.open_during(at, at + 1800)
    night = parse_instant("2026-12-03T03:00:00+01:00")
    assert market.overlaps(night, night + 1800) and not market.open_during(night, night + 1800)
    closing = parse_instant("2026-12-03T19:30:00+01:00")
    assert market.open_during(closing, closing + 1800)
    assert not market.open_during(closing + 1800, closing + 3600)
    assert not market.open_during(parse_instant("2027-01-01T12:00:00+01:00"), parse_instant("2027-01-01T12:30:00+01:00"))


def test_daily_hours_hold_across_the_change_of_time_and_past_midnight() -> None:
    summer = Event("f", "Festival", ("13004",), parse_instant("2026-10-20T18:00:00+02:00"),
                   parse_instant("2026-10-30T02:00:00+01:00"), 10_000, "festival")
    after_change = parse_instant("2026-10-26T18:00:00+01:00")      # winter time since the 25th
    assert summer.open_during(after_change, after_change + 1800)
    assert summer.open_during(parse_instant("2026-10-27T01:00:00+01:00"), parse_instant("2026-10-27T01:30:00+01:00"))
    assert not summer.open_during(parse_instant("2026-10-27T10:00:00+01:00"), parse_instant("2026-10-27T10:30:00+01:00"))


def test_an_event_of_a_day_or_less_is_open_from_start_to_end() -> None:
    match = Event("m", "Match", ("13208",), parse_instant("2026-12-05T20:00:00+01:00"),
                  parse_instant("2026-12-05T23:00:00+01:00"), 60_000, "match")
    assert match.open_during(match.start, match.start + 1800) and not match.open_during(match.end, match.end + 1800)
