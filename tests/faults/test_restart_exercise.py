"""A restart during an exercise: the clock lives in the database, so exercise time goes on without a jump."""
from __future__ import annotations

import time

from tests.faults.support import WEEK_START, run_python
from vigie.training.clock import clock_for
from vigie.training.control import create_exercise, get_exercise, start
from vigie.store import Store

SPEED = 60
# Each process computes the time from the stored anchor and the wall instant it reads: the same
# formula everywhere, so the only difference is float rounding.
TOLERANCE = 5.0  # exercise seconds

READ_CLOCK = """
import time
from vigie.training.clock import clock_for
from vigie.store import Store
store = Store({path!r})
wall = time.time()
print(wall, clock_for(store, {exercise}, wall_now=wall).now())
"""

PAUSE = """
from vigie.training.control import pause
from vigie.store import Store
print(pause(Store({path!r}), {exercise}, "formateur").anchor_view_time)
"""


def test_exercise_time_is_continuous_across_a_restart(fault_store: Store) -> None:
    exercise = create_exercise(fault_store, "Feu Côte Bleue — reprise", WEEK_START + 8 * 3600, SPEED, "formateur")
    started = start(fault_store, exercise.id, "formateur")
    wall_before = time.time()
    before = clock_for(fault_store, exercise.id, wall_now=wall_before).now()
    fault_store.close()  # the "old process" lets go of the database

    done = run_python(READ_CLOCK.format(path=str(fault_store.path), exercise=exercise.id), fault_store.path.parent)
    assert done.returncode == 0, done.stderr
    wall_child, in_child = (float(v) for v in done.stdout.split())

    reopened = Store(fault_store.path)
    wall_after = time.time()
    after = clock_for(reopened, exercise.id, wall_now=wall_after).now()

    assert before < in_child < after
    for wall, seen in ((wall_before, before), (wall_child, in_child), (wall_after, after)):
        expected = started.anchor_view_time + (wall - started.anchor_wall_time) * SPEED
        assert abs(seen - expected) < TOLERANCE, (wall, seen, expected)
    assert after - before >= (wall_after - wall_before) * SPEED - TOLERANCE


def test_a_pause_made_by_another_process_is_seen_by_all(fault_store: Store) -> None:
    exercise = create_exercise(fault_store, "Reprise après pause", WEEK_START + 8 * 3600, SPEED, "formateur")
    start(fault_store, exercise.id, "formateur")
    done = run_python(PAUSE.format(path=str(fault_store.path), exercise=exercise.id), fault_store.path.parent)
    assert done.returncode == 0, done.stderr
    paused_at = float(done.stdout)

    paused = get_exercise(fault_store, exercise.id)
    assert paused.state == "paused"
    later = time.time() + 3600
    assert clock_for(fault_store, exercise.id, wall_now=later).now() == paused_at
