"""Usual values: what a sector holds at this local weekday and wall-clock time.

For a target slot t, the usual value is the median of `present` at the same local
(Europe/Paris) wall-clock time 1, 2, ... 6 weeks earlier. Weeks are counted in local
time, so a DST change does not shift the hour. A lagged wall time that does not exist
(the skipped 02:00-03:00 hour of the spring change) gives no value for that week; a
lagged wall time that exists twice (the repeated hour of the autumn change) takes its
first occurrence (summer time). Both slots of the repeated hour on the 25-hour day map
to the same wall time, so they share one baseline.

Sector-days flagged in `reference_exclusions` (events, crises) are left out: a baseline
that overlaps a crisis hides part of it. With fewer than MIN_WEEKS usable weeks there is
no usual value: `usual` is None and the reason is INSUFFICIENT_HISTORY.

Privacy rule: a week whose count is below k (or NULL, suppressed by the operator) is
withheld, and a withheld count never feeds a statistic: it is left out before the
median, MAD, P10 and P90 are taken (`robust_stats(..., k=...)`), exactly like a missing
week. Every usual value, spread and band is therefore a function of published counts only.

Rows are materialised in the `reference` table: `update_reference` after each batch,
`rebuild_reference` for everything (vectorised: one matrix of slots x sectors, six
lagged views, sorted once).
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from vigie.privacy import DEFAULT_K
from vigie.slots import PARIS, local_day_bounds, parse_instant, slot_range, to_local
from vigie.store import Store

WEEKS = 6
MIN_WEEKS = 3
MAD_SCALE = 1.4826
INSUFFICIENT_HISTORY = "historique insuffisant"
CHUNK_TARGETS = 2048
SQL_CHUNK = 900
FEW_SECTORS = 8
EVENT_MIN_DAILY_ATTENDANCE = 1000


class InvalidExclusion(ValueError):
    """A day flag that cannot be stored (bad date, unknown sector, empty reason)."""


@dataclass(frozen=True)
class Usual:
    """The usual value of one sector at one slot, with its robust spread and band."""

    usual: float | None
    spread: float | None
    p10: float | None
    p90: float | None
    n: int

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


# -- lagged source slots ---------------------------------------------------------------
def source_slots(targets: Sequence[int] | np.ndarray, weeks: int = WEEKS) -> np.ndarray:
    """Slots at the same local wall time 1..weeks weeks before each target; -1 where none.

    Returns an int64 array of shape (weeks, len(targets)).
    """
    stamps = np.asarray(targets, dtype="int64")
    local = pd.DatetimeIndex(pd.to_datetime(stamps, unit="s", utc=True)).tz_convert(PARIS)
    wall = local.tz_localize(None)
    out = np.full((weeks, len(stamps)), -1, dtype="int64")
    first = np.ones(len(stamps), dtype=bool)  # repeated hour: first occurrence
    for k in range(1, weeks + 1):
        lagged = (wall - pd.Timedelta(days=7 * k)).tz_localize(PARIS, ambiguous=first, nonexistent="NaT")
        valid = ~lagged.isna()
        out[k - 1, valid] = lagged[valid].as_unit("s").asi8
    return out


def source_days(targets: Sequence[int] | np.ndarray, weeks: int = WEEKS) -> np.ndarray:
    """Local dates (YYYY-MM-DD strings) of the lagged weeks, shape (weeks, len(targets))."""
    stamps = np.asarray(targets, dtype="int64")
    wall = pd.DatetimeIndex(pd.to_datetime(stamps, unit="s", utc=True)).tz_convert(PARIS).tz_localize(None)
    days = wall.normalize()
    return np.array([(days - pd.Timedelta(days=7 * k)).strftime("%Y-%m-%d").to_numpy()
                     for k in range(1, weeks + 1)], dtype=object).reshape(weeks, len(stamps))


# -- robust statistics over the lag axis -------------------------------------------------
def _quantile_sorted(ordered: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolated quantile of columns sorted with NaN last (numpy's default rule)."""
    h = np.maximum(counts - 1, 0) * q
    lo = np.floor(h).astype("int64")
    hi = np.ceil(h).astype("int64")
    low = np.take_along_axis(ordered, lo[None], axis=0)[0]
    high = np.take_along_axis(ordered, hi[None], axis=0)[0]
    return low + (h - lo) * (high - low)


def robust_stats(values: np.ndarray, min_weeks: int = MIN_WEEKS, k: int = DEFAULT_K) -> dict[str, np.ndarray]:
    """Median, 1.4826 x MAD, P10, P90 and n over axis 0 (NaN = unusable week; counts below k are left out)."""
    values = np.where(values < k, np.nan, values)  # privacy: a withheld count feeds no statistic
    counts = np.sum(~np.isnan(values), axis=0)
    ordered = np.sort(values, axis=0)
    median = _quantile_sorted(ordered, counts, 0.5)
    deviations = np.sort(np.abs(values - median[None]), axis=0)
    stats = {
        "usual": median,
        "spread": MAD_SCALE * _quantile_sorted(deviations, counts, 0.5),
        "p10": _quantile_sorted(ordered, counts, 0.1),
        "p90": _quantile_sorted(ordered, counts, 0.9),
    }
    short = counts < min_weeks
    for array in stats.values():
        array[short] = np.nan
    stats["n"] = counts
    return stats


# -- data access ---------------------------------------------------------------------------
def sector_codes(store: Store) -> list[str]:
    """Codes of the sectors table, sorted."""
    return [r["code"] for r in store.query("SELECT code FROM sectors ORDER BY code")]


def _chunks(items: Sequence[Any], size: int = SQL_CHUNK) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most size items."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _fill(matrix: np.ndarray, rows: Iterable[tuple[str, int, Any]], row_of: dict[int, int],
          col_of: dict[str, int]) -> None:
    """Write (code, slot, present) rows into matrix[slot row, sector column]."""
    for code, slot, present in rows:
        col = col_of.get(code)
        row = row_of.get(slot)
        if col is not None and row is not None and present is not None:
            matrix[row, col] = present


def _presence_for_slots(store: Store, slots: np.ndarray, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(sorted unique slots, matrix slots x sectors of present) for an arbitrary slot set."""
    wanted = np.unique(slots[slots >= 0])
    matrix = np.full((len(wanted), len(codes)), np.nan)
    row_of = {int(s): i for i, s in enumerate(wanted)}
    col_of = {c: j for j, c in enumerate(codes)}
    few = len(codes) <= FEW_SECTORS  # then one primary-key lookup per sector and slot
    for part in _chunks(wanted.tolist()):
        marks = ",".join("?" * len(part))
        if few:
            for code in codes:
                rows = store.db.execute("SELECT sector_code, slot, present FROM observations "
                                        f"WHERE sector_code = ? AND slot IN ({marks})", [code, *part])
                _fill(matrix, rows, row_of, col_of)
        else:
            rows = store.db.execute(
                f"SELECT sector_code, slot, present FROM observations WHERE slot IN ({marks})", part)
            _fill(matrix, rows, row_of, col_of)
    return wanted, matrix


def _presence_for_range(store: Store, start: int, end: int, step: int,
                        codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(slot grid [start, end], matrix) read sector by sector along the primary key."""
    grid = np.arange(start, end + 1, step, dtype="int64")
    matrix = np.full((len(grid), len(codes)), np.nan)
    for j, code in enumerate(codes):
        rows = store.db.execute(
            "SELECT slot, present FROM observations WHERE sector_code = ? AND slot BETWEEN ? AND ? "
            "AND present IS NOT NULL", [code, start, end]).fetchall()
        if rows:
            data = np.array(rows, dtype="float64")
            matrix[((data[:, 0] - start) // step).astype("int64"), j] = data[:, 1]
    return grid, matrix


def _exclusions(store: Store, first_day: str, last_day: str) -> dict[str, list[str]]:
    """Flagged sector codes per local day within [first_day, last_day]."""
    flagged: dict[str, list[str]] = {}
    for row in store.query("SELECT sector_code, day FROM reference_exclusions WHERE day BETWEEN ? AND ?",
                           [first_day, last_day]):
        flagged.setdefault(row["day"], []).append(row["sector_code"])
    return flagged


def _lagged_values(targets: np.ndarray, grid: np.ndarray, matrix: np.ndarray, codes: list[str],
                   flagged: dict[str, list[str]]) -> np.ndarray:
    """Array (weeks, targets, sectors) of lagged presence, NaN where missing or flagged."""
    sources = source_slots(targets)
    days = source_days(targets) if flagged else None
    col_of = {c: j for j, c in enumerate(codes)}
    values = np.full((WEEKS, len(targets), len(codes)), np.nan)
    for k in range(WEEKS):
        pos = np.searchsorted(grid, sources[k])
        pos_ok = np.minimum(pos, len(grid) - 1) if len(grid) else pos
        found = (sources[k] >= 0) & (pos < len(grid))
        if len(grid):
            found &= grid[pos_ok] == sources[k]
        values[k, found] = matrix[pos[found]]
        if days is not None:
            for day, sector_list in flagged.items():
                rows = np.nonzero(days[k] == day)[0]
                cols = [col_of[c] for c in sector_list if c in col_of]
                if len(rows) and cols:
                    values[k][np.ix_(rows, np.asarray(cols, dtype="int64"))] = np.nan
    return values


def _day_span(targets: np.ndarray) -> tuple[str, str]:
    """First and last local day any lagged week of these targets can fall on."""
    first = to_local(int(targets.min())).date() - timedelta(days=7 * WEEKS + 1)
    last = to_local(int(targets.max())).date()
    return first.isoformat(), last.isoformat()


def compute_reference(store: Store, targets: Sequence[int], codes: list[str] | None = None,
                      k: int = DEFAULT_K) -> dict[str, np.ndarray]:
    """Usual values for the target slots (not stored): arrays of shape (targets, sectors)."""
    codes = sector_codes(store) if codes is None else codes
    stamps = np.asarray(sorted(set(int(t) for t in targets)), dtype="int64")
    if not len(stamps):
        return {"slots": stamps, **robust_stats(np.full((WEEKS, 0, len(codes)), np.nan), k=k)}
    flagged = _exclusions(store, *_day_span(stamps))
    parts = []
    for i in range(0, len(stamps), CHUNK_TARGETS):
        chunk = stamps[i:i + CHUNK_TARGETS]
        grid, matrix = _presence_for_slots(store, source_slots(chunk).ravel(), codes)
        parts.append(robust_stats(_lagged_values(chunk, grid, matrix, codes, flagged), k=k))
    return {"slots": stamps, **_concat(parts)}


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Join per-chunk statistics along the target axis."""
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


# -- writing ---------------------------------------------------------------------------------
def _sector_rows(code: str, j: int, stats: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    """Table rows of one sector (column j) in slot order; NaN is stored as NULL."""
    slots = stats["slots"].tolist()
    return list(zip([code] * len(slots), slots, stats["usual"][:, j].tolist(), stats["spread"][:, j].tolist(),
                    stats["p10"][:, j].tolist(), stats["p90"][:, j].tolist(), stats["n"][:, j].tolist()))


def _rows(codes: list[str], stats: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    """Table rows (sector-major, then slot) from computed arrays."""
    return [row for j, code in enumerate(codes) for row in _sector_rows(code, j, stats)]


def dependent_slots(slots: Sequence[int] | np.ndarray, weeks: int = WEEKS) -> np.ndarray:
    """Target slots whose baseline reads one of these slots (same wall time 1..weeks weeks later)."""
    stamps = np.asarray(slots, dtype="int64")
    wall = pd.DatetimeIndex(pd.to_datetime(stamps, unit="s", utc=True)).tz_convert(PARIS).tz_localize(None)
    found: list[np.ndarray] = []
    for k in range(1, weeks + 1):
        later = wall + pd.Timedelta(days=7 * k)
        for first in (True, False):  # a repeated wall time has two target slots
            local = later.tz_localize(PARIS, ambiguous=np.full(len(stamps), first), nonexistent="NaT")
            found.append(local[~local.isna()].as_unit("s").asi8)
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype="int64")


def _materialised(store: Store, slots: Sequence[int]) -> list[int]:
    """Those of the slots that have rows in the reference table."""
    out: set[int] = set()
    for part in _chunks(sorted(set(slots))):
        marks = ",".join("?" * len(part))
        out.update(r[0] for r in store.db.execute(
            f"SELECT DISTINCT slot FROM reference WHERE sector_code IN (SELECT code FROM sectors) AND slot IN ({marks})",
            list(part)))
    return sorted(out)


def update_reference(store: Store, slots: Iterable[int], *, dependents: bool = True, k: int = DEFAULT_K) -> int:
    """Compute and store the usual values of these target slots for every sector; return rows.

    With `dependents`, materialised targets 1..6 weeks later that read these slots are
    recomputed too (a late or corrected batch); for a live slot there are none yet.
    """
    targets = sorted(set(int(s) for s in slots))
    if dependents and targets:
        targets = sorted(set(targets) | set(_materialised(store, dependent_slots(targets).tolist())))
    codes = sector_codes(store)
    stats = compute_reference(store, targets, codes, k)
    rows = _rows(codes, stats)
    if rows:
        with store.write() as tx:
            tx.conn.executemany("INSERT OR REPLACE INTO reference VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def _observed_bounds(store: Store) -> tuple[int | None, int | None]:
    """First and last observed slot."""
    row = store.db.execute("SELECT min(slot), max(slot) FROM observations").fetchone()
    return row[0], row[1]


def rebuild_reference(store: Store, start: int | None = None, end: int | None = None,
                      slot_minutes: int = 30, k: int = DEFAULT_K) -> RebuildReport:
    """Recompute every usual value for target slots in [start, end) (default: all observed)."""
    began = time.perf_counter()
    first, last = _observed_bounds(store)
    codes = sector_codes(store)
    if first is None or last is None or not codes:
        return RebuildReport(0, len(codes), 0, time.perf_counter() - began)
    step = slot_minutes * 60
    lo = first if start is None else start
    hi = last + step if end is None else end
    targets = np.asarray(slot_range(lo, hi, slot_minutes), dtype="int64")
    if not len(targets):
        return RebuildReport(0, len(codes), 0, time.perf_counter() - began)
    stats = _rebuild_stats(store, targets, codes, step, k)
    rows = _write_rebuild(store, codes, stats, int(targets[0]), int(targets[-1]) + step)
    return RebuildReport(len(targets), len(codes), rows, time.perf_counter() - began)


def _rebuild_stats(store: Store, targets: np.ndarray, codes: list[str], step: int,
                   k: int = DEFAULT_K) -> dict[str, np.ndarray]:
    """Statistics for all targets, computed by chunks over one matrix of the whole span."""
    read_from = int(targets[0]) - (7 * WEEKS + 1) * 86400
    read_from = read_from - read_from % step
    grid, matrix = _presence_for_range(store, read_from, int(targets[-1]), step, codes)
    flagged = _exclusions(store, *_day_span(targets))
    parts = [robust_stats(_lagged_values(targets[i:i + CHUNK_TARGETS], grid, matrix, codes, flagged), k=k)
             for i in range(0, len(targets), CHUNK_TARGETS)]
    return {"slots": targets, **_concat(parts)}


def _write_rebuild(store: Store, codes: list[str], stats: dict[str, np.ndarray], lo: int, hi: int) -> int:
    """Replace the rows of [lo, hi), one transaction per sector so feed writers can interleave."""
    total = 0
    for j, code in enumerate(codes):
        rows = _sector_rows(code, j, stats)
        with store.write() as tx:
            tx.execute("DELETE FROM reference WHERE sector_code = ? AND slot >= ? AND slot < ?", [code, lo, hi])
            tx.conn.executemany("INSERT INTO reference VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        total += len(rows)
    return total


# -- reading ---------------------------------------------------------------------------------
def _usual(row: Sequence[Any]) -> Usual:
    """A Usual from (usual, spread, p10, p90, n)."""
    return Usual(row[0], row[1], row[2], row[3], int(row[4]))


def read_reference(store: Store, slots: Iterable[int], k: int = DEFAULT_K) -> dict[int, dict[str, Usual]]:
    """Usual values per slot and sector; slots never materialised are computed on the fly."""
    wanted = sorted(set(int(s) for s in slots))
    found: dict[int, dict[str, Usual]] = {s: {} for s in wanted}
    if not wanted:
        return found
    marks = ",".join("?" * len(wanted))
    # the primary key is (sector_code, slot): one lookup per sector and slot
    for code, slot, *values in store.db.execute(
            "SELECT sector_code, slot, usual, spread, p10, p90, n FROM reference "
            f"WHERE sector_code IN (SELECT code FROM sectors) AND slot IN ({marks})", wanted):
        found[slot][code] = _usual(values)
    missing = [s for s in wanted if not found[s]]
    if missing:
        codes = sector_codes(store)
        stats = compute_reference(store, missing, codes, k)
        for i, slot in enumerate(stats["slots"].tolist()):
            found[slot] = {code: _usual([_none(stats[k][i, j]) for k in ("usual", "spread", "p10", "p90")]
                                        + [stats["n"][i, j]]) for j, code in enumerate(codes)}
    return found


def _none(value: float) -> float | None:
    """NaN -> None."""
    return None if np.isnan(value) else float(value)


# -- excluded days ---------------------------------------------------------------------------
def _day_text(day: date | str) -> str:
    """Validate a local day and return it as YYYY-MM-DD."""
    try:
        return (day if isinstance(day, date) else date.fromisoformat(str(day))).isoformat()
    except ValueError:
        raise InvalidExclusion(f"invalid day {day!r}: write it as YYYY-MM-DD") from None


def _affected_targets(store: Store, days: Iterable[str]) -> list[int]:
    """Observed or materialised target slots whose baseline reads one of these days."""
    targets: set[int] = set()
    for text in set(days):
        for k in range(1, WEEKS + 1):
            lo, hi = local_day_bounds(date.fromisoformat(text) + timedelta(days=7 * k))
            targets.update(r["slot"] for r in store.query(
                "SELECT slot FROM observations WHERE slot >= ? AND slot < ? UNION "
                "SELECT slot FROM reference WHERE sector_code IN (SELECT code FROM sectors) AND slot >= ? AND slot < ?",
                [lo, hi, lo, hi]))
    return sorted(targets)


def flag_day(store: Store, day: date | str, reason: str, sectors: Iterable[str] | None = None,
             *, recompute: bool = True) -> int:
    """Leave a local day out of the baselines of these sectors (all when None); return flags."""
    text = _day_text(day)
    if not reason.strip():
        raise InvalidExclusion("give a reason for the flagged day (e.g. 'crise', 'event:feria')")
    known = set(sector_codes(store))
    codes = sorted(known if sectors is None else set(sectors))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidExclusion(f"unknown sector codes {' '.join(unknown)}: use INSEE codes of the catalogue")
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO reference_exclusions VALUES (?, ?, ?)",
                       [(c, text, reason.strip()) for c in codes])
        if recompute:
            update_reference(store, _affected_targets(store, [text]), dependents=False)
    return len(codes)


def unflag_day(store: Store, day: date | str, sectors: Iterable[str] | None = None,
               *, recompute: bool = True) -> int:
    """Put a flagged day back into the baselines; return the number of flags removed."""
    text = _day_text(day)
    with store.write() as tx:
        if sectors is None:
            removed = tx.execute("DELETE FROM reference_exclusions WHERE day = ?", [text]).rowcount
        else:
            removed = sum(tx.execute("DELETE FROM reference_exclusions WHERE day = ? AND sector_code = ?",
                                     [text, c]).rowcount for c in set(sectors))
        if recompute and removed:
            update_reference(store, _affected_targets(store, [text]), dependents=False)
    return int(removed)


def list_flags(store: Store, start: date | str | None = None, end: date | str | None = None) -> list[dict[str, Any]]:
    """Flagged sector-days (sector_code, day, reason), optionally within [start, end]."""
    lo = _day_text(start) if start is not None else "0000-01-01"
    hi = _day_text(end) if end is not None else "9999-12-31"
    return store.query("SELECT sector_code, day, reason FROM reference_exclusions "
                       "WHERE day BETWEEN ? AND ? ORDER BY day, sector_code", [lo, hi])


def _instant(value: Any) -> int:
    """Epoch seconds from an int, a datetime or an ISO 8601 string."""
    if isinstance(value, datetime):
        return int((value if value.tzinfo else value.replace(tzinfo=PARIS)).timestamp())
    if isinstance(value, (int, float)):
        return int(value)
    return parse_instant(str(value))


def event_days(start: Any, end: Any) -> list[str]:
    """Local days (YYYY-MM-DD) touched by [start, end)."""
    first = to_local(_instant(start)).date()
    last = to_local(max(_instant(end) - 1, _instant(start))).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def flag_events(store: Store, events: Iterable[Any], *, recompute: bool = True,
                min_daily_attendance: int = EVENT_MIN_DAILY_ATTENDANCE) -> int:
    """Flag every sector-day touched by these events (vigie.events.Event); return the flags written.

    Diffuse events (fewer than min_daily_attendance expected visits per day, e.g. a long
    exhibition) are not flagged: they barely move the counts and would starve baselines.
    """
    known = set(sector_codes(store))
    rows: dict[tuple[str, str], str] = {}
    for event in events:
        sectors = event.sectors.split() if isinstance(event.sectors, str) else event.sectors
        days = event_days(event.start, event.end)
        if getattr(event, "expected_attendance", min_daily_attendance) / len(days) < min_daily_attendance:
            continue
        for day in days:
            for code in sectors:
                if code in known:
                    rows.setdefault((code, day), f"event:{event.event_id}")
    existing = {(r[0], r[1]): r[2] for r in store.db.execute(
        "SELECT sector_code, day, reason FROM reference_exclusions").fetchall()}
    rows = {key: reason for key, reason in rows.items() if key not in existing}  # keep earlier flags (crises)
    if not rows:
        return 0  # already flagged: nothing to write or recompute (loading the same file again)
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO reference_exclusions VALUES (?, ?, ?)",
                       [(code, day, reason) for (code, day), reason in rows.items()])
        if recompute:
            update_reference(store, _affected_targets(store, {day for _, day in rows}), dependents=False)
    return len(rows)
