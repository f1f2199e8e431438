"""A gunicorn worker killed with SIGKILL under load: the master replaces it and the service goes on."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

from tests.faults.support import ROOT, cli_env
from vigie.identity import accounts
from vigie.store import Store
from vigie.identity.tokens import create_token


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_killed_worker_is_replaced_and_requests_keep_succeeding(fault_store: Store, tmp_path: Path) -> None:
    data_dir = fault_store.path.parent
    accounts.add_user(fault_store, "wall", "display", "correct-horse-battery")
    token = create_token(fault_store, "probe", "read")
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "vigie", "serve", "--port", str(port), "--workers", "2",
                               "--threads", "4", "--no-feed"], cwd=ROOT, env=cli_env(data_dir), stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=2).status_code in (200, 503) and len(_workers(server.pid)) == 2:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        results: list[Any] = []
        stop = threading.Event()

        def client() -> None:
            session = requests.Session()
            while not stop.is_set():
                try:
                    results.append((time.time(), session.get(url + "/api/v1/situation", timeout=5,
                                                             headers={"Authorization": f"Bearer {token}"}).status_code))
                except requests.RequestException as exc:
                    results.append((time.time(), type(exc).__name__))

        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        victim = _workers(server.pid)[0]
        killed_at = time.time()
        os.kill(victim, signal.SIGKILL)
        time.sleep(6)
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        replaced = _workers(server.pid)
        assert victim not in replaced and len(replaced) == 2, "the master did not replace the killed worker"
        after = [status for at, status in results if at > killed_at + 3]
        assert after and all(status == 200 for status in after), after[:20]
        failures = [status for at, status in results if status != 200]
        assert len(failures) <= 12, failures  # only the requests the dead worker was serving
        assert fault_store.scalar("PRAGMA integrity_check") == "ok"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert not re.search(r"database is locked", (tmp_path / "server.log").read_text())
