"""GET /api/v1/forecast: contract, privacy, no look-ahead, clear 400s, scope."""
from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from server.api.openapi import SPEC
from tests.conftest import overrides_for
from vigie.forecast import clear_cache
from vigie.slots import iso_z, parse_instant
from vigie.tokens import create_token


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An app with four weeks of simulated history ending now (built once for the module)."""
    from app import create_app
    from vigie.feed.simulator import Simulator
    from vigie.feed.worker import publish_until

    dash_app = create_app(overrides_for(tmp_path_factory.mktemp("forecast-api")))
    s = dash_app.server.config["VIGIE_SETTINGS"]
    publish_until(dash_app.server.config["VIGIE_STORE"], Simulator.from_settings({**s, "history_weeks": 4}),
                  {**s, "history_weeks": 4}, time.time())
    clear_cache()
    return dash_app


@pytest.fixture
def history(seeded: Any) -> Any:
    """The store of the seeded app."""
    return seeded.server.config["VIGIE_STORE"]


def _get(app: Any, store: Any, scope: str = "read", **params: Any) -> Any:
    token = create_token(store, f"{scope}{time.time_ns()}", scope)
    return app.server.test_client().get("/api/v1/forecast", query_string=params,
                                        headers={"Authorization": f"Bearer {token}"})


def test_contract_and_privacy(seeded: Any, history: Any) -> None:
    store = history
    body = _get(seeded, store).get_json()
    latest = store.scalar("SELECT max(slot) FROM observations")
    assert body["at"] == body["based_on"] == iso_z(latest) and body["horizon"] == 12
    schema = SPEC["paths"]["/api/v1/forecast"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) <= set(body) and len(body["sectors"]) == 134
    for sector in body["sectors"]:
        assert [p["slot_start"] for p in sector["points"]] == [iso_z(latest + h * 1800) for h in range(1, 13)]
        for point in sector["points"]:
            for key in ("expected", "low", "high"):
                assert point[key] is None or point[key] >= 20
            if point["expected"] is not None:
                assert point["low"] <= point["expected"] <= point["high"]


def test_at_horizon_and_sectors(seeded: Any, history: Any) -> None:
    store = history
    latest = store.scalar("SELECT max(slot) FROM observations")
    at = latest - 5 * 3600 + 600
    body = _get(seeded, store, at=iso_z(at), horizon=3, sectors="13022,13004").get_json()
    assert body["based_on"] == iso_z(at - at % 1800) and body["horizon"] == 3
    assert [s["code"] for s in body["sectors"]] == ["13004", "13022"]
    assert all(len(s["points"]) == 3 for s in body["sectors"])


def test_observations_after_at_are_not_read(seeded: Any, history: Any) -> None:
    store = history
    latest = store.scalar("SELECT max(slot) FROM observations")
    at = iso_z(latest - 3 * 3600)
    before = _get(seeded, store, at=at, sectors="13022").get_json()
    change = "UPDATE observations SET present = present + ? WHERE sector_code = '13022' AND slot > ?"
    with store.write() as tx:
        tx.execute(change, [50000, parse_instant(at)])
    try:
        assert _get(seeded, store, at=at, sectors="13022").get_json() == before
    finally:
        with store.write() as tx:
            tx.execute(change, [-50000, parse_instant(at)])


@pytest.mark.parametrize("params, message", [
    ({"horizon": "0"}, "horizon: expected a whole number of slots between 1 and 12"),
    ({"horizon": "13"}, "between 1 and 12"),
    ({"horizon": "deux"}, "between 1 and 12"),
    ({"at": "hier"}, "at: expected an ISO 8601 instant"),
    ({"sectors": "13022,99999"}, "unknown sector codes 99999"),
    ({"sectors": ","}, "sectors: give 1 to 200"),
])
def test_bad_parameters_get_a_clear_400(seeded: Any, history: Any, params: dict[str, str], message: str) -> None:
    answer = _get(seeded, history, **params)
    assert answer.status_code == 400 and message in answer.get_json()["error"]


def test_read_scope_needed(app: Any, store: Any) -> None:
    assert _get(app, store, scope="ingest").status_code == 403
    assert app.server.test_client().get("/api/v1/forecast").status_code in (302, 401)
    empty = _get(app, store).get_json()
    assert empty["sectors"] == [] and empty["based_on"] is None


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["at", "horizon", "sectors"]), st.text(max_size=30), max_size=3))
def test_any_query_string_gets_an_answer_not_a_crash(seeded: Any, history: Any, params: dict[str, str]) -> None:
    answer = _get(seeded, history, **params)
    assert answer.status_code in (200, 400), (params, answer.get_data(as_text=True)[:200])
