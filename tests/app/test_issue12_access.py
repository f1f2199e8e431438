"""Issue 12, access and API: throttle race, unknown paths, private zones, far instants."""
from __future__ import annotations

import re
import threading
from typing import Any

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
