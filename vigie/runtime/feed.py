"""The live feed: history on first start, then a new slot when its time comes.

`run_feed(settings, stop_event)` runs until stop_event is set:
* `simulator`: on first start (no observation yet) publishes `history_weeks` weeks of
  history from local midnight, up to the current slot, one local day per batch, through
  the same validation and write as every other batch (`ingest_tables`). Then it publishes
  each slot at its start. After a restart it backfills the gap (at most `history_weeks`).
  Daily unique visitors are published for every day, today's "so far".
* `csv:DIR`: scans the drop folder every `poll_seconds`.
* `none`: waits for the stop.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Mapping

from vigie.calendar.events import default_events_path, read_events, sync_events
from vigie.runtime.dropfolder import scan_folder
from vigie.feed.ingest import IngestResult, ingest_tables, known_sectors, refresh_reference
from vigie.feed.simulator import Simulator, local_days
from vigie.slots import floor_slot, local_day_bounds, to_local
from vigie.store import Store

SOURCE = "simulator"
log = logging.getLogger("vigie.feed")


class FeedError(RuntimeError):
    """The feed cannot run; the message says what to fix."""


def run_feed(settings: Mapping[str, Any], stop_event: threading.Event, store: Store | None = None,
             clock: Callable[[], float] = time.time, poll_seconds: float = 5.0) -> None:
    """Run the configured feed until stop_event is set."""
    kind = str(settings.get("feed", "none"))
    if kind == "none":
        stop_event.wait()
        return
    if store is None:
        from vigie.runtime.bootstrap import init_database

        store = init_database(settings)  # type: ignore[arg-type]
    load_event_file(store, settings)
    if kind == "simulator":
        run_simulator(store, settings, stop_event, clock)
    elif kind.startswith("csv:"):
        run_drop_folder(store, Path(kind[4:]), settings, stop_event, poll_seconds)
    else:
        raise FeedError(f"unknown feed {kind!r}: use simulator, none or csv:DIR")


def load_event_file(store: Store, settings: Mapping[str, Any]) -> None:
    """Load the département's events file into the events table and leave their days out of usual values."""
    from vigie.reference import flag_events

    path = default_events_path(str(settings.get("dept", "13")))
    if path.exists():
        events = read_events(path, known_sectors(store))
        sync_events(store, events)
        flag_events(store, events, recompute=bool(store.scalar("SELECT 1 FROM reference LIMIT 1")))


def run_simulator(store: Store, settings: Mapping[str, Any], stop_event: threading.Event,
                  clock: Callable[[], float] = time.time, simulator: Simulator | None = None) -> None:
    """Backfill, then publish each slot at its start until stopped."""
    sim = simulator or Simulator.from_settings(settings)
    step = int(settings.get("slot_minutes", 30)) * 60
    while not stop_event.is_set():
        # Publish what is missing, then sleep to the next slot start. A long publish (history on first
        # start) that runs past a slot start is followed at once by that slot, not half an hour later.
        publish_until(store, sim, settings, clock())
        if floor_slot(clock(), step // 60) > int(store.scalar("SELECT max(slot) FROM observations") or 0):
            continue
        wait = floor_slot(clock(), step // 60) + step - clock()
        if stop_event.wait(timeout=max(0.0, wait) + 0.05):
            break


def publish_until(store: Store, sim: Simulator, settings: Mapping[str, Any], now: float) -> list[IngestResult]:
    """Publish every missing slot up to the current one (history on first start)."""
    step = int(settings.get("slot_minutes", 30)) * 60
    current = floor_slot(now, step // 60)
    newest = store.scalar("SELECT max(slot) FROM observations")
    earliest = local_day_bounds(to_local(now).date() - timedelta(weeks=int(settings.get("history_weeks", 8))))[0]
    start = earliest if newest is None else max(int(newest) + step, earliest)
    results = []
    for day in local_days(start, current + step) if start <= current else []:
        lo, hi = local_day_bounds(day)
        lo, hi = max(lo, start), min(hi, current + step)
        frame = sim.frame(lo, hi)
        visitors = sim.daily_visitors(day, until=current + step)
        result = ingest_tables(store, SOURCE, settings, frame.to_table(), visitors, now=now)
        if not result.ok:
            raise FeedError("the simulator produced a batch the validation refused: "
                            + "; ".join(p.describe("en") for p in result.problems[:3]))
        results.append(result)
    _refresh_references(store, results, settings)
    if results:
        log.info("simulator published %d batch(es) up to slot %d", len(results), current)
    return results


def _refresh_references(store: Store, results: list[IngestResult], settings: Mapping[str, Any]) -> None:
    """Usual values for what was just published: one rebuild after history, else per batch."""
    from vigie.reference import rebuild_reference

    if len(results) > 2:
        rebuild_reference(store, slot_minutes=int(settings.get("slot_minutes", 30)),
                          k=int(settings.get("privacy_k", 20)))
        return
    for result in results:
        refresh_reference(store, result, settings)


def run_drop_folder(store: Store, folder: Path, settings: Mapping[str, Any], stop_event: threading.Event,
                    poll_seconds: float = 5.0) -> None:
    """Scan the drop folder every poll_seconds until stopped."""
    if not folder.is_dir():
        raise FeedError(f"drop folder {folder} does not exist: create it or fix VIGIE_FEED=csv:DIR")
    while not stop_event.is_set():
        for outcome in scan_folder(store, folder, settings):
            log.info("drop folder: %s %s -> %s", outcome.name, outcome.status, outcome.moved_to)
        stop_event.wait(timeout=poll_seconds)
