"""Forecast benchmarks on the shared one-year fixture: speed of a forecast, and the backtest.

* forecast_all_sectors_ms: every sector x 12 slots, made at each of the last REPEAT slots
  in turn as the application does once per new slot: on a copy of the fixture that stops at
  that slot (live, nothing is observed after the newest slot), the usual values of the 11
  slots already seen staying in memory. The cold figure (nothing in memory) and the replay
  figure (the same forecasts on the whole year, as an exercise clock or the backtest makes
  them: the usual values of the next local day are then recomputed from the observations up
  to the clock) are in the details. Budget 20 ms.
* forecast_backtest_*: the rolling-origin backtest over the fixture's year after its first
  seven weeks (the usual value needs three, the fit four), with injected surges: WAPE at
  +1 h and +2 h against the best of the usual value, last week and the last value (goal
  <= 0.8 of it), at +6 h (goal <= 1), the surge extra carried 1 h ahead (goal >= 0.5) and
  the worst coverage of the 80 % interval (goal 0.70-0.90). The full report goes to
  bench/results/tmp/forecast_backtest.json.

Run: python bench/bench_forecast.py [--repeat 48] [--days N] (N: backtest only the last N days)
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from pathlib import Path

from _common import RESULTS, write_result  # puts the repository on sys.path
from fixtures import ensure_year

from vigie.forecast import clear_cache, forecast_at, model_for
from vigie.forecast.model import ForecastModel
from vigie.forecast.backtest import BASELINES, BacktestReport, run_backtest
from vigie.store import Store

BUDGET_MS = 20.0
WARMUP_DAYS = 49


def live_copy(source: Store, path: Path, first: int) -> Store:
    """A copy of the fixture as it stood at slot `first`: no observation after it."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as target:
        source.db.conn.backup(target)
    store = Store(path)
    with store.write() as tx:
        tx.conn.execute("DELETE FROM observations WHERE slot > ?", [first])
    return store


def arrive(live: Store, source: Store, slot: int) -> None:
    """The observations of one new slot reach the live copy (their usual values are already stored)."""
    rows = source.db.execute("SELECT * FROM observations WHERE slot = ?", [slot]).fetchall()
    columns = [c[0] for c in source.db.execute("SELECT * FROM observations LIMIT 0").description]
    marks = ", ".join("?" for _ in columns)
    with live.write() as tx:
        tx.conn.executemany(f"INSERT INTO observations({', '.join(columns)}) VALUES ({marks})", rows)


def timed(store: Store, slot: int, model: ForecastModel) -> tuple[float, int]:
    """Milliseconds of one forecast of every sector at `slot`, and how many sectors it holds."""
    began = time.perf_counter()
    result = forecast_at(store, slot, model=model)
    return (time.perf_counter() - began) * 1000, len(result.sectors)


def bench_speed(store: Store, last: int, repeat: int) -> None:
    """Forecast at each of the last `repeat` slots in order: live (steady state), cold, and in a replay."""
    model = model_for(store, last, 20, 30)
    first = last - repeat * 1800
    cold = []
    for i in range(5):
        clear_cache()
        cold.append(timed(store, first - i * 7200, model)[0])
    clear_cache()
    timed(store, first, model)
    replay = [timed(store, slot, model)[0] for slot in range(first + 1800, last + 1, 1800)]
    live = live_copy(store, RESULTS / "tmp" / "forecast-live.db", first)
    try:
        clear_cache()
        timed(live, first, model)
        steady = []
        for slot in range(first + 1800, last + 1, 1800):
            arrive(live, store, slot)
            ms, sectors = timed(live, slot, model)
            steady.append(ms)
    finally:
        live.close()
        (RESULTS / "tmp" / "forecast-live.db").unlink(missing_ok=True)
    p50, p95 = statistics.median(steady), sorted(steady)[int(0.95 * (len(steady) - 1))]
    write_result("forecast_all_sectors_ms", p50, "ms", BUDGET_MS, p50 <= BUDGET_MS,
                 {"sectors": sectors, "points": 12, "runs": len(steady), "p95_ms": round(p95, 2),
                  "cold_median_ms": round(statistics.median(cold), 2), "cold_runs": len(cold),
                  "replay_median_ms": round(statistics.median(replay), 2),
                  "replay_p95_ms": round(sorted(replay)[int(0.95 * (len(replay) - 1))], 2)})


def _ratio(report: BacktestReport, minutes: int) -> tuple[float, dict[str, float | None]]:
    """Our WAPE over the best baseline's at this horizon, and the WAPEs."""
    i = report.horizons_minutes.index(minutes)
    wapes = {m: report.ordinary[m]["wape"][i] for m in report.ordinary}
    best = min(v for b in BASELINES if (v := wapes[b]) is not None)
    return (wapes["forecast"] or 0.0) / best, wapes


def bench_backtest(store: Store, first: int, last: int, days: int | None) -> None:
    """Run the backtest and write its verdicts."""
    start = first + WARMUP_DAYS * 86400 if days is None else last - days * 86400
    began = time.perf_counter()
    report = run_backtest(store, start, last - 6 * 3600)
    seconds = round(time.perf_counter() - began, 1)
    (RESULTS / "tmp").mkdir(parents=True, exist_ok=True)
    (RESULTS / "tmp" / "forecast_backtest.json").write_text(json.dumps(report.as_dict(), indent=2) + "\n")
    common = {"origins": report.origins, "surges": report.surges, "seconds": seconds,
              "from": start, "to": last - 6 * 3600, "half_lives_min": report.half_lives}
    for minutes, goal in ((60, 0.8), (120, 0.8), (360, 1.0)):
        ratio, wapes = _ratio(report, minutes)
        write_result(f"forecast_backtest_wape_{minutes}min_ratio", ratio, "x best baseline", goal, ratio <= goal,
                     {**common, "wape": wapes})
    carried = report.carried_1h or 0.0
    write_result("forecast_backtest_surge_carried_1h", carried, "share", 0.5, carried >= 0.5, common)
    coverage = [c for c in report.coverage if c is not None]
    worst = min(coverage, key=lambda c: abs(c - 0.8))
    write_result("forecast_backtest_coverage_80", worst, "share", 0.8, all(0.7 <= c <= 0.9 for c in coverage),
                 {**common, "coverage_per_horizon": report.coverage, "goal": "0.70-0.90 at every horizon"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=48)
    parser.add_argument("--days", type=int, default=None)
    args = parser.parse_args()
    fixture = ensure_year()
    store = Store(fixture.db_path, readonly=True)
    bench_speed(store, fixture.last_slot, args.repeat)
    bench_backtest(store, fixture.first_slot, fixture.last_slot, args.days)


if __name__ == "__main__":
    main()
