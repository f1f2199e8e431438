"""GET /api/v1/forecast: contract, privacy, no look-ahead, clear 400s, scope."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from server.api.openapi import SPEC
from server.context import vigie
from tests.conftest import PASSWORD, ROLES, AuthActions, overrides_for
from vigie.identity import accounts
from vigie.forecast import clear_cache
from components.hideout import SCALES
from vigie.i18n import format_int, format_time
from vigie.slots import iso_z, parse_instant
from vigie.identity.tokens import create_token


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An app with four weeks of simulated history ending now (built once for the module)."""
    from app import create_app
    from vigie.feed.simulator import Simulator
    from vigie.runtime.feed import publish_until

    dash_app = create_app(overrides_for(tmp_path_factory.mktemp("forecast-api")))
    s = replace(vigie(dash_app.server).settings, history_weeks=4)
    publish_until(vigie(dash_app.server).store, Simulator.from_settings(s), s, time.time())
    for role in ROLES:
        accounts.add_user(vigie(dash_app.server).store, role, role, PASSWORD)
    clear_cache()
    return dash_app


@pytest.fixture
def history(seeded: Any) -> Any:
    """The store of the seeded app."""
    return vigie(seeded.server).store


def _get(app: Any, store: Any, scope: str = "read", accept: str = "fr", **params: Any) -> Any:
    token = create_token(store, f"{scope}{time.time_ns()}", scope)
    return app.server.test_client().get("/api/v1/forecast", query_string=params,
                                        headers={"Authorization": f"Bearer {token}", "Accept-Language": accept})


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
    ({"sectors": ","}, "sectors: give 1 to 200"),
])
def test_bad_parameters_get_a_clear_400(seeded: Any, history: Any, params: dict[str, str], message: str) -> None:
    answer = _get(seeded, history, accept="en", **params)
    assert answer.status_code == 400 and message in answer.get_json()["error"]


def test_unknown_sectors_get_a_clear_422(seeded: Any, history: Any) -> None:
    answer = _get(seeded, history, accept="en", sectors="13022,99999")   # well formed, but no such sector
    assert answer.status_code == 422 and "unknown sector codes 99999" in answer.get_json()["error"]
    french = _get(seeded, history, sectors="13022,99999").get_json()
    assert french["code"] == "errors.forecast_unknown_sectors" and "codes de secteur inconnus 99999" in french["error"]


def test_read_scope_needed(app: Any, store: Any) -> None:
    assert _get(app, store, scope="ingest").status_code == 403
    assert app.server.test_client().get("/api/v1/forecast").status_code in (302, 401)
    empty = _get(app, store).get_json()
    assert empty["sectors"] == [] and empty["based_on"] is None


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["at", "horizon", "sectors"]), st.text(max_size=30), max_size=3))
def test_any_query_string_gets_an_answer_not_a_crash(seeded: Any, history: Any, params: dict[str, str]) -> None:
    answer = _get(seeded, history, **params)
    assert answer.status_code in (200, 400, 422), (params, answer.get_data(as_text=True)[:200])


def _callback(app: Any, output: str, values: dict[str, Any]) -> dict[str, Any]:
    """Post the callback that has `output` as Dash's renderer would (inputs and states from `values`, None
    for those not given); return its response."""
    key = next(k for k in app.callback_map if output in k and "@" not in k)
    spec = app.callback_map[key]
    items = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    body = {"output": key, "outputs": [{"id": o.component_id, "property": o.component_property} for o in items],
            "inputs": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec["inputs"]],
            "changedPropIds": [k for k in values if any(f"{i['id']}.{i['property']}" == k for i in spec["inputs"])],
            "state": [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec.get("state", [])]}
    client = app.server.test_client()
    assert AuthActions(client).login("display").status_code == 302
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]  # type: ignore[no-any-return]


def test_map_indicator_in_two_hours_and_card(seeded: Any, history: Any) -> None:
    from vigie.forecast import cached_forecast

    response = _callback(seeded, "situation-geojson.hideout", {
        "situation-refresh.n_intervals": 1, "situation-indicator.value": "forecast_2h", "situation-selected.data": "13022"})
    hideout = response["situation-geojson"]["hideout"]
    forecast = cached_forecast(history, history.scalar("SELECT max(slot) FROM observations"))
    cassis = forecast.get("13022")
    assert cassis is not None and cassis.excess(3) is not None
    assert hideout["classes"]["13022"] == SCALES["forecast_excess"].classify(cassis.excess(3))
    assert "dans 2 h : prévu" in hideout["labels"]["13022"]
    card = json.dumps(response["situation-sector-card"]["children"], ensure_ascii=False)
    peak = cassis.peak()
    assert peak is not None
    expected = f"prévu {format_int(cassis.expected[peak])} à {format_time(cassis.slots[peak])}"
    assert expected in card and "par rapport à l'habituel" in card and "demi-vie" in card


def test_sector_chart_continues_six_hours_ahead(seeded: Any, history: Any) -> None:
    response = _callback(seeded, "sector-series.figure", {"sector-code.data": "13004", "sector-range.value": "48h",
                                                          "sector-refresh.n_intervals": 1})
    traces = response["sector-series"]["figure"]["data"]
    names = [trace.get("name") for trace in traces]
    assert "Prévision" in names and "Prévision, intervalle 80 %" in names
    line = traces[names.index("Prévision")]
    measured = traces[names.index("Présents")] if "Présents" in names else traces[3]
    assert len(line["x"]) == 12 and line["x"][0] > measured["x"][-2]
    assert line["line"]["dash"] == "dash" and line["line"]["color"] != measured["line"]["color"]


@pytest.fixture
def festival(seeded: Any, history: Any) -> Any:
    """30 000 people expected in Aubagne from the next hour, for two hours (removed afterwards)."""
    from vigie.calendar.events import delete_event, make_event, save_user_event

    latest = history.scalar("SELECT max(slot) FROM observations")
    save_user_event(history, make_event("fest", "Festival", ["13005"], latest + 3600, latest + 3 * 3600, 30_000,
                                        "concert", origin="user", created_by="operator"), "operator")
    clear_cache()
    yield latest
    delete_event(history, "fest")
    clear_cache()


def test_crisis_api_on_a_horizon(seeded: Any, history: Any, festival: int) -> None:
    body = _get_path(seeded, history, "/api/v1/crisis", horizon="peak").get_json()
    assert body["horizon"] == "peak"
    aix = next(s for s in body["sectors"] if s["code"] == "13005")
    assert aix["crosses_at"] >= iso_z(festival + 3600) and aix["moment"] >= aix["crosses_at"]
    assert aix["event"] == "Festival" and not aix["significant_now"] and aix["excess"] >= 15_000
    now = _get_path(seeded, history, "/api/v1/crisis").get_json()
    assert now["horizon"] == "now" and "13005" not in {s["code"] for s in now["sectors"]}
    bad = _get_path(seeded, history, "/api/v1/crisis", horizon="demain")
    assert bad.status_code == 400 and "now, 1h, 2h, 3h, peak" in bad.get_json()["error"]
    assert bad.get_json()["code"] == "errors.horizon_unknown"


def test_allocation_api_moves_say_their_moment(seeded: Any, history: Any, festival: int) -> None:
    body = _get_path(seeded, history, "/api/v1/allocation", horizon="3h").get_json()
    towards = [m for m in body["moves"] + body["on_site"] if m["sector_code"] == "13005"]
    assert body["horizon"] == "3h" and towards
    assert all(m["moment"] is not None and m["moment"] > iso_z(festival) for m in towards)


def test_crisis_page_on_a_horizon(seeded: Any, history: Any, festival: int) -> None:
    response = _callback(seeded, "crisis-ranking-table.children", {
        "crisis-refresh.n_intervals": 1, "crisis-authority.value": "all", "crisis-groupement.value": "all",
        "crisis-min-excess.value": 500, "crisis-target.value": 20, "crisis-vsav-ratio.value": 10_000,
        "crisis-fpt-ratio.value": 25_000, "crisis-horizon.value": "peak"})
    text = json.dumps(response, ensure_ascii=False)
    assert "franchit le seuil vers" in text and "Festival" in text and " — pour " in text
    plan = response["crisis-plan-store"]["data"]
    assert plan["horizon"] == "peak" and "13005" in plan["moments"]


def _get_path(app: Any, store: Any, path: str, **params: Any) -> Any:
    token = create_token(store, f"read{time.time_ns()}", "read")
    return app.server.test_client().get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})


def test_point_de_situation_carries_the_forecast(seeded: Any, history: Any, festival: int) -> None:
    client = seeded.server.test_client()
    assert AuthActions(client).login("operator").status_code == 302
    page = client.get("/rapport").get_data(as_text=True)
    assert "Prévision des 6 prochaines heures" in page
    table = page[page.index('id="report-forecast"'):page.index("</table>", page.index('id="report-forecast"'))]
    assert "Aubagne" in table and "–" in table   # the expected peak, its time and its 80 % interval
