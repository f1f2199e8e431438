"""The training page for trainers: scenarios fill the form, drafts apart, confirmation, scenario end notice."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from components import ids
from server.context import vigie
from vigie.config import SHIPPED_DATA_DIR
from vigie.training import control, scenarios
from vigie.slots import PARIS
from vigie.store import Store
from tests.app.dash_calls import CODES, HISTORY_END, HISTORY_START, STEP, _history, _text, call

@pytest.fixture
def trainer(client_as: Any, store: Store) -> Any:
    _history(store)
    return client_as("trainer")


def test_choosing_a_scenario_fills_name_start_speed_and_shows_its_questions(trainer: Any) -> None:
    answer = call(trainer, [(ids.EXE_NAME, "value"), (ids.EXE_START, "value"), (ids.EXE_SPEED, "value"),
                            (ids.EXE_SCENARIO_INFO, "children")], [(ids.EXE_SCENARIO, "value", "velodrome-orage.yaml")])
    scenario = scenarios.find_scenario("velodrome-orage", scenarios.default_scenarios_folder(SHIPPED_DATA_DIR))
    assert answer[ids.EXE_NAME]["value"] == scenario.name
    assert answer[ids.EXE_SPEED]["value"] == scenario.speed == 10
    start = datetime.fromisoformat(answer[ids.EXE_START]["value"]).replace(tzinfo=PARIS)
    assert start.weekday() == 2 and (start.hour, start.minute) == (18, 0)          # "last wednesday 18:00"
    assert HISTORY_START <= start.timestamp() <= HISTORY_END - scenario.duration
    shown = _text(answer[ids.EXE_SCENARIO_INFO]["children"])
    assert "Questions pour la salle" in shown and "8 h 30" in shown


def test_a_scenario_outside_the_list_is_refused(trainer: Any) -> None:
    answer = call(trainer, [(ids.EXE_NAME, "value"), (ids.EXE_START, "value"), (ids.EXE_SPEED, "value"),
                            (ids.EXE_SCENARIO_INFO, "children")], [(ids.EXE_SCENARIO, "value", "../../etc/passwd")])
    assert "Scénario inconnu" in _text(answer[ids.EXE_SCENARIO_INFO]["children"])
    assert ids.EXE_NAME not in answer


PRESELECTED = (ids.EXE_JOIN_SELECT, ids.EXE_TARGET, ids.EXE_TIMELINE_SELECT)


def _create(client: Any, start: Any, scenario: str = "") -> Any:
    return call(client, [(ids.EXE_RESULT, "children"), *[(select, "value") for select in PRESELECTED]],
                [(ids.EXE_CREATE, "n_clicks", 1)],
                [(ids.EXE_NAME, "value", "Exercice du jeudi"), (ids.EXE_SCENARIO, "value", scenario),
                 (ids.EXE_START, "value", start), (ids.EXE_SPEED, "value", 60)])


@pytest.mark.parametrize("start", [None, "", "20/05/2026"])
def test_a_missing_start_says_what_to_enter_and_where_history_lies(trainer: Any, store: Store, start: Any) -> None:
    answer = _create(trainer, start)
    message = _text(answer[ids.EXE_RESULT]["children"])
    assert ("Début : indiquez la date et l'heure (heure de Paris) où commence l'exercice, dans l'historique "
            "disponible (du 04/05/2026 00:00 au 01/06/2026 00:00), au format JJ/MM/AAAA HH:MM") in message
    assert not control.list_exercises(store)


def test_the_new_exercise_is_preselected_and_listed_as_a_draft(trainer: Any, store: Store) -> None:
    answer = _create(trainer, "2026-05-20T18:00")
    [created] = control.list_exercises(store)
    assert [answer[select]["value"] for select in PRESELECTED] == [str(created.id)] * 3   # join, control, timeline
    lists = call(trainer, [(ids.EXE_LIST, "children"), (ids.EXE_STATUS, "children"), (ids.EXE_JOIN_SELECT, "options"),
                           (ids.EXE_TARGET, "options"), (ids.EXE_TIMELINE_SELECT, "options"),
                           (ids.EXE_SCENARIO, "options"), (ids.EXE_INJ_SECTOR, "options")],
                 [(ids.EXE_REFRESH, "n_intervals", 1), (ids.EXE_RESULT, "children", None)])
    listing = _text(lists[ids.EXE_LIST]["children"])
    running, drafts = listing.split("Brouillons (créés, pas encore lancés)")
    assert "Exercices en cours" in running and "Aucun exercice en cours" in running    # nothing running yet ...
    assert "Exercice du jeudi" in drafts and "brouillon" in drafts                    # ... the draft is apart


def test_ending_goes_through_the_confirmation_dialogue(trainer: Any, store: Store) -> None:
    _create(trainer, "2026-05-20T18:00")
    [created] = control.list_exercises(store)
    controls = [(ids.EXE_PLAY, "n_clicks", None), (ids.EXE_PAUSE, "n_clicks", None),
                (ids.EXE_SET_SPEED, "n_clicks", None), (ids.EXE_JUMP, "n_clicks", None),
                (ids.EXE_INJECT, "n_clicks", None), (ids.EXE_END_CONFIRM, "submit_n_clicks", 1)]
    state = [(ids.EXE_TARGET, "value", str(created.id)), (ids.EXE_NEW_SPEED, "value", 60),
             (ids.EXE_JUMP_TO, "value", None), (ids.EXE_INJ_SECTOR, "value", None), (ids.EXE_INJ_FROM, "value", None),
             (ids.EXE_INJ_TO, "value", None), (ids.EXE_INJ_DELTA, "value", None), (ids.EXE_INJ_NOTE, "value", None)]
    call(trainer, [(ids.EXE_RESULT, "children")], controls, state, changed=f"{ids.EXE_END_CONFIRM}.submit_n_clicks")
    assert control.get_exercise(store, created.id).state == "ended"


def _lists(client: Any) -> str:
    return _text(call(client, [(ids.EXE_LIST, "children"), (ids.EXE_STATUS, "children"),
                               (ids.EXE_JOIN_SELECT, "options"), (ids.EXE_TARGET, "options"),
                               (ids.EXE_TIMELINE_SELECT, "options"), (ids.EXE_SCENARIO, "options"),
                               (ids.EXE_INJ_SECTOR, "options")],
                      [(ids.EXE_REFRESH, "n_intervals", 1), (ids.EXE_RESULT, "children", None)]))


def _banner(client: Any) -> Any:
    return call(client, [(ids.SHELL_EXERCISE, "data")], [(ids.SHELL_EXERCISE_POLL, "n_intervals", 1)],
                [(ids.SHELL_EXERCISE, "data", None)])[ids.SHELL_EXERCISE]["data"]


def test_participants_are_told_when_the_scenario_is_over(trainer: Any, store: Store) -> None:
    _create(trainer, "2026-05-20T18:00", "velodrome-orage.yaml")
    [created] = control.list_exercises(store)
    end = created.start_at + 8 * 3600 + 1800                      # the scenario lasts 8 h 30
    assert created.scenario_end == end
    control.join(store, created.id, int(store.scalar("SELECT id FROM users WHERE username = 'trainer'")))
    assert "Fin du scénario" not in _lists(trainer)
    assert _banner(trainer)["scenario_end"] == end and _banner(trainer)["scenario_over"] == "Fin du scénario atteinte à 02:30"
    control.jump(store, created.id, end + STEP, "trainer")
    shown = _lists(trainer)
    assert "Fin du scénario atteinte à 21/05/2026 02:30" in shown and "scénario terminé" in shown
    timeline = _text(call(trainer, [(ids.EXE_TIMELINE, "children")], [(ids.EXE_TIMELINE_SELECT, "value", str(created.id)),
                                                                       (ids.EXE_REFRESH, "n_intervals", 1)]))
    assert "Fin du scénario atteinte à 21/05/2026 02:30" in timeline


def test_the_exercise_report_judges_freshness_at_the_exercise_clock(trainer: Any, store: Store) -> None:
    _create(trainer, "2026-05-20T18:00")
    [created] = control.list_exercises(store)
    control.join(store, created.id, int(store.scalar("SELECT id FROM users WHERE username = 'trainer'")))
    page = trainer.get("/rapport").get_data(as_text=True)
    assert "EXERCICE" in page
    assert "flux interrompu" not in page and "à jour" in page     # history is complete at 18:00 that day
