"""What the forecast reads: presence and usual values as slot x sector matrices, event crowds, kinds.

Presence is read for slots up to an instant only; the usual values come from the reference
(`read_reference` for a few slots, the materialised `reference` table in bulk, completed by
`compute_reference` for slots never materialised), which only reads weeks before its target.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from vigie.calendar.events import Event
from vigie.forecast import repository
from vigie.reference import compute_reference, read_reference
from vigie.slots import to_local
from vigie.store import Store
from vigie.sectors import codes as sector_codes, infos

Overlay = Callable[[list[str], list[int]], Mapping[tuple[str, int], float]]
EVENT_MAX_DWELL_HOURS = 4.0
EVENT_DWELL_SHARE = 0.85
CITY_POPULATION = 15_000
USUAL_CACHE = 512
USUAL_TTL = 3600.0   # a late batch or a new flag reaches the forecast within the hour
PREFETCH_SLOTS = 48
_usual_cache: OrderedDict[tuple[tuple[str, tuple[str, ...]], int], tuple[float, np.ndarray, np.ndarray]] = OrderedDict()
_usual_lock = threading.Lock()


def sector_kinds(store: Store) -> dict[str, str]:
    """Kind of each sector: 'marseille' (BMPM arrondissements), 'ville' (>= 15 000 residents), 'commune'."""
    kinds = {}
    for code, population, authority in ((s.code, s.population, s.authority) for s in infos(store)):
        kinds[code] = "marseille" if authority == "BMPM" else ("ville" if population >= CITY_POPULATION else "commune")
    return kinds


def presence_matrix(store: Store, grid: np.ndarray, codes: Sequence[str],
                    overlay: Overlay | None = None) -> np.ndarray:
    """Observed presence (len(grid), len(codes)), NaN where missing or suppressed, plus the overlay."""
    matrix = np.full((len(grid), len(codes)), np.nan)
    if not len(grid):
        return matrix
    step = int(grid[1] - grid[0]) if len(grid) > 1 else 1
    col = {c: j for j, c in enumerate(codes)}
    rows = repository.presence_rows(store, int(grid[0]), int(grid[-1]))
    first = int(grid[0])
    for code, slot, present in rows:
        j = col.get(code)
        if j is not None and (slot - first) % step == 0:
            matrix[(slot - first) // step, j] = present
    if overlay is not None:
        _add_overlay(matrix, grid, list(codes), overlay)
    return matrix


def _add_overlay(matrix: np.ndarray, grid: np.ndarray, codes: list[str], overlay: Overlay) -> None:
    """Add exercise deltas to observed cells (suppressed cells stay suppressed; never below 0)."""
    row = {int(s): i for i, s in enumerate(grid.tolist())}
    col = {c: j for j, c in enumerate(codes)}
    for (code, slot), delta in overlay(codes, [int(s) for s in grid.tolist()]).items():
        i, j = row.get(int(slot)), col.get(code)
        if i is not None and j is not None and not np.isnan(matrix[i, j]):
            matrix[i, j] = max(0.0, matrix[i, j] + float(delta))


def usual_few(store: Store, slots: Sequence[int], codes: Sequence[str]) -> np.ndarray:
    """Usual values (len(slots), len(codes)) through read_reference; NaN where there is none."""
    found = read_reference(store, slots)
    out = np.full((len(slots), len(codes)), np.nan)
    for i, slot in enumerate(slots):
        row = found.get(int(slot), {})
        for j, code in enumerate(codes):
            ref = row.get(code)
            if ref is not None and ref.usual is not None:
                out[i, j] = ref.usual
    return out


def reference_ahead(store: Store, slots: Sequence[int], codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(usual, spread) of slots, each (len(slots), len(codes)), by compute_reference, kept USUAL_TTL seconds.

    The usual value of a slot reads only weeks before it, so a missing slot is computed with
    the PREFETCH_SLOTS after it in one go: a forecast per new slot then reads memory only.
    """
    key = (str(store.path), tuple(codes))
    now = time.monotonic()
    with _usual_lock:
        missing = [int(s) for s in slots if now - _usual_cache.get((key, int(s)), (-USUAL_TTL, None, None))[0]
                   >= USUAL_TTL]
    if missing:
        stored = _stored_ahead(store, missing, codes)
        with _usual_lock:
            for slot, (usual, spread) in stored.items():
                _usual_cache[(key, slot)] = (now, usual, spread)
        missing = [s for s in missing if s not in stored]
    if missing:
        step = int(slots[1] - slots[0]) if len(slots) > 1 else 1800
        wanted = sorted(set(missing) | set(range(max(missing) + step, max(missing) + PREFETCH_SLOTS * step, step)))
        stats = compute_reference(store, wanted, list(codes))
        with _usual_lock:
            for i, slot in enumerate(stats["slots"].tolist()):
                _usual_cache[(key, int(slot))] = (now, stats["usual"][i], stats["spread"][i])
    with _usual_lock:
        rows = [_usual_cache[(key, int(s))] for s in slots]
        for s in slots:
            _usual_cache.move_to_end((key, int(s)))
        while len(_usual_cache) > USUAL_CACHE:
            _usual_cache.popitem(last=False)
    shape = (len(slots), len(codes))
    return (np.array([r[1] for r in rows], float).reshape(shape), np.array([r[2] for r in rows], float).reshape(shape))


def _stored_ahead(store: Store, slots: list[int], codes: Sequence[str]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """(usual, spread) rows of the slots whose usual values are materialised for every sector (a read, no model).

    The door writes the whole local day of a new batch's slots before the rules run, so the
    forecast after a batch reads most of its horizon here instead of computing it again.
    """
    col = {c: j for j, c in enumerate(codes)}
    found: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    wanted = set(slots)
    for code, slot, usual, spread in repository.usual_rows(store, min(slots), max(slots)):
        j = col.get(code)
        if j is None or slot not in wanted:
            continue
        if slot not in found:
            found[slot] = (np.full(len(codes), np.nan), np.full(len(codes), np.nan), np.zeros(len(codes), bool))
        row = found[slot]
        row[0][j] = np.nan if usual is None else usual
        row[1][j] = np.nan if spread is None else spread
        row[2][j] = True
    return {int(slot): (u, sp) for slot, (u, sp, seen) in found.items() if seen.all()}


def usual_ahead(store: Store, slots: Sequence[int], codes: Sequence[str], until: int | None = None) -> np.ndarray:
    """Usual values of slots (len(slots), len(codes)); see reference_ahead.

    With `until` and observations after it (a replay: an exercise clock, a backtest origin),
    the slots of the local days after until's own day take the usual values as they stood at
    until: their model reads the whole day before them, and most of that day is still to come.
    """
    usual = reference_ahead(store, slots, codes)[0]
    if until is None or not repository.observed_after(store, until):
        return usual
    later = [i for i, s in enumerate(slots) if to_local(int(s)).date() > to_local(int(until)).date()]
    if later:
        known = compute_reference(store, [int(slots[i]) for i in later], list(codes), until=until)
        order = {int(s): row for row, s in enumerate(known["slots"].tolist())}
        usual[later] = known["usual"][[order[int(slots[i])] for i in later]]
    return usual


def forget_usual() -> None:
    """Empty the cache of usual values ahead (after the reference was rebuilt)."""
    with _usual_lock:
        _usual_cache.clear()


def usual_matrix(store: Store, grid: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """Usual values for a long slot grid: the materialised table, completed by compute_reference."""
    out = np.full((len(grid), len(codes)), np.nan)
    if not len(grid):
        return out
    step = int(grid[1] - grid[0]) if len(grid) > 1 else 1
    col = {c: j for j, c in enumerate(codes)}
    first = int(grid[0])
    seen = np.zeros(len(grid), bool)
    for code, slot, usual, _spread in repository.usual_rows(store, first, int(grid[-1])):
        j = col.get(code)
        if j is None or (slot - first) % step:
            continue
        i = (slot - first) // step
        seen[i] = True
        if usual is not None:
            out[i, j] = usual
    missing = grid[~seen]
    if len(missing):
        stats = compute_reference(store, missing.tolist(), list(codes))
        out[np.searchsorted(grid, stats["slots"])] = stats["usual"]
    return out


def event_crowd(events: Sequence[Event], codes: Sequence[str], grid: np.ndarray, step: int) -> np.ndarray:
    """Expected extra people of the known events (len(grid), len(codes)).

    People present at a moment = attendance x average stay / duration, the average stay being
    85 % of the event, at most 4 h; half of it in the first and last slots (arrival and
    departure); split evenly between the event's sectors.
    """
    out = np.zeros((len(grid), len(codes)))
    col = {c: j for j, c in enumerate(codes)}
    for event in events:
        here = [col[c] for c in event.sectors if c in col]
        hours = (event.end - event.start) / 3600
        if not here or hours <= 0 or not len(grid):
            continue
        stay = min(EVENT_MAX_DWELL_HOURS, EVENT_DWELL_SHARE * hours)
        crowd = min(float(event.expected_attendance), event.expected_attendance * stay / hours)
        inside = (grid >= event.start) & (grid < event.end)
        first = -(-event.start // step) * step
        last = (event.end - 1) // step * step
        weight = np.where((grid == first) | (grid == last), 0.5, 1.0) * inside
        out[:, here] += (crowd * weight / len(here))[:, None]
    return out
