"""What time is it for this view: the live clock, or the clock of an exercise.

An exercise clock keeps no state on any device. The database holds an anchor (a view
time and the wall time it was taken at), a speed and a state; every device computes

    running:               view = anchor_view_time + (wall_now - anchor_wall_time) * speed
    draft, paused, ended:  view = anchor_view_time

so every screen joined to the exercise shows the same time. Each control action (start,
pause, resume, speed change, jump) re-anchors: it stores the view time reached at that
wall instant, which keeps the played time continuous across speed changes. The view time
never runs past the end of the available history (`limit`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol, runtime_checkable

from vigie.errors import VigieError
from vigie.slots import DEFAULT_SLOT_MINUTES, floor_slot
from vigie.store import Store
from vigie.training import repository

TimeSource = Callable[[], float]
STATES = ("draft", "running", "paused", "ended")
MIN_SPEED, MAX_SPEED = 1, 3600


class ExerciseError(VigieError, ValueError):
    """An exercise action was refused; the message says what to do."""


@runtime_checkable
class Clock(Protocol):
    """The time of a view, in epoch seconds, and whether it is an exercise."""

    @property
    def is_exercise(self) -> bool: ...

    def now(self) -> float: ...

    def slot(self, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> int: ...


@dataclass(frozen=True)
class LiveClock:
    """Real time: what the ops room sees."""

    time_source: TimeSource = time.time

    @property
    def is_exercise(self) -> bool:
        """Live views are never exercises."""
        return False

    @property
    def exercise_id(self) -> None:
        """No exercise."""
        return None

    def now(self) -> float:
        """The wall-clock time."""
        return float(self.time_source())

    def slot(self, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> int:
        """Start of the slot containing now."""
        return floor_slot(self.now(), slot_minutes)


def view_time_at(state: str, speed: float, anchor_view_time: float, anchor_wall_time: float,
                 wall_now: float, limit: float | None = None) -> float:
    """The view time of an exercise clock at wall_now (the one formula every device applies)."""
    if state != "running":
        return float(anchor_view_time)
    view = anchor_view_time + max(0.0, wall_now - anchor_wall_time) * speed
    if limit is not None:
        # Stop at the end of history, but never run backwards from the anchor.
        view = min(view, max(limit, anchor_view_time))
    return float(view)


@dataclass(frozen=True)
class ExerciseClock:
    """The clock of one exercise, computed from its stored anchor."""

    exercise_id: int
    state: str
    speed: float
    anchor_view_time: float
    anchor_wall_time: float
    limit: float | None = None
    time_source: TimeSource = time.time

    @property
    def is_exercise(self) -> bool:
        """Always an exercise."""
        return True

    def now(self) -> float:
        """The exercise time at this wall instant."""
        return view_time_at(self.state, self.speed, self.anchor_view_time, self.anchor_wall_time,
                            float(self.time_source()), self.limit)

    def slot(self, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> int:
        """Start of the slot containing the exercise time."""
        return floor_slot(self.now(), slot_minutes)

    @property
    def at_limit(self) -> bool:
        """True when the clock has reached the end of the available history."""
        return self.limit is not None and self.now() >= self.limit

    def as_dict(self) -> dict[str, Any]:
        """The anchor, so a browser can tick the banner clock between refreshes."""
        return {"exercise_id": self.exercise_id, "state": self.state, "speed": self.speed,
                "anchor_view_time": self.anchor_view_time, "anchor_wall_time": self.anchor_wall_time,
                "limit": self.limit, "view_time": self.now()}


def time_source_for(wall_now: float | TimeSource | None) -> TimeSource:
    """A time source from a fixed instant, a callable, or None (the system clock)."""
    if wall_now is None:
        return time.time
    if callable(wall_now):
        return wall_now
    fixed = float(wall_now)
    return lambda: fixed


def history_end(store: Store, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> int | None:
    """End of the newest observed slot (None without observations)."""
    last = repository.last_observed_slot(store)
    return None if last is None else last + slot_minutes * 60


def clock_for(store: Store, exercise_id: int | None, wall_now: float | TimeSource | None = None) -> Clock:
    """The clock of a view: live when exercise_id is None, else the exercise's clock from the database."""
    source = time_source_for(wall_now)
    if exercise_id is None:
        return LiveClock(source)
    row = repository.clock_row(store, exercise_id)
    if row is None:
        raise ExerciseError(key="errors.exercise_not_found", exercise_id=exercise_id)
    return ExerciseClock(int(row["id"]), str(row["state"]), float(row["speed"]), float(row["anchor_view_time"]),
                         float(row["anchor_wall_time"]), history_end(store, int(row["slot_minutes"])), source)
