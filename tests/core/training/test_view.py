"""What a user's screens show: live, or the slot and injections of the exercise they joined."""
from __future__ import annotations

from pathlib import Path

from tests.factories import HISTORY_END, SATURDAY_14H, STEP, WALL, make_settings, new_exercise, user_id
from vigie.training import control
from vigie.training.control import start
from vigie.training.injections import add_injection
from vigie.store import Store
from vigie.training.view import View, view_for


def test_live_view_shows_the_newest_slot_without_overlay(history: Store, data_dir: Path) -> None:
    settings = make_settings(data_dir)
    assert view_for(history, settings, None, WALL) == View(HISTORY_END - STEP, None, WALL, None)
    assert view_for(history, settings, user_id(history, "operator"), WALL) == View(HISTORY_END - STEP, None, WALL, None)
    assert view_for(history, settings, None, SATURDAY_14H + 60).at == SATURDAY_14H


def joined_exercise(history: Store, operator: int, speed: int) -> control.Exercise:
    """A started exercise with 20 000 people injected in Marseille 8e for one slot, joined by `operator`."""
    exercise = start(history, new_exercise(history, speed=speed).id, "trainer", wall_now=WALL)
    add_injection(history, exercise.id, "13208", SATURDAY_14H + STEP, SATURDAY_14H + 2 * STEP, delta=20_000,
                  note="foule", username="trainer")
    control.join(history, exercise.id, operator, wall_now=WALL)
    return exercise


def test_exercise_view_follows_its_clock_and_injections(history: Store, data_dir: Path) -> None:
    settings, operator = make_settings(data_dir), user_id(history, "operator")
    exercise = joined_exercise(history, operator, speed=600)
    view = view_for(history, settings, operator, WALL + 3)
    assert view.now == SATURDAY_14H + 1800 and view.at == SATURDAY_14H + STEP
    assert view.exercise is not None and view.exercise.id == exercise.id
    assert view.overlay is not None and view.overlay(["13208"], [view.at]) == {("13208", view.at): 20_000}
    assert view_for(history, settings, user_id(history, "display"), WALL + 3).overlay is None  # not joined: live


def test_exercise_view_stops_at_the_end_of_history(history: Store, data_dir: Path) -> None:
    operator = user_id(history, "operator")
    exercise = start(history, new_exercise(history, speed=3600).id, "trainer", wall_now=WALL)
    control.join(history, exercise.id, operator, wall_now=WALL)
    view = view_for(history, make_settings(data_dir), operator, WALL + 10**6)
    assert (view.now, view.at) == (HISTORY_END, HISTORY_END - STEP)


def test_exercise_row_is_read_once(history: Store, data_dir: Path) -> None:
    settings, operator = make_settings(data_dir), user_id(history, "operator")
    exercise = start(history, new_exercise(history, speed=60).id, "trainer", wall_now=WALL)
    control.join(history, exercise.id, operator, wall_now=WALL)
    statements: list[str] = []
    history.db.conn.set_trace_callback(statements.append)
    try:
        view_for(history, settings, operator, WALL + 60)
    finally:
        history.db.conn.set_trace_callback(None)
    assert len([s for s in statements if "exercises" in s]) == 1, statements


# -- looking back: the same view as it stood at an earlier slot -----------------------------------------
def test_looking_back_shows_an_earlier_slot_of_the_same_view(history: Store, data_dir: Path) -> None:
    from vigie.training.view import look_back_window, looking_back

    settings = make_settings(data_dir)
    live = view_for(history, settings, None, WALL)
    oldest, newest = look_back_window(live, settings.slot_minutes)
    assert (newest, (newest - oldest) // STEP + 1) == (live.at, 96)      # 48 h of slots, the newest is direct
    back = looking_back(history, live, live.at - 6 * STEP + 600, settings.slot_minutes)
    assert back.at == live.at - 6 * STEP and back.now == live.at - 5 * STEP - 1 and back.overlay is None
    assert looking_back(history, live, None, settings.slot_minutes) is live
    assert looking_back(history, live, newest, settings.slot_minutes) is live
    assert looking_back(history, live, newest + 10 * STEP, settings.slot_minutes) is live   # the future: direct
    assert looking_back(history, live, oldest - STEP, settings.slot_minutes) is live        # an old link: direct


def test_looking_back_in_an_exercise_stays_before_its_clock(history: Store, data_dir: Path) -> None:
    from vigie.training.view import look_back_window, looking_back

    settings, operator = make_settings(data_dir), user_id(history, "operator")
    exercise = joined_exercise(history, operator, speed=60)
    view = view_for(history, settings, operator, WALL + 240)       # four hours of exercise at one minute a second
    assert view.at == SATURDAY_14H + 8 * STEP
    assert look_back_window(view, settings.slot_minutes)[1] == view.at    # never beyond the exercise clock
    back = looking_back(history, view, SATURDAY_14H + STEP, settings.slot_minutes)
    assert back.exercise == view.exercise and back.at == SATURDAY_14H + STEP
    assert back.overlay is not None and back.overlay(["13208"], [back.at]) == {("13208", back.at): 20_000}
    assert looking_back(history, view, HISTORY_END - STEP, settings.slot_minutes) is view    # later history: direct
