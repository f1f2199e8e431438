"""Helpers of the fault tests: subprocesses of `python -m vigie`, simulated data, fresh-connection counts."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from vigie.config import Settings
from vigie.feed.ingest import IngestResult, ingest_tables
from vigie.feed.simulator import Simulator
from vigie.slots import parse_instant
from vigie.store import Store

ROOT = Path(__file__).resolve().parents[2]
DAY = 86_400
# A fixed past week of simulated data: reproducible, and never "in the future".
WEEK_START = parse_instant("2026-03-02T00:00:00+01:00")
SECTORS = 134


def fault_overrides(data_dir: Path, **extra: Any) -> dict[str, Any]:
    """Settings of a throw-away installation in data_dir."""
    return {"data_dir": str(data_dir), "feed": "none", "secret_key": "fault-test-key", **extra}


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment of a `python -m vigie` subprocess working on data_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIE_")}
    env.update({"VIGIE_DATA_DIR": str(data_dir), "VIGIE_FEED": "none", "VIGIE_LOG_JSON": "false",
                "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", **extra})
    return env


def run_vigie(data_dir: Path, *args: str, timeout: float = 60, preexec_fn: Callable[[], None] | None = None,
              **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m vigie ARGS` in a real process; return its exit code and output."""
    return subprocess.run([sys.executable, "-m", "vigie", *args], cwd=ROOT, env=cli_env(data_dir, **env),
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec_fn)


def run_python(code: str, data_dir: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a Python snippet in a fresh interpreter (a "restarted" Vigie process)."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=cli_env(data_dir), capture_output=True,
                          text=True, timeout=timeout)


def simulated(settings: Settings, start: int, days: float) -> Any:
    """Simulated observations of [start, start + days)."""
    return Simulator.from_settings(settings).generate(start, start + int(days * DAY))


def ingest_days(store: Store, settings: Settings, start: int, days: float, source: str = "simulator") -> IngestResult:
    """Ingest `days` days of simulated data from `start` through the normal path."""
    table = simulated(settings, start, days)
    result = ingest_tables(store, source, settings, observations=table, now=start + days * DAY + 3600)
    assert result.status == "accepted", result.report()
    return result


def count_rows(db_path: Path, sql: str = "SELECT count(*) FROM observations", params: Sequence[Any] = ()) -> int:
    """A count read through a fresh connection (what another process would see)."""
    store = Store(db_path, readonly=True)
    try:
        return int(store.scalar(sql, params))
    finally:
        store.close()
