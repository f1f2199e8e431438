"""The alerts API: list with the API fields, languages, roles and scopes, CSRF-checked acknowledgement, exercises."""
from __future__ import annotations

import time
from typing import Any

import pytest

from server.api.openapi import SPEC
from vigie.identity import accounts, audit
from vigie.training import control
from vigie.alerts import Summary
from vigie.alerts.states import raise_alert
from vigie.store import Store
from vigie.identity.tokens import create_token

T = 1_785_000_000
FIELDS = SPEC["paths"]["/api/v1/alerts"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
    "properties"]["alerts"]["items"]["required"]


def _raise(store: Store, sector: str = "13096", exercise_id: int | None = None) -> int:
    summary = Summary("crisis", (("excess", 18400), ("name", "Saintes-Maries-de-la-Mer"), ("z", 7.3)))
    alert, _ = raise_alert(store, rule="crise", kind="crisis", severity="critical", sector=sector, slot=T,
                           summary=summary, exercise_id=exercise_id, now=time.time(), reopen_seconds=3600)
    return alert.id


def _bearer(store: Store, scope: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(store, f'{scope}{time.time_ns()}', scope)}"}


def _csrf(client: Any) -> str:
    response = client.get("/api/v1/alerts")
    assert response.status_code == 200
    return str(response.headers["X-CSRF-Token"])


def test_list_has_the_api_fields_in_french_or_english(client: Any, store: Store) -> None:
    alert_id = _raise(store)
    body = client.get("/api/v1/alerts?state=open", headers=_bearer(store, "read")).get_json()
    assert [a["id"] for a in body["alerts"]] == [alert_id]
    alert = body["alerts"][0]
    assert sorted(alert) == sorted(FIELDS) and len(FIELDS) == 13
    assert (alert["rule"], alert["kind"], alert["sector"], alert["state"], alert["exercise_id"]) == (
        "crise", "crisis", "13096", "open", None)
    assert alert["summary"].startswith("Saintes-Maries-de-la-Mer +18\u00a0400 au-dessus de l'habituel (z 7,3), depuis")
    english = client.get("/api/v1/alerts?lang=en", headers=_bearer(store, "read")).get_json()["alerts"][0]
    assert english["summary"].startswith("Saintes-Maries-de-la-Mer +18,400 above usual (z 7.3), since")
    asked = client.get("/api/v1/alerts", headers={**_bearer(store, "read"), "Accept-Language": "en-GB,en;q=0.9"})
    assert asked.get_json()["alerts"][0]["summary"].startswith("Saintes-Maries-de-la-Mer +18,400 above usual")
    assert client.get("/api/v1/alerts?state=closed", headers=_bearer(store, "read")).get_json() == {"alerts": []}
    bad = client.get("/api/v1/alerts?state=ouverte", headers=_bearer(store, "read"))
    assert bad.status_code == 400 and bad.get_json()["code"] == "api.alert_state"
    assert "state : une valeur parmi open" in bad.get_json()["error"]      # the language setting: French
    bad = client.get("/api/v1/alerts?state=ouverte", headers={**_bearer(store, "read"), "Accept-Language": "en"})
    assert bad.status_code == 400 and "state: expected one of open" in bad.get_json()["error"]


def test_scopes_and_roles(client: Any, client_as: Any, store: Store) -> None:
    alert_id = _raise(store)
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/alerts", headers=_bearer(store, "ingest")).status_code == 403
    wall = client_as("display")
    assert wall.get("/api/v1/alerts").status_code == 200
    refused = wall.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "vu"},
                        headers={"X-CSRF-Token": _csrf(wall)})
    assert refused.status_code == 403
    token = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "vu"}, headers=_bearer(store, "read"))
    assert token.status_code == 403                       # acknowledging is for people, never for tokens
    operator = client_as("operator")
    closing = operator.post(f"/api/v1/alerts/{alert_id}/close", json={"reason": "x"},
                            headers={"X-CSRF-Token": _csrf(operator)})
    assert closing.status_code == 403                     # closing by hand: commander and above


def test_acknowledgement_needs_the_csrf_token_and_shows_in_the_list(client_as: Any, store: Store) -> None:
    alert_id = _raise(store)
    operator = client_as("operator")
    missing = operator.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "équipe en route"})
    assert missing.status_code == 400 and "CSRF" in missing.get_json()["error"]
    token = _csrf(operator)
    forged = operator.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "x"},
                           headers={"X-CSRF-Token": token + "x"})
    assert forged.status_code == 400
    assert audit.recent(store, action="alert.csrf")[0]["outcome"] == "forbidden"
    done = operator.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"comment": "équipe en route"},
                         headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.get_json()["alert"]["state"] == "acknowledged"
    other = client_as("commander")
    listed = other.get("/api/v1/alerts?state=acknowledged").get_json()["alerts"]
    assert [(a["id"], a["acknowledged_by"], a["comment"]) for a in listed] == [(alert_id, "operator", "équipe en route")]
    assert listed[0]["acknowledged_at"].endswith("Z")
    assert other.get("/api/v1/alerts?state=open").get_json() == {"alerts": []}
    again = other.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={}, headers={"X-CSRF-Token": _csrf(other)})
    assert again.status_code == 409 and again.get_json()["code"] == "errors.alert_acknowledged"
    assert "déjà été prise en compte par operator" in again.get_json()["error"]  # the commander's language
    closed = other.post(f"/api/v1/alerts/{alert_id}/close", json={"reason": "fin de l'évènement"},
                        headers={"X-CSRF-Token": _csrf(other)})
    assert closed.status_code == 200 and closed.get_json()["alert"]["state"] == "closed"
    empty = other.post(f"/api/v1/alerts/{alert_id}/close", json={"reason": 3}, headers={"X-CSRF-Token": _csrf(other)})
    assert empty.status_code == 400
    assert other.post("/api/v1/alerts/999/acknowledge", json={}, headers={"X-CSRF-Token": _csrf(other)}).status_code == 404


@pytest.fixture
def drill(store: Store) -> int:
    """An exercise the operator is in (the commander is not)."""
    with store.write() as tx:
        tx.execute("INSERT INTO exercises(id, name, start_at, speed, state, anchor_view_time, anchor_wall_time, "
                   "created_by, created_at, join_code) VALUES (5, 'Vélodrome', ?, 60, 'running', ?, ?, 'trainer', ?, "
                   "'drill-code')", [T, T, time.time(), T])
    control.join(store, 5, accounts.get_user(store, "operator").id)
    return 5


def test_exercise_alerts_are_visible_to_its_participants_only(client: Any, client_as: Any, store: Store,
                                                              drill: int) -> None:
    live, inside = _raise(store, "13001"), _raise(store, "13004", exercise_id=drill)
    participant = client_as("operator")
    seen = participant.get("/api/v1/alerts").get_json()["alerts"]
    assert sorted((a["id"], a["exercise_id"]) for a in seen) == [(live, None), (inside, drill)]
    outsider = client_as("commander")
    assert [a["id"] for a in outsider.get("/api/v1/alerts").get_json()["alerts"]] == [live]
    assert [a["id"] for a in client.get("/api/v1/alerts", headers=_bearer(store, "read")).get_json()["alerts"]] == [live]
    refused = outsider.post(f"/api/v1/alerts/{inside}/acknowledge", json={}, headers={"X-CSRF-Token": _csrf(outsider)})
    assert refused.status_code == 404
    done = participant.post(f"/api/v1/alerts/{inside}/acknowledge", json={"comment": "COS prévenu"},
                            headers={"X-CSRF-Token": _csrf(participant)})
    assert done.status_code == 200 and done.get_json()["alert"]["exercise_id"] == drill
    live_done = participant.post(f"/api/v1/alerts/{live}/acknowledge", json={},
                                 headers={"X-CSRF-Token": _csrf(participant)})
    assert live_done.status_code == 200
