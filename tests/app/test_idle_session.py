"""The session's time left comes from the server, asking it is no user action, "Rester connecté" is one,
and after a login the user is back on the page (path and query string) they were sent away from."""
from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from components import ids
from server.auth import safe_next
from tests.app.dash_calls import call
from tests.factories import idle_since, last_actions
from vigie.identity import idle
from vigie.store import Store


def _csrf_header(auth: Any) -> dict[str, str]:
    return {"X-CSRF-Token": auth.session_csrf()}


def test_the_time_left_is_the_server_s_with_the_idle_time_of_the_role(auth: Any, client: Any, store: Store) -> None:
    idle.set_idle_minutes(store, "operator", 10, "admin")
    auth.login("operator")
    idle_since(store, "operator", 100)
    answer = client.get("/session")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert answer.json["warning"] == 120 and answer.json["extendable"] is True
    assert 600 - 100 - 2 <= answer.json["remaining"] <= 600 - 100


def test_roles_without_a_choice_have_the_setting(auth: Any, client: Any, store: Store) -> None:
    idle.set_idle_minutes(store, "operator", 10, "admin")
    auth.login("commander")
    idle_since(store, "commander", 100)
    assert 1800 - 100 - 2 <= client.get("/session").json["remaining"] <= 1800 - 100


def test_asking_the_time_left_or_refreshing_is_no_user_action(auth: Any, client: Any, store: Store) -> None:
    auth.login("operator")
    idle_since(store, "operator", 600)
    before = last_actions(store, "operator")
    for _ in range(3):
        assert client.get("/session").status_code == 200
    call(client, [(ids.FRESHNESS, "children"), (ids.FRESHNESS, "className")], [(ids.REFRESH, "n_intervals", 4)])
    assert last_actions(store, "operator") == before
    assert 1800 - 600 - 2 <= client.get("/session").json["remaining"] <= 1800 - 600


def test_stay_signed_in_is_a_user_action(auth: Any, client: Any, store: Store) -> None:
    auth.login("operator")
    headers = _csrf_header(auth)          # read from the served layout: a page load, a user action
    idle_since(store, "operator", 1700)
    answer = client.post("/session/extend", headers=headers)
    assert answer.status_code == 200 and answer.json["remaining"] >= 1800 - 2
    assert last_actions(store, "operator")[0] >= time.time() - 2
    assert client.get("/session").json["remaining"] >= 1800 - 3


def test_stay_signed_in_needs_the_session_s_csrf_token_and_our_origin(auth: Any, client: Any, store: Store) -> None:
    auth.login("operator")
    foreign = {**_csrf_header(auth), "Sec-Fetch-Site": "same-site"}
    idle_since(store, "operator", 1700)
    assert client.post("/session/extend").status_code == 400
    assert client.post("/session/extend", headers={"X-CSRF-Token": "forged"}).status_code == 400
    assert client.post("/session/extend", headers=foreign).status_code == 403
    assert client.get("/session/extend").status_code in (404, 405)
    assert max(last_actions(store, "operator")) <= time.time() - 1690


def test_an_ended_session_gets_a_401_that_the_page_turns_into_the_login(auth: Any, client: Any, store: Store) -> None:
    auth.login("operator")
    idle_since(store, "operator", 1801)
    answer = client.get("/session")
    assert answer.status_code == 401 and answer.json["login"] == "/login"
    assert client.post("/session/extend").status_code == 401
    assert last_actions(store, "operator") == []   # the ended session is gone from the server


def test_a_wall_display_is_warned_of_its_absolute_end_only(auth: Any, client: Any, store: Store) -> None:
    auth.login("display")
    idle_since(store, "display", 86400)
    status = client.get("/session").json
    assert status["extendable"] is False and status["remaining"] > 29 * 86400


@pytest.mark.parametrize("target", ["/secteur/13004?periode=7j", "/crise?horizon=2h&mode=peak", "/", "/alertes"])
def test_next_keeps_a_local_path_and_its_query_string(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/secteur", "///evil.example", "http://evil.example/", "https://evil.example",
    "\\\\evil.example", "/\\evil.example", "\\/evil.example", "javascript:alert(1)", "evil.example", "",
    None, "/\t/evil.example", "/\n/evil.example", " //evil.example", "/\x00/evil.example",
])
def test_next_refuses_anything_but_a_local_path(target: str | None) -> None:
    assert safe_next(target) == "/"


def test_a_page_left_for_the_login_comes_back_with_its_query_string(auth: Any, client: Any, store: Store) -> None:
    auth.login("operator")
    idle_since(store, "operator", 1801)
    sent_away = client.get("/secteur/13004?periode=7j")
    location = urlsplit(sent_away.headers["Location"])
    assert sent_away.status_code == 302 and location.path == "/login"
    assert parse_qs(location.query) == {"next": ["/secteur/13004?periode=7j"]}
    login_page = client.get(sent_away.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/secteur/13004?periode=7j"' in login_page
    back = auth.login("operator", next_url="/secteur/13004?periode=7j")
    assert back.status_code == 302 and back.headers["Location"] == "/secteur/13004?periode=7j"


@pytest.mark.parametrize("target", ["//evil.example/x", "http://evil.example/", "\\\\evil.example"])
def test_the_login_form_never_sends_off_site(auth: Any, client: Any, target: str) -> None:
    login_page = client.get("/login?expired=1&next=" + quote(target, safe="")).get_data(as_text=True)
    assert 'name="next" value="/"' in login_page
    answer = auth.login("operator", next_url=target)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
