"""Feed freshness: what /healthz and the UI banner say about the database and the data.

Definitions (slot = settings.slot_minutes):
* newest_slot: start of the newest observation slot in the database;
* lag_seconds: now - newest_slot (how old the newest slot is);
* level "amber" when the newest slot is `stale_amber_slots` or more slots behind the
  current slot (a slot is missing); "red" when nothing covers the last
  `stale_red_minutes` (now - end of the newest slot > stale_red_minutes); else "fresh";
* feed: ok (fresh) / stale (amber) / down (red) / none (no observation yet);
* healthy: the database answers and the feed is not down (/healthz answers 503 otherwise).
"""
from __future__ import annotations

import sqlite3
import time
from typing import Any

from vigie.config import Settings
from vigie.slots import floor_slot, iso_z
from vigie.store import Store, StoreError

FEED_BY_LEVEL = {"fresh": "ok", "amber": "stale", "red": "down"}


def freshness(newest_slot: int | None, now: float, settings: Settings) -> tuple[str | None, int | None]:
    """(level, lag_seconds) of the newest slot at `now`; (None, None) without data."""
    if newest_slot is None:
        return None, None
    step = settings.slot_minutes * 60
    behind = (floor_slot(now, step // 60) - newest_slot) // step
    uncovered = now - (newest_slot + step)
    if uncovered > settings.stale_red_minutes * 60:
        level = "red"
    elif behind >= settings.stale_amber_slots:
        level = "amber"
    else:
        level = "fresh"
    return level, max(0, int(now - newest_slot))


def sources(store: Store, now: float, settings: Settings) -> list[dict[str, Any]]:
    """Per feed source: last slot received, its lag and level, last error."""
    out = []
    for row in store.query("SELECT source, last_slot, last_received_at, last_error, updated_at FROM feed_health ORDER BY source"):
        level, lag = freshness(row["last_slot"], now, settings)
        out.append({**row, "lag_seconds": lag, "level": level,
                    "last_slot_iso": None if row["last_slot"] is None else iso_z(row["last_slot"])})
    return out


def status(store: Store, settings: Settings, now: float | None = None) -> dict[str, Any]:
    """Database and feed state for /healthz, the UI banner and `vigie feed status`."""
    now = time.time() if now is None else now
    report: dict[str, Any] = {"database": "ok", "database_error": None, "feed": "none", "newest_slot": None,
                              "newest_slot_iso": None, "lag_seconds": None, "level": None,
                              "source_setting": settings.feed, "sources": [], "checked_at": int(now)}
    try:
        newest = store.scalar("SELECT max(slot) FROM observations")
        report["sources"] = sources(store, now, settings)
    except (sqlite3.Error, StoreError) as exc:
        report.update(database="error", database_error=str(exc)[:300], healthy=False)
        return report
    level, lag = freshness(newest, now, settings)
    if newest is None and report["source_setting"] not in ("", "none"):
        level = "red"  # a feed is configured and nothing ever arrived: it is down, not quiet
    report.update(newest_slot=newest, newest_slot_iso=None if newest is None else iso_z(newest),
                  lag_seconds=lag, level=level, feed=FEED_BY_LEVEL.get(level or "", "none"))
    report["healthy"] = report["feed"] != "down"
    return report
