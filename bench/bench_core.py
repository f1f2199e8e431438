"""Benchmarks of the analytical core on one year x 134 sectors of 30-minute data.

Builds a temporary database (synthetic presence written with numpy straight into the
observations table), then measures: the reference rebuild and its incremental update,
situation_at, sector_series over 7 days, rank_sectors, and the allocation for the
demonstration stations x 134 sectors x 3 vehicle types. Each result is written to
bench/results/<name>.json as {"name", "value", "unit", "budget", "ok", "details"}.

Run: python bench/bench_core.py [--days 365] [--repeat 200]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import write_result  # puts the repository on sys.path

from vigie.operations.allocation import AllocationProblem, DemandSector, default_ratios_path, load_ratios
from vigie.runtime.bootstrap import init_database
from vigie.config import Settings, load_settings
from vigie.operations.crisis import rank_sectors
from vigie.reference import rebuild_reference, update_reference
from vigie.slots import local_day_bounds, to_local
from vigie.analysis.situation import sector_series, situation_at
from vigie.slots import parse_instant
from vigie.operations.stations import load_stations
from vigie.store import Store

STEP = 1800
END = parse_instant("2026-07-01T00:00:00+02:00")


def synthetic_presence(population: np.ndarray, slots: np.ndarray, seed: int = 13) -> np.ndarray:
    """Presence (slots x sectors): daily and weekly rhythm, summer swell, noise, a few surges."""
    rng = np.random.default_rng(seed)
    hours = ((slots + 7200) % 86400) / 3600.0
    weekday = ((slots // 86400) + 3) % 7
    season = 1 + 0.25 * np.cos((slots / 86400 - 196) / 365.25 * 2 * np.pi)
    daily = 0.85 + 0.15 * np.sin((hours - 9) / 24 * 2 * np.pi)
    weekly = np.where(weekday >= 5, 0.95, 1.0)
    scale = rng.uniform(0.6, 1.6, size=population.size)
    base = np.outer(daily * weekly * season, population * scale)
    noisy = base * rng.normal(1.0, 0.03, size=base.shape)
    surge_rows = rng.choice(len(slots), size=40, replace=False)
    noisy[surge_rows, rng.integers(0, population.size, size=40)] *= 2.5
    return np.maximum(noisy, 0).round().astype("int64")


def build_database(folder: Path, days: int) -> tuple[Settings, Store, float]:
    """Create and fill a database; return settings, store and the seconds it took."""
    began = time.perf_counter()
    settings = load_settings({"data_dir": str(folder), "feed": "none"}, environ={})
    store = init_database(settings)
    sectors = store.query("SELECT code, population FROM sectors ORDER BY code")
    slots = np.arange(END - days * 86400, END, STEP, dtype="int64")
    present = synthetic_presence(np.array([s["population"] for s in sectors], float), slots)
    slot_list = slots.tolist()
    with store.write() as tx:
        for j, sector in enumerate(sectors):
            column = present[:, j]
            residents = (column * 0.7).astype("int64")
            tourists = (column * 0.1).astype("int64")
            excursionists = column - residents - 2 * tourists
            tx.conn.executemany(
                "INSERT INTO observations VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                zip([sector["code"]] * len(slot_list), slot_list, column.tolist(), residents.tolist(),
                    tourists.tolist(), tourists.tolist(), excursionists.tolist(), (column // 20).tolist()))
    return settings, store, time.perf_counter() - began


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    """Milliseconds of each of `repeat` calls (after one warm-up call)."""
    call()
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1000)
    return out


def record(name: str, values: list[float] | float, unit: str, budget: float, **details: Any) -> dict[str, Any]:
    """Write bench/results/<name>.json (value = p95 for a list of timings) and return it."""
    if isinstance(values, list):
        p95 = float(np.percentile(values, 95))
        details = {"p50": round(float(np.percentile(values, 50)), 3), "p95": round(p95, 3),
                   "max": round(max(values), 3), "mean": round(statistics.fmean(values), 3), "runs": len(values),
                   **details}
        value = p95
    else:
        value = float(values)
    return write_result(name, value, unit, budget, value <= budget, details)


def allocation_sectors(store: Store) -> list[DemandSector]:
    """Every sector with an excess, as in a département-wide crisis."""
    rng = np.random.default_rng(0)
    rows = store.query("SELECT code, name, authority, lon, lat, population FROM sectors ORDER BY code")
    return [DemandSector(r["code"], r["name"], r["authority"], r["lon"], r["lat"], r["population"] + int(e),
                         r["population"], int(e), "red" if i % 4 == 0 else "none")
            for i, (r, e) in enumerate(zip(rows, rng.integers(3000, 40000, len(rows))))]


def main() -> None:
    """Build the data, run every measure, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory(prefix="vigie-bench-") as tmp:
        settings, store, build_seconds = build_database(Path(tmp), args.days)
        rows = store.scalar("SELECT count(*) FROM observations")
        print(f"database: {rows} observations built in {build_seconds:.1f} s")
        report = rebuild_reference(store)
        record("reference_rebuild", report.seconds, "s", 60.0, rows=report.rows, slots=report.slots,
               sectors=report.sectors, observations=rows)
        newest = END - STEP
        record("reference_update_slot", timed(lambda: update_reference(store, [newest]), 50), "ms", 50.0,
               note="incremental update after a live batch of one slot, 134 sectors (its day already materialised)")

        def first_of_day() -> Any:
            day_start = local_day_bounds(to_local(newest).date())[0]
            store.db.execute("DELETE FROM reference WHERE slot >= ?", [day_start])
            return update_reference(store, [newest])

        record("reference_update_day", timed(first_of_day, 3), "ms", 5000.0,
               note="the first batch of a local day materialises the whole day (48 slots x 134 sectors), once a day")
        codes = [r["code"] for r in store.query("SELECT code FROM sectors")]
        recent = np.arange(END - 60 * 86400, END, STEP)
        picks = iter(rng.choice(recent, size=10 * args.repeat + 10))
        record("situation_at", timed(lambda: situation_at(store, int(next(picks)), settings, now=END), args.repeat),
               "ms", 20.0, sectors=len(codes))
        def series() -> Any:
            end = int(next(picks))
            return sector_series(store, str(rng.choice(codes)), end - 7 * 86400, end, settings)

        record("sector_series_7d", timed(series, args.repeat), "ms", 10.0,
               note="core only; the 30 ms budget includes the figure built by the page")
        record("rank_sectors", timed(lambda: rank_sectors(store, int(next(picks)), settings, now=END), args.repeat),
               "ms", 20.0, hysteresis_slots=settings.crisis_hysteresis_slots)
        stations = load_stations(store, settings)
        sectors = allocation_sectors(store)
        ratios = load_ratios(default_ratios_path(settings.reference_dir))

        def solve() -> Any:
            return AllocationProblem(sectors, stations, ratios, target_minutes=settings.response_target_minutes,
                                     mutual_aid=settings.mutual_aid).solve()

        plan = solve()
        record("allocation", timed(solve, max(5, args.repeat // 20)), "ms", 1000.0, stations=len(stations),
               sectors=len(sectors), resources=3, moves=len(plan.moves), shortfalls=len(plan.shortfalls))
        store.close()


if __name__ == "__main__":
    main()
