"""Injections: people present added to (or scaled in) sectors of an exercise, and the overlay they make.

Injected presence goes to `exercise_injections` and reaches the views through `overlay_for`,
which the situation engine adds at read time: live observations are only ever read.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vigie import privacy
from vigie import sectors as sector_table
from vigie.analysis.situation import Overlay
from vigie.identity import audit
from vigie.slots import floor_slot, slot_range
from vigie.store import Store
from vigie.training import repository
from vigie.training.clock import ExerciseError
from vigie.training.control import (MAX_NOTE, Wall, check_instant, clean_text, get_exercise, refuse_if_ended,
                                    view_now, wall_instant)

__all__ = ["add_injection", "list_injections", "overlay_for", "profile_weight", "MAX_DELTA", "MAX_MULTIPLIER"]

MAX_DELTA = 300_000          # people, per sector and slot: beyond any crowd the département has seen
MAX_MULTIPLIER = 20.0


def _known_sectors(store: Store, codes: Sequence[str]) -> list[str]:
    """The codes, refused when one is not a sector of the catalogue."""
    if not codes:
        raise ExerciseError(key="errors.exercise_no_sector")
    known = sector_table.known(store)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ExerciseError(key="errors.exercise_unknown_sectors", codes=", ".join(unknown))
    return list(dict.fromkeys(codes))


def profile_weight(slot: int, start: int, end: int, step: int, ramp_up: int = 0, ramp_down: int = 0) -> float:
    """Share (0..1] of the full change reached in this slot: rise over ramp_up, fall over ramp_down."""
    weight = 1.0
    if ramp_up > 0:
        weight = min(weight, (slot - start + step) / ramp_up)
    if ramp_down > 0:
        weight = min(weight, (end - slot) / ramp_down)
    return max(0.0, min(1.0, weight))


def _observed_present(store: Store, codes: list[str], slots: list[int], k: int) -> dict[tuple[str, int], int]:
    """Historical `present` for a multiplier; withheld cells (suppressed, missing or below k) are absent.

    A multiplier applied to a withheld count would put that count into the logged change.
    """
    rows = repository.published_present(store, codes, min(slots), max(slots), k)
    return {(code, slot): present for code, slot, present in rows}


def _check_change(delta: int | None, multiplier: float | None) -> None:
    """Exactly one of delta and multiplier, within sane bounds."""
    if (delta is None) == (multiplier is None):
        raise ExerciseError(key="errors.exercise_delta_or_multiplier")
    if delta is not None and (int(delta) != delta or delta == 0 or abs(delta) > MAX_DELTA):
        raise ExerciseError(key="errors.exercise_delta", delta=delta, max=MAX_DELTA)
    if multiplier is not None and not (0 <= multiplier <= MAX_MULTIPLIER and multiplier != 1):
        raise ExerciseError(key="errors.exercise_multiplier", multiplier=multiplier, max=MAX_MULTIPLIER)


def _expand(store: Store, codes: list[str], slots: list[int], start: int, end: int, step: int,
            delta: int | None, multiplier: float | None, ramps: tuple[int, int],
            k: int = privacy.DEFAULT_K) -> list[tuple[str, int, int]]:
    """(sector, slot, delta) rows of one injection; rows of zero change are left out."""
    observed = _observed_present(store, codes, slots, k) if multiplier is not None else {}
    rows = []
    for code in codes:
        for slot in slots:
            weight = profile_weight(slot, start, end, step, *ramps)
            if delta is not None:
                change = round(delta * weight)
            else:
                change = round(observed.get((code, slot), 0) * (float(multiplier or 0) - 1.0) * weight)
            if abs(change) > MAX_DELTA:
                raise ExerciseError(key="errors.exercise_injection_too_large", change=change, code=code, max=MAX_DELTA)
            if change:
                rows.append((code, slot, change))
    return rows


def _injection_slots(start: int, end: int, step: int, ramps: tuple[int, int]) -> list[int]:
    """Slots of [start, end), the slot holding `start` included."""
    if end <= start:
        raise ExerciseError(key="errors.exercise_injection_order")
    if ramps[0] < 0 or ramps[1] < 0 or ramps[0] + ramps[1] > end - start:
        raise ExerciseError(key="errors.exercise_injection_ramps")
    return list(slot_range(floor_slot(start, step // 60), end, step // 60))


def add_injection(store: Store, exercise_id: int, sector_code: str | Sequence[str], start: int, end: int, *,
                  delta: int | None = None, multiplier: float | None = None, note: str = "",
                  username: str, ramp_up: int = 0, ramp_down: int = 0, source: str = "trainer",
                  wall_now: Wall = None, k: int = privacy.DEFAULT_K) -> dict[str, Any]:
    """Inject a change of people present into sectors over [start, end); return what was logged.

    `delta` adds people (negative: removes them); `multiplier` scales the historical value
    (only where it is published, >= k: a withheld cell gets no change).
    The change rises over `ramp_up` seconds and falls over the last `ramp_down` seconds.
    """
    if source not in ("trainer", "scenario"):
        raise ExerciseError(key="errors.exercise_injection_source", source=repr(source))
    _check_change(delta, multiplier)
    codes = [sector_code] if isinstance(sector_code, str) else [str(c) for c in sector_code]
    start, end, wall = int(start), int(end), wall_instant(wall_now)
    with repository.one_transaction(store):
        exercise = get_exercise(store, exercise_id)
        refuse_if_ended(exercise)
        codes = _known_sectors(store, codes)
        step = exercise.slot_minutes * 60
        slots = _injection_slots(start, end, step, (ramp_up, ramp_down))
        check_instant(store, start, exercise.start_at, exercise.slot_minutes, "injection_start")
        check_instant(store, end - 1, exercise.start_at, exercise.slot_minutes, "injection_end")
        rows = _expand(store, codes, slots, start, end, step, delta, multiplier, (ramp_up, ramp_down), k)
        clean = clean_text(note, MAX_NOTE)
        detail = {"sectors": codes, "from": start, "to": end, "delta": delta, "multiplier": multiplier,
                  "ramp_up": ramp_up, "ramp_down": ramp_down, "note": clean, "source": source, "rows": len(rows),
                  "peak": max((r[2] for r in rows), key=abs, default=0)}
        at_view = start if source == "scenario" else view_now(store, exercise, wall)
        log_id = repository.insert_log(store, exercise.id, at_view, wall, "injection", username, detail)
        repository.insert_injections(
            store, [(exercise.id, code, slot, change, clean, source, username, log_id) for code, slot, change in rows])
        if source == "trainer":
            audit.record(store, "exercise.inject", username=username, exercise=exercise.id,
                         sectors=" ".join(codes), start=start, end=end, delta=delta, multiplier=multiplier)
    return detail


def list_injections(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """Per-slot injected rows of an exercise, in time order."""
    return repository.injection_rows(store, exercise_id)


def overlay_for(store: Store, exercise_id: int) -> Overlay:
    """The injected deltas of an exercise, as the situation engine's `overlay(codes, slots)` callable."""
    exercise_id = int(exercise_id)

    def overlay(codes: list[str], slots: list[int]) -> dict[tuple[str, int], int]:
        if not codes or not slots:
            return {}
        wanted_codes, wanted_slots = set(codes), {int(s) for s in slots}
        rows = repository.injected_totals(store, exercise_id, min(wanted_slots), max(wanted_slots))
        return {(code, slot): int(total) for code, slot, total in rows
                if total and code in wanted_codes and slot in wanted_slots}
    return overlay
