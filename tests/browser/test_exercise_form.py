"""The trainer's form: a scenario fills it in and shows its questions; the new draft is listed apart and chosen at once."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from vigie.store import Store
from vigie.training import control

PRESELECTED = ("#exercise-join-select", "#exercise-target", "#exercise-timeline-select")


def test_a_scenario_fills_the_form_and_the_new_draft_is_apart_and_chosen(session_factory: Any,
                                                                          seeded_data_dir: Path) -> None:
    store = Store(seeded_data_dir / "vigie.db")
    name = f"Vélodrome {time.time_ns() % 10**6}"
    try:
        trainer = session_factory("trainer").login("/exercice")
        page = trainer.page
        _choose_the_velodrome(page)
        page.fill("#exercise-name", name)                              # the trainer may change what it suggests
        page.click("#exercise-create")
        page.wait_for_selector("#exercise-result .alert-success", timeout=20_000)
        created = next(e for e in control.list_exercises(store) if e.name == name)
        for select in PRESELECTED:                                     # to join, to control, in the timeline
            page.wait_for_function(f"() => document.querySelector('{select}').value === '{created.id}'",
                                   timeout=10_000)
        page.wait_for_function(f"() => document.querySelector('#exercise-list').innerText.includes({name!r})",
                               timeout=10_000)
        running, drafts = page.inner_text("#exercise-list").split("Brouillons")
        assert "Exercices en cours" in running and name not in running and name in drafts
        trainer.screenshot("exercise-draft-chosen")
        assert trainer.errors == []
    finally:  # the other browser tests share this database
        for exercise in control.list_exercises(store, active_only=True):
            if exercise.name == name:
                control.finish(store, exercise.id, "trainer")


def _choose_the_velodrome(page: Any) -> None:
    page.wait_for_selector("#exercise-scenario option[value='velodrome-orage.yaml']", state="attached",
                           timeout=20_000)
    page.select_option("#exercise-scenario", "velodrome-orage.yaml")
    page.wait_for_function("() => document.querySelector('#exercise-name').value.length > 0", timeout=10_000)
    assert page.input_value("#exercise-name") == "Match à l'Orange Vélodrome puis orage"
    start = datetime.fromisoformat(page.input_value("#exercise-start"))
    assert start.weekday() == 2 and (start.hour, start.minute) == (18, 0)     # "last wednesday 18:00"
    assert page.input_value("#exercise-speed") == "10"
    shown = page.inner_text("#exercise-scenario-info")
    assert "Vieux-Port" in shown and "Questions pour la salle" in shown and "8 h 30" in shown
