"""Alert states: ouverte (open) -> prise en compte (acknowledged) -> close (closed).

Every change is one transaction that updates the alert, appends its outbox row (what the
sender will notify) and an audit line: the three are kept or lost together.
"""
from __future__ import annotations

import json
import time
from typing import Any, Final

from vigie.alerts import repository
from vigie.alerts.model import Alert, AlertError, AlertNotFound, Summary, alert_from_row, not_found
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


def _record(tx: repository.Changes, alert_id: int, event: str, username: str | None, at: float) -> Alert:
    """Append the outbox row of a change (with the alert as it now is) and return the alert."""
    row = tx.row(alert_id)
    assert row is not None
    tx.record(alert_id, event, username, at, json.dumps(row, ensure_ascii=False, sort_keys=True))
    return alert_from_row(row)


def _audit(store: Store, action: str, alert: Alert, username: str | None, **detail: Any) -> None:
    audit.record(store, action, username=username, alert=alert.id, rule=alert.rule, sector=alert.sector or "",
                 exercise=alert.exercise_id or "", **detail)


def _writable(tx: repository.Changes, alert_id: int, exercise_id: int | None | str) -> dict[str, Any]:
    """The alert row to change, refusing one of another exercise (or none) and a closed one."""
    row = tx.row(alert_id)
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
    with repository.changes(store) as tx:
        row = _writable(tx, alert_id, exercise_id)
        if row["state"] == "acknowledged":
            raise AlertError(key="errors.alert_acknowledged", alert_id=alert_id, user=row["acknowledged_by"])
        tx.acknowledge(int(alert_id), user, at, text)
        alert = _record(tx, int(alert_id), "acknowledged", user, at)
        _audit(store, "alert.acknowledge", alert, user, comment=text or "")
    return alert


def close(store: Store, alert_id: int, user: str, reason: str, *, exercise_id: int | None | str = ANY,
          now: float | None = None) -> Alert:
    """Close an alert by hand; the reason is required and kept."""
    at = time.time() if now is None else now
    text = _clean(reason, "reason", required=True)
    with repository.changes(store) as tx:
        _writable(tx, alert_id, exercise_id)
        alert = _close(tx, int(alert_id), at, user, text)
        _audit(store, "alert.close", alert, user, reason=text or "")
    return alert


def _close(tx: repository.Changes, alert_id: int, at: float, user: str | None, reason: str | None) -> Alert:
    tx.close(alert_id, at, user, reason)
    return _record(tx, alert_id, "closed", user, at)


def close_automatically(store: Store, alert_id: int, now: float, reason: str = "condition_gone") -> Alert:
    """Close an alert whose condition has been gone for the hysteresis (or whose exercise ended)."""
    with repository.changes(store) as tx:
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
    with repository.changes(store) as tx:
        live = tx.live_id(rule, sector, exercise_id)
        if live is not None:
            tx.seen(live, now, slot, severity, keep_summary, summary.key, params)
            row = tx.row(live)
            assert row is not None
            return alert_from_row(row), "seen"
        recent = tx.closed_since(rule, sector, exercise_id, int(now) - reopen_seconds)
        if recent is not None:
            tx.reopen(recent, now, slot, severity, summary.key, params)
            alert, what = _record(tx, recent, "opened", None, now), "reopened"
        else:
            new = tx.insert(rule=rule, kind=kind, sector=sector, severity=severity, slot=slot, now=now,
                            exercise_id=exercise_id, key=summary.key, params=params)
            alert, what = _record(tx, new, "opened", None, now), "opened"
        _audit(store, "alert.open", alert, None, reopened=what == "reopened")
    return alert, what
