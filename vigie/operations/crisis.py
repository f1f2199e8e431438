"""Crisis ranking: the sectors holding significantly more people than usual, largest excess first.

A sector is significant at a slot when z >= crisis_min_z and excess >= crisis_min_excess
(people over the usual value). It enters the list after `crisis_entry_slots` consecutive
significant slots (E; one slot of noise is not a crowd). Hysteresis, computed without
state so that any time t gives the same answer: a sector stays listed until it has been
under the threshold for `crisis_hysteresis_slots` consecutive slots, i.e. it is listed at
t when a run of E significant slots ended at one of t, t-1, ..., t-(H-1). With H = 2 a
sector stays one slot under the threshold and leaves at the second.

The second list holds the sectors far below their usual value (evacuated, cut off,
deserted): z <= -crisis_min_z and a shortfall of at least crisis_min_deficit people,
with the same entry and hysteresis rules (`below_usual`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass



import numpy as np

from vigie.config import Settings
from vigie.i18n import translate
from vigie.analysis.situation import Overlay, SectorSituation, Situation, significance_at, situation_at
from vigie.calendar.events import Event, load_events
from vigie.operations import repository
from vigie.operations.stations import Station, load_stations, sector_groupements
from vigie.store import Store

UNEXPLAINED = "aucun événement connu"
EVENT_LEAD_SECONDS = 2 * 3600  # crowds gather before an event starts
EVENT_TAIL_SECONDS = 3600      # and take a while to leave after it ends
ALL = "all"



def explanation_text(explanation: str, lang: str = "fr") -> str:
    """The known events of a ranked sector, or "aucun événement connu" in the reader's language."""
    return translate("crisis.no_known_event", lang) if explanation == UNEXPLAINED else explanation

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
    compared_with: str | None = None

    def as_record(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Thresholds:
    """What makes an excess significant, and how long a sector is held."""

    min_z: float
    min_excess: int
    hysteresis_slots: int
    entry_slots: int = 1
    min_deficit: int = 2000

    def significant(self, excess: float | None, z: float | None) -> bool:
        """True when both the excess and its z-score pass the thresholds."""
        return excess is not None and z is not None and z >= self.min_z and excess >= self.min_excess

    def below(self, excess: float | None, z: float | None) -> bool:
        """True when the sector is far below its usual value (z and shortfall)."""
        return excess is not None and z is not None and z <= -self.min_z and -excess >= self.min_deficit

    @property
    def lookback(self) -> int:
        """Slots before t whose significance decides the list at t."""
        return self.entry_slots + self.hysteresis_slots - 2


def thresholds(settings: Settings, min_excess: int | None = None) -> Thresholds:
    """Thresholds from the settings; `min_excess` overrides crisis_min_excess."""
    return Thresholds(settings.crisis_min_z, settings.crisis_min_excess if min_excess is None else min_excess,
                      max(1, settings.crisis_hysteresis_slots), max(1, settings.crisis_entry_slots),
                      settings.crisis_min_deficit)


def listed_at(significant: Callable[[int], set[str]], slot: int, step: int, limits: Thresholds) -> set[str]:
    """Codes listed at slot, from the codes significant at each slot (the same rule as listed_mask)."""
    out: set[str] = set()
    for i in range(limits.hysteresis_slots):
        end = slot - i * step
        out |= set.intersection(*(significant(end - j * step) for j in range(limits.entry_slots)))
    return out


def listed_mask(significant: np.ndarray, entry_slots: int, hysteresis_slots: int) -> np.ndarray:
    """Who is listed (slots x sectors, oldest slot first) from who is significant, by the entry and hold rules."""
    sig = np.asarray(significant, dtype=bool)
    run = sig.copy()
    for i in range(1, entry_slots):
        shifted = np.zeros_like(sig)
        shifted[i:] = sig[:-i]
        run &= shifted
    out = run.copy()
    for i in range(1, hysteresis_slots):
        shifted = np.zeros_like(run)
        shifted[i:] = run[:-i]
        out |= shifted
    return out


# -- groupements (cached per station list) ----------------------------------------------------------
_GROUPEMENT_CACHE: dict[tuple[str, int], dict[str, str]] = {}


def groupements(store: Store, situation: Situation, settings: Settings) -> dict[str, str]:
    """Groupement of each sector of the situation (from the station list in use)."""
    stations: list[Station] = load_stations(store, settings)
    key = (str(store.path), hash((tuple(stations), tuple(s.code for s in situation.sectors))))
    if key not in _GROUPEMENT_CACHE:
        sectors = [(s.code, s.authority, s.lon, s.lat) for s in situation.sectors]
        _GROUPEMENT_CACHE.clear()
        _GROUPEMENT_CACHE[key] = sector_groupements(stations, sectors)
    return _GROUPEMENT_CACHE[key]


# -- events --------------------------------------------------------------------------------------------
def events_near(store: Store, t: int) -> list[Event]:
    """Events running at t, widened by the gathering before and the dispersal after."""
    if not repository.has_events_table(store):
        return []
    return [e for e in load_events(store, t - EVENT_TAIL_SECONDS, t + EVENT_LEAD_SECONDS + 1)
            if e.start - EVENT_LEAD_SECONDS <= t < e.end + EVENT_TAIL_SECONDS]


def explain(code: str, events: Sequence[Event]) -> tuple[str, tuple[str, ...]]:
    """(text, event ids) of the known events covering the sector; "aucun événement connu" when none."""
    mine = [e for e in events if code in e.sectors]
    if not mine:
        return UNEXPLAINED, ()
    return " ; ".join(e.name for e in mine), tuple(e.event_id for e in mine)


# -- ranking ---------------------------------------------------------------------------------------------
def _listed_codes(store: Store, t: int, settings: Settings, limits: Thresholds, overlay: Overlay | None,
                  now_sig: dict[str, bool], test: str) -> set[str]:
    """Sectors listed at t by the entry and hold rules, given who passes `test` at t."""
    step = settings.slot_minutes * 60
    previous = [t - i * step for i in range(limits.lookback, 0, -1)]
    found = significance_at(store, previous, settings, overlay) if previous else {}
    codes = sorted(now_sig)
    check = limits.significant if test == "above" else limits.below
    rows = [[check(*found[s][c]) if c in found.get(s, {}) else False for c in codes] for s in previous]
    rows.append([now_sig[c] for c in codes])
    mask = listed_mask(np.array(rows, dtype=bool).reshape(len(rows), len(codes)), limits.entry_slots,
                       limits.hysteresis_slots)
    return {c for c, listed in zip(codes, mask[-1].tolist()) if listed}


def _ranked(rank: int, s: SectorSituation, groupement: str | None, events: Sequence[Event],
            significant: bool) -> RankedSector:
    """Build one entry of the list."""
    text, ids = explain(s.code, events)
    assert s.present is not None and s.usual is not None and s.excess is not None
    return RankedSector(rank, s.code, s.name, s.authority, groupement, s.lon, s.lat, s.present, s.usual,
                        s.residents, s.excess, s.pct or 0.0, s.ratio_usual or 0.0, s.ratio_residents,
                        s.z or 0.0, s.trend, s.slope, text, ids, significant, not significant, s.compared_with)


def _candidates(store: Store, situation: Situation, settings: Settings, limits: Thresholds, overlay: Overlay | None,
                test: str, authority: str | None, groupement: str | None,
                groups: dict[str, str]) -> list[tuple[SectorSituation, bool]]:
    """(sector, passes the test now) of the sectors listed at the situation's slot."""
    check = limits.significant if test == "above" else limits.below
    shown = [s for s in situation.sectors if s.excess is not None and s.z is not None]  # nothing withheld
    now_sig = {s.code: check(s.excess, s.z) for s in shown}
    listed = _listed_codes(store, situation.at, settings, limits, overlay, now_sig, test)
    out = []
    for s in shown:
        if s.code not in listed:
            continue
        if authority not in (None, ALL) and s.authority != authority:
            continue
        if groupement is not None and groups.get(s.code) != groupement:
            continue
        out.append((s, now_sig[s.code]))
    return out


@dataclass(frozen=True)
class CrisisLists:
    """The two lists at one slot: above the usual value (the ranking) and far below it."""

    above: list[RankedSector]
    below: list[RankedSector]


def crisis_lists(store: Store, t: int, settings: Settings, *, authority: str | None = None,
                 groupement: str | None = None, min_excess: int | None = None,
                 overlay: Overlay | None = None, now: int | None = None) -> CrisisLists:
    """Both lists from one situation: by excess (descending) and by shortfall (largest first)."""
    limits = thresholds(settings, min_excess)
    situation = situation_at(store, t, settings, overlay=overlay, now=now)
    groups = groupements(store, situation, settings)
    out = []
    for test in ("above", "below"):
        found = _candidates(store, situation, settings, limits, overlay, test, authority, groupement, groups)
        found.sort(key=lambda pair: ((-1 if test == "above" else 1) * (pair[0].excess or 0), pair[0].code))
        events = events_near(store, situation.at) if found else []
        out.append([_ranked(i, s, groups.get(s.code), events, sig) for i, (s, sig) in enumerate(found, start=1)])
    return CrisisLists(out[0], out[1])


def rank_sectors(store: Store, t: int, settings: Settings, *, authority: str | None = None,
                 groupement: str | None = None, min_excess: int | None = None,
                 overlay: Overlay | None = None, now: int | None = None) -> list[RankedSector]:
    """Listed sectors at slot t by excess people (descending), filtered by authority and groupement."""
    limits = thresholds(settings, min_excess)
    situation = situation_at(store, t, settings, overlay=overlay, now=now)
    groups = groupements(store, situation, settings)
    candidates = _candidates(store, situation, settings, limits, overlay, "above", authority, groupement, groups)
    candidates.sort(key=lambda pair: (-(pair[0].excess or 0), pair[0].code))
    events = events_near(store, situation.at) if candidates else []
    return [_ranked(i, s, groups.get(s.code), events, sig) for i, (s, sig) in enumerate(candidates, start=1)]


# -- validated plans ---------------------------------------------------------------------------------------
def below_usual(store: Store, t: int, settings: Settings, *, authority: str | None = None,
                groupement: str | None = None, overlay: Overlay | None = None,
                now: int | None = None) -> list[RankedSector]:
    """Sectors far below their usual value at slot t, largest shortfall first ("en dessous de l'habituel")."""
    return crisis_lists(store, t, settings, authority=authority, groupement=groupement, overlay=overlay,
                        now=now).below
