"""Crisis ranking on a forecast horizon: who will cross the threshold, when, and a plan for that moment."""
from __future__ import annotations

import pytest

from vigie.operations.allocation import AllocationProblem
from vigie.config import Settings
from vigie.calendar.events import make_event, save_user_event
from vigie.forecast import clear_cache
from vigie.operations.horizon import UnknownHorizon, check_horizon_key, rank_ahead
from vigie.operations.stations import load_stations
from vigie.store import Store
from tests.factories import FORECAST_NOW

STEP = 1800
AUBAGNE = "13005"
T = FORECAST_NOW - FORECAST_NOW % STEP


@pytest.fixture
def concert(store: Store) -> Store:
    """A 12 000-people concert in Aubagne from T + 2 h to T + 4 h, known to the calendar."""
    save_user_event(store, make_event("concert", "Concert au stade", [AUBAGNE], T + 2 * 3600, T + 4 * 3600, 12_000,
                                      "concert", origin="user", created_by="operator"), "operator")
    clear_cache()
    return store


def test_sector_expected_to_cross_is_listed_with_when(concert: Store,
                                                      history: tuple[object, Settings]) -> None:
    settings = history[1]
    assert AUBAGNE not in {r.code for r in rank_ahead(concert, T, settings, "now")}
    assert AUBAGNE not in {r.code for r in rank_ahead(concert, T, settings, "1h")}
    ahead = {r.code: r for r in rank_ahead(concert, T, settings, "3h")}
    aubagne = ahead[AUBAGNE]
    # first slot of the concert: half the crowd (5 100), z = 5 100 / (5 % of ~40 000) < 3; the next one crosses
    assert aubagne.crosses_at == T + 2.5 * 3600 and not aubagne.significant_now
    assert T + 2.5 * 3600 <= aubagne.moment <= T + 3 * 3600 and aubagne.excess >= 6_000  # 10 200 on a quiet day
    assert aubagne.explanation == "Concert au stade"
    assert ahead[AUBAGNE].rank == 1 + sum(r.excess > aubagne.excess for r in ahead.values())


def test_plan_pre_positions_for_the_expected_peak(concert: Store,
                                                  history: tuple[object, Settings]) -> None:
    settings = history[1]
    ranked = rank_ahead(concert, T, settings, "peak", authority="SDIS13")
    assert all(r.authority == "SDIS13" for r in ranked)
    result = AllocationProblem.from_situation(ranked, load_stations(concert, settings), settings).solve()
    towards = [m for m in result.moves + result.on_site if m.sector_code == AUBAGNE]
    assert sum(m.count for m in towards if m.resource == "vsav") >= 1


def test_unknown_horizon_says_the_choices() -> None:
    assert check_horizon_key(None) == "now"
    with pytest.raises(UnknownHorizon, match="now, 1h, 2h, 3h, peak"):
        check_horizon_key("demain")
