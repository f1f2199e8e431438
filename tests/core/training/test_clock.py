"""The clock of a view: live, or an exercise clock every device computes alike from the database."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigie.analysis.situation import situation_at
from vigie.training.clock import Clock, ExerciseClock, LiveClock, clock_for, view_time_at
from vigie.training.control import jump, pause, resume, set_speed, start
from vigie.training.injections import overlay_for
from vigie.training.timeline import end_exercise
from vigie.store import Store
from tests.factories import HISTORY_END, SATURDAY_14H, WALL, drill_settings, new_exercise, observed


def test_live_clock_is_the_wall_clock() -> None:
    ticks = iter([100.0, 160.5])
    clock = LiveClock(lambda: next(ticks))
    assert isinstance(clock, Clock) and not clock.is_exercise
    assert clock.now() == 100.0 and clock.now() == 160.5


def test_running_paused_and_draft_formula() -> None:
    assert view_time_at("running", 600, 1000.0, WALL, WALL + 1) == 1600.0
    assert view_time_at("running", 600, 1000.0, WALL, WALL + 2.5) == 2500.0
    for state in ("draft", "paused", "ended"):
        assert view_time_at(state, 600, 1000.0, WALL, WALL + 99) == 1000.0
    assert view_time_at("running", 600, 1000.0, WALL, WALL - 5) == 1000.0  # a device a little behind


@given(st.sampled_from([1, 10, 60, 600, 3600]), st.floats(0, 1e5), st.floats(0, 1e5))
def test_running_clock_is_monotonic_and_linear(speed: int, a: float, b: float) -> None:
    first, second = sorted((a, b))
    t1 = view_time_at("running", speed, SATURDAY_14H, WALL, WALL + first)
    t2 = view_time_at("running", speed, SATURDAY_14H, WALL, WALL + second)
    assert t1 <= t2
    assert t2 - t1 == pytest.approx((second - first) * speed, abs=1e-3)


def test_x600_plays_ten_minutes_per_wall_second(history: Store) -> None:
    exercise = start(history, new_exercise(history, speed=600).id, "trainer", wall_now=WALL)
    for seconds in (0, 1, 3, 6):
        clock = clock_for(history, exercise.id, WALL + seconds)
        assert clock.is_exercise and clock.now() == SATURDAY_14H + 600 * seconds


def test_x600_advances_the_situation(history: Store) -> None:
    drill = drill_settings(history)
    exercise = start(history, new_exercise(history, speed=600).id, "trainer", wall_now=WALL)
    overlay = overlay_for(history, exercise.id)
    seen = []
    for seconds in (0, 3, 6):
        clock = clock_for(history, exercise.id, WALL + seconds)
        situation = situation_at(history, clock.slot(), drill, overlay=overlay, now=int(clock.now()))
        seen.append((situation.at, situation.data_time, situation.by_code()["13056"].present))
        assert situation.freshness == "ok"  # judged on the exercise time, not on the wall
    assert [at - SATURDAY_14H for at, _, _ in seen] == [0, 1800, 3600]
    assert [data for _, data, _ in seen] == [at for at, _, _ in seen]  # no data after the exercise time
    assert [present for _, _, present in seen] == [observed(history, "13056", at) for at, _, _ in seen]


def test_pause_freezes_and_resume_goes_on(history: Store) -> None:
    exercise = start(history, new_exercise(history, speed=60).id, "trainer", wall_now=WALL)
    pause(history, exercise.id, "trainer", wall_now=WALL + 10)
    assert clock_for(history, exercise.id, WALL + 500).now() == SATURDAY_14H + 600
    resume(history, exercise.id, "trainer", wall_now=WALL + 1000)
    assert clock_for(history, exercise.id, WALL + 1000).now() == SATURDAY_14H + 600
    assert clock_for(history, exercise.id, WALL + 1001).now() == SATURDAY_14H + 660


def test_speed_change_keeps_the_time_reached(history: Store) -> None:
    exercise = start(history, new_exercise(history, speed=60).id, "trainer", wall_now=WALL)
    changed = set_speed(history, exercise.id, 600, "trainer", wall_now=WALL + 10)
    assert (changed.anchor_view_time, changed.anchor_wall_time) == (SATURDAY_14H + 600, WALL + 10)
    assert clock_for(history, exercise.id, WALL + 10).now() == SATURDAY_14H + 600
    assert clock_for(history, exercise.id, WALL + 11).now() == SATURDAY_14H + 1200
    paused = pause(history, exercise.id, "trainer", wall_now=WALL + 12)
    set_speed(history, exercise.id, 3600, "trainer", wall_now=WALL + 50)  # while paused: still frozen
    assert clock_for(history, exercise.id, WALL + 60).now() == paused.anchor_view_time == SATURDAY_14H + 1800


def test_jump_re_anchors_and_keeps_running(history: Store) -> None:
    exercise = start(history, new_exercise(history, speed=60).id, "trainer", wall_now=WALL)
    target = SATURDAY_14H + 5 * 3600
    jump(history, exercise.id, target, "trainer", wall_now=WALL + 30)
    assert clock_for(history, exercise.id, WALL + 30).now() == target
    assert clock_for(history, exercise.id, WALL + 31).now() == target + 60


def test_two_devices_compute_the_same_time(data_dir: Path) -> None:
    trainer, wall_screen = Store(data_dir / "vigie.db"), Store(data_dir / "vigie.db")
    exercise = start(trainer, new_exercise(trainer, speed=600).id, "trainer", wall_now=WALL)
    set_speed(trainer, exercise.id, 120, "trainer", wall_now=WALL + 7)
    jump(trainer, exercise.id, SATURDAY_14H + 6 * 3600, "trainer", wall_now=WALL + 9)
    for wall in (WALL + 9, WALL + 9.25, WALL + 40, WALL + 333):
        mine, theirs = clock_for(trainer, exercise.id, wall), clock_for(wall_screen, exercise.id, wall)
        assert mine.now() == theirs.now() == SATURDAY_14H + 6 * 3600 + (wall - WALL - 9) * 120
    trainer.close()
    wall_screen.close()


def test_clock_stops_at_the_end_of_history(history: Store) -> None:
    exercise = start(history, new_exercise(history, speed=3600).id, "trainer", wall_now=WALL)
    clock = clock_for(history, exercise.id, WALL + 10**6)
    assert isinstance(clock, ExerciseClock)
    assert clock.now() == HISTORY_END and clock.at_limit
    paused = pause(history, exercise.id, "trainer", wall_now=WALL + 10**6)
    assert paused.anchor_view_time == HISTORY_END


def test_ended_clock_is_frozen(history: Store) -> None:
    drill = drill_settings(history)
    exercise = start(history, new_exercise(history, speed=10).id, "trainer", wall_now=WALL)
    end_exercise(history, exercise.id, "trainer", settings=drill, wall_now=WALL + 180)
    clock = clock_for(history, exercise.id, WALL + 9999)
    assert isinstance(clock, ExerciseClock)
    assert clock.now() == SATURDAY_14H + 1800 and clock.as_dict()["state"] == "ended"


def test_clock_as_dict_lets_a_browser_tick(history: Store) -> None:
    exercise = start(history, new_exercise(history, speed=600).id, "trainer", wall_now=WALL)
    clock = clock_for(history, exercise.id, WALL + 2)
    assert isinstance(clock, ExerciseClock)
    state = clock.as_dict()
    assert state["view_time"] == state["anchor_view_time"] + (WALL + 2 - state["anchor_wall_time"]) * state["speed"]
    assert state["view_time"] == SATURDAY_14H + 1200
