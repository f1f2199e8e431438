"""Alert notifications with real parts: a real server, a real SMTP server with STARTTLS, a real webhook receiver.

A surge pushed through the API opens an alert before the push returns and reaches the webhook
(signed) and the mailbox (over STARTTLS); a receiver down for ten minutes gets every message, in
order, when it comes back; a sender killed with SIGKILL mid-delivery delivers after its restart,
at least once, with one Idempotency-Key per change.
"""
from __future__ import annotations

import configparser
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from tests.faults.alert_receivers import Mailbox, WebhookReceiver, free_port, smtp_server, wait_for
from tests.faults.support import DAY, ROOT, WEEK_START, cli_env, fault_overrides, ingest_days
from vigie.alerts import Summary, acknowledge, close, list_alerts
from vigie.alerts.rules import get_rule, save_rule
from vigie.alerts.sender import REFRESH_GRACE_SECONDS, Sender
from vigie.alerts.states import raise_alert
from vigie.runtime.bootstrap import init_database
from vigie.config import load_settings
from vigie.alerts.evaluate import evaluate_live, last_mark
from vigie.feed.ingest import ingest_bytes
from vigie.runtime.batches import refresh_reference
from vigie.reference import rebuild_reference, refreshed_batch
from vigie.slots import iso_z
from vigie.store import Store
from vigie.identity.tokens import create_token

SECRET = "test-webhook-secret"
HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries\n"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with four weeks of simulated history and usual values, calm at its end; the feed rule off (old data)."""
    data_dir = tmp_path_factory.mktemp("alerts") / "instance"
    settings = load_settings(fault_overrides(data_dir), environ={})
    store = init_database(settings)
    ingest_days(store, settings, WEEK_START - 28 * DAY, 29)
    rebuild_reference(store, slot_minutes=30)
    rule = get_rule(store, "flux-arrete")
    save_rule(store, type(rule)(**{**rule.__dict__, "enabled": False}), "test")
    assert evaluate_live(store, settings) == []           # calm: nothing is sent but what the tests raise
    store.close()
    return data_dir


@pytest.fixture
def installation(history: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh copy of the history for one test."""
    data_dir = tmp_path / "instance"
    data_dir.mkdir()
    source = Store(history / "vigie.db")
    source.db.execute(f"VACUUM INTO '{data_dir / 'vigie.db'}'")
    source.close()
    store = Store(data_dir / "vigie.db")
    yield store
    store.close()


def _surge(store: Store, code: str = "13096", present: int = 60_000) -> tuple[bytes, int]:
    """A batch of the two slots after the history with a surge in both (a sector enters the ranking at its second)."""
    first = int(store.scalar("SELECT max(slot) FROM observations")) + 1800
    rows = "".join(f"{code},{iso_z(slot)},{present},,,,,\n" for slot in (first, first + 1800))
    return f"{HEADER}{rows}".encode(), first + 1800


def _start_server(data_dir: Path, log: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "vigie", "serve", "--port", str(port), "--no-feed"], cwd=ROOT,
                               env=cli_env(data_dir, **env), stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(url + "/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False
    wait_for(up, timeout=90, step=0.3)
    return process, url


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _valid_signature(received: Any) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers.get("X-Vigie-Signature", ""), expected)


def _mails_for(mailbox: Mailbox, word: str) -> list[Any]:
    return [m for m in mailbox.messages if word in str(m[1]["Subject"])]


def test_surge_pushed_through_the_api_reaches_the_webhook_and_the_mailbox(installation: Store, tmp_path: Path) -> None:
    controller, mailbox, cert = smtp_server(tmp_path)
    receiver = WebhookReceiver().start()
    ingest = create_token(installation, "operator-push", "ingest")
    read = {"Authorization": f"Bearer {create_token(installation, 'reader', 'read')}"}
    server, url = _start_server(installation.path.parent, tmp_path / "server.log", VIGIE_ALERT_WEBHOOKS=receiver.url,
                                VIGIE_WEBHOOK_SECRET=SECRET, VIGIE_SMTP_HOST="127.0.0.1",
                                VIGIE_SMTP_PORT=str(controller.port), VIGIE_SMTP_CA_FILE=str(cert),
                                VIGIE_ALERT_RECIPIENTS="cos@sdis13.example", VIGIE_ALERT_POLL_SECONDS="0.2")
    try:
        wait_for(lambda: installation.scalar("SELECT mark FROM alert_evaluations WHERE scope = 'live'"), timeout=30)
        before = {a.id for a in list_alerts(installation, state="all")}
        body, slot = _surge(installation)
        pushed_at = time.time()
        push = requests.post(url + "/api/v1/observations", data=body, timeout=30,
                             headers={"Authorization": f"Bearer {ingest}", "Content-Type": "text/csv"})
        assert push.status_code == 200 and push.json()["status"] == "accepted", push.text
        listed = requests.get(url + "/api/v1/alerts", headers=read, timeout=10).json()["alerts"]
        seen_at = time.time()
        mine = [a for a in listed if a["sector"] == "13096" and a["id"] not in before]
        assert [(a["rule"], a["state"], a["exercise_id"]) for a in mine] == [("crise", "open", None)]
        assert seen_at - pushed_at < 1.0, f"alert listed {seen_at - pushed_at:.2f} s after the push"
        alert_id = mine[0]["id"]

        hooks = wait_for(lambda: [r for r in receiver.received if r.payload["alert"]["id"] == alert_id], timeout=20)
        hook = hooks[0]
        assert _valid_signature(hook) and hook.payload["event"] == "opened"
        assert hook.headers["Idempotency-Key"].startswith(f"vigie-alert-{alert_id}-")
        assert hook.payload["alert"] == mine[0]
        mail = wait_for(lambda: _mails_for(mailbox, "Saintes-Maries-de-la-Mer"), timeout=20)[0]
        received_at, message, over_tls = mail
        assert over_tls and message["To"] == "cos@sdis13.example" and "Alerte ouverte" in message["Subject"]
        assert message["Idempotency-Key"] == hook.headers["Idempotency-Key"]
        print(f"\nbatch -> alert listed {seen_at - pushed_at:.3f} s; -> webhook {hook.at - pushed_at:.3f} s; "
              f"-> e-mail {received_at - pushed_at:.3f} s")

        ack = subprocess.run([sys.executable, "-m", "vigie", "alerts", "ack", str(alert_id), "--by", "cos",
                              "--comment", "VSAV engagés"], cwd=ROOT, env=cli_env(installation.path.parent),
                             capture_output=True, text=True, timeout=60)
        assert ack.returncode == 0, ack.stderr
        acked = wait_for(lambda: [r for r in receiver.received if r.payload["event"] == "acknowledged"], timeout=20)[0]
        assert _valid_signature(acked) and acked.payload["alert"]["acknowledged_by"] == "cos"
        listed = requests.get(url + "/api/v1/alerts?state=acknowledged", headers=read, timeout=10).json()["alerts"]
        assert [(a["id"], a["comment"]) for a in listed] == [(alert_id, "VSAV engagés")]
    finally:
        _stop(server)
        receiver.stop()
        controller.stop()
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "secret-path" not in log and SECRET not in log   # webhook paths and the secret stay out of the logs


def _three_changes(store: Store) -> int:
    summary = Summary("crisis", (("excess", 9000), ("name", "Arles"), ("z", 8.0)))
    alert, _ = raise_alert(store, rule="crise", kind="crisis", severity="critical", sector="13004", slot=WEEK_START,
                           summary=summary, exercise_id=None, now=time.time(), reopen_seconds=3600)
    acknowledge(store, alert.id, "operator", "on y va")
    close(store, alert.id, "commander", "fin")
    return alert.id


def test_sender_waits_for_the_usual_values_of_a_batch_before_evaluating_it(installation: Store) -> None:
    """The race CI once lost: the sender saw a surge batch before its door wrote the usual values of the
    new slots, judged the sector "not significant now, crossing soon" and opened a forecast alert."""
    settings = load_settings(fault_overrides(installation.path.parent), environ={})
    body, _ = _surge(installation)
    now = time.time()
    result = ingest_bytes(installation, body, "test", settings, now=now)    # accepted, usual values not yet written
    assert result.status == "accepted"
    before = last_mark(installation, "live")
    sender = Sender(installation, settings, clock=lambda: now + 1)
    sender.evaluate()
    assert last_mark(installation, "live") == before and not _open_for(installation, "13096")

    refresh_reference(installation, result, settings)                      # the door: usual values, then the rules
    assert refreshed_batch(installation) == result.batch_id
    assert _open_for(installation, "13096") == [("crise", "open")]


def test_sender_writes_the_usual_values_itself_when_the_door_died_before_them(installation: Store) -> None:
    settings = load_settings(fault_overrides(installation.path.parent), environ={})
    body, _ = _surge(installation)
    now = time.time()
    result = ingest_bytes(installation, body, "test", settings, now=now)    # the door is killed here
    Sender(installation, settings, clock=lambda: now + REFRESH_GRACE_SECONDS + 1).evaluate()
    assert refreshed_batch(installation) == result.batch_id
    assert last_mark(installation, "live") == str(result.batch_id)
    assert _open_for(installation, "13096") == [("crise", "open")]


def _open_for(store: Store, code: str) -> list[tuple[str, str]]:
    return [(a.rule, a.state) for a in list_alerts(store, state="all") if a.sector == code]


def test_receiver_down_for_ten_minutes_gets_every_message_in_order_when_it_comes_back(installation: Store) -> None:
    receiver = WebhookReceiver()                          # not started: connections are refused
    settings = load_settings(fault_overrides(installation.path.parent, alert_webhooks=receiver.url,
                                             webhook_secret=SECRET), environ={})
    clock = [time.time()]
    sender = Sender(installation, settings, clock=lambda: clock[0])
    alert_id = _three_changes(installation)
    start, delays = clock[0], []
    while clock[0] - start < 600:
        sender.tick()
        row = installation.query("SELECT attempts, next_attempt_at, last_error FROM alert_deliveries ORDER BY id")[0]
        delays.append(row["next_attempt_at"] - clock[0])
        clock[0] = max(clock[0] + 1, row["next_attempt_at"])
    waiting = installation.query("SELECT attempts, delivered_at, last_error FROM alert_deliveries ORDER BY id")
    assert len(waiting) == 3 and all(r["delivered_at"] is None for r in waiting)
    assert waiting[0]["attempts"] >= 7 and "unreachable" in waiting[0]["last_error"]
    assert waiting[1]["attempts"] == 0                    # later messages wait behind the first: order is kept
    assert delays[:4] == pytest.approx([5, 10, 20, 40], abs=0.01) and max(delays) == pytest.approx(120, abs=0.01)
    receiver.start()
    try:
        clock[0] += 120
        assert sender.tick()["sent"] == 3
    finally:
        receiver.stop()
    assert [(r.payload["event"], r.payload["alert"]["id"]) for r in receiver.received] == [
        ("opened", alert_id), ("acknowledged", alert_id), ("closed", alert_id)]
    assert all(_valid_signature(r) for r in receiver.received)


def test_sender_killed_mid_delivery_delivers_after_restart_once_per_key(installation: Store, tmp_path: Path) -> None:
    receiver = WebhookReceiver().start()
    receiver.hold.set()                                   # the first request hangs: the sender is mid-delivery
    alert_id = _three_changes(installation)               # written while no sender runs
    env = cli_env(installation.path.parent, VIGIE_ALERT_WEBHOOKS=receiver.url, VIGIE_WEBHOOK_SECRET=SECRET,
                  VIGIE_ALERT_LEASE_SECONDS="1", VIGIE_ALERT_POLL_SECONDS="0.2")
    command = [sys.executable, "-m", "vigie", "alerts", "send"]
    try:
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: receiver.received, timeout=30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert installation.scalar("SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NOT NULL") == 0
        receiver.hold.clear()
        receiver.release.set()
        second = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: installation.scalar(
                "SELECT count(*) FROM alert_deliveries WHERE delivered_at IS NULL") == 0, timeout=30)
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        receiver.stop()
    keys = [r.headers["Idempotency-Key"] for r in receiver.received]
    expected = [r["idempotency_key"] for r in installation.query("SELECT idempotency_key FROM alert_deliveries ORDER BY id")]
    assert list(dict.fromkeys(keys)) == expected and len(expected) == 3
    assert keys[0] == keys[1]                             # the cut delivery was sent again, with the same key
    by_key: dict[str, set[bytes]] = {}
    for r in receiver.received:
        by_key.setdefault(r.headers["Idempotency-Key"], set()).add(r.body)
    assert all(len(bodies) == 1 for bodies in by_key.values())  # a duplicate is the same message
    assert [json.loads(next(iter(by_key[k])))["event"] for k in expected] == ["opened", "acknowledged", "closed"]
    assert {json.loads(next(iter(b)))["alert"]["id"] for b in by_key.values()} == {alert_id}


def test_systemd_unit_runs_the_sender() -> None:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read(ROOT / "deploy" / "systemd" / "vigie-alerts.service")
    service = parser["Service"]
    assert service["ExecStart"].endswith("-m vigie alerts send")
    assert (service["User"], service["EnvironmentFile"], service["Restart"]) == ("vigie", "/etc/vigie/vigie.env", "always")
    assert (service["NoNewPrivileges"], service["ProtectSystem"], service["ReadWritePaths"]) == ("true", "strict",
                                                                                                 "/var/lib/vigie")


def test_a_redirect_is_a_failed_delivery_not_a_silent_get(installation: Store) -> None:
    import http.server
    import threading

    hits: list[str] = []

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            hits.append("POST")
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            hits.append("GET")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = load_settings(fault_overrides(installation.path.parent, webhook_secret=SECRET,
                                                 alert_webhooks=f"http://127.0.0.1:{server.server_address[1]}/h"),
                                 environ={})
        _three_changes(installation)
        result = Sender(installation, settings).tick()
    finally:
        server.shutdown()
        server.server_close()
    assert (result["sent"], result["failed"]) == (0, 1) and hits == ["POST"]
    assert "answered 302" in installation.scalar("SELECT last_error FROM alert_deliveries ORDER BY id LIMIT 1")
