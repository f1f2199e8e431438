"""The read and push API: contract (OpenAPI), privacy, scopes, errors."""
from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from server.api.openapi import SPEC
from server.context import vigie
from vigie.identity.tokens import create_token


@pytest.fixture
def seeded(app: Any, store: Any) -> Any:
    """Three weeks of simulated history ending now."""
    from vigie.feed.simulator import Simulator
    from vigie.runtime.feed import publish_until

    s = replace(vigie(app.server).settings, history_weeks=3)
    publish_until(store, Simulator.from_settings(s), s, time.time())
    return app


def _bearer(store: Any, scope: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(store, f'{scope}{int(time.time() * 1e6)}', scope)}"}


def test_openapi_covers_every_api_route(app: Any, store: Any) -> None:
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.server.url_map.iter_rules()
              if r.rule.startswith("/api/")}
    assert routes == set(SPEC["paths"])
    served = app.server.test_client().get("/api/v1/openapi.json", headers=_bearer(store, "read"))
    assert served.status_code == 200 and served.get_json()["openapi"].startswith("3.")


def test_situation_contract_and_privacy(seeded: Any, store: Any) -> None:
    client = seeded.server.test_client()
    body = client.get("/api/v1/situation", headers=_bearer(store, "read")).get_json()
    assert len(body["sectors"]) == 134
    required = SPEC["paths"]["/api/v1/situation"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    for sector in body["sectors"]:
        assert set(required["properties"]["sectors"]["items"]["required"]) <= set(sector)
        for key in ("present", "usual", "excess"):
            value = sector[key]
            assert value is None or key == "excess" or value >= 20
        if sector["present"] is None:
            assert sector["suppressed"] or sector["present"] is None


def test_crisis_contract(seeded: Any, store: Any) -> None:
    body = seeded.server.test_client().get("/api/v1/crisis", headers=_bearer(store, "read")).get_json()
    assert "at" in body and isinstance(body["sectors"], list)
    excesses = [s["excess"] for s in body["sectors"]]
    assert excesses == sorted(excesses, reverse=True)
    assert isinstance(body["below"], list)  # sectors far below their usual value, largest shortfall first
    shortfalls = [s["excess"] for s in body["below"]]
    assert shortfalls == sorted(shortfalls) and all(e < 0 for e in shortfalls)
    situation = seeded.server.test_client().get("/api/v1/situation", headers=_bearer(store, "read")).get_json()
    shown = [s for s in situation["sectors"] if s["usual"] is not None]
    assert shown and all(s["compared_with"].startswith("habituel") for s in shown)


def test_scopes_are_enforced(app: Any, store: Any) -> None:
    client = app.server.test_client()
    assert client.get("/api/v1/situation", headers=_bearer(store, "ingest")).status_code == 403
    assert client.post("/api/v1/observations", data=b"x", content_type="text/csv",
                       headers=_bearer(store, "read")).status_code == 403
    assert client.get("/api/v1/situation", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_push_rejects_a_bad_batch_whole_and_limits_size(app: Any, store: Any) -> None:
    client = app.server.test_client()
    headers = _bearer(store, "ingest")
    bad = b"sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries\n99999,x,1,1,0,0,0,0\n"
    answer = client.post("/api/v1/observations", data=bad, content_type="text/csv", headers=headers)
    assert answer.status_code == 422 and answer.get_json()["problems"]
    huge = b"x" * (21 * 1024 * 1024)
    assert client.post("/api/v1/observations", data=huge, content_type="text/csv", headers=headers).status_code == 413


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/api/v1/situation", "/api/v1/crisis", "/api/v1/events", "/api/v1/zones/query",
                             "/api/v1/sectors/13004/series", "/api/v1/allocation"]),
       params=st.dictionaries(st.sampled_from(["at", "from", "to", "sectors", "zone"]),
                              st.text(max_size=30), max_size=3))
def test_any_query_string_gets_an_answer_not_a_crash(app: Any, store: Any, path: str, params: dict[str, str]) -> None:
    client = app.server.test_client()
    answer = client.get(path, query_string=params, headers=_bearer(store, "read"))
    assert answer.status_code < 500, (path, params, answer.get_data(as_text=True)[:200])
