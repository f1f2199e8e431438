"""SECURITY 3, 4, 7, 8, 11, 18, 19, 21: the rest of the requirements, each with a test."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from server.context import vigie
from tests.conftest import PASSWORD, overrides_for


def test_every_api_route_declares_its_role_and_scope(app: Any) -> None:
    for rule in app.server.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            view = app.server.view_functions[rule.endpoint]
            assert hasattr(view, "vigie_role") and hasattr(view, "vigie_scope"), rule.rule


def test_no_default_account(tmp_path: Path) -> None:
    from app import create_app

    fresh = create_app(overrides_for(tmp_path))
    assert vigie(fresh.server).store.scalar("SELECT count(*) FROM users") == 0


def test_secure_cookie_behind_tls(tmp_path: Path) -> None:
    from app import create_app
    from vigie.identity import accounts

    secure = create_app(overrides_for(tmp_path, secure_cookies=True))
    accounts.add_user(vigie(secure.server).store, "alice", "operator", PASSWORD)
    from tests.conftest import AuthActions

    response = AuthActions(secure.server.test_client()).login("alice")
    assert "Secure" in response.headers["Set-Cookie"]


def test_tokens_are_stored_hashed(store: Any) -> None:
    from vigie.identity.tokens import create_token

    token = create_token(store, "probe", "read")
    stored = store.query("SELECT token_hash FROM api_tokens WHERE name = 'probe'")[0]["token_hash"]
    assert token not in stored and len(stored) == 64


def test_healthz_is_503_when_the_feed_is_down(tmp_path: Path) -> None:
    from app import create_app

    stalled = create_app(overrides_for(tmp_path, feed="simulator"))  # no slot ever received
    answer = stalled.server.test_client().get("/healthz")
    assert answer.status_code == 503 and answer.get_json()["status"] == "down"
    assert "sectors" not in answer.get_json()  # public: no data


def test_schema_holds_only_aggregates(store: Any) -> None:
    forbidden = ("device", "imsi", "imei", "msisdn", "phone", "person", "subscriber", "latitude_user", "ip_")
    for table in ("observations", "unique_visitors", "feed_batches"):
        columns = [c.name for c in store.db[table].columns]
        assert not [c for c in columns if any(word in c for word in forbidden)], table


def test_login_and_refusals_are_audited(app: Any, auth: Any, store: Any) -> None:
    auth.login("operator", "wrong-password-123")
    auth.login("operator")
    outcomes = [r["outcome"] for r in store.query("SELECT outcome FROM audit WHERE action = 'login' ORDER BY id")]
    assert outcomes[-2:] == ["failed", "ok"]
    assert not store.query("SELECT 1 FROM audit WHERE detail LIKE ?", [f"%{PASSWORD}%"])  # no secret in the trail


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                         lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                    max_size=4), max_leaves=12),
       which=st.integers(min_value=0, max_value=1000))
def test_arbitrary_json_to_a_callback_is_never_a_server_error(app: Any, client_as: Any, body: Any, which: int) -> None:
    client = getattr(app, "_probe_client", None) or client_as("admin")
    app._probe_client = client
    outputs = sorted(vigie(app.server).callback_roles)
    payload = {"output": outputs[which % len(outputs)], "outputs": body, "inputs": body, "state": body,
               "changedPropIds": body if isinstance(body, list) else []}
    answer = client.post("/_dash-update-component", json=payload)
    assert answer.status_code < 500, (payload, answer.get_data(as_text=True)[:300])
    time.sleep(0)
