"""Plan validation records only what the server computed (issue 12, item 7), through the real Dash endpoint."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import pytest

from server.context import vigie
from vigie.training.control import list_decisions
from vigie.feed.ingest import ingest_bytes

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
FILTERS = {"crisis-authority": "all", "crisis-groupement": "all", "crisis-min-excess": 500,
           "crisis-target": 20, "crisis-vsav-ratio": 25000, "crisis-fpt-ratio": 50000, "crisis-horizon": "now"}


@pytest.fixture
def seeded(app: Any, store: Any) -> Any:
    """Seven weeks of simulated history ending now: enough for usual values, so the crisis page ranks."""
    from vigie.feed.simulator import Simulator
    from vigie.runtime.feed import publish_until

    s = replace(vigie(app.server).settings, history_weeks=7)
    publish_until(store, Simulator.from_settings(s), s, time.time())
    return app


def _output_key(app: Any, component: str) -> str:
    return next(k for k in vigie(app.server).callback_roles if f"{component}." in k)


def _outputs(key: str) -> list[dict[str, str]]:
    parts = key.strip(".").split("...")
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def _post(client: Any, app: Any, component: str, inputs: list[dict[str, Any]], state: list[dict[str, Any]]) -> Any:
    key = _output_key(app, component)
    body = {"output": key, "outputs": _outputs(key) if key.startswith("..") else _outputs(key)[0],
            "inputs": inputs, "state": state, "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    return client.post("/_dash-update-component", json=body,
                       headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})


def _shown_plan(client: Any, app: Any) -> dict[str, Any]:
    """What the crisis page's refresh callback gives the browser to ask for validation."""
    inputs = [{"id": "crisis-refresh", "property": "n_intervals", "value": 1}] + [
        {"id": k, "property": "value", "value": v} for k, v in FILTERS.items()]
    answer = _post(client, app, "crisis-plan-store", inputs,
                   [{"id": "crisis-map-drawn", "property": "data", "value": None}])
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    data = answer.get_json()["response"]["crisis-plan-store"]["data"]
    assert isinstance(data, dict) and isinstance(data.get("fingerprint"), str)
    return data  # type: ignore[no-any-return]


def surge(app: Any, store: Any, code: str = "13096", people: int = 60_000) -> None:
    """Late data: `people` in a sector at the newest slot and the one before (a sector enters after two slots)."""
    newest = int(store.scalar("SELECT max(slot) FROM observations"))
    slots = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest - lag)) for lag in (1800, 0)]
    body = (HEADER + "\n" + "".join(f"{code},{slot},{people},{people},0,0,0,0\n" for slot in slots)).encode()
    result = ingest_bytes(store, body, "test", vigie(app.server).settings)
    assert result.ok, result.report()


def _validate(client: Any, app: Any, plan: Any) -> str:
    """Confirm « Valider le plan » (the confirmation dialog's submit) with this plan in the page's store."""
    answer = _post(client, app, "crisis-validated",
                   [{"id": "crisis-validate-confirm", "property": "submit_n_clicks", "value": 1}],
                   [{"id": "crisis-plan-store", "property": "data", "value": plan}])
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return json.dumps(answer.get_json()["response"], ensure_ascii=False)


def _logged(store: Any) -> str:
    decisions = json.dumps(list_decisions(store), ensure_ascii=False)
    audit = json.dumps(store.query("SELECT detail FROM audit WHERE action = 'plan.validate'"), ensure_ascii=False)
    return decisions + audit


def test_forged_plan_is_never_logged(seeded: Any, client_as: Any, store: Any) -> None:
    """The reproduction: a summary of "FORGED..." with a withheld sector in `ranked` was logged and audited."""
    client = client_as("commander")
    forged = {"summary": "FORGED: 40 VSAV to 13090", "texts": ["FORGED"], "ranked": ["13090"], "status": "ok",
              "target_minutes": 20}
    shown = _validate(client, seeded, forged)
    assert "Plan validé" not in shown
    assert list_decisions(store) == [] and "FORGED" not in _logged(store)


def test_validation_records_the_server_plan_whatever_the_browser_adds(seeded: Any, client_as: Any, store: Any) -> None:
    surge(seeded, store)
    client = client_as("commander")
    plan = _shown_plan(client, seeded)
    tampered = {**plan, "summary": "FORGED", "texts": ["FORGED"], "ranked": ["13090"], "figures": [["13090", 14, 0]]}
    assert "Plan validé" in _validate(client, seeded, tampered)
    [decision] = list_decisions(store)
    assert "FORGED" not in _logged(store)
    assert decision["plan"]["at"] == plan["at"] and decision["snapshot"]["fingerprint"] == plan["fingerprint"]
    assert decision["plan"]["summary"] and decision["plan"]["ranked"] == [f[0] for f in decision["plan"]["figures"]]
    assert all(present >= 20 for _code, present, _excess in decision["plan"]["figures"])


def test_validation_is_refused_when_the_data_moved_on(seeded: Any, client_as: Any, store: Any, app: Any) -> None:
    client = client_as("commander")
    plan = _shown_plan(client, seeded)
    # late data: a surge at the shown slot and the one before (a sector enters the ranking after two slots)
    slots = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(plan["at"] - lag)) for lag in (1800, 0)]
    correction = (HEADER + "\n" + "".join(f"13001,{slot},900000,900000,0,0,0,0\n" for slot in slots)).encode()
    result = ingest_bytes(store, correction, "test", vigie(app.server).settings)
    assert result.ok, result.report()
    shown = _validate(client, seeded, plan)
    assert "Les données ont changé depuis l'affichage de ce plan" in shown
    assert list_decisions(store) == []
    assert "Plan validé" in _validate(client, seeded, _shown_plan(client, seeded))
    assert "13001" in list_decisions(store)[0]["plan"]["ranked"]


def test_validation_of_another_slot_or_fingerprint_is_refused(seeded: Any, client_as: Any, store: Any) -> None:
    client = client_as("commander")
    plan = _shown_plan(client, seeded)
    for wrong in ({**plan, "at": plan["at"] - 1800}, {**plan, "fingerprint": "0" * 64}, {**plan, "fingerprint": None},
                  {**plan, "vsav": 1000}):
        assert "Les données ont changé" in _validate(client, seeded, wrong)
    assert list_decisions(store) == []
