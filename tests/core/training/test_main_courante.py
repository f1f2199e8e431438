"""The main courante: a plan logged once, free-text entries at the exercise time, audited, on the timeline."""
from __future__ import annotations

import json

import pytest

from vigie.identity import audit
from vigie.training import control
from vigie.training.control import (MAX_ENTRY, AlreadyLogged, LogError, add_log_entry, list_log_entries,
                                    main_courante, record_decision, start)
from vigie.training.clock import ExerciseError
from vigie.training.timeline import after_action_timeline, end_exercise, timeline_text
from vigie.store import Store
from tests.factories import SATURDAY_14H, WALL, drill_settings, new_exercise


def test_the_same_plan_is_logged_once_per_log(history: Store) -> None:
    exercise = start(history, new_exercise(history).id, "trainer", wall_now=WALL)
    first = record_decision(history, "commander", {"moves": ["a"]}, fingerprint="f" * 64, wall_now=WALL)
    with pytest.raises(AlreadyLogged) as caught:   # the double tap: same slot and figures, a second later
        record_decision(history, "commander2", {"moves": ["a"]}, fingerprint="f" * 64, wall_now=WALL + 1)
    assert caught.value.key == "crisis.plan_already_logged"
    assert [d["id"] for d in control.list_decisions(history)] == [first]
    # the same figures in an exercise are another log; another plan is another line
    record_decision(history, "commander", {"moves": ["a"]}, fingerprint="f" * 64, exercise_id=exercise.id, wall_now=WALL)
    record_decision(history, "commander", {"moves": ["b"]}, fingerprint="e" * 64, wall_now=WALL + 2)
    record_decision(history, "commander", {"moves": ["c"]}, wall_now=WALL + 3)   # no fingerprint: not compared
    record_decision(history, "commander", {"moves": ["c"]}, wall_now=WALL + 4)
    assert len(control.list_decisions(history)) == 4 and len(control.list_decisions(history, exercise.id)) == 1


def test_an_entry_is_stored_with_its_author_at_the_real_time_live(history: Store) -> None:
    entry = add_log_entry(history, "operator", "  Appel du maire de Cassis :\nfermeture\tdes calanques  ", wall_now=WALL)
    [row] = list_log_entries(history)
    assert row["id"] == entry and row["username"] == "operator" and row["exercise_id"] is None
    assert row["at"] == row["view_time"] == int(WALL)
    assert row["text"] == "Appel du maire de Cassis : fermeture des calanques"   # control characters become spaces
    [line] = audit.recent(history, action="log.entry")
    assert line["username"] == "operator" and json.loads(line["detail"])["text"] == row["text"]


def test_an_entry_in_an_exercise_carries_the_exercise_time(history: Store) -> None:
    exercise = start(history, new_exercise(history, speed=60).id, "trainer", wall_now=WALL)
    add_log_entry(history, "operator", "Renfort demandé", exercise_id=exercise.id, wall_now=WALL + 10)
    record_decision(history, "commander", {"moves": ["x"]}, exercise_id=exercise.id, wall_now=WALL + 20)
    assert list_log_entries(history) == []   # kept apart from the live log
    rows = main_courante(history, exercise.id)
    assert [(r["kind"], r["view_time"]) for r in rows] == [("entry", SATURDAY_14H + 600), ("plan", SATURDAY_14H + 1200)]
    assert rows[0]["at"] == int(WALL + 10) and rows[0]["text"] == "Renfort demandé"


@pytest.mark.parametrize("text,key", [("", "crisis.entry_empty"), ("  \n\t ", "crisis.entry_empty"),
                                      ("x" * (MAX_ENTRY + 1), "crisis.entry_too_long")])
def test_an_empty_or_too_long_entry_is_refused_never_cut(history: Store, text: str, key: str) -> None:
    with pytest.raises(LogError) as caught:
        add_log_entry(history, "operator", text, wall_now=WALL)
    assert caught.value.key == key and list_log_entries(history) == []
    assert add_log_entry(history, "operator", "x" * MAX_ENTRY, wall_now=WALL) > 0
    if key == "crisis.entry_too_long":
        assert f"{MAX_ENTRY + 1} caractères" in caught.value.message("fr")


def test_no_entry_once_the_exercise_has_ended(history: Store) -> None:
    exercise = start(history, new_exercise(history).id, "trainer", wall_now=WALL)
    end_exercise(history, exercise.id, "trainer", settings=drill_settings(history), wall_now=WALL + 5)
    with pytest.raises(ExerciseError):
        add_log_entry(history, "operator", "trop tard", exercise_id=exercise.id, wall_now=WALL + 6)


def test_the_after_action_timeline_lists_the_entries_with_the_plans(history: Store) -> None:
    drill = drill_settings(history)
    exercise = start(history, new_exercise(history).id, "trainer", wall_now=WALL)
    record_decision(history, "commander", {"moves": ["x"]}, exercise_id=exercise.id, wall_now=WALL + 5)
    add_log_entry(history, "operator", "Point presse à 15 h", exercise_id=exercise.id, wall_now=WALL + 6)
    end_exercise(history, exercise.id, "trainer", settings=drill, wall_now=WALL + 8)
    timeline = after_action_timeline(history, exercise.id, drill)
    [entry] = [e for e in timeline if e["kind"] == "entry"]
    assert entry["view_time"] == SATURDAY_14H + 360 and entry["username"] == "operator"
    assert timeline_text(entry, "fr") == "Main courante (operator) : Point presse à 15 h"
    assert timeline_text(entry, "en") == "Decision log (operator): Point presse à 15 h"
    kinds = [e["kind"] for e in timeline]
    assert kinds.index("plan") < kinds.index("entry") < kinds.index("ended")
