"""The one place alerts read forecasts from.

It uses `vigie.operations.horizon.rank_ahead` (the crisis ranking on a horizon): a sector not
significant now whose forecast crosses the crisis thresholds within the rule's horizon is a
crossing, reported at the slot it crosses with the expected excess at its peak.
"""
from __future__ import annotations

from vigie.config import Settings
from vigie.analysis.situation import Overlay
from vigie.operations.horizon import rank_ahead
from vigie.store import Store

HORIZON_KEYS = ((2, "1h"), (4, "2h"), (6, "3h"), (12, "peak"))


def horizon_key(horizon_slots: int) -> str:
    """The shortest forecast horizon covering `horizon_slots` slots."""
    return next((key for slots, key in HORIZON_KEYS if slots >= horizon_slots), "peak")


def forecast_crossings(store: Store, t: int, settings: Settings, *, horizon_slots: int, min_excess: int,
                       overlay: Overlay | None = None) -> list[tuple[str, int, int]]:
    """(sector, slot it crosses at, expected peak excess) of the forecast crossings after t; [] without forecasts."""
    ahead = rank_ahead(store, t, settings, horizon_key(horizon_slots), min_excess=min_excess, overlay=overlay)
    return [(str(a.code), int(a.crosses_at), int(a.excess)) for a in ahead if not a.significant_now]
