"""Alert states: ouverte (open) -> prise en compte (acknowledged) -> close (closed).

Every change is one transaction that updates the alert, appends its outbox row (what the
sender will notify) and an audit line: the three are kept or lost together.
"""
from __future__ import annotations

import json
import time
from typing import Any, Final

import sqlite_utils

from vigie.alerts.model import Alert, AlertError, AlertNotFound, COLUMNS, Summary, alert_from_row, not_found
from vigie.i18n import Message
from vigie.identity import audit
from vigie.store import Store

ANY: Final = "any"
COMMENT_LIMIT = 500


def _clean(text: str | None, what: str, required: bool) -> str | None:
    """A comment or reason without control characters, or a clear error when it is missing or too long."""
    value = "".join(ch if ch.isprintable() else " " for ch in (text or "")).strip()
    if required and not value:
        raise AlertError(key="errors.alert_text_required", what=Message(f"errors.alert_what_{what}"))
    if len(value) > COMMENT_LIMIT:
        raise AlertError(key="errors.alert_text_too_long", what=Message(f"errors.alert_what_{what}"),
                         length=len(value), limit=COMMENT_LIMIT)
    return value or None


def _row(tx: sqlite_utils.Database, alert_id: int) -> dict[str, Any] | None:
    rows = list(tx.query(f"SELECT {COLUMNS} FROM alerts WHERE id = ?", [int(alert_id)]))
    return rows[0] if rows else None


def _record(tx: sqlite_utils.Database, alert_id: int, event: str, username: str | None, at: float) -> Alert:
    """Append the outbox row of a change (with the alert as it now is) and return the alert."""
    row = _row(tx, alert_id)
    assert row is not None
    tx.execute("INSERT INTO alert_outbox(alert_id, event, at, username, snapshot) VALUES (?, ?, ?, ?, ?)",
               [alert_id, event, at, username, json.dumps(row, ensure_ascii=False, sort_keys=True)])
    return alert_from_row(row)


def _audit(store: Store, action: str, alert: Alert, username: str | None, **detail: Any) -> None:
    audit.record(store, action, username=username, alert=alert.id, rule=alert.rule, sector=alert.sector or "",
                 exercise=alert.exercise_id or "", **detail)


def _writable(tx: sqlite_utils.Database, alert_id: int, exercise_id: int | None | str) -> dict[str, Any]:
    """The alert row to change, refusing one of another exercise (or none) and a closed one."""
    row = _row(tx, alert_id)
    if row is None or (exercise_id != ANY and row["exercise_id"] != exercise_id):
        raise not_found(alert_id, exercise_id if isinstance(exercise_id, int) else None)
    if row["state"] == "closed":
        raise AlertError(key="errors.alert_closed", alert_id=alert_id)
    return row


def acknowledge(store: Store, alert_id: int, user: str, comment: str | None = None, *,
                exercise_id: int | None | str = ANY, now: float | None = None) -> Alert:
    """Mark an open alert as acknowledged (prise en compte) by `user`, with an optional comment."""
    at = time.time() if now is None else now
    text = _clean(comment, "comment", required=False)
    with store.write() as tx:
        row = _writable(tx, alert_id, exercise_id)
        if row["state"] == "acknowledged":
            raise AlertError(key="errors.alert_acknowledged", alert_id=alert_id, user=row["acknowledged_by"])
        tx.execute("UPDATE alerts SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?, comment = ?, "
                   "version = version + 1 WHERE id = ?", [user, int(at), text, int(alert_id)])
        alert = _record(tx, int(alert_id), "acknowledged", user, at)
        _audit(store, "alert.acknowledge", alert, user, comment=text or "")
    return alert


def close(store: Store, alert_id: int, user: str, reason: str, *, exercise_id: int | None | str = ANY,
          now: float | None = None) -> Alert:
    """Close an alert by hand; the reason is required and kept."""
    at = time.time() if now is None else now
    text = _clean(reason, "reason", required=True)
    with store.write() as tx:
        _writable(tx, alert_id, exercise_id)
        alert = _close(tx, int(alert_id), at, user, text)
        _audit(store, "alert.close", alert, user, reason=text or "")
    return alert


def _close(tx: sqlite_utils.Database, alert_id: int, at: float, user: str | None, reason: str | None) -> Alert:
    tx.execute("UPDATE alerts SET state = 'closed', closed_at = ?, closed_by = ?, close_reason = ?, "
               "version = version + 1 WHERE id = ?", [int(at), user, reason, alert_id])
    return _record(tx, alert_id, "closed", user, at)


def close_automatically(store: Store, alert_id: int, now: float, reason: str = "condition_gone") -> Alert:
    """Close an alert whose condition has been gone for the hysteresis (or whose exercise ended)."""
    with store.write() as tx:
        alert = _close(tx, alert_id, now, None, reason)
        _audit(store, "alert.close", alert, None, reason=reason)
    return alert


def raise_alert(store: Store, *, rule: str, kind: str, severity: str, sector: str | None, slot: int,
                summary: Summary, exercise_id: int | None, now: float, reopen_seconds: int,
                keep_summary: bool = False) -> tuple[Alert, str]:
    """Open an alert, or refresh the live one, or reopen one closed less than reopen_seconds ago.

    Returns the alert and what happened: "opened", "reopened" or "seen". With keep_summary,
    a live alert keeps the summary it has.
    """
    params = json.dumps(dict(summary.params), ensure_ascii=False, sort_keys=True)
    key = [rule, sector, exercise_id]
    with store.write() as tx:
        live = tx.execute("SELECT id FROM alerts WHERE rule = ? AND sector IS ? AND exercise_id IS ? "
                          "AND state != 'closed'", key).fetchone()
        if live is not None:
            tx.execute("UPDATE alerts SET last_seen_at = ?, last_seen_slot = max(last_seen_slot, ?), severity = ?, "
                       "summary_key = CASE WHEN ? THEN summary_key ELSE ? END, "
                       "summary_params = CASE WHEN ? THEN summary_params ELSE ? END WHERE id = ?",
                       [int(now), slot, severity, keep_summary, summary.key, keep_summary, params, live[0]])
            row = _row(tx, live[0])
            assert row is not None
            return alert_from_row(row), "seen"
        recent = tx.execute("SELECT id FROM alerts WHERE rule = ? AND sector IS ? AND exercise_id IS ? "
                            "AND state = 'closed' AND closed_at >= ? ORDER BY closed_at DESC LIMIT 1",
                            [*key, int(now) - reopen_seconds]).fetchone()
        if recent is not None:
            tx.execute("UPDATE alerts SET state = 'open', closed_at = NULL, closed_by = NULL, close_reason = NULL, "
                       "acknowledged_by = NULL, acknowledged_at = NULL, comment = NULL, last_seen_at = ?, "
                       "last_seen_slot = ?, severity = ?, summary_key = ?, summary_params = ?, "
                       "reopened = reopened + 1, version = version + 1 WHERE id = ?",
                       [int(now), slot, severity, summary.key, params, recent[0]])
            alert, what = _record(tx, int(recent[0]), "opened", None, now), "reopened"
        else:
            cursor = tx.execute(
                "INSERT INTO alerts(rule, kind, sector, severity, state, slot, opened_at, last_seen_at, last_seen_slot, "
                "exercise_id, summary_key, summary_params) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)",
                [rule, kind, sector, severity, slot, int(now), int(now), slot, exercise_id, summary.key, params])
            alert, what = _record(tx, int(cursor.lastrowid or 0), "opened", None, now), "opened"
        _audit(store, "alert.open", alert, None, reopened=what == "reopened")
    return alert, what
