"""The embedded simulated operator: realistic, seeded, vectorised population counts.

For each sector s and slot t the model builds four segments (docs/simulator.md):

* residents     — people living in s who are in s: residents minus those away on holiday,
                  at work elsewhere (weekday commuting), out for leisure, drawn to events;
* excursionists — people from elsewhere without an overnight stay: commuters from other
                  sectors or départements, day trippers, event visitors;
* tourists_fr / tourists_intl — overnight visitors from outside, in their lodging sector
                  or visiting another one during the day.

Flows between sectors are conserved (a commuter leaves one sector and enters another):
origin shares x a gravity matrix (attraction x exp(-distance / scale)). Every random draw
comes from numpy SeedSequence([seed, ...slot or day...]), so the same (seed, slot) gives
the same numbers whatever order or batch size slots are generated in.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from vigie.calendar.days import HolidayPeriod, default_school_holidays, is_public_holiday, read_school_holidays
from vigie.calendar.events import Event, default_events_path, read_events
from vigie.config import Settings
from vigie.errors import VigieError
from vigie.feed.formats import COUNT_COLUMNS, ObservationTable, VisitorTable
from vigie.feed.simulator_shapes import (LOCAL_SHARE, DayRegime, beach_weather, bell, day_regime, event_activity,
                                         event_crowd, leisure_share, local_clock, occupancy, sampling_noise,
                                         work_share)
from vigie.sectors import Catalogue, SectorProfile, default_catalogue_path, default_profiles_path, load_catalogue
from vigie.slots import PARIS, local_day_bounds, to_local

RES, TFR, TIN, EXC = range(4)
_NOISE_STREAM, _DAY_STREAM = 1, 2


class SimulatorError(VigieError, ValueError):
    """The simulator cannot answer this request; the message says why."""


@dataclass(frozen=True)
class Injection:
    """A scenario change added on top of generated presence (training mode).

    During [start, end) the sector's segments are multiplied by `multiplier`, then `delta`
    people are added to its excursionists (a negative delta removes people from every
    segment in proportion, never below zero). Entries and unique visitors follow.
    """

    sector: str
    start: int
    end: int
    delta: int = 0
    multiplier: float = 1.0


@dataclass(frozen=True)
class Calibration:
    """The model's constants (documented and measured in docs/simulator.md)."""

    away_base: float = 0.02              # residents away from the département, any day
    away_school: float = 0.035           # extra during school holidays
    away_summer: float = 0.11            # extra at the mid-August peak
    commute_dormitory: float = 0.36      # share of residents working/studying elsewhere
    commute_other: float = 0.30          # ... minus 0.22 x employment_pole
    commute_external: float = 60_000     # commuters from neighbouring départements
    work_decay_km: float = 18.0
    leisure_rate: float = 0.15           # residents out for leisure at the weekend peak
    leisure_decay_km: float = 30.0
    tourist_decay_km: float = 40.0
    tourist_out: float = 0.5             # lodged tourists visiting elsewhere at the peak
    capacity_seaside: float = 20_000     # tourist beds of a top seaside/Camargue resort
    capacity_inland: float = 2_500       # ... of a top inland destination
    capacity_per_resident: float = 0.12  # hotels and lodging in towns (x tourism share)
    capacity_second_homes: float = 0.25  # coastal second homes (x residents, communes)
    day_trippers: float = 110_000        # excursionists from outside at the summer peak
    day_trippers_base: float = 12_000
    event_local_share: float = 0.65      # event visitors who come from the département (other categories)
    operator_share: float = 0.35         # share of the population the operator observes (then extrapolated)
    noise_model: float = 0.01            # log-sd of the extrapolation error per slot
    noise_day: float = 0.03              # log-sd of the per-sector day effect
    weather_sd: float = 0.25             # log-sd of the day's beach weather (x1.3 on summer weekends)
    city_barrier: float = 0.45           # Marseille residents' pull towards jobs outside the city
    vfr_base: float = 0.010              # guests of residents (friends and relatives), share of residents
    turnover: tuple[float, float, float, float] = (0.004, 0.02, 0.02, 0.10)
    repeat_share: float = 0.5            # share of turnover arrivals already seen in the period
    pool_per_person: float = 25.0        # potential distinct visitors per resident or tourist bed
    pool_base: float = 20_000.0
    mobile_share: float = 0.35           # visitors of a commune also seen elsewhere in its basin
    mobile_share_city: float = 0.5       # same for Marseille arrondissements


BASIN_CENTRES = {  # (lon, lat) of the visitor basins used by zone unique visitors
    "aix": (5.45, 43.53), "etang": (5.08, 43.45), "arles": (4.63, 43.60), "aubagne": (5.60, 43.26),
    "salon": (5.10, 43.66), "alpilles": (4.85, 43.80),
}

_H_WORK = ([0, 6.5, 7.5, 9, 12, 13, 14, 16.5, 18, 19.5, 24], [0, 0, 0.45, 1, 1, 0.88, 1, 0.95, 0.45, 0.06, 0])
_H_LEISURE = ([0, 7, 9, 11, 13, 15, 17, 19, 21, 23, 24], [0.02, 0.02, 0.2, 0.55, 0.75, 1, 0.95, 0.6, 0.45, 0.2, 0.05])
_H_TOURIST = ([0, 8, 10, 12, 15, 18, 20, 22, 24], [0, 0, 0.6, 0.9, 1, 0.7, 0.4, 0.1, 0])
_H_TRIPPERS = ([0, 7, 9, 11, 14, 17, 19, 21, 24], [0, 0, 0.2, 0.7, 1, 0.8, 0.35, 0.1, 0])


@dataclass
class Frame:
    """Simulated counts for slots x sectors: segments (T, S, 4) and entries (T, S)."""

    slots: np.ndarray
    codes: tuple[str, ...]
    segments: np.ndarray
    entries: np.ndarray
    previous: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    @property
    def present(self) -> np.ndarray:
        return self.segments.sum(axis=2)

    def to_table(self) -> ObservationTable:
        """The frame as feed rows (slot-major), ready for ingestion."""
        t, s = self.present.shape
        counts = np.empty((t * s, len(COUNT_COLUMNS)), np.int64)
        counts[:, 0] = self.present.reshape(-1)
        counts[:, 1:5] = self.segments.reshape(-1, 4)
        counts[:, 5] = self.entries.reshape(-1)
        return ObservationTable(list(self.codes) * t, np.repeat(self.slots, s), counts,
                                np.zeros_like(counts, dtype=bool), np.arange(2, t * s + 2, dtype=np.int64))


class Simulator:
    """Seeded operator for a sector catalogue; see the module docstring and docs/simulator.md."""

    def __init__(self, catalogue: Catalogue, profiles: Mapping[str, SectorProfile], events: Sequence[Event] = (), *,
                 seed: int, slot_minutes: int, injections: Sequence[Injection] = (),
                 holidays: Sequence[HolidayPeriod] | None = None, calibration: Calibration = Calibration(),
                 other_zones: Sequence[Sequence[HolidayPeriod]] | None = None) -> None:
        self.codes = catalogue.codes
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.seed, self.step, self.cal = int(seed), slot_minutes * 60, calibration
        self.holidays = tuple(default_school_holidays() if holidays is None else holidays)
        self.other_zones = tuple(tuple(z) for z in (_other_zone_holidays() if other_zones is None else other_zones))
        self._load_sectors(catalogue, profiles)
        self.events = [e for e in events if any(c in self.index for c in e.sectors)]
        self._days: OrderedDict[date, dict[str, Any]] = OrderedDict()
        self._origins: dict[tuple[int, ...], np.ndarray] = {}
        self._event_weights = {e.event_id: self._event_total_weight(e) for e in self.events}
        self.injections = list(injections)
        for item in self.injections:
            if item.sector not in self.index:
                raise SimulatorError(f"injection: unknown sector {item.sector!r}")

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: Settings, injections: Sequence[Injection] = ()) -> "Simulator":
        """The simulator of the configured département (catalogue, profiles, events file)."""
        folder, dept = settings.reference_dir, settings.dept
        catalogue = load_catalogue(default_catalogue_path(folder, dept))
        profiles = catalogue.load_profiles(default_profiles_path(folder, dept))
        events_path = default_events_path(folder, dept)
        events = read_events(events_path, set(catalogue.codes)) if events_path.exists() else []
        return cls(catalogue, profiles, events, seed=settings.simulator_seed, slot_minutes=settings.slot_minutes,
                   injections=injections)

    def with_injections(self, injections: Sequence[Injection]) -> "Simulator":
        """A copy of this simulator with another list of injections."""
        clone = object.__new__(Simulator)
        clone.__dict__.update(self.__dict__)
        clone._days, clone._origins = self._days.copy(), dict(self._origins)
        clone.injections = list(injections)
        for item in clone.injections:
            if item.sector not in self.index:
                raise SimulatorError(f"injection: unknown sector {item.sector!r}")
        return clone

    def _load_sectors(self, catalogue: Catalogue, profiles: Mapping[str, SectorProfile]) -> None:
        """Per-sector arrays: residents, profile features, distances, basins, capacities."""
        missing = [c for c in self.codes if c not in profiles]
        if missing:
            raise SimulatorError(f"no profile for sectors {' '.join(missing[:10])}; complete the profiles file")
        sectors = [catalogue.get(c) for c in self.codes]
        prof = [profiles[c] for c in self.codes]
        self.residents = np.array([s.population for s in sectors], float)
        self.commune = np.array([not (s.authority == "BMPM" or s.name.startswith("Marseille ")) for s in sectors])
        f = {name: np.array([float(getattr(p, name)) for p in prof]) for name in
             ("coast", "camargue", "calanques", "employment_pole", "industrial", "dormitory", "tourism")}
        self.features = f
        self.massif = np.array([p.massif is not None for p in prof], float)
        lon = np.radians([s.centroid[0] for s in sectors])
        lat = np.radians([s.centroid[1] for s in sectors])
        self.distance = _haversine_km(lon, lat)
        self.east = np.where(np.degrees(lon) > 5.2, 1.0, -1.0)
        cal = self.cal
        self.commute_rate = np.where(f["dormitory"] > 0, cal.commute_dormitory,
                                     np.maximum(0.08, cal.commute_other - 0.22 * f["employment_pole"]))
        self.job_pull = f["employment_pole"] ** 2 * np.sqrt(self.residents + 2_000) * (1 + 0.5 * f["industrial"])
        self.work_matrix = _barrier(_gravity(self.job_pull, self.distance, cal.work_decay_km),
                                    ~self.commune, cal.city_barrier)
        seaside = np.maximum(f["coast"], f["camargue"])
        self.capacity = (f["tourism"] ** 1.5 * (cal.capacity_inland + cal.capacity_seaside * seaside)
                         + cal.capacity_per_resident * f["tourism"] * self.residents
                         + cal.capacity_second_homes * f["coast"] * self.residents * self.commune)
        self.visitor_pool = cal.pool_per_person * (self.residents + self.capacity) + cal.pool_base
        self.intl_share = np.clip(0.2 + 0.3 * f["tourism"] + 0.1 * ~self.commune, 0, 0.6)
        self.basin = self._basins(sectors)
        self.mobile = np.where(self.commune, cal.mobile_share, cal.mobile_share_city)

    def _basins(self, sectors: Sequence[Any]) -> np.ndarray:
        """Basin index of each sector: Marseille, or the nearest basin centre."""
        names = ["marseille", *BASIN_CENTRES]
        centres = np.array(list(BASIN_CENTRES.values()))
        out = np.zeros(len(sectors), np.int64)
        for i, sector in enumerate(sectors):
            if not self.commune[i]:
                continue
            d = ((centres - np.array(sector.centroid)) ** 2).sum(axis=1)
            out[i] = 1 + int(np.argmin(d))
        self.basin_names = names
        return out

    # -- public API ----------------------------------------------------------------------
    def slot(self, t: int) -> Frame:
        """All sectors for the one slot starting at t."""
        return self.frame(t, t + self.step)

    def frame(self, start: int, end: int) -> Frame:
        """All sectors for every slot starting in [start, end)."""
        slots = self._slots(start, end)
        if len(slots) == 0:
            raise SimulatorError("empty period: end must be after start")
        segments = self._segments(np.concatenate([[slots[0] - self.step], slots]))
        counts = np.maximum(np.rint(segments), 0).astype(np.int64)
        entries = self._entries(counts)
        return Frame(slots, self.codes, counts[1:], entries, counts[0].sum(axis=1))

    def generate(self, start: int, end: int) -> ObservationTable:
        """Feed rows for [start, end) (what the operator would send)."""
        return self.frame(start, end).to_table()

    def unique_visitors(self, start: int, end: int) -> np.ndarray:
        """Distinct people seen in each sector during [start, end) (one value per sector)."""
        slots = self._slots(start, end)
        if len(slots) == 0:
            raise SimulatorError("empty period: end must be after start")
        peak = np.zeros(len(self.codes), np.int64)
        turnover = np.zeros(len(self.codes), np.int64)
        chunk = 7 * 86_400  # a week at a time keeps memory flat for long periods
        for lo in range(int(slots[0]), int(slots[-1]) + self.step, chunk):
            frame = self.frame(lo, min(lo + chunk, int(slots[-1]) + self.step))
            present = frame.present
            before = np.concatenate([frame.previous[None, :], present[:-1]])
            peak = np.maximum(peak, present.max(axis=0))
            turnover += (frame.entries - np.maximum(present - before, 0)).sum(axis=0)
        fresh = (1 - self.cal.repeat_share) * turnover
        # Newcomers saturate on the sector's pool of potential visitors over long periods.
        newcomers = self.visitor_pool * -np.expm1(-fresh / self.visitor_pool)
        return peak + np.rint(newcomers).astype(np.int64)

    def zone_unique_visitors(self, codes: Iterable[str], start: int, end: int) -> int:
        """Distinct people seen anywhere in the zone during [start, end).

        Each sector's visitors split into a local part, seen only there, and a mobile part
        shared within its basin: the mobile visitors of a basin form one queue and a sector
        sees the first m_s x UV_s of it, so the union over a zone is the sum of local parts
        plus, per basin, the largest mobile part. Hence max(UV_s) <= zone <= sum(UV_s).
        """
        chosen = sorted({self._index(c) for c in codes})
        if not chosen:
            raise SimulatorError("a zone needs at least one sector")
        uv = self.unique_visitors(start, end)[chosen].astype(float)
        mobile = self.mobile[chosen] * uv
        local = (uv - mobile).sum()
        basins = self.basin[chosen]
        shared = sum(mobile[basins == b].max() for b in np.unique(basins))
        return int(round(local + shared))

    def daily_visitors(self, day: date, until: int | None = None) -> VisitorTable:
        """Unique visitors of a local day per sector (so far, when `until` cuts the day)."""
        start, end = local_day_bounds(day)
        end = min(end, until) if until is not None else end
        values = self.unique_visitors(start, max(end, start + self.step))
        n = len(self.codes)
        return VisitorTable(list(self.codes), [day.isoformat()] * n, values.astype(np.int64), np.zeros(n, bool),
                            np.arange(2, n + 2, dtype=np.int64))

    def regime(self, day: date) -> DayRegime:
        """What kind of day a local date is for the model (holiday, bridge, school zones...)."""
        return day_regime(day, self.holidays, self.other_zones)

    def beach_weather(self, day: date) -> np.ndarray:
        """The day's beach weather factor per sector (mean 1; the coast follows it)."""
        regime = self.regime(day)
        summer_off = (regime.day_off or regime.bridge) and 6 <= day.month <= 8
        return beach_weather(self.seed, day, self.east, summer_off, self.cal.weather_sd)

    # -- time features ---------------------------------------------------------------------
    def _slots(self, start: int, end: int) -> np.ndarray:
        first = -(-int(start) // self.step) * self.step
        return np.arange(first, int(end), self.step, dtype=np.int64)

    def _index(self, code: str) -> int:
        try:
            return self.index[code]
        except KeyError:
            raise SimulatorError(f"unknown sector {code!r}") from None

    def _times(self, slots: np.ndarray) -> tuple[np.ndarray, list[date]]:
        """Local hour (slot middle) and local date of each slot."""
        hours, days = np.empty(len(slots)), []
        for i, ts in enumerate(slots.tolist()):
            moment = _local(ts + self.step // 2)
            hours[i] = moment.hour + moment.minute / 60
            days.append(_local(ts).date())
        return hours, days

    def _day(self, day: date) -> dict[str, Any]:
        """Everything that depends on the local day only (the last 64 days are cached)."""
        cached = self._days.get(day)
        if cached is None:
            cached = self._days[day] = self._compute_day(day)
            if len(self._days) > 64:
                self._days.popitem(last=False)
        return cached

    def _compute_day(self, day: date) -> dict[str, Any]:
        """Day factors: regime, season, weather, tourists and the leisure gravity matrices."""
        cal = self.cal
        doy = day.timetuple().tm_yday
        reg = self.regime(day)
        summer = reg.school and day.month in (7, 8)
        off = reg.day_off or reg.bridge
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, _DAY_STREAM, day.toordinal()]))
        sector_effect = np.exp(rng.normal(0, cal.noise_day, len(self.codes)))
        beach = 0.15 + 0.85 * bell(doy, 212, 35)
        weather = self.beach_weather(day)
        sky = float(weather.mean())
        away = cal.away_base + reg.departures * (cal.away_school * reg.school if not summer else
                                                 0.05 + cal.away_summer * bell(doy, 222, 14))
        away += 0.04 * reg.christmas + 0.015 * reg.long_weekend
        fire_season = (6, 15) <= (day.month, day.day) <= (9, 15)
        shopping = 1.5 if reg.weekday == 5 and not reg.holiday else 1.0
        if reg.christmas or (12, 14) <= (day.month, day.day) <= (12, 23):
            shopping *= 1.4
        pull = self._leisure_pull(beach * weather ** 1.5, fire_season, shopping)
        return {
            "away": away, "work": work_share(reg, summer, day), "occupancy": occupancy(reg, doy, summer),
            "leisure": leisure_share(reg) * (0.5 + 0.5 * beach) * sky, "sky": sky,
            "vfr": cal.vfr_base + 0.016 * bell(doy, 218, 25) + 0.005 * (reg.school and not summer)
            + 0.003 * reg.other_zones * (not summer) + 0.018 * reg.christmas + 0.006 * reg.long_weekend,
            "trippers": cal.day_trippers_base + cal.day_trippers * beach * sky * (1.0 if off else 0.45),
            "effect": sector_effect, "pull": pull,
            "leisure_matrix": _gravity(pull, self.distance, cal.leisure_decay_km),
            "tourist_matrix": _gravity(pull, self.distance, cal.tourist_decay_km),
        }

    def _leisure_pull(self, beach: np.ndarray, fire_season: bool, shopping: float) -> np.ndarray:
        """How strongly each sector draws people out for leisure that day (beach = season x weather)."""
        f = self.features
        return (f["coast"] * (0.3 + f["tourism"]) * 25_000 * beach
                + f["calanques"] * 12_000 * (0.4 + 0.6 * beach)
                + f["camargue"] * 12_000 * (0.3 + 0.7 * beach)
                + f["tourism"] ** 2 * 10_000
                + f["employment_pole"] ** 2 * 10_000 * shopping
                + self.massif * 1_500 * (0.3 if fire_season else 1.0)
                + np.sqrt(self.residents) * 5)

    # -- the model ---------------------------------------------------------------------------
    def _segments(self, slots: np.ndarray) -> np.ndarray:
        """Float segments (T, S, 4) before rounding, noise and injections included."""
        hours, days = self._times(slots)
        out = np.empty((len(slots), len(self.codes), 4))
        for day in dict.fromkeys(days):
            rows = np.array([i for i, d in enumerate(days) if d == day])
            out[rows] = self._day_segments(hours[rows], self._day(day))
        out += self._event_segments(slots)
        out = sampling_noise(out, self._noise(slots), self.cal.operator_share, self.cal.noise_model)
        self._apply_injections(slots, out)
        return np.maximum(out, 0)

    def _day_segments(self, hours: np.ndarray, day: dict[str, Any]) -> np.ndarray:
        """Segments for slots of one local day (vectorised over slots and sectors)."""
        cal = self.cal
        work = np.interp(hours, *_H_WORK)[:, None] * day["work"]
        leisure = np.interp(hours, *_H_LEISURE)[:, None] * day["leisure"] * cal.leisure_rate
        home = self.residents * (1 - day["away"])
        commuters = home * self.commute_rate * work
        night_shift = 400.0 * self.features["industrial"]
        strollers = (home - commuters) * leisure
        lodged = self.capacity * day["occupancy"] + self.residents * day["vfr"]
        tourists_out = lodged * cal.tourist_out * (0.7 + 0.3 * day["sky"]) * np.interp(hours, *_H_TOURIST)[:, None]
        trippers = np.interp(hours, *_H_TRIPPERS)[:, None] * day["trippers"]
        external = cal.commute_external * work * (self.job_pull / self.job_pull.sum())
        seg = np.empty((len(hours), len(self.codes), 4))
        seg[:, :, RES] = home - commuters - strollers
        seg[:, :, EXC] = (commuters @ self.work_matrix + strollers @ day["leisure_matrix"] + external
                          + trippers * (day["pull"] / day["pull"].sum()) + night_shift)
        stay = lodged - tourists_out
        visiting = tourists_out @ day["tourist_matrix"]
        visiting_intl = (tourists_out * self.intl_share) @ day["tourist_matrix"]
        seg[:, :, TIN] = stay * self.intl_share + visiting_intl
        seg[:, :, TFR] = stay * (1 - self.intl_share) + visiting - visiting_intl
        return seg * day["effect"][None, :, None]

    def _event_total_weight(self, event: Event) -> float:
        """Sum of the event's activity weights over its slots (normalises its presence)."""
        slots = self._slots(event.start, event.end)
        return float(self._event_activity(event, slots).sum()) if len(slots) else 0.0

    def _event_activity(self, event: Event, slots: np.ndarray) -> np.ndarray:
        """Relative crowd of an event at each slot (0 outside it), shaped by its category."""
        _, epoch_days = local_clock(slots + self.step // 2)
        off = {d: _day_off(int(d)) for d in np.unique(epoch_days).tolist()}
        day_off = np.array([off[d] for d in epoch_days.tolist()], bool)
        return event_activity(event, slots, self.step, day_off)

    def _event_segments(self, slots: np.ndarray) -> np.ndarray:
        """Extra excursionists at events, drawn partly from the département's other sectors."""
        extra = np.zeros((len(slots), len(self.codes), 4))
        lo, hi = int(slots[0]), int(slots[-1]) + self.step
        for event in self.events:
            total = self._event_weights[event.event_id]
            if not event.overlaps(lo, hi) or total <= 0:
                continue
            here = [self.index[c] for c in event.sectors if c in self.index]
            people = event_crowd(event, self._event_activity(event, slots), total, self.step)
            local = LOCAL_SHARE.get(event.category, self.cal.event_local_share)
            extra[:, here, EXC] += people[:, None] / len(here)
            extra[:, :, RES] -= people[:, None] * local * self._event_origin(here)[None, :]
        return extra

    def _event_origin(self, here: list[int]) -> np.ndarray:
        """Where the département's event visitors come from (nearby, populous sectors)."""
        key = tuple(here)
        if key not in self._origins:
            weight = self.residents * np.exp(-self.distance[here].min(axis=0) / 30.0)
            weight[here] = 0
            self._origins[key] = weight / weight.sum()
        return self._origins[key]

    def _noise(self, slots: np.ndarray) -> np.ndarray:
        """Standard normal draws per slot, sector, segment (x2), seeded by (seed, slot)."""
        out = np.empty((len(slots), len(self.codes), 4, 2))
        for i, ts in enumerate(slots.tolist()):
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, _NOISE_STREAM, ts // 60]))
            out[i] = rng.standard_normal((len(self.codes), 4, 2))
        return out

    def _apply_injections(self, slots: np.ndarray, seg: np.ndarray) -> None:
        """Apply scenario injections in place (multiplier first, then delta)."""
        for item in self.injections:
            rows = (slots >= item.start) & (slots < item.end)
            if not rows.any():
                continue
            i = self.index[item.sector]
            seg[rows, i, :] *= item.multiplier
            if item.delta >= 0:
                seg[rows, i, EXC] += item.delta
            else:
                total = seg[rows, i, :].sum(axis=1, keepdims=True)
                keep = np.clip(1 + item.delta / np.maximum(total, 1), 0, 1)
                seg[rows, i, :] *= keep

    def _entries(self, counts: np.ndarray) -> np.ndarray:
        """Arrivals per slot: every increase of a segment plus its turnover share."""
        previous, current = counts[:-1], counts[1:]
        rate = np.array(self.cal.turnover) * (self.step / 1800)
        churn = np.rint(np.minimum(previous, current) * rate).astype(np.int64)
        return (np.maximum(current - previous, 0) + churn).sum(axis=2)


@lru_cache(maxsize=4096)
def _day_off(epoch_day: int) -> bool:
    day = date.fromordinal(epoch_day + 719_163)  # 1970-01-01
    return day.weekday() >= 5 or is_public_holiday(day)


@lru_cache(maxsize=1)
def _other_zone_holidays() -> tuple[tuple[HolidayPeriod, ...], ...]:
    """School holidays of zones A and C (their visitors fill the coast outside zone B's holidays)."""
    return read_school_holidays(zone="A"), read_school_holidays(zone="C")


def _barrier(matrix: np.ndarray, city: np.ndarray, factor: float) -> np.ndarray:
    """Damp flows from the city's sectors to the rest (most city residents work in the city)."""
    out = matrix.copy()
    out[np.ix_(city, ~city)] *= factor
    sums = out.sum(axis=1, keepdims=True)
    return out / np.where(sums > 0, sums, 1)


@lru_cache(maxsize=4096)
def _local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=PARIS)


def _haversine_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle distances between all pairs of points (radians in), km."""
    dlon = lon[:, None] - lon[None, :]
    dlat = lat[:, None] - lat[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _gravity(pull: np.ndarray, distance: np.ndarray, scale_km: float) -> np.ndarray:
    """Row-stochastic matrix: share of an origin's outflow going to each other sector."""
    weight = pull[None, :] * np.exp(-distance / scale_km)
    np.fill_diagonal(weight, 0.0)
    sums = weight.sum(axis=1, keepdims=True)
    return weight / np.where(sums > 0, sums, 1)


def local_days(start: int, end: int) -> list[date]:
    """Local days touched by [start, end)."""
    first, last = to_local(start).date(), to_local(max(start, end - 1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


__all__ = ["Calibration", "Frame", "Injection", "Simulator", "SimulatorError", "local_days"]
