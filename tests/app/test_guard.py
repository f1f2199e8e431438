"""SECURITY 1-3, 7, 13: deny by default over the whole URL map; login rules; sessions; headers."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD

# /enrol/<token> is public by design: the one-time token is the credential (tested below).
PUBLIC = {"/login", "/healthz", "/favicon.ico", "/assets/themes/darkly.min.css", "/assets/login.css",
          "/assets/logo.svg", "/enrol/<token>"}


def _fill(rule: Any) -> str:
    """A concrete URL for a url_map rule (path parameters filled with plausible values)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: {"code": "13004", "path": "vigie.css"}.get(m.group(1), "x"),
                  rule.rule)


def test_every_non_public_route_refuses_an_anonymous_client(app: Any) -> None:
    client = app.server.test_client()
    checked = 0
    for rule in app.server.url_map.iter_rules():
        url = _fill(rule)
        if url in PUBLIC or rule.rule in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), f"{method} {url} answered {response.status_code}"
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login")
            checked += 1
    assert checked >= 10
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/_mcp", "/api/v1/anything",
                 "/secteur/13004", "/assets/vigie.css", "/geo/sectors.geojson"):
        assert client.get(path).status_code in (302, 401), path


def test_crafted_callback_post_is_refused_anonymously(client: Any) -> None:
    response = client.post("/_dash-update-component", json={"output": "x.children", "inputs": []})
    assert response.status_code == 401


def test_public_routes_are_reachable(client: Any) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/assets/themes/darkly.min.css").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)


def test_login_success_failure_and_same_answer(auth: Any) -> None:
    unknown = auth.login("nobody", PASSWORD)
    wrong = auth.login("operator", "wrong-password-123")
    assert unknown.status_code == wrong.status_code == 401
    assert _alert(unknown) == _alert(wrong)
    ok = auth.login("operator", PASSWORD, next_url="/secteur/13004")
    assert ok.status_code == 302 and ok.headers["Location"] == "/secteur/13004"


def _alert(response: Any) -> str:
    match = re.search(r'alert-danger" role="alert">([^<]+)<', response.get_data(as_text=True))
    assert match
    return match.group(1)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_next_cannot_redirect_off_site(auth: Any, target: str) -> None:
    response = auth.login("operator", PASSWORD, next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_login_needs_the_form_token(client: Any) -> None:
    response = client.post("/login", data={"username": "operator", "password": PASSWORD})
    assert response.status_code == 400


def test_brute_force_is_throttled(auth: Any) -> None:
    for _ in range(5):
        assert auth.login("operator", "wrong-password-123").status_code == 401
    assert auth.login("operator", PASSWORD).status_code == 429


def test_cookie_replayed_after_logout_is_refused(app: Any, auth: Any, client: Any) -> None:
    auth.login("operator")
    assert client.get("/_dash-layout").status_code == 200
    cookie = client.get_cookie("vigie_session").value
    auth.logout()
    replay = app.server.test_client()
    replay.set_cookie("vigie_session", cookie)
    assert replay.get("/_dash-layout").status_code == 401


def test_session_cookie_flags(auth: Any) -> None:
    response = auth.login("operator")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_security_headers(client: Any) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_no_debug_in_production(app: Any) -> None:
    assert not app.server.debug
    assert not app.server.config.get("DEBUG")


def test_api_token_opens_no_dash_route(app: Any, store: Any) -> None:
    from vigie.identity.tokens import create_token

    token = create_token(store, "probe", "read")
    client = app.server.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/_dash-layout", headers=headers).status_code == 401
    assert client.post("/_dash-update-component", json={"output": "x.children", "inputs": []},
                       headers=headers).status_code == 401


def test_unknown_or_malformed_callback_is_a_client_error(client_as: Any) -> None:
    client = client_as("admin")
    assert client.post("/_dash-update-component", json={"output": "nope.children", "inputs": []}).status_code == 400
    assert client.post("/_dash-update-component", data="not json", content_type="application/json").status_code == 400
    assert client.post("/_dash-update-component", json=[1, 2, 3]).status_code == 400


def test_enrolment_link_opens_one_display_session_once(app: Any, store: Any) -> None:
    from vigie.identity import accounts

    token = accounts.create_enrolment(store, "display", "admin")
    wall = app.server.test_client()
    assert wall.get("/enrol/not-a-token").status_code == 403
    first = wall.get(f"/enrol/{token}")
    assert first.status_code == 302 and first.headers["Location"] == "/mur"
    assert wall.get("/_dash-layout").status_code == 200
    assert app.server.test_client().get(f"/enrol/{token}").status_code == 403  # used up
    with __import__("pytest").raises(accounts.AccountError):
        accounts.create_enrolment(store, "operator", "admin")
