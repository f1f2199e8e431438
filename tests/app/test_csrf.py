"""Requests a browser can be tricked into sending: push API, Dash callbacks, logout and language (issue 12, 5-6)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from server.context import vigie
from vigie.identity import accounts
from vigie.store import Store
from vigie.identity.tokens import create_token

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
ROW = "13090,2026-11-22T10:00:00Z,140,140,0,0,0,3"
# What a page served on another port of the same host sends when it auto-submits a form.
OTHER_PORT = {"Origin": "http://localhost:8051", "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate"}
CROSS_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
OWN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def _rows(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM observations"))


def _language(store: Store, username: str) -> str:
    return str(store.scalar("SELECT language FROM users WHERE username = ?", [username]))


def test_same_site_form_post_to_the_push_api_writes_nothing(auth: Any, client: Any, store: Store) -> None:
    """The reproduction: an admin is logged in; a text/plain form from another port posts a row."""
    auth.login("admin")
    before = _rows(store)
    answer = client.post("/api/v1/observations", data=f"{HEADER}\n{ROW}\n", content_type="text/plain", headers=OTHER_PORT)
    assert answer.status_code == 403
    assert _rows(store) == before
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'csrf' AND outcome = 'refused'") >= 1


@pytest.mark.parametrize("content_type", ["text/csv", "application/json"])
def test_push_api_takes_bearer_tokens_only(auth: Any, client: Any, store: Store, content_type: str) -> None:
    auth.login("admin")
    body = f"{HEADER}\n{ROW}\n" if content_type == "text/csv" else json.dumps([dict(zip(HEADER.split(","), ROW.split(",")))])
    answer = client.post("/api/v1/observations", data=body, content_type=content_type, headers=OWN)
    assert answer.status_code == 401 and "bearer token only" in answer.get_json()["error"]
    assert _rows(store) == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_push_api_refuses_form_content_types(client: Any, store: Store, content_type: str) -> None:
    token = create_token(store, "feed", "ingest")
    answer = client.post("/api/v1/observations", data=f"{HEADER}\n{ROW}\n", content_type=content_type,
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 415 and "text/csv" in answer.get_json()["error"]
    assert _rows(store) == 0
    accepted = client.post("/api/v1/observations", data=f"{HEADER}\n{ROW}\n", content_type="text/csv",
                           headers={"Authorization": f"Bearer {token}"})
    assert accepted.status_code == 200 and _rows(store) == 1


def _callback(client: Any, headers: dict[str, str]) -> Any:
    body = {"output": "shell-freshness.children...shell-freshness.className", "outputs": [
        {"id": "shell-freshness", "property": "children"}, {"id": "shell-freshness", "property": "className"}],
        "inputs": [{"id": "refresh", "property": "n_intervals", "value": 1}], "changedPropIds": ["refresh.n_intervals"]}
    return client.post("/_dash-update-component", json=body, headers=headers)


@pytest.mark.parametrize("headers", [OTHER_PORT, CROSS_SITE, {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"}, {"Origin": "http://localhost:8051"}],
                         ids=["other-port", "cross-site", "opaque-origin", "fetch-site-only", "origin-only"])
def test_dash_callbacks_from_another_origin_are_refused(auth: Any, client: Any, headers: dict[str, str]) -> None:
    auth.login("operator")
    assert _callback(client, headers).status_code == 403


def test_dash_callbacks_from_our_own_pages_run(auth: Any, client: Any, app: Any) -> None:
    auth.login("operator")
    roles = vigie(app.server).callback_roles
    output = next(k for k in roles if k.startswith("..shell-freshness") or "shell-freshness.children" in k)
    body = {"output": output, "outputs": [{"id": "shell-freshness", "property": "children"},
                                          {"id": "shell-freshness", "property": "className"}],
            "inputs": [{"id": "refresh", "property": "n_intervals", "value": 1}], "changedPropIds": ["refresh.n_intervals"]}
    assert client.post("/_dash-update-component", json=body, headers=OWN).status_code == 200


def test_callback_without_a_json_body_is_refused(auth: Any, client: Any) -> None:
    """What a form of an opaque origin (Origin: null, no Sec-Fetch-Site) can send is not a callback."""
    auth.login("operator")
    body = '{"output": "shell-freshness.children", "inputs": [], "changedPropIds": []}'
    answer = client.post("/_dash-update-component", data=body, content_type="text/plain", headers={"Origin": "null"})
    assert answer.status_code == 400


def test_cross_site_login_post_is_refused(auth: Any, client: Any) -> None:
    answer = client.post("/login", data={"username": "operator", "password": "x", "csrf": auth.csrf()}, headers=CROSS_SITE)
    assert answer.status_code == 403


def test_logout_by_get_does_nothing(auth: Any, client: Any) -> None:
    """The reproduction: a cross-site navigation to /logout ended the session."""
    auth.login("operator")
    assert client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 405
    assert client.get("/_dash-layout").status_code == 200


def test_logout_needs_the_csrf_token(auth: Any, client: Any) -> None:
    auth.login("operator")
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    assert client.post("/logout", data={"csrf": auth.session_csrf()}, headers=OTHER_PORT).status_code == 403
    assert client.get("/_dash-layout").status_code == 200
    done = auth.logout()
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert client.get("/_dash-layout").status_code == 401


def test_language_switch_by_get_does_nothing(auth: Any, client: Any, store: Store) -> None:
    """The reproduction: a cross-site navigation to /langue/en?next=/ changed the user's language."""
    auth.login("operator")
    before = _language(store, "operator")
    other = "en" if before == "fr" else "fr"
    assert client.get(f"/langue/{other}?next=/", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 405
    assert client.post(f"/langue/{other}", data={"next": "/"}).status_code == 400
    assert client.post(f"/langue/{other}", data={"next": "/", "csrf": auth.session_csrf()},
                       headers=CROSS_SITE).status_code == 403
    assert _language(store, "operator") == before


def test_language_switch_by_the_navbar_form(auth: Any, client: Any, store: Store) -> None:
    auth.login("operator")
    other = "en" if _language(store, "operator") == "fr" else "fr"
    answer = client.post(f"/langue/{other}", data={"next": "/crise", "csrf": auth.session_csrf()}, headers=OWN)
    assert answer.status_code == 302 and answer.headers["Location"] == "/crise"
    assert _language(store, "operator") == other
    assert client.post("/langue/xx", data={"next": "/", "csrf": auth.session_csrf()}).status_code == 400


def test_csrf_tokens_differ_between_sessions(app: Any, auth: Any) -> None:
    auth.login("operator")
    first = auth.session_csrf()
    other = type(auth)(app.server.test_client())
    other.login("operator")
    assert other.session_csrf() != first
    assert accounts.ROLES  # both sessions are live and distinct
