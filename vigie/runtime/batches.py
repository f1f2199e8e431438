"""After an accepted batch, whatever door it came through: its usual values, then the alert rules.

The doors are the API (`server/api/observations.py`), the CLI (`vigie ingest`), the drop folder
(`runtime.dropfolder`) and the simulated feed (`runtime.feed`); each calls `refresh_reference`
once a batch is stored.
"""
from __future__ import annotations

from vigie.alerts.evaluate import evaluate_after_batch
from vigie.config import Settings
from vigie.feed.ingest import IngestResult
from vigie.reference import mark_batches_refreshed, update_reference
from vigie.store import Store


def refresh_reference(store: Store, result: IngestResult, settings: Settings) -> int:
    """Recompute the usual values touched by an accepted batch (and the later slots that read it), then the alerts."""
    if result.status != "accepted" or result.first_slot is None or result.last_slot is None:
        return 0
    step = settings.slot_minutes * 60
    updated = update_reference(store, list(range(result.first_slot, result.last_slot + step, step)),
                               k=settings.privacy_k)
    mark_batches_refreshed(store, result.batch_id)
    evaluate_after_batch(store, settings, result.last_slot)  # alert rules, after every accepted batch, any door
    return updated
