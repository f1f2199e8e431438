"""Issue 12, access class: every route of the URL map with each token scope and each role."""
from __future__ import annotations

import re
from typing import Any

from tests.conftest import ROLES
from vigie.identity.accounts import ROLE_RANK
from vigie.identity.tokens import create_token

PARAMS = {"code": "13201", "path": "vigie.css", "filename": "vigie.css", "token": "x", "language": "fr",
          "package_name": "dash", "fingerprinted_path": "dash.js"}
SESSION_ONLY_PUBLIC = {"/login", "/healthz", "/favicon.ico", "/enrol/<token>", "/logout"}


def _url(rule: Any) -> str:
    """The rule with its parameters filled in (an id for <int:…>, a known value, or "x")."""
    def value(m: re.Match[str]) -> str:
        return "1" if m.group(1) == "int" else PARAMS.get(m.group(2), "x")
    return re.sub(r"<(?:([^:<>]+):)?([^<>]+)>", value, rule.rule)


def _routes(app: Any) -> list[tuple[Any, str, str]]:
    """(rule, url, method) for every rule; GET and POST only (HEAD and OPTIONS follow them)."""
    return [(rule, _url(rule), method) for rule in app.server.url_map.iter_rules()
            for method in sorted(rule.methods & {"GET", "POST"})]


def test_a_token_opens_only_the_api_routes_of_its_scope(app: Any, store: Any) -> None:
    client = app.server.test_client()
    for scope in ("read", "ingest"):
        headers = {"Authorization": f"Bearer {create_token(store, f'sweep-{scope}', scope)}"}
        for rule, url, method in _routes(app):
            response = client.open(url, method=method, headers=headers, data=b"", content_type="text/csv")
            status = response.status_code
            assert status < 500, (scope, method, url, status)
            if not rule.rule.startswith("/api/"):
                if rule.rule not in SESSION_ONLY_PUBLIC and not rule.rule.startswith("/assets/themes"):
                    assert status in (302, 401, 400), (scope, method, url, status)  # no Dash route for a token
                continue
            view = app.server.view_functions[rule.endpoint]
            allowed = view.vigie_scope == scope
            assert (status == 403) == (not allowed), (scope, method, url, status)


def test_each_role_gets_exactly_the_api_routes_of_its_rank(app: Any, client_as: Any) -> None:
    for role in ROLES:
        client = client_as(role)
        for rule, url, method in _routes(app):
            if not rule.rule.startswith("/api/"):
                continue
            response = client.open(url, method=method, json={})
            view = app.server.view_functions[rule.endpoint]
            assert response.status_code < 500, (role, method, url)
            if not view.vigie_sessions:          # bearer tokens only (the push API): no session, whatever its role
                assert response.status_code == 401, (role, method, url, response.status_code)
                continue
            allowed = ROLE_RANK[role] >= ROLE_RANK[view.vigie_role]
            assert (response.status_code == 403) == (not allowed), (role, method, url, response.status_code)


def test_no_route_answers_a_server_error_to_any_role(app: Any, client_as: Any) -> None:
    for role in ROLES:
        client = client_as(role)
        for rule, url, method in _routes(app):
            if rule.rule in ("/logout",):
                continue  # would end this client's session half-way through the sweep
            response = client.open(url, method=method)
            assert response.status_code < 500, (role, method, url, response.status_code)
