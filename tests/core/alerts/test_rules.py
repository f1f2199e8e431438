"""Rules evaluated on real data: a planted surge opens crisis alerts, narrowing, hysteresis, below usual, feed stopped."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from vigie.alerts import AlertError, list_alerts
from vigie.alerts.evaluate import View, evaluate_live, evaluate_view
from vigie.alerts.model import Summary
from vigie.alerts.forecast_adapter import forecast_crossings
from vigie.alerts.rules import Rule, get_rule, load_rules, save_rule
from vigie.store import Store
from vigie.analysis.zones import save_zone
from tests.factories import SURGE_AT, WEEK, make_settings, put

T = SURGE_AT
STEP = 1800
SETTINGS = make_settings()  # the defaults: z >= 4, excess >= 1000, two slots to enter


def _evaluate(store: Store, t: int, kinds: tuple[str, ...] = ("crisis", "below_usual")) -> list[tuple[str, str | None]]:
    return [(c.what, c.alert.sector) for c in evaluate_view(View(store, SETTINGS, t, float(t)), kinds)]


def _only(store: Store, *kinds: str) -> None:
    for rule in load_rules(store):
        save_rule(store, Rule(**{**rule.__dict__, "enabled": rule.kind in kinds}), "admin")


def test_surge_opens_one_crisis_alert_per_sector_then_refreshes_then_closes(planted: Store) -> None:
    _only(planted, "crisis")
    assert _evaluate(planted, T - STEP) == []              # one significant slot: not in the ranking yet
    assert sorted(_evaluate(planted, T)) == [("opened", "13001"), ("opened", "13002"), ("opened", "13201")]
    first = {a.sector: a for a in list_alerts(planted)}
    assert first["13002"].severity == "critical" and first["13002"].slot == T
    assert first["13002"].as_api()["summary"].startswith("Allauch +9\u00a0000 au-dessus de l'habituel (z 36,0)")
    assert _evaluate(planted, T) == []                     # seen again: nothing new, nothing sent
    assert _evaluate(planted, T + STEP) == []              # held one slot by the ranking's hysteresis
    held = {a.sector: a for a in list_alerts(planted)}["13002"]
    assert held.summary == first["13002"].summary and held.last_seen_slot == T + STEP  # keeps the figures it had
    assert sorted(_evaluate(planted, T + 2 * STEP)) == [("closed", "13001"), ("closed", "13002"), ("closed", "13201")]
    assert list_alerts(planted) == [] and {a.close_reason for a in list_alerts(planted, state="closed")} == {"condition_gone"}


def test_rules_narrowed_to_an_authority_a_zone_or_with_their_own_threshold(planted: Store) -> None:
    _only(planted)
    save_rule(planted, Rule("bmpm", "crisis", "warning", None, "BMPM", None, (), True), "admin")
    zone = save_zone(planted, "Nord", ["13001", "13003"], "admin")
    save_rule(planted, Rule("nord", "crisis", "info", zone.id, None, None, (("min_excess", 5000.0),), True), "admin")
    save_rule(planted, Rule("gros", "crisis", "critical", None, None, None, (("min_excess", 5000.0),), True), "admin")
    assert sorted((a.rule, a.sector, a.severity) for a in evaluate_and_list(planted)) == [
        ("bmpm", "13201", "warning"), ("gros", "13002", "critical")]


def evaluate_and_list(store: Store) -> list:
    evaluate_view(View(store, SETTINGS, T, float(T)))
    return list_alerts(store)


def test_bad_rules_are_refused_with_what_to_fix(planted: Store) -> None:
    with pytest.raises(AlertError, match="kind must be one of"):
        save_rule(planted, Rule("x", "panic", "info", None, None, None, (), True), "admin")
    with pytest.raises(AlertError, match="no parameter min_z"):
        save_rule(planted, Rule("x", "crisis", "info", None, None, None, (("min_z", 2.0),), True), "admin")
    with pytest.raises(AlertError, match="authority must be SDIS13 or BMPM"):
        save_rule(planted, Rule("x", "crisis", "info", None, "SDIS", None, (), True), "admin")
    with pytest.raises(AlertError, match="cannot be narrowed"):
        save_rule(planted, Rule("x", "feed_stopped", "info", None, "BMPM", None, (), True), "admin")
    with pytest.raises(AlertError, match="lower-case letters"):
        save_rule(planted, Rule("Crise!", "crisis", "info", None, None, None, (), True), "admin")
    with pytest.raises(AlertError, match="no rule 'nope'; rules: crise, flux-arrete"):
        get_rule(planted, "nope")
    assert [r.id for r in load_rules(planted)] == ["crise", "flux-arrete", "prevision", "sous-habituel"]


def test_far_below_usual_opens_and_closes_after_its_hysteresis(planted: Store) -> None:
    _only(planted, "below_usual")
    assert _evaluate(planted, T - STEP) == []              # one slot far below: not in the list yet
    assert _evaluate(planted, T) == [("opened", "13003")]
    alert = list_alerts(planted)[0]
    assert alert.rule == "sous-habituel" and alert.as_api()["summary"].startswith("Alleins : 2\u00a0500 personnes de moins que d'habitude")
    assert _evaluate(planted, T + STEP) == []              # gone for one slot: held
    assert _evaluate(planted, T + 2 * STEP) == [("closed", "13003")]


def test_below_usual_rules_with_their_own_thresholds_keep_the_list_entry_and_hold(planted: Store) -> None:
    _only(planted)
    save_rule(planted, Rule("vide", "below_usual", "info", None, None, None, (("min_excess", 3000.0),), True), "admin")
    save_rule(planted, Rule("creux", "below_usual", "info", None, None, None, (("min_excess", 1000.0), ("min_z", 10.0)),
                          True), "admin")

    def changes(t: int) -> list[tuple[str, str, str | None]]:
        return [(c.what, c.alert.rule, c.alert.sector) for c in evaluate_view(View(planted, SETTINGS, t, float(t)),
                                                                               ("below_usual",))]

    assert changes(T - STEP) == []                       # one slot far below: not listed, whatever the thresholds
    assert changes(T) == [("opened", "creux", "13003")]  # 2 500 short, z -12,5; "vide" asks 3 000
    assert changes(T + STEP) == []                       # held one slot
    assert changes(T + 2 * STEP) == [("closed", "creux", "13003")]


def test_disabling_a_rule_closes_its_alerts(planted: Store) -> None:
    _only(planted, "crisis")
    _evaluate(planted, T)
    _only(planted)
    assert len(_evaluate(planted, T)) == 3 and list_alerts(planted) == []


def test_feed_stopped_opens_when_data_is_older_than_red_and_closes_when_it_flows(planted: Store) -> None:
    _only(planted, "feed_stopped")
    newest = T + 5 * STEP
    assert evaluate_live(planted, SETTINGS, kinds=("feed_stopped",), now=newest + STEP + 59 * 60) == []
    changes = evaluate_live(planted, SETTINGS, kinds=("feed_stopped",), now=newest + STEP + 61 * 60)
    assert [(c.what, c.alert.sector, c.alert.rule) for c in changes] == [("opened", None, "flux-arrete")]
    assert "aucune donnée depuis" in changes[0].alert.as_api()["summary"]
    with planted.write() as tx:  # batches arrive again (a backfill of old slots): the feed has not stopped
        tx.execute("INSERT INTO feed_health(source, last_slot, last_received_at, updated_at) VALUES ('sim', ?, ?, ?)",
                   [newest, newest + STEP + 62 * 60, newest + STEP + 62 * 60])
    changes = evaluate_live(planted, SETTINGS, kinds=("feed_stopped",), now=newest + STEP + 63 * 60)
    assert [c.what for c in changes] == ["closed"]
    assert evaluate_live(planted, SETTINGS, kinds=("feed_stopped",), now=newest + STEP + 90 * 60) == []
    assert [c.what for c in evaluate_live(planted, SETTINGS, kinds=("feed_stopped",), now=newest + 4 * 3600)] == [
        "opened"]                                         # nothing received for over an hour: stopped again


def test_forecast_rule_is_a_no_op_without_forecasts(planted: Store) -> None:
    assert forecast_crossings(planted, T, SETTINGS, horizon_slots=4, min_excess=500) == []
    _only(planted, "forecast")
    assert _evaluate(planted, T, ("forecast",)) == []


def test_the_hook_after_a_batch_evaluates_unless_the_batch_is_too_old_to_matter(planted: Store) -> None:
    from vigie.alerts.evaluate import evaluate_after_batch

    _only(planted, "crisis")
    put(planted, "13001", [T + 4 * STEP, T + 5 * STEP], 20000)  # a surge up to the newest slot
    assert evaluate_after_batch(planted, SETTINGS, T - 8 * WEEK) == []   # a year-old correction: skipped
    assert [c.alert.sector for c in evaluate_after_batch(planted, SETTINGS, T + 5 * STEP)] == ["13001"]


def test_forecast_horizon_is_the_shortest_covering_the_rule() -> None:
    from vigie.alerts.forecast_adapter import horizon_key

    assert [horizon_key(n) for n in (1, 2, 3, 4, 6, 7, 12, 40)] == ["1h", "1h", "2h", "2h", "3h", "peak", "peak", "peak"]


def test_every_rule_of_one_evaluation_reads_the_same_state(quiet: Store, change: Callable[[Store], None],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch committed by another connection while the rules run reaches all of them next time, none now.

    Seen in the ops room: the crisis rule read the data before a surge batch, the forecast rule
    after it, and a "prévision" alert opened beside the crisis alert of the same sector.
    """
    from vigie.alerts import evaluate

    _only(quiet, "crisis")  # "crise", then "gros": its own threshold, so its own read of the lists
    save_rule(quiet, Rule("gros", "crisis", "critical", None, None, None, (("min_excess", 5000.0),), True), "admin")
    door = Store(quiet.path)  # the API door: another connection on the same file
    crisis = evaluate.CONDITIONS["crisis"]

    def crisis_then_a_batch_lands(rule: Rule, view: View) -> dict[str | None, Summary]:
        found = crisis(rule, view)
        if rule.id == "crise":
            change(door)
        return found

    monkeypatch.setitem(evaluate.CONDITIONS, "crisis", crisis_then_a_batch_lands)
    assert _evaluate(quiet, T) == []  # neither rule saw the batch
    monkeypatch.setitem(evaluate.CONDITIONS, "crisis", crisis)
    assert sorted((c.alert.rule, c.alert.sector) for c in evaluate_view(View(quiet, SETTINGS, T, float(T)))) == [
        ("crise", "13001"), ("crise", "13002"), ("crise", "13201"), ("gros", "13002")]
