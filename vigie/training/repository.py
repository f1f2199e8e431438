"""Training's one gateway to the store: exercises, their log, participants, injections, decisions and the
free-text entries of the main courante.

It returns rows and writes the rows it is given; clocks, checks and the timeline stay in the
other modules of the package. Besides its own tables it reads the observed history an exercise
replays and the usernames of the accounts that join.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

from vigie.store import Store

COLUMNS = ("id, name, scenario, start_at, speed, state, anchor_view_time, anchor_wall_time, slot_minutes, "
           "created_by, created_at, started_at, ended_at, join_code, scenario_end")


@contextmanager
def one_transaction(store: Store) -> Iterator[None]:
    """Several writes (of this package and others) kept or lost together."""
    with store.write():
        yield


# -- history -----------------------------------------------------------------------------------------
def first_observed_slot(store: Store) -> int | None:
    """The oldest observed slot (None without observations)."""
    first = store.scalar("SELECT min(slot) FROM observations")
    return None if first is None else int(first)


def last_observed_slot(store: Store) -> int | None:
    """The newest observed slot (None without observations)."""
    last = store.scalar("SELECT max(slot) FROM observations")
    return None if last is None else int(last)


def published_present(store: Store, codes: Sequence[str], low: int, high: int, k: int) -> list[tuple[str, int, int]]:
    """(sector, slot, present) observed in [low, high] for these sectors, where present is published (>= k)."""
    marks = ",".join("?" * len(codes))
    rows = store.db.execute(f"SELECT sector_code, slot, present FROM observations WHERE sector_code IN ({marks}) "
                            "AND slot >= ? AND slot <= ? AND present IS NOT NULL AND present >= ?",
                            [*codes, int(low), int(high), int(k)])
    return [(code, int(slot), int(present)) for code, slot, present in rows]


# -- exercises ---------------------------------------------------------------------------------------
def exercise_row(store: Store, exercise_id: int) -> tuple[Any, ...] | None:
    """The row of one exercise in COLUMNS order."""
    row = store.db.execute(f"SELECT {COLUMNS} FROM exercises WHERE id = ?", [int(exercise_id)]).fetchone()
    return None if row is None else tuple(row)


def exercise_row_by_code(store: Store, join_code: str) -> tuple[Any, ...] | None:
    """The row of the exercise with this join code, in COLUMNS order."""
    row = store.db.execute(f"SELECT {COLUMNS} FROM exercises WHERE join_code = ?", [str(join_code)]).fetchone()
    return None if row is None else tuple(row)


def exercise_rows(store: Store, active_only: bool) -> list[tuple[Any, ...]]:
    """Exercise rows newest first (only those not ended with active_only), in COLUMNS order."""
    where = "WHERE state != 'ended'" if active_only else ""
    return [tuple(r) for r in store.db.execute(f"SELECT {COLUMNS} FROM exercises {where} ORDER BY id DESC")]


def clock_row(store: Store, exercise_id: int) -> dict[str, Any] | None:
    """What the clock of an exercise is made of: id, state, speed, anchors, slot_minutes."""
    rows = store.query("SELECT id, state, speed, anchor_view_time, anchor_wall_time, slot_minutes "
                       "FROM exercises WHERE id = ?", [int(exercise_id)])
    return rows[0] if rows else None


def insert_exercise(store: Store, values: dict[str, Any]) -> int:
    """Write a new draft exercise; return its id."""
    with store.write() as tx:
        cursor = tx.execute(
            "INSERT INTO exercises(name, scenario, start_at, speed, state, anchor_view_time, anchor_wall_time, "
            "slot_minutes, created_by, created_at, join_code) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?)",
            [values[c] for c in ("name", "scenario", "start_at", "speed", "anchor_view_time", "anchor_wall_time",
                                 "slot_minutes", "created_by", "created_at", "join_code")])
        return int(cursor.lastrowid or 0)


def update_exercise(store: Store, exercise_id: int, values: dict[str, Any]) -> None:
    """Set these columns (names chosen by the caller, never from input) of one exercise."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    with store.write() as tx:
        tx.execute(f"UPDATE exercises SET {assignments} WHERE id = ?", [*values.values(), int(exercise_id)])


def record_scenario(store: Store, exercise_id: int, scenario_key: str, end: int) -> None:
    """Name the scenario of an exercise unless it already has one; its scenario ends at `end` at the earliest."""
    with store.write() as tx:
        tx.execute("UPDATE exercises SET scenario = coalesce(scenario, ?), "
                   "scenario_end = max(coalesce(scenario_end, ?), ?) WHERE id = ?", [scenario_key, end, end, exercise_id])


def save_after_action(store: Store, exercise_id: int, timeline: list[dict[str, Any]]) -> None:
    """Freeze the after-action timeline of an exercise."""
    with store.write() as tx:
        tx.execute("UPDATE exercises SET after_action = ? WHERE id = ?",
                   [json.dumps(timeline, ensure_ascii=False), int(exercise_id)])


def after_action(store: Store, exercise_id: int) -> list[dict[str, Any]] | None:
    """The frozen after-action timeline (None when there is none)."""
    frozen = store.scalar("SELECT after_action FROM exercises WHERE id = ?", [int(exercise_id)])
    return list(json.loads(frozen)) if frozen else None


# -- log ---------------------------------------------------------------------------------------------
def insert_log(store: Store, exercise_id: int, view_time: float, wall: float, kind: str, username: str | None,
               detail: dict[str, Any]) -> int:
    """Append one line to the exercise log; return its id."""
    with store.write() as tx:
        cursor = tx.execute(
            "INSERT INTO exercise_log(exercise_id, at_view_time, at_wall_time, kind, username, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [exercise_id, int(view_time), wall, kind, username, json.dumps(detail, ensure_ascii=False)])
        return int(cursor.lastrowid or 0)


def log_rows(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """The exercise log in the order it was written, detail decoded."""
    rows = store.query("SELECT id, at_view_time, at_wall_time, kind, username, detail FROM exercise_log "
                       "WHERE exercise_id = ? ORDER BY id", [exercise_id])
    return [{**r, "detail": json.loads(r["detail"])} for r in rows]


# -- participants ------------------------------------------------------------------------------------
def username(store: Store, user_id: int) -> str | None:
    """The username of an account (None when there is none)."""
    name = store.scalar("SELECT username FROM users WHERE id = ?", [int(user_id)])
    return None if name is None else str(name)


def current_exercise_row(store: Store, user_id: int) -> tuple[Any, ...] | None:
    """The row (COLUMNS order) of the exercise not ended the user is in."""
    row = store.db.execute(
        f"SELECT {', '.join('e.' + c.strip() for c in COLUMNS.split(','))} FROM exercise_participants p "
        "JOIN exercises e ON e.id = p.exercise_id "
        "WHERE p.user_id = ? AND p.left_at IS NULL AND e.state != 'ended'", [int(user_id)]).fetchone()
    return None if row is None else tuple(row)


def insert_participant(store: Store, exercise_id: int, user_id: int, joined_at: int) -> None:
    """Put one account in an exercise."""
    with store.write() as tx:
        tx.execute("INSERT INTO exercise_participants(exercise_id, user_id, joined_at) VALUES (?, ?, ?)",
                   [exercise_id, int(user_id), int(joined_at)])


def user_leaves(store: Store, user_id: int, left_at: int) -> None:
    """Take one account out of its exercise."""
    with store.write() as tx:
        tx.execute("UPDATE exercise_participants SET left_at = ? WHERE user_id = ? AND left_at IS NULL",
                   [int(left_at), int(user_id)])


def everyone_leaves(store: Store, exercise_id: int, left_at: int) -> None:
    """Take every participant out of an exercise."""
    with store.write() as tx:
        tx.execute("UPDATE exercise_participants SET left_at = ? WHERE exercise_id = ? AND left_at IS NULL",
                   [int(left_at), exercise_id])


def participant_rows(store: Store, exercise_id: int, current_only: bool) -> list[dict[str, Any]]:
    """Participants of an exercise: username, role, joined_at, left_at."""
    extra = "AND p.left_at IS NULL" if current_only else ""
    return store.query("SELECT u.username, u.role, p.joined_at, p.left_at FROM exercise_participants p "
                       f"JOIN users u ON u.id = p.user_id WHERE p.exercise_id = ? {extra} "
                       "ORDER BY p.joined_at, u.username", [int(exercise_id)])


# -- injections --------------------------------------------------------------------------------------
def insert_injections(store: Store, rows: Iterable[tuple[Any, ...]]) -> None:
    """Write injected rows (exercise_id, sector_code, slot, delta_present, note, source, created_by, log_id)."""
    with store.write() as tx:
        tx.conn.executemany(
            "INSERT INTO exercise_injections(exercise_id, sector_code, slot, delta_present, note, source, "
            "created_by, log_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(rows))


def injection_rows(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """Per-slot injected rows of an exercise, in time order."""
    return store.query("SELECT sector_code, slot, delta_present, note, source, created_by FROM exercise_injections "
                       "WHERE exercise_id = ? ORDER BY slot, sector_code, id", [int(exercise_id)])


def injected_totals(store: Store, exercise_id: int, low: int, high: int) -> list[tuple[str, int, Any]]:
    """(sector, slot, summed delta) injected into an exercise in slots [low, high]."""
    rows = store.db.execute(
        "SELECT sector_code, slot, sum(delta_present) FROM exercise_injections "
        "WHERE exercise_id = ? AND slot >= ? AND slot <= ? GROUP BY sector_code, slot",
        [exercise_id, int(low), int(high)])
    return [(code, slot, total) for code, slot, total in rows]


# -- decisions and the main courante ---------------------------------------------------------------
def insert_decision(store: Store, values: dict[str, Any]) -> int | None:
    """Write a validated plan (at, view_time, username, exercise_id, plan, snapshot, fingerprint); return its id,
    or None when the same plan (fingerprint) is already in the same log."""
    with store.write() as tx:
        cursor = tx.execute("INSERT OR IGNORE INTO decisions(at, view_time, username, exercise_id, plan, snapshot, "
                            "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [values.get(c) for c in ("at", "view_time", "username", "exercise_id", "plan", "snapshot",
                                                     "fingerprint")])
        return int(cursor.lastrowid or 0) if cursor.rowcount else None


def decision_rows(store: Store, exercise_id: int | None) -> list[dict[str, Any]]:
    """Decision rows oldest first: the live ones (exercise_id None) or those of one exercise."""
    if exercise_id is None:
        return store.query("SELECT * FROM decisions WHERE exercise_id IS NULL ORDER BY at, id")
    return store.query("SELECT * FROM decisions WHERE exercise_id = ? ORDER BY at, id", [int(exercise_id)])


def insert_log_entry(store: Store, values: dict[str, Any]) -> int:
    """Write a free-text entry of the main courante (at, view_time, username, exercise_id, text); return its id."""
    with store.write() as tx:
        cursor = tx.execute("INSERT INTO log_entries(at, view_time, username, exercise_id, text) VALUES (?, ?, ?, ?, ?)",
                            [values[c] for c in ("at", "view_time", "username", "exercise_id", "text")])
        return int(cursor.lastrowid or 0)


def log_entry_rows(store: Store, exercise_id: int | None) -> list[dict[str, Any]]:
    """Free-text entries oldest first: the live ones (exercise_id None) or those of one exercise."""
    if exercise_id is None:
        return store.query("SELECT id, at, view_time, username, exercise_id, text FROM log_entries "
                           "WHERE exercise_id IS NULL ORDER BY at, id")
    return store.query("SELECT id, at, view_time, username, exercise_id, text FROM log_entries "
                       "WHERE exercise_id = ? ORDER BY at, id", [int(exercise_id)])
