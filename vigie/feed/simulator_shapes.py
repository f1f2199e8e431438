"""Building blocks of the simulated operator: day regimes, beach weather, event shapes, sampling noise.

Everything here is a pure function of (seed, day or slot), so the simulator stays
deterministic whatever order slots are generated in (docs/simulator.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Sequence

import numpy as np

from vigie.calendar.events import Event
from vigie.calendar.days import HolidayPeriod, is_public_holiday

WEATHER_STREAM = 3
WEATHER_PHI = 0.7      # day-to-day persistence of the weather (AR(1) coefficient)
WEATHER_DEPTH = 30     # days of past innovations summed (0.7^30 < 2e-5)


@dataclass(frozen=True)
class DayRegime:
    """What kind of day a local date is, for work, leisure and tourism."""

    weekday: int
    holiday: bool          # French public holiday
    bridge: bool           # "pont": a working day between a holiday and a weekend
    christmas: bool        # 24 December to 1 January
    long_weekend: bool     # part of three or more days off in a row
    school: bool           # zone B (Aix-Marseille) school holidays
    other_zones: int       # how many of zones A and C are on holiday (0, 1, 2)
    departures: float = 1.0  # share of the holiday's departures done (first weekend) or not yet back (last day)

    @property
    def day_off(self) -> bool:
        return self.weekday >= 5 or self.holiday


def is_bridge(day: date) -> bool:
    """A Monday before a Tuesday holiday or a Friday after a Thursday holiday."""
    if is_public_holiday(day) or day.weekday() >= 5:
        return False
    if day.weekday() == 0:
        return is_public_holiday(day + timedelta(days=1))
    if day.weekday() == 4:
        return is_public_holiday(day - timedelta(days=1))
    return False


def _off(day: date) -> bool:
    return day.weekday() >= 5 or is_public_holiday(day) or is_bridge(day)


@lru_cache(maxsize=2048)
def _long_weekend(day: date) -> bool:
    """True when the day belongs to a run of at least three days off (weekend + holiday or pont)."""
    if not _off(day):
        return False
    run = 1
    for step in (-1, 1):
        probe = day + timedelta(days=step)
        while _off(probe) and run < 3:
            run, probe = run + 1, probe + timedelta(days=step)
    return run >= 3


def day_regime(day: date, school: Sequence[HolidayPeriod], others: Sequence[Sequence[HolidayPeriod]]) -> DayRegime:
    """The regime of a local day given zone B periods and the other zones' periods."""
    christmas = (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 1)
    period = next((p for p in school if day in p), None)
    departures = 1.0
    if period is not None:  # families leave over the first weekend and come back the last day
        last_day = day == period.end - timedelta(days=1)
        departures = min(1.0, 0.5 + 0.25 * (day - period.start).days, 0.5 if last_day else 1.0)
    return DayRegime(day.weekday(), is_public_holiday(day), is_bridge(day), christmas, _long_weekend(day),
                     period is not None, sum(any(day in p for p in zone) for zone in others), departures)


def bell(doy: int, centre: int, width: float) -> float:
    """A seasonal bump: 1 on day-of-year `centre`, e^-1 at +-`width` days."""
    return math.exp(-(((doy - centre) / width) ** 2))


def leisure_share(reg: DayRegime) -> float:
    """Leisure outings relative to a weekend: bridges and Christmas weekdays come close."""
    if reg.day_off:
        return 1.0
    if reg.bridge:
        return 0.8
    return 0.7 if reg.christmas else (0.55 if reg.school else 0.35)


def work_share(reg: DayRegime, summer: bool, day: date) -> float:
    """Share of the usual commuting that happens: Sundays and holidays alike, bridges half."""
    work = 1.0 if not reg.day_off else (0.22 if reg.weekday == 5 and not reg.holiday else 0.08)
    if reg.bridge:
        work = 0.55
    if reg.christmas and not reg.day_off:
        work *= 0.65
    if summer:
        work *= 0.68 if (7, 15) <= (day.month, day.day) <= (8, 20) else 0.8
    elif reg.school:
        work *= 0.88
    return work


def occupancy(reg: DayRegime, doy: int, summer: bool) -> float:
    """Occupancy of tourist beds: season, shoulder seasons, school holidays of all zones, long weekends."""
    rate = (0.11 + 0.56 * bell(doy, 214, 32) + 0.16 * bell(doy, 122, 28) + 0.14 * bell(doy, 272, 28)
            + 0.035 * (reg.school and not summer) * reg.departures + 0.01 * reg.other_zones * (not summer)
            + 0.10 * reg.long_weekend + 0.05 * reg.christmas)
    return min(0.95, rate * (1.10 if reg.weekday in (4, 5) else 1.0))


# -- beach weather ---------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def _innovation(seed: int, ordinal: int) -> tuple[float, float]:
    """The day's weather surprises: (regional, east-west contrast), standard normal."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, WEATHER_STREAM, ordinal]))
    a, b = rng.normal(0.0, 1.0, 2)
    return float(a), float(b)


@lru_cache(maxsize=2048)
def weather_state(seed: int, ordinal: int) -> tuple[float, float]:
    """Unit-variance AR(1) weather indexes of a day (persistent over several days)."""
    weights = WEATHER_PHI ** np.arange(WEATHER_DEPTH)
    draws = np.array([_innovation(seed, ordinal - k) for k in range(WEATHER_DEPTH)])
    scale = math.sqrt(1 - WEATHER_PHI ** 2)
    common, contrast = scale * (weights @ draws)
    return float(common), float(contrast)


def beach_weather(seed: int, day: date, east: np.ndarray, summer_weekend: bool, sd: float) -> np.ndarray:
    """Per-sector beach weather factor (mean 1): one regional shock plus an east-west contrast."""
    common, contrast = weather_state(seed, day.toordinal())
    spread = sd * (1.3 if summer_weekend else 1.0)
    index = (common + 0.35 * contrast * east) / math.sqrt(1 + 0.35 ** 2)
    return np.exp(spread * index - spread ** 2 / 2)


# -- event shapes ----------------------------------------------------------------------------

# Short events (<= 12 h): activity against the relative time r in [0, 1] of the event.
Curve = tuple[list[float], list[float]]
_SHORT: dict[str, Curve] = {
    "match": ([0, 0.15, 0.42, 0.86, 0.93, 1.0], [0.1, 0.35, 1.0, 1.0, 0.4, 0.08]),      # arrival, game, exit
    "fireworks": ([0, 0.3, 0.55, 0.7, 0.78, 1.0], [0.1, 0.4, 0.9, 1.0, 0.5, 0.1]),      # build-up, show, dispersal
    "race": ([0, 0.1, 0.3, 0.6, 1.0], [0.3, 1.0, 0.9, 0.5, 0.15]),                     # start, then thinning
    "concert": ([0, 0.25, 0.6, 0.85, 1.0], [0.25, 0.55, 1.0, 0.8, 0.3]),
}
_SHORT_DEFAULT: Curve = ([0, 0.08, 0.92, 1.0], [0.5, 1.0, 1.0, 0.5])
# Events where the whole attendance is present at once (one session) rather than spread.
SESSION = {"match": 1.0, "fireworks": 0.95, "race": 0.8}
# Long events: activity against the local hour; `None` window = the curve runs day and night.
_LONG: dict[str, Curve] = {
    "feria": ([0, 2, 4, 6, 10, 12, 17, 19, 22, 23.5, 24], [0.7, 0.45, 0.12, 0.05, 0.35, 0.55, 0.8, 0.7, 1.0, 1.0, 0.8]),
    "pilgrimage": ([0, 6, 9, 11, 13, 15, 17, 20, 24], [0.3, 0.25, 0.5, 0.9, 0.8, 1.0, 0.8, 0.5, 0.35]),
    "concert": ([0, 17, 19, 21, 23, 24], [0.2, 0.1, 0.4, 1.0, 0.8, 0.4]),
    "festival": ([0, 10, 12, 16, 19, 21, 23, 24], [0.2, 0.5, 0.8, 0.9, 1.0, 1.0, 0.6, 0.3]),
    "fair": ([0, 10, 12, 15, 17, 19, 20, 24], [0.0, 0.4, 0.8, 1.0, 0.9, 0.5, 0.2, 0.0]),
}
_LONG_DEFAULT: Curve = ([0, 2, 9, 10, 23, 24], [0.4, 0.05, 0.05, 1.0, 1.0, 0.4])
_ROUND_THE_CLOCK = {"feria", "pilgrimage"}
DWELL_HOURS = {"feria": 6.0, "pilgrimage": 14.0, "festival": 3.0, "concert": 3.0, "fair": 2.5, "other": 3.5}
LOCAL_SHARE = {"match": 0.8, "fireworks": 0.85, "race": 0.7, "feria": 0.5, "pilgrimage": 0.3, "festival": 0.55,
               "concert": 0.6, "fair": 0.8, "other": 0.65}
_WEEKEND_WEIGHT = 1.6  # long events draw more on days off


def local_clock(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local hour of each slot's start and its local epoch day (Europe/Paris, vectorised)."""
    offset = np.where(_summer_time(slots), 7200, 3600)
    local = slots + offset
    return (local % 86_400) / 3600.0, local // 86_400


def _summer_time(slots: np.ndarray) -> np.ndarray:
    """True for instants under CEST (last Sunday of March 01:00 UTC to last Sunday of October)."""
    years = np.array([datetime.fromtimestamp(int(t), tz=timezone.utc).year for t in (slots.min(), slots.max())])
    out = np.zeros(len(slots), bool)
    for year in range(int(years[0]), int(years[1]) + 1):
        out |= (slots >= _last_sunday_1utc(year, 3)) & (slots < _last_sunday_1utc(year, 10))
    return out


@lru_cache(maxsize=64)
def _last_sunday_1utc(year: int, month: int) -> int:
    last = date(year, month, 31)
    last -= timedelta(days=(last.weekday() + 1) % 7)
    return int(datetime(last.year, last.month, last.day, 1, tzinfo=timezone.utc).timestamp())


def event_activity(event: Event, slots: np.ndarray, step: int, day_off: np.ndarray) -> np.ndarray:
    """Relative crowd of an event at each slot (0 outside it), by the event's category."""
    inside = (slots >= event.start) & (slots < event.end)
    middle = slots + step // 2
    if event.end - event.start <= 12 * 3600:
        r = (middle - event.start) / (event.end - event.start)
        return inside * np.interp(r, *_SHORT.get(event.category, _SHORT_DEFAULT))
    hours, _ = local_clock(middle)
    curve = np.interp(hours, *_LONG.get(event.category, _LONG_DEFAULT))
    if event.category not in _ROUND_THE_CLOCK:
        curve = curve * _daily_window(event, hours)
    return inside * curve * np.where(day_off, _WEEKEND_WEIGHT, 1.0)


def _daily_window(event: Event, hours: np.ndarray) -> np.ndarray:
    """1 inside the event's daily opening hours (start to end time of day), a trickle outside."""
    open_h, _ = local_clock(np.array([event.start]))
    close_h, _ = local_clock(np.array([event.end]))
    lo, hi = float(open_h[0]), float(close_h[0])
    if hi == lo:
        return np.ones_like(hours)
    inside = (hours >= lo) & (hours < hi) if hi > lo else (hours >= lo) | (hours < hi)
    return np.where(inside, 1.0, 0.05)


def event_crowd(event: Event, activity: np.ndarray, total_weight: float, step: int) -> np.ndarray:
    """People at the event at each slot: one session, or visits spread with a dwell time."""
    if event.category in SESSION and event.end - event.start <= 12 * 3600:
        return event.expected_attendance * SESSION[event.category] * activity
    hours = (event.end - event.start) / 3600
    dwell = min(DWELL_HOURS.get(event.category, 3.5), 0.85 * hours)
    crowd = activity * event.expected_attendance * dwell / (total_weight * step / 3600)
    return np.minimum(crowd, float(event.expected_attendance))


# -- sampling noise ----------------------------------------------------------------------------

def sampling_noise(true: np.ndarray, draws: np.ndarray, share: float, multiplicative: float) -> np.ndarray:
    """Counts extrapolated from one operator's share: binomial sampling (normal form) times a model error.

    `draws` holds two standard normal arrays shaped like `true` (stacked on the last axis).
    """
    base = np.maximum(true, 0.0)
    sampled = base + np.sqrt(base * (1 - share) / share) * draws[..., 0]
    return np.maximum(sampled, 0.0) * np.exp(multiplicative * draws[..., 1])


__all__ = ["DayRegime", "LOCAL_SHARE", "beach_weather", "bell", "day_regime", "event_activity", "event_crowd",
           "is_bridge", "leisure_share", "local_clock", "occupancy", "sampling_noise", "weather_state", "work_share"]
