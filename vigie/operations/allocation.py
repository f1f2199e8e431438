"""Resource suggestion: where to pre-position VSAV, FPT and CCF for the extra people present.

An optimisation problem as an object (`AllocationProblem.from_situation(...).solve()`),
solved as a mixed-integer programme with scipy.optimize.milp (HiGHS):

* demand[d, r] = extra people of sector d / people_per_unit[r], rounded (ratios file);
  CCF only where the sector lies in a forest massif at a listed fire-risk level;
* x[s, d, r] >= 0 integer: vehicles of type r sent from station s to sector d, for pairs
  whose travel time (great-circle x detour / speed, or a matrix; lengthened by the
  congestion of the destination) is at most max_move_minutes, and whose authorities
  match unless mutual aid is on; a station located in d covers d without moving;
* c[d, r] in [0, demand]: demand covered; sum_s x[s, d, r] = c[d, r] (>= in the
  textbook form; = also keeps free on-site vehicles from exceeding the demand);
* sum_d x[s, d, r] <= available[s, r] - minimum[s, r]: never strip a station;
* staff: sum_{d, r} crew[r] x[s, d, r] <= crew[s] - sum_r crew[r] minimum[s, r] (optional);
* maximise sum w[d, r] c[d, r] - penalties, w = extra people per unit of demand
  (normalised): a vehicle arriving after the response-time target counts only
  beyond_target_value of a timely one, and epsilon x minutes prefers short moves.

docs/methods.md gives the assumptions and the limits.
"""
from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from vigie.config import Settings
from vigie.errors import VigieError
from vigie.i18n import Message
from vigie.operations.levels import MASSIF_LEVELS, NO_LEVEL, UnknownLevel, canonical_level
from vigie.operations.stations import RESOURCES, Station, great_circle_km


class AllocationError(VigieError, ValueError):
    """The resource suggestion cannot be computed; the message says what to fix."""


class InfeasibleAllocation(AllocationError):
    """The solver found no plan (or failed)."""


class InvalidRatios(AllocationError):
    """The ratios file or a travel-time matrix cannot be used."""


class NoStations(AllocationError):
    """There is no station to move resources from."""


# -- settings files --------------------------------------------------------------------------
@dataclass(frozen=True)
class ResourceRatio:
    """Planning ratio of one vehicle type."""

    key: str
    label: str
    people_per_unit: float
    crew: int
    min_units_by_level: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Ratios:
    """Everything the allocation model takes from data/allocation/ratios.json."""

    resources: tuple[ResourceRatio, ...]
    detour_factor: float = 1.3
    speed_kmh: float = 60.0
    congestion_slope: float = 0.25
    congestion_cap: float = 2.0
    max_move_minutes: float = 90.0
    beyond_target_value: float = 0.5
    limit_by_station_crew: bool = True
    keep_first: tuple[str, ...] = ("vsav", "fpt")  # a station keeps its first vehicle of these types

    def resource(self, key: str) -> ResourceRatio:
        """The ratio of one vehicle type."""
        return next(r for r in self.resources if r.key == key)


def default_ratios_path(reference_dir: Path) -> Path:
    """Path of allocation/ratios.json in the reference data (settings.reference_dir)."""
    return reference_dir / "allocation" / "ratios.json"


def default_travel_path(reference_dir: Path) -> Path:
    """Path of the optional allocation/travel_times.csv in the reference data (settings.reference_dir)."""
    return reference_dir / "allocation" / "travel_times.csv"


def _positive(value: Any, name: str) -> float:
    """A finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InvalidRatios(f"ratios: {name} must be a number > 0, not {value!r}")
    return float(value)


def _ratio_level(name: str) -> str:
    """A level key of `min_units_by_level`, French or English, as the French level."""
    try:
        return canonical_level(name)
    except UnknownLevel as exc:
        raise InvalidRatios(f"ratios: unknown fire-risk level {name!r}: use one of {', '.join(MASSIF_LEVELS)}") from exc


def parse_ratios(data: Mapping[str, Any]) -> Ratios:
    """Check a ratios document and build Ratios."""
    resources = data.get("resources")
    if not isinstance(resources, Mapping) or sorted(resources) != sorted(RESOURCES):
        raise InvalidRatios(f"ratios: 'resources' must describe exactly {', '.join(RESOURCES)}")
    parsed = []
    for key in RESOURCES:
        spec = resources[key]
        levels = {_ratio_level(k): int(v) for k, v in dict(spec.get("min_units_by_level", {})).items()}
        parsed.append(ResourceRatio(key, str(spec.get("label", key.upper())),
                                    _positive(spec.get("people_per_unit"), f"{key}.people_per_unit"),
                                    int(_positive(spec.get("crew"), f"{key}.crew")), levels))
    travel, objective = dict(data.get("travel", {})), dict(data.get("objective", {}))
    value = float(objective.get("beyond_target_value", 0.5))
    if not 0 <= value <= 1:
        raise InvalidRatios("ratios: objective.beyond_target_value must be between 0 and 1")
    return Ratios(tuple(parsed),
                  _positive(travel.get("detour_factor", 1.3), "travel.detour_factor"),
                  _positive(travel.get("speed_kmh", 60), "travel.speed_kmh"),
                  float(travel.get("congestion_slope", 0.25)),
                  _positive(travel.get("congestion_cap", 2.0), "travel.congestion_cap"),
                  _positive(travel.get("max_move_minutes", 90), "travel.max_move_minutes"),
                  value, bool(objective.get("limit_by_station_crew", True)), _keep_first(objective))


def _keep_first(objective: Mapping[str, Any]) -> tuple[str, ...]:
    """objective.keep_first: vehicle types of which a station keeps its first one (default VSAV and FPT)."""
    raw = objective.get("keep_first", ["vsav", "fpt"])
    if not isinstance(raw, list) or any(r not in RESOURCES for r in raw):
        raise InvalidRatios(f"ratios: objective.keep_first must list some of {', '.join(RESOURCES)}, not {raw!r}")
    return tuple(raw)


def keeping_first(station: Station, kinds: Sequence[str]) -> Station:
    """The station with a minimum of at least 1 for each listed type it holds (its own area stays covered)."""
    raised: dict[str, Any] = {f"min_{r}": max(station.minimum(r), 1) for r in kinds if station.available(r) >= 1}
    return replace(station, **raised) if raised else station


def load_ratios(path: Path) -> Ratios:
    """Read a ratios file (the service's: default_ratios_path)."""
    try:
        return parse_ratios(json.loads(Path(path).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise InvalidRatios(f"{path}: ratios file not found") from None
    except (ValueError, TypeError, AttributeError) as exc:
        if isinstance(exc, InvalidRatios):
            raise
        raise InvalidRatios(f"{path}: cannot read the ratios ({exc})") from None


def read_travel_times(path: Path) -> dict[tuple[str, str], float]:
    """Read a travel-time matrix CSV (station_id,sector_code,minutes) into {(station, sector): minutes}."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if sorted(reader.fieldnames or []) != ["minutes", "sector_code", "station_id"]:
                raise InvalidRatios(f"{path}: line 1: the header must be station_id,sector_code,minutes")
            out = {}
            for line, row in enumerate(reader, start=2):
                try:
                    minutes = float(row["minutes"])
                except (TypeError, ValueError):
                    minutes = -1.0
                if not math.isfinite(minutes) or minutes < 0:
                    raise InvalidRatios(f"{path}: line {line}: field minutes: {row['minutes']!r} must be a number >= 0")
                out[(row["station_id"].strip(), row["sector_code"].strip())] = minutes
            return out
    except FileNotFoundError:
        raise InvalidRatios(f"{path}: travel-time matrix not found") from None


# -- demand ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemandSector:
    """A sector with extra people to cover."""

    code: str
    name: str
    authority: str
    lon: float
    lat: float
    present: int
    usual: int
    excess: int
    level: str = NO_LEVEL  # the fire-risk level of its massifs that day (operations.levels)
    area_km2: float = 0.0   # congestion applies to the part of the trip inside the sector (0: the whole trip)

    @property
    def ratio_usual(self) -> float:
        """present / usual (1 when usual is 0)."""
        return self.present / self.usual if self.usual > 0 else 1.0


def units(people: float, people_per_unit: float) -> int:
    """Vehicles called for by extra people, rounded to the nearest unit (halves up)."""
    return int(math.floor(max(0.0, people) / people_per_unit + 0.5))


def sector_demand(sector: DemandSector, ratios: Ratios) -> dict[str, int]:
    """Extra vehicles of each type the sector calls for."""
    out = {}
    for r in ratios.resources:
        count = units(sector.excess, r.people_per_unit)
        if sector.excess <= 0:
            out[r.key] = 0
            continue
        if r.min_units_by_level:
            floor = r.min_units_by_level.get(sector.level)
            count = 0 if floor is None else max(count, floor)
        out[r.key] = count
    return out


def congestion_factor(ratio_usual: float, ratios: Ratios) -> float:
    """Travel-time multiplier in a crowded sector: 1 + slope x max(0, present/usual - 1), capped."""
    return min(ratios.congestion_cap, 1.0 + ratios.congestion_slope * max(0.0, ratio_usual - 1.0))


def travel_minutes(stations: Sequence[Station], sectors: Sequence[DemandSector], ratios: Ratios,
                   travel: Mapping[tuple[str, str], float] | None = None) -> np.ndarray:
    """Minutes from each station to each sector (stations x sectors), congestion included; 0 on site."""
    lat = np.array([s.lat for s in stations])[:, None]
    lon = np.array([s.lon for s in stations])[:, None]
    km = great_circle_km(lat, lon, np.array([d.lat for d in sectors])[None, :], np.array([d.lon for d in sectors])[None, :])
    minutes = km * ratios.detour_factor / ratios.speed_kmh * 60.0
    for (i, s) in enumerate(stations):
        for j, d in enumerate(sectors):
            if travel and (s.station_id, d.code) in travel:
                minutes[i, j] = travel[(s.station_id, d.code)]
    minutes = congested(minutes, sectors, ratios)
    on_site = np.array([[s.sector_id == d.code for d in sectors] for s in stations], dtype=bool).reshape(minutes.shape)
    minutes[on_site] = 0.0
    return minutes


def congested(minutes: np.ndarray, sectors: Sequence[DemandSector], ratios: Ratios) -> np.ndarray:
    """Lengthen the part of each trip inside the crowded sector (its equivalent radius), not the whole trip."""
    factor = np.array([congestion_factor(d.ratio_usual, ratios) for d in sectors])[None, :]
    radius = np.array([math.sqrt(d.area_km2 / math.pi) if d.area_km2 > 0 else math.inf for d in sectors])
    inside = np.minimum(minutes, (radius * ratios.detour_factor / ratios.speed_kmh * 60.0)[None, :])
    return minutes + inside * (factor - 1.0)


# -- result ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """Vehicles of one type sent from one station to one sector (or kept there when on site)."""

    station_id: str
    station_name: str
    sector_code: str
    sector_name: str
    resource: str
    label: str
    count: int
    minutes: int
    within_target: bool
    on_site: bool
    people: int
    staff: int
    target_minutes: int

    def params(self) -> dict[str, Any]:
        """The parameters of its catalogue messages."""
        return {"count": self.count, "label": self.label, "station": self.station_name, "sector": self.sector_name,
                "minutes": self.minutes, "people": self.people, "target": self.target_minutes}

    def message(self) -> Message:
        """The move on its own line (API, one move): '2 VSAV du CIS Arles vers Saintes-Maries-de-la-Mer, 38 min'."""
        if self.on_site:
            return Message("allocation.on_site_one" if self.count == 1 else "allocation.on_site_many", self.params())
        return Message("allocation.move" if self.within_target else "allocation.move_late", self.params())

    def text(self, lang: str = "fr") -> str:
        """One explained line, e.g. '2 VSAV du CIS Arles vers Saintes-Maries-de-la-Mer, 38 min'."""
        return self.message().render(lang)


@dataclass(frozen=True)
class SectorPlan:
    """What one destination sector receives: its extra people (said once), the moves towards it, what is there."""

    sector_code: str
    sector_name: str
    people: int
    moves: tuple[Move, ...]
    on_site: tuple[Move, ...]

    def parts(self) -> list[Message]:
        """One part per station, closest first: '2 VSAV, 1 FPT du CIS Arles, 38 min', then what is already there."""
        out: list[tuple[float, Message]] = []
        for group, on_site in ((self.moves, False), (self.on_site, True)):
            for station_id in dict.fromkeys(m.station_id for m in group):
                mine = [m for m in group if m.station_id == station_id]
                minutes = max(m.minutes for m in mine)
                params = {"vehicles": vehicles_text({m.resource: m.count for m in mine}, {m.resource: m.label for m in mine}),
                          "station": mine[0].station_name, "minutes": minutes, "target": mine[0].target_minutes}
                key = ("allocation.already_there" if on_site else "allocation.from_station"
                       if all(m.within_target for m in mine) else "allocation.from_station_late")
                out.append((minutes + (10**6 if on_site else 0), Message(key, params)))
        return [message for _minutes, message in sorted(out, key=lambda item: item[0])]

    def message(self) -> Message:
        """'Saintes-Maries-de-la-Mer (+18 400 personnes) : 2 VSAV du CIS Arles, 38 min; 1 FPT ...'."""
        return Message("allocation.sector_plan", {"sector": self.sector_name, "people": self.people,
                                                  "moves": self.parts()})


def vehicles_text(counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    """'2 VSAV, 1 FPT': counts by type in the order of RESOURCES (labels are the same in every language)."""
    return ", ".join(f"{counts[r]} {labels.get(r, r.upper())}" for r in RESOURCES if r in counts)


@dataclass(frozen=True)
class StationCover:
    """What a sending station keeps once its vehicles have left (every type it holds)."""

    station_id: str
    station_name: str
    kept: dict[str, int]
    labels: dict[str, str]

    def vehicles(self) -> str:
        """'1 VSAV, 1 FPT, 0 CCF'."""
        return vehicles_text(self.kept, self.labels)

    def message(self) -> Message:
        """'CIS Arles garde 1 VSAV, 1 FPT'."""
        return Message("allocation.station_keeps", {"station": self.station_name, "kept": self.vehicles()})


@dataclass(frozen=True)
class Shortfall:
    """Demand of one sector and type not covered within the target, and why."""

    sector_code: str
    sector_name: str
    resource: str
    label: str
    demand: int
    covered: int
    covered_within_target: int
    missing: int
    reason: str  # no_station_within_target, other_authority_only or not_enough_vehicles (allocation.reason_*)
    target_minutes: int

    def message(self) -> Message:
        """The explained line as a catalogue message: what is missing, how much arrives later, and why."""
        late = self.covered - self.covered_within_target
        return Message("allocation.shortfall_one" if self.missing == 1 else "allocation.shortfall_many", {
            "sector": self.sector_name, "missing": self.missing, "label": self.label, "demand": self.demand,
            "target": self.target_minutes, "later": Message("allocation.later", {"late": late}) if late else "",
            "why": Message(f"allocation.reason_{self.reason}", {"target": self.target_minutes})})

    def text(self, lang: str = "fr") -> str:
        """One explained line of what is left uncovered."""
        return self.message().render(lang)


@dataclass(frozen=True)
class AllocationResult:
    """The suggested plan, what it leaves uncovered, and the people beyond the target before and after."""

    status: str
    moves: list[Move]
    on_site: list[Move]
    shortfalls: list[Shortfall]
    demand: dict[str, dict[str, int]]
    people_beyond_target_before: int
    people_beyond_target_after: int
    vehicles_moved: dict[str, int]
    staff_moved: int
    seconds: float
    target_minutes: int = 0
    kept: list[StationCover] = field(default_factory=list)

    def by_sector(self) -> list[SectorPlan]:
        """The moves grouped by destination sector (most extra people first), what is on site with them."""
        order: list[str] = []
        for m in (*self.moves, *self.on_site):
            if m.sector_code not in order:
                order.append(m.sector_code)
        plans = []
        for code in order:
            moves = tuple(m for m in self.moves if m.sector_code == code)
            there = tuple(m for m in self.on_site if m.sector_code == code)
            first = (moves or there)[0]
            plans.append(SectorPlan(code, first.sector_name, first.people, moves, there))
        return plans

    def messages(self) -> list[Message]:
        """One line per destination sector, then what each sending station keeps, then every shortfall."""
        return ([p.message() for p in self.by_sector()] + [k.message() for k in self.kept]
                + [s.message() for s in self.shortfalls])

    def explain(self, lang: str = "fr") -> list[str]:
        """The lines of `messages` as text."""
        return [m.render(lang) for m in self.messages()]

    def summary_message(self) -> Message:
        """The headline as a commander says it: vehicles and firefighters moved, people out of reach before
        and after the plan."""
        if self.status == "no_demand":
            return Message("allocation.summary_no_demand")
        moved = sum(self.vehicles_moved.values())
        staff = Message("allocation.staff_one" if self.staff_moved == 1 else "allocation.staff_many",
                        {"staff": self.staff_moved})
        key = {0: "allocation.vehicles_none", 1: "allocation.vehicles_one"}.get(moved, "allocation.vehicles_many")
        beyond = Message("allocation.beyond", {"target": self.target_minutes, "before": self.people_beyond_target_before,
                                               "after": self.people_beyond_target_after})
        return Message("allocation.plan_summary", {"vehicles": Message(key, {"moved": moved, "staff": staff}),
                                                   "beyond": beyond, "no_gain": self._no_gain()})

    def summary(self, lang: str = "fr") -> str:
        """One headline for the plan."""
        return self.summary_message().render(lang)

    def _no_gain(self) -> Message | str:
        """Said plainly when the moves leave the people beyond the target where they were."""
        if not self.moves or self.people_beyond_target_after < self.people_beyond_target_before:
            return ""
        return Message("allocation.no_gain_plain", {"target": self.target_minutes})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict, texts included in both languages."""
        out = asdict(self)
        out["texts"] = {"fr": self.explain("fr"), "en": self.explain("en")}
        out["summary"] = {"fr": self.summary("fr"), "en": self.summary("en")}
        return out


def _demand_sector(s: Any, place: tuple[float, float, float] | None, level: str,
                   basis: str = "usual") -> DemandSector:
    """A demand sector at its town hall (and with its area) when the catalogue gives them.

    With the basis "residents" the extra people are present - residents (a resort full every
    summer day: Cassis 47 000 present for 7 000 residents), else present - usual."""
    lon, lat, area = place if place is not None else (float(s.lon), float(s.lat), 0.0)
    residents = getattr(s, "residents", None)
    excess = int(s.present) - int(residents) if basis == "residents" and residents is not None else int(s.excess)
    return DemandSector(s.code, s.name, s.authority, lon, lat, int(s.present), int(s.usual), excess, level, area)


@lru_cache(maxsize=4)
def demand_points(reference_dir: Path, dept: str) -> dict[str, tuple[float, float, float]]:
    """(lon, lat, area km²) per sector: the town hall where the catalogue has one (where people are),
    else the centroid (which can fall in a massif or a marsh: Saintes-Maries 6.5 km inland)."""
    from vigie.sectors import default_catalogue_path, load_catalogue

    path = default_catalogue_path(reference_dir, dept)
    if not path.exists():
        return {}
    return {s.code: (*(s.town_hall or s.centroid), s.area_km2) for s in load_catalogue(path)}


# -- the problem -------------------------------------------------------------------------------------------
class AllocationProblem:
    """Stations, sectors with extra people, ratios and travel times: build it, then solve()."""

    def __init__(self, sectors: Sequence[DemandSector], stations: Sequence[Station], ratios: Ratios, *,
                 target_minutes: float, mutual_aid: bool, travel: Mapping[tuple[str, str], float] | None = None
                 ) -> None:
        """Keep the sectors with a positive demand and precompute travel times."""
        if not stations:
            raise NoStations(key="errors.allocation_no_stations")
        self.ratios = ratios
        self.stations = [keeping_first(s, self.ratios.keep_first) for s in stations]
        self.target = float(target_minutes)
        self.mutual_aid = mutual_aid
        demands = {d.code: sector_demand(d, self.ratios) for d in sectors}
        self.sectors = [d for d in sectors if d.excess > 0 and any(demands[d.code].values())]
        self.demand = {d.code: demands[d.code] for d in self.sectors}
        self.minutes = (travel_minutes(self.stations, self.sectors, self.ratios, travel)
                        if self.sectors else np.zeros((len(self.stations), 0)))

    @classmethod
    def from_situation(cls, source: Any, stations: Sequence[Station], settings: Settings,
                       ratios: Ratios | None = None, sector_levels: Mapping[str, str] | None = None,
                       travel: Mapping[tuple[str, str], float] | Path | str | None = None) -> AllocationProblem:
        """Build from ranked sectors (crisis.rank_sectors) or a Situation (its significant sectors).

        `sector_levels`: the fire-risk level of each sector's massifs that day
        (`overlays.sector_massif_levels`); CCF are only asked where the ratios list that level.
        """
        from vigie.operations.crisis import thresholds
        from vigie.analysis.situation import Situation

        chosen: list[Any]
        if isinstance(source, Situation):
            limits = thresholds(settings)
            chosen = [s for s in source.sectors if limits.significant(s.excess, s.z)]
        else:
            chosen = list(source)
        levels = sector_levels or {}
        places = demand_points(settings.reference_dir, settings.dept)
        sectors = [d for d in (_demand_sector(s, places.get(s.code), levels.get(s.code, NO_LEVEL),
                                              settings.allocation_demand_basis)
                               for s in chosen if s.excess is not None) if d.excess > 0]
        return cls(sectors, stations, ratios or load_ratios(default_ratios_path(settings.reference_dir)),
                   target_minutes=settings.response_target_minutes, mutual_aid=settings.mutual_aid,
                   travel=_travel(travel, settings.reference_dir))

    # -- model ----------------------------------------------------------------------------------------
    def _allowed(self, s: Station, d: DemandSector) -> bool:
        """Authorities match, or mutual aid is on."""
        return self.mutual_aid or s.authority == d.authority

    def _pairs(self) -> list[tuple[int, int, str]]:
        """Eligible (station index, sector index, resource) triples."""
        out: list[tuple[int, int, str]] = []
        for i, s in enumerate(self.stations):
            for j, d in enumerate(self.sectors):
                if not self._allowed(s, d) or self.minutes[i, j] > self.ratios.max_move_minutes:
                    continue
                out.extend((i, j, r) for r in RESOURCES
                           if self.demand[d.code][r] > 0 and s.available(r) > s.minimum(r))
        return out

    def _weights(self) -> dict[tuple[int, str], float]:
        """Value of one covered unit: extra people per unit of demand, normalised to at most 1."""
        raw = {(j, r): d.excess / self.demand[d.code][r]
               for j, d in enumerate(self.sectors) for r in RESOURCES if self.demand[d.code][r] > 0}
        top = max(raw.values())
        return {key: value / top for key, value in raw.items()}

    def _model(self) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]], Any]:
        """(x triples, c keys, milp arguments)."""
        triples = self._pairs()
        cover = [(j, r) for j, d in enumerate(self.sectors) for r in RESOURCES if self.demand[d.code][r] > 0]
        weights = self._weights()
        nx = len(triples)
        spare_total = sum(max(0, s.available(r) - s.minimum(r)) for s in self.stations for r in RESOURCES)
        epsilon = min(weights.values()) / (4.0 * max(1.0, float(self.minutes.max(initial=1.0))) * (spare_total + 1))
        cost = np.zeros(nx + len(cover))
        for k, (i, j, r) in enumerate(triples):
            late = self.minutes[i, j] > self.target
            cost[k] = epsilon * self.minutes[i, j] + ((1 - self.ratios.beyond_target_value) * weights[(j, r)] if late else 0)
        cover_index = {key: nx + n for n, key in enumerate(cover)}
        for key, n in cover_index.items():
            cost[n] = -weights[key]
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        self._station_rows(triples, rows, cols, vals, lower, upper)
        by_cover: dict[tuple[int, str], list[int]] = {}
        for k, (_, j, r) in enumerate(triples):
            by_cover.setdefault((j, r), []).append(k)
        for key, n in cover_index.items():  # sum_s x - c = 0: no vehicle beyond the demand
            row = len(lower)
            members = by_cover.get(key, [])
            rows += [row] * (len(members) + 1)
            cols += members + [n]
            vals += [1.0] * len(members) + [-1.0]
            lower.append(0.0)
            upper.append(0.0)
        matrix = coo_matrix((vals, (rows, cols)), shape=(len(lower), nx + len(cover))).tocsr()
        upper_bounds = np.array([min(self.demand[self.sectors[j].code][r], max(0, self.stations[i].available(r) - self.stations[i].minimum(r)))
                                 for i, j, r in triples] + [self.demand[self.sectors[j].code][r] for j, r in cover], dtype=float)
        integrality = np.array([1] * nx + [0] * len(cover))
        args = dict(c=cost, integrality=integrality, bounds=Bounds(np.zeros(len(cost)), upper_bounds),
                    constraints=LinearConstraint(matrix, np.array(lower), np.array(upper)) if lower else None)
        return triples, cover, args

    def _station_rows(self, triples: list[tuple[int, int, str]], rows: list[int], cols: list[int],
                      vals: list[float], lower: list[float], upper: list[float]) -> None:
        """Capacity rows: spare vehicles per station and type (negative when below minimum), and staff."""
        by_station: dict[tuple[int, str], list[int]] = {}
        for k, (i, _, r) in enumerate(triples):
            by_station.setdefault((i, r), []).append(k)
        for i, s in enumerate(self.stations):
            for r in RESOURCES:
                members = by_station.get((i, r), [])
                if members or s.available(r) < s.minimum(r):
                    row = len(lower)
                    rows += [row] * len(members)
                    cols += members
                    vals += [1.0] * len(members)
                    lower.append(-np.inf)
                    upper.append(float(s.available(r) - s.minimum(r)))
            if self.ratios.limit_by_station_crew:
                members = [k for r in RESOURCES for k in by_station.get((i, r), [])]
                if members:
                    row = len(lower)
                    rows += [row] * len(members)
                    cols += members
                    vals += [float(self.ratios.resource(triples[k][2]).crew) for k in members]
                    lower.append(-np.inf)
                    upper.append(float(max(0, s.crew - sum(self.ratios.resource(r).crew * s.minimum(r) for r in RESOURCES))))

    # -- solving ------------------------------------------------------------------------------------------
    def solve(self, time_limit: float = 10.0) -> AllocationResult:
        """Solve with HiGHS; raise InfeasibleAllocation when the solver finds no optimal plan."""
        began = time.perf_counter()
        if not self.sectors:
            return AllocationResult("no_demand", [], [], [], {}, 0, 0, {r: 0 for r in RESOURCES}, 0,
                                    time.perf_counter() - began, int(self.target))
        triples, cover, args = self._model()
        result = milp(**args, options={"time_limit": time_limit, "mip_rel_gap": 1e-9, "presolve": True})
        if result.status != 0 or result.x is None:
            raise self._failure(result.status, str(result.message))
        counts = {triples[k]: int(round(v)) for k, v in enumerate(result.x[:len(triples)]) if round(v) > 0}
        return self._result(counts, time.perf_counter() - began)

    def _failure(self, status: int, message: str) -> InfeasibleAllocation:
        """The refusal that says why the solver failed and what to do."""
        below = [Message("errors.allocation_station_below", {"station": s.name, "held": s.available(r),
                                                              "resource": r.upper(), "minimum": s.minimum(r)})
                 for s in self.stations for r in RESOURCES if s.available(r) < s.minimum(r)]
        if below:
            return InfeasibleAllocation(key="errors.allocation_below_minimum", stations=below[:5])
        if status == 1:
            return InfeasibleAllocation(key="errors.allocation_solver_stopped", detail=message)
        return InfeasibleAllocation(key="errors.allocation_solver_failed", detail=message)

    def _result(self, counts: dict[tuple[int, int, str], int], seconds: float) -> AllocationResult:
        """Turn the solver's vehicle counts into explained moves, shortfalls and totals."""
        moves: list[Move] = []
        on_site: list[Move] = []
        within = {(j, r): 0 for j in range(len(self.sectors)) for r in RESOURCES}
        total = dict(within)
        for (i, j, r), count in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][2], self.minutes[kv[0][0], kv[0][1]])):
            move = self._move(i, j, r, count)
            (on_site if move.on_site else moves).append(move)
            total[(j, r)] += count
            within[(j, r)] += count if move.within_target else 0
        moves.sort(key=lambda m: (-m.people, m.sector_code, m.resource, m.minutes))
        shortfalls = self._shortfalls(within, total)
        moved = {r: sum(m.count for m in moves if m.resource == r) for r in RESOURCES}
        return AllocationResult("optimal", moves, on_site, shortfalls, self.demand,
                                self._people_beyond(self._covered_on_site()), self._people_beyond(within),
                                moved, sum(m.staff for m in moves), seconds, int(self.target), self._kept(moves))

    def _kept(self, moves: Sequence[Move]) -> list[StationCover]:
        """What each sending station keeps of every type it holds, in the order the stations send."""
        labels = {r.key: r.label for r in self.ratios.resources}
        out = []
        for s in self.stations:
            sent = {r: sum(m.count for m in moves if m.station_id == s.station_id and m.resource == r) for r in RESOURCES}
            if any(sent.values()):
                out.append(StationCover(s.station_id, s.name, {r: s.available(r) - sent[r] for r in RESOURCES
                                                               if s.available(r) > 0}, labels))
        return sorted(out, key=lambda k: k.station_name)

    def _move(self, i: int, j: int, r: str, count: int) -> Move:
        """One Move with its text fields."""
        s, d, ratio = self.stations[i], self.sectors[j], self.ratios.resource(r)
        minutes = float(self.minutes[i, j])
        on_site = s.sector_id == d.code
        return Move(s.station_id, s.name, d.code, d.name, r, ratio.label, count,
                    0 if on_site else max(1, int(math.floor(minutes + 0.5))), minutes <= self.target, on_site,
                    d.excess, count * ratio.crew, int(self.target))

    def _covered_on_site(self) -> dict[tuple[int, str], int]:
        """Demand covered with no move: spare vehicles of the sector's own stations."""
        out = {}
        for j, d in enumerate(self.sectors):
            for r in RESOURCES:
                spare = sum(s.spare(r) for s in self.stations if s.sector_id == d.code and self._allowed(s, d))
                out[(j, r)] = min(spare, self.demand[d.code][r])
        return out

    def _people_beyond(self, covered: Mapping[tuple[int, str], int]) -> int:
        """Extra people whose worst-covered vehicle type is short within the target (pro rata)."""
        people = 0.0
        for j, d in enumerate(self.sectors):
            shares = [(self.demand[d.code][r] - min(covered[(j, r)], self.demand[d.code][r])) / self.demand[d.code][r]
                      for r in RESOURCES if self.demand[d.code][r] > 0]
            people += d.excess * max(shares, default=0.0)
        return int(round(people))

    def _shortfalls(self, within: Mapping[tuple[int, str], int], total: Mapping[tuple[int, str], int]) -> list[Shortfall]:
        """Demand not covered within the target, with the reason."""
        out = []
        for j, d in enumerate(self.sectors):
            for r in RESOURCES:
                need = self.demand[d.code][r]
                timely = min(need, within[(j, r)])
                if need == 0 or timely >= need:
                    continue
                out.append(Shortfall(d.code, d.name, r, self.ratios.resource(r).label, need, min(need, total[(j, r)]),
                                     timely, need - timely, self._reason(j, r), int(self.target)))
        return sorted(out, key=lambda s: (-s.missing, s.sector_code, s.resource))

    def _reason(self, j: int, r: str) -> str:
        """Why demand (j, r) is short: no station in reach, only other-authority ones, or not enough vehicles."""
        d = self.sectors[j]
        reachable = [s for i, s in enumerate(self.stations) if self.minutes[i, j] <= self.target and s.available(r) > 0]
        if any(self._allowed(s, d) for s in reachable):
            return "not_enough_vehicles"
        return "other_authority_only" if reachable else "no_station_within_target"


def _travel(travel: Mapping[tuple[str, str], float] | Path | str | None,
            reference_dir: Path) -> Mapping[tuple[str, str], float] | None:
    """A travel-time matrix from a mapping, a CSV path, or the reference data's file when it exists."""
    if travel is None:
        path = default_travel_path(reference_dir)
        return read_travel_times(path) if path.exists() else None
    if isinstance(travel, (str, Path)):
        return read_travel_times(Path(travel))
    return travel
