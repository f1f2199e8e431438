"""The alerts' one gateway to the store: alerts, their outbox and deliveries, rules, evaluation marks.

It hands rows (dicts, ids) to the other modules of the package, which build the records and
decide. Besides the tables of alerts it reads what the rules watch: the newest accepted feed
batch, the running exercises and their injections, the existence and sectors of a saved zone.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import sqlite_utils

from vigie.store import Store

COLUMNS = ("id, rule, kind, sector, severity, state, slot, opened_at, last_seen_at, last_seen_slot, acknowledged_by, "
           "acknowledged_at, comment, closed_at, closed_by, close_reason, exercise_id, summary_key, summary_params, "
           "version, reopened")
_DUE = ("SELECT id, channel, target, idempotency_key, body, attempts FROM alert_deliveries d "
        "WHERE delivered_at IS NULL AND next_attempt_at <= :now AND leased_until <= :now AND NOT EXISTS ("
        "  SELECT 1 FROM alert_deliveries e WHERE e.channel = d.channel AND e.target = d.target "
        "  AND e.delivered_at IS NULL AND e.id < d.id AND (e.next_attempt_at > :now OR e.leased_until > :now)) "
        "ORDER BY id LIMIT :limit")


# -- alerts ------------------------------------------------------------------------------------------
def alert_row(store: Store, alert_id: int, exercise_id: int | None) -> dict[str, Any] | None:
    """The row of alert `alert_id` in the live view (exercise_id None) or in that exercise."""
    rows = store.query(f"SELECT {COLUMNS} FROM alerts WHERE id = ? AND exercise_id IS ?", [int(alert_id), exercise_id])
    return rows[0] if rows else None


def alert_rows(store: Store, *, state: str, exercise_id: int | None, since: int | None, sector: str | None,
               limit: int) -> list[dict[str, Any]]:
    """Alert rows newest first in one state, "active" (not closed) or "all" (the filter is checked by the caller)."""
    where: list[str] = ["exercise_id IS ?"]
    params: list[Any] = [exercise_id]
    if state == "active":
        where.append("state != 'closed'")
    elif state != "all":
        where.append("state = ?")
        params.append(state)
    if since is not None:
        where.append("(opened_at >= ? OR closed_at IS NULL OR closed_at >= ?)")
        params += [int(since), int(since)]
    if sector is not None:
        where.append("sector = ?")
        params.append(sector)
    sql = f"SELECT {COLUMNS} FROM alerts WHERE {' AND '.join(where)} ORDER BY opened_at DESC, id DESC LIMIT ?"
    return store.query(sql, [*params, int(limit)])


def count_alerts(store: Store, exercise_id: int | None, *, acknowledged_too: bool) -> int:
    """How many alerts are open, or not closed with acknowledged_too, live or in one exercise."""
    state = "state != 'closed'" if acknowledged_too else "state = 'open'"
    return int(store.scalar(f"SELECT count(*) FROM alerts WHERE exercise_id IS ? AND {state}", [exercise_id]))


def active_rows(store: Store, rule_id: str, exercise_id: int | None) -> list[dict[str, Any]]:
    """The rows of the alerts of one rule that are not closed, live or in one exercise."""
    return store.query(f"SELECT {COLUMNS} FROM alerts WHERE rule = ? AND exercise_id IS ? AND state != 'closed'",
                       [rule_id, exercise_id])


def ended_exercise_alerts(store: Store) -> list[int]:
    """Ids of the alerts not closed whose exercise has ended."""
    return [int(r["id"]) for r in store.query(
        "SELECT a.id FROM alerts a JOIN exercises e ON e.id = a.exercise_id "
        "WHERE e.state = 'ended' AND a.state != 'closed'")]


class Changes:
    """The writes of one transaction on alerts and rules (see `changes`)."""

    def __init__(self, tx: sqlite_utils.Database) -> None:
        self._tx = tx

    def row(self, alert_id: int) -> dict[str, Any] | None:
        """The alert row as this transaction sees it."""
        rows = list(self._tx.query(f"SELECT {COLUMNS} FROM alerts WHERE id = ?", [int(alert_id)]))
        return rows[0] if rows else None

    def record(self, alert_id: int, event: str, username: str | None, at: float, snapshot: str) -> None:
        """Append the outbox row of a change with the alert's JSON snapshot."""
        self._tx.execute("INSERT INTO alert_outbox(alert_id, event, at, username, snapshot) VALUES (?, ?, ?, ?, ?)",
                         [alert_id, event, at, username, snapshot])

    def acknowledge(self, alert_id: int, user: str, at: float, comment: str | None) -> None:
        """Mark the alert acknowledged by `user`."""
        self._tx.execute("UPDATE alerts SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, "
                         "comment = ?, version = version + 1 WHERE id = ?", [user, int(at), comment, int(alert_id)])

    def close(self, alert_id: int, at: float, user: str | None, reason: str | None) -> None:
        """Mark the alert closed by `user` (None: automatically) for `reason`."""
        self._tx.execute("UPDATE alerts SET state = 'closed', closed_at = ?, closed_by = ?, close_reason = ?, "
                         "version = version + 1 WHERE id = ?", [int(at), user, reason, alert_id])

    def live_id(self, rule: str, sector: str | None, exercise_id: int | None) -> int | None:
        """The id of the alert of this rule and sector that is not closed, if any."""
        found = self._tx.execute("SELECT id FROM alerts WHERE rule = ? AND sector IS ? AND exercise_id IS ? "
                                 "AND state != 'closed'", [rule, sector, exercise_id]).fetchone()
        return None if found is None else int(found[0])

    def closed_since(self, rule: str, sector: str | None, exercise_id: int | None, since: int) -> int | None:
        """The id of the newest alert of this rule and sector closed at or after `since`, if any."""
        found = self._tx.execute("SELECT id FROM alerts WHERE rule = ? AND sector IS ? AND exercise_id IS ? "
                                 "AND state = 'closed' AND closed_at >= ? ORDER BY closed_at DESC LIMIT 1",
                                 [rule, sector, exercise_id, since]).fetchone()
        return None if found is None else int(found[0])

    def seen(self, alert_id: int, now: float, slot: int, severity: str, keep_summary: bool, key: str,
             params: str) -> None:
        """Refresh a live alert seen again (its summary kept with keep_summary)."""
        self._tx.execute("UPDATE alerts SET last_seen_at = ?, last_seen_slot = max(last_seen_slot, ?), severity = ?, "
                         "summary_key = CASE WHEN ? THEN summary_key ELSE ? END, "
                         "summary_params = CASE WHEN ? THEN summary_params ELSE ? END WHERE id = ?",
                         [int(now), slot, severity, keep_summary, key, keep_summary, params, alert_id])

    def reopen(self, alert_id: int, now: float, slot: int, severity: str, key: str, params: str) -> None:
        """Open a closed alert again, forgetting its acknowledgement and closing."""
        self._tx.execute("UPDATE alerts SET state = 'open', closed_at = NULL, closed_by = NULL, close_reason = NULL, "
                         "acknowledged_by = NULL, acknowledged_at = NULL, comment = NULL, last_seen_at = ?, "
                         "last_seen_slot = ?, severity = ?, summary_key = ?, summary_params = ?, "
                         "reopened = reopened + 1, version = version + 1 WHERE id = ?",
                         [int(now), slot, severity, key, params, alert_id])

    def insert(self, *, rule: str, kind: str, sector: str | None, severity: str, slot: int, now: float,
               exercise_id: int | None, key: str, params: str) -> int:
        """A new open alert; return its id."""
        cursor = self._tx.execute(
            "INSERT INTO alerts(rule, kind, sector, severity, state, slot, opened_at, last_seen_at, last_seen_slot, "
            "exercise_id, summary_key, summary_params) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)",
            [rule, kind, sector, severity, slot, int(now), int(now), slot, exercise_id, key, params])
        return int(cursor.lastrowid or 0)

    def save_rule(self, values: dict[str, Any]) -> None:
        """Create or replace the rule row of `values` (every column of alert_rules)."""
        self._tx.execute("INSERT INTO alert_rules(id, kind, severity, zone_id, authority, groupement, params, enabled, "
                         "updated_by, updated_at) VALUES (:id, :kind, :severity, :zone_id, :authority, :groupement, "
                         ":params, :enabled, :updated_by, :updated_at) ON CONFLICT(id) DO UPDATE SET "
                         "kind = excluded.kind, severity = excluded.severity, zone_id = excluded.zone_id, "
                         "authority = excluded.authority, groupement = excluded.groupement, params = excluded.params, "
                         "enabled = excluded.enabled, updated_by = excluded.updated_by, "
                         "updated_at = excluded.updated_at", values)


@contextmanager
def changes(store: Store) -> Iterator[Changes]:
    """One write transaction on alerts and rules: every change in it is kept or lost together."""
    with store.write() as tx:
        yield Changes(tx)


# -- outbox and deliveries ---------------------------------------------------------------------------
def pending_changes(store: Store, limit: int) -> list[dict[str, Any]]:
    """Outbox rows not dispatched yet, oldest first: id, alert_id, event, snapshot."""
    return store.query("SELECT id, alert_id, event, snapshot FROM alert_outbox WHERE dispatched_at IS NULL "
                       "ORDER BY id LIMIT ?", [limit])


def queue_deliveries(store: Store, change_id: int, targets: list[tuple[str, str]], key: str, body: str,
                     now: float) -> None:
    """Queue one delivery per (channel, target) of a change and mark it dispatched, in one transaction."""
    with store.write() as tx:
        tx.conn.executemany(
            "INSERT OR IGNORE INTO alert_deliveries(outbox_id, channel, target, idempotency_key, body, created_at, "
            "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(change_id, channel, target, key, body, now, now) for channel, target in targets])
        tx.execute("UPDATE alert_outbox SET dispatched_at = ? WHERE id = ?", [now, change_id])


def lease_due(store: Store, now: float, lease_seconds: float, limit: int) -> list[dict[str, Any]]:
    """Lease the delivery rows due now, oldest first, skipping a recipient whose earlier message waits."""
    if not store.scalar("SELECT 1 FROM alert_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= ? LIMIT 1",
                        [now]):
        return []  # the common case: nothing to send, no write lock taken
    with store.write() as tx:
        rows = list(tx.query(_DUE, {"now": now, "limit": limit}))
        tx.conn.executemany("UPDATE alert_deliveries SET leased_until = ? WHERE id = ?",
                            [(now + lease_seconds, r["id"]) for r in rows])
    return rows


def mark_delivered(store: Store, delivery_id: int, at: float) -> None:
    """Record a successful delivery at `at`."""
    with store.write() as tx:
        tx.execute("UPDATE alert_deliveries SET delivered_at = ?, attempts = attempts + 1, leased_until = 0, "
                   "last_error = NULL WHERE id = ?", [at, delivery_id])


def reschedule(store: Store, delivery_id: int, attempts: int, retry_at: float, error: str) -> None:
    """Record a failed attempt and when to try again."""
    with store.write() as tx:
        tx.execute("UPDATE alert_deliveries SET attempts = ?, next_attempt_at = ?, leased_until = 0, last_error = ? "
                   "WHERE id = ?", [attempts, retry_at, error, delivery_id])


def release(store: Store, delivery_id: int) -> None:
    """Give a leased delivery back, to be sent on a later turn."""
    with store.write() as tx:
        tx.execute("UPDATE alert_deliveries SET leased_until = 0 WHERE id = ?", [delivery_id])


def outbox_counts(store: Store) -> dict[str, int]:
    """Changes not dispatched, deliveries waiting, failing, delivered."""
    return {
        "pending_changes": int(store.scalar("SELECT count(*) FROM alert_outbox WHERE dispatched_at IS NULL")),
        "waiting": int(store.scalar("SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NULL")),
        "failing": int(store.scalar("SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NULL AND attempts > 0")),
        "delivered": int(store.scalar("SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NOT NULL")),
    }


# -- rules ----------------------------------------------------------------------------------------------
def rule_rows(store: Store, *, enabled_only: bool) -> list[dict[str, Any]]:
    """Every rule row (or only the enabled ones), by id."""
    where = " WHERE enabled = 1" if enabled_only else ""
    return store.query(f"SELECT * FROM alert_rules{where} ORDER BY id")


def rule_row(store: Store, rule_id: str) -> dict[str, Any] | None:
    """The row of rule `rule_id`, if any."""
    rows = store.query("SELECT * FROM alert_rules WHERE id = ?", [rule_id])
    return rows[0] if rows else None


def zone_exists(store: Store, zone_id: int) -> bool:
    """Whether a saved zone has this id."""
    return store.scalar("SELECT 1 FROM zones WHERE id = ?", [zone_id]) is not None


def zone_sector_codes(store: Store, zone_id: int) -> set[str]:
    """The sector codes of a saved zone."""
    return {r["sector_code"] for r in store.query("SELECT sector_code FROM zone_sectors WHERE zone_id = ?", [zone_id])}


# -- what the rules watch ----------------------------------------------------------------------------
def newest_accepted_batch(store: Store) -> tuple[int, float | None]:
    """(id, received_at) of the newest accepted feed batch; (0, None) before the first."""
    row = store.db.execute(
        "SELECT coalesce(max(id), 0), max(received_at) FROM feed_batches WHERE status = 'accepted'").fetchone()
    return int(row[0]), row[1]


def running_exercises(store: Store) -> list[int]:
    """Ids of the running exercises."""
    return [int(r["id"]) for r in store.query("SELECT id FROM exercises WHERE state = 'running'")]


def newest_injection(store: Store, exercise_id: int) -> int:
    """The id of the newest injection of an exercise (0: none)."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM exercise_injections WHERE exercise_id = ?",
                            [exercise_id]))


def evaluation_mark(store: Store, scope: str) -> str | None:
    """What the rules of `scope` were last evaluated on (None: never)."""
    value = store.scalar("SELECT mark FROM alert_evaluations WHERE scope = ?", [scope])
    return None if value is None else str(value)


def save_evaluation_mark(store: Store, scope: str, mark: str, now: float) -> None:
    """Record what the rules of `scope` were last evaluated on."""
    with store.write() as tx:
        tx.execute("INSERT INTO alert_evaluations(scope, mark, at) VALUES (?, ?, ?) ON CONFLICT(scope) DO UPDATE "
                   "SET mark = excluded.mark, at = excluded.at", [scope, mark, now])
