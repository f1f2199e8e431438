"""The usual values' one gateway to the store: observed presence, the reference tables, flagged days.

It returns rows (tuples, dicts) and writes the rows it is given; the model and the flags
decide what they are. Besides its own tables (reference, reference_days, reference_exclusions)
it reads the observations the model learns from and the newest accepted feed batch.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from typing import Any, Iterable, Iterator, Sequence

import sqlite_utils

from vigie.store import Store

COLUMNS = ("usual", "spread", "p10", "p90", "n")
DAY_COLUMNS = ("level", "basis", "newest", "oldest")


# -- observations ------------------------------------------------------------------------------
def presence_rows(store: Store, code: str, start: int, end: int) -> list[tuple[int, float]]:
    """(slot, present) of one sector in [start, end) where present is known, along the primary key."""
    return store.db.execute(
        "SELECT slot, present FROM observations WHERE sector_code = ? AND slot >= ? AND slot < ? "
        "AND present IS NOT NULL", [code, start, end]).fetchall()


def observed_span(store: Store) -> tuple[int | None, int | None]:
    """(first, newest) observed slot; (None, None) before the first observation."""
    first, last = store.db.execute("SELECT min(slot), max(slot) FROM observations").fetchone()
    return first, last


def newest_accepted_batch(store: Store) -> int:
    """The id of the newest accepted feed batch (0: none)."""
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM feed_batches WHERE status = 'accepted'"))


# -- materialised usual values -----------------------------------------------------------------
def replace_reference(store: Store, code: str, lo: int, hi: int, rows: list[tuple[Any, ...]]) -> None:
    """Replace one sector's reference rows of [lo, hi) in one transaction."""
    with store.write() as tx:
        tx.execute("DELETE FROM reference WHERE sector_code = ? AND slot >= ? AND slot < ?", [code, lo, hi])
        tx.conn.executemany("INSERT INTO reference VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def save_reference_days(store: Store, rows: list[tuple[Any, ...]]) -> None:
    """Write reference_days rows (sector, day, level, basis, newest, oldest), replacing those there."""
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO reference_days VALUES (?, ?, ?, ?, ?, ?)", rows)


def has_reference(store: Store, code: str, slot: int) -> bool:
    """Whether this sector has a reference row at this slot."""
    return bool(store.scalar("SELECT count(*) FROM reference WHERE sector_code = ? AND slot = ?", [code, slot]) > 0)


def reference_slots(store: Store, code: str, lo: int, hi: int) -> list[int]:
    """The slots of [lo, hi) where this sector has a reference row."""
    return [r[0] for r in store.db.execute("SELECT slot FROM reference WHERE sector_code = ? AND slot >= ? "
                                           "AND slot < ?", [code, lo, hi])]


def newest_reference_slot(store: Store) -> int | None:
    """The newest slot with a reference row (None: none)."""
    value = store.scalar("SELECT max(slot) FROM reference")
    return None if value is None else int(value)


def reference_rows(store: Store, slots: Sequence[int]) -> list[tuple[Any, ...]]:
    """(sector_code, slot, usual, spread, p10, p90, n) of the known sectors at these slots (by primary key)."""
    marks = ",".join("?" * len(slots))
    return store.db.execute(
        f"SELECT sector_code, slot, {', '.join(COLUMNS)} FROM reference "
        f"WHERE sector_code IN (SELECT code FROM sectors) AND slot IN ({marks})", list(slots)).fetchall()


def reference_day_rows(store: Store, days: Sequence[str]) -> list[tuple[Any, ...]]:
    """(sector_code, day, level, basis, newest, oldest) of the known sectors on these local days."""
    marks = ",".join("?" * len(days))
    return store.db.execute(
        f"SELECT sector_code, day, {', '.join(DAY_COLUMNS)} FROM reference_days "
        f"WHERE sector_code IN (SELECT code FROM sectors) AND day IN ({marks})", list(days)).fetchall()


# -- flagged days ----------------------------------------------------------------------------------
def exclusion_rows(store: Store, first: str = "0000-01-01", last: str = "9999-12-31") -> list[dict[str, Any]]:
    """Flagged sector-days (sector_code, day, reason) within [first, last], by day and sector."""
    return store.query("SELECT sector_code, day, reason FROM reference_exclusions "
                       "WHERE day BETWEEN ? AND ? ORDER BY day, sector_code", [first, last])


def flagged_columns(store: Store, first: date, last: date, codes: list[str]) -> dict[str, list[int]]:
    """Flagged sector columns (positions in `codes`) per local day within [first, last]."""
    col = {c: j for j, c in enumerate(codes)}
    out: dict[str, list[int]] = {}
    for row in store.query("SELECT sector_code, day FROM reference_exclusions WHERE day BETWEEN ? AND ?",
                           [first.isoformat(), last.isoformat()]):
        if row["sector_code"] in col:
            out.setdefault(row["day"], []).append(col[row["sector_code"]])
    return out


class ExclusionWrites:
    """The writes of one transaction on flagged days (see `exclusion_writes`)."""

    def __init__(self, tx: sqlite_utils.Database) -> None:
        self._tx = tx

    def add(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Flag (sector_code, day, reason) rows, replacing the reason of a day already flagged."""
        self._tx.conn.executemany("INSERT OR REPLACE INTO reference_exclusions VALUES (?, ?, ?)", list(rows))

    def remove(self, day: str, codes: Iterable[str] | None = None) -> int:
        """Unflag a day for these sectors (all when None); return the flags removed."""
        if codes is None:
            return int(self._tx.execute("DELETE FROM reference_exclusions WHERE day = ?", [day]).rowcount)
        return sum(int(self._tx.execute("DELETE FROM reference_exclusions WHERE day = ? AND sector_code = ?",
                                        [day, c]).rowcount) for c in codes)


@contextmanager
def exclusion_writes(store: Store) -> Iterator[ExclusionWrites]:
    """One write transaction on flagged days; what is recomputed inside it is kept or lost with them."""
    with store.write() as tx:
        yield ExclusionWrites(tx)
