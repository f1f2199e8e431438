"""The ops room's one gateway to the store: stations, massifs and their access levels, flood vigilance.

It returns rows and writes the rows it is given; parsing, checks and decisions stay in the
other modules of the package.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

from vigie.store import Store

DEMO_KEY = "stations_demo"
OVERLAY_TABLES = (("massifs", "massif_levels"), ("floods", "flood_vigilance"))


@contextmanager
def one_transaction(store: Store) -> Iterator[None]:
    """Several writes (of this package and others) kept or lost together."""
    with store.write():
        yield


def has_events_table(store: Store) -> bool:
    """Whether the calendar's events table exists (a store without migrations has none)."""
    return "events" in store.db.table_names()


# -- stations --------------------------------------------------------------------------------------
def station_rows(store: Store, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """The stations table, these columns, by station id."""
    return store.db.execute(f"SELECT {', '.join(columns)} FROM stations ORDER BY station_id").fetchall()


def station_count(store: Store) -> int:
    """How many stations the table holds."""
    return int(store.scalar("SELECT count(*) FROM stations"))


def replace_stations(store: Store, columns: Sequence[str], rows: list[tuple[Any, ...]], *, demo: bool) -> None:
    """Replace the whole stations table and record whether it is the demonstration list, in one transaction."""
    marks = ",".join("?" * len(columns))
    with store.write() as tx:
        tx.execute("DELETE FROM stations")
        tx.conn.executemany(f"INSERT INTO stations ({', '.join(columns)}) VALUES ({marks})", rows)
        tx.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [DEMO_KEY, "1" if demo else "0"])


def stations_marked_demo(store: Store) -> bool:
    """Whether the stored list is recorded as the demonstration list (yes when never recorded)."""
    return store.get_meta(DEMO_KEY, "1") != "0"


# -- massifs and overlays ------------------------------------------------------------------------
def massif_count(store: Store) -> int:
    """How many massifs the table holds."""
    return int(store.scalar("SELECT count(*) FROM massifs"))


def save_massifs(store: Store, massifs: Iterable[tuple[str, str, str]]) -> None:
    """Create or update (massif_id, name, sectors) rows."""
    with store.write() as tx:
        tx.conn.executemany("INSERT INTO massifs(massif_id, name, sectors) VALUES (?, ?, ?) ON CONFLICT(massif_id) "
                            "DO UPDATE SET name = excluded.name, sectors = excluded.sectors", list(massifs))


def massif_rows(store: Store) -> list[dict[str, Any]]:
    """(massif_id, name, sectors) of every massif, by id."""
    return store.query("SELECT massif_id, name, sectors FROM massifs ORDER BY massif_id")


def massif_level_rows(store: Store, day: str) -> list[dict[str, Any]]:
    """(massif_id, level) published for that local day, by massif."""
    return store.query("SELECT massif_id, level FROM massif_levels WHERE day = ? ORDER BY massif_id", [day])


def flood_rows(store: Store, day: str) -> list[dict[str, Any]]:
    """(section_id, name, sectors, level) of the flood vigilance of that local day, by section."""
    return store.query("SELECT section_id, name, sectors, level FROM flood_vigilance WHERE day = ? "
                       "ORDER BY section_id", [day])


def upsert_records(store: Store, table: str, columns: Sequence[str], key: Sequence[str],
                   records: list[tuple[Any, ...]]) -> int:
    """Create or replace records of an overlay table in one transaction; return how many replaced a row."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    upsert = (f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
              f"ON CONFLICT({', '.join(key)}) DO UPDATE SET {updates}")
    exists = f"SELECT 1 FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in key)}"
    key_at = [columns.index(k) for k in key]
    with store.write() as tx:
        replaced = sum(1 for r in records if tx.execute(exists, [r[i] for i in key_at]).fetchone())
        tx.conn.executemany(upsert, records)
    return replaced


def overlay_day_spans(store: Store) -> dict[str, tuple[str | None, str | None]]:
    """First and last day held for each overlay (massifs, floods)."""
    out = {}
    for name, table in OVERLAY_TABLES:
        row = store.db.execute(f"SELECT min(day), max(day) FROM {table}").fetchone()
        out[name] = (row[0], row[1])
    return out
