"""Scenario files: every shipped file loads and validates; bad files are named precisely; applying them."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from vigie.training import control, injections
from vigie.config import SHIPPED_DATA_DIR
from vigie.training.scenarios import (InvalidScenario, Scenario, apply_scenario, create_from_scenario, default_scenarios_folder,
                             find_scenario, format_offset, list_scenarios, load_scenario, parse_offset, resolve_start,
                             scan_scenarios)
from vigie.sectors import default_catalogue_path, load_catalogue
from vigie.slots import PARIS, to_local
from vigie.store import Store
from tests.factories import HISTORY_END, SATURDAY_14H, STEP, WALL, live_digest, new_exercise

CODES = set(load_catalogue(default_catalogue_path(SHIPPED_DATA_DIR, "13")).codes)
SHIPPED = default_scenarios_folder(SHIPPED_DATA_DIR)
GOOD = {
    "name": "Essai", "description": "Un essai.", "start": "last saturday 14:00", "speed": 60,
    "injections": [
        {"sectors": ["13056"], "from": "+0h00", "to": "+2h00", "delta": 500, "note": "premier"},
        {"sectors": ["13104"], "from": "+0h30", "to": "+2h00", "delta": 300, "note": "second",
         "profile": {"ramp_up": "0h30"}},
    ],
}


def shipped() -> list[Scenario]:
    """Every scenario of data/scenarios, checked against the sector catalogue."""
    return list_scenarios(SHIPPED, CODES)


def write(tmp_path: Path, document: object, name: str = "essai.yaml") -> Path:
    """A scenario file in tmp_path."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


# -- the shipped files -----------------------------------------------------------------------------------
def test_every_shipped_scenario_loads_and_validates() -> None:
    found = shipped()
    assert {s.key for s in found} >= {"cote-bleue-feu", "velodrome-orage", "samedi-aout-littoral"}
    for scenario in found:
        assert scenario.name and len(scenario.description) > 200, scenario.key
        assert 1 <= scenario.speed <= 3600
        assert all(i.end <= scenario.duration for i in scenario.injections), scenario.key
        assert all(i.note for i in scenario.injections)
        assert resolve_start(scenario.start, HISTORY_END, scenario.duration) + scenario.duration <= HISTORY_END


def test_cote_bleue_moves_9000_people_from_martigues_to_sausset_and_carry() -> None:
    scenario = find_scenario("cote-bleue-feu", SHIPPED, known_sectors=CODES)
    # the summer crowd first (added to the off-season history), then the evacuation moves people
    moves = [i for i in scenario.injections if i.ramp_up > 1800]
    peaks = {i.sectors[0]: i.delta or 0 for i in moves}
    assert peaks["13056"] == -9000 and peaks["13104"] + peaks["13021"] == 9000
    martigues = next(i for i in moves if i.sectors == ("13056",))
    assert 2 * 3600 <= martigues.ramp_up <= 4 * 3600  # over a few hours


def test_velodrome_and_coast_scenarios_hold_their_sectors() -> None:
    velodrome = find_scenario("velodrome-orage", SHIPPED, known_sectors=CODES)
    assert max(i.delta or 0 for i in velodrome.injections if "13208" in i.sectors) == 67_000
    coast = find_scenario("samedi-aout-littoral", SHIPPED, known_sectors=CODES)
    assert set(coast.sectors()) == {"13022", "13028", "13096", "13207", "13208", "13021", "13104"}


# -- durations and starts --------------------------------------------------------------------------------
@pytest.mark.parametrize("text,seconds", [("+0h30", 1800), ("+2h", 7200), ("+1h05", 3900), ("+90min", 5400),
                                          ("+1d", 86400), ("1d2h", 93600), ("3h00", 10800), ("+ 0h 30", 1800),
                                          ("+1h30min", 5400)])
def test_offsets_are_read(text: str, seconds: int) -> None:
    assert parse_offset(text) == seconds


@pytest.mark.parametrize("text", ["", "+", "30", "+1h75", "+h30", "-1h", "1 heure", 30, None])
def test_unreadable_offsets_are_refused(text: object) -> None:
    with pytest.raises(ValueError) as caught:
        parse_offset(text)
    assert caught.value.key in {"errors.scenario_duration_unreadable", "errors.scenario_duration_minutes",
                                "errors.scenario_duration_unquoted"}


@given(st.integers(min_value=0, max_value=60 * 24 * 30))
def test_offsets_round_trip(minutes: int) -> None:
    assert parse_offset(format_offset(minutes * 60)) == minutes * 60


def test_relative_start_is_the_latest_day_that_fits() -> None:
    reference = int(datetime(2025, 7, 5, 16, 0, tzinfo=PARIS).timestamp())  # Saturday 16:00
    fits = resolve_start("last saturday 14:00", reference, 3600)
    assert to_local(fits).strftime("%Y-%m-%d %H:%M") == "2025-07-05 14:00"
    too_long = resolve_start("dernier samedi 14:00", reference, 4 * 3600)
    assert to_local(too_long).strftime("%Y-%m-%d %H:%M %A") == "2025-06-28 14:00 Saturday"
    assert to_local(resolve_start("yesterday 08:00", reference)).strftime("%d %H:%M") == "04 08:00"
    assert resolve_start("2025-07-01T12:00:00Z", reference) == int(datetime(2025, 7, 1, 14, tzinfo=PARIS).timestamp())
    for bad in ("last someday 14:00", "next saturday 14:00", "yesterday saturday 14:00", "last monday 25:00"):
        with pytest.raises(ValueError) as caught:
            resolve_start(bad, reference)
        assert caught.value.key in {"errors.scenario_start_unreadable", "errors.scenario_start_hour",
                                    "errors.scenario_start_no_weekday", "errors.scenario_start_weekday"}


# -- bad files -------------------------------------------------------------------------------------------
def _with(**changes: object) -> dict[str, object]:
    """GOOD with top-level changes (None deletes a key)."""
    document = {**GOOD, **changes}
    return {k: v for k, v in document.items() if v is not None}


def _injection(index: int, **changes: object) -> dict[str, object]:
    """GOOD with changes to one injection (None deletes a field)."""
    items = [dict(i) for i in GOOD["injections"]]  # type: ignore[attr-defined]
    items[index].update(changes)
    items[index] = {k: v for k, v in items[index].items() if v is not None}
    return {**GOOD, "injections": items}


@pytest.mark.parametrize("document,expected", [
    (_with(name=None), "essai.yaml, champ « name » : texte obligatoire"),
    (_with(speed=0), "champ « speed »"),
    (_with(speed="600"), "champ « speed »"),
    (_with(start="bientôt"), "champ « start » : début 'bientôt' illisible"),
    (_with(injections=[]), "champ « injections »"),
    (_with(dleta=3), "champ « dleta » : clé inconnue"),
    (_injection(1, sectors=["99999"]), "essai.yaml, injection 2 (second), champ « sectors » : secteur(s) inconnu(s) 99999"),
    (_injection(1, sectors=[]), "injection 2 (second), champ « sectors »"),
    (_injection(0, to="+0h00"), "injection 1 (premier), champ « to » : la fin doit suivre le début"),
    (_injection(0, **{"from": 30}), "injection 1 (premier), champ « from » : écrivez une durée entre guillemets"),
    (_injection(0, delta=None), "injection 1 (premier), champ « delta » : donnez soit"),
    (_injection(0, multiplier=2.0), "champ « delta » : donnez soit"),
    (_injection(0, delta=None, multiplier=1), "champ « multiplier »"),
    (_injection(0, delta=10**7), "champ « delta » : un entier non nul"),
    (_injection(0, note=None), "injection 1, champ « note »"),
    (_injection(1, profile={"ramp_up": "3h00"}), "injection 2 (second), champ « profile » : la montée"),
    (_injection(1, profile={"rampup": "1h"}), "injection 2 (second), champ « rampup » : clé inconnue"),
    (_injection(1, profile={"ramp_down": "soon"}), "injection 2 (second), champ « profile.ramp_down »"),
    (["not", "a", "mapping"], "essai.yaml : le fichier doit décrire un scénario"),
])
def test_bad_scenarios_name_file_injection_and_field(tmp_path: Path, document: object, expected: str) -> None:
    with pytest.raises(InvalidScenario) as caught:
        load_scenario(write(tmp_path, document), CODES)
    assert expected in caught.value.message("fr")


def test_bad_scenarios_are_named_in_english_too(tmp_path: Path) -> None:
    with pytest.raises(InvalidScenario) as caught:
        load_scenario(write(tmp_path, _injection(1, sectors=["99999"])), CODES)
    assert caught.value.message("en") == ("essai.yaml, injection 2 (second), field “sectors”: unknown sector(s) 99999 "
                                          "(INSEE codes of the catalogue)")


def test_broken_yaml_gives_its_line(tmp_path: Path) -> None:
    path = tmp_path / "casse.yaml"
    path.write_text("name: Essai\ninjections:\n  - sectors: [13056\n    from: x\n", encoding="utf-8")
    with pytest.raises(InvalidScenario) as caught:
        load_scenario(path)
    assert caught.value.file == "casse.yaml" and caught.value.problem.key == "errors.scenario_bad_yaml_line"
    assert int(caught.value.problem.params["line"]) >= 1


def test_one_bad_file_hides_no_other(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, _with(speed=0), "b.yaml")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    found, problems = scan_scenarios(tmp_path, CODES)
    assert [s.key for s in found] == ["a"] and [p.file for p in problems] == ["b.yaml"]
    with pytest.raises(InvalidScenario, match="b.yaml"):
        list_scenarios(tmp_path, CODES)


def test_json_scenarios_are_read_too(tmp_path: Path) -> None:
    import json

    path = tmp_path / "essai.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    assert load_scenario(path, CODES).injections[1].ramp_up == 1800


def test_unknown_scenario_name_is_refused() -> None:
    with pytest.raises(InvalidScenario) as caught:
        find_scenario("nope", SHIPPED)
    assert caught.value.problem.key == "errors.scenario_not_found"


# -- applying --------------------------------------------------------------------------------------------
def test_apply_writes_the_exercise_tables_only(history: Store) -> None:
    before = live_digest(history)
    scenario = find_scenario("cote-bleue-feu", SHIPPED, known_sectors=CODES)
    exercise = new_exercise(history)
    rows = apply_scenario(history, exercise, scenario)
    injected = injections.list_injections(history, exercise.id)
    assert rows == len(injected) > 0 and {r["source"] for r in injected} == {"scenario"}
    martigues = {r["slot"]: r["delta_present"] for r in injected if r["sector_code"] == "13056"}
    assert martigues[SATURDAY_14H + 4 * 3600] == -9000  # plateau between the ramps
    assert martigues[SATURDAY_14H + STEP] == -1500      # first of the six slots of the 3-hour ramp
    assert control.get_exercise(history, exercise.id).scenario == "cote-bleue-feu"
    assert live_digest(history) == before


def test_a_scenario_longer_than_history_is_refused_whole(history: Store) -> None:
    scenario = find_scenario("samedi-aout-littoral", SHIPPED, known_sectors=CODES)
    late = HISTORY_END - 10 * 3600
    exercise = new_exercise(history, start_at=late)
    with pytest.raises(InvalidScenario) as caught:
        apply_scenario(history, exercise, scenario)
    refused = caught.value
    assert refused.file == "samedi-aout-littoral.yaml" and refused.injection is not None
    assert refused.problem.key == "errors.exercise_outside_its_history"
    assert injections.list_injections(history, exercise.id) == []


def test_create_from_scenario_takes_its_suggestions(history: Store) -> None:
    scenario = find_scenario("velodrome-orage", SHIPPED, known_sectors=CODES)
    exercise = create_from_scenario(history, scenario, "trainer", wall_now=WALL)
    local = to_local(exercise.start_at)
    assert (local.strftime("%A %H:%M"), exercise.speed, exercise.name) == ("Wednesday 18:00", 10, scenario.name)
    assert exercise.start_at + scenario.duration <= HISTORY_END
    assert len(injections.list_injections(history, exercise.id)) > 0
