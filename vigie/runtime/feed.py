"""The live feed: history on first start, then a new slot when its time comes.

`run_feed(settings, stop_event, store)` runs until stop_event is set, on a store its
caller has opened (`runtime.bootstrap.init_database` migrates it and loads the sectors,
the stations and the events file, once):
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
from typing import Callable

from vigie.config import Settings
from vigie.errors import VigieError
from vigie.feed.ingest import IngestResult, ingest_tables
from vigie.runtime.batches import refresh_reference
from vigie.runtime.dropfolder import scan_folder
from vigie.feed.simulator import Simulator, local_days
from vigie.slots import floor_slot, local_day_bounds, to_local
from vigie.store import Store

SOURCE = "simulator"
log = logging.getLogger("vigie.feed")


class FeedError(VigieError, RuntimeError):
    """The feed cannot run; the message says what to fix."""


def run_feed(settings: Settings, stop_event: threading.Event, store: Store,
             clock: Callable[[], float] = time.time, poll_seconds: float = 5.0) -> None:
    """Run the configured feed on `store` until stop_event is set."""
    kind = settings.feed
    if kind == "none":
        stop_event.wait()
        return
    if kind == "simulator":
        run_simulator(store, settings, stop_event, clock)
    elif kind.startswith("csv:"):
        run_drop_folder(store, Path(kind[4:]), settings, stop_event, poll_seconds)
    else:
        raise FeedError(f"unknown feed {kind!r}: use simulator, none or csv:DIR")



def run_simulator(store: Store, settings: Settings, stop_event: threading.Event,
                  clock: Callable[[], float] = time.time, simulator: Simulator | None = None) -> None:
    """Backfill, then publish each slot at its start until stopped."""
    sim = simulator or Simulator.from_settings(settings)
    step = settings.slot_minutes * 60
    while not stop_event.is_set():
        # Publish what is missing, then sleep to the next slot start. A long publish (history on first
        # start) that runs past a slot start is followed at once by that slot, not half an hour later.
        publish_until(store, sim, settings, clock())
        if floor_slot(clock(), step // 60) > int(store.scalar("SELECT max(slot) FROM observations") or 0):
            continue
        wait = floor_slot(clock(), step // 60) + step - clock()
        if stop_event.wait(timeout=max(0.0, wait) + 0.05):
            break


def publish_until(store: Store, sim: Simulator, settings: Settings, now: float) -> list[IngestResult]:
    """Publish every missing slot up to the current one (history on first start)."""
    step = settings.slot_minutes * 60
    current = floor_slot(now, step // 60)
    newest = store.scalar("SELECT max(slot) FROM observations")
    earliest = local_day_bounds(to_local(now).date() - timedelta(weeks=settings.history_weeks))[0]
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


def _refresh_references(store: Store, results: list[IngestResult], settings: Settings) -> None:
    """Usual values for what was just published: one rebuild after history, else per batch."""
    from vigie.reference import rebuild_reference

    if len(results) > 2:
        rebuild_reference(store, slot_minutes=settings.slot_minutes, k=settings.privacy_k)
        return
    for result in results:
        refresh_reference(store, result, settings)


def run_drop_folder(store: Store, folder: Path, settings: Settings, stop_event: threading.Event,
                    poll_seconds: float = 5.0) -> None:
    """Scan the drop folder every poll_seconds until stopped."""
    if not folder.is_dir():
        raise FeedError(f"drop folder {folder} does not exist: create it or fix VIGIE_FEED=csv:DIR")
    while not stop_event.is_set():
        for outcome in scan_folder(store, folder, settings):
            log.info("drop folder: %s %s -> %s", outcome.name, outcome.status, outcome.moved_to)
        stop_event.wait(timeout=poll_seconds)
