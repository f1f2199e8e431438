"""Evaluate the rules at one instant, live or in an exercise, and open, refresh or close alerts.

Live, the rules run after every accepted batch (`evaluate_after_batch`, called by the ingestion
path whatever the door) at the newest slot. In an exercise they run at the exercise's clock over
its injections (the sender does it as the clock moves). A condition seen again refreshes its
alert; a condition gone for the rule's hold closes it.

The crisis and below-usual rules read the two lists of /crise (`vigie.operations.crisis.crisis_lists`):
the same thresholds, the same entry rule (`crisis_entry_slots` consecutive slots) and the same
hysteresis (`crisis_hysteresis_slots`), so that an alert is open exactly while its sector is
listed there (a rule's own thresholds replace the settings' in that same computation).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from vigie.alerts.forecast_adapter import forecast_crossings
from vigie.alerts import repository
from vigie.alerts.model import KINDS, Alert, Summary, alert_from_row
from vigie.alerts.rules import Rule, below_usual_limits, crisis_limits, load_rules, rule_sectors
from vigie.alerts.states import close_automatically, raise_alert
from vigie.config import Settings
from vigie.operations.crisis import CrisisLists, groupements, crisis_lists
from vigie.feed import health
from vigie.analysis.situation import Overlay, Situation, latest_slot, situation_at, slot_to_show
from vigie.store import Store

log = logging.getLogger("vigie.alerts")
DATA_KINDS = ("crisis", "below_usual", "forecast")
# A batch of slots older than this (a backfill of old history) changes no alert: the ops room
# watches the present, and the usual values of such old slots are not recomputed either.
STALE_BATCH_DAYS = 49


@dataclass(frozen=True)
class Change:
    """What an evaluation did to one alert: "opened", "reopened" or "closed"."""

    alert: Alert
    what: str


@dataclass
class View:
    """The instant the rules are evaluated at and the data they read, computed once per evaluation."""

    store: Store
    settings: Settings
    t: int | None
    now: float
    exercise_id: int | None = None
    overlay: Overlay | None = None
    _lists: dict[tuple[tuple[str, Any], ...], CrisisLists] = field(default_factory=dict)

    def lists(self, **limits: Any) -> CrisisLists:
        """The two lists of /crise at t, with a rule's own thresholds (settings names) in place of the settings'."""
        key = tuple(sorted(limits.items()))
        if key not in self._lists:
            assert self.t is not None
            settings = replace(self.settings, **limits) if limits else self.settings
            self._lists[key] = crisis_lists(self.store, self.t, settings, overlay=self.overlay, now=int(self.now))
        return self._lists[key]

    @cached_property
    def situation(self) -> Situation:
        assert self.t is not None
        return situation_at(self.store, self.t, self.settings, overlay=self.overlay, now=int(self.now))

    @cached_property
    def groupements(self) -> dict[str, str]:
        return groupements(self.store, self.situation, self.settings)

    @property
    def step(self) -> int:
        return self.settings.slot_minutes * 60


# -- conditions --------------------------------------------------------------------------------------
def _crisis(rule: Rule, view: View) -> dict[str | None, Summary]:
    ranked = view.lists(**crisis_limits(rule)).above
    keep = rule_sectors(view.store, rule, {r.code: r.groupement or "" for r in ranked}) if ranked else None
    return {r.code: Summary("crisis", (("excess", r.excess), ("name", r.name), ("z", round(r.z, 1))), held=r.holding)
            for r in ranked if keep is None or r.code in keep}


def _below_usual(rule: Rule, view: View) -> dict[str | None, Summary]:
    listed = view.lists(**below_usual_limits(rule)).below
    keep = rule_sectors(view.store, rule, {r.code: r.groupement or "" for r in listed}) if listed else None
    return {r.code: Summary("below_usual", (("deficit", -r.excess), ("name", r.name), ("z", round(r.z, 1))),
                            held=r.holding)
            for r in listed if keep is None or r.code in keep}


def _feed_stopped(rule: Rule, view: View) -> dict[str | None, Summary]:
    if view.exercise_id is not None:
        return {}
    report = health.status(view.store, view.settings, view.now)
    if report["level"] != "red" or report["newest_slot"] is None:
        return {}
    received = [s["last_received_at"] for s in report["sources"] if s["last_received_at"] is not None]
    if received and view.now - max(received) <= view.settings.stale_red_minutes * 60:
        return {}  # batches keep coming (a backfill of old slots, say): the feed has not stopped
    since = int(report["newest_slot"]) + view.step
    return {None: Summary("feed_stopped", (("minutes", int(view.now - since) // 60), ("since", since)))}


def _forecast(rule: Rule, view: View) -> dict[str | None, Summary]:
    assert view.t is not None
    found = forecast_crossings(view.store, view.t, view.settings, horizon_slots=int(rule.param("horizon_slots", 4)),
                               min_excess=int(rule.param("min_excess", view.settings.crisis_min_excess)),
                               overlay=view.overlay)
    keep = rule_sectors(view.store, rule, view.groupements) if found else None
    names = {s.code: s.name for s in view.situation.sectors} if found else {}
    listed = {r.code for r in view.lists().above} if found else set()  # in crisis: its crisis alert says it
    return {code: Summary("forecast", (("excess", excess), ("name", names.get(code, code)), ("slot", slot)))
            for code, slot, excess in found if (keep is None or code in keep) and code not in listed}


CONDITIONS = {"crisis": _crisis, "below_usual": _below_usual, "feed_stopped": _feed_stopped, "forecast": _forecast}


def hold_slots(rule: Rule) -> int:
    """Slots a condition must stay gone before its alert closes (0: as soon as it is gone; 1: its list holds it).

    The crisis and below-usual lists apply the hysteresis themselves (a held sector is still
    listed, marked `holding`): their alerts close at the first later slot that no longer lists it.
    """
    return 0 if rule.kind == "feed_stopped" else 1


# -- evaluation -------------------------------------------------------------------------------------
def _active(store: Store, rule_id: str, exercise_id: int | None) -> list[Alert]:
    return [alert_from_row(r) for r in repository.active_rows(store, rule_id, exercise_id)]


def _apply(rule: Rule, findings: dict[str | None, Summary], view: View) -> list[Change]:
    """Open or refresh the alerts of the findings, close those whose condition is gone long enough."""
    changes = []
    reopen = view.settings.alert_reopen_minutes * 60
    for sector, summary in findings.items():
        alert, what = raise_alert(view.store, rule=rule.id, kind=rule.kind, severity=rule.severity, sector=sector,
                                  slot=int(view.t or 0), summary=summary, exercise_id=view.exercise_id,
                                  now=view.now, reopen_seconds=reopen, keep_summary=summary.held)
        if what != "seen":
            changes.append(Change(alert, what))
    hold = hold_slots(rule) * view.step
    for alert in _active(view.store, rule.id, view.exercise_id):
        if alert.sector in findings:
            continue
        if not rule.enabled:
            changes.append(Change(close_automatically(view.store, alert.id, view.now, "rule_disabled"), "closed"))
        elif hold == 0 or int(view.t or 0) - alert.last_seen_slot >= hold:
            changes.append(Change(close_automatically(view.store, alert.id, view.now), "closed"))
    return changes


def _findings(view: View, kinds: tuple[str, ...]) -> list[tuple[Rule, dict[str | None, Summary]]]:
    """What every rule of `kinds` finds at the view's instant (a disabled rule finds nothing)."""
    return [(rule, CONDITIONS[rule.kind](rule, view) if rule.enabled else {})
            for rule in load_rules(view.store)
            if rule.kind in kinds and not (view.t is None and rule.kind in DATA_KINDS)]


def _apply_all(found: list[tuple[Rule, dict[str | None, Summary]]], view: View) -> list[Change]:
    return [change for rule, findings in found for change in _apply(rule, findings, view)]


def evaluate_view(view: View, kinds: tuple[str, ...] = KINDS) -> list[Change]:
    """Evaluate every rule of `kinds` at the view's instant (disabled rules close their alerts).

    Every rule reads the same state of the database (`Store.snapshot`): a batch committed while
    the rules run is seen by all of them at the next evaluation, never by half of them now.
    """
    with view.store.snapshot():
        found = _findings(view, kinds)
    return _apply_all(found, view)


def evaluate_live(store: Store, settings: Settings, *, kinds: tuple[str, ...] = KINDS,
                  now: float | None = None) -> list[Change]:
    """Evaluate the live rules at the newest slot and remember which batch they saw."""
    now = time.time() if now is None else now
    with store.snapshot():
        mark = str(repository.newest_accepted_batch(store)[0])
        view = View(store, settings, latest_slot(store), now)
        found = _findings(view, kinds)
    changes = _apply_all(found, view)
    if set(DATA_KINDS) <= set(kinds):
        remember(store, "live", mark, now)
    return changes


def exercise_view(store: Store, settings: Settings, exercise_id: int, now: float) -> View:
    """The view of an exercise at wall time `now`: its clock's slot and its injections."""
    from vigie.training.clock import history_end
    from vigie.training.control import get_exercise
    from vigie.training.injections import overlay_for

    exercise = get_exercise(store, exercise_id)
    view_time = exercise.clock(now, history_end(store, exercise.slot_minutes)).now()
    t = slot_to_show(store, view_time, exercise.slot_minutes)
    return View(store, settings, t, now, exercise.id, overlay_for(store, exercise.id))


def evaluate_exercise(store: Store, settings: Settings, exercise_id: int, now: float | None = None) -> list[Change]:
    """Evaluate the data rules in an exercise at its clock (its alerts carry its id)."""
    now = time.time() if now is None else now
    return evaluate_view(exercise_view(store, settings, exercise_id, now), DATA_KINDS)


def remember(store: Store, scope: str, mark: str, now: float) -> None:
    """Record what the rules of `scope` were last evaluated on."""
    repository.save_evaluation_mark(store, scope, mark, now)


def last_mark(store: Store, scope: str) -> str | None:
    """What the rules of `scope` were last evaluated on (None: never)."""
    return repository.evaluation_mark(store, scope)


def evaluate_after_batch(store: Store, settings: Settings, last_slot: int | None = None) -> list[Change]:
    """The hook after an accepted batch: evaluate the live rules; a failure is logged, never the batch's.

    A batch whose newest slot is older than the usual values read at the newest slot (the
    reference window, plus one week) cannot change what the rules see: it is skipped.
    """
    newest = latest_slot(store)
    if last_slot is not None and newest is not None and last_slot < newest - STALE_BATCH_DAYS * 86400:
        return []
    try:
        return evaluate_live(store, settings)
    except Exception:  # the batch is stored; the sender evaluates again on its next turn
        log.exception("alert evaluation after a batch failed; the alert sender will retry")
        return []
