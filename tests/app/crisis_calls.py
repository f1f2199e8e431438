"""Helpers of the crisis page's app tests: its callbacks posted as the Dash renderer does, a late surge."""
from __future__ import annotations

import json
import time
from typing import Any

from server.context import vigie
from vigie.feed.ingest import ingest_bytes

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
FILTERS = {"crisis-authority": "all", "crisis-groupement": "all", "crisis-min-excess": 500,
           "crisis-target": 20, "crisis-vsav-ratio": 25000, "crisis-fpt-ratio": 50000, "crisis-horizon": "now"}


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
