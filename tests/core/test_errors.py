"""One error root: every exception of the core is a VigieError, rendered in the reader's language."""
from __future__ import annotations

import pytest

import vigie
from vigie import i18n
from vigie.errors import VigieError, error_message
from vigie.i18n import Message
from tests.factories import exception_classes, modules_of

TS = 1_784_048_400  # 2026-07-14T17:00Z = 19:00 in Paris


def test_every_exception_of_the_core_is_a_vigie_error() -> None:
    found = exception_classes(modules_of(vigie))
    assert len(found) >= 30, sorted(found)
    assert sorted(name for name, cls in found.items() if not issubclass(cls, VigieError)) == []


@pytest.mark.parametrize("name,builtin", [("vigie.training.clock.ExerciseError", ValueError),
                                          ("vigie.sectors.UnknownSector", LookupError),
                                          ("vigie.store.StoreError", RuntimeError),
                                          ("vigie.i18n.MissingMessage", KeyError)])
def test_errors_keep_the_builtin_base_callers_catch(name: str, builtin: type) -> None:
    assert issubclass(exception_classes(modules_of(vigie))[name], builtin)


def test_a_keyed_error_is_rendered_in_each_language_and_logs_in_english() -> None:
    error = VigieError(key="errors.exercise_not_found", exercise_id=7)
    assert (error.key, error.params) == ("errors.exercise_not_found", {"exercise_id": 7})
    assert error.message("fr") == "exercice n° 7 introuvable : choisissez-en un dans la liste des exercices"
    assert error.message("en") == "exercise no. 7 not found: choose one from the list of exercises"
    assert str(error) == error.message("en")
    assert error_message(error, "fr") == error.message("fr")


def test_a_plain_text_error_reads_the_same_in_every_language() -> None:
    error = VigieError("VIGIE_PRIVACY_K must be at least 1")
    assert error.key is None
    assert error.message("fr") == error.message("en") == str(error) == "VIGIE_PRIVACY_K must be at least 1"
    assert error_message(ValueError("plain"), "fr") == "plain"


def test_an_unknown_key_fails_loudly() -> None:
    with pytest.raises(i18n.MissingMessage):
        VigieError(key="errors.nowhere").message("fr")


def test_local_formats_and_nested_messages() -> None:
    nested = Message("timeline.change_delta", {"delta": 12345})
    line = Message("timeline.injection", {"change": nested, "sectors": "Arles", "start": TS, "end": TS + 1800,
                                          "origin": Message("timeline.origin_scenario"), "note": "feria"})
    assert line.render("fr") == "+12\u00a0345 personnes à Arles de 19:00 à 19:30 (scénario) : feria"
    assert line.render("en") == "+12,345 people in Arles from 19:00 to 19:30 (scenario): feria"
    assert Message("timeline.jump", {"source": TS, "target": TS, "user": "u"}).render("en") == \
        "Jump from 2026-07-14 19:00 to 2026-07-14 19:00 by u"
    error = VigieError(key="exercise.bad_number", what=Message("exercise.speed"))
    assert error.message("en") == "Speed (×1 to ×3600): give a number."


def test_a_message_survives_json() -> None:
    line = Message("timeline.injection", {"change": Message("timeline.change_multiplier", {"multiplier": 1.5}),
                                          "sectors": "Arles", "start": TS, "end": TS, "note": "x",
                                          "origin": Message("timeline.origin_trainer", {"user": "t"})})
    assert Message.from_dict(line.as_dict()) == line
    assert "présence ×1.5" in Message.from_dict(line.as_dict()).render("fr")


def test_parameters_are_never_read_as_templates() -> None:
    assert Message("timeline.free_text", {"text": "{user} {0}"}).render("fr") == "{user} {0}"
