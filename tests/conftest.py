"""Shared fixtures: an app on a temporary database, a Flask test client, a login helper."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from server.context import vigie
from vigie.identity import accounts
from vigie.config import Settings, load_settings
from vigie.store import Store
from tests.factories import PASSWORD, SECRET_KEY

ROLES = accounts.ROLES


def overrides_for(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {"data_dir": str(tmp_path / "instance"), "feed": "none", "secret_key": SECRET_KEY, **extra}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(overrides_for(tmp_path))


@pytest.fixture
def app(tmp_path: Path) -> Any:
    from app import create_app

    dash_app = create_app(overrides_for(tmp_path))
    dash_app.server.config["TESTING"] = True
    store: Store = vigie(dash_app.server).store
    for role in ROLES:
        accounts.add_user(store, role, role, PASSWORD)
    return dash_app


@pytest.fixture
def store(app: Any) -> Store:
    return vigie(app.server).store


@pytest.fixture
def client(app: Any) -> Any:
    return app.server.test_client()


class AuthActions:
    """Log a test client in and out through the real login form."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def csrf(self) -> str:
        page = self.client.get("/login").get_data(as_text=True)
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, "login form has no CSRF field"
        return match.group(1)

    def login(self, username: str = "operator", password: str = PASSWORD, next_url: str = "/") -> Any:
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf": self.csrf(), "next": next_url})

    def session_csrf(self) -> str:
        """The CSRF token the navbar's forms carry (read from the served layout)."""
        layout = self.client.get("/_dash-layout").get_data(as_text=True)
        match = re.search(r'"name":\s*"csrf",\s*"type":\s*"hidden",\s*"value":\s*"([0-9a-f]+)"', layout) \
            or re.search(r'"value":\s*"([0-9a-f]{64})"', layout)
        assert match, "the navbar carries no CSRF token"
        return match.group(1)

    def logout(self) -> Any:
        """Press the navbar's sign-out button (a form POSTing the session's CSRF token)."""
        return self.client.post("/logout", data={"csrf": self.session_csrf()})


@pytest.fixture
def auth(client: Any) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def client_as(app: Any) -> Iterator[Any]:
    """Factory: a fresh logged-in client for a role."""
    def make(role: str) -> Any:
        c = app.server.test_client()
        response = AuthActions(c).login(role)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return c
    yield make
