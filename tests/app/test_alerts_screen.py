"""Alerts on screen, through the real callback route: the bar, /alertes (filters, CSV, acknowledge, close), the wall ticker."""
from __future__ import annotations

import csv
import io
import re
import time
from dataclasses import replace
from typing import Any

from server.context import install, vigie
from vigie.alerts import get_alert
from vigie.alerts.model import Summary
from vigie.alerts.states import raise_alert
from vigie.training.control import create_exercise, join
from vigie.feed.ingest import ingest_bytes


def output_key(client: Any, outputs: list[tuple[str, str]], trigger: str) -> str:
    """The output key Dash gave the callback of `outputs` fired by `trigger` (duplicate outputs get a hash)."""
    plain = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".." if len(outputs) > 1 else f"{outputs[0][0]}.{outputs[0][1]}"
    for dependency in client.get("/_dash-dependencies").get_json():
        if re.sub(r"@[0-9a-f]+", "", dependency["output"]) == plain and \
                any(i["id"] == trigger for i in dependency["inputs"]):
            return str(dependency["output"])
    return plain


def call(client: Any, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, Any]],
         state: list[tuple[str, str, Any]] | None = None) -> Any:
    """POST one callback as Dash's renderer does; returns the response."""
    output = output_key(client, outputs, inputs[0][0])
    payload = {"output": output,
               "outputs": [{"id": i, "property": p} for i, p in outputs] if len(outputs) > 1
               else {"id": outputs[0][0], "property": outputs[0][1]},
               "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
               "state": [{"id": i, "property": p, "value": v} for i, p, v in state or []],
               "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}
    return client.post("/_dash-update-component", json=payload)


def values(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return {f"{i}.{p}": v for i, props in response.get_json()["response"].items() for p, v in props.items()}


def text_of(component: Any) -> str:
    """All the text inside a serialised Dash component tree."""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, list):
        return " ".join(text_of(c) for c in component)
    if isinstance(component, dict):
        return text_of(component.get("props", {}).get("children", ""))
    return ""


def surge(store: Any, code: str = "13096", name: str = "Saintes-Maries-de-la-Mer", excess: int = 18400,
          exercise_id: int | None = None, at: float | None = None) -> Any:
    now = time.time() if at is None else at
    summary = Summary("crisis", (("excess", excess), ("name", name), ("z", 7.3)))  # as the rules write it
    alert, _what = raise_alert(store, rule="crise", kind="crisis", severity="critical", sector=code, slot=int(now) // 1800 * 1800,
                               summary=summary, exercise_id=exercise_id, now=now, reopen_seconds=3600)
    return alert


BAR = [("shell-alert-bar", "hidden"), ("shell-alert-count", "children"), ("shell-alert-text", "children"),
       ("shell-alert-bar", "className"), ("shell-alert-newest", "data")]
BAR_INPUTS = [("shell-refresh", "n_intervals", 1), ("shell-url", "pathname", "/")]


def bar(client: Any) -> dict[str, Any]:
    return values(call(client, BAR, BAR_INPUTS))


def test_bar_is_hidden_without_alerts_and_shows_the_newest(client_as: Any, store: Any) -> None:
    client = client_as("display")
    assert bar(client)["shell-alert-bar.hidden"] is True
    surge(store, "13004", "Arles", 900, at=time.time() - 600)
    newest = surge(store)
    shown = bar(client)
    assert shown["shell-alert-bar.hidden"] is False
    assert shown["shell-alert-count.children"] == "2 alertes"
    assert shown["shell-alert-text.children"].startswith("Saintes-Maries-de-la-Mer +18\u00a0400 au-dessus de l'habituel")
    assert "depuis" in shown["shell-alert-text.children"]
    assert shown["shell-alert-newest.data"]["stamp"] == newest.id * 1000


def test_bar_stops_ringing_once_acknowledged(client_as: Any, store: Any) -> None:
    from vigie.alerts import acknowledge

    alert = surge(store)
    acknowledge(store, alert.id, "operator", "CTA prévenu")
    shown = bar(client_as("operator"))
    assert shown["shell-alert-newest.data"] is None
    assert "shell-alert-acknowledged" in shown["shell-alert-bar.className"]


TABLE = [("alerts-table", "children"), ("alerts-target", "options")]


def table(client: Any, state: str = "active", sector: Any = None, start: Any = None, end: Any = None) -> dict[str, Any]:
    return values(call(client, TABLE, [("alerts-refresh", "n_intervals", 0), ("alerts-changed", "data", None),
                                       ("alerts-state", "value", state), ("alerts-sector", "value", sector),
                                       ("alerts-from", "value", start), ("alerts-to", "value", end)]))


def act(client: Any, button: str, target: Any, comment: Any = None, reason: Any = None) -> Any:
    """Press Acknowledge (with the comment) or Close (with the reason) for the chosen alert."""
    closing = button == "alerts-close"
    outputs = [("alerts-result", "children"), ("alerts-changed", "data")]
    text = ("alerts-reason", "value", reason) if closing else ("alerts-comment", "value", comment)
    response = call(client, outputs, [(button, "n_clicks", 1)], [("alerts-target", "value", target), text])
    return response


def test_acknowledge_with_a_comment_then_close_with_a_reason(client_as: Any, store: Any) -> None:
    alert = surge(store)
    client = client_as("operator")
    assert table(client)["alerts-target.options"][0]["value"] == str(alert.id)
    refused = values(act(client, "alerts-acknowledge", str(alert.id), comment="  "))
    assert "commentaire" in text_of(refused["alerts-result.children"])
    assert get_alert(store, alert.id).state == "open"
    done = values(act(client, "alerts-acknowledge", str(alert.id), comment="VSAV Arles engagé"))
    assert "prise en compte" in text_of(done["alerts-result.children"])
    acknowledged = get_alert(store, alert.id)
    assert (acknowledged.state, acknowledged.acknowledged_by, acknowledged.comment) == \
        ("acknowledged", "operator", "VSAV Arles engagé")
    shown = text_of(table(client)["alerts-table.children"])
    assert "operator à" in shown and "VSAV Arles engagé" in shown and "(en cours)" in shown
    assert act(client, "alerts-close", str(alert.id), reason="foule dispersée").status_code == 403  # commanders close
    assert get_alert(store, alert.id).state == "acknowledged"
    refused = values(act(client_as("commander"), "alerts-close", str(alert.id), reason=""))
    assert "raison" in text_of(refused["alerts-result.children"])
    values(act(client_as("commander"), "alerts-close", str(alert.id), reason="foule dispersée"))
    closed = get_alert(store, alert.id)
    assert closed.state == "closed" and closed.close_reason == "foule dispersée" and closed.closed_by == "commander"
    assert table(client)["alerts-target.options"] == []
    history = text_of(table(client, "closed")["alerts-table.children"])
    assert "foule dispersée" in history and "par commander" in history


def test_display_may_read_but_not_acknowledge(client_as: Any, store: Any) -> None:
    alert = surge(store)
    client = client_as("display")
    assert "Saintes-Maries" in text_of(table(client)["alerts-table.children"])
    assert act(client, "alerts-acknowledge", str(alert.id), comment="moi").status_code == 403
    assert get_alert(store, alert.id).state == "open"


def test_filters_by_state_sector_and_dates(client_as: Any, store: Any) -> None:
    surge(store, "13004", "Arles", 900)
    surge(store)
    client = client_as("operator")
    only = text_of(table(client, "all", "13004")["alerts-table.children"])
    assert "Arles" in only and "Saintes-Maries" not in only
    assert "Aucune alerte" in text_of(table(client, "closed")["alerts-table.children"])
    assert "Aucune alerte" in text_of(table(client, "all", None, "2020-01-01", "2020-01-02")["alerts-table.children"])
    today = time.strftime("%Y-%m-%d")
    assert "Arles" in text_of(table(client, "all", None, today, today)["alerts-table.children"])
    backwards = table(client, "all", None, "2026-05-02", "2026-05-01")["alerts-table.children"]
    assert "Dates invalides" in text_of(backwards)
    hostile = table(client, "<script>", "not-a-sector")["alerts-table.children"]  # unknown values: the defaults
    assert "Arles" in text_of(hostile)


def test_csv_export_is_formula_escaped_and_audited(client_as: Any, store: Any) -> None:
    alert = surge(store)
    from vigie.alerts import acknowledge

    acknowledge(store, alert.id, "operator", "=HYPERLINK(\"http://x\")")
    answer = values(call(client_as("operator"), [("alerts-download", "data")], [("alerts-export", "n_clicks", 1)],
                         [("alerts-state", "value", "all"), ("alerts-sector", "value", None),
                          ("alerts-from", "value", None), ("alerts-to", "value", None)]))
    download = answer["alerts-download.data"]
    import base64

    body = base64.b64decode(download["content"]).decode("utf-8-sig") if download.get("base64") else download["content"]
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:3] == ["n°", "exercice", "état"]
    line = dict(zip(rows[0], rows[1]))
    assert line["commentaire"] == "'=HYPERLINK(\"http://x\")"
    assert line["prise en compte par"] == "operator" and line["secteur"] == "Saintes-Maries-de-la-Mer"
    assert store.query("SELECT 1 FROM audit WHERE action = 'alert.export'")


def test_exercise_alerts_are_marked_and_seen_by_participants_only(client_as: Any, store: Any, settings: Any) -> None:
    slot = int(time.time()) // 1800 * 1800 - 3600
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(slot))
    ingest_bytes(store, ("sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries\n"
                         f"13208,{stamp},5000,5000,0,0,0,0\n").encode(), "test", settings)
    exercise = create_exercise(store, "Vélodrome", slot, 1, "trainer")
    trainee = client_as("commander")
    join(store, exercise.id, int(store.scalar("SELECT id FROM users WHERE username = 'commander'")))
    surge(store, "13208", "Marseille 8e", 30000, exercise_id=exercise.id)
    inside = bar(trainee)
    assert inside["shell-alert-count.children"].startswith("EXERCICE")
    assert "shell-alert-exercise" in inside["shell-alert-bar.className"]
    assert "EXERCICE" in text_of(table(trainee)["alerts-table.children"])
    outside = client_as("operator")
    assert bar(outside)["shell-alert-bar.hidden"] is True
    assert "Aucune alerte" in text_of(table(outside, "all")["alerts-table.children"])


TICKER = [("wall-alert-ticker", "children")]


def test_wall_ticker_stays_until_acknowledged(client_as: Any, store: Any) -> None:
    from vigie.alerts import acknowledge

    client = client_as("display")
    assert values(call(client, TICKER, [("wall-refresh", "n_intervals", 0)]))["wall-alert-ticker.children"] == []
    alert = surge(store)
    shown = values(call(client, TICKER, [("wall-refresh", "n_intervals", 1)]))["wall-alert-ticker.children"]
    assert "ALERTES (1)" in text_of(shown) and "Saintes-Maries" in text_of(shown)
    acknowledge(store, alert.id, "commander", "sur place")
    assert values(call(client, TICKER, [("wall-refresh", "n_intervals", 2)]))["wall-alert-ticker.children"] == []


def test_sound_default_is_off_on_display_accounts_unless_enabled(app: Any, client_as: Any) -> None:
    import re

    def default(role: str) -> str:
        layout = client_as(role).get("/_dash-layout").get_data(as_text=True)
        found = re.search(r'"data-sound-default":\s*"(on|off)"', layout)
        assert found, "the shell carries the device default"
        return found.group(1)

    assert default("display") == "off" and default("operator") == "on"
    context = vigie(app.server)
    install(app.server, replace(context, settings=replace(context.settings, alert_sound_on_display=True)))
    assert default("display") == "on"


def test_wall_ticker_shows_three_lines_then_how_many_more(client_as: Any, store: Any) -> None:
    for code, name in (("13004", "Arles"), ("13056", "Martigues"), ("13022", "La Ciotat"), ("13096", "Saintes")):
        surge(store, code, name, 5000)
    shown = text_of(values(call(client_as("display"), TICKER, [("wall-refresh", "n_intervals", 1)]))
                    ["wall-alert-ticker.children"])
    assert "ALERTES (4)" in shown and "et 1 autre :" in shown and "Arles" not in shown  # the oldest is summed up
