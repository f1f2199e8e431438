"""The calendar's one gateway to the store: the events table (file events and operators' events).

It runs the statements; events.py builds the rows and decides which to keep.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import sqlite_utils

from vigie.store import Store

_UPSERT = (
    'INSERT INTO events(event_id, name, sectors, start, "end", expected_attendance, category, source, '
    "origin, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    'ON CONFLICT(event_id) DO UPDATE SET name = excluded.name, sectors = excluded.sectors, start = excluded.start, '
    '"end" = excluded."end", expected_attendance = excluded.expected_attendance, category = excluded.category, '
    "source = excluded.source, origin = excluded.origin, created_by = excluded.created_by, updated_at = excluded.updated_at"
)


class EventWrites:
    """The statements of one transaction on events (see `event_writes`)."""

    def __init__(self, tx: sqlite_utils.Database) -> None:
        self._tx = tx

    def ids(self, origin: str) -> list[str]:
        """Ids of the stored events of one origin ('file' or 'user')."""
        return [r[0] for r in self._tx.execute("SELECT event_id FROM events WHERE origin = ?", [origin])]

    def upsert(self, rows: Sequence[Sequence[Any]]) -> None:
        """Create or replace events: (event_id, name, sectors, start, end, expected_attendance, category,
        source, origin, created_by, updated_at) rows."""
        self._tx.conn.executemany(_UPSERT, rows)

    def delete_file_events(self, ids: Sequence[str]) -> None:
        """Delete these events when they came from the file."""
        self._tx.conn.executemany("DELETE FROM events WHERE event_id = ? AND origin = 'file'", [[i] for i in ids])

    def delete(self, event_id: str) -> bool:
        """Delete an event; True when it existed."""
        return bool(self._tx.execute("DELETE FROM events WHERE event_id = ?", [event_id]).rowcount > 0)


@contextmanager
def event_writes(store: Store) -> Iterator[EventWrites]:
    """One write transaction on events."""
    with store.write() as tx:
        yield EventWrites(tx)


def event_rows(store: Store, start: int | None = None, end: int | None = None) -> list[tuple[Any, ...]]:
    """(event_id, name, sectors, start, end, expected_attendance, category, source, origin, created_by) of the
    events (those intersecting [start, end) when both are given), by start."""
    sql = 'SELECT event_id, name, sectors, start, "end", expected_attendance, category, source, origin, created_by FROM events'
    params: list[int] = []
    if start is not None and end is not None:
        sql += ' WHERE start < ? AND "end" > ?'
        params = [end, start]
    return store.db.execute(sql + " ORDER BY start, event_id", params).fetchall()
