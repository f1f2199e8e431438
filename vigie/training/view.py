"""What one user's screens show: the slot, the exercise's injections and the time of the view.

Live, a view shows the newest observed slot at the wall time. Inside an exercise it shows the
slot the exercise clock has reached (history as it stood then), with the injections on top.
Every screen and its shell, the printable report and the alerts of the API start from `view_for`.
"""
from __future__ import annotations

from dataclasses import dataclass

from vigie.slots import floor_slot
from vigie.training import repository
from vigie.training.clock import history_end
from vigie.config import Settings
from vigie.training.control import Exercise, current_exercise_for
from vigie.training.injections import overlay_for
from vigie.analysis.situation import Overlay, slot_to_show
from vigie.store import Store


@dataclass(frozen=True)
class View:
    """A view: the slot shown `at`, the exercise's injections, the time of the view `now`, the exercise."""

    at: int
    overlay: Overlay | None
    now: float
    exercise: Exercise | None


def view_for(store: Store, settings: Settings, user_id: int | None, wall_now: float) -> View:
    """The view of a user (None: nobody signed in) at `wall_now`: live, or the exercise they joined.

    The exercise row is read once and its clock computed from it.
    """
    exercise = None if user_id is None else current_exercise_for(store, user_id)
    if exercise is None:
        return View(slot_to_show(store, wall_now, settings.slot_minutes), None, wall_now, None)
    now = exercise.clock(wall_now, history_end(store, exercise.slot_minutes)).now()
    return View(slot_to_show(store, now, settings.slot_minutes), overlay_for(store, exercise.id), now, exercise)


LOOK_BACK_HOURS = 48


def look_back_window(view: View, slot_minutes: int, hours: int = LOOK_BACK_HOURS) -> tuple[int, int]:
    """[oldest, newest] slot a view may look back to: the `hours` up to the slot it shows (never beyond it).

    Live the newest is the latest batch; in an exercise, the slot the exercise clock has reached.
    """
    step = slot_minutes * 60
    return view.at - (hours * 3600 // step - 1) * step, view.at


def looking_back(store: Store, view: View, t: int | None, slot_minutes: int) -> View:
    """The same view as it stood at `t` (None or the newest slot: the view itself, "direct").

    A `t` outside `look_back_window` (an old link) is direct too. The slot shown is the newest observed
    one not after `t`, as live, and the time of the view is the last second of that slot, so freshness
    reads as it read then and a chart ends with that slot. The exercise and its injections stay: an
    exercise looks back over its own history.
    """
    oldest, newest = look_back_window(view, slot_minutes)
    if t is None or not oldest <= int(t) < newest:
        return view
    wanted = int(t)
    at = max(oldest, slot_to_show(store, wanted, slot_minutes))
    return View(at, view.overlay, min(view.now, float(floor_slot(wanted, slot_minutes) + slot_minutes * 60 - 1)),
                view.exercise)


def history_start(store: Store) -> int | None:
    """The oldest observed slot: how far back a comparison can reach."""
    return repository.first_observed_slot(store)
