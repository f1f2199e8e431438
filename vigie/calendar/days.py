"""Calendar facts: school holidays (zones A, B, C), French public holidays, bridges, day types.

Public holidays come from the `holidays` package (metropolitan France). A bridge is a
Monday before a Tuesday holiday or a Friday after a Thursday holiday: most people take
it off, so it behaves like a Sunday. The day type (`day_kind`) and the regime
(`day_regime`) say which past days a day is compared with (docs/methods.md).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays

from vigie.config import SHIPPED_DATA_DIR
from vigie.errors import VigieError

# National data, the same for every département: read from the shipped table, not VIGIE_REFERENCE_DIR.
DEFAULT_HOLIDAYS_PATH = SHIPPED_DATA_DIR / "calendar" / "school_holidays.csv"
ZONES = ("A", "B", "C")
LOCAL_ZONE = "B"
# day kinds: Monday-Thursday, Friday, Saturday, Sunday (with public holidays and bridges)
WEEKDAY, FRIDAY, SATURDAY, SUNDAY = range(4)
# regimes: school term, school holidays of the local zone, summer holidays, Christmas week,
# term time here while zone A or C is on holiday (visitors, but local commuting as usual)
TERM, HOLIDAYS, SUMMER, CHRISTMAS, OTHER_ZONES = range(5)
KIND_NAMES = ("lundis-jeudis", "vendredis", "samedis", "dimanches et fériés")
REGIME_NAMES = ("période scolaire", "vacances scolaires", "été", "semaine de Noël", "vacances d'autres zones")


class InvalidCalendar(VigieError, ValueError):
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


@lru_cache(maxsize=4)
def zone_school_holidays(zone: str = LOCAL_ZONE) -> tuple[HolidayPeriod, ...]:
    """Periods of one zone of the shipped table."""
    return read_school_holidays(zone=zone)


def default_school_holidays() -> tuple[HolidayPeriod, ...]:
    """Zone B periods of the shipped table."""
    return zone_school_holidays(LOCAL_ZONE)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The French public holidays of a year (metropolitan France, `holidays` package)."""
    return frozenset(holidays.France(years=year).keys())


def is_public_holiday(day: date) -> bool:
    """True on a French public holiday."""
    return day in public_holidays(day.year)


def is_bridge(day: date) -> bool:
    """A Monday before a Tuesday holiday or a Friday after a Thursday holiday."""
    if day.weekday() == 0:
        return is_public_holiday(day + timedelta(days=1))
    if day.weekday() == 4:
        return is_public_holiday(day - timedelta(days=1))
    return False


def is_school_holiday(day: date, periods: tuple[HolidayPeriod, ...] | None = None) -> bool:
    """True on a school holiday day (zone B by default); summer counts."""
    return any(day in p for p in (default_school_holidays() if periods is None else periods))


def any_zone_on_holiday(day: date) -> bool:
    """True when at least one of the zones A, B, C is on school holidays."""
    return any(is_school_holiday(day, zone_school_holidays(zone)) for zone in ZONES)


def is_christmas_week(day: date) -> bool:
    """24 to 31 December."""
    return day.month == 12 and day.day >= 24


@lru_cache(maxsize=4096)
def day_kind(day: date) -> int:
    """WEEKDAY, FRIDAY, SATURDAY or SUNDAY (Sundays, public holidays and bridges)."""
    if day.weekday() == 6 or is_public_holiday(day) or is_bridge(day):
        return SUNDAY
    return {4: FRIDAY, 5: SATURDAY}.get(day.weekday(), WEEKDAY)


@lru_cache(maxsize=4096)
def day_regime(day: date) -> int:
    """TERM, HOLIDAYS (local zone), SUMMER, CHRISTMAS or OTHER_ZONES (zone A or C only)."""
    if is_christmas_week(day):
        return CHRISTMAS
    if day.month in (7, 8) and is_school_holiday(day):
        return SUMMER
    if is_school_holiday(day):
        return HOLIDAYS
    return OTHER_ZONES if any_zone_on_holiday(day) else TERM


def day_type_name(kind: int, regime: int) -> str:
    """French label of a day type, e.g. 'dimanches et fériés, vacances scolaires'."""
    return f"{KIND_NAMES[kind]}, {REGIME_NAMES[regime]}"
