"""The analysis package's one gateway to the store: observations, usual values beside them, unique visitors, zones.

It returns raw rows (tuples, dicts); the situation, the zone queries and the exports turn them
into figures under the privacy rule.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Sequence

import sqlite_utils

from vigie.store import Store


# -- observations ------------------------------------------------------------------------------
def observation_rows(store: Store, slots: Sequence[int]) -> list[tuple[Any, ...]]:
    """(sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, entries, batch_id)
    of every observation at `slots`."""
    marks = ",".join("?" * len(slots))
    return store.db.execute(
        "SELECT sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, entries, "
        f"batch_id FROM observations WHERE slot IN ({marks})", list(slots)).fetchall()


def newest_slot(store: Store, until: int | None = None) -> int | None:
    """Newest observed slot (at or before `until` when given), or None."""
    if until is None:
        value = store.scalar("SELECT max(slot) FROM observations")
    else:
        value = store.scalar("SELECT max(slot) FROM observations WHERE slot <= ?", [until])
    return None if value is None else int(value)


def series_rows(store: Store, code: str, start: int, end: int) -> list[tuple[Any, ...]]:
    """(slot, present, residents, tourists_fr, tourists_intl, excursionists, entries, usual, p10, p90,
    reference slot or None) of one sector in [start, end), by slot."""
    return store.db.execute(
        "SELECT o.slot, o.present, o.residents, o.tourists_fr, o.tourists_intl, o.excursionists, o.entries, "
        "r.usual, r.p10, r.p90, r.slot FROM observations o LEFT JOIN reference r "
        "ON r.sector_code = o.sector_code AND r.slot = o.slot "
        "WHERE o.sector_code = ? AND o.slot >= ? AND o.slot < ? ORDER BY o.slot", [code, start, end]).fetchall()


# -- zones ---------------------------------------------------------------------------------------
def zone_rows(store: Store, username: str | None, *, admin: bool) -> list[dict[str, Any]]:
    """Rows (id, name, created_by, created_at, updated_at, shared) of the zones `username` may see, by name.

    Shared zones and the user's own; every zone with admin; the shared ones only for username None.
    """
    where, params = "shared = 1 OR created_by = ? COLLATE NOCASE", [username]
    if admin:
        where, params = "1", []
    elif username is None:
        where, params = "shared = 1", []
    return store.query(f"SELECT id, name, created_by, created_at, updated_at, shared FROM zones WHERE {where} "
                       "ORDER BY name COLLATE NOCASE", params)


def zone_members(store: Store) -> dict[int, list[str]]:
    """Zone id -> its sector codes, sorted."""
    members: dict[int, list[str]] = {}
    for r in store.query("SELECT zone_id, sector_code FROM zone_sectors ORDER BY sector_code"):
        members.setdefault(r["zone_id"], []).append(r["sector_code"])
    return members


class ZoneWrites:
    """The writes of one transaction on zones (see `zone_writes`)."""

    def __init__(self, tx: sqlite_utils.Database) -> None:
        self._tx = tx

    def find(self, name: str) -> tuple[Any, ...] | None:
        """(id, name, created_by, shared) of the zone of that name in any case, if any."""
        row = self._tx.execute("SELECT id, name, created_by, shared FROM zones WHERE name = ? COLLATE NOCASE",
                               [name]).fetchone()
        return None if row is None else tuple(row)

    def rename(self, zone_id: int, name: str, shared: bool, now: int) -> None:
        """Give a zone its (new) name and visibility, and forget its sectors."""
        self._tx.execute("UPDATE zones SET name = ?, shared = ?, updated_at = ? WHERE id = ?",
                         [name, int(shared), now, zone_id])
        self._tx.execute("DELETE FROM zone_sectors WHERE zone_id = ?", [zone_id])

    def insert(self, name: str, username: str, shared: bool, now: int) -> int:
        """A new zone without sectors; return its id."""
        return int(self._tx.execute("INSERT INTO zones(name, created_by, created_at, updated_at, shared) "
                                    "VALUES (?, ?, ?, ?, ?)", [name, username, now, now, int(shared)]).lastrowid or 0)

    def add_sectors(self, zone_id: int, codes: Iterable[str]) -> None:
        """Add sectors to a zone."""
        self._tx.conn.executemany("INSERT INTO zone_sectors(zone_id, sector_code) VALUES (?, ?)",
                                  [(zone_id, c) for c in codes])

    def delete(self, zone_id: int) -> None:
        """Delete a zone (its sectors go with it)."""
        self._tx.execute("DELETE FROM zones WHERE id = ?", [zone_id])


@contextmanager
def zone_writes(store: Store) -> Iterator[ZoneWrites]:
    """One write transaction on zones: every change in it is kept or lost together."""
    with store.write() as tx:
        yield ZoneWrites(tx)


# -- zone queries ----------------------------------------------------------------------------------
_FULL = "min(present, residents, tourists_fr, tourists_intl, excursionists) >= :k"  # NULL when any is NULL
_AGG_SQL = (
    "SELECT {key}, count(*), coalesce(sum(CASE WHEN present >= :k THEN present END), 0), "
    "sum(CASE WHEN present >= :k THEN 0 ELSE 1 END), coalesce(max(CASE WHEN present >= :k THEN present END), 0), "
    "coalesce(sum(CASE WHEN entries >= :k THEN entries END), 0), sum(CASE WHEN entries >= :k THEN 0 ELSE 1 END){extra} "
    "FROM observations WHERE sector_code IN ({marks}) AND slot >= :start AND slot < :end GROUP BY {key}"
)
_SEGMENT_SUMS = (
    f", coalesce(sum(CASE WHEN {_FULL} THEN residents END), 0), coalesce(sum(CASE WHEN {_FULL} THEN tourists_fr END), 0), "
    f"coalesce(sum(CASE WHEN {_FULL} THEN tourists_intl END), 0), "
    f"coalesce(sum(CASE WHEN {_FULL} THEN excursionists END), 0), sum(CASE WHEN {_FULL} THEN 1 ELSE 0 END)"
)


def _params(codes: Sequence[str], start: int, end: int, k: int) -> tuple[str, dict[str, Any]]:
    """Named placeholders for the member codes, and every parameter of the aggregate queries."""
    params: dict[str, Any] = {f"c{i}": c for i, c in enumerate(codes)}
    params.update(k=k, start=start, end=end)
    return ",".join(f":c{i}" for i in range(len(codes))), params


def published_sums(store: Store, codes: Sequence[str], start: int, end: int, k: int,
                   by_sector: bool) -> list[tuple[Any, ...]]:
    """Sums over the published cells of [start, end), one row per slot or, with by_sector, per sector.

    Each row: key, cells seen, present, present withheld, present max, entries, entries withheld,
    and per sector the four segment sums and the number of cells whose segments are all published.
    """
    marks, params = _params(codes, start, end, k)
    key, extra = ("sector_code", _SEGMENT_SUMS) if by_sector else ("slot", "")
    return store.db.execute(_AGG_SQL.format(key=key, marks=marks, extra=extra), params).fetchall()


def unique_visitor_cells(store: Store, codes: Sequence[str], first: str, last: str) -> list[tuple[str, str, int | None]]:
    """(sector_code, day, unique_visitors) of the zone's sectors from day `first` to day `last`."""
    marks = ",".join("?" * len(codes))
    return store.db.execute(
        f"SELECT sector_code, day, unique_visitors FROM unique_visitors WHERE sector_code IN ({marks}) "
        "AND day >= ? AND day <= ?", [*codes, first, last]).fetchall()


def holds_zone_data(store: Store, codes: Sequence[str], start: int, end: int, first: str, last: str) -> bool:
    """True when the store holds any observation of the sectors in [start, end) or unique visitors from first to last."""
    marks, params = _params(codes, start, end, 0)
    params.update(first=first, last=last)
    return bool(store.scalar(
        f"SELECT EXISTS(SELECT 1 FROM observations WHERE sector_code IN ({marks}) AND slot >= :start AND slot < :end) "
        f"OR EXISTS(SELECT 1 FROM unique_visitors WHERE sector_code IN ({marks}) AND day BETWEEN :first AND :last)",
        params))
