"""Messages are written at the edges: the screens in the user's language, the API in the requester's."""
from __future__ import annotations

import time
from typing import Any

from components import ids
from tests.app.dash_calls import HISTORY_START, _history, _text, call
from vigie.identity import accounts
from vigie.training import control
from vigie.store import Store
from vigie.identity.tokens import create_token


def _speaking(store: Store, username: str, language: str) -> None:
    accounts.set_language(store, accounts.get_user(store, username).id, language)


def _timeline(client: Any, target: str) -> str:
    answer = call(client, [(ids.EXE_TIMELINE, "children")],
                  [(ids.EXE_TIMELINE_SELECT, "value", target), (ids.EXE_REFRESH, "n_intervals", 0)])
    return _text(answer[ids.EXE_TIMELINE]["children"])


def test_a_refusal_is_shown_in_the_users_language(client_as: Any, store: Store) -> None:
    trainer = client_as("trainer")
    assert "exercice n° 999 introuvable" in _timeline(trainer, "999")
    _speaking(store, "trainer", "en")
    assert "exercise no. 999 not found: choose one from the list of exercises" in _timeline(client_as("trainer"), "999")


def test_the_timeline_is_written_in_the_readers_language(client_as: Any, store: Store) -> None:
    _history(store)
    exercise = control.create_exercise(store, "Jeudi", HISTORY_START + 86400, 60, "trainer")
    control.start(store, exercise.id, "trainer")
    assert "Exercice « Jeudi » créé par trainer" in _timeline(client_as("commander"), str(exercise.id))
    _speaking(store, "commander", "en")
    shown = _timeline(client_as("commander"), str(exercise.id))
    assert "Exercise “Jeudi” created by trainer" in shown and "Exercise started by trainer" in shown


def test_the_report_csv_is_headed_in_the_users_language(client_as: Any, store: Store) -> None:
    _history(store)
    french = client_as("operator").get("/rapport?format=csv").get_data(as_text=True)
    assert "rang;code INSEE;secteur;présents;habituel;résidents;écart;z;explication" in french
    _speaking(store, "operator", "en")
    english = client_as("operator").get("/rapport?format=csv").get_data(as_text=True)
    assert "rank;INSEE code;sector;present;usual;residents;excess;z;explanation" in english


def test_api_errors_follow_the_requester_and_carry_their_key(app: Any, store: Store) -> None:
    client = app.server.test_client()
    bearer = {"Authorization": f"Bearer {create_token(store, f'read{time.time_ns()}', 'read')}"}
    query = {"zone": "Nulle part", "from": "2026-07-01T00:00:00Z", "to": "2026-07-02T00:00:00Z"}
    french = client.get("/api/v1/zones/query", query_string=query, headers=bearer)
    english = client.get("/api/v1/zones/query", query_string=query, headers={**bearer, "Accept-Language": "en-GB,en"})
    assert french.status_code == english.status_code == 404
    assert french.get_json() == {"code": "errors.zone_not_found",
                                 "error": "Aucune zone « Nulle part » : vérifiez le nom (liste des zones)."}
    assert english.get_json() == {"code": "errors.zone_not_found", "error": "No zone “Nulle part”: check the name (list of zones)."}
    asked = client.get("/api/v1/zones/query", query_string={**query, "lang": "en"}, headers=bearer)
    assert asked.get_json()["error"] == english.get_json()["error"]
