"""Helpers of the app tests: a few weeks of flat history, and a Dash callback posted as the renderer does."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from server.context import vigie
from vigie.slots import PARIS
from vigie.store import Store

STEP = 1800
HISTORY_START = int(datetime(2026, 5, 4, tzinfo=PARIS).timestamp())   # a Monday
HISTORY_END = int(datetime(2026, 6, 1, tzinfo=PARIS).timestamp())     # four weeks later
CODES = ("13201", "13208", "13209")


def _history(store: Store) -> None:
    rows = [(code, slot, 20_000, 20_000, 0, 0, 0, 500) for code in CODES for slot in range(HISTORY_START, HISTORY_END, STEP)]
    with store.write() as tx:
        tx.conn.executemany("INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, "
                            "tourists_intl, excursionists, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def call(client: Any, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, Any]],
         state: list[tuple[str, str, Any]] = (), changed: str | None = None) -> Any:
    """Post one callback the way the Dash renderer does; the JSON answer (`changed=""`: the initial call)."""
    output = _registered(client, [f"{i}.{p}" for i, p in outputs])
    payload = {"output": output, "outputs": [{"id": i, "property": p} for i, p in outputs],
               "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
               "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
               "changedPropIds": [] if changed == "" else [changed or f"{inputs[0][0]}.{inputs[0][1]}"]}
    if len(outputs) == 1:
        payload["outputs"] = payload["outputs"][0]
    answer = client.post("/_dash-update-component", json=payload)
    assert answer.status_code in (200, 204), answer.get_data(as_text=True)[:400]
    return json.loads(answer.get_data(as_text=True) or "{}").get("response", {})


def _registered(client: Any, outputs: list[str]) -> str:
    """The callback's output key as registered (duplicate outputs carry an @hash suffix)."""
    for key in vigie(client.application).callback_roles:
        parts = [part.split("@")[0] for part in key.strip(".").split("...")]
        if parts == outputs:
            return str(key)
    raise AssertionError(f"no callback has the outputs {outputs}")


def _text(component: Any) -> str:
    return json.dumps(component, ensure_ascii=False)
