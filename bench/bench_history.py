"""First-start history of the simulator feed (8 weeks, budget <= 60 s) and one live slot (budget <= 2 ms).

Usage: python bench/bench_history.py [--weeks N]
History goes through the ingestion path (validation + one transaction per local day),
exactly as the feed worker does on first start.
"""
from __future__ import annotations

import argparse
import tempfile
import time

from _common import median, timed, write_result

from vigie.runtime.bootstrap import init_database
from vigie.config import load_settings
from vigie.feed.simulator import Simulator
from vigie.runtime.feed import publish_until
from vigie.slots import floor_slot

HISTORY_BUDGET = 60.0
SLOT_BUDGET_MS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    now = time.time()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"data_dir": folder, "feed": "simulator", "history_weeks": args.weeks})
        store = init_database(settings)
        sim = Simulator.from_settings(settings)
        seconds, batches = timed(lambda: publish_until(store, sim, settings, now))
        rows = store.scalar("SELECT count(*) FROM observations")
        store.close()
    write_result("history_generation_seconds", seconds, "s", HISTORY_BUDGET, seconds <= HISTORY_BUDGET,
                 {"weeks": args.weeks, "rows": rows, "batches": len(batches), "rows_per_second": round(rows / seconds)})
    fresh = Simulator.from_settings(settings)
    start = floor_slot(now) + 86_400 * 30
    times = [timed(lambda k=k: fresh.slot(start + 1800 * k))[0] * 1000 for k in range(500)]
    write_result("simulator_slot_ms", median(times), "ms", SLOT_BUDGET_MS, median(times) <= SLOT_BUDGET_MS,
                 {"sectors": len(fresh.codes), "p95_ms": round(sorted(times)[int(0.95 * len(times))], 3),
                  "first_call_ms": round(times[0], 3)})


if __name__ == "__main__":
    main()
