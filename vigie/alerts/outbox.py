"""The outbox: state changes become deliveries (one per recipient), retried with exponential backoff.

A change is written to alert_outbox in the transaction that makes it (states.py). `dispatch`
turns each pending change into deliveries and marks it dispatched, in one transaction, so a
crash at any point leaves either the change pending or its deliveries queued. A delivery is
leased while it is being sent; if the sender dies, the lease runs out and it is sent again:
at least once, with the same Idempotency-Key so receivers can drop the duplicate.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from vigie.alerts.model import alert_from_row
from vigie.config import Settings, rule_recipients, split_list
from vigie.store import Store


_DUE = ("SELECT id, channel, target, idempotency_key, body, attempts FROM alert_deliveries d "
        "WHERE delivered_at IS NULL AND next_attempt_at <= :now AND leased_until <= :now AND NOT EXISTS ("
        "  SELECT 1 FROM alert_deliveries e WHERE e.channel = d.channel AND e.target = d.target "
        "  AND e.delivered_at IS NULL AND e.id < d.id AND (e.next_attempt_at > :now OR e.leased_until > :now)) "
        "ORDER BY id LIMIT :limit")


@dataclass(frozen=True)
class Delivery:
    """One message to send to one recipient."""

    id: int
    channel: str
    target: str
    idempotency_key: str
    body: str
    attempts: int

    @property
    def payload(self) -> dict[str, Any]:
        """The decoded body: {"event", "alert"}."""
        return json.loads(self.body)


def recipients(settings: Settings, rule: str, exercise_id: int | None) -> list[tuple[str, str]]:
    """(channel, target) of every recipient of an alert of `rule`; exercises only reach named recipients."""
    if exercise_id is not None:
        mails = split_list(settings.alert_exercise_recipients)
        hooks = split_list(settings.alert_exercise_webhooks)
    else:
        mails = split_list(settings.alert_recipients)
        mails += rule_recipients(settings.alert_rule_recipients).get(rule, [])
        hooks = split_list(settings.alert_webhooks)
    if not settings.smtp_host:
        mails = []
    found = [("webhook", url) for url in hooks] + [("email", address) for address in mails]
    return list(dict.fromkeys(found))


def idempotency_key(alert_id: int, outbox_id: int) -> str:
    """The key of one change, the same for every recipient and every attempt."""
    return f"vigie-alert-{alert_id}-{outbox_id}"


def dispatch(store: Store, settings: Settings, now: float | None = None, limit: int = 200) -> int:
    """Queue the deliveries of pending changes; return how many changes were dispatched."""
    now = time.time() if now is None else now
    lang = settings.language
    pending = store.query("SELECT id, alert_id, event, snapshot FROM alert_outbox WHERE dispatched_at IS NULL "
                          "ORDER BY id LIMIT ?", [limit])
    for change in pending:
        alert = alert_from_row(json.loads(change["snapshot"]))
        body = json.dumps({"event": change["event"], "alert": alert.as_api(lang)}, ensure_ascii=False,
                          separators=(",", ":"))
        key = idempotency_key(alert.id, change["id"])
        with store.write() as tx:
            tx.conn.executemany(
                "INSERT OR IGNORE INTO alert_deliveries(outbox_id, channel, target, idempotency_key, body, created_at, "
                "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(change["id"], channel, target, key, body, now, now)
                 for channel, target in recipients(settings, alert.rule, alert.exercise_id)])
            tx.execute("UPDATE alert_outbox SET dispatched_at = ? WHERE id = ?", [now, change["id"]])
    return len(pending)


def claim(store: Store, now: float, lease_seconds: float, limit: int = 50) -> list[Delivery]:
    """Lease the deliveries due now, oldest first, skipping a recipient whose earlier message waits to be retried."""
    if not store.scalar("SELECT 1 FROM alert_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= ? LIMIT 1",
                        [now]):
        return []  # the common case: nothing to send, no write lock taken
    with store.write() as tx:
        rows = list(tx.query(_DUE, {"now": now, "limit": limit}))
        tx.conn.executemany("UPDATE alert_deliveries SET leased_until = ? WHERE id = ?",
                            [(now + lease_seconds, r["id"]) for r in rows])
    return [Delivery(**r) for r in rows]


def mark_delivered(store: Store, delivery_id: int, now: float | None = None) -> None:
    """Record a successful delivery."""
    with store.write() as tx:
        tx.execute("UPDATE alert_deliveries SET delivered_at = ?, attempts = attempts + 1, leased_until = 0, "
                   "last_error = NULL WHERE id = ?", [time.time() if now is None else now, delivery_id])


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Delay before the next attempt after `attempts` failures: base x 2^(attempts-1), capped."""
    base, cap = settings.alert_retry_base_seconds, settings.alert_retry_max_seconds
    return float(min(cap, base * 2 ** max(0, min(attempts - 1, 30))))


def mark_failed(store: Store, delivery: Delivery, error: str, settings: Settings, now: float | None = None) -> float:
    """Record a failed attempt and schedule the next one; return its time."""
    now = time.time() if now is None else now
    attempts = delivery.attempts + 1
    retry_at = now + backoff_seconds(attempts, settings)
    with store.write() as tx:
        tx.execute("UPDATE alert_deliveries SET attempts = ?, next_attempt_at = ?, leased_until = 0, last_error = ? "
                   "WHERE id = ?", [attempts, retry_at, error[:500], delivery.id])
    return retry_at


def outbox_status(store: Store) -> dict[str, int]:
    """Counts for operators: changes not dispatched, deliveries waiting, failing, delivered."""
    return {
        "pending_changes": int(store.scalar("SELECT count(*) FROM alert_outbox WHERE dispatched_at IS NULL")),
        "waiting": int(store.scalar("SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NULL")),
        "failing": int(store.scalar("SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NULL AND attempts > 0")),
        "delivered": int(store.scalar("SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NOT NULL")),
    }
