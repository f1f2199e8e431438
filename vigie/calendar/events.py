"""Events calendar: ferias, festivals, matches... from data/events/NN.csv and from operators.

File columns: event_id,name,sectors,start,end,expected_attendance,category,source where
`sectors` is space-separated INSEE codes and start/end are ISO 8601 with their offset.
`expected_attendance` is cumulative over the whole event (visits over all its days).
Times are kept as UTC epoch seconds; [start, end) like slots.
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Collection, Iterable, Sequence

from vigie.calendar import repository
from vigie.errors import VigieError
from vigie.slots import PARIS, local_day, parse_instant, to_local
from vigie.store import Store

COLUMNS = ("event_id", "name", "sectors", "start", "end", "expected_attendance", "category", "source")
CATEGORIES = ("feria", "festival", "match", "fireworks", "pilgrimage", "race", "concert", "fair", "other")
ORIGINS = ("file", "user")


class InvalidEvents(VigieError, ValueError):
    """The events file (or an event) cannot be used; the message names the line and field."""


@dataclass(frozen=True)
class Event:
    """One event: where (sectors), when ([start, end) epoch seconds) and how many visits."""

    event_id: str
    name: str
    sectors: tuple[str, ...]
    start: int
    end: int
    expected_attendance: int
    category: str
    source: str = ""
    origin: str = "file"
    created_by: str | None = None

    def overlaps(self, start: int, end: int) -> bool:
        """True when the event intersects [start, end)."""
        return self.start < end and start < self.end

    def open_during(self, start: int, end: int) -> bool:
        """True when the event is open at some instant of [start, end).

        An event of a day or less is open from its start to its end. A longer one (a Christmas
        market over six weeks, a feria over five days) is open every day at the hours of its
        first and last instants, e.g. 10:00-20:00 local time (past midnight when it closes
        earlier than it opens), not through the nights in between.
        """
        if not self.overlaps(start, end):
            return False
        if self.end - self.start <= 86400:
            return True
        opens, closes = to_local(self.start).time(), to_local(self.end).time()
        for offset in range(-1, (local_day(end - 1) - local_day(start)).days + 1):
            day = local_day(start) + timedelta(days=offset)
            lo = int(datetime.combine(day, opens, tzinfo=PARIS).timestamp())
            close_day = day + timedelta(days=1) if closes <= opens else day
            hi = int(datetime.combine(close_day, closes, tzinfo=PARIS).timestamp())
            if max(lo, self.start, start) < min(hi, self.end, end):
                return True
        return False

    def local_days(self) -> list[date]:
        """Europe/Paris days the event touches (its end instant is exclusive)."""
        first, last = local_day(self.start), local_day(self.end - 1)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def default_events_path(reference_dir: Path, dept: str) -> Path:
    """Path of events/{dept}.csv in the reference data (settings.reference_dir)."""
    return reference_dir / "events" / f"{dept}.csv"


def read_events(path: Path, known_sectors: Collection[str] | None = None) -> list[Event]:
    """Read an events CSV file; raise InvalidEvents naming the line and field at fault."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidEvents(f"{path}: events file not found") from None
    except UnicodeDecodeError as exc:
        raise InvalidEvents(f"{path}: not UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    return parse_events(text, str(path), known_sectors)


def parse_events(text: str, where: str = "events", known_sectors: Collection[str] | None = None) -> list[Event]:
    """Parse events CSV text into Event objects, checking every field."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if sorted(header) != sorted(COLUMNS):
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        raise InvalidEvents(f"{where}: line 1: the header must be {','.join(COLUMNS)}"
                            f" (missing: {', '.join(missing) or '-'}; unexpected: {', '.join(extra) or '-'})")
    events: list[Event] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        event = _parse_row(row, f"{where}: line {line}", known_sectors)
        if event.event_id in seen:
            raise InvalidEvents(f"{where}: line {line}: field event_id: {event.event_id!r} already used on line {seen[event.event_id]}")
        seen[event.event_id] = line
        events.append(event)
    return events


def _parse_row(row: dict[str, str | None], where: str, known: Collection[str] | None) -> Event:
    """Check one CSV row and build its Event."""
    if None in row:
        raise InvalidEvents(f"{where}: more fields than columns (quote names that hold a comma)")
    cell = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
    for name in ("event_id", "name", "sectors", "start", "end", "expected_attendance", "category"):
        if not cell.get(name):
            raise InvalidEvents(f"{where}: field {name}: empty; fill it in")
    return make_event(cell["event_id"], cell["name"], cell["sectors"].split(), cell["start"], cell["end"],
                      cell["expected_attendance"], cell["category"], cell.get("source", ""), where=where, known_sectors=known)


def make_event(event_id: str, name: str, sectors: Sequence[str], start: str | int, end: str | int,
               expected_attendance: str | int, category: str, source: str = "", *, origin: str = "file",
               created_by: str | None = None, where: str = "event",
               known_sectors: Collection[str] | None = None) -> Event:
    """Build a checked Event from raw values (ISO text or epoch seconds for the times)."""
    begin, finish = _instant(start, "start", where), _instant(end, "end", where)
    if finish <= begin:
        raise InvalidEvents(f"{where}: field end: must be after start")
    if not sectors:
        raise InvalidEvents(f"{where}: field sectors: give at least one sector code")
    unknown = [c for c in sectors if known_sectors is not None and c not in known_sectors]
    if unknown:
        raise InvalidEvents(f"{where}: field sectors: unknown sector code(s) {' '.join(unknown)}")
    if category not in CATEGORIES:
        raise InvalidEvents(f"{where}: field category: {category!r} is not one of {', '.join(CATEGORIES)}")
    if origin not in ORIGINS:
        raise InvalidEvents(f"{where}: field origin: must be file or user")
    return Event(event_id, name, tuple(dict.fromkeys(sectors)), begin, finish,
                 _attendance(expected_attendance, where), category, source, origin, created_by)


def _instant(value: str | int, field: str, where: str) -> int:
    """Epoch seconds from epoch seconds or ISO 8601 text with an offset."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if not (text.endswith(("Z", "z")) or "+" in text[10:] or "-" in text[10:]):
        raise InvalidEvents(f"{where}: field {field}: {text!r} has no UTC offset; write e.g. 2026-07-14T20:00:00+02:00")
    try:
        return parse_instant(text)
    except ValueError:
        raise InvalidEvents(f"{where}: field {field}: {text!r} is not an ISO 8601 date-time "
                            "(e.g. 2026-07-14T20:00:00+02:00)") from None


def _attendance(value: str | int, where: str) -> int:
    """A whole number of visits >= 0."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not text.isascii():
        raise InvalidEvents(f"{where}: field expected_attendance: {text!r} must be a whole number >= 0")
    return int(text)


def events_at(events: Iterable[Event], t: int) -> list[Event]:
    """Events running at instant t."""
    return [e for e in events if e.start <= t < e.end]


def events_between(events: Iterable[Event], start: int, end: int) -> list[Event]:
    """Events intersecting [start, end), by start time."""
    return sorted((e for e in events if e.overlaps(start, end)), key=lambda e: (e.start, e.event_id))


def event_days(events: Iterable[Event], sector: str, min_daily_attendance: int = 0) -> set[date]:
    """Local days on which an event touches `sector` (days to leave out of usual values).

    `min_daily_attendance` skips diffuse events (a 12-week exhibition) whose visits per day
    are too few to disturb the usual value.
    """
    days: set[date] = set()
    for event in events:
        if sector not in event.sectors:
            continue
        touched = event.local_days()
        if event.expected_attendance / len(touched) >= min_daily_attendance:
            days.update(touched)
    return days


# -- database -------------------------------------------------------------------------

def _row(event: Event, now: int) -> list[object]:
    return [event.event_id, event.name, " ".join(event.sectors), event.start, event.end,
            event.expected_attendance, event.category, event.source, event.origin, event.created_by, now]


def sync_events(store: Store, events: Sequence[Event]) -> dict[str, int]:
    """Make the file events of the database equal `events`; user events are left alone.

    A file event whose id an operator has taken over (origin 'user') is not overwritten.
    Returns counts {"upserted", "deleted", "kept_user"}.
    """
    now = int(time.time())
    with repository.event_writes(store) as tx:
        user_ids = set(tx.ids("user"))
        file_events = [e for e in events if e.event_id not in user_ids]
        tx.upsert([_row(replace(e, origin="file", created_by=None), now) for e in file_events])
        ids = {e.event_id for e in file_events}
        stale = [i for i in tx.ids("file") if i not in ids]
        tx.delete_file_events(stale)
    return {"upserted": len(file_events), "deleted": len(stale), "kept_user": len(events) - len(file_events)}


def save_user_event(store: Store, event: Event, username: str) -> Event:
    """Add or edit an event on behalf of an operator (origin 'user')."""
    saved = replace(event, origin="user", created_by=username)
    with repository.event_writes(store) as tx:
        tx.upsert([_row(saved, int(time.time()))])
    return saved


def delete_event(store: Store, event_id: str) -> bool:
    """Delete an event; True when it existed."""
    with repository.event_writes(store) as tx:
        return tx.delete(event_id)


def load_events(store: Store, start: int | None = None, end: int | None = None) -> list[Event]:
    """Events of the database (optionally only those intersecting [start, end)), by start."""
    rows = repository.event_rows(store, start, end)
    return [Event(r[0], r[1], tuple(r[2].split()), r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows]
