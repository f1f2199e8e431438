"""Rolling-origin backtest of the forecast against the usual value, last week and the last value.

Every slot of [start, end) is an origin. The half-lives are refitted every REFIT_DAYS on the
FIT_DAYS before (never after) the origin, the bands every day on the BAND_DAYS before; seeded surges (vigie.forecast.surges) are added to
the observed presence. For each horizon (+30 min to +6 h) the report gives MAE and WAPE on
ordinary slots (no surge at the origin or the target) and on slots with a surge under way
(active at the origin and at the target), the coverage of the 80 % interval, and the share
of a surge's extra people the forecast carries one hour ahead.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vigie.calendar.events import load_events
from vigie.errors import VigieError
from vigie.forecast.data import event_crowd, presence_matrix, sector_codes, sector_kinds, usual_matrix
from vigie.forecast.fit import BAND_DAYS, FIT_DAYS, fit_bands, fit_half_lives
from vigie.forecast.model import HORIZON, ForecastModel, decay, project, rolling_ratio
from vigie.forecast.surges import make_surges, surge_matrix
from vigie import privacy
from vigie.slots import DEFAULT_SLOT_MINUTES, PARIS
from vigie.store import Store

REFIT_DAYS = 7
METHODS = ("forecast", "usual", "last_week", "last_value")
BASELINES = METHODS[1:]
GOAL_SHORT = 0.8   # WAPE at +1 h and +2 h <= 0.8 x the best baseline
GOAL_CARRIED = 0.5
GOAL_COVERAGE = (0.70, 0.90)


class BacktestError(VigieError, ValueError):
    """The backtest cannot run on this period; the message says what to change."""


@dataclass
class BacktestReport:
    """Scores per horizon and method, surge carry-over, coverage and the goal verdicts."""

    start: int
    end: int
    origins: int
    surges: int
    horizons_minutes: list[int]
    ordinary: dict[str, dict[str, list[float | None]]]
    surge: dict[str, dict[str, list[float | None]]]
    coverage: list[float | None]
    carried_1h: float | None
    half_lives: dict[str, int]
    goals: dict[str, bool] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


@dataclass
class _Inputs:
    grid: np.ndarray
    present: np.ndarray
    surged: np.ndarray
    extra_people: np.ndarray
    usual: np.ndarray
    events: np.ndarray
    kinds: list[str]
    surge_count: int


def _load(store: Store, start: int, end: int, k: int, slot_minutes: int, seed: int) -> _Inputs:
    """Matrices from FIT_DAYS before start to 6 h after end, surges added."""
    step = slot_minutes * 60
    first = start - start % step - FIT_DAYS * 86400
    grid = np.arange(first, end + HORIZON * step + 1, step, dtype="int64")
    codes = sector_codes(store)
    present = presence_matrix(store, grid, codes)
    usual = usual_matrix(store, grid, codes)
    events = event_crowd(load_events(store, int(grid[0]), int(grid[-1]) + step), codes, grid, step)
    origins = grid >= start
    surges = make_surges(grid[origins], codes, usual[origins], seed=seed, step=step)
    people = surge_matrix(surges, grid, codes, step)
    kinds = sector_kinds(store)
    return _Inputs(grid, present, present + people, people, usual, events, [kinds[c] for c in codes], len(surges))


def _models(data: _Inputs, ratio: np.ndarray, first: int, last: int, k: int,
            slot_minutes: int) -> list[tuple[int, ForecastModel]]:
    """(first origin row, model) per day: half-lives refitted every REFIT_DAYS on the FIT_DAYS
    before, bands every day on the BAND_DAYS before (never on the origin's future)."""
    per_day = 86400 // (slot_minutes * 60)
    out: list[tuple[int, ForecastModel]] = []
    half_lives: dict[str, int] = {}
    for n, row in enumerate(range(first, last, per_day)):
        if n % REFIT_DAYS == 0:
            lo = max(0, row - FIT_DAYS * per_day)
            half_lives = fit_half_lives(data.surged[lo:row], data.usual[lo:row], data.events[lo:row],
                                        ratio[lo:row], data.kinds, k, slot_minutes)
        lo = max(0, row - BAND_DAYS * per_day - HORIZON)
        bands = fit_bands(data.surged[lo:row], data.usual[lo:row], data.events[lo:row], ratio[lo:row], data.kinds,
                          half_lives, k, slot_minutes)
        out.append((row, ForecastModel(half_lives, bands)))
    return out


def _per_origin(models: list[tuple[int, ForecastModel]], rows: np.ndarray, kinds: list[str],
                h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Half-life and log band (low, high) for each origin row and sector at horizon h."""
    shape = (len(rows), len(kinds))
    half, low, high = np.empty(shape), np.empty(shape), np.empty(shape)
    for n, (row, model) in enumerate(models):
        upto = models[n + 1][0] if n + 1 < len(models) else rows[-1] + 1
        sel = (rows >= row) & (rows < upto)
        half[sel] = [model.half_life(kind) for kind in kinds]
        low[sel] = [model.band(kind, h)[0] for kind in kinds]
        high[sel] = [model.band(kind, h)[1] for kind in kinds]
    return half, low, high


def week_before(stamps: np.ndarray) -> np.ndarray:
    """The slot at the same Europe/Paris wall time 7 days earlier (-1 when that time did not exist)."""
    wall = pd.DatetimeIndex(pd.to_datetime(stamps, unit="s", utc=True)).tz_convert(PARIS).tz_localize(None)
    local = (wall - pd.Timedelta(days=7)).tz_localize(PARIS, ambiguous=np.ones(len(stamps), bool),
                                                      nonexistent="NaT")
    out = np.full(len(stamps), -1, dtype="int64")
    out[~local.isna()] = local[~local.isna()].as_unit("s").asi8
    return out


def _last_week(data: _Inputs, targets: np.ndarray) -> np.ndarray:
    """Presence at the same local wall time a week before each target row."""
    source = week_before(data.grid[targets])
    pos = np.searchsorted(data.grid, source)
    ok = (source >= 0) & (pos < len(data.grid))
    ok[ok] &= data.grid[pos[ok]] == source[ok]
    out = np.full((len(targets), data.present.shape[1]), np.nan)
    out[ok] = data.surged[pos[ok]]
    return out


def _scores(forecasts: dict[str, np.ndarray], actual: np.ndarray, mask: np.ndarray) -> dict[str, tuple[float, float]]:
    """(MAE, WAPE) of each method over the masked cells."""
    total = float(actual[mask].sum())
    out = {}
    for name, values in forecasts.items():
        err = np.abs(values - actual)[mask]
        out[name] = (float(err.mean()) if err.size else float("nan"), float(err.sum()) / total if total else float("nan"))
    return out


def run_backtest(store: Store, start: int, end: int, *, k: int = privacy.DEFAULT_K,
                 slot_minutes: int = DEFAULT_SLOT_MINUTES, seed: int = 0) -> BacktestReport:
    """Backtest the forecast on origins in [start, end) (see the module docstring)."""
    if end <= start:
        raise BacktestError("--to must be after --from")
    data = _load(store, start, end, k, slot_minutes, seed)
    rows = np.nonzero((data.grid >= start) & (data.grid < end))[0]
    if not len(rows) or np.isnan(data.usual[rows]).all():
        raise BacktestError("no usual values in this period: choose dates at least 3 weeks after the first observation")
    ratio = rolling_ratio(data.surged, data.usual, data.events, k)
    models = _models(data, ratio, int(rows[0]), int(rows[-1]) + 1, k, slot_minutes)
    clean_ratio = rolling_ratio(data.present, data.usual, data.events, k)
    report = BacktestReport(int(start), int(end), len(rows), data.surge_count, [], {m: {"mae": [], "wape": []} for m in METHODS},
                            {m: {"mae": [], "wape": []} for m in METHODS}, [], None, models[-1][1].half_lives)
    for h in range(1, HORIZON + 1):
        _horizon(report, data, rows, models, ratio, clean_ratio, h, k, slot_minutes)
    report.goals = goals(report)
    return report


def _horizon(report: BacktestReport, data: _Inputs, rows: np.ndarray, models: list[tuple[int, ForecastModel]],
             ratio: np.ndarray, clean_ratio: np.ndarray, h: int, k: int, slot_minutes: int) -> None:
    """Score one horizon into the report."""
    targets = rows + h
    half, low, high = _per_origin(models, rows, data.kinds, h)
    factor = decay(h, half, slot_minutes)
    usual, events = data.usual[targets], data.events[targets]
    forecast = project(usual, ratio[rows], events, factor)
    methods = {"forecast": forecast, "usual": usual, "last_week": _last_week(data, targets),
               "last_value": data.surged[rows]}
    actual = data.surged[targets]
    valid = actual >= k
    for values in methods.values():
        valid &= np.isfinite(values)
    under_way = (data.extra_people[rows] > 0) & (data.extra_people[targets] > 0)
    ordinary = valid & (data.extra_people[rows] == 0) & (data.extra_people[targets] == 0)
    for group, mask in ((report.ordinary, ordinary), (report.surge, valid & under_way)):
        for name, (mae, wape) in _scores(methods, actual, mask).items():
            group[name]["mae"].append(_round(mae))
            group[name]["wape"].append(_round(wape))
    inside = (actual >= forecast * np.exp(low)) & (actual <= forecast * np.exp(high))
    report.coverage.append(_round(float(inside[ordinary].mean())) if ordinary.any() else None)
    report.horizons_minutes.append(h * slot_minutes)
    if h * slot_minutes == 60:
        clean = project(usual, clean_ratio[rows], events, factor)
        mask = valid & under_way
        extra = float(data.extra_people[targets][mask].sum())
        report.carried_1h = _round(float((forecast - clean)[mask].sum()) / extra) if extra else None


def _round(value: float) -> float | None:
    """Four decimals; None for NaN."""
    return None if not np.isfinite(value) else round(value, 4)


def goals(report: BacktestReport) -> dict[str, bool]:
    """The issue's goals, each True when met."""
    out: dict[str, bool] = {}
    wape = report.ordinary
    for minutes, ratio in ((60, GOAL_SHORT), (120, GOAL_SHORT), (360, 1.0)):
        if minutes not in report.horizons_minutes:
            continue
        i = report.horizons_minutes.index(minutes)
        best = min(v for b in BASELINES if (v := wape[b]["wape"][i]) is not None)
        ours = wape["forecast"]["wape"][i]
        out[f"wape_{minutes}min"] = ours is not None and ours <= ratio * best
    out["surge_carried_1h"] = report.carried_1h is not None and report.carried_1h >= GOAL_CARRIED
    cov = [c for c in report.coverage if c is not None]
    out["coverage_80"] = bool(cov) and all(GOAL_COVERAGE[0] <= c <= GOAL_COVERAGE[1] for c in cov)
    return out
