"""A 1 MB single cell is refused at once by the three doors: push API (real gunicorn), CLI, drop folder."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.faults.support import ROOT, cli_env, run_vigie
from vigie.config import Settings
from vigie.runtime.dropfolder import scan_folder
from vigie.store import Store
from vigie.identity.tokens import create_token

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
# Before the fix, 200 000 digits in one cell held a worker until gunicorn killed it (61 s).
LONG_CELL = f"{HEADER}\n13090,2026-03-02T10:00:00Z,{'7' * 1_000_000},1,0,0,0,0\n"
REASON = "Cell of 1000000 characters: present allows at most 64"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(url + "/healthz", timeout=2).status_code in (200, 503):
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError("the server did not start")


def test_push_api_refuses_a_one_megabyte_cell_at_once(fault_store: Store, tmp_path: Path) -> None:
    token = create_token(fault_store, "probe", "ingest")
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "vigie", "serve", "--port", str(port), "--workers", "1",
                               "--threads", "2", "--no-feed"], cwd=ROOT, env=cli_env(fault_store.path.parent),
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server)
        started = time.monotonic()
        answer = requests.post(url + "/api/v1/observations", data=LONG_CELL.encode(), timeout=30,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
        elapsed = time.monotonic() - started
        assert answer.status_code == 422, answer.text
        assert elapsed < 1.0, f"{elapsed:.2f} s"
        assert [p["code"] for p in answer.json()["problems"]] == ["cell_too_long"]
        assert REASON in answer.json()["problems"][0]["message"]
        assert requests.get(url + "/healthz", timeout=2).status_code in (200, 503)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)
        log.close()


def test_cli_refuses_a_one_megabyte_cell_at_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "instance"
    small, long = tmp_path / "small.csv", tmp_path / "long.csv"
    small.write_text(f"{HEADER}\n13090,2026-03-02T10:00:00Z,x,1,0,0,0,0\n", encoding="utf-8")
    long.write_text(LONG_CELL, encoding="utf-8")
    started = time.monotonic()
    baseline = run_vigie(data_dir, "ingest", str(small))  # interpreter start and migration, same refusal path
    baseline_s = time.monotonic() - started
    started = time.monotonic()
    refused = run_vigie(data_dir, "ingest", str(long))
    elapsed = time.monotonic() - started
    assert baseline.returncode != 0 and refused.returncode != 0
    assert REASON in refused.stderr
    assert elapsed < baseline_s + 1.0, f"{elapsed:.2f} s against {baseline_s:.2f} s for a one-line file"


def test_drop_folder_quarantines_a_one_megabyte_cell_at_once(fault_store: Store, fault_settings: Settings,
                                                             tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "long.csv").write_text(LONG_CELL, encoding="utf-8")
    before = fault_store.scalar("SELECT count(*) FROM observations")
    started = time.monotonic()
    outcomes = scan_folder(fault_store, drop, fault_settings)
    elapsed = time.monotonic() - started
    assert [(o.name, o.status) for o in outcomes] == [("long.csv", "rejected")]
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    reasons = (drop / "quarantine" / "long.csv.errors.txt").read_text(encoding="utf-8")
    assert REASON in reasons and "Cellule de 1000000 caractères" in reasons
    assert fault_store.scalar("SELECT count(*) FROM observations") == before
