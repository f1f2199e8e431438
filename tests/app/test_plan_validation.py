"""Plan validation records only what the server computed (issue 12, item 7), through the real Dash endpoint."""
from __future__ import annotations

import json
import time
from typing import Any

from server.context import vigie
from tests.app.crisis_calls import HEADER, _shown_plan, _validate, surge
from vigie.training.control import list_decisions
from vigie.feed.ingest import ingest_bytes


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
