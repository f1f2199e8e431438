"""The after-action timeline of an exercise: control, injections, crisis ranking changes and plans, as played.

Ending an exercise freezes it (vigie.training.control); until then it is rebuilt from the log.
Each line keeps its sentence as a message, written in the reader's language by `timeline_text`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vigie import sectors as sector_table
from vigie.analysis.situation import Overlay
from vigie.config import Settings
from vigie.i18n import Message
from vigie.store import Store
from vigie.training import repository
from vigie.training.control import (Exercise, Wall, finish, get_exercise, list_decisions, list_log_entries, view_now,
                                    wall_instant)
from vigie.training.injections import overlay_for

__all__ = ["end_exercise", "after_action_timeline", "build_timeline", "played_segments", "timeline_text"]

MAX_TIMELINE_SLOTS = 1440    # 30 days of played time at 30-minute slots
FIXED_LOG_KINDS = ("started", "paused", "resumed", "ended", "joined", "left")  # timeline lines with a user only


def end_exercise(store: Store, exercise_id: int, username: str, *, settings: Settings,
                 wall_now: Wall = None) -> Exercise:
    """End the exercise: the clock stops for good, participants leave, the timeline is frozen."""
    wall = wall_instant(wall_now)
    ended = finish(store, exercise_id, username, wall_now=wall)
    # Computed outside the control transaction: it reads a lot and must not hold the write lock.
    repository.save_after_action(store, ended.id, build_timeline(store, ended, settings, wall))
    return ended


def after_action_timeline(store: Store, exercise_id: int, settings: Settings, *,
                          wall_now: Wall = None) -> list[dict[str, Any]]:
    """What happened, in the order it was played: control, injections, crisis ranking changes, plans."""
    exercise = get_exercise(store, exercise_id)
    frozen = repository.after_action(store, exercise.id)
    if exercise.state == "ended" and frozen:
        return frozen
    return build_timeline(store, exercise, settings, wall_instant(wall_now))


@dataclass(frozen=True)
class _Segment:
    """A stretch of play: from view0 (reached at wall0) to view1, at `speed`."""

    wall0: float
    view0: float
    view1: float
    speed: float

    def wall_at(self, view: float) -> float | None:
        """When this stretch showed `view` (None when it did not)."""
        if not self.view0 - 1e-6 <= view <= self.view1 + 1e-6:
            return None
        return self.wall0 + (view - self.view0) / self.speed


def played_segments(exercise: Exercise, log: list[dict[str, Any]], view_now: float, wall: float) -> list[_Segment]:
    """The stretches of history actually played, rebuilt from the control actions of the log."""
    segments: list[_Segment] = []
    speed, running = float(exercise.speed), None  # running: (wall0, view0, speed) of the open stretch

    def close(view_end: float) -> None:
        if running is not None:
            segments.append(_Segment(running[0], running[1], max(running[1], view_end), running[2]))

    for row in log:
        kind, view, at, detail = row["kind"], float(row["at_view_time"]), float(row["at_wall_time"]), row["detail"]
        if kind == "created":
            speed = float(detail.get("speed", speed))
        elif kind in ("started", "resumed"):
            running = (at, view, speed)
        elif kind in ("paused", "ended"):
            close(view)
            running = None
        elif kind == "speed":
            close(view)
            speed = float(detail["to"])
            running = None if running is None else (at, view, speed)
        elif kind == "jump" and running is not None:
            close(float(detail["from"]))
            running = (at, view, speed)
    if running is not None:
        close(view_now)
    return segments


def _wall_at(segments: list[_Segment], view: float) -> float | None:
    """The first wall instant the exercise showed `view` (None when never played)."""
    for segment in segments:
        found = segment.wall_at(view)
        if found is not None:
            return found
    return None


def _played_slots(segments: list[_Segment], step: int) -> list[tuple[int, float]]:
    """(slot, wall instant it was first shown) in the order of play."""
    played: list[tuple[int, float]] = []
    for segment in segments:
        first = int(segment.view0 // step * step)
        for slot in range(first, int(segment.view1 // step * step) + 1, step):
            if played and played[-1][0] == slot:
                continue
            played.append((slot, segment.wall0 + max(0.0, slot - segment.view0) / segment.speed))
    return played


def _listed_by_slot(store: Store, slots: list[int], step: int, settings: Settings,
                    overlay: Overlay) -> dict[int, list[tuple[str, int]]]:
    """The crisis list (code, excess) at each slot, with vigie.operations.crisis's thresholds and hysteresis."""
    from vigie.operations.crisis import listed_at, thresholds
    from vigie.analysis.situation import significance_at

    limits = thresholds(settings)
    wanted = sorted({s - i * step for s in slots for i in range(limits.lookback + 1)})
    found: dict[int, dict[str, tuple[int, float]]] = {}
    for i in range(0, len(wanted), 240):
        found.update(significance_at(store, wanted[i:i + 240], settings, overlay))
    significant = {slot: {c for c, (excess, z) in per.items() if limits.significant(excess, z)}
                   for slot, per in found.items()}
    listed: dict[int, list[tuple[str, int]]] = {}
    for slot in slots:
        held = listed_at(lambda s: significant.get(s, set()), slot, step, limits)
        rows = [(code, found[slot][code][0]) for code in held if code in found.get(slot, {})]
        listed[slot] = sorted(rows, key=lambda r: (-r[1], r[0]))
    return listed


def _ranking_entries(store: Store, exercise: Exercise, segments: list[_Segment], settings: Settings,
                     names: dict[str, str]) -> list[dict[str, Any]]:
    """When a sector entered or left the crisis list, and when the first place changed."""
    step = exercise.slot_minutes * 60
    played = _played_slots(segments, step)
    entries: list[dict[str, Any]] = []
    if len(played) > MAX_TIMELINE_SLOTS:
        played = played[:MAX_TIMELINE_SLOTS]
        entries.append(_entry(played[-1][1], played[-1][0], "note", None,
                              Message("timeline.ranking_capped", {"slots": MAX_TIMELINE_SLOTS}), {}))
    if not played:
        return entries
    listed = _listed_by_slot(store, sorted({s for s, _ in played}), step, settings, overlay_for(store, exercise.id))
    before: list[tuple[str, int]] = []
    for slot, wall in played:
        now = listed[slot]
        entries += _ranking_changes(before, now, slot, wall, names)
        before = now
    return entries


def _ranking_changes(before: list[tuple[str, int]], now: list[tuple[str, int]], slot: int, wall: float,
                     names: dict[str, str]) -> list[dict[str, Any]]:
    """Entries for the differences between two successive crisis lists."""
    old, new = {c for c, _ in before}, {c for c, _ in now}
    out = []
    for rank, (code, excess) in enumerate(now, start=1):
        if code not in old:
            out.append(_entry(wall, slot, "ranking_entered", None,
                              Message("timeline.ranking_entered", {"name": names.get(code, code), "rank": rank,
                                                                   "excess": excess}),
                              {"sector": code, "rank": rank, "excess": excess}))
    for code, _ in before:
        if code not in new:
            out.append(_entry(wall, slot, "ranking_left", None,
                              Message("timeline.ranking_left", {"name": names.get(code, code)}), {"sector": code}))
    if now and before and now[0][0] != before[0][0]:
        code, excess = now[0]
        out.append(_entry(wall, slot, "ranking_top", None,
                          Message("timeline.ranking_top", {"name": names.get(code, code), "excess": excess}),
                          {"sector": code, "excess": excess}))
    return out


def _entry(wall: float, view: float, kind: str, username: str | None, message: Message,
           detail: dict[str, Any]) -> dict[str, Any]:
    """One line of the timeline; its sentence is kept as a message, written in the reader's language."""
    return {"wall_time": float(wall), "view_time": int(view), "kind": kind, "username": username,
            "message": message.as_dict(), "detail": detail}


def timeline_text(entry: dict[str, Any], lang: str = "fr") -> str:
    """The sentence of a timeline entry in `lang` (timelines frozen before messages were keys hold French text)."""
    if "message" not in entry:
        return str(entry.get("text", ""))
    return Message.from_dict(entry["message"]).render(lang)


def _sector_list(codes: Sequence[str], names: dict[str, str]) -> str:
    """Sector names joined for a sentence."""
    return ", ".join(names.get(c, c) for c in codes)


def _injection_message(d: dict[str, Any], user: str, names: dict[str, str]) -> Message:
    """The sentence of an injection: its change, sectors, window, origin and note."""
    change = (Message("timeline.change_delta", {"delta": d["delta"]}) if d.get("delta") is not None
              else Message("timeline.change_multiplier", {"multiplier": d["multiplier"]}))
    origin = (Message("timeline.origin_scenario") if d.get("source") == "scenario"
              else Message("timeline.origin_trainer", {"user": user}))
    note = d.get("note") or Message("timeline.no_note")
    return Message("timeline.injection", {"change": change, "sectors": _sector_list(d["sectors"], names),
                                          "start": d["from"], "end": d["to"], "origin": origin, "note": note})


def _log_message(row: dict[str, Any], names: dict[str, str]) -> Message:
    """The sentence of one log line."""
    kind, user, d = row["kind"], row["username"] or "?", row["detail"]
    if kind == "created":
        return Message("timeline.created", {"name": d.get("name"), "user": user, "start": d["start_at"],
                                            "speed": d["speed"]})
    if kind in ("jump", "speed"):
        return Message(f"timeline.{kind}", {"source": d["from"], "target": d["to"], "user": user})
    if kind == "injection":
        return _injection_message(d, user, names)
    if kind in FIXED_LOG_KINDS:
        return Message(f"timeline.{kind}", {"user": user})
    if d.get("text"):
        return Message("timeline.free_text", {"text": str(d["text"])})
    return Message("timeline.other", {"kind": kind, "user": user})


def _log_entries(log: list[dict[str, Any]], segments: list[_Segment], names: dict[str, str]) -> list[dict[str, Any]]:
    """Timeline lines of the log; scenario injections appear when play reached them."""
    entries = []
    for row in log:
        wall = float(row["at_wall_time"])
        if row["kind"] == "injection" and row["detail"].get("source") == "scenario":
            reached = _wall_at(segments, float(row["at_view_time"]))
            if reached is None:
                continue
            wall = reached
        entries.append(_entry(wall, row["at_view_time"], row["kind"], row["username"], _log_message(row, names),
                              row["detail"]))
    return entries


def _scenario_end_entries(exercise: Exercise, log: list[dict[str, Any]],
                          segments: list[_Segment]) -> list[dict[str, Any]]:
    """"End of the scenario reached": when play reached it, or a jump went past it, whichever came first."""
    end = exercise.scenario_end
    if end is None:
        return []
    jumped = [float(r["at_wall_time"]) for r in log
              if r["kind"] == "jump" and float(r["detail"]["from"]) < end <= float(r["detail"]["to"])]
    reached = [w for w in (_wall_at(segments, end), *jumped) if w is not None]
    if not reached:
        return []
    return [_entry(min(reached), end, "scenario_end", None, Message("timeline.scenario_end", {"end": end}), {})]


def _decision_entries(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """Plans validated in the exercise, and by whom."""
    return [_entry(d["at"], d["view_time"], "plan", d["username"], Message("timeline.plan", {"user": d["username"]}),
                   {"decision_id": d["id"], "plan": d["plan"]})
            for d in list_decisions(store, exercise_id)]


def _log_entry_entries(store: Store, exercise_id: int) -> list[dict[str, Any]]:
    """Free-text entries of the main courante written in the exercise, by whom."""
    return [_entry(e["at"], e["view_time"], "entry", e["username"],
                   Message("timeline.entry", {"user": e["username"], "text": e["text"]}), {"entry_id": e["id"]})
            for e in list_log_entries(store, exercise_id)]


def build_timeline(store: Store, exercise: Exercise, settings: Settings, wall: float) -> list[dict[str, Any]]:
    """Compute the timeline from the log, the crisis ranking over the played time and the decisions."""
    log = repository.log_rows(store, exercise.id)
    segments = played_segments(exercise, log, view_now(store, exercise, wall), wall)
    names = sector_table.names(store)
    entries = (_log_entries(log, segments, names) + _ranking_entries(store, exercise, segments, settings, names)
               + _scenario_end_entries(exercise, log, segments) + _decision_entries(store, exercise.id)
               + _log_entry_entries(store, exercise.id))
    return sorted(entries, key=lambda e: (e["wall_time"], _tier(e)))


def _tier(entry: dict[str, Any]) -> int:
    """Order at equal wall times (the sort is stable): control, then what play reached, plans and entries, the end."""
    if entry["kind"] == "ended":
        return 3
    if entry["kind"] in ("plan", "entry"):
        return 2
    scenario = entry["kind"] == "injection" and entry["detail"].get("source") == "scenario"
    return 1 if scenario or entry["kind"].startswith(("ranking", "scenario_end")) else 0
