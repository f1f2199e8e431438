"""The point de situation: what the commander sends to the préfecture, as plain data.

Built from the same functions as the screens (situation_at, rank_sectors, the decision
log), so the report and the crisis page show the same figures.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vigie.config import Settings
from vigie.operations.crisis import RankedSector, rank_sectors
from vigie.calendar.events import Event, load_events
from vigie.training.control import Exercise, list_decisions, stamp
from vigie.analysis.situation import Overlay, Situation, situation_at
from vigie.slots import local_day, local_day_bounds
from vigie.store import Store

TOP = 15
TOP_FORECAST = 10


@dataclass(frozen=True)
class Report:
    at: int
    slot_minutes: int
    situation: Situation
    ranked: list[RankedSector]
    events: list[Event]
    decision: dict[str, Any] | None
    stamp: str
    forecast: list[dict[str, Any]] = field(default_factory=list)


def build_report(store: Store, at: int, settings: Settings, *, overlay: Overlay | None = None,
                 exercise: Exercise | None = None, now: int | None = None) -> Report:
    """Gather the figures of the report for slot `at` (live, or within an exercise at its clock `now`)."""
    situation = situation_at(store, at, settings, overlay=overlay, now=now)
    ranked = rank_sectors(store, situation.at, settings, overlay=overlay)[:TOP]
    start, end = local_day_bounds(local_day(situation.at))
    decisions = list_decisions(store, None if exercise is None else exercise.id)
    return Report(situation.at, settings.slot_minutes, situation, ranked, load_events(store, start, end),
                  decisions[-1] if decisions else None, stamp(exercise),
                  forecast_peaks(store, situation, settings, overlay))


def forecast_peaks(store: Store, situation: Situation, settings: Settings, overlay: Overlay | None = None,
                   top: int = TOP_FORECAST) -> list[dict[str, Any]]:
    """Sectors with the largest expected excess over usual in the next 6 h: peak, when, 80 % interval."""
    from vigie.forecast import forecast_at

    names = {s.code: s.name for s in situation.sectors}
    result = forecast_at(store, situation.at, k=settings.privacy_k, slot_minutes=settings.slot_minutes,
                         overlay=overlay)
    rows: list[dict[str, Any]] = []
    for row in result.sectors:
        i = row.peak()
        excess = None if i is None else row.excess(i)
        if i is not None and excess is not None and excess > 0:
            rows.append({"code": row.code, "name": names.get(row.code, row.code), "slot": row.slots[i],
                         "expected": row.expected[i], "usual": row.usual[i], "excess": excess,
                         "low": row.low[i], "high": row.high[i]})
    return sorted(rows, key=lambda r: (-int(r["excess"]), str(r["code"])))[:top]


def ranked_rows(report: Report) -> list[dict[str, Any]]:
    """The ranked sectors as export rows."""
    return [{"rank": r.rank, "code": r.code, "name": r.name, "present": r.present, "usual": r.usual,
             "residents": r.residents, "excess": r.excess, "z": round(r.z, 1), "explanation": r.explanation}
            for r in report.ranked]
