"""The model of normal, on a cube of local days x wall-clock slots x sectors (numpy only).

For a target day d and a sector (docs/methods.md):

1. source days: the K most recent usable days of the same type (kind x regime, see
   vigie.calendar.days); with fewer than MIN_DAYS of them, the most recent days of the
   same kind in other regimes, then any day (a pooled profile). A day is
   unusable for a sector when it is flagged (event, crisis) or mostly missing, so a long
   event reaches further back instead of leaving the sector without a usual value;
2. raw profile R: the median of the source days at the same wall-clock slot;
3. season: each past day says how far it stood from its own raw profile (r, the median of
   present / R over its slots), a gap that grew over the mean age a of its source days:
   a growth rate log(r) / a per day. The level factor of day d applies the median rate of
   the last LEVEL_DAYS usable days over d's own source age: f = exp(rate x a(d)), so that
   usual U = f x R follows the season instead of trailing it, whatever the day type;
4. spread: the relative residuals present / U - 1 of the last SPREAD_DAYS days, pooled
   over all their slots (about 1 300 values): spread = 1.4826 x MAD x U, band = U x
   (1 + the residuals' P10 and P90).

Only counts >= k enter: smaller ones are NaN before any statistic. Everything for day d
uses days before d only, so the whole day's usual values are known at its first slot.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from vigie.calendar.days import FRIDAY, SATURDAY, SUNDAY, WEEKDAY, day_kind, day_regime
from vigie.slots import PARIS

K_DAYS = {WEEKDAY: 8, FRIDAY: 4, SATURDAY: 4, SUNDAY: 5}
MIN_DAYS = 2
POOL = 3                 # candidates per tier: POOL x K most recent days
LEVEL_DAYS = 9
LEVEL_LOOKBACK = 21
LEVEL_CLIP = (0.5, 2.0)
TREND_AGE, TREND_FADE = 21, 14  # days
SPREAD_DAYS = 28
MIN_RESIDUALS = 96
DEFAULT_SPREAD_SHARE = 0.05
MAD_SCALE = 1.4826
TAIL_Q, TAIL_Z = 0.99, 2.326    # the upper P99 of a normal variable is 2.326 standard deviations
HISTORY_DAYS = 400       # the furthest a source day may be
# basis: which tier the sources came from
SAME_TYPE, SAME_KIND, POOLED = range(3)
WARMUP_DAYS = SPREAD_DAYS + LEVEL_LOOKBACK + 1  # days before a target whose profiles it reads


@dataclass
class Cube:
    """Clean presence by consecutive local day, wall slot and sector."""

    first: date
    values: np.ndarray   # (D, W, S); NaN = missing, below k or flagged
    valid: np.ndarray    # (D, S): usable as a source day (not flagged, some data)
    kinds: np.ndarray    # (D,)
    regimes: np.ndarray  # (D,)

    @property
    def days(self) -> int:
        return int(self.values.shape[0])


@dataclass
class DayModel:
    """Everything the model says for some target days (arrays indexed by target day, then sector)."""

    days: np.ndarray     # day indices in the cube
    raw: np.ndarray      # (T, W, S) raw profile
    level: np.ndarray    # (T, S)
    spread: np.ndarray   # (T, S) relative (x usual)
    q10: np.ndarray      # (T, S) relative residual quantiles
    q90: np.ndarray
    n: np.ndarray        # (T, S) source days used
    basis: np.ndarray    # (T, S)
    newest: np.ndarray   # (T, S) age in days of the newest and oldest source day
    oldest: np.ndarray


def positions(slots: np.ndarray, first: date, step: int) -> tuple[np.ndarray, np.ndarray]:
    """(day index from `first`, wall slot index) of each slot, by local wall-clock time."""
    local = pd.DatetimeIndex(pd.to_datetime(np.asarray(slots, dtype="int64"), unit="s", utc=True)).tz_convert(PARIS)
    day = (local.tz_localize(None).normalize() - pd.Timestamp(first)).days.to_numpy()
    wall = ((local.hour * 60 + local.minute) * 60 // step).to_numpy()
    return day.astype("int64"), wall.astype("int64")


def build_cube(grid: np.ndarray, matrix: np.ndarray, step: int, flags: dict[str, list[int]], k: int) -> Cube:
    """The cube from a regular slot grid and its (slots x sectors) presence; flags: day -> columns."""
    first = pd.Timestamp(grid[0], unit="s", tz="UTC").tz_convert(PARIS).date()
    day, wall = positions(grid, first, step)
    n_days, n_wall = int(day.max()) + 1, 86400 // step
    values = np.full((n_days, n_wall, matrix.shape[1]), np.nan)
    clean = np.where(matrix >= k, matrix, np.nan)
    values[day[::-1], wall[::-1]] = clean[::-1]  # a repeated wall time keeps its first occurrence
    for text, cols in flags.items():
        i = (date.fromisoformat(text) - first).days
        if 0 <= i < n_days and cols:
            values[i][:, cols] = np.nan
    valid = np.any(~np.isnan(values), axis=1)
    days = [first + timedelta(days=i) for i in range(n_days)]
    return Cube(first, values, valid, np.array([day_kind(d) for d in days]), np.array([day_regime(d) for d in days]))


def _candidates(cube: Cube, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate source days of day d, most relevant first, with their tier."""
    kind, regime = int(cube.kinds[d]), int(cube.regimes[d])
    before = np.arange(d - 1, max(-1, d - 1 - HISTORY_DAYS), -1)
    kinds, regimes = cube.kinds[before], cube.regimes[before]
    pool = POOL * K_DAYS[kind]
    tiers = [before[(kinds == kind) & (regimes == regime)][:pool],
             before[(kinds == kind) & (regimes != regime)][:pool],
             before[kinds != kind][:pool]]
    chosen = [t[:pool] for t in tiers]
    return (np.concatenate(chosen).astype("int64"),
            np.concatenate([np.full(len(c), i) for i, c in enumerate(chosen)]).astype("int64"))


def _sorted_quantile(ordered: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolated quantile along axis 0 of an array sorted with NaN last."""
    if not ordered.shape[0]:
        return np.full(ordered.shape[1:], np.nan)
    h = np.maximum(counts - 1, 0) * q
    lo, hi = np.floor(h).astype("int64"), np.ceil(h).astype("int64")
    low = np.take_along_axis(ordered, lo[None], axis=0)[0]
    high = np.take_along_axis(ordered, hi[None], axis=0)[0]
    out = low + (h - lo) * (high - low)
    return np.where(counts > 0, out, np.nan)


def _profile(cube: Cube, d: int) -> tuple[np.ndarray, ...]:
    """(raw profile (W, S), n, basis, newest age, oldest age) of day d."""
    cands, tiers = _candidates(cube, d)
    n_sectors = cube.values.shape[2]
    if not len(cands):
        empty = np.zeros(n_sectors, dtype="int64")
        return np.full(cube.values.shape[1:], np.nan), empty, empty, empty, empty, np.ones(n_sectors)
    k = K_DAYS[int(cube.kinds[d])]
    ok = cube.valid[cands]                                     # (M, S)
    first_tier = ok & (tiers == 0)[:, None]
    use_first = first_tier & (np.cumsum(first_tier, axis=0) <= k)
    use_any = ok & (np.cumsum(ok, axis=0) <= k)
    enough = use_first.sum(axis=0) >= MIN_DAYS
    use = np.where(enough[None], use_first, use_any)
    values = np.where(use[:, None, :], cube.values[cands], np.nan)
    counts = np.sum(~np.isnan(values), axis=0)
    raw = _sorted_quantile(np.sort(values, axis=0), counts, 0.5)
    n = use.sum(axis=0)
    raw[:, n < MIN_DAYS] = np.nan
    basis = np.where(use, tiers[:, None], -1).max(axis=0)
    ages = (d - cands)[:, None]
    mean_age = np.where(use, ages, 0).sum(axis=0) / np.maximum(n, 1)
    newest = np.where(use, ages, 10 ** 6).min(axis=0)
    oldest = np.where(use, ages, -1).max(axis=0)
    return raw, n, basis, newest, oldest, mean_age


def _day_ratio(values: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Median over the slots of present / raw profile, per sector (NaN with too few slots)."""
    ratio = values / np.where(raw > 0, raw, np.nan)
    counts = np.sum(~np.isnan(ratio), axis=0)
    out = _sorted_quantile(np.sort(ratio, axis=0), counts, 0.5)
    return np.where(counts >= values.shape[0] // 4, out, np.nan)


def _level(growth: np.ndarray, age: np.ndarray) -> np.ndarray:
    """exp(horizon x the median of the last LEVEL_DAYS daily growth rates (rows most recent last)); 1 when none.

    The horizon is the source age, faded out between TREND_AGE and TREND_AGE + TREND_FADE days:
    sources that old come from another period (a regime change) and no recent trend describes
    the gap.
    """
    if not len(growth):
        return np.ones(growth.shape[1])
    known = ~np.isnan(growth[::-1])
    pick = known & (np.cumsum(known, axis=0) <= LEVEL_DAYS)
    chosen = np.where(pick, growth[::-1], np.nan)
    counts = pick.sum(axis=0)
    rate = _sorted_quantile(np.sort(chosen, axis=0), counts, 0.5)
    horizon = age * np.clip((TREND_AGE + TREND_FADE - age) / TREND_FADE, 0.0, 1.0)
    return np.clip(np.where(counts > 0, np.exp(rate * horizon), 1.0), *LEVEL_CLIP)


def _spread(residuals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(spread, P10, P90) of relative residuals pooled over days and slots (rows x S).

    spread = max(1.4826 x MAD, (P99 - median) / 2.326): the MAD alone ignores the heavy
    upper tail that day effects give, so z >= 3 would come far more often than 0.13 %.
    """
    counts = np.sum(~np.isnan(residuals), axis=0)
    ordered = np.sort(residuals, axis=0)
    median = _sorted_quantile(ordered, counts, 0.5)
    mad = _sorted_quantile(np.sort(np.abs(residuals - median), axis=0), counts, 0.5)
    q10, q90 = _sorted_quantile(ordered, counts, 0.1), _sorted_quantile(ordered, counts, 0.9)
    tail = (_sorted_quantile(ordered, counts, TAIL_Q) - median) / TAIL_Z
    few = counts < MIN_RESIDUALS
    spread = np.where(few, DEFAULT_SPREAD_SHARE, np.maximum(np.maximum(MAD_SCALE * mad, tail), 1e-3))
    return spread, np.where(few, -1.2816 * spread, q10), np.where(few, 1.2816 * spread, q90)


def model_days(cube: Cube, targets: np.ndarray) -> DayModel:
    """The model for these target day indices (sorted), reading the days before them."""
    targets = np.asarray(targets, dtype="int64")
    lo = max(0, int(targets.min()) - WARMUP_DAYS)
    span = np.arange(lo, int(targets.max()) + 1)
    profiles = [_profile(cube, int(d)) for d in span]
    raw = np.stack([p[0] for p in profiles])                          # (P, W, S)
    ratio = np.stack([_day_ratio(cube.values[d], raw[i]) for i, d in enumerate(span)])
    age = np.stack([np.maximum(p[5], 1.0) for p in profiles])       # (P, S) mean age of the sources
    growth = np.log(ratio) / age                                     # what each day said, per day of lag
    level = np.stack([_level(growth[max(0, i - LEVEL_LOOKBACK):i], age[i]) for i in range(len(span))])
    usual = raw * level[:, None, :]
    residual = cube.values[span] / np.where(usual > 0, usual, np.nan) - 1.0
    rows = [int(d) - lo for d in targets]
    parts = [_spread(residual[max(0, i - SPREAD_DAYS):i].reshape(-1, residual.shape[2])) for i in rows]
    pick = lambda j: np.stack([profiles[i][j] for i in rows])  # noqa: E731
    return DayModel(targets, raw[rows], level[rows], np.stack([p[0] for p in parts]),
                    np.stack([p[1] for p in parts]), np.stack([p[2] for p in parts]),
                    pick(1), pick(2), pick(3), pick(4))
