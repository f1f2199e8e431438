"""The alert sender: evaluates what no batch triggers (feed stopped, exercise clocks), dispatches, delivers.

Runs beside the web server (`python -m vigie serve` starts it whatever the feed) or as its own
service (`python -m vigie alerts send`). Several senders may run: deliveries are leased.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from vigie.alerts.delivery import DeliveryFailed, deliver, where
from vigie.alerts.evaluate import DATA_KINDS, evaluate_live, evaluate_view, exercise_view, last_mark, remember
from vigie.alerts.model import KINDS
from vigie.alerts.outbox import claim, dispatch, mark_delivered, mark_failed
from vigie.alerts.states import close_automatically
from vigie.config import Settings
from vigie.reference import mark_batches_refreshed, refreshed_batch, update_reference
from vigie.analysis.situation import latest_slot
from vigie.store import Store

log = logging.getLogger("vigie.alerts")
FEED_CHECK_SECONDS = 15.0
# The door that accepted a batch refreshes its usual values, then evaluates the rules. The sender
# evaluates a batch itself only once those values are written, or when the door has not done it
# within this time (a process killed between the two): it then writes them itself first.
REFRESH_GRACE_SECONDS = 60.0


class Sender:
    """One sender loop's state: when the feed was last checked."""

    def __init__(self, store: Store, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.store, self.settings, self.clock = store, settings, clock
        self.feed_checked_at = float("-inf")

    def tick(self) -> dict[str, int]:
        """One turn: evaluate what is due, dispatch pending changes, send due deliveries."""
        self.evaluate()
        dispatched = dispatch(self.store, self.settings, self.clock())
        sent, failed = self.send_due()
        return {"dispatched": dispatched, "sent": sent, "failed": failed}

    def evaluate(self) -> None:
        """Live rules when a batch came in unevaluated, the feed rule now and then, running exercises."""
        now = self.clock()
        batch, received_at = self.store.db.execute(
            "SELECT coalesce(max(id), 0), max(received_at) FROM feed_batches WHERE status = 'accepted'").fetchone()
        if last_mark(self.store, "live") != str(batch) and self.usual_values_ready(int(batch), received_at, now):
            evaluate_live(self.store, self.settings, now=now)
            self.feed_checked_at = now
        elif now - self.feed_checked_at >= FEED_CHECK_SECONDS:
            evaluate_live(self.store, self.settings, kinds=tuple(k for k in KINDS if k not in DATA_KINDS), now=now)
            self.feed_checked_at = now
        self.evaluate_exercises(now)

    def usual_values_ready(self, batch: int, received_at: float | None, now: float) -> bool:
        """Whether the usual values cover `batch`; past the grace, the sender writes them itself."""
        done = refreshed_batch(self.store)
        if done is None or done >= batch:
            return True
        if received_at is not None and now - float(received_at) < REFRESH_GRACE_SECONDS:
            return False
        newest = latest_slot(self.store)
        if newest is not None:
            log.warning("batch %s has no usual values %.0f s after it came in; the alert sender writes them", batch,
                        now - float(received_at or now))
            update_reference(self.store, [newest], k=self.settings.privacy_k)
        mark_batches_refreshed(self.store, batch)
        return True

    def evaluate_exercises(self, now: float) -> None:
        """Each running exercise at its clock, when its slot or its injections changed; close ended ones' alerts."""
        for (exercise_id,) in self.store.db.execute("SELECT id FROM exercises WHERE state = 'running'").fetchall():
            view = exercise_view(self.store, self.settings, int(exercise_id), now)
            injected = self.store.scalar("SELECT coalesce(max(id), 0) FROM exercise_injections WHERE exercise_id = ?",
                                         [exercise_id])
            mark, scope = f"{view.t}:{injected}", f"exercise:{exercise_id}"
            if last_mark(self.store, scope) != mark:
                evaluate_view(view, DATA_KINDS)
                remember(self.store, scope, mark, now)
        for (alert_id,) in self.store.db.execute(
                "SELECT a.id FROM alerts a JOIN exercises e ON e.id = a.exercise_id "
                "WHERE e.state = 'ended' AND a.state != 'closed'").fetchall():
            close_automatically(self.store, int(alert_id), now, "exercise_ended")

    def send_due(self) -> tuple[int, int]:
        """Send the deliveries due now, in order per recipient; return (sent, failed)."""
        lease = self.settings.alert_lease_seconds
        sent = failed = 0
        blocked: set[tuple[str, str]] = set()
        for delivery in claim(self.store, self.clock(), lease):
            if (delivery.channel, delivery.target) in blocked:
                self._release(delivery.id)
                continue
            try:
                deliver(delivery, self.settings)
            except Exception as exc:  # a refused message must not block the others: retried with backoff
                if not isinstance(exc, DeliveryFailed):
                    log.exception("alert delivery %s could not be built or sent", delivery.idempotency_key)
                retry_at = mark_failed(self.store, delivery, str(exc) or type(exc).__name__, self.settings, self.clock())
                blocked.add((delivery.channel, delivery.target))
                failed += 1
                log.warning("alert delivery %s failed (%s); retry in %.0f s", delivery.idempotency_key, exc,
                            retry_at - self.clock())
                continue
            mark_delivered(self.store, delivery.id, self.clock())
            sent += 1
            log.info("alert delivery %s sent by %s to %s", delivery.idempotency_key, delivery.channel,
                     where(delivery.target) if delivery.channel == "webhook" else delivery.target)
        return sent, failed

    def _release(self, delivery_id: int) -> None:
        with self.store.write() as tx:
            tx.execute("UPDATE alert_deliveries SET leased_until = 0 WHERE id = ?", [delivery_id])


def run_sender(settings: Settings, stop_event: threading.Event, store: Store,
               poll_seconds: float | None = None) -> None:
    """Run the sender on `store` until stop_event is set; a failing turn is logged and the next one tried."""
    sender = Sender(store, settings)
    pause = settings.alert_poll_seconds if poll_seconds is None else poll_seconds
    log.info("alert sender started (every %.1f s)", pause)
    while not stop_event.is_set():
        try:
            sender.tick()
        except Exception:  # keep sending: one bad turn (database busy, a bug in a rule) must not stop the sender
            log.exception("alert sender turn failed; trying again in %.1f s", pause)
        stop_event.wait(timeout=pause)


__all__: list[Any] = ["Sender", "run_sender"]
