"""Shared helpers of the benchmarks: repository on sys.path, one JSON result per benchmark.

Each benchmark writes bench/results/<name>.json = {"name", "value", "unit", "budget", "ok",
"details"} and prints it; `ok` says whether the value is within its budget.
"""
from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def write_result(name: str, value: float, unit: str, budget: float, ok: bool,
                 details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write and print bench/results/<name>.json; return the result."""
    result = {"name": name, "value": round(value, 4), "unit": unit, "budget": budget, "ok": bool(ok),
              "details": {"python": platform.python_version(), "machine": platform.machine(),
                          "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **(details or {})}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, return value) of one call."""
    began = time.perf_counter()
    value = function()
    return time.perf_counter() - began, value


def median(values: list[float]) -> float:
    return statistics.median(values)
