"""Unannounced surges injected at known sectors and slots (the false-alarm and forecast benchmarks).

A surge lasts 2 to 6 hours, rises over its first hour, holds, and falls over its last
hour; at its peak it adds pct x the sector's undisturbed presence (pct from 0.30 to
1.20), and never fewer than MIN_PEOPLE people. A third of the surges fall on the hard
days (public holidays and bridges, the first and last days of school holidays, summer
weekends), the others on any day between 08:00 and 20:00. Surges never touch a sector
during one of its calendar events (they are unannounced, not mistaken for an event).

    surges = plan_surges(slots, codes, present, hard_days, busy, seed=14)
    present_with_surges = present + surge_matrix(surges, slots, codes)
    simulator.with_injections(as_injections(surges, step))   # the same surges, simulated
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np

from vigie.feed.simulator import Injection
from vigie.slots import to_local

MIN_PEOPLE = 2000
PCT_RANGE = (0.30, 1.20)
HOURS_RANGE = (2, 6)
HARD_SHARE = 1 / 3
RAMP_SECONDS = 3600


@dataclass(frozen=True)
class Surge:
    """One injected surge: sector, [start, end), the peak slot and what it adds there."""

    sector: str
    start: int
    end: int
    peak_slot: int
    peak_delta: int
    pct: float
    hard: bool

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def shape(start: int, end: int, slots: np.ndarray) -> np.ndarray:
    """Share of the peak delta at each slot: a 1-hour rise, a plateau, a 1-hour fall."""
    inside = (slots >= start) & (slots < end)
    rise = np.clip((slots - start + 1800) / RAMP_SECONDS, 0, 1)
    fall = np.clip((end - slots) / RAMP_SECONDS, 0, 1)
    return np.where(inside, np.minimum(rise, fall), 0.0)


def _start_slots(slots: np.ndarray, days: Sequence[date], rng: np.random.Generator, count: int,
                 step: int) -> list[int]:
    """Random slot starts between 08:00 and 20:00 local, on the given days (any day when empty)."""
    local = [to_local(int(s)) for s in slots]
    wanted = set(days)
    pool = [i for i, m in enumerate(local) if 8 <= m.hour < 20 and (not wanted or m.date() in wanted)]
    if not pool:
        return []
    return [int(slots[i]) for i in rng.choice(pool, size=count, replace=len(pool) < count)]


def plan_surges(slots: np.ndarray, codes: Sequence[str], present: np.ndarray, hard_days: Iterable[date],
                busy: np.ndarray | None = None, *, count: int = 300, seed: int = 14) -> list[Surge]:
    """Draw `count` surges over the slots (present: undisturbed slots x sectors; busy: event cells)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 14]))
    step = int(slots[1] - slots[0])
    hard = round(count * HARD_SHARE)
    starts = [(s, True) for s in _start_slots(slots, sorted(set(hard_days)), rng, hard, step)]
    starts += [(s, False) for s in _start_slots(slots, [], rng, count - len(starts), step)]
    out: list[Surge] = []
    taken = np.zeros(present.shape, dtype=bool)
    for start, is_hard in starts:
        hours = int(rng.integers(HOURS_RANGE[0], HOURS_RANGE[1] + 1))
        end = start + hours * 3600
        rows = np.nonzero((slots >= start) & (slots < end))[0]
        for _ in range(20):  # a sector without an event nor another surge then
            j = int(rng.integers(len(codes)))
            clash = taken[rows, j].any() or (busy is not None and busy[rows, j].any())
            if len(rows) and not clash and np.isfinite(present[rows, j]).all():
                break
        else:
            continue
        weights = shape(start, end, slots[rows])
        plateau = np.nonzero(weights == weights.max())[0]
        peak_row = int(rows[plateau[len(plateau) // 2]])  # the middle of the plateau
        pct = float(rng.uniform(*PCT_RANGE))
        delta = max(int(round(pct * present[peak_row, j])), MIN_PEOPLE)
        taken[max(0, rows[0] - 8):rows[-1] + 9, j] = True  # 4 hours apart at least
        out.append(Surge(codes[j], start, end, int(slots[peak_row]), delta, round(pct, 3), is_hard))
    return sorted(out, key=lambda s: (s.start, s.sector))


def surge_matrix(surges: Iterable[Surge], slots: np.ndarray, codes: Sequence[str]) -> np.ndarray:
    """People added by the surges, slots x sectors."""
    col = {c: j for j, c in enumerate(codes)}
    out = np.zeros((len(slots), len(codes)))
    for surge in surges:
        out[:, col[surge.sector]] += surge.peak_delta * shape(surge.start, surge.end, slots)
    return np.rint(out)


def as_injections(surges: Iterable[Surge], step: int = 1800) -> list[Injection]:
    """The surges as simulator injections (one per slot, since the delta changes slot by slot)."""
    out = []
    for surge in surges:
        slots = np.arange(surge.start, surge.end, step, dtype="int64")
        for slot, share in zip(slots.tolist(), shape(surge.start, surge.end, slots).tolist()):
            out.append(Injection(surge.sector, slot, slot + step, delta=int(round(surge.peak_delta * share))))
    return out
