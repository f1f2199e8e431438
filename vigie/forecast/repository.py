"""The forecast's one gateway to the store: observed presence and usual values over a grid, injection marks.

The forecast has no table of its own: it reads the observations, the materialised usual values
and the count of an exercise's injections (its cache key), and hands raw rows to data.py and live.py.
"""
from __future__ import annotations

from typing import Any

from vigie.store import Store


def presence_rows(store: Store, first: int, last: int) -> list[tuple[str, int, Any]]:
    """(sector_code, slot, present) of every observation in [first, last] where present is known."""
    return store.db.execute("SELECT sector_code, slot, present FROM observations WHERE slot BETWEEN ? AND ? "
                            "AND present IS NOT NULL", [first, last]).fetchall()


def usual_rows(store: Store, first: int, last: int) -> list[tuple[str, int, Any, Any]]:
    """(sector_code, slot, usual, spread) of every materialised usual value in [first, last] of the known
    sectors (through the primary key: a range on slot alone would scan the whole table)."""
    return store.db.execute("SELECT sector_code, slot, usual, spread FROM reference "
                            "WHERE sector_code IN (SELECT code FROM sectors) AND slot BETWEEN ? AND ?",
                            [first, last]).fetchall()


def newest_slot(store: Store, t: int) -> int | None:
    """Newest observed slot at or before t."""
    value = store.scalar("SELECT max(slot) FROM observations WHERE slot <= ?", [int(t)])
    return None if value is None else int(value)


def observed_after(store: Store, t: int) -> bool:
    """Whether any observation is of a slot after t (a replay: t is in the past of the data)."""
    return store.scalar("SELECT 1 FROM observations WHERE slot > ? LIMIT 1", [int(t)]) is not None


def injection_mark(store: Store, exercise_id: int) -> tuple[int, Any]:
    """(count, newest rowid) of an exercise's injections: it changes whenever one is added or removed."""
    count, newest = store.db.execute("SELECT count(*), max(rowid) FROM exercise_injections WHERE exercise_id = ?",
                                     [int(exercise_id)]).fetchone()
    return int(count), newest
