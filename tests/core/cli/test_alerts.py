"""`python -m vigie alerts ...` through click: list, ack, close, rules, rule, outbox, and clear refusals."""
from __future__ import annotations

import json

from click.testing import CliRunner

from vigie.alerts import Summary, get_alert
from vigie.alerts.states import raise_alert
from cli import main
from vigie.store import Store


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={**env, "VIGIE_LOG_JSON": "false"})
    return result.exit_code, result.output


def _raise(store: Store) -> int:
    summary = Summary("crisis", (("excess", 18400), ("name", "Saintes-Maries-de-la-Mer"), ("z", 7.3)))
    alert, _ = raise_alert(store, rule="crise", kind="crisis", severity="critical", sector="13096", slot=1_785_000_000,
                           summary=summary, exercise_id=None, now=1_785_000_000.0, reopen_seconds=3600)
    return alert.id


def test_list_ack_close(env: dict[str, str], store: Store) -> None:
    assert _run(env, "alerts", "list") == (0, "RAS: no alert\n")
    alert_id = _raise(store)
    code, out = _run(env, "alerts", "list")
    assert code == 0 and f"{alert_id}\topen\tcritical\tcrise\t13096" in out and "Saintes-Maries-de-la-Mer +18" in out
    code, out = _run(env, "alerts", "ack", str(alert_id), "--comment", "VSAV engagés", "--by", "cos")
    assert code == 0 and "acknowledged" in out and "cos: VSAV engagés" in out
    code, out = _run(env, "alerts", "ack", str(alert_id))
    assert code == 1 and "a déjà été prise en compte par cos" in out  # in the language setting, French by default
    code, out = _run({**env, "VIGIE_LANGUAGE": "en"}, "alerts", "close", str(alert_id), "--reason", " ")
    assert code == 1 and "a reason is required" in out
    assert _run(env, "alerts", "close", str(alert_id), "--reason", "fin")[0] == 0
    assert get_alert(store, alert_id).close_reason == "fin"
    code, out = _run(env, "alerts", "list", "--state", "all", "--json")
    assert code == 0 and json.loads(out)["alerts"][0]["state"] == "closed"
    code, out = _run(env, "alerts", "outbox")
    assert code == 0 and "pending_changes\t3" in out


def test_rules_and_rule_changes(env: dict[str, str], store: Store) -> None:
    code, out = _run(env, "alerts", "rules")
    assert code == 0 and out.splitlines()[0] == "crise\tcrisis\tcritical\ton\tall sectors\t"
    code, out = _run(env, "alerts", "rule", "bmpm", "--authority", "BMPM")
    assert code == 1 and "give its --kind" in out
    code, out = _run(env, "alerts", "rule", "bmpm", "--kind", "crisis", "--authority", "BMPM", "--param", "min_excess=2000")
    assert code == 0 and json.loads(out)["params"] == {"min_excess": 2000.0}
    code, out = _run(env, "alerts", "rule", "bmpm", "--disable")
    assert code == 0 and json.loads(out)["enabled"] is False and json.loads(out)["authority"] == "BMPM"
    code, out = _run(env, "alerts", "rule", "bmpm", "--param", "min_z")
    assert code == 1 and "expected NAME=NUMBER" in out
    code, out = _run(env, "alerts", "rule", "bmpm", "--param", "horizon_slots=3")
    assert code == 1 and "has no parameter horizon_slots" in out
