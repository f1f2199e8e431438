"""The feed's one gateway to the store: batches, observations, unique visitors, the health of each source.

Ingestion decides (validation, what changed); this module runs the statements. A batch is
written inside `batch_writes`: one transaction, all of it or none of it.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

import sqlite_utils

from vigie.store import Store

_UPSERT_OBSERVATION = (
    "INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, "
    "entries, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sector_code, slot) DO UPDATE SET "
    "present = excluded.present, residents = excluded.residents, tourists_fr = excluded.tourists_fr, "
    "tourists_intl = excluded.tourists_intl, excursionists = excluded.excursionists, entries = excluded.entries, "
    "batch_id = excluded.batch_id"
)
_INSERT_OBSERVATION = (
    "INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, "
    "entries, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {batch_id})"
)
_UPSERT_VISITORS = (
    "INSERT INTO unique_visitors(sector_code, day, unique_visitors, batch_id) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(sector_code, day) DO UPDATE SET unique_visitors = excluded.unique_visitors, batch_id = excluded.batch_id"
)


# -- writing a batch ---------------------------------------------------------------------------
class BatchWrites:
    """The statements of one batch's transaction (see `batch_writes`)."""

    def __init__(self, tx: sqlite_utils.Database) -> None:
        self._tx = tx

    def insert_batch(self, source: str, digest: str, now: float, rows: int, status: str, errors: str = "[]") -> int:
        """The feed_batches row of a batch; return its id."""
        cursor = self._tx.execute("INSERT INTO feed_batches(source, sha256, received_at, rows, status, errors) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", [source, digest, int(now), rows, status, errors])
        return int(cursor.lastrowid or 0)

    def touch_health(self, source: str, last_slot: int | None, now: float, error: str | None) -> None:
        """Upsert feed_health: newest slot (never moves back), received time (kept on an error), last error."""
        received = int(now) if error is None else None
        self._tx.execute(
            "INSERT INTO feed_health(source, last_slot, last_received_at, last_error, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET "
            "last_slot = CASE WHEN excluded.last_slot IS NULL THEN feed_health.last_slot "
            "                 ELSE max(coalesce(feed_health.last_slot, excluded.last_slot), excluded.last_slot) END, "
            "last_received_at = coalesce(excluded.last_received_at, feed_health.last_received_at), "
            "last_error = excluded.last_error, updated_at = excluded.updated_at",
            [source, last_slot, received, error, int(now)],
        )

    def stored_observations(self, first: int, last: int) -> dict[tuple[Any, Any], tuple[Any, ...]]:
        """(sector_code, slot) -> (present, residents, tourists_fr, tourists_intl, excursionists, entries) in [first, last]."""
        return {(r[0], r[1]): tuple(r[2:]) for r in self._tx.execute(
            "SELECT sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, entries "
            "FROM observations WHERE slot BETWEEN ? AND ?", [first, last])}

    def insert_observations(self, rows: Iterable[tuple[Any, ...]], batch_id: int) -> None:
        """Stream new observation rows (without their batch id, inlined) into the table."""
        self._tx.conn.executemany(_INSERT_OBSERVATION.format(batch_id=int(batch_id)), rows)

    def upsert_observations(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Create or replace observation rows (ending with their batch id)."""
        self._tx.conn.executemany(_UPSERT_OBSERVATION, rows)

    def stored_visitors(self, first: str, last: str) -> dict[tuple[Any, Any], tuple[Any, ...]]:
        """(sector_code, day) -> (unique_visitors,) for the days [first, last]."""
        return {(r[0], r[1]): (r[2],) for r in self._tx.execute(
            "SELECT sector_code, day, unique_visitors FROM unique_visitors WHERE day BETWEEN ? AND ?", [first, last])}

    def upsert_visitors(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Create or replace unique-visitor rows (ending with their batch id)."""
        self._tx.conn.executemany(_UPSERT_VISITORS, rows)


@contextmanager
def batch_writes(store: Store, *, skip_foreign_keys: bool = False) -> Iterator[BatchWrites]:
    """One write transaction for a batch; skip_foreign_keys for a batch whose sectors were just checked.

    Sector codes are validated against the sectors table inside the same transaction and
    batch_id is the batch row written first, so the checks are redundant; they cost about
    a third of the insert time. The pragma is a no-op inside an open transaction.
    """
    conn = store.db.conn
    if not skip_foreign_keys or conn.in_transaction:
        with store.write() as tx:
            yield BatchWrites(tx)
        return
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with store.write() as tx:
            yield BatchWrites(tx)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def accepted_batch(store: Store, digest: str) -> int | None:
    """The id of the first accepted batch with this sha256, if any."""
    return store.scalar("SELECT id FROM feed_batches WHERE sha256 = ? AND status = 'accepted' ORDER BY id LIMIT 1",
                        [digest])


def newest_batch(store: Store) -> int:
    """The id of the newest feed batch, accepted or not (0: none)."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM feed_batches"))


def batch_rows(store: Store, batch_id: int) -> int:
    """How many rows a stored batch had (0 when unknown)."""
    return int(store.scalar("SELECT rows FROM feed_batches WHERE id = ?", [batch_id]) or 0)


# -- reading -----------------------------------------------------------------------------------------
def health_rows(store: Store) -> list[dict[str, Any]]:
    """feed_health rows (source, last_slot, last_received_at, last_error, updated_at), by source."""
    return store.query("SELECT source, last_slot, last_received_at, last_error, updated_at FROM feed_health "
                       "ORDER BY source")


def newest_slot(store: Store) -> int | None:
    """Start of the newest stored slot (UTC epoch seconds), or None."""
    value = store.scalar("SELECT max(slot) FROM observations")
    return None if value is None else int(value)


def observation_rows(store: Store, start: int, end: int, sectors: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Observation rows of [start, end) (of these sectors when given), by slot then sector."""
    sql = ("SELECT sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, entries "
           "FROM observations WHERE slot >= ? AND slot < ?")
    params: list[Any] = [int(start), int(end)]
    if sectors:
        sql += f" AND sector_code IN ({', '.join('?' for _ in sectors)})"
        params += list(sectors)
    return store.query(sql + " ORDER BY slot, sector_code", params)


def slot_total_rows(store: Store, start: int, end: int) -> list[dict[str, Any]]:
    """(slot, present summed, sectors counted) per slot of [start, end)."""
    return store.query("SELECT slot, sum(present) AS present, count(present) AS sectors FROM observations "
                       "WHERE slot >= ? AND slot < ? GROUP BY slot ORDER BY slot", [int(start), int(end)])
