"""Crisis ranking: the sectors holding significantly more people than usual, largest excess first.

A sector is significant at a slot when z >= crisis_min_z and excess >= crisis_min_excess
(people over the usual value). Hysteresis, computed without state so that any time t
gives the same answer: a sector stays listed until it has been under the threshold for
`crisis_hysteresis_slots` consecutive slots, i.e. it is listed at t when it was
significant at one of the slots t, t-1, ..., t-(H-1). With H = 2 a sector stays one slot
under the threshold and leaves at the second.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from vigie.allocation import AllocationResult

from vigie.config import Settings
from vigie.events import Event, load_events
from vigie.situation import Overlay, SectorSituation, Situation, significance_at, situation_at
from vigie.stations import Station, load_stations, sector_groupements
from vigie.store import Store

UNEXPLAINED = "inexpliqué"
EVENT_LEAD_SECONDS = 2 * 3600  # crowds gather before an event starts
EVENT_TAIL_SECONDS = 3600      # and take a while to leave after it ends
ALL = "all"


@dataclass(frozen=True)
class RankedSector:
    """One listed sector at slot t with what explains it."""

    rank: int
    code: str
    name: str
    authority: str
    groupement: str | None
    lon: float
    lat: float
    present: int
    usual: int
    residents: int
    excess: int
    pct: float
    ratio_usual: float
    ratio_residents: float | None
    z: float
    trend: int | None
    slope: float | None
    explanation: str
    event_ids: tuple[str, ...]
    significant: bool
    holding: bool

    def as_record(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Thresholds:
    """What makes an excess significant, and how long a sector is held."""

    min_z: float
    min_excess: int
    hysteresis_slots: int

    def significant(self, excess: float | None, z: float | None) -> bool:
        """True when both the excess and its z-score pass the thresholds."""
        return excess is not None and z is not None and z >= self.min_z and excess >= self.min_excess


def thresholds(settings: Settings, min_excess: int | None = None) -> Thresholds:
    """Thresholds from the settings; `min_excess` overrides crisis_min_excess."""
    return Thresholds(float(settings.get("crisis_min_z", 3.0)),
                      int(settings.get("crisis_min_excess", 500) if min_excess is None else min_excess),
                      max(1, int(settings.get("crisis_hysteresis_slots", 2))))


# -- groupements (cached per station list) ----------------------------------------------------------
_GROUPEMENT_CACHE: dict[tuple[str, int], dict[str, str]] = {}


def groupements(store: Store, situation: Situation, settings: Settings) -> dict[str, str]:
    """Groupement of each sector of the situation (from the station list in use)."""
    stations: list[Station] = load_stations(store, str(settings.get("dept", "13")))
    key = (str(store.path), hash((tuple(stations), tuple(s.code for s in situation.sectors))))
    if key not in _GROUPEMENT_CACHE:
        sectors = [(s.code, s.authority, s.lon, s.lat) for s in situation.sectors]
        _GROUPEMENT_CACHE.clear()
        _GROUPEMENT_CACHE[key] = sector_groupements(stations, sectors)
    return _GROUPEMENT_CACHE[key]


# -- events --------------------------------------------------------------------------------------------
def events_near(store: Store, t: int) -> list[Event]:
    """Events running at t, widened by the gathering before and the dispersal after."""
    if "events" not in store.db.table_names():
        return []
    return [e for e in load_events(store, t - EVENT_TAIL_SECONDS, t + EVENT_LEAD_SECONDS + 1)
            if e.start - EVENT_LEAD_SECONDS <= t < e.end + EVENT_TAIL_SECONDS]


def explain(code: str, events: Sequence[Event]) -> tuple[str, tuple[str, ...]]:
    """(text, event ids) of the known events covering the sector; "inexpliqué" when none."""
    mine = [e for e in events if code in e.sectors]
    if not mine:
        return UNEXPLAINED, ()
    return " ; ".join(e.name for e in mine), tuple(e.event_id for e in mine)


# -- ranking ---------------------------------------------------------------------------------------------
def _held_codes(store: Store, t: int, settings: Settings, limits: Thresholds, overlay: Overlay | None) -> set[str]:
    """Sectors significant at one of the H-1 slots before t."""
    step = int(settings.get("slot_minutes", 30)) * 60
    previous = [t - i * step for i in range(1, limits.hysteresis_slots)]
    if not previous:
        return set()
    found = significance_at(store, previous, settings, overlay)
    return {code for per_slot in found.values() for code, (excess, z) in per_slot.items()
            if limits.significant(excess, z)}


def _ranked(rank: int, s: SectorSituation, groupement: str | None, events: Sequence[Event],
            significant: bool) -> RankedSector:
    """Build one entry of the list."""
    text, ids = explain(s.code, events)
    assert s.present is not None and s.usual is not None and s.excess is not None
    return RankedSector(rank, s.code, s.name, s.authority, groupement, s.lon, s.lat, s.present, s.usual,
                        s.residents, s.excess, s.pct or 0.0, s.ratio_usual or 0.0, s.ratio_residents,
                        s.z or 0.0, s.trend, s.slope, text, ids, significant, not significant)


def rank_sectors(store: Store, t: int, settings: Settings, *, authority: str | None = None,
                 groupement: str | None = None, min_excess: int | None = None,
                 overlay: Overlay | None = None, now: int | None = None) -> list[RankedSector]:
    """Listed sectors at slot t by excess people (descending), filtered by authority and groupement."""
    limits = thresholds(settings, min_excess)
    situation = situation_at(store, t, settings, overlay=overlay, now=now)
    held = _held_codes(store, situation.at, settings, limits, overlay)
    groups = groupements(store, situation, settings)
    candidates = []
    for s in situation.sectors:
        if s.excess is None or s.z is None:
            continue  # withheld or no usual value at t: nothing may be shown
        now_significant = limits.significant(s.excess, s.z)
        if not now_significant and s.code not in held:
            continue
        if authority not in (None, ALL) and s.authority != authority:
            continue
        if groupement is not None and groups.get(s.code) != groupement:
            continue
        candidates.append((s, now_significant))
    candidates.sort(key=lambda pair: (-(pair[0].excess or 0), pair[0].code))
    events = events_near(store, situation.at) if candidates else []
    return [_ranked(i, s, groups.get(s.code), events, sig) for i, (s, sig) in enumerate(candidates, start=1)]


# -- validated plans ---------------------------------------------------------------------------------------
def plan_record(result: AllocationResult, ranked: Sequence[RankedSector], at: int,
                parameters: dict[str, Any]) -> dict[str, Any]:
    """What the decision log keeps of a plan: only what the server computed, and the what-if values it used."""
    return {"summary": result.summary("fr"), "texts": result.explain("fr"),
            "target_minutes": int(parameters.get("target_minutes", 0)), "parameters": dict(parameters),
            "ranked": [r.code for r in ranked], "status": result.status, "at": int(at),
            "figures": [[r.code, r.present, r.excess] for r in ranked]}


def plan_fingerprint(record: dict[str, Any]) -> str:
    """A digest of a plan record: two plans with the same fingerprint show the same figures."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
