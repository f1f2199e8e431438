"""What one user's screens show: the slot, the exercise's injections and the time of the view.

Live, a view shows the newest observed slot at the wall time. Inside an exercise it shows the
slot the exercise clock has reached (history as it stood then), with the injections on top.
Every screen and its shell, the printable report and the alerts of the API start from `view_for`.
"""
from __future__ import annotations

from dataclasses import dataclass

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
