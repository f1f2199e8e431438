"""Calendar facts the simulator needs: school holidays (zone B) and French public holidays."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from vigie.sectors import REPO_ROOT

DEFAULT_HOLIDAYS_PATH = REPO_ROOT / "data" / "calendar" / "school_holidays.csv"


class InvalidCalendar(ValueError):
    """The school holidays file cannot be used; the message names the line."""


@dataclass(frozen=True)
class HolidayPeriod:
    """School holidays: [start, end) local dates."""

    name: str
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


def read_school_holidays(path: Path = DEFAULT_HOLIDAYS_PATH, zone: str = "B") -> tuple[HolidayPeriod, ...]:
    """Holiday periods of one school zone, from the CSV table."""
    periods = []
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row.get("zone") != zone:
                continue
            try:
                start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
            except (KeyError, TypeError, ValueError):
                raise InvalidCalendar(f"{path}: line {line}: start and end must be YYYY-MM-DD dates") from None
            if end <= start:
                raise InvalidCalendar(f"{path}: line {line}: end must be after start")
            periods.append(HolidayPeriod(row.get("name", ""), start, end))
    return tuple(sorted(periods, key=lambda p: p.start))


@lru_cache(maxsize=1)
def default_school_holidays() -> tuple[HolidayPeriod, ...]:
    """Zone B periods of the shipped table."""
    return read_school_holidays()


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar, anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The eleven French public holidays of a year (metropolitan France)."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [sunday + timedelta(days=1), sunday + timedelta(days=39), sunday + timedelta(days=50)]
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


def is_school_holiday(day: date, periods: tuple[HolidayPeriod, ...] | None = None) -> bool:
    """True on a school holiday day (zone B by default); summer counts."""
    return any(day in p for p in (default_school_holidays() if periods is None else periods))
