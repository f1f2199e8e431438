"""Fit the forecast on past origins: a half-life per kind of sector, then its error bands.

Every slot of the window is an origin. For each kind and each candidate half-life the
forecasts of the next 12 slots are compared with what was then observed; the half-life with
the smallest total absolute error wins (over FIT_DAYS), and the 10th and 90th percentiles
of log(actual / expected) per horizon over the last BAND_DAYS become the 80 % interval
(a short window, so that the bands follow the season).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vigie.calendar.events import load_events
from vigie.forecast.data import event_crowd, presence_matrix, sector_codes, sector_kinds, usual_matrix
from vigie.forecast.model import (DEFAULT_HALF_LIFE, HALF_LIVES, HORIZON, ForecastModel, band_quantiles, decay, log_errors, project,
                                  rolling_ratio)
from vigie.store import Store

FIT_DAYS = 28
BAND_DAYS = 7


def horizon_forecast(usual: np.ndarray, extra: np.ndarray, ratio: np.ndarray, h: int,
                     half_life: np.ndarray | float, slot_minutes: int) -> np.ndarray:
    """Forecasts made at origins 0..T-h-1 for the slot h ahead (rows aligned on the origin)."""
    return project(usual[h:], ratio[:-h], extra[h:], decay(h, half_life, slot_minutes))


def _kind_error(present: np.ndarray, usual: np.ndarray, extra: np.ndarray, ratio: np.ndarray, half_life: float,
                k: int, slot_minutes: int, horizon: int) -> float:
    """Total absolute error of one half-life over every origin and horizon (counts >= k only)."""
    total = 0.0
    for h in range(1, min(horizon, len(present) - 1) + 1):
        forecast = horizon_forecast(usual, extra, ratio, h, half_life, slot_minutes)
        actual = present[h:]
        valid = (actual >= k) & np.isfinite(forecast)
        total += float(np.abs(forecast - actual)[valid].sum())
    return total


def fit_half_lives(present: np.ndarray, usual: np.ndarray, extra: np.ndarray, ratio: np.ndarray,
                   kinds: Sequence[str], k: int, slot_minutes: int, horizon: int = HORIZON,
                   candidates: Sequence[int] = HALF_LIVES) -> dict[str, int]:
    """The half-life (minutes) with the smallest total absolute error, per kind of sector."""
    kind_of = np.asarray(kinds)
    out: dict[str, int] = {}
    for kind in sorted(set(kinds)):
        cols = np.nonzero(kind_of == kind)[0]
        args = (present[:, cols], usual[:, cols], extra[:, cols], ratio[:, cols])
        errors = {hl: _kind_error(*args, hl, k, slot_minutes, horizon) for hl in candidates}
        out[kind] = int(min(errors, key=lambda hl: (errors[hl], hl)))
    return out


def fit_bands(present: np.ndarray, usual: np.ndarray, extra: np.ndarray, ratio: np.ndarray, kinds: Sequence[str],
              half_lives: dict[str, int], k: int, slot_minutes: int,
              horizon: int = HORIZON) -> dict[str, list[tuple[float, float]]]:
    """P10 and P90 of log(actual / expected) per kind and horizon."""
    kind_of = np.asarray(kinds)
    out: dict[str, list[tuple[float, float]]] = {}
    for kind in sorted(set(kinds)):
        cols = np.nonzero(kind_of == kind)[0]
        hl = half_lives.get(kind, DEFAULT_HALF_LIFE)
        out[kind] = [band_quantiles(log_errors(present[h:, cols], horizon_forecast(
            usual[:, cols], extra[:, cols], ratio[:, cols], h, hl, slot_minutes), k)) for h in range(1, horizon + 1)]
    return out


def fit_arrays(present: np.ndarray, usual: np.ndarray, extra: np.ndarray, kinds: Sequence[str], k: int,
               slot_minutes: int, band_days: int = BAND_DAYS) -> ForecastModel:
    """Half-lives over the whole window, bands over its last `band_days`, from (T, S) matrices."""
    ratio = rolling_ratio(present, usual, extra, k)
    half_lives = fit_half_lives(present, usual, extra, ratio, kinds, k, slot_minutes)
    rows = -min(len(present), band_days * 86400 // (slot_minutes * 60) + HORIZON)
    bands = fit_bands(present[rows:], usual[rows:], extra[rows:], ratio[rows:], kinds, half_lives, k, slot_minutes)
    return ForecastModel(half_lives, bands, origins=max(0, len(present) - 1))


def fit_model(store: Store, until: int, k: int, slot_minutes: int, days: int = FIT_DAYS) -> ForecastModel:
    """Fit on the `days` before `until` (observations with slot <= until only)."""
    step = slot_minutes * 60
    last = until - until % step
    grid = np.arange(last - days * 86400, last + 1, step, dtype="int64")
    codes = sector_codes(store)
    present = presence_matrix(store, grid, codes)
    usual = usual_matrix(store, grid, codes)
    extra = event_crowd(load_events(store, int(grid[0]), last + step), codes, grid, step)
    kinds = sector_kinds(store)
    model = fit_arrays(present, usual, extra, [kinds[c] for c in codes], k, slot_minutes)
    return ForecastModel(model.half_lives, model.bands, int(grid[0]), last, model.origins)
