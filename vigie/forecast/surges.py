"""Seeded surges added on top of observed presence, for the forecast backtest.

A surge is an unannounced crowd in one sector: it ramps up over an hour, holds, and ramps
down over an hour. It is added to the presence read from the database (never written), so
the usual values do not learn it, as for a flagged crisis day.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from vigie.slots import to_local

SURGES_PER_WEEK = 5
MIN_USUAL = 2_000
RAMP_SLOTS = 2


@dataclass(frozen=True)
class Surge:
    """Extra people in one sector during [start, end), with linear ramps of RAMP_SLOTS slots."""

    sector: str
    start: int
    end: int
    extra: int


def make_surges(grid: np.ndarray, codes: Sequence[str], usual: np.ndarray, seed: int = 0,
                per_week: int = SURGES_PER_WEEK, step: int = 1800) -> list[Surge]:
    """`per_week` surges a week: start 08:00-20:00 local, 2-6 h long, +30 to +100 % of the usual.

    Only sectors usually holding MIN_USUAL people or more, at most one surge a day per sector.
    """
    rng = np.random.default_rng(seed)
    wanted = max(1, int((grid[-1] - grid[0]) // (7 * 86400))) * per_week
    out: list[Surge] = []
    busy: dict[str, int] = {}
    for _ in range(wanted * 50):
        if len(out) >= wanted:
            break
        i, j = int(rng.integers(0, len(grid))), int(rng.integers(0, len(codes)))
        start, base = int(grid[i]), usual[i, j]
        if not 8 <= to_local(start).hour < 20 or not np.isfinite(base) or base < MIN_USUAL:
            continue
        if abs(busy.get(codes[j], -10 * 86400) - start) < 86400:
            continue
        length = int(rng.integers(4, 13)) * step
        out.append(Surge(codes[j], start, start + length, int(max(1_000.0, base * float(rng.uniform(0.3, 1.0))))))
        busy[codes[j]] = start
    return sorted(out, key=lambda s: s.start)


def surge_matrix(surges: Sequence[Surge], grid: np.ndarray, codes: Sequence[str], step: int = 1800) -> np.ndarray:
    """Extra people (len(grid), len(codes)) of these surges, ramps included."""
    out = np.zeros((len(grid), len(codes)))
    col = {c: j for j, c in enumerate(codes)}
    for surge in surges:
        j = col.get(surge.sector)
        if j is None:
            continue
        into = (grid - surge.start) / step + 1
        left = (surge.end - grid) / step
        shape = np.clip(np.minimum(into, left) / RAMP_SLOTS, 0, 1) * ((grid >= surge.start) & (grid < surge.end))
        out[:, j] += surge.extra * shape
    return out
