"""Situation at time t: metrics by hand, the z floor, privacy, totals, overlay and series."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from vigie.reference import update_reference
from vigie.sectors import UnknownSector
from vigie.analysis.situation import (
    INSUFFICIENT_HISTORY, guard_segments, latest_slot, sector_series, situation_at, top_movers, z_score,
)
from vigie.store import Store
from tests.factories import WEEK, local, make_settings, make_store, put

T = local("2026-07-14T18:00")
SETTINGS = make_settings()
HISTORY = {"13001": 1000, "13002": 100, "13201": 3000, "13003": 2000}


@pytest.fixture
def flat_history(tmp_path: Path) -> Store:
    """Flat history (spread 0) for six weeks, then a chosen hour before and at T."""
    db, _ = make_store(tmp_path)
    for code, value in HISTORY.items():
        put(db, code, [T - k * WEEK for k in range(1, 7)], value)
    put(db, "13001", [T - 3600, T - 1800, T], lambda s: {T - 3600: 1100, T - 1800: 1200, T: 1300}[s])
    put(db, "13002", [T - 3600, T - 1800, T], 160)
    put(db, "13201", [T - 3600, T - 1800, T], 15)        # below k = 20: withheld
    put(db, "13003", [T - 3600, T - 1800], 2000)
    put(db, "13003", [T], None)                           # suppressed by the operator
    update_reference(db, [T])
    return db


def test_metrics_by_hand(flat_history: Store) -> None:
    a = situation_at(flat_history, T, SETTINGS, now=T + 1800).by_code()["13001"]
    # too few residuals for a pooled spread yet: the default 5 % of usual
    assert (a.present, a.residents, a.usual, a.spread) == (1300, 1000, 1000, 50.0)
    assert (a.delta_residents, a.ratio_residents) == (300, 1.3)
    assert (a.excess, a.pct, a.ratio_usual) == (300, 0.3, 1.3)
    assert a.z == pytest.approx(300 / 50)
    assert (a.trend, a.slope) == (200, pytest.approx(200.0))
    assert not a.suppressed and a.reason is None


def test_z_floor_is_k_for_quiet_sectors(flat_history: Store) -> None:
    b = situation_at(flat_history, T, SETTINGS, now=T).by_code()["13002"]
    assert (b.excess, b.spread) == (60, 5.0)
    assert b.z == pytest.approx(60 / 20)                 # max(5, 1, k = 20)
    assert z_score(60, 100, 0.0, 20) == 3.0
    assert z_score(60, 100, 30.0, 20) == 2.0             # the spread wins when larger


def test_withheld_sectors_give_none_everywhere(flat_history: Store) -> None:
    by_code = situation_at(flat_history, T, SETTINGS, now=T).by_code()
    for code in ("13201", "13003"):
        s = by_code[code]
        assert s.suppressed
        assert s.present is None and s.delta_residents is None and s.ratio_residents is None
        assert s.excess is None and s.pct is None and s.z is None and s.ratio_usual is None
        assert s.trend is None and s.slope is None and s.entries is None
        assert set(s.segments.values()) == {None}


def test_totals_leave_withheld_sectors_out_and_count_them(flat_history: Store) -> None:
    totals = situation_at(flat_history, T, SETTINGS, now=T).totals
    dept = totals["department"]
    assert (dept["present"], dept["residents"], dept["residents_all"]) == (1460, 6000, 11000)
    assert (dept["counted"], dept["excluded"], dept["usual"], dept["excess"]) == (2, 2, 1100, 360)
    assert dept["delta_residents"] == 1460 - 6000
    assert (totals["SDIS13"]["excluded"], totals["SDIS13"]["present"]) == (1, 1460)
    assert (totals["BMPM"]["counted"], totals["BMPM"]["present"], totals["BMPM"]["excluded"]) == (0, 0, 1)


def test_short_history_is_said(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    put(db, "13001", [T - WEEK, T], 900)
    s = situation_at(db, T, SETTINGS, now=T).by_code()["13001"]
    assert s.present == 900 and s.usual is None and s.excess is None and s.z is None
    assert s.reason == INSUFFICIENT_HISTORY


def test_overlay_adds_injected_people_at_read_time(flat_history: Store) -> None:
    def inject(codes: list[str], slots: list[int]) -> dict[tuple[str, int], float]:
        return {("13001", T): 500, ("13003", T): 9000, ("13002", T - 3600): -1000}

    s = situation_at(flat_history, T, SETTINGS, overlay=inject, now=T).by_code()
    assert (s["13001"].present, s["13001"].excess) == (1800, 800)
    assert s["13003"].present is None                    # suppressed cells stay suppressed
    assert s["13002"].trend is None                      # 1 h earlier fell to 0 < k: withheld
    assert flat_history.scalar("SELECT present FROM observations WHERE sector_code = '13001' AND slot = ?", [T]) == 1300


def test_freshness_and_latest_slot(flat_history: Store) -> None:
    assert latest_slot(flat_history) == T
    assert situation_at(flat_history, T, SETTINGS, now=T + 1800).freshness == "ok"
    assert situation_at(flat_history, T, SETTINGS, now=T + 3600).age_seconds == 1800
    late = situation_at(flat_history, T, SETTINGS, now=T + 3900)       # started 65 min ago: a slot is missing
    assert (late.freshness, late.age_seconds) == ("amber", 2100)
    assert situation_at(flat_history, T, SETTINGS, now=T + 1800 + 3660).freshness == "red"   # ended 61 min ago


def test_records_are_json_ready(flat_history: Store) -> None:
    import json

    situation = situation_at(flat_history, T + 600, SETTINGS, now=T)
    assert situation.at == T                             # floored to the slot start
    text = json.dumps(situation.as_dict())
    assert '"code": "13001"' in text and len(situation.as_records()) == 4


def test_top_movers(flat_history: Store) -> None:
    movers = top_movers(situation_at(flat_history, T, SETTINGS, now=T), 1)
    assert [s.code for s in movers.moved] == ["13001"]
    assert [s.code for s in movers.above_usual] == ["13001"]   # z 6 > 3


def test_sector_series(flat_history: Store) -> None:
    frame = sector_series(flat_history, "13001", T - 3600, T + 1800, SETTINGS)
    assert list(frame["slot"]) == [T - 3600, T - 1800, T]
    assert list(frame["present"]) == [1100, 1200, 1300]
    assert frame["usual"].iloc[-1] == 1000 and np.isnan(frame["usual"].iloc[0])
    assert frame["residents"].iloc[0] == 1000
    assert str(frame["local_time"].iloc[-1]) == "2026-07-14 18:00:00+02:00"
    withheld = sector_series(flat_history, "13201", T - 3600, T + 1800, SETTINGS)
    assert withheld["present"].isna().all() and withheld["suppressed"].all()
    gap = sector_series(flat_history, "13001", T - 3 * 3600, T - 3600, SETTINGS)
    assert gap["missing"].all() and not gap["suppressed"].any()
    with pytest.raises(UnknownSector):
        sector_series(flat_history, "99999", T, T + 1800, SETTINGS)


def test_segments_hide_a_lone_small_cell() -> None:
    # 1265 + 30 + 5 + 0: hiding 5 and 0 alone would give them back as 1300 - 1265 - 30
    guarded = guard_segments(1300, np.array([[1265, 30, 5, 0]], float), 20)[0]
    assert np.isnan(guarded[1:]).all() and guarded[0] == 1265
    fine = guard_segments(1300, np.array([[1250, 30, 15, 5]], float), 20)[0]
    assert list(fine[:2]) == [1250, 30] and np.isnan(fine[2:]).all()


@hyp_settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=4, max_size=4), st.integers(1, 50))
def test_segment_guard_never_reveals_a_small_count(parts: list[int], k: int) -> None:
    present = sum(parts)
    guarded = guard_segments(present, np.array([parts], float), k)[0]
    shown = guarded[~np.isnan(guarded)]
    hidden_sum = present - shown.sum()
    assert (shown >= k).all()
    assert hidden_sum == 0 or hidden_sum >= k or len(shown) == 0


def test_shared_situation_is_reused_until_a_new_batch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import time as _time

    from vigie.feed.simulator import Simulator
    from vigie.runtime.feed import publish_until
    from vigie.analysis.situation import latest_slot, shared_situation_at

    store, settings = make_store(tmp_path, shipped=True, history_until=_time.time() - 3600, feed="simulator",
                                 history_weeks=1)
    at = latest_slot(store)
    first = shared_situation_at(store, at, settings)
    assert shared_situation_at(store, at, settings) is first
    publish_until(store, Simulator.from_settings(settings), settings, _time.time())  # a new batch arrives
    assert shared_situation_at(store, at, settings) is not first


def test_an_earlier_period_keeps_its_wall_clock_hours_across_a_dst_change(tmp_path: Path) -> None:
    from vigie.analysis.situation import earlier_series

    db, _ = make_store(tmp_path)
    monday = local("2026-10-26T18:00")             # the day after the return to winter time
    week_before = local("2026-10-19T18:00")        # summer time: 25 h more than a plain 7 x 24 h back
    assert monday - week_before == 7 * 86400 + 3600
    put(db, "13001", [week_before, week_before + 1800], lambda s: 1500 if s == week_before else 12)
    frame = earlier_series(db, "13001", monday, monday + 3600, 7, SETTINGS)
    assert frame["slot"].tolist() == [week_before, week_before + 1800]
    assert frame["present"].iloc[0] == 1500
    assert np.isnan(frame["present"].iloc[1]) and bool(frame["suppressed"].iloc[1])   # 12 < k: still withheld
    with pytest.raises(ValueError):
        earlier_series(db, "13001", monday, monday + 3600, 0, SETTINGS)
