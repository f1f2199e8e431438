"""Read helpers over stored observations, with Europe/Paris wall times."""
from __future__ import annotations

from typing import Any, Sequence

from vigie.feed import repository
from vigie.slots import to_local
from vigie.store import Store

COLUMNS = ("present", "residents", "tourists_fr", "tourists_intl", "excursionists", "entries")


def observations_between(store: Store, start: int, end: int, sectors: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows of [start, end), by slot then sector, each with `local` (ISO 8601, Europe/Paris offset).

    Suppressed cells are None; apply vigie.privacy before anything leaves the server.
    """
    rows = repository.observation_rows(store, start, end, sectors)
    local: dict[int, str] = {}
    for row in rows:
        slot = row["slot"]
        if slot not in local:
            local[slot] = to_local(slot).isoformat()
        row["local"] = local[slot]
    return rows


def latest_slot(store: Store) -> int | None:
    """Start of the newest stored slot (UTC epoch seconds)."""
    return repository.newest_slot(store)


def batch_version(store: Store) -> int:
    """The id of the newest feed batch (0: none): it changes with every batch, a correction of past slots too.

    The caches of what the data says (the shared situation, the forecast) key on it.
    """
    return repository.newest_batch(store)


def slot_totals(store: Store, start: int, end: int) -> list[dict[str, Any]]:
    """Département totals per slot of [start, end) with local times (NULL cells count as 0, see `sectors`)."""
    rows = repository.slot_total_rows(store, start, end)
    for row in rows:
        row["local"] = to_local(row["slot"]).isoformat()
    return rows
