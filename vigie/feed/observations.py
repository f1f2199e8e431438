"""Read helpers over stored observations, with Europe/Paris wall times."""
from __future__ import annotations

from typing import Any, Sequence

from vigie.slots import to_local
from vigie.store import Store

COLUMNS = ("present", "residents", "tourists_fr", "tourists_intl", "excursionists", "entries")


def observations_between(store: Store, start: int, end: int, sectors: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows of [start, end), by slot then sector, each with `local` (ISO 8601, Europe/Paris offset).

    Suppressed cells are None; apply vigie.privacy before anything leaves the server.
    """
    sql = ("SELECT sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, entries "
           "FROM observations WHERE slot >= ? AND slot < ?")
    params: list[Any] = [int(start), int(end)]
    if sectors:
        sql += f" AND sector_code IN ({', '.join('?' for _ in sectors)})"
        params += list(sectors)
    rows = store.query(sql + " ORDER BY slot, sector_code", params)
    local: dict[int, str] = {}
    for row in rows:
        slot = row["slot"]
        if slot not in local:
            local[slot] = to_local(slot).isoformat()
        row["local"] = local[slot]
    return rows


def latest_slot(store: Store) -> int | None:
    """Start of the newest stored slot (UTC epoch seconds)."""
    value = store.scalar("SELECT max(slot) FROM observations")
    return None if value is None else int(value)


def slot_totals(store: Store, start: int, end: int) -> list[dict[str, Any]]:
    """Département totals per slot of [start, end) with local times (NULL cells count as 0, see `sectors`)."""
    rows = store.query("SELECT slot, sum(present) AS present, count(present) AS sectors FROM observations "
                       "WHERE slot >= ? AND slot < ? GROUP BY slot ORDER BY slot", [int(start), int(end)])
    for row in rows:
        row["local"] = to_local(row["slot"]).isoformat()
    return rows
