"""The situation map outlines a six-week Christmas market by day, not at 3 a.m. (issue 17, item 9)."""
from __future__ import annotations

from typing import Any

from callbacks.situation import map_hideout
from vigie.analysis.situation import Situation
from vigie.calendar.events import Event
from vigie.slots import parse_instant

MARKET = Event("noel", "Marché de Noël", ("13001",), parse_instant("2026-11-20T10:00:00+01:00"),
               parse_instant("2026-12-31T20:00:00+01:00"), 200_000, "fair")


def _at(text: str) -> Situation:
    at = parse_instant(text)
    return Situation(at, [], {}, at, at, 30, "ok", 0)


def test_a_market_is_outlined_by_day_only(app: Any) -> None:
    with app.server.test_request_context("/"):
        afternoon = map_hideout(_at("2026-12-03T15:00:00+01:00"), "present", None, [MARKET])
        night = map_hideout(_at("2026-12-03T03:00:00+01:00"), "present", None, [MARKET])
    assert afternoon["highlight"] == ["13001"]
    assert night["highlight"] == []
