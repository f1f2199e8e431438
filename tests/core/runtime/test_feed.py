"""The live feed: history on first start, backfill after a restart, a new slot on time, drop folder, stop."""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from vigie.config import Settings
from vigie.runtime.bootstrap import init_database
from vigie.feed.simulator import Simulator
from vigie.runtime.feed import FeedError, publish_until, run_feed
from vigie.slots import local_day_bounds, parse_instant, slot_range, to_local
from vigie.store import Store
from tests.factories import FEED_FIXTURES

NOW = parse_instant("2026-11-17T10:40:00+01:00")


def _wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_first_start_publishes_history_then_backfills(settings: Settings, sim: Simulator) -> None:
    config = replace(settings, history_weeks=1)
    store = init_database(config)
    publish_until(store, sim, config, NOW)
    first = local_day_bounds(to_local(NOW).date() - timedelta(weeks=1))[0]
    current = parse_instant("2026-11-17T10:30:00+01:00")
    slots = [r[0] for r in store.db.execute("SELECT DISTINCT slot FROM observations ORDER BY slot")]
    assert slots == list(slot_range(first, current + 1800))
    assert store.scalar("SELECT count(*) FROM observations") == len(slots) * 134
    days = [r[0] for r in store.db.execute("SELECT DISTINCT day FROM unique_visitors ORDER BY day")]
    assert days[0] == "2026-11-10" and days[-1] == "2026-11-17" and len(days) == 8
    stored = store.db.execute("SELECT present FROM observations WHERE sector_code = '13001' AND slot = ?", [current]).fetchone()[0]
    assert stored == int(sim.slot(current).present[0, sim.codes.index("13001")])
    publish_until(store, sim, config, NOW + 5 * 3600)
    assert store.scalar("SELECT max(slot) FROM observations") == current + 10 * 1800
    assert store.scalar("SELECT count(*) FROM observations") == (len(slots) + 10) * 134
    assert store.query("SELECT last_slot FROM feed_health WHERE source = 'simulator'")[0]["last_slot"] == current + 10 * 1800
    assert publish_until(store, sim, config, NOW + 5 * 3600) == []


def test_simulator_publishes_the_next_slot_on_time(settings: Settings, sim: Simulator) -> None:
    config = replace(settings, feed="simulator", history_weeks=0)
    store = init_database(config)
    boundary = parse_instant("2026-11-17T11:00:00+01:00")
    began = time.time()

    def clock() -> float:
        return boundary - 0.3 + (time.time() - began)

    stop = threading.Event()
    worker = threading.Thread(target=run_feed, args=(config, stop), kwargs={"store": Store(store.path), "clock": clock})
    worker.start()
    try:
        assert _wait_for(lambda: store.scalar("SELECT max(slot) FROM observations") == boundary)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert store.scalar("SELECT min(slot) FROM observations") == local_day_bounds(to_local(boundary).date())[0]
    assert store.scalar("SELECT count(*) FROM events") > 100, "the events file is loaded on start"


def test_drop_folder_feed_and_stop(settings: Settings, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    config = replace(settings, feed=f"csv:{drop}")
    store = init_database(config)
    stop = threading.Event()
    worker = threading.Thread(target=run_feed, args=(config, stop), kwargs={"store": Store(store.path), "poll_seconds": 0.05})
    worker.start()
    try:
        (drop / "batch.csv.part").write_bytes((FEED_FIXTURES / "valid.csv").read_bytes())
        (drop / "batch.csv.part").rename(drop / "batch.csv")
        assert _wait_for(lambda: (drop / "archive" / "batch.csv").exists())
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive() and store.scalar("SELECT count(*) FROM observations") == 3


def test_none_feed_waits_for_the_stop(settings: Settings) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=run_feed, args=(settings, stop, init_database(settings)))
    worker.start()
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive()


def test_missing_drop_folder_says_what_to_fix(settings: Settings, tmp_path: Path) -> None:
    config = replace(settings, feed=f"csv:{tmp_path / 'nowhere'}")
    with pytest.raises(FeedError, match="does not exist: create it"):
        run_feed(config, threading.Event(), store=init_database(config))
