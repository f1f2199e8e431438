"""Exercises: control, participants, injections merged at read time, isolation of live data, timeline."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vigie.config import Settings, load_settings
from vigie.identity import accounts, audit
from vigie.identity.accounts import User
from vigie.training import control, injections
from vigie.training.clock import ExerciseError, clock_for
from vigie.training.control import create_exercise, jump, pause, record_decision, resume, set_speed, start
from vigie.training.injections import add_injection, overlay_for
from vigie.training.timeline import after_action_timeline, end_exercise, timeline_text
from vigie.analysis.situation import situation_at
from vigie.store import Store
from tests.factories import (HISTORY_END, HISTORY_START, SATURDAY_14H, STEP, WALL, drill_settings, live_digest, make_settings, user_id,
                             new_exercise, observed)


# -- creation and control ---------------------------------------------------------------------------
def test_create_starts_in_draft_on_its_start(history: Store) -> None:
    exercise = new_exercise(history)
    assert (exercise.state, exercise.speed, exercise.start_at) == ("draft", 60, SATURDAY_14H)
    assert len(exercise.join_code) >= 16
    assert clock_for(history, exercise.id, WALL + 1000).now() == SATURDAY_14H


@pytest.mark.parametrize("speed", [0, 3601, -5, 2.5])
def test_speed_out_of_range_is_refused(history: Store, speed: Any) -> None:
    with pytest.raises(ExerciseError) as caught:
        create_exercise(history, "x", SATURDAY_14H, speed, "trainer")
    assert caught.value.key == "errors.exercise_speed"
    exercise = new_exercise(history)
    with pytest.raises(ExerciseError) as caught:
        set_speed(history, exercise.id, speed, "trainer")
    assert caught.value.key == "errors.exercise_speed"


@pytest.mark.parametrize("start_at", [HISTORY_START - STEP, HISTORY_END, HISTORY_END + 86400])
def test_start_outside_history_is_refused(history: Store, start_at: int) -> None:
    with pytest.raises(ExerciseError) as caught:
        create_exercise(history, "x", start_at, 60, "trainer")
    assert caught.value.key == "errors.exercise_outside_history"


def test_nameless_exercise_is_refused(history: Store) -> None:
    with pytest.raises(ExerciseError) as caught:
        create_exercise(history, " \n ", SATURDAY_14H, 60, "trainer")
    assert caught.value.key == "errors.exercise_name_missing"


def test_control_follows_the_state_machine(history: Store) -> None:
    exercise = new_exercise(history)
    with pytest.raises(ExerciseError) as caught:
        resume(history, exercise.id, "trainer", wall_now=WALL)
    assert caught.value.key == "errors.exercise_not_started"
    with pytest.raises(ExerciseError) as caught:
        pause(history, exercise.id, "trainer", wall_now=WALL)
    assert caught.value.key == "errors.exercise_not_running"
    assert start(history, exercise.id, "trainer", wall_now=WALL).state == "running"
    with pytest.raises(ExerciseError) as caught:
        start(history, exercise.id, "trainer", wall_now=WALL + 1)
    assert caught.value.key == "errors.exercise_already_started"
    assert pause(history, exercise.id, "trainer", wall_now=WALL + 2).state == "paused"
    with pytest.raises(ExerciseError) as caught:
        start(history, exercise.id, "trainer", wall_now=WALL + 3)
    assert caught.value.key == "errors.exercise_paused"
    assert resume(history, exercise.id, "trainer", wall_now=WALL + 3).state == "running"


def test_jump_outside_the_exercise_history_is_refused(history: Store) -> None:
    exercise = start(history, new_exercise(history).id, "trainer", wall_now=WALL)
    for target in (SATURDAY_14H - STEP, HISTORY_END, HISTORY_END + 3600):
        with pytest.raises(ExerciseError) as caught:
            jump(history, exercise.id, target, "trainer", wall_now=WALL + 1)
        assert caught.value.key == "errors.exercise_outside_its_history"
    assert jump(history, exercise.id, SATURDAY_14H + 7200, "trainer", wall_now=WALL + 1).anchor_view_time \
        == SATURDAY_14H + 7200


def test_an_ended_exercise_refuses_every_control(history: Store) -> None:
    drill = drill_settings(history)
    exercise = start(history, new_exercise(history).id, "trainer", wall_now=WALL)
    ended = end_exercise(history, exercise.id, "trainer", settings=drill, wall_now=WALL + 10)
    assert ended.state == "ended" and ended.ended_at == int(WALL + 10)
    frozen = clock_for(history, exercise.id, WALL + 10).now()
    assert clock_for(history, exercise.id, WALL + 5000).now() == frozen == SATURDAY_14H + 600
    actions = [lambda: start(history, exercise.id, "t", wall_now=WALL), lambda: pause(history, exercise.id, "t"),
               lambda: resume(history, exercise.id, "t"), lambda: set_speed(history, exercise.id, 10, "t"),
               lambda: jump(history, exercise.id, SATURDAY_14H, "t"),
               lambda: end_exercise(history, exercise.id, "t", settings=drill),
               lambda: add_injection(history, exercise.id, "13056", SATURDAY_14H, SATURDAY_14H + 3600, delta=100,
                                     username="t"),
               lambda: control.join(history, exercise.id, user_id(history, "operator")),
               lambda: control.log_event(history, exercise.id, "note", "t"),
               lambda: record_decision(history, "commander", {"moves": []}, exercise_id=exercise.id)]
    for action in actions:
        with pytest.raises(ExerciseError) as caught:
            action()
        assert caught.value.key == "errors.exercise_ended"


def test_unknown_exercise_gives_an_actionable_error(history: Store) -> None:
    with pytest.raises(ExerciseError) as caught:
        start(history, 999, "trainer")
    assert (caught.value.key, caught.value.params) == ("errors.exercise_not_found", {"exercise_id": 999})
    assert "introuvable : choisissez-en un dans la liste" in caught.value.message("fr")
    assert "not found: choose one from the list" in caught.value.message("en")
    with pytest.raises(ExerciseError) as caught:
        clock_for(history, 999)
    assert caught.value.key == "errors.exercise_not_found"


def test_control_is_audited(history: Store) -> None:
    exercise = new_exercise(history)
    start(history, exercise.id, "trainer", wall_now=WALL)
    set_speed(history, exercise.id, 600, "trainer", wall_now=WALL + 1)
    actions = [row["action"] for row in audit.recent(history, 10) if row["action"].startswith("exercise.")]
    assert actions == ["exercise.speed", "exercise.started", "exercise.create"]


# -- roles and participants -------------------------------------------------------------------------------
@pytest.mark.parametrize("role,allowed", [("display", False), ("operator", False), ("commander", False),
                                          ("trainer", True), ("admin", True)])
def test_only_trainers_and_admins_control(role: str, allowed: bool) -> None:
    user = User(1, role, role, "fr", True)
    if allowed:
        control.require_control(user)
    else:
        with pytest.raises(ExerciseError) as caught:
            control.require_control(user)
        assert caught.value.key == "errors.exercise_control_refused"


def test_a_user_is_in_one_exercise_at_a_time(history: Store) -> None:
    first, second = new_exercise(history), new_exercise(history)
    operator = user_id(history, "operator")
    assert control.current_exercise_for(history, operator) is None
    control.join(history, first.id, operator, wall_now=WALL)
    assert control.join(history, first.id, operator, wall_now=WALL).id == first.id  # joining twice is harmless
    with pytest.raises(ExerciseError) as caught:
        control.join(history, second.join_code, operator)
    assert (caught.value.key, caught.value.params) == ("errors.exercise_already_in", {"name": "Exercice test"})
    assert caught.value.message("fr") == ("vous participez déjà à l'exercice « Exercice test » : "
                                          "quittez-le avant d'en rejoindre un autre")
    assert control.current_exercise_for(history, operator).id == first.id  # type: ignore[union-attr]
    assert control.leave(history, operator, wall_now=WALL).id == first.id  # type: ignore[union-attr]
    assert control.join(history, second.join_code, operator, wall_now=WALL).id == second.id
    assert [p["username"] for p in control.participants(history, second.id)] == ["operator"]
    assert control.participants(history, first.id) == []


def test_joining_by_a_bad_link_is_refused(history: Store) -> None:
    with pytest.raises(ExerciseError) as caught:
        control.join(history, "not-a-code", user_id(history, "display"))
    assert caught.value.key == "errors.exercise_bad_link"


def test_ending_sends_participants_back_to_live(history: Store) -> None:
    drill = drill_settings(history)
    exercise = start(history, new_exercise(history).id, "trainer", wall_now=WALL)
    display = user_id(history, "display")
    control.join(history, exercise.id, display, wall_now=WALL)
    end_exercise(history, exercise.id, "trainer", settings=drill, wall_now=WALL + 5)
    assert control.current_exercise_for(history, display) is None
    assert control.list_exercises(history, active_only=True) == []
    assert [e.id for e in control.list_exercises(history)] == [exercise.id]


# -- injections and the overlay ------------------------------------------------------------------------------
def test_injection_expands_per_slot_with_its_profile(history: Store) -> None:
    exercise = new_exercise(history)
    detail = add_injection(history, exercise.id, "13056", SATURDAY_14H, SATURDAY_14H + 4 * STEP, delta=1200,
                           ramp_up=3600, ramp_down=3600, note="camping", username="trainer", wall_now=WALL)
    rows = injections.list_injections(history, exercise.id)
    assert [(r["slot"] - SATURDAY_14H) // STEP for r in rows] == [0, 1, 2, 3]
    assert [r["delta_present"] for r in rows] == [600, 1200, 1200, 600]
    assert detail["peak"] == 1200 and detail["rows"] == 4 and rows[0]["source"] == "trainer"


def test_multiplier_scales_the_historical_value(history: Store) -> None:
    exercise = new_exercise(history)
    add_injection(history, exercise.id, ["13022"], SATURDAY_14H, SATURDAY_14H + STEP, multiplier=1.5,
                  note="x1.5", username="trainer")
    row = injections.list_injections(history, exercise.id)[0]
    assert row["delta_present"] == round(observed(history, "13022", SATURDAY_14H) * 0.5)


@pytest.mark.parametrize("kwargs,key", [
    ({"sector_code": "99999", "delta": 100}, "errors.exercise_unknown_sectors"),
    ({"delta": 0}, "errors.exercise_delta"),
    ({"delta": 400_000}, "errors.exercise_delta"),
    ({"delta": 100, "multiplier": 2.0}, "errors.exercise_delta_or_multiplier"),
    ({}, "errors.exercise_delta_or_multiplier"),
    ({"multiplier": 1.0}, "errors.exercise_multiplier"),
    ({"multiplier": 50.0}, "errors.exercise_multiplier"),
    ({"delta": 100, "ramp_up": 3 * 3600}, "errors.exercise_injection_ramps"),
    ({"delta": 100, "end": SATURDAY_14H}, "errors.exercise_injection_order"),
    ({"delta": 100, "start": SATURDAY_14H - 3600}, "errors.exercise_outside_its_history"),
    ({"delta": 100, "end": HISTORY_END + 3600}, "errors.exercise_outside_its_history"),
])
def test_bad_injections_are_refused(history: Store, kwargs: dict[str, Any], key: str) -> None:
    exercise = new_exercise(history)
    args = {"sector_code": "13056", "start": SATURDAY_14H, "end": SATURDAY_14H + 7200, **kwargs}
    with pytest.raises(ExerciseError) as caught:
        add_injection(history, exercise.id, args.pop("sector_code"), args.pop("start"), args.pop("end"),
                      username="trainer", **args)
    assert caught.value.key == key
    assert injections.list_injections(history, exercise.id) == []


def test_overlay_is_merged_into_the_situation_at_read_time(history: Store) -> None:
    exercise = new_exercise(history)
    slot = SATURDAY_14H + STEP
    for delta in (20_000, 5_000):  # two injections on one cell add up
        add_injection(history, exercise.id, "13208", slot, slot + STEP, delta=delta, note="foule", username="t")
    add_injection(history, exercise.id, "13056", slot, slot + STEP, delta=-10**6 // 10, note="vide", username="t")
    overlay = overlay_for(history, exercise.id)
    assert overlay(["13208", "13056"], [slot]) == {("13208", slot): 25_000, ("13056", slot): -100_000}
    assert overlay(["13001"], [slot]) == {} and overlay(["13208"], [slot + STEP]) == {}
    settings = make_settings(history.path.parent)
    live = situation_at(history, slot, settings).by_code()
    played = situation_at(history, slot, settings, overlay=overlay).by_code()
    assert live["13208"].present == observed(history, "13208", slot)
    assert played["13208"].present == observed(history, "13208", slot) + 25_000
    assert played["13056"].present is None  # below zero reads 0, which is then withheld (< k)
    assert played["13001"].present == live["13001"].present


def test_live_tables_are_byte_identical_after_an_exercise(history: Store) -> None:
    from vigie.training.scenarios import create_from_scenario, default_scenarios_folder, find_scenario

    drill = drill_settings(history)
    before = live_digest(history)
    scenario = find_scenario("cote-bleue-feu", default_scenarios_folder(drill.reference_dir))
    exercise = create_from_scenario(history, scenario, "trainer", start_at=SATURDAY_14H, speed=600, wall_now=WALL)
    control.join(history, exercise.join_code, user_id(history, "operator"), wall_now=WALL)
    start(history, exercise.id, "trainer", wall_now=WALL)
    add_injection(history, exercise.id, ["13208", "13001"], SATURDAY_14H, SATURDAY_14H + 7200, delta=30_000,
                  note="foule", username="trainer", wall_now=WALL + 1)
    set_speed(history, exercise.id, 60, "trainer", wall_now=WALL + 2)
    jump(history, exercise.id, SATURDAY_14H + 3 * 3600, "trainer", wall_now=WALL + 3)
    clock = clock_for(history, exercise.id, WALL + 4)
    situation_at(history, clock.slot(), drill, overlay=overlay_for(history, exercise.id))
    record_decision(history, "commander", {"moves": ["VSAV"]}, exercise_id=exercise.id, wall_now=WALL + 5)
    end_exercise(history, exercise.id, "trainer", settings=drill, wall_now=WALL + 6)
    after_action_timeline(history, exercise.id, drill)
    assert len(injections.list_injections(history, exercise.id)) > 20  # the exercise did inject
    assert live_digest(history) == before


# -- decisions, marking ------------------------------------------------------------------------------------
def test_exercise_decisions_are_kept_apart_from_live_ones(history: Store) -> None:
    exercise = start(history, new_exercise(history).id, "trainer", wall_now=WALL)
    live = record_decision(history, "commander", {"moves": ["live"]}, wall_now=WALL)
    drill = record_decision(history, "commander", {"moves": ["drill"]}, exercise_id=exercise.id, wall_now=WALL + 10)
    assert [d["id"] for d in control.list_decisions(history)] == [live]
    rows = control.list_decisions(history, exercise.id)
    assert [d["id"] for d in rows] == [drill]
    assert rows[0]["view_time"] == SATURDAY_14H + 600 and rows[0]["plan"] == {"moves": ["drill"]}


def test_stamp_says_exercice_and_the_state_is_in_the_readers_language(history: Store) -> None:
    exercise = new_exercise(history)
    assert control.stamp(exercise) == "EXERCICE — Exercice test"
    assert control.stamp(None) == ""
    assert (exercise.state_label("fr"), exercise.state_label("en")) == ("brouillon", "draft")


# -- after-action timeline ----------------------------------------------------------------------------------
def test_timeline_tells_what_happened_in_order(history: Store) -> None:
    drill = drill_settings(history)
    exercise = new_exercise(history, speed=600)
    crowd_from, crowd_to = SATURDAY_14H + STEP, SATURDAY_14H + 3 * STEP
    add_injection(history, exercise.id, "13208", crowd_from, crowd_to, delta=40_000, note="Match au Vélodrome",
                  username="trainer", wall_now=WALL)
    start(history, exercise.id, "trainer", wall_now=WALL)
    control.join(history, exercise.id, user_id(history, "commander"), wall_now=WALL + 1)
    record_decision(history, "commander", {"moves": ["+2 VSAV"]}, exercise_id=exercise.id, wall_now=WALL + 5)
    pause(history, exercise.id, "trainer", wall_now=WALL + 12)   # view: 14:00 + 2 h
    resume(history, exercise.id, "trainer", wall_now=WALL + 20)
    end_exercise(history, exercise.id, "trainer", settings=drill, wall_now=WALL + 24)  # view: 14:00 + 2 h 40
    timeline = after_action_timeline(history, exercise.id, drill)
    kinds = [e["kind"] for e in timeline]
    assert kinds[:3] == ["created", "injection", "started"] and kinds[-1] == "ended"
    assert [e["wall_time"] for e in timeline] == sorted(e["wall_time"] for e in timeline)
    entered = [e for e in timeline if e["kind"] == "ranking_entered"]
    left = [e for e in timeline if e["kind"] == "ranking_left"]
    assert [(e["detail"]["sector"], e["view_time"]) for e in entered] == [("13208", crowd_from)]
    assert "Marseille 8e Arrondissement entre dans le classement de crise (rang 1" in timeline_text(entered[0], "fr")
    assert "Marseille 8e Arrondissement enters the crisis ranking (rank 1" in timeline_text(entered[0], "en")
    # held one more slot under the threshold (hysteresis 2), out at the second
    assert [(e["detail"]["sector"], e["view_time"]) for e in left] == [("13208", crowd_to + STEP)]
    assert entered[0]["wall_time"] == pytest.approx(WALL + 3)  # 30 view minutes at x600
    plans = [e for e in timeline if e["kind"] == "plan"]
    assert [(p["username"], timeline_text(p, "fr")) for p in plans] == [("commander", "Plan validé par commander")]
    assert any(e["kind"] == "joined" and e["username"] == "commander" for e in timeline)
    assert after_action_timeline(history, exercise.id, drill) == timeline  # frozen at the end
    assert timeline_text(timeline[1], "fr") == ("+40\u00a0000 personnes à Marseille 8e Arrondissement de 14:30 à 15:30 "
                                                "(injection de trainer) : Match au Vélodrome")
    assert timeline_text(timeline[1], "en") == ("+40,000 people in Marseille 8e Arrondissement from 14:30 to 15:30 "
                                                "(injected by trainer): Match au Vélodrome")


def test_a_timeline_frozen_as_french_text_stays_readable(history: Store) -> None:
    drill = drill_settings(history)
    exercise = end_exercise(history, new_exercise(history).id, "trainer", settings=drill, wall_now=WALL)
    old = [{"wall_time": WALL, "view_time": SATURDAY_14H, "kind": "ended", "username": "trainer",
            "text": "Fin de l'exercice par trainer", "detail": {}}]
    with history.write() as tx:
        tx.execute("UPDATE exercises SET after_action = ? WHERE id = ?", [json.dumps(old), exercise.id])
    frozen = after_action_timeline(history, exercise.id, drill)
    assert [timeline_text(e, "en") for e in frozen] == ["Fin de l'exercice par trainer"]


def test_timeline_ranking_matches_the_crisis_ranking(history: Store) -> None:
    from vigie.operations.crisis import rank_sectors

    exercise = new_exercise(history, speed=600)
    add_injection(history, exercise.id, ["13208", "13056"], SATURDAY_14H, SATURDAY_14H + 2 * STEP, delta=40_000,
                  note="foules", username="trainer")
    start(history, exercise.id, "trainer", wall_now=WALL)
    # one slot to enter the list: the timeline is played up to the first injected slot only
    settings = make_settings(history.path.parent, crisis_entry_slots=1, crisis_min_z=3.0, crisis_min_excess=500)
    timeline = after_action_timeline(history, exercise.id, settings, wall_now=WALL + 2)
    entered = {e["detail"]["sector"]: e["detail"]["rank"] for e in timeline if e["kind"] == "ranking_entered"}
    ranked = rank_sectors(history, SATURDAY_14H, settings, overlay=overlay_for(history, exercise.id))
    assert entered == {r.code: r.rank for r in ranked} and len(entered) == 2


def test_scenario_injections_not_reached_stay_off_the_timeline(history: Store) -> None:
    drill = drill_settings(history)
    exercise = new_exercise(history, speed=60)
    add_injection(history, exercise.id, "13022", SATURDAY_14H + 5 * 3600, SATURDAY_14H + 6 * 3600, delta=500,
                  note="plus tard", username="trainer", source="scenario")
    start(history, exercise.id, "trainer", wall_now=WALL)
    reached = after_action_timeline(history, exercise.id, drill, wall_now=WALL + 60)  # one hour of play
    assert "injection" not in [e["kind"] for e in reached]
    later = after_action_timeline(history, exercise.id, drill, wall_now=WALL + 6 * 60)
    injection = [e for e in later if e["kind"] == "injection"]
    assert len(injection) == 1 and injection[0]["wall_time"] == pytest.approx(WALL + 5 * 60)


def test_the_timeline_marks_the_end_of_the_scenario_when_play_or_a_jump_reaches_it(history: Store) -> None:
    from vigie.training.scenarios import create_from_scenario, default_scenarios_folder, find_scenario

    drill = drill_settings(history)
    scenario = find_scenario("cote-bleue-feu", default_scenarios_folder(drill.reference_dir))   # 8 hours
    played, jumped = (create_from_scenario(history, scenario, "trainer", start_at=SATURDAY_14H, speed=600,
                                           wall_now=WALL) for _ in range(2))
    end = SATURDAY_14H + 8 * 3600
    assert played.scenario_end == jumped.scenario_end == end
    assert not played.scenario_over(end - 1) and played.scenario_over(end)
    for exercise in (played, jumped):
        start(history, exercise.id, "trainer", wall_now=WALL)
    jump(history, jumped.id, end + 3600, "trainer", wall_now=WALL + 5)

    def ends(exercise: control.Exercise, wall: float) -> list[dict[str, Any]]:
        timeline = after_action_timeline(history, exercise.id, drill, wall_now=wall)
        return [e for e in timeline if e["kind"] == "scenario_end"]

    assert ends(played, WALL + 47) == []                                 # 7 h 50 played at x600
    [reached] = ends(played, WALL + 60)
    assert (reached["view_time"], reached["wall_time"]) == (end, pytest.approx(WALL + 48))
    assert timeline_text(reached, "fr") == ("Fin du scénario atteinte à 05/07/2025 22:00 : "
                                            "l'horloge continue sur l'historique seul")
    assert [e["wall_time"] for e in ends(jumped, WALL + 6)] == [pytest.approx(WALL + 5)]


# -- command line ------------------------------------------------------------------------------------------
def test_cli_runs_an_exercise(data_dir: Path) -> None:
    from cli import main

    runner = CliRunner(env={"VIGIE_DATA_DIR": str(data_dir), "VIGIE_FEED": "none"})

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args))
        assert result.exit_code == code, result.output
        return result.output

    assert "exercise 1 created" in run("exercise", "create", "Test CLI", "--start", "2025-07-05T14:00",
                                       "--speed", "600")
    assert "\trunning\t×600\t" in run("exercise", "start", "1")
    assert "\t×60\t" in run("exercise", "speed", "1", "60")
    assert "05/07/2025 16:00" in run("exercise", "jump", "1", "2025-07-05T16:00")
    assert "4 slot rows" in run("exercise", "inject", "1", "--sector", "13056", "--from", "2025-07-05T16:00",
                                "--to", "2025-07-05T18:00", "--delta", "-2700", "--ramp-up", "1h00",
                                "--note", "évacuation")
    assert "paused" in run("exercise", "pause", "1")
    assert "Test CLI" in run("exercise", "list", "--active")
    assert "× 1 à" not in run("exercise", "resume", "1")
    assert "Vitesse ×600 → ×60" in run("exercise", "timeline", "1")
    assert "\tended\t" in run("exercise", "end", "1")
    assert "est terminé" in run("exercise", "pause", "1", code=1)
    assert "vitesse 0 impossible" in run("exercise", "create", "x", "--start", "2025-07-05T14:00", "--speed", "0",
                                         code=1)
    assert "cote-bleue-feu" in run("scenario", "list")
    assert "exercise 2 created" in run("exercise", "create", "Feu", "--scenario", "cote-bleue-feu",
                                       "--start", "2025-07-05T12:00")
