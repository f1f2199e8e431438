"""The outbox: who receives what (exercises reach named recipients only), message forms, exercise alerts at their clock."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigie.training import control, injections, timeline
from vigie.alerts import Summary, list_alerts
from vigie.alerts.delivery import email_message, signature, where
from vigie.alerts.outbox import claim, dispatch, recipients
from vigie.alerts.sender import Sender
from vigie.alerts.states import raise_alert
from vigie.config import InvalidSetting, Settings, load_settings
from vigie.store import Store
from tests.factories import SURGE_AT, make_settings

T = SURGE_AT
STEP = 1800
LIVE = {"alert_webhooks": "https://hooks.example/a, https://hooks.example/b", "webhook_secret": "s",
        "alert_recipients": "codis@sdis13.example", "alert_rule_recipients": "crise=cos@sdis13.example; autre=x@y.z",
        "smtp_host": "smtp.example"}


def _settings(**extra: object) -> Settings:
    return make_settings(**{**LIVE, **extra})


def test_live_alerts_reach_every_webhook_and_the_rule_recipients() -> None:
    found = recipients(_settings(), "crise", None)
    assert found == [("webhook", "https://hooks.example/a"), ("webhook", "https://hooks.example/b"),
                     ("email", "codis@sdis13.example"), ("email", "cos@sdis13.example")]
    assert ("email", "cos@sdis13.example") not in recipients(_settings(), "flux-arrete", None)
    assert [c for c, _ in recipients(_settings(smtp_host=""), "crise", None)] == ["webhook", "webhook"]


def test_exercise_alerts_reach_nobody_unless_exercise_recipients_are_named() -> None:
    assert recipients(_settings(), "crise", 3) == []
    named = _settings(alert_exercise_recipients="formation@sdis13.example", alert_exercise_webhooks="http://trainer/h")
    assert recipients(named, "crise", 3) == [("webhook", "http://trainer/h"), ("email", "formation@sdis13.example")]


def test_bad_alert_settings_are_refused_with_what_to_fix() -> None:
    with pytest.raises(InvalidSetting, match="VIGIE_WEBHOOK_SECRET must be set"):
        load_settings({"data_dir": "x", "alert_webhooks": "https://h.example/x"}, environ={})
    with pytest.raises(InvalidSetting, match="not an http:// or https:// URL"):
        load_settings({"data_dir": "x", "alert_webhooks": "file:///etc/passwd", "webhook_secret": "s"}, environ={})
    with pytest.raises(InvalidSetting, match="is not an e-mail address"):
        load_settings({"data_dir": "x", "alert_recipients": "codis, x@y.z"}, environ={})
    with pytest.raises(InvalidSetting, match="expected rule=a@x b@y"):
        load_settings({"data_dir": "x", "alert_rule_recipients": "cos@sdis13.example"}, environ={})


def test_signature_is_the_hmac_sha256_of_the_body() -> None:
    # RFC 4231, test case 2
    assert signature(b"what do ya want for nothing?", "Jefe") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert where("https://user:pw@hooks.example:8443/path?token=abc") == "https://hooks.example:8443"


def _raise(store: Store, exercise_id: int | None) -> int:
    summary = Summary("crisis", (("excess", 5000), ("name", "Alleins"), ("z", 9.1)))
    alert, _ = raise_alert(store, rule="crise", kind="crisis", severity="critical", sector="13003", slot=T,
                           summary=summary, exercise_id=exercise_id, now=float(T), reopen_seconds=3600)
    return alert.id


def _exercise(store: Store) -> int:
    drill = control.create_exercise(store, "Vélodrome", T - STEP, 60, "trainer", wall_now=1000.0)
    injections.add_injection(store, drill.id, "13003", T + STEP, T + 3 * STEP, delta=5000, username="trainer",
                             wall_now=1000.0)  # two slots: a sector enters the ranking at its second
    control.start(store, drill.id, "trainer", wall_now=1000.0)
    return drill.id


def test_dispatch_writes_one_delivery_per_recipient_and_none_for_an_exercise(planted: Store) -> None:
    settings = _settings()
    live = _raise(planted, None)
    drill = _raise(planted, _exercise(planted))
    assert dispatch(planted, settings, now=float(T)) == 2
    assert dispatch(planted, settings, now=float(T)) == 0
    rows = planted.query("SELECT d.channel, d.target, d.idempotency_key, d.body, o.alert_id FROM alert_deliveries d "
                             "JOIN alert_outbox o ON o.id = d.outbox_id ORDER BY d.id")
    assert {r["alert_id"] for r in rows} == {live} and len(rows) == 4
    assert len({r["idempotency_key"] for r in rows}) == 1
    body = json.loads(rows[0]["body"])
    assert body["event"] == "opened" and body["alert"]["id"] == live and drill != live
    mail = email_message(claim(planted, float(T), 60)[2], settings)
    assert mail["To"] == "codis@sdis13.example" and mail["Idempotency-Key"] == rows[0]["idempotency_key"]
    assert mail["Subject"].startswith("Vigie : Alerte ouverte – Alleins +5\u00a0000 au-dessus de l'habituel")


def test_exercise_mail_is_marked_exercice(planted: Store) -> None:
    settings = _settings(alert_exercise_recipients="formation@sdis13.example")
    _raise(planted, _exercise(planted))
    dispatch(planted, settings, now=float(T))
    mail = email_message(claim(planted, float(T), 60)[0], settings)
    assert mail["Subject"].startswith("[EXERCICE] Vigie : Alerte ouverte")


def test_exercise_alert_opens_when_its_clock_reaches_the_injection_and_closes_when_it_ends(planted: Store) -> None:
    drill = _exercise(planted)
    clock = [1000.0 + 10]                                 # x60: exercise time T - 1 slot + 10 min, calm
    sender = Sender(planted, _settings(), clock=lambda: clock[0])
    sender.tick()
    assert list_alerts(planted, exercise_id=drill) == []
    clock[0] = 1000.0 + 91                                # exercise time T + 2 slots: the surge's second slot
    sender.tick()
    [alert] = list_alerts(planted, exercise_id=drill)
    assert (alert.sector, alert.exercise_id, alert.slot) == ("13003", drill, T + 2 * STEP)
    assert all(a.exercise_id is None for a in list_alerts(planted, state="all"))  # live list: not there
    assert planted.scalar("SELECT count(*) FROM alert_deliveries d JOIN alert_outbox o ON o.id = d.outbox_id "
                              "WHERE o.alert_id = ?", [alert.id]) == 0
    timeline.end_exercise(planted, drill, "trainer", settings=_settings(), wall_now=clock[0])
    sender.tick()
    [closed] = list_alerts(planted, state="closed", exercise_id=drill)
    assert closed.close_reason == "exercise_ended"


def test_a_message_that_cannot_be_built_is_retried_and_blocks_no_other_recipient(planted: Store) -> None:
    settings = _settings(alert_webhooks="", smtp_host="127.0.0.1", smtp_port=1)
    _raise(planted, None)
    dispatch(planted, settings, now=float(T))
    with planted.write() as tx:  # a body no e-mail can be made of (a key is missing)
        tx.execute("UPDATE alert_deliveries SET body = ? WHERE target = 'codis@sdis13.example'", ['{"event": "opened"}'])
    result = Sender(planted, settings, clock=lambda: float(T)).tick()
    assert (result["sent"], result["failed"]) == (0, 2)   # both attempted: one broken, one refused by the server
    errors = [r["last_error"] for r in planted.query("SELECT last_error FROM alert_deliveries ORDER BY id")]
    assert errors[0] == "'alert'" and "127.0.0.1" in errors[1]
