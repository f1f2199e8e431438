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
    from vigie.tokens import create_token

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
            response = client.get(path, query_string={**params, name: instant})
            assert response.status_code == 400, (path, name, instant, response.get_data(as_text=True)[:200])
            message = response.get_json()["error"]
            assert message.startswith(f"{name}:") and "1970-01-01T00:00:00Z to 2099-12-31T23:59:59Z" in message


def test_far_dates_on_the_queries_page_are_refused_not_crashed() -> None:
    from callbacks.queries import period
    from vigie.zones import ZoneError

    for start, end in (("0001-01-01", "0001-01-02"), ("2026-07-01", "9999-12-31")):
        with pytest.raises(ZoneError):
            period(start, end)
