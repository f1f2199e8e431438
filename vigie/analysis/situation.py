"""The situation at time t: people present per sector against residents and usual values.

Every figure that leaves this module has passed the privacy rule (vigie.privacy): a
count below k, or suppressed by the operator, is None, and so is every value derived
from it; the sector then carries `suppressed=True`. Totals add only the sectors shown,
so no total can be subtracted back to a hidden sector; the number left out is reported.

Training mode adds injected presence at read time through `overlay`: a callable
`overlay(codes, slots) -> {(code, slot): delta}` whose deltas are added to `present`
before the privacy rule. A withheld cell (below k, or suppressed by the operator) stays
withheld whatever is injected, since the injected delta is known to the trainees; a
result below zero reads 0. Segments are always guarded on the observed counts, never on
the injected present. Live observations are never modified.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from vigie import privacy
from vigie.analysis import repository
from vigie.config import Settings
from vigie.feed.formats import SEGMENTS
from vigie.feed.observations import batch_version
from vigie.reference import INSUFFICIENT_HISTORY, Usual, compute_reference, describe, read_reference
from vigie.sectors import SectorInfo, UnknownSector, infos
from vigie.slots import DEFAULT_SLOT_MINUTES, PARIS, floor_slot, local_day, slot_range
from vigie.store import Store

Overlay = Callable[[list[str], list[int]], Mapping[tuple[str, int], float]]
NO_DATA = "pas de donnée"
SUPPRESSED = "secret statistique"
TREND_SECONDS = 3600
Z_FLOOR_SHARE = 0.01
SERIES_COLUMNS = ("slot", "local_time", "present", "usual", "p10", "p90", "residents", "residents_present",
                  "tourists_fr", "tourists_intl", "excursionists", "entries", "suppressed", "missing")


@dataclass(frozen=True)
class SectorSituation:
    """One sector at slot t; None means unknown or withheld (see `reason`)."""

    code: str
    name: str
    authority: str
    lon: float
    lat: float
    residents: int
    present: int | None
    usual: int | None
    spread: float | None
    p10: int | None
    p90: int | None
    n: int
    delta_residents: int | None
    ratio_residents: float | None
    excess: int | None
    pct: float | None
    ratio_usual: float | None
    z: float | None
    trend: int | None
    slope: float | None
    suppressed: bool
    reason: str | None
    segments: dict[str, int | None] = field(default_factory=dict)
    entries: int | None = None
    compared_with: str | None = None

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Situation:
    """The sectors and totals at slot `at`, with the freshness of the data."""

    at: int
    sectors: list[SectorSituation]
    totals: dict[str, dict[str, Any]]
    data_time: int | None
    now: int
    slot_minutes: int
    freshness: str
    age_seconds: int | None

    def by_code(self) -> dict[str, SectorSituation]:
        """Sectors keyed by code."""
        return {s.code: s for s in self.sectors}

    def as_records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per sector."""
        return [s.as_record() for s in self.sectors]

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready."""
        return {"at": self.at, "data_time": self.data_time, "now": self.now, "freshness": self.freshness,
                "age_seconds": self.age_seconds, "slot_minutes": self.slot_minutes,
                "totals": self.totals, "sectors": self.as_records()}


@dataclass(frozen=True)
class Movers:
    """Sectors that moved most over the last hour, and those furthest above usual."""

    moved: list[SectorSituation]
    above_usual: list[SectorSituation]


# -- sectors ----------------------------------------------------------------------------------
def active_sectors(store: Store, t: int) -> list[SectorInfo]:
    """Sectors open at t (seasonal sectors only in their season)."""
    day = local_day(t)
    return [s for s in infos(store) if s.is_active(day)]


# -- observations ------------------------------------------------------------------------------
def _apply_overlay(rows: dict[int, dict[str, list[Any]]], codes: list[str], slots: list[int],
                   overlay: Overlay | None, k: int) -> None:
    """Add injected deltas to `present` in place; a withheld base (None or below k) stays withheld."""
    if overlay is None:
        return
    for (code, slot), delta in overlay(codes, slots).items():
        row = rows.get(slot, {}).get(code)
        if row is None:  # no observation: the injection alone, nothing to hide
            rows.setdefault(slot, {})[code] = row = [None] * 7
            row[0] = max(0, int(round(delta)))
        elif privacy.is_suppressed(row[0], k):
            row[0] = None  # base + known delta would give the base back
        else:
            row[0] = max(0, int(round(row[0] + delta)))


def observations_at(store: Store, slots: Iterable[int], codes: list[str], overlay: Overlay | None = None,
                    k: int = privacy.DEFAULT_K) -> dict[int, dict[str, list[Any]]]:
    """Raw rows [present, residents, tourists_fr, tourists_intl, excursionists, entries, batch] per slot."""
    wanted = sorted(set(int(s) for s in slots))
    rows: dict[int, dict[str, list[Any]]] = {s: {} for s in wanted}
    if not wanted:
        return rows
    for code, slot, *values in repository.observation_rows(store, wanted):
        rows[slot][code] = values
    _apply_overlay(rows, codes, wanted, overlay, k)
    return rows


# -- metrics -------------------------------------------------------------------------------------
def z_score(excess: float, usual: float, spread: float | None, k: int) -> float:
    """excess / max(spread, 1 % of usual, k): the calibrated spread, floored for quiet sectors."""
    return float(excess) / max(spread or 0.0, Z_FLOOR_SHARE * usual, float(k))


def z_score_array(excess: np.ndarray, usual: np.ndarray, spread: np.ndarray, k: int) -> np.ndarray:
    """z_score over arrays (NaN where there is no usual value)."""
    return excess / np.maximum(np.maximum(np.nan_to_num(spread), Z_FLOOR_SHARE * usual), float(k))


def _shown(value: float | None, k: int) -> int | None:
    """A count rounded to the person, or None under the privacy rule."""
    return None if value is None else privacy.suppress(round(value), k)


def guard_segments(present: float | np.ndarray, segments: np.ndarray, k: int) -> np.ndarray:
    """Segments (rows x 4) with small cells hidden, plus the smallest others until the hidden sum is >= k.

    The four segments add up to `present`: hiding one small cell alone would let anyone
    read it back as present minus the others (secondary suppression). `present` must be
    the observed count, never one with an exercise injection added: the observed count is
    public in the live view, so the hidden cells are judged against it.
    """
    out = np.where(segments < k, np.nan, segments).astype("float64")
    totals = np.broadcast_to(np.asarray(present, dtype="float64"), out.shape[:1])
    for _ in range(out.shape[1]):
        hidden_sum = totals - np.nansum(out, axis=1)
        exposed = np.isnan(out).any(axis=1) & (hidden_sum < k) & ~np.isnan(out).all(axis=1)
        if not exposed.any():
            break
        smallest = np.nanargmin(np.where(np.isnan(out[exposed]), np.inf, out[exposed]), axis=1)
        out[np.nonzero(exposed)[0], smallest] = np.nan
    return out


def _trend(history: list[int | None], step: int) -> tuple[int | None, float | None]:
    """(present now - present 1 h earlier, least-squares slope in people per hour)."""
    if len(history) < 2 or any(v is None for v in history):
        return None, None
    values = [float(v) for v in history if v is not None]
    hours = [i * step / 3600.0 for i in range(len(values))]
    mean_x, mean_y = sum(hours) / len(hours), sum(values) / len(values)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(hours, values)) / sum((x - mean_x) ** 2 for x in hours)
    return int(values[-1] - values[0]), slope


def _withheld(info: SectorInfo, ref: Usual | None, observed: bool, usual: int | None) -> SectorSituation:
    """A sector whose count may not be shown (or is missing): only static figures and usual."""
    return SectorSituation(
        code=info.code, name=info.name, authority=info.authority, lon=info.lon, lat=info.lat,
        residents=info.population, present=None, usual=usual, spread=None, p10=None, p90=None,
        n=ref.n if ref else 0, delta_residents=None, ratio_residents=None, excess=None, pct=None,
        ratio_usual=None, z=None, trend=None, slope=None, suppressed=observed,
        reason=SUPPRESSED if observed else NO_DATA, segments={name: None for name in SEGMENTS}, entries=None)


def _sector(info: SectorInfo, row: list[Any] | None, ref: Usual | None, history: list[int | None],
            step: int, k: int, guarded: np.ndarray) -> SectorSituation:
    """Metrics of one sector; everything derived from a withheld count is None."""
    present = _shown(row[0], k) if row else None
    usual = _shown(ref.usual, k) if ref is not None else None
    blank = _withheld(info, ref, row is not None, usual)
    if present is None or row is None:
        return blank
    trend, slope = _trend(history, step)
    shown = replace(
        blank, present=present, usual=None, delta_residents=present - info.population,
        ratio_residents=privacy.safe_ratio(present, info.population, k), trend=trend, slope=slope,
        suppressed=False, entries=_shown(row[5], k),
        segments={name: None if np.isnan(v) else int(v) for name, v in zip(SEGMENTS, guarded.tolist())},
        reason=INSUFFICIENT_HISTORY if ref is None or ref.usual is None else SUPPRESSED)
    if usual is None or ref is None:
        return shown
    excess = present - usual
    return replace(shown, usual=usual, spread=ref.spread, p10=_shown(ref.p10, k), p90=_shown(ref.p90, k),
                   excess=excess, pct=excess / usual, ratio_usual=present / usual,
                   z=z_score(excess, usual, ref.spread, k), reason=None, compared_with=describe(ref))


def _history_slots(t: int, step: int) -> list[int]:
    """Slots of the last hour, oldest first, ending at t."""
    count = max(1, TREND_SECONDS // step)
    return [t - i * step for i in range(count, -1, -1)]


# -- totals ---------------------------------------------------------------------------------------
def _total(sectors: list[SectorSituation]) -> dict[str, Any]:
    """Present vs residents vs usual over the sectors shown; withheld sectors are only counted."""
    shown = [s for s in sectors if s.present is not None]
    with_usual = [s for s in shown if s.usual is not None]
    present = sum(s.present for s in shown if s.present is not None)
    residents = sum(s.residents for s in shown)
    usual = sum(s.usual for s in with_usual if s.usual is not None)
    present_with_usual = sum(s.present for s in with_usual if s.present is not None)
    return {
        "sectors": len(sectors), "counted": len(shown), "excluded": len(sectors) - len(shown),
        "present": present, "residents": residents, "residents_all": sum(s.residents for s in sectors),
        "delta_residents": present - residents, "ratio_residents": present / residents if residents else None,
        "usual": usual, "usual_missing": len(shown) - len(with_usual),
        "excess": present_with_usual - usual if with_usual else None,
    }


def situation_totals(sectors: list[SectorSituation]) -> dict[str, dict[str, Any]]:
    """Totals for the whole département and per authority (SDIS13, BMPM...)."""
    totals = {"department": _total(sectors)}
    for authority in sorted({s.authority for s in sectors}):
        totals[authority] = _total([s for s in sectors if s.authority == authority])
    return totals


# -- public -----------------------------------------------------------------------------------------
def latest_slot(store: Store) -> int | None:
    """Newest observed slot, or None when there is no observation yet."""
    return repository.newest_slot(store)


def _data_time(store: Store, t: int) -> int | None:
    """Newest observed slot at or before t."""
    return repository.newest_slot(store, until=t)


def slot_to_show(store: Store, view_time: float, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> int:
    """The slot a view at `view_time` shows: the newest observed slot not after it.

    Live, that is the latest batch whether the operator publishes slots at their start or
    their end; in an exercise, the history as it stood at the exercise time.
    """
    current = floor_slot(view_time, slot_minutes)
    newest = _data_time(store, current)
    return current if newest is None else newest


def freshness(data_time: int | None, now: int, settings: Settings) -> tuple[str, int | None]:
    """('ok' | 'amber' | 'red', seconds since the newest slot ended).

    Amber when the newest slot started more than stale_amber_slots slots ago (a slot is
    missing), red when it ended more than stale_red_minutes ago.
    """
    if data_time is None:
        return "red", None
    step = settings.slot_minutes * 60
    age = max(0, now - (data_time + step))
    amber = settings.stale_amber_slots * step
    red = settings.stale_red_minutes * 60
    state = "red" if age > red else "amber" if now - data_time > amber else "ok"
    return state, age


def situation_at(store: Store, t: int, settings: Settings, *, overlay: Overlay | None = None,
                 now: int | None = None) -> Situation:
    """The situation at slot t (floored to its slot start)."""
    step, k = settings.slot_minutes * 60, settings.privacy_k
    t = floor_slot(t, step // 60)
    sectors = active_sectors(store, t)
    codes = [s.code for s in sectors]
    history = _history_slots(t, step)
    rows = observations_at(store, history, codes)
    guarded = _guarded_segments([rows[t].get(code) for code in codes], k)  # on observed counts
    _apply_overlay(rows, codes, history, overlay, k)
    refs = read_reference(store, [t], k)[t]
    built = [_sector(info, rows[t].get(info.code), refs.get(info.code),
                     [_shown(_first(rows[h].get(info.code)), k) for h in history], step, k, guarded[i])
             for i, info in enumerate(sectors)]
    clock = int(time.time()) if now is None else int(now)
    data_time = _data_time(store, t)
    state, age = freshness(data_time, clock, settings)
    return Situation(t, built, situation_totals(built), data_time, clock, step // 60, state, age)


def _guarded_segments(rows: list[list[Any] | None], k: int) -> np.ndarray:
    """Segments of every sector (sectors x 4) after the secondary-suppression guard."""
    raw = np.array([[np.nan] * 5 if r is None else [np.nan if v is None else v for v in r[:5]] for r in rows],
                   dtype="float64").reshape(len(rows), 5)
    return guard_segments(raw[:, 0], raw[:, 1:5], k)


SHARED_SECONDS = 5.0
_SHARED: dict[tuple[str, int, int], tuple[float, Situation]] = {}


def shared_situation_at(store: Store, t: int, settings: Settings) -> Situation:
    """The live situation at t, computed once for every screen that asks within a few seconds.

    Thirty ops-room screens refreshing together ask for the same slot; the answer is shared
    until a new batch arrives or SHARED_SECONDS pass (freshness is at most that old).
    """
    version = batch_version(store)
    key = (str(store.path), int(t), version)
    clock = time.monotonic()
    hit = _SHARED.get(key)
    if hit is not None and clock - hit[0] < SHARED_SECONDS:
        return hit[1]
    situation = situation_at(store, t, settings)
    if len(_SHARED) > 32:
        _SHARED.clear()
    _SHARED[key] = (clock, situation)
    return situation


def _first(row: list[Any] | None) -> Any:
    """present of a raw row (None when the row is missing)."""
    return None if row is None else row[0]


def significance_at(store: Store, slots: Iterable[int], settings: Settings,
                    overlay: Overlay | None = None) -> dict[int, dict[str, tuple[int, float]]]:
    """(excess, z) per slot and sector, for sectors whose figures may be shown."""
    k = settings.privacy_k
    wanted = sorted(set(int(s) for s in slots))
    codes = [s.code for s in infos(store)]
    rows = observations_at(store, wanted, codes, overlay, k)
    refs = read_reference(store, wanted, k)
    out: dict[int, dict[str, tuple[int, float]]] = {}
    for slot in wanted:
        out[slot] = {}
        for code, row in rows[slot].items():
            present, ref = _shown(row[0], k), refs[slot].get(code)
            usual = _shown(ref.usual, k) if ref is not None else None
            if present is not None and usual is not None and ref is not None:
                out[slot][code] = (present - usual, z_score(present - usual, usual, ref.spread, k))
    return out


def top_movers(situation: Situation, n: int = 5) -> Movers:
    """The n sectors with the largest hourly change, and the n furthest above usual (by z)."""
    moved = sorted((s for s in situation.sectors if s.trend is not None), key=lambda s: (-abs(s.trend or 0), s.code))
    above = sorted((s for s in situation.sectors if s.z is not None and (s.excess or 0) > 0),
                   key=lambda s: (-(s.z or 0.0), s.code))
    return Movers(moved[:n], above[:n])


# -- time series ---------------------------------------------------------------------------------------
def sector_series(store: Store, code: str, start: int, end: int, settings: Settings, *,
                  overlay: Overlay | None = None) -> pd.DataFrame:
    """One row per slot of [start, end) for one sector; withheld values are NaN."""
    step, k = settings.slot_minutes * 60, settings.privacy_k
    info = {s.code: s for s in infos(store)}.get(code)
    if info is None:
        raise UnknownSector(code)
    slots = np.asarray(slot_range(start, end, step // 60), dtype="int64")
    rows = repository.series_rows(store, code, start, end)
    raw = np.full((len(slots), 10), np.nan)
    seen = np.zeros(len(slots), dtype=bool)
    has_ref = np.zeros(len(slots), dtype=bool)
    if rows:
        data = np.array(rows, dtype="float64")
        pos = ((data[:, 0] - slots[0]) // step).astype("int64") if len(slots) else np.zeros(0, "int64")
        raw[pos] = data[:, 1:]
        seen[pos] = True
        has_ref[pos] = ~np.isnan(data[:, 10])
    _fill_missing_reference(store, code, slots, seen & ~has_ref, raw, k)
    observed = raw[:, 0].copy()
    if overlay is not None:
        _overlay_series(raw, seen, slots, code, overlay, k)
    return _series_frame(slots, raw, seen, observed, info.population, k)


def _fill_missing_reference(store: Store, code: str, slots: np.ndarray, missing: np.ndarray,
                            raw: np.ndarray, k: int) -> None:
    """Compute usual/p10/p90 on the fly for observed slots not materialised yet."""
    if not missing.any():
        return
    stats = compute_reference(store, slots[missing].tolist(), [code], k)
    raw[missing, 6] = stats["usual"][:, 0]
    raw[missing, 7] = stats["p10"][:, 0]
    raw[missing, 8] = stats["p90"][:, 0]


def _overlay_series(raw: np.ndarray, seen: np.ndarray, slots: np.ndarray, code: str, overlay: Overlay,
                    k: int) -> None:
    """Add injected deltas to present (column 0) in place; a withheld base stays withheld."""
    deltas = overlay([code], slots.tolist())
    index = {int(s): i for i, s in enumerate(slots)}
    for (sector, slot), delta in deltas.items():
        i = index.get(int(slot))
        if sector != code or i is None:
            continue
        if not seen[i]:
            seen[i], raw[i, 0] = True, max(0.0, round(delta))
        elif np.isnan(raw[i, 0]) or raw[i, 0] < k:
            raw[i, 0] = np.nan
        else:
            raw[i, 0] = max(0.0, round(raw[i, 0] + delta))


def _series_frame(slots: np.ndarray, raw: np.ndarray, seen: np.ndarray, observed: np.ndarray, population: int,
                  k: int) -> pd.DataFrame:
    """Apply the privacy rule column by column and build the frame (segments guarded on observed present)."""
    counts = raw[:, :9].copy()
    counts[counts < k] = np.nan
    suppressed = seen & np.isnan(counts[:, 0])
    counts[:, 1:5] = guard_segments(observed, raw[:, 1:5], k)
    counts[suppressed, 1:6] = np.nan
    local = pd.to_datetime(slots, unit="s", utc=True).tz_convert(PARIS)
    frame = pd.DataFrame({
        "slot": slots, "local_time": local, "present": counts[:, 0], "usual": np.round(counts[:, 6]),
        "p10": np.round(counts[:, 7]), "p90": np.round(counts[:, 8]), "residents": float(population),
        "residents_present": counts[:, 1], "tourists_fr": counts[:, 2], "tourists_intl": counts[:, 3],
        "excursionists": counts[:, 4], "entries": counts[:, 5], "suppressed": suppressed, "missing": ~seen,
    })
    return frame.loc[:, list(SERIES_COLUMNS)]


def earlier_series(store: Store, code: str, start: int, end: int, days: int, settings: Settings, *,
                   overlay: Overlay | None = None) -> pd.DataFrame:
    """The sector's series of the same wall-clock hours `days` days before [start, end), privacy rule applied.

    The period is shifted by calendar days in Paris time (a DST change in between keeps "18:00" on
    "18:00"); its `slot` column holds the earlier slots, `local_time` their wall time.
    """
    if days < 1:
        raise ValueError("an earlier period lies at least one day back")
    shift = pd.Timedelta(days=days)

    def back(t: int) -> int:
        moment = pd.Timestamp(t, unit="s", tz="UTC").tz_convert(PARIS).tz_localize(None) - shift
        return int(moment.tz_localize(PARIS, ambiguous=True, nonexistent="shift_forward").timestamp())

    return sector_series(store, code, back(start), back(end), settings, overlay=overlay)
