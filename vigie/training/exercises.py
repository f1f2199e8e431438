"""Training exercises: a shared clock over history, participants, injections, after-action timeline.

An exercise replays history from `start_at` at a speed of x1 to x3600. Its clock lives in
the `exercises` row (see vigie.training.clock), so every device joined to it shows the same time.
Injected presence goes to `exercise_injections` and reaches the views through
`overlay_for`, which the situation engine adds at read time: live tables (observations,
unique visitors, references, sectors, events, stations) are only ever read.
Every control action is written to `exercise_log` (and to the audit trail); ending an
exercise freezes its after-action timeline.
"""
from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Callable

from vigie import privacy
from vigie.identity import audit
from vigie.identity.accounts import User
from vigie.training.clock import (ExerciseClock, ExerciseError, MAX_SPEED, MIN_SPEED, TimeSource, history_end,
                                  time_source_for)
from vigie.config import Settings
from vigie.analysis.situation import Overlay
from vigie.i18n import Message, translate
from vigie.slots import DEFAULT_SLOT_MINUTES, floor_slot, slot_range
from vigie.store import Store
from vigie import sectors as sector_table

__all__ = ["ExerciseError", "Exercise", "create_exercise", "get_exercise", "start", "pause", "resume", "set_speed",
           "jump", "end_exercise", "join", "leave", "current_exercise_for", "list_exercises", "participants",
           "add_injection", "list_injections", "overlay_for", "log_event", "record_decision",
           "list_decisions", "after_action_timeline", "timeline_text", "stamp", "require_control", "history_bounds"]

CONTROL_ROLE = "trainer"
MAX_NAME, MAX_NOTE = 80, 300
MAX_DELTA = 300_000          # people, per sector and slot: beyond any crowd the département has seen
MAX_MULTIPLIER = 20.0
MAX_TIMELINE_SLOTS = 1440    # 30 days of played time at 30-minute slots
FIXED_LOG_KINDS = ("started", "paused", "resumed", "ended", "joined", "left")  # timeline lines with a user only
STAMP = "EXERCICE"
Wall = float | TimeSource | None


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

    @property
    def active(self) -> bool:
        """True until the exercise has ended."""
        return self.state != "ended"

    def state_label(self, lang: str = "fr") -> str:
        """The state in `lang`."""
        return translate(f"exercise.state_{self.state}", lang)

    def clock(self, wall_now: Wall = None, limit: float | None = None) -> ExerciseClock:
        """The clock of this exercise (as read; `clock_for` re-reads the database)."""
        return ExerciseClock(self.id, self.state, float(self.speed), self.anchor_view_time, self.anchor_wall_time,
                             limit, time_source_for(wall_now))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


_COLUMNS = ("id, name, scenario, start_at, speed, state, anchor_view_time, anchor_wall_time, slot_minutes, "
            "created_by, created_at, started_at, ended_at, join_code")


# -- small checks --------------------------------------------------------------------------------------
def _clean(text: str, limit: int) -> str:
    """Printable characters only, trimmed and cut to `limit`."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text)).strip()[:limit]


def _wall(wall_now: Wall) -> float:
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
    first = store.scalar("SELECT min(slot) FROM observations")
    end = history_end(store, slot_minutes)
    if first is None or end is None:
        raise ExerciseError(key="errors.exercise_no_history")
    return int(first), end


def _check_instant(store: Store, t: int, low: int | None, slot_minutes: int, what: str) -> None:
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
    """An Exercise from a row in _COLUMNS order."""
    return Exercise(*row)


def get_exercise(store: Store, exercise_id: int) -> Exercise:
    """The exercise, or ExerciseError when it does not exist."""
    row = store.db.execute(f"SELECT {_COLUMNS} FROM exercises WHERE id = ?", [int(exercise_id)]).fetchone()
    if row is None:
        raise ExerciseError(key="errors.exercise_not_found", exercise_id=exercise_id)
    return _exercise(row)


def list_exercises(store: Store, active_only: bool = False) -> list[Exercise]:
    """Exercises, newest first (only those not ended with active_only)."""
    where = "WHERE state != 'ended'" if active_only else ""
    return [_exercise(r) for r in store.db.execute(f"SELECT {_COLUMNS} FROM exercises {where} ORDER BY id DESC")]


def _view_now(store: Store, exercise: Exercise, wall: float) -> float:
    """The exercise time at `wall`, stopped at the end of history."""
    return exercise.clock(wall, history_end(store, exercise.slot_minutes)).now()


def _log(store: Store, exercise_id: int, view_time: float, wall: float, kind: str, username: str | None,
         detail: dict[str, Any]) -> int:
    """Append one line to the exercise log; return its id."""
    with store.write() as tx:
        cursor = tx.execute(
            "INSERT INTO exercise_log(exercise_id, at_view_time, at_wall_time, kind, username, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [exercise_id, int(view_time), wall, kind, username, json.dumps(detail, ensure_ascii=False)])
        return int(cursor.lastrowid or 0)


# -- creation and control ------------------------------------------------------------------------------
def create_exercise(store: Store, name: str, start_at: int, speed: int, created_by: str,
                    scenario: str | None = None, *, slot_minutes: int = DEFAULT_SLOT_MINUTES,
                    wall_now: Wall = None) -> Exercise:
    """Create an exercise in the draft state, its clock set on `start_at`."""
    clean = _clean(name, MAX_NAME)
    if not clean:
        raise ExerciseError(key="errors.exercise_name_missing", limit=MAX_NAME)
    speed = _check_speed(speed)
    start_at = int(start_at)
    _check_instant(store, start_at, None, slot_minutes, "start")
    wall = _wall(wall_now)
    with store.write() as tx:
        cursor = tx.execute(
            "INSERT INTO exercises(name, scenario, start_at, speed, state, anchor_view_time, anchor_wall_time, "
            "slot_minutes, created_by, created_at, join_code) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?)",
            [clean, scenario, start_at, speed, float(start_at), wall, slot_minutes, created_by, int(wall),
             secrets.token_urlsafe(12)])
        exercise_id = int(cursor.lastrowid or 0)
        _log(store, exercise_id, start_at, wall, "created", created_by,
             {"name": clean, "start_at": start_at, "speed": speed, "scenario": scenario})
        audit.record(store, "exercise.create", username=created_by, exercise=exercise_id, name=clean)
    return get_exercise(store, exercise_id)


Change = Callable[[Exercise, float, float], tuple[dict[str, Any], dict[str, Any]]]


def _refuse_if_ended(exercise: Exercise) -> None:
    """No control once an exercise has ended."""
    if exercise.state == "ended":
        raise ExerciseError(key="errors.exercise_ended", name=exercise.name)


def _control(store: Store, exercise_id: int, kind: str, username: str, wall_now: Wall, change: Change) -> Exercise:
    """Apply one control action: check, re-anchor on the current view time, log and audit."""
    wall = _wall(wall_now)
    with store.write() as tx:
        exercise = get_exercise(store, exercise_id)
        _refuse_if_ended(exercise)
        view = _view_now(store, exercise, wall)
        updates, detail = change(exercise, view, wall)
        values = {"anchor_view_time": view, "anchor_wall_time": wall, **updates}
        assignments = ", ".join(f"{column} = ?" for column in values)
        tx.execute(f"UPDATE exercises SET {assignments} WHERE id = ?", [*values.values(), exercise.id])
        _log(store, exercise.id, values["anchor_view_time"], wall, kind, username, detail)
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
        _check_instant(store, target, exercise.start_at, exercise.slot_minutes, "jump")
        return {"anchor_view_time": float(target)}, {"from": int(view), "to": target}
    return _control(store, exercise_id, "jump", username, wall_now, change)


def end_exercise(store: Store, exercise_id: int, username: str, *, settings: Settings,
                 wall_now: Wall = None) -> Exercise:
    """End the exercise: the clock stops for good, participants leave, the timeline is frozen."""
    wall = _wall(wall_now)

    def change(exercise: Exercise, view: float, at: float) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"state": "ended", "ended_at": int(at)}, {}
    ended = _control(store, exercise_id, "ended", username, wall, change)
    with store.write() as tx:
        tx.execute("UPDATE exercise_participants SET left_at = ? WHERE exercise_id = ? AND left_at IS NULL",
                   [int(wall), ended.id])
    # Computed outside the control transaction: it reads a lot and must not hold the write lock.
    timeline = _build_timeline(store, ended, settings, wall)
    with store.write() as tx:
        tx.execute("UPDATE exercises SET after_action = ? WHERE id = ?",
                   [json.dumps(timeline, ensure_ascii=False), ended.id])
    return ended


# -- participants --------------------------------------------------------------------------------------
def _resolve(store: Store, exercise: int | str) -> Exercise:
    """An exercise from its id, or from the code of its join link."""
    if isinstance(exercise, int):
        return get_exercise(store, exercise)
    row = store.db.execute(f"SELECT {_COLUMNS} FROM exercises WHERE join_code = ?", [str(exercise)]).fetchone()
    if row is None:
        raise ExerciseError(key="errors.exercise_bad_link")
    return _exercise(row)


def _username(store: Store, user_id: int) -> str:
    """The username of an account, or ExerciseError."""
    name = store.scalar("SELECT username FROM users WHERE id = ?", [int(user_id)])
    if name is None:
        raise ExerciseError(key="errors.exercise_unknown_user", user_id=user_id)
    return str(name)


def current_exercise_for(store: Store, user_id: int) -> Exercise | None:
    """The exercise the user is in, if any (an ended exercise counts as none)."""
    row = store.db.execute(
        f"SELECT {', '.join('e.' + c.strip() for c in _COLUMNS.split(','))} FROM exercise_participants p "
        "JOIN exercises e ON e.id = p.exercise_id "
        "WHERE p.user_id = ? AND p.left_at IS NULL AND e.state != 'ended'", [int(user_id)]).fetchone()
    return None if row is None else _exercise(row)


def join(store: Store, exercise: int | str, user_id: int, *, wall_now: Wall = None) -> Exercise:
    """Put the user in the exercise (by id or join code); a user is in one exercise at a time."""
    wall = _wall(wall_now)
    with store.write():
        target = _resolve(store, exercise)
        _refuse_if_ended(target)
        username = _username(store, user_id)
        current = current_exercise_for(store, user_id)
        if current is not None and current.id == target.id:
            return target
        if current is not None:
            raise ExerciseError(key="errors.exercise_already_in", name=current.name)
        store.db.execute("INSERT INTO exercise_participants(exercise_id, user_id, joined_at) VALUES (?, ?, ?)",
                         [target.id, int(user_id), int(wall)])
        _log(store, target.id, _view_now(store, target, wall), wall, "joined", username, {})
        audit.record(store, "exercise.join", username=username, exercise=target.id)
    return target


def leave(store: Store, user_id: int, *, wall_now: Wall = None) -> Exercise | None:
    """Take the user out of their exercise, back to live; return the exercise left (None if none)."""
    wall = _wall(wall_now)
    with store.write() as tx:
        current = current_exercise_for(store, user_id)
        if current is None:
            return None
        username = _username(store, user_id)
        tx.execute("UPDATE exercise_participants SET left_at = ? WHERE user_id = ? AND left_at IS NULL",
                   [int(wall), int(user_id)])
        _log(store, current.id, _view_now(store, current, wall), wall, "left", username, {})
        audit.record(store, "exercise.leave", username=username, exercise=current.id)
    return current


def participants(store: Store, exercise_id: int, current_only: bool = True) -> list[dict[str, Any]]:
    """Participants of an exercise: username, role, joined_at, left_at."""
    extra = "AND p.left_at IS NULL" if current_only else ""
    return store.query("SELECT u.username, u.role, p.joined_at, p.left_at FROM exercise_participants p "
                       f"JOIN users u ON u.id = p.user_id WHERE p.exercise_id = ? {extra} "
                       "ORDER BY p.joined_at, u.username", [int(exercise_id)])


# -- injections ----------------------------------------------------------------------------------------
def _known_sectors(store: Store, codes: Sequence[str]) -> list[str]:
    """The codes, refused when one is not a sector of the catalogue."""
    if not codes:
        raise ExerciseError(key="errors.exercise_no_sector")
    known = sector_table.known(store)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ExerciseError(key="errors.exercise_unknown_sectors", codes=", ".join(unknown))
    return list(dict.fromkeys(codes))


def profile_weight(slot: int, start: int, end: int, step: int, ramp_up: int = 0, ramp_down: int = 0) -> float:
    """Share (0..1] of the full change reached in this slot: rise over ramp_up, fall over ramp_down."""
    weight = 1.0
    if ramp_up > 0:
        weight = min(weight, (slot - start + step) / ramp_up)
    if ramp_down > 0:
        weight = min(weight, (end - slot) / ramp_down)
    return max(0.0, min(1.0, weight))


def _observed_present(store: Store, codes: list[str], slots: list[int], k: int) -> dict[tuple[str, int], int]:
    """Historical `present` for a multiplier; withheld cells (suppressed, missing or below k) are absent.

    A multiplier applied to a withheld count would put that count into the logged change.
    """
    marks = ",".join("?" * len(codes))
    rows = store.db.execute(f"SELECT sector_code, slot, present FROM observations WHERE sector_code IN ({marks}) "
                            "AND slot >= ? AND slot <= ? AND present IS NOT NULL AND present >= ?",
                            [*codes, min(slots), max(slots), int(k)])
    return {(code, slot): int(present) for code, slot, present in rows}


def _check_change(delta: int | None, multiplier: float | None) -> None:
    """Exactly one of delta and multiplier, within sane bounds."""
    if (delta is None) == (multiplier is None):
        raise ExerciseError(key="errors.exercise_delta_or_multiplier")
    if delta is not None and (int(delta) != delta or delta == 0 or abs(delta) > MAX_DELTA):
        raise ExerciseError(key="errors.exercise_delta", delta=delta, max=MAX_DELTA)
    if multiplier is not None and not (0 <= multiplier <= MAX_MULTIPLIER and multiplier != 1):
        raise ExerciseError(key="errors.exercise_multiplier", multiplier=multiplier, max=MAX_MULTIPLIER)


def _expand(store: Store, codes: list[str], slots: list[int], start: int, end: int, step: int,
            delta: int | None, multiplier: float | None, ramps: tuple[int, int],
            k: int = privacy.DEFAULT_K) -> list[tuple[str, int, int]]:
    """(sector, slot, delta) rows of one injection; rows of zero change are left out."""
    observed = _observed_present(store, codes, slots, k) if multiplier is not None else {}
    rows = []
    for code in codes:
        for slot in slots:
            weight = profile_weight(slot, start, end, step, *ramps)
            if delta is not None:
                change = round(delta * weight)
            else:
                change = round(observed.get((code, slot), 0) * (float(multiplier or 0) - 1.0) * weight)
            if abs(change) > MAX_DELTA:
                raise ExerciseError(key="errors.exercise_injection_too_large", change=change, code=code, max=MAX_DELTA)
            if change:
                rows.append((code, slot, change))
    return rows


def _injection_slots(start: int, end: int, step: int, ramps: tuple[int, int]) -> list[int]:
    """Slots of [start, end), the slot holding `start` included."""
    if end <= start:
        raise ExerciseError(key="errors.exercise_injection_order")
    if ramps[0] < 0 or ramps[1] < 0 or ramps[0] + ramps[1] > end - start:
        raise ExerciseError(key="errors.exercise_injection_ramps")
    return list(slot_range(floor_slot(start, step // 60), end, step // 60))


def add_injection(store: Store, exercise_id: int, sector_code: str | Sequence[str], start: int, end: int, *,
                  delta: int | None = None, multiplier: float | None = None, note: str = "",
                  username: str, ramp_up: int = 0, ramp_down: int = 0, source: str = "trainer",
                  wall_now: Wall = None, k: int = privacy.DEFAULT_K) -> dict[str, Any]:
    """Inject a change of people present into sectors over [start, end); return what was logged.

    `delta` adds people (negative: removes them); `multiplier` scales the historical value
    (only where it is published, >= k: a withheld cell gets no change).
    The change rises over `ramp_up` seconds and falls over the last `ramp_down` seconds.
    """
    if source not in ("trainer", "scenario"):
        raise ExerciseError(key="errors.exercise_injection_source", source=repr(source))
    _check_change(delta, multiplier)
    codes = [sector_code] if isinstance(sector_code, str) else [str(c) for c in sector_code]
    start, end, wall = int(start), int(end), _wall(wall_now)
    with store.write() as tx:
        exercise = get_exercise(store, exercise_id)
        _refuse_if_ended(exercise)
        codes = _known_sectors(store, codes)
        step = exercise.slot_minutes * 60
        slots = _injection_slots(start, end, step, (ramp_up, ramp_down))
        _check_instant(store, start, exercise.start_at, exercise.slot_minutes, "injection_start")
        _check_instant(store, end - 1, exercise.start_at, exercise.slot_minutes, "injection_end")
        rows = _expand(store, codes, slots, start, end, step, delta, multiplier, (ramp_up, ramp_down), k)
        clean = _clean(note, MAX_NOTE)
        detail = {"sectors": codes, "from": start, "to": end, "delta": delta, "multiplier": multiplier,
                  "ramp_up": ramp_up, "ramp_down": ramp_down, "note": clean, "source": source, "rows": len(rows),
                  "peak": max((r[2] for r in rows), key=abs, default=0)}
        at_view = start if source == "scenario" else _view_now(store, exercise, wall)
        log_id = _log(store, exercise.id, at_view, wall, "injection", username, detail)
        tx.conn.executemany(
            "INSERT INTO exercise_injections(exercise_id, sector_code, slot, delta_present, note, source, "
            "created_by, log_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(exercise.id, code, slot, change, clean, source, username, log_id) for code, slot, change in rows])
        if source == "trainer":
            audit.record(store, "exercise.inject", username=username, exercise=exercise.id,
                         sectors=" ".join(codes), start=start, end=end, delta=delta, multiplier=multiplier)
    return detail


def list_injections(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """Per-slot injected rows of an exercise, in time order."""
    return store.query("SELECT sector_code, slot, delta_present, note, source, created_by FROM exercise_injections "
                       "WHERE exercise_id = ? ORDER BY slot, sector_code, id", [int(exercise_id)])


def overlay_for(store: Store, exercise_id: int) -> Overlay:
    """The injected deltas of an exercise, as the situation engine's `overlay(codes, slots)` callable."""
    exercise_id = int(exercise_id)

    def overlay(codes: list[str], slots: list[int]) -> dict[tuple[str, int], int]:
        if not codes or not slots:
            return {}
        wanted_codes, wanted_slots = set(codes), {int(s) for s in slots}
        rows = store.db.execute(
            "SELECT sector_code, slot, sum(delta_present) FROM exercise_injections "
            "WHERE exercise_id = ? AND slot >= ? AND slot <= ? GROUP BY sector_code, slot",
            [exercise_id, min(wanted_slots), max(wanted_slots)])
        return {(code, slot): int(total) for code, slot, total in rows
                if total and code in wanted_codes and slot in wanted_slots}
    return overlay


# -- log and decisions ---------------------------------------------------------------------------------
def log_event(store: Store, exercise_id: int, kind: str, username: str | None, detail: dict[str, Any] | None = None,
              *, view_time: float | None = None, wall_now: Wall = None) -> int:
    """Record something that happened in an exercise (at its current time unless view_time is given)."""
    kind = _clean(kind, 40)
    if not kind or not kind.replace("_", "").replace(".", "").isalnum():
        raise ExerciseError(key="errors.exercise_event_kind", kind=repr(kind))
    wall = _wall(wall_now)
    exercise = get_exercise(store, exercise_id)
    _refuse_if_ended(exercise)
    view = _view_now(store, exercise, wall) if view_time is None else view_time
    return _log(store, exercise.id, view, wall, kind, username, dict(detail or {}))


def record_decision(store: Store, username: str, plan: Any, snapshot: Any = None, *, exercise_id: int | None = None,
                    view_time: float | None = None, wall_now: Wall = None) -> int:
    """Store a validated plan: live when exercise_id is None, else kept with its exercise."""
    wall = _wall(wall_now)
    view = wall if view_time is None else view_time
    if exercise_id is not None:
        exercise = get_exercise(store, exercise_id)
        _refuse_if_ended(exercise)
        view = _view_now(store, exercise, wall) if view_time is None else view_time
    with store.write() as tx:
        cursor = tx.execute("INSERT INTO decisions(at, view_time, username, exercise_id, plan, snapshot) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            [int(wall), int(view), username, exercise_id, json.dumps(plan, ensure_ascii=False),
                             json.dumps(snapshot if snapshot is not None else {}, ensure_ascii=False)])
        return int(cursor.lastrowid or 0)


def list_decisions(store: Store, exercise_id: int | None = None) -> list[dict[str, Any]]:
    """Validated plans, oldest first: the live ones (exercise_id None) or those of one exercise."""
    if exercise_id is None:
        rows = store.query("SELECT * FROM decisions WHERE exercise_id IS NULL ORDER BY at, id")
    else:
        rows = store.query("SELECT * FROM decisions WHERE exercise_id = ? ORDER BY at, id", [int(exercise_id)])
    return [{**r, "plan": json.loads(r["plan"]), "snapshot": json.loads(r["snapshot"])} for r in rows]


# -- marking -------------------------------------------------------------------------------------------
def stamp(exercise: Exercise | None) -> str:
    """The mark of exports and reports made in an exercise ("" for live)."""
    return "" if exercise is None else f"{STAMP} — {exercise.name}"


# -- after-action timeline -----------------------------------------------------------------------------
def after_action_timeline(store: Store, exercise_id: int, settings: Settings, *,
                          wall_now: Wall = None) -> list[dict[str, Any]]:
    """What happened, in the order it was played: control, injections, crisis ranking changes, plans."""
    exercise = get_exercise(store, exercise_id)
    frozen = store.scalar("SELECT after_action FROM exercises WHERE id = ?", [exercise.id])
    if exercise.state == "ended" and frozen:
        return list(json.loads(frozen))
    return _build_timeline(store, exercise, settings, _wall(wall_now))


@dataclass(frozen=True)
class _Segment:
    """A stretch of play: from view0 (reached at wall0) to view1, at `speed`."""

    wall0: float
    view0: float
    view1: float
    speed: float

    def wall_at(self, view: float) -> float | None:
        """When this stretch showed `view` (None when it did not)."""
        if not self.view0 - 1e-6 <= view <= self.view1 + 1e-6:
            return None
        return self.wall0 + (view - self.view0) / self.speed


def _log_rows(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """The exercise log in the order it was written, detail decoded."""
    rows = store.query("SELECT id, at_view_time, at_wall_time, kind, username, detail FROM exercise_log "
                       "WHERE exercise_id = ? ORDER BY id", [exercise_id])
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


def played_segments(exercise: Exercise, log: list[dict[str, Any]], view_now: float, wall: float) -> list[_Segment]:
    """The stretches of history actually played, rebuilt from the control actions of the log."""
    segments: list[_Segment] = []
    speed, running = float(exercise.speed), None  # running: (wall0, view0, speed) of the open stretch

    def close(view_end: float) -> None:
        if running is not None:
            segments.append(_Segment(running[0], running[1], max(running[1], view_end), running[2]))

    for row in log:
        kind, view, at, detail = row["kind"], float(row["at_view_time"]), float(row["at_wall_time"]), row["detail"]
        if kind == "created":
            speed = float(detail.get("speed", speed))
        elif kind in ("started", "resumed"):
            running = (at, view, speed)
        elif kind in ("paused", "ended"):
            close(view)
            running = None
        elif kind == "speed":
            close(view)
            speed = float(detail["to"])
            running = None if running is None else (at, view, speed)
        elif kind == "jump" and running is not None:
            close(float(detail["from"]))
            running = (at, view, speed)
    if running is not None:
        close(view_now)
    return segments


def _wall_at(segments: list[_Segment], view: float) -> float | None:
    """The first wall instant the exercise showed `view` (None when never played)."""
    for segment in segments:
        found = segment.wall_at(view)
        if found is not None:
            return found
    return None


def _played_slots(segments: list[_Segment], step: int) -> list[tuple[int, float]]:
    """(slot, wall instant it was first shown) in the order of play."""
    played: list[tuple[int, float]] = []
    for segment in segments:
        first = int(segment.view0 // step * step)
        for slot in range(first, int(segment.view1 // step * step) + 1, step):
            if played and played[-1][0] == slot:
                continue
            played.append((slot, segment.wall0 + max(0.0, slot - segment.view0) / segment.speed))
    return played


def _listed_by_slot(store: Store, slots: list[int], step: int, settings: Settings,
                    overlay: Overlay) -> dict[int, list[tuple[str, int]]]:
    """The crisis list (code, excess) at each slot, with vigie.operations.crisis's thresholds and hysteresis."""
    from vigie.operations.crisis import listed_at, thresholds
    from vigie.analysis.situation import significance_at

    limits = thresholds(settings)
    wanted = sorted({s - i * step for s in slots for i in range(limits.lookback + 1)})
    found: dict[int, dict[str, tuple[int, float]]] = {}
    for i in range(0, len(wanted), 240):
        found.update(significance_at(store, wanted[i:i + 240], settings, overlay))
    significant = {slot: {c for c, (excess, z) in per.items() if limits.significant(excess, z)}
                   for slot, per in found.items()}
    listed: dict[int, list[tuple[str, int]]] = {}
    for slot in slots:
        held = listed_at(lambda s: significant.get(s, set()), slot, step, limits)
        rows = [(code, found[slot][code][0]) for code in held if code in found.get(slot, {})]
        listed[slot] = sorted(rows, key=lambda r: (-r[1], r[0]))
    return listed


def _ranking_entries(store: Store, exercise: Exercise, segments: list[_Segment], settings: Settings,
                     names: dict[str, str]) -> list[dict[str, Any]]:
    """When a sector entered or left the crisis list, and when the first place changed."""
    step = exercise.slot_minutes * 60
    played = _played_slots(segments, step)
    entries: list[dict[str, Any]] = []
    if len(played) > MAX_TIMELINE_SLOTS:
        played = played[:MAX_TIMELINE_SLOTS]
        entries.append(_entry(played[-1][1], played[-1][0], "note", None,
                              Message("timeline.ranking_capped", {"slots": MAX_TIMELINE_SLOTS}), {}))
    if not played:
        return entries
    listed = _listed_by_slot(store, sorted({s for s, _ in played}), step, settings, overlay_for(store, exercise.id))
    before: list[tuple[str, int]] = []
    for slot, wall in played:
        now = listed[slot]
        entries += _ranking_changes(before, now, slot, wall, names)
        before = now
    return entries


def _ranking_changes(before: list[tuple[str, int]], now: list[tuple[str, int]], slot: int, wall: float,
                     names: dict[str, str]) -> list[dict[str, Any]]:
    """Entries for the differences between two successive crisis lists."""
    old, new = {c for c, _ in before}, {c for c, _ in now}
    out = []
    for rank, (code, excess) in enumerate(now, start=1):
        if code not in old:
            out.append(_entry(wall, slot, "ranking_entered", None,
                              Message("timeline.ranking_entered", {"name": names.get(code, code), "rank": rank,
                                                                   "excess": excess}),
                              {"sector": code, "rank": rank, "excess": excess}))
    for code, _ in before:
        if code not in new:
            out.append(_entry(wall, slot, "ranking_left", None,
                              Message("timeline.ranking_left", {"name": names.get(code, code)}), {"sector": code}))
    if now and before and now[0][0] != before[0][0]:
        code, excess = now[0]
        out.append(_entry(wall, slot, "ranking_top", None,
                          Message("timeline.ranking_top", {"name": names.get(code, code), "excess": excess}),
                          {"sector": code, "excess": excess}))
    return out


def _entry(wall: float, view: float, kind: str, username: str | None, message: Message,
           detail: dict[str, Any]) -> dict[str, Any]:
    """One line of the timeline; its sentence is kept as a message, written in the reader's language."""
    return {"wall_time": float(wall), "view_time": int(view), "kind": kind, "username": username,
            "message": message.as_dict(), "detail": detail}


def timeline_text(entry: dict[str, Any], lang: str = "fr") -> str:
    """The sentence of a timeline entry in `lang` (timelines frozen before messages were keys hold French text)."""
    if "message" not in entry:
        return str(entry.get("text", ""))
    return Message.from_dict(entry["message"]).render(lang)


def _sector_list(codes: Sequence[str], names: dict[str, str]) -> str:
    """Sector names joined for a sentence."""
    return ", ".join(names.get(c, c) for c in codes)



def _injection_message(d: dict[str, Any], user: str, names: dict[str, str]) -> Message:
    """The sentence of an injection: its change, sectors, window, origin and note."""
    change = (Message("timeline.change_delta", {"delta": d["delta"]}) if d.get("delta") is not None
              else Message("timeline.change_multiplier", {"multiplier": d["multiplier"]}))
    origin = (Message("timeline.origin_scenario") if d.get("source") == "scenario"
              else Message("timeline.origin_trainer", {"user": user}))
    note = d.get("note") or Message("timeline.no_note")
    return Message("timeline.injection", {"change": change, "sectors": _sector_list(d["sectors"], names),
                                          "start": d["from"], "end": d["to"], "origin": origin, "note": note})


def _log_message(row: dict[str, Any], names: dict[str, str]) -> Message:
    """The sentence of one log line."""
    kind, user, d = row["kind"], row["username"] or "?", row["detail"]
    if kind == "created":
        return Message("timeline.created", {"name": d.get("name"), "user": user, "start": d["start_at"],
                                            "speed": d["speed"]})
    if kind in ("jump", "speed"):
        return Message(f"timeline.{kind}", {"source": d["from"], "target": d["to"], "user": user})
    if kind == "injection":
        return _injection_message(d, user, names)
    if kind in FIXED_LOG_KINDS:
        return Message(f"timeline.{kind}", {"user": user})
    if d.get("text"):
        return Message("timeline.free_text", {"text": str(d["text"])})
    return Message("timeline.other", {"kind": kind, "user": user})


def _log_entries(log: list[dict[str, Any]], segments: list[_Segment], names: dict[str, str]) -> list[dict[str, Any]]:
    """Timeline lines of the log; scenario injections appear when play reached them."""
    entries = []
    for row in log:
        wall = float(row["at_wall_time"])
        if row["kind"] == "injection" and row["detail"].get("source") == "scenario":
            reached = _wall_at(segments, float(row["at_view_time"]))
            if reached is None:
                continue
            wall = reached
        entries.append(_entry(wall, row["at_view_time"], row["kind"], row["username"], _log_message(row, names),
                              row["detail"]))
    return entries


def _decision_entries(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """Plans validated in the exercise, and by whom."""
    return [_entry(d["at"], d["view_time"], "plan", d["username"], Message("timeline.plan", {"user": d["username"]}),
                   {"decision_id": d["id"], "plan": d["plan"]})
            for d in list_decisions(store, exercise_id)]


def _build_timeline(store: Store, exercise: Exercise, settings: Settings, wall: float) -> list[dict[str, Any]]:
    """Compute the timeline from the log, the crisis ranking over the played time and the decisions."""
    log = _log_rows(store, exercise.id)
    segments = played_segments(exercise, log, _view_now(store, exercise, wall), wall)
    names = sector_table.names(store)
    entries = (_log_entries(log, segments, names) + _ranking_entries(store, exercise, segments, settings, names)
               + _decision_entries(store, exercise.id))
    return sorted(entries, key=lambda e: (e["wall_time"], _tier(e)))


def _tier(entry: dict[str, Any]) -> int:
    """Order at equal wall times (the sort is stable): control, then what play reached, plans, the end."""
    if entry["kind"] == "ended":
        return 3
    if entry["kind"] == "plan":
        return 2
    scenario = entry["kind"] == "injection" and entry["detail"].get("source") == "scenario"
    return 1 if scenario or entry["kind"].startswith("ranking") else 0
