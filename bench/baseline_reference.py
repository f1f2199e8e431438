"""The first model of normal, kept as the benchmark's baseline (BEFORE): not used by Vigie.

Median of the same local weekday and wall time over the previous 6 weeks (3 usable at
least), spread 1.4826 x MAD, band P10-P90 of those weeks, flagged sector-days left out;
z = excess / max(spread, 5 % of usual, k). Computed on a slots x sectors matrix.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from vigie.slots import PARIS

WEEKS, MIN_WEEKS, MAD_SCALE, FLOOR_SHARE = 6, 3, 1.4826, 0.05


def _quantile_sorted(ordered: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolated quantile of columns sorted with NaN last."""
    h = np.maximum(counts - 1, 0) * q
    lo, hi = np.floor(h).astype("int64"), np.ceil(h).astype("int64")
    low = np.take_along_axis(ordered, lo[None], axis=0)[0]
    high = np.take_along_axis(ordered, hi[None], axis=0)[0]
    return low + (h - lo) * (high - low)


def _sources(slots: np.ndarray) -> np.ndarray:
    """Slots at the same local wall time 1..6 weeks before; -1 where none."""
    wall = pd.DatetimeIndex(pd.to_datetime(slots, unit="s", utc=True)).tz_convert(PARIS).tz_localize(None)
    out = np.full((WEEKS, len(slots)), -1, dtype="int64")
    first = np.ones(len(slots), dtype=bool)
    for k in range(1, WEEKS + 1):
        lagged = (wall - pd.Timedelta(days=7 * k)).tz_localize(PARIS, ambiguous=first, nonexistent="NaT")
        valid = ~lagged.isna()
        out[k - 1, valid] = lagged[valid].as_unit("s").asi8
    return out


def baseline(slots: np.ndarray, matrix: np.ndarray, flagged: np.ndarray) -> dict[str, np.ndarray]:
    """usual, spread, p10, p90 (slots x sectors); flagged: cells of flagged sector-days."""
    clean = np.where(flagged, np.nan, matrix)
    src = _sources(slots)
    pos = np.searchsorted(slots, src)
    ok = (src >= 0) & (pos < len(slots)) & (slots[np.minimum(pos, len(slots) - 1)] == src)
    values = np.full((WEEKS, *matrix.shape), np.nan)
    for k in range(WEEKS):
        values[k, ok[k]] = clean[pos[k, ok[k]]]
    counts = np.sum(~np.isnan(values), axis=0)
    ordered = np.sort(values, axis=0)
    median = _quantile_sorted(ordered, counts, 0.5)
    mad = _quantile_sorted(np.sort(np.abs(values - median[None]), axis=0), counts, 0.5)
    out = {"usual": median, "spread": MAD_SCALE * mad, "p10": _quantile_sorted(ordered, counts, 0.1),
           "p90": _quantile_sorted(ordered, counts, 0.9)}
    for array in out.values():
        array[counts < MIN_WEEKS] = np.nan
    return out


def z_scores(present: np.ndarray, stats: dict[str, np.ndarray], k: int) -> np.ndarray:
    """The baseline's z: excess / max(spread, 5 % of usual, k)."""
    usual = stats["usual"]
    return (present - usual) / np.maximum(np.maximum(np.nan_to_num(stats["spread"]), FLOOR_SHARE * usual), k)
