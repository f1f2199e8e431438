"""Feed health: fresh, amber after a missing slot, red when nothing covers the last hour; database errors."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vigie.config import Settings
from vigie.feed.health import freshness, status
from vigie.feed.ingest import ingest_bytes
from vigie.store import Store

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
SLOT = 1_784_052_000  # 2026-07-14T18:00:00Z


def test_levels(settings: Settings) -> None:
    assert freshness(None, SLOT, settings) == (None, None)
    assert freshness(SLOT, SLOT + 600, settings) == ("fresh", 600)
    assert freshness(SLOT, SLOT + 1800 + 1200, settings)[0] == "fresh"  # the next slot is not due yet
    assert freshness(SLOT, SLOT + 3600, settings) == ("amber", 3600)  # one slot missing
    assert freshness(SLOT, SLOT + 1800 + 3600, settings)[0] == "amber"  # exactly one hour uncovered
    assert freshness(SLOT, SLOT + 1800 + 3601, settings)[0] == "red"
    quick = replace(settings, stale_amber_slots=1, stale_red_minutes=10)
    assert freshness(SLOT, SLOT + 1800, quick)[0] == "amber" and freshness(SLOT, SLOT + 1800 + 601, quick)[0] == "red"


def test_status_follows_the_data(store: Store, settings: Settings) -> None:
    empty = status(store, settings, now=SLOT)
    assert (empty["database"], empty["feed"], empty["healthy"]) == ("ok", "none", True)
    ingest_bytes(store, f"{HEADER}\n13001,2026-07-14T18:00:00Z,1000,600,200,100,100,50\n".encode(), "op", settings, now=SLOT)
    fresh = status(store, settings, now=SLOT + 300)
    assert (fresh["feed"], fresh["level"], fresh["lag_seconds"], fresh["healthy"]) == ("ok", "fresh", 300, True)
    assert fresh["newest_slot_iso"] == "2026-07-14T18:00:00Z"
    assert fresh["sources"][0]["source"] == "op" and fresh["sources"][0]["level"] == "fresh"
    assert status(store, settings, now=SLOT + 3600)["feed"] == "stale"
    down = status(store, settings, now=SLOT + 4 * 3600)
    assert (down["feed"], down["level"], down["healthy"]) == ("down", "red", False)


def test_broken_database_is_reported(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database" * 100)
    report = status(Store(path), settings, now=SLOT)
    assert report["database"] == "error" and not report["healthy"] and report["database_error"]
