"""The forecast at an instant t: every sector, the next 12 slots, from observations up to t only.

`based_on` is the newest observed slot at or before t; the points are the slots after it.
An exercise passes its clock as t and its injections as `overlay`: only injected slots up
to t are read, like the observations. Counts below k never feed the ratio, and an expected
value or bound below k is None.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from vigie import privacy
from vigie.calendar.events import load_events
from vigie.errors import VigieError
from vigie.feed.observations import batch_version
from vigie.forecast import repository
from vigie.forecast.data import (Overlay, event_crowd, forget_usual, presence_matrix, sector_codes, sector_kinds,
                                 usual_ahead)
from vigie.forecast.fit import fit_model
from vigie.forecast.model import HORIZON, RATIO_SLOTS, ForecastModel, decay, project, robust_ratio
from vigie.slots import DEFAULT_SLOT_MINUTES
from vigie.store import Store

MODEL_META_KEY = "forecast_model"
MODEL_MAX_AGE = 7 * 86400
CACHE_SIZE = 32
_cache: OrderedDict[tuple[object, ...], "Forecast"] = OrderedDict()
_models: OrderedDict[tuple[str, int], ForecastModel] = OrderedDict()
_lock = threading.Lock()


class ForecastError(VigieError, ValueError):
    """A forecast cannot be made as asked; the message says what to change."""


@dataclass(frozen=True)
class SectorForecast:
    """One sector's expected presence at the next slots, with its 80 % interval and usual value."""

    code: str
    kind: str
    half_life_minutes: int
    ratio: float | None
    slots: tuple[int, ...]
    expected: tuple[int | None, ...]
    low: tuple[int | None, ...]
    high: tuple[int | None, ...]
    usual: tuple[int | None, ...]

    def excess(self, i: int) -> int | None:
        """Expected people over the usual value at point i (None when either is withheld)."""
        return privacy.safe_delta(self.expected[i], self.usual[i])

    def peak(self, points: int | None = None) -> int | None:
        """Index of the largest expected excess among the first `points` points (None if none)."""
        values = [(self.excess(i), i) for i in range(min(points or len(self.slots), len(self.slots)))]
        shown = [(e, i) for e, i in values if e is not None]
        return max(shown)[1] if shown else None


@dataclass(frozen=True)
class Forecast:
    """Forecasts of every sector made at `at` from observations up to `based_on`."""

    at: int
    based_on: int | None
    horizon: int
    sectors: tuple[SectorForecast, ...]

    def get(self, code: str) -> SectorForecast | None:
        """The forecast of one sector (None when it is not in this forecast)."""
        return next((s for s in self.sectors if s.code == code), None)


def newest_slot(store: Store, t: int) -> int | None:
    """Newest observed slot at or before t."""
    return repository.newest_slot(store, t)


def check_horizon(horizon: int) -> int:
    """The horizon as an int in 1..12, or ForecastError."""
    if not isinstance(horizon, int) or not 1 <= horizon <= HORIZON:
        raise ForecastError(key="errors.forecast_horizon", max=HORIZON, raw=repr(horizon))
    return horizon


def _stored_model(store: Store) -> ForecastModel | None:
    """The model kept in the meta table, if any."""
    raw = store.get_meta(MODEL_META_KEY)
    return None if raw is None else ForecastModel.from_json(json.loads(raw))


def model_for(store: Store, t: int, k: int, slot_minutes: int) -> ForecastModel:
    """A model fitted on data before t: the stored one when recent enough, else one fitted now."""
    stored = _stored_model(store)
    if stored and stored.fitted_until is not None and 0 <= t - stored.fitted_until <= MODEL_MAX_AGE:
        return stored
    until = int(t - t % 86400)  # refit at most once a day
    key = (str(store.path), until)
    with _lock:
        model = _models.get(key)
    if model is None:
        model = fit_model(store, until, k, slot_minutes)
        with _lock:
            _models[key] = model
            while len(_models) > 8:
                _models.popitem(last=False)
    if not store.readonly and (stored is None or (stored.fitted_until or 0) < until):
        _keep(store, model)
    return model


def _keep(store: Store, model: ForecastModel) -> None:
    """Store the model for the other processes (the API door, the alert sender) so they need not fit it again.

    Inside a snapshot (the alert rules read one) it goes through a connection of its own.
    """
    keeper = Store(store.path) if store.in_snapshot else store
    try:
        keeper.set_meta(MODEL_META_KEY, json.dumps(model.to_json()))
    finally:
        if keeper is not store:
            keeper.close()


def save_model(store: Store, model: ForecastModel) -> None:
    """Keep this model in the meta table (the CLI's `forecast fit`)."""
    store.set_meta(MODEL_META_KEY, json.dumps(model.to_json()))


def _selected(codes: list[str], wanted: Sequence[str] | None) -> list[str]:
    """The wanted codes, checked against the catalogue (all when None)."""
    if wanted is None:
        return codes
    unknown = sorted(set(wanted) - set(codes))
    if unknown:
        raise ForecastError(key="errors.forecast_unknown_sectors", codes=", ".join(unknown[:10]))
    return [c for c in codes if c in set(wanted)]


def forecast_at(store: Store, t: int, *, k: int = privacy.DEFAULT_K,
                slot_minutes: int = DEFAULT_SLOT_MINUTES, horizon: int = HORIZON,
                sectors: Sequence[str] | None = None, overlay: Overlay | None = None,
                model: ForecastModel | None = None) -> Forecast:
    """Forecast every (or the given) sector for the `horizon` slots after the newest slot <= t."""
    check_horizon(horizon)
    codes = sector_codes(store)
    chosen = _selected(codes, sectors)
    based_on = newest_slot(store, t)
    if based_on is None:
        return Forecast(int(t), None, horizon, ())
    model = model or model_for(store, based_on, k, slot_minutes)
    step = slot_minutes * 60
    observed = np.arange(based_on - (RATIO_SLOTS - 1) * step, based_on + 1, step, dtype="int64")
    targets = np.arange(based_on + step, based_on + horizon * step + 1, step, dtype="int64")
    present = presence_matrix(store, observed, chosen, overlay)
    usual = usual_ahead(store, [*observed.tolist(), *targets.tolist()], chosen, until=based_on)
    grid = np.concatenate([observed, targets])
    extra = event_crowd(load_events(store, int(grid[0]), int(grid[-1]) + step), chosen, grid, step)
    ratio = robust_ratio(present, usual[:RATIO_SLOTS], extra[:RATIO_SLOTS], k)
    kinds = sector_kinds(store)
    rows = _sector_rows(chosen, kinds, model, present, usual[RATIO_SLOTS:], extra[RATIO_SLOTS:], ratio,
                        targets, k, slot_minutes)
    return Forecast(int(t), based_on, horizon, rows)


def _sector_rows(codes: list[str], kinds: dict[str, str], model: ForecastModel, present: np.ndarray,
                 usual: np.ndarray, extra: np.ndarray, ratio: np.ndarray, targets: np.ndarray, k: int,
                 slot_minutes: int) -> tuple[SectorForecast, ...]:
    """Expected values and bounds per sector, privacy rule applied."""
    kind_of = [kinds.get(c, "") for c in codes]
    half_lives = np.array([model.half_life(kind) for kind in kind_of], float)
    h = np.arange(1, len(targets) + 1)[:, None]
    expected = project(usual, ratio[None, :], extra, decay(h, half_lives[None, :], slot_minutes))
    fallback = np.where(present[-1] >= k, present[-1], np.nan)  # no usual value: the last count carries
    expected = np.where(np.isnan(usual), fallback[None, :], expected)
    bands = {kind: np.array([model.band(kind, i + 1) for i in range(len(targets))]) for kind in set(kind_of)}
    low = np.column_stack([bands[kind][:, 0] for kind in kind_of]) if codes else expected
    high = np.column_stack([bands[kind][:, 1] for kind in kind_of]) if codes else expected
    columns = [_guard(m, k) for m in (expected, expected * np.exp(low), expected * np.exp(high), usual)]
    slots = tuple(int(s) for s in targets)
    seen = (present[-1] >= k).tolist()
    return tuple(SectorForecast(code, kind_of[j], int(half_lives[j]), round(float(ratio[j]), 3) if seen[j] else None,
                                slots, *(col[j] for col in columns)) for j, code in enumerate(codes))


def _guard(values: np.ndarray, k: int) -> list[tuple[int | None, ...]]:
    """Per column of a (slots, sectors) matrix: rounded counts, None where missing or below k."""
    with np.errstate(invalid="ignore"):
        rounded = np.rint(values)
        hidden = ~np.isfinite(rounded) | (rounded < k)
    n = values.shape[0]
    flat = [None if h else v for v, h in zip(np.where(hidden, 0, rounded).astype("int64").T.ravel().tolist(),
                                             hidden.T.ravel().tolist())]
    return [tuple(flat[j * n:(j + 1) * n]) for j in range(values.shape[1])]


def cached_forecast(store: Store, t: int, *, k: int = privacy.DEFAULT_K,
                    slot_minutes: int = DEFAULT_SLOT_MINUTES, overlay: Overlay | None = None,
                    overlay_key: str | None = None) -> Forecast:
    """The 12-slot forecast of every sector, computed once per (database, newest slot, batch, overlay).

    The batch is in the key because a correction of the newest slots moves no slot but changes
    what the forecast starts from.
    """
    based_on = newest_slot(store, t)
    if overlay is not None and overlay_key is None:
        return forecast_at(store, t, k=k, slot_minutes=slot_minutes, overlay=overlay)
    key = (str(store.path), based_on, batch_version(store), overlay_key, k, slot_minutes)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return replace(hit, at=int(t))
    result = forecast_at(store, t, k=k, slot_minutes=slot_minutes, overlay=overlay)
    with _lock:
        _cache[key] = result
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def exercise_key(store: Store, exercise_id: int) -> str:
    """A cache key for an exercise's overlay that changes whenever an injection is added or removed."""
    count, newest = repository.injection_mark(store, exercise_id)
    return f"exercise:{int(exercise_id)}:{count}:{newest}"


def clear_cache() -> None:
    """Forget cached forecasts and models (tests, after a reload of history)."""
    with _lock:
        _cache.clear()
        _models.clear()
    forget_usual()
