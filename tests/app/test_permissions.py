"""SECURITY 3: every callback declares its role, and the server enforces it."""
from __future__ import annotations

from typing import Any

from server.context import vigie
from vigie.identity.accounts import ROLES


def test_permission_map_covers_every_callback(app: Any, client_as: Any) -> None:
    client_as("operator").get("/")  # Dash adds its page-routing callbacks on the first request
    roles = vigie(app.server).callback_roles
    assert set(app.callback_map) - set(roles) == set()
    assert set(roles.values()) <= set(ROLES)


def test_weaker_role_gets_403_and_an_audit_line(app: Any, client_as: Any, store: Any) -> None:
    roles = vigie(app.server).callback_roles
    guarded = [output for output, role in roles.items() if role == "admin"]
    assert guarded, "the user-administration callback should be admin-only"
    output = guarded[0]
    client = client_as("display")
    response = client.post("/_dash-update-component", json={"output": output, "inputs": [], "changedPropIds": []})
    assert response.status_code == 403
    line = store.query("SELECT * FROM audit WHERE action = 'callback' ORDER BY id DESC LIMIT 1")[0]
    assert line["outcome"] == "forbidden" and line["username"] == "display"
