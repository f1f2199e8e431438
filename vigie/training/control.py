"""Training exercises: creation and control of a shared clock over history, participants, log, decisions.

An exercise replays history from `start_at` at a speed of x1 to x3600. Its clock lives in
the `exercises` row (see vigie.training.clock), so every device joined to it shows the same time.
Injected presence is vigie.training.injections' part; live tables (observations, unique visitors,
references, sectors, events, stations) are only ever read.
Every control action is written to `exercise_log` (and to the audit trail); ending an
exercise freezes its after-action timeline (vigie.training.timeline).
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Callable

from vigie.identity import audit
from vigie.identity.accounts import User
from vigie.training import repository
from vigie.training.clock import (ExerciseClock, ExerciseError, MAX_SPEED, MIN_SPEED, TimeSource, history_end,
                                  time_source_for)
from vigie.errors import VigieError
from vigie.i18n import Message, translate
from vigie.slots import DEFAULT_SLOT_MINUTES
from vigie.store import Store

__all__ = ["ExerciseError", "Exercise", "create_exercise", "get_exercise", "start", "pause", "resume", "set_speed",
           "jump", "finish", "join", "leave", "current_exercise_for", "list_exercises", "participants",
           "log_event", "record_decision", "list_decisions", "stamp", "require_control", "history_bounds",
           "LogError", "AlreadyLogged", "add_log_entry", "list_log_entries", "main_courante", "MAX_ENTRY"]

CONTROL_ROLE = "trainer"
MAX_NAME, MAX_NOTE = 80, 300
MAX_ENTRY = 500  # characters of a free-text entry of the main courante (the table checks it too)
STAMP = "EXERCICE"
Wall = float | TimeSource | None


class LogError(VigieError, ValueError):
    """An entry of the main courante cannot be written; the message says what to change."""


class AlreadyLogged(LogError):
    """The same plan (same slot, same figures) is already in this main courante."""


@dataclass(frozen=True)
class Exercise:
    """One exercise as stored."""

    id: int
    name: str
    scenario: str | None
    start_at: int
    speed: int
    state: str
    anchor_view_time: float
    anchor_wall_time: float
    slot_minutes: int
    created_by: str
    created_at: int
    started_at: int | None
    ended_at: int | None
    join_code: str
    scenario_end: int | None = None

    @property
    def active(self) -> bool:
        """True until the exercise has ended."""
        return self.state != "ended"

    def state_label(self, lang: str = "fr") -> str:
        """The state in `lang`."""
        return translate(f"exercise.state_{self.state}", lang)

    def scenario_over(self, view_time: float) -> bool:
        """True once the exercise clock has reached the end of its scenario (never without one)."""
        return self.scenario_end is not None and view_time >= self.scenario_end

    def clock(self, wall_now: Wall = None, limit: float | None = None) -> ExerciseClock:
        """The clock of this exercise (as read; `clock_for` re-reads the database)."""
        return ExerciseClock(self.id, self.state, float(self.speed), self.anchor_view_time, self.anchor_wall_time,
                             limit, time_source_for(wall_now))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


# -- small checks --------------------------------------------------------------------------------------
def clean_text(text: str, limit: int) -> str:
    """Printable characters only, trimmed and cut to `limit`."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text)).strip()[:limit]


def wall_instant(wall_now: Wall) -> float:
    """The wall instant of an action."""
    return float(time_source_for(wall_now)())


def _check_speed(speed: Any) -> int:
    """An integer speed in 1..3600."""
    try:
        value = int(speed)
    except (TypeError, ValueError):
        value = 0
    if value != speed or not MIN_SPEED <= value <= MAX_SPEED:
        raise ExerciseError(key="errors.exercise_speed", speed=repr(speed), low=MIN_SPEED, high=MAX_SPEED)
    return value


def history_bounds(store: Store, slot_minutes: int = DEFAULT_SLOT_MINUTES) -> tuple[int, int]:
    """[first observed slot, end of the newest slot): the history an exercise can replay."""
    first = repository.first_observed_slot(store)
    end = history_end(store, slot_minutes)
    if first is None or end is None:
        raise ExerciseError(key="errors.exercise_no_history")
    return first, end


def check_instant(store: Store, t: int, low: int | None, slot_minutes: int, what: str) -> None:
    """Refuse an instant outside the replayable history (and before `low` when given); `what` names it."""
    first, end = history_bounds(store, slot_minutes)
    key = "errors.exercise_outside_history" if low is None else "errors.exercise_outside_its_history"
    low = first if low is None else max(first, low)
    if not low <= t < end:
        raise ExerciseError(key=key, what=Message(f"errors.exercise_what_{what}"), at=t, low=low, end=end)


def require_control(user: User) -> None:
    """Refuse exercise control to anyone below the trainer role."""
    if not user.has_role(CONTROL_ROLE):
        raise ExerciseError(key="errors.exercise_control_refused")


# -- reading -------------------------------------------------------------------------------------------
def _exercise(row: Sequence[Any]) -> Exercise:
    """An Exercise from a row in repository.COLUMNS order."""
    return Exercise(*row)


def get_exercise(store: Store, exercise_id: int) -> Exercise:
    """The exercise, or ExerciseError when it does not exist."""
    row = repository.exercise_row(store, exercise_id)
    if row is None:
        raise ExerciseError(key="errors.exercise_not_found", exercise_id=exercise_id)
    return _exercise(row)


def list_exercises(store: Store, active_only: bool = False) -> list[Exercise]:
    """Exercises, newest first (only those not ended with active_only)."""
    return [_exercise(r) for r in repository.exercise_rows(store, active_only)]


def view_now(store: Store, exercise: Exercise, wall: float) -> float:
    """The exercise time at `wall`, stopped at the end of history."""
    return exercise.clock(wall, history_end(store, exercise.slot_minutes)).now()


# -- creation and control ------------------------------------------------------------------------------
def create_exercise(store: Store, name: str, start_at: int, speed: int, created_by: str,
                    scenario: str | None = None, *, slot_minutes: int = DEFAULT_SLOT_MINUTES,
                    wall_now: Wall = None) -> Exercise:
    """Create an exercise in the draft state, its clock set on `start_at`."""
    clean = clean_text(name, MAX_NAME)
    if not clean:
        raise ExerciseError(key="errors.exercise_name_missing", limit=MAX_NAME)
    speed = _check_speed(speed)
    start_at = int(start_at)
    check_instant(store, start_at, None, slot_minutes, "start")
    wall = wall_instant(wall_now)
    with repository.one_transaction(store):
        exercise_id = repository.insert_exercise(store, {
            "name": clean, "scenario": scenario, "start_at": start_at, "speed": speed,
            "anchor_view_time": float(start_at), "anchor_wall_time": wall, "slot_minutes": slot_minutes,
            "created_by": created_by, "created_at": int(wall), "join_code": secrets.token_urlsafe(12)})
        repository.insert_log(store, exercise_id, start_at, wall, "created", created_by,
             {"name": clean, "start_at": start_at, "speed": speed, "scenario": scenario})
        audit.record(store, "exercise.create", username=created_by, exercise=exercise_id, name=clean)
    return get_exercise(store, exercise_id)


Change = Callable[[Exercise, float, float], tuple[dict[str, Any], dict[str, Any]]]


def refuse_if_ended(exercise: Exercise) -> None:
    """No control once an exercise has ended."""
    if exercise.state == "ended":
        raise ExerciseError(key="errors.exercise_ended", name=exercise.name)


def _control(store: Store, exercise_id: int, kind: str, username: str, wall_now: Wall, change: Change) -> Exercise:
    """Apply one control action: check, re-anchor on the current view time, log and audit."""
    wall = wall_instant(wall_now)
    with repository.one_transaction(store):
        exercise = get_exercise(store, exercise_id)
        refuse_if_ended(exercise)
        view = view_now(store, exercise, wall)
        updates, detail = change(exercise, view, wall)
        values = {"anchor_view_time": view, "anchor_wall_time": wall, **updates}
        repository.update_exercise(store, exercise.id, values)
        repository.insert_log(store, exercise.id, values["anchor_view_time"], wall, kind, username, detail)
        audit.record(store, f"exercise.{kind}", username=username, exercise=exercise.id, **detail)
    return get_exercise(store, exercise_id)


def start(store: Store, exercise_id: int, username: str, *, wall_now: Wall = None) -> Exercise:
    """Start the clock of a draft exercise."""
    def change(exercise: Exercise, view: float, wall: float) -> tuple[dict[str, Any], dict[str, Any]]:
        if exercise.state == "paused":
            raise ExerciseError(key="errors.exercise_paused")
        if exercise.state == "running":
            raise ExerciseError(key="errors.exercise_already_started")
        return {"state": "running", "started_at": int(wall)}, {"speed": exercise.speed}
    return _control(store, exercise_id, "started", username, wall_now, change)


def pause(store: Store, exercise_id: int, username: str, *, wall_now: Wall = None) -> Exercise:
    """Stop the clock where it is."""
    def change(exercise: Exercise, view: float, wall: float) -> tuple[dict[str, Any], dict[str, Any]]:
        if exercise.state != "running":
            raise ExerciseError(key="errors.exercise_not_running")
        return {"state": "paused"}, {}
    return _control(store, exercise_id, "paused", username, wall_now, change)


def resume(store: Store, exercise_id: int, username: str, *, wall_now: Wall = None) -> Exercise:
    """Restart a paused clock from where it stopped."""
    def change(exercise: Exercise, view: float, wall: float) -> tuple[dict[str, Any], dict[str, Any]]:
        if exercise.state == "draft":
            raise ExerciseError(key="errors.exercise_not_started")
        if exercise.state == "running":
            raise ExerciseError(key="errors.exercise_already_running")
        return {"state": "running"}, {"speed": exercise.speed}
    return _control(store, exercise_id, "resumed", username, wall_now, change)


def set_speed(store: Store, exercise_id: int, speed: int, username: str, *, wall_now: Wall = None) -> Exercise:
    """Change the speed; the time reached so far is kept."""
    new = _check_speed(speed)

    def change(exercise: Exercise, view: float, wall: float) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"speed": new}, {"from": exercise.speed, "to": new}
    return _control(store, exercise_id, "speed", username, wall_now, change)


def jump(store: Store, exercise_id: int, target: int, username: str, *, wall_now: Wall = None) -> Exercise:
    """Move the clock to `target` (within the exercise's history), keeping its state and speed."""
    target = int(target)

    def change(exercise: Exercise, view: float, wall: float) -> tuple[dict[str, Any], dict[str, Any]]:
        check_instant(store, target, exercise.start_at, exercise.slot_minutes, "jump")
        return {"anchor_view_time": float(target)}, {"from": int(view), "to": target}
    return _control(store, exercise_id, "jump", username, wall_now, change)


def finish(store: Store, exercise_id: int, username: str, *, wall_now: Wall = None) -> Exercise:
    """Stop the clock for good and take the participants back to live (vigie.training.timeline.end_exercise
    also freezes the after-action timeline)."""
    wall = wall_instant(wall_now)

    def change(exercise: Exercise, view: float, at: float) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"state": "ended", "ended_at": int(at)}, {}
    ended = _control(store, exercise_id, "ended", username, wall, change)
    repository.everyone_leaves(store, ended.id, int(wall))
    return ended


# -- participants --------------------------------------------------------------------------------------
def _resolve(store: Store, exercise: int | str) -> Exercise:
    """An exercise from its id, or from the code of its join link."""
    if isinstance(exercise, int):
        return get_exercise(store, exercise)
    row = repository.exercise_row_by_code(store, str(exercise))
    if row is None:
        raise ExerciseError(key="errors.exercise_bad_link")
    return _exercise(row)


def _username(store: Store, user_id: int) -> str:
    """The username of an account, or ExerciseError."""
    name = repository.username(store, user_id)
    if name is None:
        raise ExerciseError(key="errors.exercise_unknown_user", user_id=user_id)
    return name


def current_exercise_for(store: Store, user_id: int) -> Exercise | None:
    """The exercise the user is in, if any (an ended exercise counts as none)."""
    row = repository.current_exercise_row(store, user_id)
    return None if row is None else _exercise(row)


def join(store: Store, exercise: int | str, user_id: int, *, wall_now: Wall = None) -> Exercise:
    """Put the user in the exercise (by id or join code); a user is in one exercise at a time."""
    wall = wall_instant(wall_now)
    with repository.one_transaction(store):
        target = _resolve(store, exercise)
        refuse_if_ended(target)
        username = _username(store, user_id)
        current = current_exercise_for(store, user_id)
        if current is not None and current.id == target.id:
            return target
        if current is not None:
            raise ExerciseError(key="errors.exercise_already_in", name=current.name)
        repository.insert_participant(store, target.id, user_id, int(wall))
        repository.insert_log(store, target.id, view_now(store, target, wall), wall, "joined", username, {})
        audit.record(store, "exercise.join", username=username, exercise=target.id)
    return target


def leave(store: Store, user_id: int, *, wall_now: Wall = None) -> Exercise | None:
    """Take the user out of their exercise, back to live; return the exercise left (None if none)."""
    wall = wall_instant(wall_now)
    with repository.one_transaction(store):
        current = current_exercise_for(store, user_id)
        if current is None:
            return None
        username = _username(store, user_id)
        repository.user_leaves(store, user_id, int(wall))
        repository.insert_log(store, current.id, view_now(store, current, wall), wall, "left", username, {})
        audit.record(store, "exercise.leave", username=username, exercise=current.id)
    return current


def participants(store: Store, exercise_id: int, current_only: bool = True) -> list[dict[str, Any]]:
    """Participants of an exercise: username, role, joined_at, left_at."""
    return repository.participant_rows(store, exercise_id, current_only)


# -- log and decisions ---------------------------------------------------------------------------------
def log_event(store: Store, exercise_id: int, kind: str, username: str | None, detail: dict[str, Any] | None = None,
              *, view_time: float | None = None, wall_now: Wall = None) -> int:
    """Record something that happened in an exercise (at its current time unless view_time is given)."""
    kind = clean_text(kind, 40)
    if not kind or not kind.replace("_", "").replace(".", "").isalnum():
        raise ExerciseError(key="errors.exercise_event_kind", kind=repr(kind))
    wall = wall_instant(wall_now)
    exercise = get_exercise(store, exercise_id)
    refuse_if_ended(exercise)
    view = view_now(store, exercise, wall) if view_time is None else view_time
    return repository.insert_log(store, exercise.id, view, wall, kind, username, dict(detail or {}))


def log_times(store: Store, exercise_id: int | None, wall_now: Wall, view_time: float | None = None
              ) -> tuple[float, float]:
    """(wall, view) of an entry: the view is the exercise clock in an exercise (refused once it ended), else the wall."""
    wall = wall_instant(wall_now)
    if exercise_id is None:
        return wall, wall if view_time is None else view_time
    exercise = get_exercise(store, exercise_id)
    refuse_if_ended(exercise)
    return wall, view_now(store, exercise, wall) if view_time is None else view_time


def record_decision(store: Store, username: str, plan: Any, snapshot: Any = None, *, exercise_id: int | None = None,
                    view_time: float | None = None, wall_now: Wall = None, fingerprint: str | None = None) -> int:
    """Store a validated plan: live when exercise_id is None, else kept with its exercise.

    With a `fingerprint` (operations.plans.plan_fingerprint) the same plan is logged once per log:
    a second validation raises AlreadyLogged, whoever sends it and however fast."""
    wall, view = log_times(store, exercise_id, wall_now, view_time)
    row = repository.insert_decision(store, {
        "at": int(wall), "view_time": int(view), "username": username, "exercise_id": exercise_id,
        "plan": json.dumps(plan, ensure_ascii=False), "fingerprint": fingerprint,
        "snapshot": json.dumps(snapshot if snapshot is not None else {}, ensure_ascii=False)})
    if row is None:
        raise AlreadyLogged(key="crisis.plan_already_logged")
    return row


def list_decisions(store: Store, exercise_id: int | None = None) -> list[dict[str, Any]]:
    """Validated plans, oldest first: the live ones (exercise_id None) or those of one exercise."""
    rows = repository.decision_rows(store, exercise_id)
    return [{**r, "plan": json.loads(r["plan"]), "snapshot": json.loads(r["snapshot"])} for r in rows]


def add_log_entry(store: Store, username: str, text: str, *, exercise_id: int | None = None,
                  wall_now: Wall = None) -> int:
    """Write a free-text entry in the main courante (live, or with its exercise at the exercise time), audited.

    Control characters become spaces; an empty text or one over MAX_ENTRY characters is refused, never cut."""
    clean = "".join(ch if ch.isprintable() else " " for ch in str(text or "")).strip()
    if not clean:
        raise LogError(key="crisis.entry_empty")
    if len(clean) > MAX_ENTRY:
        raise LogError(key="crisis.entry_too_long", limit=MAX_ENTRY, length=len(clean))
    wall, view = log_times(store, exercise_id, wall_now)
    with repository.one_transaction(store):
        entry = repository.insert_log_entry(store, {"at": int(wall), "view_time": int(view), "username": username,
                                                    "exercise_id": exercise_id, "text": clean})
        audit.record(store, "log.entry", username=username, exercise=exercise_id if exercise_id else "live",
                     entry=entry, text=clean)
    return entry


def list_log_entries(store: Store, exercise_id: int | None = None) -> list[dict[str, Any]]:
    """Free-text entries of the main courante, oldest first (live ones, or those of one exercise)."""
    return repository.log_entry_rows(store, exercise_id)


def main_courante(store: Store, exercise_id: int | None = None) -> list[dict[str, Any]]:
    """Validated plans and free-text entries in one log, oldest first: {kind: plan|entry, at, view_time,
    username, plan | text}."""
    plans = [{"kind": "plan", "id": d["id"], "at": d["at"], "view_time": d["view_time"], "username": d["username"],
              "plan": d["plan"]} for d in list_decisions(store, exercise_id)]
    entries = [{"kind": "entry", "id": e["id"], "at": e["at"], "view_time": e["view_time"], "username": e["username"],
                "text": e["text"]} for e in list_log_entries(store, exercise_id)]
    return sorted(plans + entries, key=lambda row: (row["at"], row["kind"] == "entry", row["id"]))


# -- marking -------------------------------------------------------------------------------------------
def stamp(exercise: Exercise | None) -> str:
    """The mark of exports and reports made in an exercise ("" for live)."""
    return "" if exercise is None else f"{STAMP} — {exercise.name}"
