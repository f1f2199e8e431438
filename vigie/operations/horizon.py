"""Crisis ranking on a horizon: which sectors will cross the threshold, when, and their expected peak.

For a horizon of H slots (now, +1 h, +2 h, +3 h, the peak of the next 6 h), each sector is
looked at now (the observed situation) and at the forecast points up to H. It is listed when
it is significant (crisis thresholds: z and excess) at one of them; `crosses_at` is the first
such moment, `moment` the one with the largest expected excess: what a pre-positioning plan
must be ready for. With the horizon "now" this is the usual ranking (crisis.rank_sectors).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from vigie.config import Settings
from vigie.calendar.events import load_events
from vigie.errors import VigieError
from vigie.operations.crisis import ALL, RankedSector, events_near, explain, groupements, rank_sectors, thresholds
from vigie.forecast.data import Overlay, reference_ahead
from vigie.forecast.live import Forecast, cached_forecast
from vigie.analysis.situation import SectorSituation, Situation, situation_at, z_score
from vigie.store import Store

HORIZONS = {"now": 0, "1h": 2, "2h": 4, "3h": 6, "peak": 12}


class UnknownHorizon(VigieError, ValueError):
    """A horizon that is not one of HORIZONS."""


@dataclass(frozen=True)
class AheadSector:
    """One listed sector on a horizon: figures at `moment` (its expected peak), and when it crosses."""

    rank: int
    code: str
    name: str
    authority: str
    groupement: str | None
    lon: float
    lat: float
    present: int
    usual: int
    residents: int
    excess: int
    pct: float
    z: float
    moment: int
    crosses_at: int
    significant_now: bool
    explanation: str
    event_ids: tuple[str, ...]

    @property
    def ratio_usual(self) -> float:
        """Expected present / usual at the moment."""
        return self.present / self.usual if self.usual > 0 else 1.0

    def as_record(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)


def check_horizon_key(key: str | None) -> str:
    """The horizon key ('now' when None), or UnknownHorizon naming the choices."""
    key = "now" if key in (None, "") else str(key)
    if key not in HORIZONS:
        raise UnknownHorizon(key="errors.horizon_unknown", allowed=", ".join(HORIZONS), raw=repr(key[:20]))
    return key


def _from_ranked(r: RankedSector, t: int) -> AheadSector:
    """The ordinary ranking entry as a horizon entry (moment = now)."""
    return AheadSector(r.rank, r.code, r.name, r.authority, r.groupement, r.lon, r.lat, r.present, r.usual,
                       r.residents, r.excess, r.pct, r.z, t, t, r.significant, r.explanation, r.event_ids)


def _points(s: SectorSituation, row_expected: Sequence[int | None], row_usual: Sequence[int | None],
            spreads: np.ndarray, slots: Sequence[int], t: int, k: int) -> list[tuple[int, int, int, int, float]]:
    """(slot, expected, usual, excess, z) now and at each forecast point (withheld points left out)."""
    out = []
    if s.present is not None and s.usual is not None and s.excess is not None and s.z is not None:
        out.append((t, s.present, s.usual, s.excess, s.z))
    for slot, expected, usual, spread in zip(slots, row_expected, row_usual, spreads.tolist()):
        if expected is not None and usual is not None:
            excess = expected - usual
            out.append((slot, expected, usual, excess, z_score(excess, usual, None if np.isnan(spread) else spread, k)))
    return out


def rank_ahead(store: Store, t: int, settings: Settings, horizon: str = "now", *, authority: str | None = None,
               groupement: str | None = None, min_excess: int | None = None, overlay: Overlay | None = None,
               overlay_key: str | None = None) -> list[AheadSector]:
    """Sectors significant now or at a forecast point within the horizon, by expected peak excess."""
    key = check_horizon_key(horizon)
    if HORIZONS[key] == 0:
        return [_from_ranked(r, t) for r in rank_sectors(store, t, settings, authority=authority,
                                                        groupement=groupement, min_excess=min_excess,
                                                        overlay=overlay)]
    situation = situation_at(store, t, settings, overlay=overlay)
    forecast = cached_forecast(store, t, k=settings.privacy_k, slot_minutes=settings.slot_minutes, overlay=overlay,
                               overlay_key=overlay_key)
    return _rank(store, situation, forecast, settings, HORIZONS[key], authority, groupement, min_excess)


def _rank(store: Store, situation: Situation, forecast: Forecast, settings: Settings, points: int,
          authority: str | None, groupement: str | None, min_excess: int | None) -> list[AheadSector]:
    """Rank on the first `points` forecast points."""
    limits = thresholds(settings, min_excess)
    k = settings.privacy_k
    rows = {r.code: r for r in forecast.sectors}
    codes = [s.code for s in situation.sectors]
    slots = list(forecast.sectors[0].slots[:points]) if forecast.sectors else []
    spreads = reference_ahead(store, slots, codes)[1] if slots else np.zeros((0, len(codes)))
    groups = groupements(store, situation, settings)
    found = []
    for j, s in enumerate(situation.sectors):
        if authority not in (None, ALL) and s.authority != authority:
            continue
        if groupement is not None and groups.get(s.code) != groupement:
            continue
        row = rows.get(s.code)
        pts = _points(s, row.expected[:points] if row else (), row.usual[:points] if row else (), spreads[:, j],
                      slots, situation.at, k)
        crossing = [p for p in pts if limits.significant(p[3], p[4])]
        if crossing:
            found.append((s, max(pts, key=lambda p: (p[3], -p[0])), crossing[0][0],
                          crossing[0][0] == situation.at))
    found.sort(key=lambda item: (-item[1][3], item[0].code))
    end = situation.at + (points + 1) * situation.slot_minutes * 60
    events = list({e.event_id: e for e in [*events_near(store, situation.at), *load_events(store, situation.at, end)]}.values())
    return [_entry(i, s, groups.get(s.code), peak, crosses, now, events)
            for i, (s, peak, crosses, now) in enumerate(found, start=1)]


def _entry(rank: int, s: SectorSituation, groupement: str | None, peak: tuple[int, int, int, int, float],
           crosses: int, now: bool, events: Sequence[object]) -> AheadSector:
    """One listed sector at its expected peak."""
    slot, expected, usual, excess, z = peak
    text, ids = explain(s.code, events)  # type: ignore[arg-type]
    return AheadSector(rank, s.code, s.name, s.authority, groupement, s.lon, s.lat, expected, usual, s.residents,
                       excess, excess / usual if usual else 0.0, round(z, 2), slot, crosses, now, text, ids)
