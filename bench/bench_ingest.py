"""Ingestion speed from a CSV file of >= 500 000 simulated rows (budget >= 200 000 rows/s).

Usage: python bench/bench_ingest.py [--rows N] [--repeat N]
Each run ingests the file into a fresh database (one batch, one transaction); the
median run is reported, parse + validation + write included.
"""
from __future__ import annotations

import argparse
import tempfile

from _common import median, timed, write_result

from vigie.runtime.bootstrap import init_database
from vigie.config import load_settings
from vigie.feed.formats import observations_csv
from vigie.feed.ingest import ingest_bytes
from vigie.feed.simulator import Simulator
from vigie.slots import parse_instant

BUDGET = 200_000


def make_csv(rows: int) -> bytes:
    """At least `rows` simulated observation rows in the feed format."""
    sim = Simulator.from_settings(load_settings({"feed": "none"}, environ={}))
    start = parse_instant("2026-05-01T00:00:00+02:00")
    slots = -(-rows // len(sim.codes))
    return observations_csv(sim.generate(start, start + slots * 1800)).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = make_csv(args.rows)
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings({"data_dir": folder, "feed": "none", "max_upload_mb": len(data) // 1_000_000 + 1})
            store = init_database(settings)
            seconds, result = timed(lambda: ingest_bytes(store, data, "bench", settings, now=2_000_000_000))
            assert result.status == "accepted", result.report()
            runs.append((seconds, result.rows))
            store.close()
    seconds = median([s for s, _ in runs])
    rows = runs[0][1]
    rate = rows / seconds
    write_result("ingest_rows_per_second", rate, "rows/s", BUDGET, rate >= BUDGET,
                 {"rows": rows, "bytes": len(data), "median_seconds": round(seconds, 3),
                  "runs_seconds": [round(s, 3) for s, _ in runs]})


if __name__ == "__main__":
    main()
