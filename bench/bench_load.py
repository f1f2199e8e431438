"""Load test: 30 ops-room clients against gunicorn (2 workers x 8 threads) while a feed pushes data.

On a private copy of the one-year database, `python -m vigie serve --workers 2 --threads 8
--no-feed` listens on a free loopback port. Each simulated client logs in through the form,
then loops: the situation map refresh callback, GET /api/v1/situation and, every
SERIES_EVERY iterations, the sector page callback (a user action). Meanwhile a pusher
POSTs one batch of 134 rows (one slot) per second to /api/v1/observations with an ingest
token; its slots precede the year already stored (a slot after the newest would start in
the future, which ingestion refuses beyond 5 minutes), so every batch inserts new rows.

Two phases, each of --seconds:
* paced: each client starts an iteration every --pace seconds (2 s: thirty times the
  production refresh of 60 s); this is the budgeted scenario (p95 <= 300 ms, 0 errors);
* saturation: no pause at all, to find the capacity of the two cores (a finding).

Errors are non-2xx answers and exceptions; "database is locked" is counted in the answers
and in the server log. A request whose kept-alive socket the server closed at that very
moment (gunicorn closes idle sockets after 2 s) is resent once, as browsers do, and
counted apart (keepalive_resets_retried). Everything stops by itself (loopback only).

Run: python bench/bench_load.py [--clients 30] [--seconds 60] [--pace 2] [--no-saturation]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests
from _common import ROOT, write_result
from fixtures import TMP, Fixture, copy_database, ensure_year, write_finding

from vigie.config import Settings
from vigie.feed.formats import observations_csv
from vigie.feed.simulator import Simulator
from vigie.slots import iso_z

HOST = "127.0.0.1"
BUDGET_P95_MS = 300.0
SERIES_EVERY = 4
LOCKED = "database is locked"
REQUEST_TIMEOUT = 30.0


# -- the server -----------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn started through `python -m vigie serve` (or the production config), its log in a file."""

    def __init__(self, fixture: Fixture, workers: int, threads: int, deploy_config: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = fixture.path / "server.log"
        env = {**os.environ, "VIGIE_DATA_DIR": str(fixture.path), "VIGIE_FEED": "none",
               "VIGIE_SECRET_KEY": fixture.secret_key, "PYTHONDONTWRITEBYTECODE": "1",
               "VIGIE_BIND": f"{HOST}:{self.port}", "VIGIE_WORKERS": str(workers), "VIGIE_THREADS": str(threads)}
        command = [sys.executable, "-m", "vigie", "serve", "--host", HOST, "--port", str(self.port), "--workers",
                   str(workers), "--threads", str(threads), "--no-feed"]
        if deploy_config:
            command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "app:server"]
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until /healthz answers (both workers migrate and check the database first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped at start (exit {self.process.returncode}); see {self.log_path.name}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise SystemExit(f"the server did not answer within {timeout:.0f} s")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker (children of the master)."""
        out = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
            except OSError:
                continue
            if status.get("PPid", "").strip() == str(self.process.pid):
                out.append(round(int(status["VmRSS"].split()[0]) / 1024, 1))
        return sorted(out)

    def stop(self) -> None:
        """SIGTERM the master (gunicorn stops its workers), SIGKILL its own group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()

    def log_counts(self) -> dict[str, int]:
        """Lines of the server log that tell of trouble."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return {"database_is_locked": text.lower().count(LOCKED), "tracebacks": text.count("Traceback"),
                "worker_timeouts": text.count("WORKER TIMEOUT"), "worker_boots": text.count("Booting worker")}


# -- the clients --------------------------------------------------------------------------------
@dataclass
class Record:
    """What the clients saw: latencies per request type, errors, locked answers."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)  # type: ignore[type-arg]
    error_samples: list[str] = field(default_factory=list)
    locked: int = 0
    resets_retried: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, error: str | None = None, locked: bool = False) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if error is not None:
                self.errors[kind] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{kind}: {error}"[:200])
            self.locked += int(locked)


def dash_outputs(key: str) -> list[dict[str, str]]:
    """Outputs of a multi-output callback key ("..a.b...c.d..")."""
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def login(session: requests.Session, url: str, username: str, password: str) -> None:
    """Log in through the form (GET for the csrf field, then POST), as a browser does."""
    page = session.get(f"{url}/login", timeout=REQUEST_TIMEOUT).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    if csrf is None:
        raise SystemExit("the login page has no csrf field")
    answer = session.post(f"{url}/login", data={"username": username, "password": password, "csrf": csrf.group(1),
                                                "next": "/"}, allow_redirects=False, timeout=REQUEST_TIMEOUT)
    if answer.status_code != 302:
        raise SystemExit(f"login of {username} failed: HTTP {answer.status_code}")


class Client:
    """One ops-room screen: a logged-in session refreshing the situation page and a sector."""

    def __init__(self, url: str, fixture: Fixture, callbacks: dict[str, dict[str, Any]], codes: list[str],
                 seed: int, series_every: int = SERIES_EVERY) -> None:
        self.url, self.callbacks, self.codes = url, callbacks, codes
        self.series_every = series_every
        self.session = requests.Session()
        self.session.headers["Accept-Encoding"] = "gzip"
        login(self.session, url, fixture.users["operator"], fixture.password)
        self.rng = random.Random(seed)
        self.tick = 0

    def body(self, which: str, values: dict[str, Any], changed: str) -> dict[str, Any]:
        spec = self.callbacks[which]
        inputs = [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec["inputs"]]
        return {"output": spec["output"], "outputs": dash_outputs(spec["output"]), "inputs": inputs,
                "changedPropIds": [changed], "state": []}

    def send(self, record: Record, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request; like a browser, resend once when a kept-alive socket was reset before any answer."""
        try:
            return self.session.request(method, f"{self.url}{path}", timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.ConnectionError as exc:
            if "Connection aborted" not in str(exc):
                raise
            with record.lock:
                record.resets_retried += 1
            return self.session.request(method, f"{self.url}{path}", timeout=REQUEST_TIMEOUT, **kwargs)

    def request(self, record: Record, kind: str, method: str, path: str, **kwargs: Any) -> None:
        began = time.perf_counter()
        try:
            answer = self.send(record, method, path, **kwargs)
            ms = (time.perf_counter() - began) * 1000
            locked = LOCKED in answer.text.lower()
            error = None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code} {answer.text[:120]}"
            record.add(kind, ms, error, locked)
        except requests.RequestException as exc:
            record.add(kind, (time.perf_counter() - began) * 1000, f"{type(exc).__name__}: {exc}")

    def iteration(self, record: Record) -> None:
        """One refresh of the situation page (map + API), and now and then a sector page."""
        self.tick += 1
        values = {"situation-refresh.n_intervals": self.tick, "situation-indicator.value": "present",
                  "situation-selected.data": None}
        self.request(record, "map_refresh", "POST", "/_dash-update-component",
                     json=self.body("map", values, "situation-refresh.n_intervals"))
        self.request(record, "api_situation", "GET", "/api/v1/situation")
        if self.series_every and self.tick % self.series_every == 0:
            values = {"sector-code.data": self.rng.choice(self.codes), "sector-range.value": "7d",
                      "sector-refresh.n_intervals": 0}
            self.request(record, "sector_series", "POST", "/_dash-update-component",
                         json=self.body("sector", values, "sector-code.data"))

    def run(self, record: Record, deadline: float, pace: float) -> None:
        """Iterate until the deadline, one iteration every `pace` seconds (0: back to back)."""
        time.sleep(self.rng.uniform(0, pace))  # screens do not refresh in lockstep
        while time.monotonic() < deadline:
            began = time.monotonic()
            self.iteration(record)
            if pace:
                time.sleep(max(0.0, pace - (time.monotonic() - began)))


def discover_callbacks(url: str, fixture: Fixture) -> dict[str, dict[str, Any]]:
    """The map and sector callbacks as the renderer sees them (/_dash-dependencies)."""
    session = requests.Session()
    login(session, url, fixture.users["display"], fixture.password)
    deps = session.get(f"{url}/_dash-dependencies", timeout=REQUEST_TIMEOUT).json()
    found = {}
    for which, output in (("map", "situation-geojson.hideout"), ("sector", "sector-series.figure")):
        matches = [d for d in deps if output in d["output"]]
        if len(matches) != 1:
            raise SystemExit(f"expected one callback with output {output}, found {len(matches)}")
        found[which] = matches[0]
    return found


# -- the feed pusher ------------------------------------------------------------------------------
class Pusher(threading.Thread):
    """POST one slot of 134 rows per second, going back in time from before the stored year."""

    def __init__(self, url: str, fixture: Fixture, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.url, self.token = url, fixture.ingest_token
        self.sim = Simulator.from_settings(settings)
        self.next_slot = fixture.first_slot - 1800
        self.stop_event = threading.Event()
        self.phase = "paced"
        self.latencies: list[float] = []
        self.by_phase: dict[str, list[float]] = defaultdict(list)
        self.inserted = 0
        self.failures: list[str] = []
        self.slots: list[int] = []

    def run(self) -> None:
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {self.token}", "Content-Type": "text/csv"})
        while not self.stop_event.is_set():
            began = time.monotonic()
            body = observations_csv(self.sim.slot(self.next_slot).to_table()).encode()
            try:
                answer = session.post(f"{self.url}/api/v1/observations", data=body, timeout=REQUEST_TIMEOUT)
                self.latencies.append((time.monotonic() - began) * 1000)
                self.by_phase[self.phase].append(self.latencies[-1])
                if answer.status_code == 200 and answer.json().get("inserted") == 134:
                    self.inserted += 134
                    self.slots.append(self.next_slot)
                else:
                    self.failures.append(f"HTTP {answer.status_code} {answer.text[:160]}")
            except requests.RequestException as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}"[:200])
            self.next_slot -= 1800
            self.stop_event.wait(max(0.0, 1.0 - (time.monotonic() - began)))


# -- a phase and its report -------------------------------------------------------------------------
def run_phase(clients: list[Client], seconds: float, pace: float) -> tuple[Record, float]:
    """Run every client in its own thread for `seconds`; return what they saw and the time taken."""
    record = Record()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=c.run, args=(record, deadline, pace), daemon=True) for c in clients]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 10)
    return record, time.monotonic() - began


def summary(record: Record, elapsed: float) -> dict[str, Any]:
    """Latency percentiles per request type and overall, errors, throughput."""
    per_type = {}
    for kind, values in sorted(record.latencies.items()):
        per_type[kind] = {"count": len(values), "errors": record.errors[kind],
                          **{f"p{q}": round(float(np.percentile(values, q)), 1) for q in (50, 95, 99)},
                          "max": round(max(values), 1)}
    every = [v for values in record.latencies.values() for v in values]
    return {"requests": len(every), "throughput_rps": round(len(every) / elapsed, 1),
            "p50": round(float(np.percentile(every, 50)), 1), "p95": round(float(np.percentile(every, 95)), 1),
            "p99": round(float(np.percentile(every, 99)), 1), "errors": sum(record.errors.values()),
            "locked_answers": record.locked, "keepalive_resets_retried": record.resets_retried,
            "per_type": per_type, "error_samples": record.error_samples}


def stored_rows(fixture: Fixture, slots: list[int]) -> int:
    """Rows of the pushed slots really in the database."""
    import sqlite3

    if not slots:
        return 0
    conn = sqlite3.connect(f"file:{fixture.db_path}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(slots))
        return int(conn.execute(f"SELECT count(*) FROM observations WHERE slot IN ({marks})", slots).fetchone()[0])
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pace", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--series-every", type=int, default=SERIES_EVERY,
                        help="a sector page every N iterations (0: never)")
    parser.add_argument("--no-saturation", action="store_true")
    parser.add_argument("--deploy-config", action="store_true",
                        help="serve with deploy/gunicorn.conf.py instead of `vigie serve` (results named load_deploy_*)")
    args = parser.parse_args()
    fixture = copy_database(ensure_year(), TMP / "load")
    server = Server(fixture, args.workers, args.threads, args.deploy_config)
    try:
        server.wait_ready()
        callbacks = discover_callbacks(server.url, fixture)
        codes = _codes(fixture)
        clients = [Client(server.url, fixture, callbacks, codes, i, args.series_every) for i in range(args.clients)]
        for client in clients[: 2 * args.workers]:  # warm the workers up, sector pages included
            for _ in range(max(1, args.series_every)):
                client.iteration(Record())
        pusher = Pusher(server.url, fixture, fixture.settings())
        pusher.start()
        phases = {"paced": run_phase(clients, args.seconds, args.pace)}
        if not args.no_saturation:
            pusher.phase = "saturation"
            phases["saturation"] = run_phase(clients, args.seconds / 2, 0.0)
        pusher.stop_event.set()
        pusher.join(timeout=REQUEST_TIMEOUT + 5)
        rss = server.worker_rss_mb()
    finally:
        server.stop()
    report(args, fixture, server, phases, pusher, rss)
    for leftover in fixture.path.glob("vigie.db*"):
        leftover.unlink()  # the copy is large; server.log stays for reading


def _codes(fixture: Fixture) -> list[str]:
    """Sector codes of the catalogue the server uses."""
    from vigie.sectors import default_catalogue_path, load_catalogue

    settings = fixture.settings()
    return list(load_catalogue(default_catalogue_path(settings.reference_dir, settings.dept)).codes)


def report(args: argparse.Namespace, fixture: Fixture, server: Server, phases: dict[str, tuple[Record, float]],
           pusher: Pusher, rss: list[float]) -> None:
    """Write load_p95_ms and load_errors (budgeted) and load_saturation_p95_ms (a finding)."""
    logs = server.log_counts()
    logs["worker_restarts"] = max(0, logs.pop("worker_boots") - args.workers)
    written = stored_rows(fixture, pusher.slots)
    feed = {"batches": len(pusher.latencies), "rows_inserted": pusher.inserted, "rows_found_in_database": written,
            "failures": len(pusher.failures), "failure_samples": pusher.failures[:5],
            **{f"{phase}_{q}_ms": round(float(np.percentile(values, int(q[1:]))), 1)
               for phase, values in pusher.by_phase.items() for q in ("p50", "p95")},
            "slots": f"{iso_z(min(pusher.slots))} .. {iso_z(max(pusher.slots))}" if pusher.slots else None}
    common = {"server": "deploy/gunicorn.conf.py" if args.deploy_config else "vigie serve", "clients": args.clients, "workers": args.workers, "threads": args.threads, "cores": os.cpu_count(),
              "series_every": args.series_every, "server_log": logs, "ingestion": feed, "worker_rss_mb": rss,
              "load_average": os.getloadavg()[0]}
    paced = summary(*phases["paced"])
    nothing_written = int(written == 0)  # ingestion must really write
    errors = paced["errors"] + paced["locked_answers"] + logs["database_is_locked"] + len(pusher.failures) + nothing_written
    ok = paced["p95"] <= BUDGET_P95_MS and errors == 0
    prefix = "load_deploy" if args.deploy_config else "load"
    write_result(f"{prefix}_p95_ms", paced["p95"], "ms", BUDGET_P95_MS, ok, {
        **paced, **common, "pace_seconds": args.pace, "seconds": args.seconds,
        "note": f"each client starts an iteration every {args.pace:g} s (map refresh + situation API, a sector "
                f"series every {args.series_every}); ingestion pushes 134 rows per second meanwhile"})
    write_result(f"{prefix}_errors", errors, "errors", 0, errors == 0, {
        "client_errors": paced["errors"], "locked_in_log": logs["database_is_locked"],
        "locked_answers": paced["locked_answers"], "ingestion_failures": len(pusher.failures),
        "keepalive_resets_retried": paced["keepalive_resets_retried"], "nothing_ingested": bool(nothing_written),
        "samples": paced["error_samples"]})
    if "saturation" in phases:
        saturated = summary(*phases["saturation"])
        write_finding(f"{prefix}_saturation_p95_ms", saturated["p95"], "ms", {
            **saturated, **common, "pace_seconds": 0, "seconds": args.seconds / 2,
            "note": "clients loop with no pause: latency = clients / throughput (the capacity of the cores)"})


if __name__ == "__main__":
    main()
