"""Server-side web benchmarks on one year x 134 sectors, through the Flask test client.

Measures, each as bench/results/<name>.json:
* web_map_refresh_ms        the situation map refresh callback (p95, budget 20 ms), run side by
                            side with a NAIVE variant that sends the full sector GeoJSON with the
                            values as properties instead of the hideout (same request path);
* web_map_payload_gz_bytes  that callback's response as sent (Accept-Encoding: gzip, compressed
                            by flask-compress), budget 5 000 bytes, with the naive size beside it;
* web_sector_series_ms      the sector page callback, 7 days, figures included (budget 30 ms);
* api_situation_ms, api_crisis_ms, api_allocation_ms   the read API (bearer read token);
* web_server_rss_mb         resident memory of the server process after warm-up (no budget).

Times are server times: the wall time of one request through the whole Flask/Dash stack
(guard, callback, serialisation, compression) in this process, without a network. The live
situation that screens share for a few seconds is forgotten before each timed call (the
cost of a lone screen's refresh); the shared case is in the details.

Run: python bench/bench_web.py [--calls 300] [--profile map|sector|naive]
"""
from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import os
import pstats
import random
import re
import statistics
import time
from typing import Any, Callable

import numpy as np
from _common import write_result
from fixtures import Fixture, ensure_year, write_finding

from server.context import vigie
from vigie.calendar.events import load_events
from vigie.slots import iso_z

MAP_OUTPUT = "situation-geojson.hideout"
SERIES_OUTPUT = "sector-series.figure"
INDICATORS = ("present", "residents", "delta_residents", "pct_usual", "z")
GZIP = {"Accept-Encoding": "gzip"}
MAP_BUDGET_MS, MAP_BUDGET_BYTES, SERIES_BUDGET_MS = 20.0, 5000, 30.0
API_BUDGETS_MS = {"situation": 20.0, "crisis": 20.0, "allocation": 1000.0}


# -- the app and its requests --------------------------------------------------------------
def callback_key(app: Any, output: str) -> str:
    """The callback_map key of the callback whose outputs include `output`."""
    keys = [k for k in app.callback_map if output in k and "@" not in k]
    if len(keys) != 1:
        raise SystemExit(f"expected one callback with output {output}, found {keys}")
    return keys[0]


def callback_body(app: Any, key: str, values: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """The JSON body Dash's renderer posts to /_dash-update-component for this callback."""
    spec = app.callback_map[key]
    items = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    outputs = [{"id": o.component_id, "property": o.component_property} for o in items]
    inputs = [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec["inputs"]]
    return {"output": key, "outputs": outputs, "inputs": inputs, "changedPropIds": changed, "state": []}


def login(client: Any, fixture: Fixture, role: str = "operator") -> Any:
    """Log the test client in through the real form; return it."""
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    if csrf is None:
        raise SystemExit("the login page has no csrf field")
    response = client.post("/login", data={"username": fixture.users[role], "password": fixture.password,
                                           "csrf": csrf.group(1), "next": "/"})
    if response.status_code != 302:
        raise SystemExit(f"login as {role} failed: HTTP {response.status_code}")
    return client


def naive_geojson(geojson: dict[str, Any], hideout: dict[str, Any]) -> dict[str, Any]:
    """The naive map payload: every feature with its geometry and this tick's values as properties."""
    colors, classes, labels = hideout["colors"], hideout["classes"], hideout["labels"]
    features = []
    for feature in geojson["features"]:
        code = feature["properties"]["code"]
        cls = classes.get(code, -1)
        features.append({"type": "Feature", "id": code, "geometry": feature["geometry"],
                         "properties": {**feature["properties"], "class": cls, "label": labels.get(code),
                                        "color": colors[cls] if cls >= 0 else None,
                                        "selected": code == hideout.get("selected")}})
    return {"type": "FeatureCollection", "features": features}


def add_naive_callback(app: Any) -> str:
    """Register the naive map refresh (the full GeoJSON each tick) beside the real one; return its key."""
    from dash import Input, Output

    from callbacks.situation import refresh

    catalogue = vigie(app.server).catalogue
    before = set(app.callback_map)
    real = app.callback_map[callback_key(app, MAP_OUTPUT)]
    others = [o for o in real["output"] if f"{o.component_id}.{o.component_property}" != MAP_OUTPUT]
    outputs = [Output("situation-geojson", "data")] + [
        Output(o.component_id, o.component_property, allow_duplicate=True) for o in others]
    inputs = [Input(i["id"], i["property"]) for i in real["inputs"]]

    @app.callback(*outputs, *inputs, prevent_initial_call=True)
    def _naive(_n: int, indicator: str, selected: str | None, *_rest: Any) -> tuple[Any, ...]:
        hideout, *rest = refresh(indicator, selected)  # the live view (the other inputs: looking back)
        return (naive_geojson(catalogue.geojson(), hideout), *rest)

    (key,) = set(app.callback_map) - before
    vigie(app.server).callback_roles[key] = "display"
    return key


def forget_shared_situation() -> None:
    """Empty the core's shared live situation, so the next refresh computes it (a lone screen's tick)."""
    import vigie.analysis.situation as core

    shared = getattr(core, "_SHARED", None)
    if shared is not None:
        shared.clear()


# -- measuring --------------------------------------------------------------------------------
class Timings(list):  # type: ignore[type-arg]
    """Wall milliseconds of calls, with the CPU milliseconds of the calling thread beside them."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []

    def time(self, call: Callable[[int], Any], i: int) -> Any:
        """Run call(i), record its wall and CPU time, return its result."""
        wall, cpu = time.perf_counter(), time.thread_time()
        result = call(i)
        self.cpu.append((time.thread_time() - cpu) * 1000)
        self.append((time.perf_counter() - wall) * 1000)
        return result


def measure(call: Callable[[int], Any], runs: int, warmup: int = 5) -> tuple[Timings, Any]:
    """Timings of `runs` calls after `warmup` ones, and the last response."""
    last = None
    for i in range(warmup):
        last = call(i)
    times = Timings()
    for i in range(runs):
        last = times.time(call, i)
    return times, last


def stats(times: Timings) -> dict[str, Any]:
    """p50 / p95 / p99 / max / mean of wall timings and p50 / p95 of CPU time, rounded."""
    out = {f"p{q}": float(np.percentile(times, q)) for q in (50, 95, 99)}
    out.update(max=max(times), mean=statistics.fmean(times))
    if times.cpu:
        out.update(cpu_p50=float(np.percentile(times.cpu, 50)), cpu_p95=float(np.percentile(times.cpu, 95)))
    return {k: round(v, 3) for k, v in out.items()} | {"runs": len(times), "load_average": os.getloadavg()[0]}


def checked(response: Any, what: str) -> Any:
    """The response, or exit when it is not a 200."""
    if response.status_code != 200:
        raise SystemExit(f"{what}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response


def body_sizes(response: Any) -> tuple[int, int, dict[str, Any]]:
    """(bytes on the wire, bytes uncompressed, decoded JSON) of a callback response."""
    wire = response.get_data()
    raw = gzip.decompress(wire) if response.headers.get("Content-Encoding") == "gzip" else wire
    return len(wire), len(raw), json.loads(raw)


def json_sizes(value: Any) -> tuple[int, int]:
    """(raw, gzipped) bytes of a value serialised compactly."""
    raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return len(raw), len(gzip.compress(raw, 6))


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB (from /proc)."""
    fields = dict(line.split(":", 1) for line in open("/proc/self/status", encoding="ascii"))
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


# -- the benchmarks ---------------------------------------------------------------------------
class WebBench:
    """One app on the fixture, a logged-in test client and the callbacks to call."""

    def __init__(self, fixture: Fixture, seed: int = 7) -> None:
        from app import create_app

        self.fixture = fixture
        self.app = create_app(fixture.overrides())
        self.naive_key = add_naive_callback(self.app)
        self.map_key = callback_key(self.app, MAP_OUTPUT)
        self.series_key = callback_key(self.app, SERIES_OUTPUT)
        self.client = login(self.app.server.test_client(), fixture)
        self.codes = list(vigie(self.app.server).catalogue.codes)
        self.rng = random.Random(seed)
        self.auth = {"Authorization": f"Bearer {fixture.read_token}", **GZIP}

    def map_call(self, key: str, cold: bool = True) -> Callable[[int], Any]:
        """A refresh tick of the map callback `key` (indicator and selection vary); cold: nothing shared."""
        def call(i: int) -> Any:
            if cold:
                forget_shared_situation()
            values = {"situation-refresh.n_intervals": i + 1, "situation-indicator.value": INDICATORS[i % 5],
                      "situation-selected.data": self.codes[(7 * i) % len(self.codes)] if i % 2 else None}
            body = callback_body(self.app, key, values, ["situation-refresh.n_intervals"])
            return checked(self.client.post("/_dash-update-component", json=body, headers=GZIP), key[:40])
        return call

    def series_call(self, i: int) -> Any:
        """The sector page callback for a random sector over 7 days."""
        values = {"sector-code.data": self.rng.choice(self.codes), "sector-range.value": "7d",
                  "sector-refresh.n_intervals": i}
        body = callback_body(self.app, self.series_key, values, ["sector-code.data"])
        return checked(self.client.post("/_dash-update-component", json=body, headers=GZIP), "sector series")

    def api_call(self, path: str, cold: bool = True) -> Callable[[int], Any]:
        """A GET of the read API with the bearer read token; cold: nothing shared."""
        def call(_i: int) -> Any:
            if cold:
                forget_shared_situation()
            return checked(self.client.get(path, headers=self.auth), path)
        return call


def busiest_event_slot(bench: WebBench) -> int | None:
    """The slot, among the largest events of the period, where the crisis ranking is longest."""
    from vigie.operations.crisis import rank_sectors

    store, settings = vigie(bench.app.server).store, vigie(bench.app.server).settings
    events = load_events(store, bench.fixture.first_slot + 43 * 86400, bench.fixture.last_slot)
    largest = sorted(events, key=lambda e: -e.expected_attendance)[:15]
    candidates = {slot - slot % 1800 for e in largest for slot in range(e.start, e.end, 3 * 3600)[:8]}
    if not candidates:
        return None
    return max(sorted(candidates), key=lambda slot: len(rank_sectors(store, slot, settings, now=slot)))


def bench_map(bench: WebBench, calls: int) -> None:
    """The map refresh, real and naive interleaved; times and payloads."""
    real_call, naive_call = bench.map_call(bench.map_key), bench.map_call(bench.naive_key)
    real_call(0), naive_call(0)
    real, naive = Timings(), Timings()
    for i in range(calls):
        pairs = ((real_call, real), (naive_call, naive))
        for call, sink in pairs if i % 2 else pairs[::-1]:  # alternate which goes first
            sink.time(call, i)
    real_stats, naive_stats = stats(real), stats(naive)
    shared_stats = stats(measure(bench.map_call(bench.map_key, cold=False), calls)[0])
    # sizes over every indicator, with and without a selected sector; the largest is reported
    sizes = {i: body_sizes(real_call(i)) for i in range(10)}
    largest = max(sizes, key=lambda i: sizes[i][0])
    real_wire, real_raw, real_body = sizes[largest]
    naive_wire, naive_raw, naive_body = body_sizes(naive_call(largest))
    hideout_raw, hideout_gz = json_sizes(real_body["response"]["situation-geojson"]["hideout"])
    geo_raw, geo_gz = json_sizes(naive_body["response"]["situation-geojson"]["data"])
    time_ratio = naive_stats["p50"] / real_stats["p50"]
    write_result("web_map_refresh_ms", real_stats["p95"], "ms", MAP_BUDGET_MS, real_stats["p95"] <= MAP_BUDGET_MS, {
        **real_stats, "sectors": len(bench.codes), "outputs": 7, "shared_situation": shared_stats,
        "naive_value": naive_stats["p95"], "naive": naive_stats,
        "ratio_to_naive": round(naive_stats["p95"] / real_stats["p95"], 2),
        "naive_p50_over_real_p50": round(time_ratio, 2),
        "note": "server time of the whole callback (hideout, KPIs, movers, events and risks, card; the legend has its own callback), the live "
                "situation computed at each call (a lone screen's refresh; shared_situation: screens asking the "
                "same slot within seconds share it); naive = the same callback sending the full sector GeoJSON "
                "with the values as properties instead of the hideout"})
    write_result("web_map_payload_gz_bytes", real_wire, "bytes", MAP_BUDGET_BYTES, real_wire <= MAP_BUDGET_BYTES, {
        "raw_bytes": real_raw, "median_gz_bytes": statistics.median(v[0] for v in sizes.values()),
        "largest_for": {"indicator": INDICATORS[largest % 5], "selected_sector": bool(largest % 2)},
        "compression": "gzip by flask-compress (Accept-Encoding: gzip)",
        "hideout_raw_bytes": hideout_raw, "hideout_gz_bytes": hideout_gz,
        "naive_value": naive_wire, "naive_raw_bytes": naive_raw, "ratio_to_naive": round(naive_wire / real_wire, 1),
        "naive_geojson_raw_bytes": geo_raw, "naive_geojson_gz_bytes": geo_gz,
        "note": "whole callback response (7 outputs); hideout_* is the map part alone, serialised compactly "
                "and gzipped at level 6 by the benchmark"})


def bench_series(bench: WebBench, calls: int) -> None:
    times, last = measure(bench.series_call, calls)
    wire, raw, _ = body_sizes(last)
    s = stats(times)
    write_result("web_sector_series_ms", s["p95"], "ms", SERIES_BUDGET_MS, s["p95"] <= SERIES_BUDGET_MS,
                 {**s, "range": "7d", "figures": 3, "response_gz_bytes": wire, "response_raw_bytes": raw,
                  "note": "sector page callback: series, segments and entries figures, facts"})


def bench_api(bench: WebBench, calls: int) -> None:
    """The read API: situation (latest slot), crisis and allocation (latest slot and an event slot)."""
    event_slot = busiest_event_slot(bench)
    for name, runs in (("situation", calls), ("crisis", calls), ("allocation", max(10, calls // 15))):
        times, last = measure(bench.api_call(f"/api/v1/{name}"), runs, warmup=2)
        details: dict[str, Any] = {**stats(times), "at": "latest slot", "response_gz_bytes": len(last.get_data())}
        if name == "situation":
            details["shared_situation"] = stats(measure(bench.api_call(f"/api/v1/{name}", cold=False), runs)[0])
        if name != "situation" and event_slot is not None:
            event_times, event_last = measure(bench.api_call(f"/api/v1/{name}?at={iso_z(event_slot)}"), runs, 1)
            payload = json.loads(gzip.decompress(event_last.get_data()) if event_last.headers.get("Content-Encoding")
                                 == "gzip" else event_last.get_data())
            details["event_slot"] = {**stats(event_times), "at": iso_z(event_slot)}
            details["event_slot"].update({k: len(payload[k]) for k in ("sectors", "moves") if k in payload})
        budget = API_BUDGETS_MS[name]
        p95 = details["p95"]
        write_result(f"api_{name}_ms", p95, "ms", budget, p95 <= budget, details)


def write_rss(after_warmup: float) -> None:
    current, peak = rss_mb()
    write_finding("web_server_rss_mb", current, "MB", {
        "after_warmup_mb": round(after_warmup, 1), "peak_mb": round(peak, 1),
        "note": "one process holding the app (what one gunicorn worker holds) plus the test client"})


def profile(bench: WebBench, which: str, calls: int) -> None:
    """cProfile `calls` calls of one callback and print where the time goes."""
    call = {"map": bench.map_call(bench.map_key), "naive": bench.map_call(bench.naive_key),
            "sector": bench.series_call}[which]
    call(0)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(calls):
        call(i)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--profile", choices=("map", "naive", "sector"))
    args = parser.parse_args()
    bench = WebBench(ensure_year())
    if args.profile:
        profile(bench, args.profile, args.calls)
        return
    for call in (bench.map_call(bench.map_key), bench.series_call, bench.api_call("/api/v1/situation")):
        measure(call, 0, warmup=5)
    after_warmup, _ = rss_mb()
    bench_map(bench, args.calls)
    bench_series(bench, args.calls)
    bench_api(bench, args.calls)
    write_rss(after_warmup)


if __name__ == "__main__":
    main()
