"""The one place alerts read forecasts from: a no-op until vigie.forecast provides `crossings`.

Contract: `vigie.forecast.crossings(store, t, settings, *, horizon_slots, min_excess, overlay)` returns
(sector code, forecast slot, expected excess) for every sector whose forecast crosses the crisis
thresholds within `horizon_slots` slots after t. Without that function, no forecast alert opens.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable

from vigie.config import Settings
from vigie.situation import Overlay
from vigie.store import Store


def _crossings_function() -> Callable[..., Any] | None:
    """vigie.forecast.crossings when the module and the function exist."""
    try:
        module = importlib.import_module("vigie.forecast")
    except ImportError:
        return None
    found = getattr(module, "crossings", None)
    return found if callable(found) else None


def forecast_crossings(store: Store, t: int, settings: Settings, *, horizon_slots: int, min_excess: int,
                       overlay: Overlay | None = None) -> list[tuple[str, int, int]]:
    """(sector, slot, expected excess) of the forecast crossings after t; [] without forecasts."""
    crossings = _crossings_function()
    if crossings is None:
        return []
    found = crossings(store, t, settings, horizon_slots=horizon_slots, min_excess=min_excess, overlay=overlay)
    return [(str(code), int(slot), int(excess)) for code, slot, excess in found]
