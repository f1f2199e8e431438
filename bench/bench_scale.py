"""Scale run: how Vigie's core behaves from 134 sectors to all of France (~35 000 communes).

For each size (134 for a baseline, then 1 000, 5 000, 35 000 sectors by default) a synthetic catalogue is written
under bench/results/tmp/scale-N/: square cells on a grid over mainland France, each drawn
with ~37 vertices rounded to 5 decimals (the density of the real commune outlines),
INSEE-like codes (département + 3 digits) and log-normal populations. Its database gets
--days days of 30-minute presence for every sector, plus the same weekday and time 1..6
weeks earlier for the last LAGGED_SLOTS slots, so the slots measured have a usual value.
Presence is synthetic (numpy): the simulator's gravity matrices are sectors x sectors.

Measured per size: catalogue load, situation_at, rank_sectors, the map hideout (build
time, raw and gzipped bytes), the served GeoJSON (raw and gzipped), the reference rebuild
of the last --days days (time and peak memory), the incremental reference update of one
slot and the ingestion of one slot from CSV.
Each measure is a finding (budget null) written as bench/results/scale_<measure>.json,
the value at the largest size, every size in details; scale_first_break says which
134-sector budget fails first and at what size.

Run: python bench/bench_scale.py [--sizes 134 1000 5000 35000] [--days 2]
"""
from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
from fixtures import TMP, write_finding

from vigie.runtime.bootstrap import load_sectors
from vigie.config import Settings, load_settings
from vigie.operations.crisis import rank_sectors
from vigie.feed.formats import ObservationTable, observations_csv
from vigie.feed.ingest import ingest_bytes
from vigie.reference import rebuild_reference, update_reference
from vigie.sectors import Catalogue, load_catalogue
from vigie.analysis.situation import situation_at
from vigie.slots import floor_slot
from vigie.store import Store

STEP = 1800
LAGGED_SLOTS = 8
SIZES = (134, 1000, 5000, 35000)
FRANCE = (-4.8, 42.3, 8.2, 51.1)  # lon/lat box of mainland France
VERTICES_PER_SIDE = 9
# The 134-sector budgets each measure is compared with (DESIGN.md "Performance budgets").
# Ingestion is left out: its budget (200 000 rows/s) is for bulk files, not one slot.
BUDGETS = {"situation_at_ms": 20.0, "rank_sectors_ms": 20.0, "hideout_gz_bytes": 5000.0,
           "map_hideout_ms": 20.0, "reference_update_slot_ms": 50.0, "reference_rebuild_s": 60.0}
HIGHER_IS_BETTER: set[str] = set()


# -- the synthetic catalogue ---------------------------------------------------------------
def insee_codes(n: int) -> list[str]:
    """n distinct INSEE-like codes: département (01..95) + commune number (001..)."""
    per_dept = -(-n // 95)
    return [f"{d:02d}{c:03d}" for d in range(1, 96) for c in range(1, per_dept + 1)][:n]


def cell_ring(lon: float, lat: float, width: float, height: float) -> list[list[float]]:
    """A square cell drawn with VERTICES_PER_SIDE points per side, closed, 5 decimals."""
    steps = np.linspace(0, 1, VERTICES_PER_SIDE, endpoint=False)
    sides = [(lon + width * s, lat) for s in steps] + [(lon + width, lat + height * s) for s in steps]
    sides += [(lon + width * (1 - s), lat + height) for s in steps] + [(lon, lat + height * (1 - s)) for s in steps]
    ring = [[round(x, 5), round(y, 5)] for x, y in sides]
    return ring + [ring[0]]


def synthetic_geojson(n: int, seed: int = 35) -> dict[str, Any]:
    """A FeatureCollection of n square sectors on a grid over France, with the catalogue properties."""
    rng = np.random.default_rng(seed)
    west, south, east, north = FRANCE
    columns = int(np.ceil(np.sqrt(n * (east - west) / (north - south))))
    rows = int(np.ceil(n / columns))
    width, height = (east - west) / columns, (north - south) / rows
    populations = np.maximum(20, rng.lognormal(6.3, 1.4, n)).astype(int)
    area = width * 78.0 * height * 111.0  # km² at ~45°N
    features = []
    for i, code in enumerate(insee_codes(n)):
        lon, lat = west + (i % columns) * width, south + (i // columns) * height
        features.append({"type": "Feature", "id": code, "geometry": {
            "type": "Polygon", "coordinates": [cell_ring(lon, lat, width, height)]}, "properties": {
            "code": code, "name": f"Commune {code}", "population": int(populations[i]), "area_km2": round(area, 2),
            "centroid": [round(lon + width / 2, 5), round(lat + height / 2, 5)], "authority": f"SDIS{code[:2]}"}})
    return {"type": "FeatureCollection", "features": features}


# -- the database -------------------------------------------------------------------------------
def presence(population: np.ndarray, slots: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Presence (slots x sectors): a daily rhythm, a per-sector scale, noise."""
    hours = ((slots + 3600) % 86400) / 3600.0
    daily = 0.85 + 0.15 * np.sin((hours - 9) / 24 * 2 * np.pi)
    base = np.outer(daily, population * rng.uniform(0.6, 1.6, size=population.size))
    return np.maximum(base * rng.normal(1.0, 0.03, size=base.shape), 0).round().astype("int64")


def observation_slots(last: int, days: int) -> np.ndarray:
    """All slots of the last `days` days, plus the weekly lags of the last LAGGED_SLOTS slots."""
    recent = np.arange(last - days * 86400 + STEP, last + STEP, STEP, dtype="int64")
    tail = recent[-LAGGED_SLOTS:]
    lagged = np.concatenate([tail - week * 7 * 86400 for week in range(1, 7)])
    return np.unique(np.concatenate([recent, lagged]))


def write_observations(store: Store, codes: list[str], present: np.ndarray, slots: np.ndarray) -> None:
    """Insert the matrix sector by sector (primary-key order), one transaction."""
    slot_list = slots.tolist()
    with store.write() as tx:
        for j, code in enumerate(codes):
            column = present[:, j]
            residents = (column * 0.7).astype("int64")
            tourists = (column * 0.1).astype("int64")
            rest = column - residents - 2 * tourists
            tx.conn.executemany("INSERT INTO observations VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)", zip(
                [code] * len(slot_list), slot_list, column.tolist(), residents.tolist(), tourists.tolist(),
                tourists.tolist(), rest.tolist(), (column // 20).tolist()))


def build(n: int, days: int, last: int) -> tuple[Path, Catalogue, Store, Settings, dict[str, float]]:
    """Write the catalogue and its database in a fresh folder; return them and the build times."""
    folder = TMP / f"scale-{n}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    geo_path = folder / "sectors.geojson"
    geo_path.write_text(json.dumps(synthetic_geojson(n), separators=(",", ":")), encoding="utf-8")
    times: dict[str, float] = {}
    began = time.perf_counter()
    catalogue = load_catalogue(geo_path)
    times["catalogue_load_s"] = time.perf_counter() - began
    settings = load_settings({"data_dir": str(folder), "feed": "none"}, environ={})
    store = Store(settings.db_path)
    store.migrate()
    began = time.perf_counter()
    load_sectors(store, catalogue)
    times["load_sectors_s"] = time.perf_counter() - began
    slots = observation_slots(last, days)
    codes = list(catalogue.codes)
    population = np.array([catalogue.get(c).population for c in codes], float)
    began = time.perf_counter()
    write_observations(store, codes, presence(population, slots, np.random.default_rng(n)), slots)
    times["write_observations_s"] = time.perf_counter() - began
    times["observations"] = float(len(slots) * n)
    return folder, catalogue, store, settings, times


# -- measures -------------------------------------------------------------------------------------
def repeat_ms(call: Callable[[], Any], budget_s: float = 6.0, most: int = 20) -> tuple[float, int]:
    """Median milliseconds of repeated calls (after a warm-up), within about budget_s seconds."""
    began = time.perf_counter()
    call()
    first = time.perf_counter() - began
    runs = max(3, min(most, int(budget_s / max(first, 1e-3))))
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), runs


def gz_sizes(value: Any) -> tuple[int, int]:
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return len(raw), len(gzip.compress(raw, 6))


def rss_mb() -> float:
    """Peak resident memory of this process (since the last reset), in MB."""
    fields = dict(line.split(":", 1) for line in open("/proc/self/status", encoding="ascii"))
    return int(fields["VmHWM"].split()[0]) / 1024


def reset_peak_rss() -> None:
    """Start a new peak-memory window (Linux: 5 > /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
        handle.write("5")


def measure_size(n: int, days: int) -> dict[str, Any]:
    """Build the database of n sectors and take every measure."""
    from callbacks.situation import map_hideout
    from server.geo import slim_geojson

    last = floor_slot(time.time() - 86400)
    print(f"scale: {n} sectors ...", flush=True)
    folder, catalogue, store, settings, out = build(n, days, last)
    reset_peak_rss()
    began = time.perf_counter()
    report = rebuild_reference(store, start=last - days * 86400 + STEP)
    out["reference_rebuild_s"] = time.perf_counter() - began
    out["reference_rebuild_peak_rss_mb"] = rss_mb()
    out["reference_rows"] = float(report.rows)
    out["situation_at_ms"], runs = repeat_ms(lambda: situation_at(store, last, settings, now=last + STEP))
    out["rank_sectors_ms"], _ = repeat_ms(lambda: rank_sectors(store, last, settings, now=last + STEP))
    situation = situation_at(store, last, settings, now=last + STEP)
    out["usual_known"] = float(sum(s.usual is not None for s in situation.sectors))
    out["map_hideout_ms"], _ = repeat_ms(lambda: map_hideout(situation, "present", None))
    out["hideout_raw_bytes"], out["hideout_gz_bytes"] = map(float, gz_sizes(map_hideout(situation, "present", None)))
    out["geojson_raw_bytes"], out["geojson_gz_bytes"] = map(float, gz_sizes(slim_geojson(catalogue.geojson())))
    out["reference_update_slot_ms"], _ = repeat_ms(lambda: update_reference(store, [last], dependents=False), 4, 5)
    out.update(ingest_one_slot(store, settings, catalogue, last + STEP))
    out["measures_peak_rss_mb"] = rss_mb()
    out["measure_runs"] = float(runs)
    store.close()
    shutil.rmtree(folder)
    return out


def ingest_one_slot(store: Store, settings: Settings, catalogue: Catalogue, slot: int) -> dict[str, float]:
    """Ingest one new slot for every sector from CSV bytes (the operator's path)."""
    codes = list(catalogue.codes)
    counts = np.zeros((len(codes), 6), np.int64)
    counts[:, 0] = np.array([max(40, catalogue.get(c).population) for c in codes])
    counts[:, 1] = counts[:, 0] - 3 * (counts[:, 0] // 10)
    counts[:, 2:5] = (counts[:, 0] // 10)[:, None]
    counts[:, 5] = counts[:, 0] // 20
    table = ObservationTable(codes, np.full(len(codes), slot, np.int64), counts, np.zeros_like(counts, bool),
                             np.arange(2, len(codes) + 2, dtype=np.int64))
    data = observations_csv(table).encode()
    limits = replace(settings, max_upload_mb=len(data) // 1_000_000 + 2)
    began = time.perf_counter()
    result = ingest_bytes(store, data, "scale", limits, now=slot + STEP)
    seconds = time.perf_counter() - began
    if result.status != "accepted":
        raise SystemExit(f"the scale batch was refused: {' '.join(result.report()[:3])}")
    return {"ingest_slot_s": seconds, "ingest_slot_rows_per_second": len(codes) / seconds,
            "ingest_slot_bytes": float(len(data))}


# -- report -----------------------------------------------------------------------------------------
def first_break(by_size: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """For each budgeted measure, the first size measured over its 134-sector budget and the
    size where it crosses it (linear between the two sizes around the crossing); earliest first."""
    found = []
    sizes = sorted(by_size)
    for measure, budget in BUDGETS.items():
        for k, n in enumerate(sizes):
            value = by_size[n][measure]
            if (value < budget) if measure in HIGHER_IS_BETTER else (value > budget):
                crossing = float(n)
                if k > 0:
                    m, before = sizes[k - 1], by_size[sizes[k - 1]][measure]
                    crossing = m + (budget - before) * (n - m) / (value - before) if value != before else float(n)
                found.append({"measure": measure, "first_missed_at": n, "value": round(value, 1), "budget": budget,
                              "estimated_crossing": int(round(crossing, -1))})
                break
    return sorted(found, key=lambda item: (item["estimated_crossing"], item["measure"]))


UNITS = {"_ms": "ms", "_s": "s", "_bytes": "bytes", "_mb": "MB", "_rows_per_second": "rows/s"}


def unit_of(measure: str) -> str:
    return next((u for suffix, u in UNITS.items() if measure.endswith(suffix)), "")


# Measures written as results, each with the related measures in its details.
HEADLINES = {
    "catalogue_load_s": ("load_sectors_s",),
    "situation_at_ms": (),
    "rank_sectors_ms": (),
    "map_hideout_ms": (),
    "hideout_gz_bytes": ("hideout_raw_bytes",),
    "geojson_gz_bytes": ("geojson_raw_bytes",),
    "reference_rebuild_s": ("reference_rebuild_peak_rss_mb", "reference_rows"),
    "reference_update_slot_ms": (),
    "ingest_slot_s": ("ingest_slot_rows_per_second", "ingest_slot_bytes"),
}
CONTEXT = ("observations", "write_observations_s", "usual_known", "measure_runs", "measures_peak_rss_mb")


def per_size(by_size: dict[int, dict[str, Any]], measure: str) -> dict[str, float]:
    return {str(n): round(v[measure], 3) for n, v in sorted(by_size.items())}


def report(by_size: dict[int, dict[str, Any]], days: int) -> None:
    largest = max(by_size)
    for measure, related in HEADLINES.items():
        details: dict[str, Any] = {"sizes": per_size(by_size, measure), "days": days}
        details.update({name: per_size(by_size, name) for name in related})
        if measure in BUDGETS:
            details["budget_at_134_sectors"] = BUDGETS[measure]
        write_finding(f"scale_{measure}", by_size[largest][measure], unit_of(measure), details)
    breaks = first_break(by_size)
    write_finding("scale_first_break", float(breaks[0]["estimated_crossing"]) if breaks else float(largest), "sectors",
                  {"breaks": breaks, "days": days, **{name: per_size(by_size, name) for name in CONTEXT},
                   "note": "catalogue size at which each measure crosses its 134-sector budget, earliest first "
                           "(value: the earliest crossing)"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    by_size = {n: measure_size(n, args.days) for n in sorted(args.sizes)}
    report(by_size, args.days)


if __name__ == "__main__":
    main()
