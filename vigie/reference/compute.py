"""Usual values from the store: compute, materialise (whole local days at a time) and read.

The model (vigie.reference.model) gives the usual value of every slot of a local day from
the days before it, so the first batch of a day materialises the whole day; later batches
of that day find it done. A late batch for an earlier day recomputes the materialised days
after it. `rebuild_reference` recomputes everything in one pass over one cube.
"""
from __future__ import annotations

import time
from functools import lru_cache
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from vigie import privacy
from vigie.calendar.days import day_kind, day_regime
from vigie.reference import repository
from vigie.reference.repository import COLUMNS, DAY_COLUMNS
from vigie.reference.model import HISTORY_DAYS, WARMUP_DAYS, Cube, DayModel, build_cube, model_days, positions
from vigie.slots import DEFAULT_SLOT_MINUTES, local_day_bounds, slot_range, to_local
from vigie.store import Store
from vigie.sectors import codes as sector_codes

INSUFFICIENT_HISTORY = "historique insuffisant"
STEP = 1800
READ_DAYS = HISTORY_DAYS + WARMUP_DAYS + 1
LATE_DAYS = 42  # a late batch recomputes at most this many materialised days after it


@dataclass(frozen=True)
class Usual:
    """The usual value of one sector at one slot, its spread and band, and what it rests on."""

    usual: float | None
    spread: float | None
    p10: float | None
    p90: float | None
    n: int
    level: float | None = None
    basis: int | None = None
    kind: int | None = None
    regime: int | None = None
    newest: int | None = None
    oldest: int | None = None

    @property
    def reason(self) -> str | None:
        """Why there is no usual value (None when there is one)."""
        return INSUFFICIENT_HISTORY if self.usual is None else None


@dataclass(frozen=True)
class RebuildReport:
    """What `rebuild_reference` did."""

    slots: int
    sectors: int
    rows: int
    seconds: float


def _presence(store: Store, start: int, end: int, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(slot grid [start, end), matrix slots x sectors) read sector by sector along the primary key."""
    grid = np.arange(start, end, STEP, dtype="int64")
    matrix = np.full((len(grid), len(codes)), np.nan)
    for j, code in enumerate(codes):
        rows = repository.presence_rows(store, code, start, end)
        if rows:
            data = np.array(rows, dtype="float64")
            matrix[((data[:, 0] - start) // STEP).astype("int64"), j] = data[:, 1]
    return grid, matrix


def _cube(store: Store, first: date, last: date, codes: list[str], k: int, until: int | None = None) -> Cube:
    """The cube of the local days [first, last], as it stood at `until` (later slots missing) when given."""
    start, end = local_day_bounds(first)[0], local_day_bounds(last)[1]
    grid, matrix = _presence(store, start, end, codes)
    if until is not None:
        matrix[grid > until] = np.nan
    return build_cube(grid, matrix, STEP, repository.flagged_columns(store, first, last, codes), k)


def _day_slots(day: date) -> np.ndarray:
    """The slots of one local day."""
    lo, hi = local_day_bounds(day)
    return np.arange(lo, hi, STEP, dtype="int64")


def _arrays(cube: Cube, model: DayModel, slots: np.ndarray) -> dict[str, np.ndarray]:
    """Per-slot arrays (slots x sectors) for slots on the model's days."""
    day, wall = positions(slots, cube.first, STEP)
    row = np.searchsorted(model.days, day)
    raw = model.raw[row, wall]
    usual = raw * model.level[row]
    spread = model.spread[row]
    out = {"slots": slots, "usual": usual, "spread": spread * usual,
           "p10": usual * (1 + model.q10[row]), "p90": usual * (1 + model.q90[row]),
           "n": model.n[row], "level": model.level[row], "basis": model.basis[row],
           "newest": model.newest[row], "oldest": model.oldest[row]}
    missing = np.isnan(usual)
    for key in ("spread", "p10", "p90", "level"):
        out[key] = np.where(missing, np.nan, out[key])
    return out


def reference_arrays(grid: np.ndarray, matrix: np.ndarray, flags: dict[str, list[int]], targets: np.ndarray,
                     k: int = privacy.DEFAULT_K) -> dict[str, np.ndarray]:
    """The model on a presence matrix (regular grid of whole local days x sectors) for target slots."""
    cube = build_cube(grid, matrix, STEP, flags, k)
    return _arrays(cube, model_days(cube, np.unique(positions(targets, cube.first, STEP)[0])), targets)


def compute_reference(store: Store, targets: Sequence[int], codes: list[str] | None = None,
                      k: int = privacy.DEFAULT_K, until: int | None = None) -> dict[str, np.ndarray]:
    """Usual values for the target slots (not stored): arrays of shape (targets, sectors).

    With `until`, only the observations of slots <= until are read: the usual values as an
    exercise clock at `until` knew them (a target day's model reads the whole day before it).
    """
    codes = sector_codes(store) if codes is None else codes
    stamps = np.asarray(sorted(set(int(t) for t in targets)), dtype="int64")
    if not len(stamps) or not codes:
        return {"slots": stamps, **{c: np.full((len(stamps), len(codes)), np.nan) for c in COLUMNS + DAY_COLUMNS}}
    first_day, last_day = to_local(int(stamps[0])).date(), to_local(int(stamps[-1])).date()
    observed = repository.observed_span(store)[0]
    read_from = first_day - timedelta(days=READ_DAYS)
    if observed is not None:  # nothing to read before the first observation
        read_from = min(first_day, max(read_from, to_local(int(observed)).date()))
    cube = _cube(store, read_from, last_day, codes, k, until)
    wanted = np.unique(positions(stamps, cube.first, STEP)[0])
    return _arrays(cube, model_days(cube, wanted), stamps)


def _none(values: np.ndarray) -> list[Any]:
    """Floats with NaN as None."""
    floats = values.astype("float64")
    return [None if np.isnan(v) else float(v) for v in floats.tolist()]


def _sector_rows(code: str, j: int, stats: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    """Table rows of one sector (column j) in slot order; NaN is stored as NULL."""
    slots = stats["slots"].tolist()
    columns = [_none(stats[c][:, j]) for c in ("usual", "spread", "p10", "p90")] + [stats["n"][:, j].tolist()]
    return list(zip([code] * len(slots), slots, *columns))


def _day_rows(codes: list[str], stats: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    """reference_days rows: one per sector and local day of the slots (its first slot's values)."""
    days = [to_local(s).date().isoformat() for s in stats["slots"].tolist()]
    first = sorted({d: i for i, d in reversed(list(enumerate(days)))}.items())
    rows = []
    for day, i in first:
        level = _none(stats["level"][i])
        for j, code in enumerate(codes):
            rows.append((code, day, level[j], int(stats["basis"][i, j]), int(stats["newest"][i, j]),
                         int(stats["oldest"][i, j])))
    return rows


def _write(store: Store, codes: list[str], stats: dict[str, np.ndarray], lo: int, hi: int) -> int:
    """Replace the rows of [lo, hi), one transaction per sector so feed writers can interleave."""
    total = 0
    for j, code in enumerate(codes):
        rows = _sector_rows(code, j, stats)
        repository.replace_reference(store, code, lo, hi, rows)
        total += len(rows)
    repository.save_reference_days(store, _day_rows(codes, stats))
    return total


def _materialised(store: Store, day: date, code: str) -> bool:
    """Whether the day's first slot has a reference row for this sector."""
    lo = local_day_bounds(day)[0]
    return repository.has_reference(store, code, lo)


def _later_materialised(store: Store, day: date, code: str) -> list[date]:
    """Materialised days after `day` (at most LATE_DAYS of them)."""
    lo = local_day_bounds(day)[1]
    hi = local_day_bounds(day + timedelta(days=LATE_DAYS))[1]
    return sorted({to_local(s).date() for s in repository.reference_slots(store, code, lo, hi)})


def update_reference(store: Store, slots: Iterable[int], *, dependents: bool = True,
                     k: int = privacy.DEFAULT_K) -> int:
    """Materialise the local days of these slots that are not yet, for every sector; return rows.

    With `dependents`, a batch for a day before the newest materialised one (a late or
    corrected batch) also recomputes the materialised days after it.
    """
    codes = sector_codes(store)
    days = sorted({to_local(int(s)).date() for s in slots})
    if not days or not codes:
        return 0
    todo = {d for d in days if not _materialised(store, d, codes[0])}
    if dependents:
        todo.update(later for d in days for later in _later_materialised(store, d, codes[0]))
    if not todo:
        return 0
    return _materialise(store, sorted(todo), codes, k)


def _materialise(store: Store, days: list[date], codes: list[str], k: int) -> int:
    """Compute and write whole local days."""
    slots = np.concatenate([_day_slots(d) for d in days])
    stats = compute_reference(store, slots.tolist(), codes, k)
    total = 0
    for day in days:
        lo, hi = local_day_bounds(day)
        keep = (stats["slots"] >= lo) & (stats["slots"] < hi)
        total += _write(store, codes, {key: value[keep] for key, value in stats.items()}, lo, hi)
    return total


REFERENCE_BATCH_KEY = "reference_batch"


def mark_batches_refreshed(store: Store, batch_id: int | None = None) -> None:
    """Record that the usual values cover every accepted batch up to `batch_id` (default: the newest)."""
    if batch_id is None:
        batch_id = repository.newest_accepted_batch(store)
    done = refreshed_batch(store)
    if done is None or int(batch_id) > done:
        store.set_meta(REFERENCE_BATCH_KEY, str(int(batch_id)))


def refreshed_batch(store: Store) -> int | None:
    """The newest accepted batch whose usual values are written (None: never recorded)."""
    value = store.get_meta(REFERENCE_BATCH_KEY)
    return None if value is None else int(value)


def rebuild_reference(store: Store, start: int | None = None, end: int | None = None,
                      slot_minutes: int = DEFAULT_SLOT_MINUTES, k: int = privacy.DEFAULT_K) -> RebuildReport:
    """Recompute every usual value for target slots in [start, end) (default: all observed)."""
    began = time.perf_counter()
    covered = repository.newest_accepted_batch(store)
    first, last = repository.observed_span(store)
    codes = sector_codes(store)
    if first is None or last is None or not codes:
        return RebuildReport(0, len(codes), 0, time.perf_counter() - began)
    lo = int(first) if start is None else int(start)
    hi = int(last) + STEP if end is None else int(end)
    targets = np.asarray(slot_range(lo, hi, slot_minutes), dtype="int64")
    if not len(targets):
        return RebuildReport(0, len(codes), 0, time.perf_counter() - began)
    first_day, last_day = to_local(int(targets[0])).date(), to_local(int(targets[-1])).date()
    cube = _cube(store, max(to_local(int(first)).date(), first_day - timedelta(days=READ_DAYS)), last_day, codes, k)
    day_index = np.unique(positions(targets, cube.first, STEP)[0])
    stats = _arrays(cube, model_days(cube, day_index), targets)
    rows = _write(store, codes, stats, int(targets[0]), int(targets[-1]) + STEP)
    mark_batches_refreshed(store, covered)
    return RebuildReport(len(targets), len(codes), rows, time.perf_counter() - began)


def _real(value: Any) -> float | None:
    """A float, or None for NULL and NaN."""
    return None if value is None or value != value else float(value)


def _day_int(value: Any) -> int | None:
    """basis, newest or oldest: None when unknown (negative, or the no-source marker)."""
    return None if value is None or value < 0 or value >= 10 ** 6 else int(value)


def _usual(values: Sequence[Any], day: Sequence[Any] | None, kind: int, regime: int) -> Usual:
    """A Usual from (usual, spread, p10, p90, n), the day's (level, basis, newest, oldest) and its type."""
    usual, spread, p10, p90, n = values
    if day is None:
        return Usual(_real(usual), _real(spread), _real(p10), _real(p90), int(n or 0), None, None, kind, regime)
    level, basis, newest, oldest = day
    return Usual(_real(usual), _real(spread), _real(p10), _real(p90), int(n or 0), _real(level), _day_int(basis),
                 kind, regime, _day_int(newest), _day_int(oldest))


@lru_cache(maxsize=4096)
def _local_day(slot: int) -> date:
    """The local day of a slot."""
    return to_local(slot).date()


def _days_of(store: Store, slots: list[int]) -> dict[tuple[str, str], tuple[Any, ...]]:
    """reference_days rows of the local days of these slots, keyed by (sector, day)."""
    days = sorted({_local_day(s).isoformat() for s in slots})
    return {(r[0], r[1]): tuple(r[2:]) for r in repository.reference_day_rows(store, days)}


def read_reference(store: Store, slots: Iterable[int], k: int = privacy.DEFAULT_K) -> dict[int, dict[str, Usual]]:
    """Usual values per slot and sector; slots never materialised are computed on the fly (from counts >= k)."""
    wanted = sorted(set(int(s) for s in slots))
    found: dict[int, dict[str, Usual]] = {s: {} for s in wanted}
    if not wanted:
        return found
    days = _days_of(store, wanted)
    day_of = {s: _local_day(s) for s in wanted}
    text_of = {s: d.isoformat() for s, d in day_of.items()}
    type_of = {s: (day_kind(d), day_regime(d)) for s, d in day_of.items()}
    # the primary key is (sector_code, slot): one lookup per sector and slot
    for code, slot, *values in repository.reference_rows(store, wanted):
        found[slot][code] = _usual(values, days.get((code, text_of[slot])), *type_of[slot])
    missing = [s for s in wanted if not found[s]]
    if missing:
        codes = sector_codes(store)
        stats = compute_reference(store, missing, codes, k)
        for i, slot in enumerate(stats["slots"].tolist()):
            local = _local_day(slot)
            found[slot] = {code: _usual([stats[c][i, j] for c in COLUMNS], [stats[c][i, j] for c in DAY_COLUMNS],
                                        day_kind(local), day_regime(local)) for j, code in enumerate(codes)}
    return found
