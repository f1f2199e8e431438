"""The forecast method on arrays: robust ratio to the usual value, decaying towards it.

For a sector whose last slots ran at r times their usual value, the expected presence h
slots ahead is usual(t+h) x (1 + (r - 1) x 0.5^(h / half-life)), plus the expected crowd of
the known events at t+h. r is the median of (observed - event crowd) / usual over the last
RATIO_SLOTS slots. The half-life is fitted per kind of sector on past origins, and the 80 %
interval comes from the empirical 10th and 90th percentiles of log(actual / expected) per
kind and horizon over the same origins. Everything here is numpy: no database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

HORIZON = 12
RATIO_SLOTS = 2
RATIO_CLIP = (0.05, 20.0)
HALF_LIVES = (30, 60, 90, 120, 180, 240, 360, 540, 720, 1080, 1440, 2880)  # minutes
DEFAULT_HALF_LIFE = 240
QUANTILES = (0.1, 0.9)
DEFAULT_LOG_BAND = 0.15  # used only before any fit: about -14 % / +16 %
MIN_FIT_ERRORS = 200


@dataclass(frozen=True)
class ForecastModel:
    """Fitted constants: half-life and 80 % log-error band per kind of sector and horizon."""

    half_lives: dict[str, int]
    bands: dict[str, list[tuple[float, float]]]
    fitted_from: int | None = None
    fitted_until: int | None = None
    origins: int = 0
    scores: dict[str, dict[str, float]] = field(default_factory=dict)

    def half_life(self, kind: str) -> int:
        """Half-life (minutes) of this kind, the default when it was not fitted."""
        return int(self.half_lives.get(kind, DEFAULT_HALF_LIFE))

    def band(self, kind: str, h: int) -> tuple[float, float]:
        """(low, high) quantiles of log(actual / expected) at horizon h (1-based)."""
        rows = self.bands.get(kind)
        if not rows:
            return (-DEFAULT_LOG_BAND, DEFAULT_LOG_BAND)
        return rows[min(h, len(rows)) - 1]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (stored in the meta table)."""
        return {"half_lives": self.half_lives, "bands": {k: [list(b) for b in v] for k, v in self.bands.items()},
                "fitted_from": self.fitted_from, "fitted_until": self.fitted_until, "origins": self.origins,
                "scores": self.scores}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ForecastModel":
        """The model written by `to_json`."""
        bands = {k: [(float(a), float(b)) for a, b in v] for k, v in data.get("bands", {}).items()}
        return cls({k: int(v) for k, v in data.get("half_lives", {}).items()}, bands, data.get("fitted_from"),
                   data.get("fitted_until"), int(data.get("origins", 0)), data.get("scores", {}))


DEFAULT_MODEL = ForecastModel({}, {})


def robust_ratio(present: np.ndarray, usual: np.ndarray, extra: np.ndarray, k: int) -> np.ndarray:
    """Median over axis 0 of (present - event crowd) / usual where both counts are >= k; 1 if none."""
    valid = (present >= k) & (usual >= k)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(valid, (present - extra) / np.where(valid, usual, 1.0), np.nan)
    out = np.full(ratio.shape[1:], np.nan)
    seen = valid.any(axis=0)
    if seen.any():
        out[seen] = np.nanmedian(ratio[:, seen], axis=0)
    return np.clip(np.where(np.isnan(out), 1.0, out), *RATIO_CLIP)


def rolling_ratio(present: np.ndarray, usual: np.ndarray, extra: np.ndarray, k: int,
                  window: int = RATIO_SLOTS) -> np.ndarray:
    """robust_ratio at every origin row i of (T, S) arrays, over rows i-window+1..i."""
    t = present.shape[0]
    stack = np.full((window, t) + present.shape[1:], np.nan)
    for lag in range(window):
        stack[lag, lag:] = _ratio_rows(present[:t - lag], usual[:t - lag], extra[:t - lag], k)
    with np.errstate(invalid="ignore"):
        seen = ~np.isnan(stack).all(axis=0)
        out = np.full(present.shape, 1.0)
        out[seen] = np.nanmedian(stack[:, seen], axis=0)
    return np.clip(out, *RATIO_CLIP)


def _ratio_rows(present: np.ndarray, usual: np.ndarray, extra: np.ndarray, k: int) -> np.ndarray:
    """Elementwise (present - extra) / usual, NaN where a count is missing or below k."""
    valid = (present >= k) & (usual >= k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid, (present - extra) / np.where(valid, usual, 1.0), np.nan)


def decay(h: np.ndarray | int, half_life_minutes: np.ndarray | float, slot_minutes: int) -> np.ndarray:
    """Share of today's deviation still expected h slots ahead: 0.5^(h x slot / half-life)."""
    return np.power(0.5, np.asarray(h, float) * slot_minutes / np.asarray(half_life_minutes, float))


def project(usual: np.ndarray, ratio: np.ndarray, extra: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Expected presence: usual x (1 + (r - 1) x factor) + event crowd (broadcasting)."""
    return usual * (1.0 + (ratio - 1.0) * factor) + extra


def log_errors(actual: np.ndarray, expected: np.ndarray, k: int) -> np.ndarray:
    """log(actual / expected) where both are >= k, NaN elsewhere."""
    valid = (actual >= k) & (expected >= k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid, np.log(np.where(valid, actual, 1.0) / np.where(valid, expected, 1.0)), np.nan)


def band_quantiles(errors: np.ndarray) -> tuple[float, float]:
    """(P10, P90) of the finite log errors; the default band when too few."""
    finite = errors[np.isfinite(errors)]
    if finite.size < MIN_FIT_ERRORS:
        return (-DEFAULT_LOG_BAND, DEFAULT_LOG_BAND)
    low, high = np.quantile(finite, QUANTILES)
    return (float(low), float(high))
