"""Slot arithmetic: UTC epoch seconds in storage, Europe/Paris on screen.

A slot is identified by its start instant in UTC epoch seconds. Local days have 46 or 50
half-hour slots on DST change days; iterating in UTC never loses or doubles one.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from vigie.errors import VigieError

PARIS = ZoneInfo("Europe/Paris")
# Default slot length: the default of the slot_minutes setting (vigie.config) and of the slot arithmetic.
DEFAULT_SLOT_MINUTES = 30


def floor_slot(ts: float, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> int:
    """Start (epoch seconds) of the slot containing ts."""
    step = slot_minutes * 60
    return int(ts // step * step)


def slot_range(start: int, end: int, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> range:
    """Slots whose start lies in [start, end)."""
    step = slot_minutes * 60
    first = -(-start // step) * step
    return range(first, end, step)


def to_local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=PARIS)


def to_utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def iso_z(ts: float) -> str:
    """ISO 8601 UTC with a Z, the feed's spelling."""
    return to_utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


# Instants written with a year outside these bounds are refused wherever they are parsed
# (no overflow further down); the OpenAPI description states the same range.
FIRST_YEAR, LAST_YEAR = 1970, 2099
INSTANT_RANGE = "1970-01-01T00:00:00Z to 2099-12-31T23:59:59Z"
_LEAP_SECOND = re.compile(r"(T\d\d:\d\d):60(?=[.,+\-Zz]|$)", re.IGNORECASE)


class InstantOutOfRange(VigieError, ValueError):
    """A well-formed instant whose year is outside FIRST_YEAR..LAST_YEAR."""


def parse_instant(text: str) -> int:
    """Parse an ISO 8601 instant (Z, offset, or naive = Europe/Paris) to epoch seconds, range-checked."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    raw, leap = _LEAP_SECOND.subn(r"\1:59", raw, count=1)  # RFC 3339 leap second: the next second
    moment = datetime.fromisoformat(raw)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InstantOutOfRange(f"{text[:40]!r} is outside the accepted range, {INSTANT_RANGE}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return int(moment.timestamp()) + leap


def same_time_weeks_before(t: int, weeks: int) -> list[int]:
    """The instants at the same Paris wall time 1..weeks weeks before t (DST days keep the wall time)."""
    local = to_local(t)
    return [int((local - timedelta(weeks=w)).timestamp()) for w in range(1, weeks + 1)]


def local_day_bounds(day: date) -> tuple[int, int]:
    """[start, end) epoch seconds of a local Europe/Paris day (23, 24 or 25 hours)."""
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=PARIS)
    return int(start.timestamp()), int(end.timestamp())


def local_day(ts: float) -> date:
    return to_local(ts).date()
