"""Issue 12, access and API: throttle race, unknown paths, private zones, far instants."""
from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from tests.conftest import AuthActions

ATTEMPTS = 30


def _fire_wrong_passwords(app: Any, n: int) -> list[int]:
    """n clients, each with its own login form, post a wrong password at the same moment."""
    clients = [app.server.test_client() for _ in range(n)]
    tokens = [AuthActions(c).csrf() for c in clients]
    barrier = threading.Barrier(n)
    statuses: list[int] = [0] * n

    def attempt(i: int) -> None:
        barrier.wait()
        response = clients[i].post("/login", data={"username": "operator", "password": "wrong-password-here",
                                                   "csrf": tokens[i], "next": "/"})
        statuses[i] = response.status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_parallel_wrong_passwords_record_at_most_five_failures(app: Any, store: Any) -> None:
    statuses = _fire_wrong_passwords(app, ATTEMPTS)
    assert sorted(set(statuses)) == [401, 429], statuses
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == ATTEMPTS - 5
    assert store.scalar("SELECT count(*) FROM login_failures WHERE username = 'operator'") == 5


# -- item 12: far instants -----------------------------------------------------------
def _bearer(store: Any, scope: str) -> dict[str, str]:
    from vigie.identity.tokens import create_token

    return {"Authorization": f"Bearer {create_token(store, f'{scope}-{threading.get_ident()}-{id(store)}', scope)}"}


FAR = ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-08:00", "1969-07-20T20:17:00Z", "2100-01-01T00:00:00Z"]


INSTANT_PARAMS = [("/api/v1/situation", "at"), ("/api/v1/crisis", "at"), ("/api/v1/allocation", "at"),
                  ("/api/v1/zones/query", "from"), ("/api/v1/zones/query", "to"),
                  ("/api/v1/sectors/13201/series", "from"), ("/api/v1/sectors/13201/series", "to"),
                  ("/api/v1/events", "from"), ("/api/v1/events", "to")]


def test_far_instants_get_a_400_that_states_the_range(client_as: Any) -> None:
    client = client_as("operator")
    for path, name in INSTANT_PARAMS:
        for instant in FAR:
            params = {"sectors": "13201,13202", "from": "2026-07-01T00:00:00Z", "to": "2026-07-02T00:00:00Z"}
            response = client.get(path, query_string={**params, name: instant}, headers={"Accept-Language": "en"})
            assert response.status_code == 400, (path, name, instant, response.get_data(as_text=True)[:200])
            message = response.get_json()["error"]
            assert message.startswith(f"{name}:") and "1970-01-01T00:00:00Z to 2099-12-31T23:59:59Z" in message


def test_far_dates_on_the_queries_page_are_refused_not_crashed() -> None:
    from callbacks.queries import period
    from vigie.analysis.zones import ZoneError

    for start, end in (("0001-01-01", "0001-01-02"), ("2026-07-01", "9999-12-31")):
        with pytest.raises(ZoneError):
            period(start, end)


# -- item 11: private zones ------------------------------------------------------------
PERIOD = {"from": "2026-07-14T10:00:00Z", "to": "2026-07-14T12:00:00Z"}


def _zone_options(client: Any) -> list[str]:
    """The saved-zone choices the Dash queries page offers this client."""
    body = {"output": "..query-sectors.options...query-saved.options..",
            "outputs": [{"id": "query-sectors", "property": "options"}, {"id": "query-saved", "property": "options"}],
            "inputs": [{"id": "query-sectors", "property": "id", "value": "query-sectors"},
                       {"id": "query-message", "property": "children", "value": None}],
            "changedPropIds": [], "state": []}
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [o["value"] for o in response.get_json()["response"]["query-saved"]["options"]]


def test_a_private_zone_is_seen_by_its_author_and_admins_only(app: Any, store: Any, client_as: Any,
                                                               tmp_path: Any) -> None:
    from click.testing import CliRunner

    from vigie.analysis import zones
    from cli import main

    runner = CliRunner(env={"VIGIE_DATA_DIR": str(tmp_path / "instance"), "VIGIE_FEED": "none"})
    saved = runner.invoke(main, ["zones", "save", "Secret CLI", "13201", "13202", "--private"])
    assert saved.exit_code == 0, saved.output
    assert "Secret CLI" in runner.invoke(main, ["zones", "list"]).output  # the CLI is the server's administrator
    zones.save_zone(store, "Mine", ["13203"], "operator", shared=False)
    zones.save_zone(store, "Public", ["13204"], "commander")
    token = _bearer(store, "read")
    anonymous_token = app.server.test_client()
    listed = anonymous_token.get("/api/v1/zones", headers=token).get_json()["zones"]
    assert [z["name"] for z in listed] == ["Public"]
    for name in ("Secret CLI", "Mine"):
        assert anonymous_token.get("/api/v1/zones/query", headers=token,
                                   query_string={"zone": name, **PERIOD}).status_code == 404
    operator, commander, admin = client_as("operator"), client_as("commander"), client_as("admin")
    assert [z["name"] for z in operator.get("/api/v1/zones").get_json()["zones"]] == ["Mine", "Public"]
    assert [z["name"] for z in commander.get("/api/v1/zones").get_json()["zones"]] == ["Public"]
    assert [z["name"] for z in admin.get("/api/v1/zones").get_json()["zones"]] == ["Mine", "Public", "Secret CLI"]
    assert operator.get("/api/v1/zones/query", query_string={"zone": "Secret CLI", **PERIOD}).status_code == 404
    assert commander.get("/api/v1/zones/query", query_string={"zone": "mine", **PERIOD}).status_code == 404
    assert operator.get("/api/v1/zones/query", query_string={"zone": "mine", **PERIOD}).status_code == 200
    assert admin.get("/api/v1/zones/query", query_string={"zone": "Secret CLI", **PERIOD}).status_code == 200
    assert _zone_options(operator) == ["Mine", "Public"]
    assert _zone_options(commander) == ["Public"]
    assert _zone_options(admin) == ["Mine", "Public", "Secret CLI"]


def test_saving_over_a_private_zone_neither_reveals_nor_publishes_it(client_as: Any, store: Any) -> None:
    from vigie.analysis import zones

    zones.save_zone(store, "Mine", ["13203"], "operator", shared=False)
    response = client_as("commander").post("/api/v1/zones", json={"name": "mine", "sectors": ["13204"]})
    assert response.status_code == 422 and "operator" not in response.get_json()["error"]
    assert client_as("operator").post("/api/v1/zones", json={"name": "Mine", "sectors": ["13205"]}).status_code == 201
    assert zones.get_zone(store, "Mine", "operator") == zones.get_zone(store, "Mine", None, admin=True)
    assert not zones.get_zone(store, "Mine", "operator").shared


# -- item 10: the Dash page shell for registered pages only ------------------------------
SHELL_MARK = "_dash-renderer"  # present in Dash's index page only
UNKNOWN = ["/favicon.ico/x", "/enrol/%2e%2e/x", "/enrol/..%2fx", "/nope", "/secteur/13004/extra", "/assets",
           "/mur/", "/_dash-nope", "/api/v1/nope", "/api/v1/zones/nope", "/api/v2/situation", "/api/"]


def test_anonymous_clients_never_get_the_page_shell(client: Any) -> None:
    for path in [*UNKNOWN, "/favicon.ico", "/", "/secteur/13004"]:
        response = client.get(path)
        assert SHELL_MARK.encode() not in response.get_data(), path
        assert response.status_code in (200, 302, 401, 404), (path, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/login"), path


def test_favicon_is_a_real_icon_served_to_anyone(client: Any) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/x-icon"
    body = response.get_data()
    assert body[:4] == b"\x00\x00\x01\x00" and b"PNG" in body[:40] and len(body) < 4096


def test_unknown_paths_are_404_for_tokens_and_sessions(app: Any, store: Any, client_as: Any) -> None:
    token = app.server.test_client()
    for scope in ("read", "ingest"):
        headers = _bearer(store, scope)
        for path in UNKNOWN:
            response = token.get(path, headers=headers)
            assert SHELL_MARK not in response.get_data(as_text=True), (scope, path)
            if path.startswith("/api/"):
                assert response.status_code == 404 and "error" in response.get_json(), (scope, path)
    admin = client_as("admin")
    for path in UNKNOWN:
        response = admin.get(path)
        assert response.status_code == 404 and SHELL_MARK not in response.get_data(as_text=True), path
    for page in ("/", "/mur", "/secteur/13004", "/secteur/anything", "/crise", "/requetes", "/admin"):
        assert SHELL_MARK in admin.get(page).get_data(as_text=True), page


# -- item 13: what the description says is what the code does ------------------------------
def test_empty_instants_are_refused_as_the_description_says(app: Any, store: Any) -> None:
    client, headers = app.server.test_client(), _bearer(store, "read")
    for path, name in INSTANT_PARAMS:
        response = client.get(path, headers={**headers, "Accept-Language": "en"},
                              query_string={"sectors": "13201", "from": "2026-07-01T00:00:00Z",
                                            "to": "2026-07-02T00:00:00Z", name: ""})
        assert response.status_code == 400 and response.get_json()["error"].startswith(f"{name}:"), (path, name)


def test_offsets_and_leap_seconds_are_accepted_on_series(app: Any, store: Any) -> None:
    client, headers = app.server.test_client(), _bearer(store, "read")
    for query in ({"to": "2026-07-14T10:00:00-08:16"}, {"to": "2026-06-30T23:59:60Z"},
                  {"from": "2026-07-14T10:00:00-08:16", "to": "2026-07-15T10:00:00Z"}):
        assert client.get("/api/v1/sectors/13201/series", headers=headers, query_string=query).status_code == 200


def test_zone_query_period_is_required_in_the_description_and_the_code(app: Any, store: Any) -> None:
    from server.api.openapi import SPEC

    params = {p["name"]: p for p in SPEC["paths"]["/api/v1/zones/query"]["get"]["parameters"]}
    assert params["from"]["required"] and params["to"]["required"]
    response = app.server.test_client().get("/api/v1/zones/query?sectors=13201", headers=_bearer(store, "read"))
    assert response.status_code == 400


def test_options_advertises_only_the_api_methods(app: Any, store: Any) -> None:
    client = app.server.test_client()
    for scope in ("read", "ingest"):
        headers = _bearer(store, scope)
        assert set(client.options("/api/v1/observations", headers=headers).headers["Allow"].split(", ")) == {
            "OPTIONS", "POST"}
        assert set(client.options("/api/v1/zones", headers=headers).headers["Allow"].split(", ")) == {
            "GET", "HEAD", "OPTIONS", "POST"}
        refused = client.put("/api/v1/observations", headers=headers)
        assert refused.status_code == 405 and "GET" not in refused.headers["Allow"]
