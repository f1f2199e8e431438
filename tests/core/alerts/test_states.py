"""Alert states on a real SQLite file: open, acknowledge, close, reopen, outbox and audit in one transaction."""
from __future__ import annotations

import json

import pytest

from vigie.identity import audit
from vigie.alerts import AlertError, AlertNotFound, Summary, acknowledge, close, get_alert, list_alerts, open_alert_count
from vigie.alerts.model import active_alert_count
from vigie.alerts.states import close_automatically, raise_alert
from vigie.store import Store

T = 1_785_000_000
SUMMARY = Summary("crisis", (("excess", 18400), ("name", "Saintes-Maries-de-la-Mer"), ("z", 7.3)))


def _raise(store: Store, now: float, sector: str = "13001", exercise_id: int | None = None,
           reopen_seconds: int = 3600) -> tuple[int, str]:
    alert, what = raise_alert(store, rule="crise", kind="crisis", severity="critical", sector=sector, slot=T,
                              summary=SUMMARY, exercise_id=exercise_id, now=now, reopen_seconds=reopen_seconds)
    return alert.id, what


def _outbox(store: Store) -> list[tuple[int, str, str | None]]:
    return [(r["alert_id"], r["event"], r["username"]) for r in store.query("SELECT * FROM alert_outbox ORDER BY id")]


def test_open_acknowledge_close_each_leave_an_outbox_row_and_an_audit_line(store: Store) -> None:
    alert_id, what = _raise(store, T)
    assert what == "opened" and open_alert_count(store) == 1
    assert _raise(store, T + 1800) == (alert_id, "seen")
    assert get_alert(store, alert_id).last_seen_at == T + 1800
    done = acknowledge(store, alert_id, "operator", "  équipe sur place\x1b[2J ")
    assert (done.state, done.acknowledged_by, done.comment) == ("acknowledged", "operator", "équipe sur place [2J")
    assert open_alert_count(store) == 0 and active_alert_count(store) == 1
    closed = close(store, alert_id, "commander", "fin de l'évènement")
    assert (closed.state, closed.closed_by, closed.close_reason) == ("closed", "commander", "fin de l'évènement")
    assert _outbox(store) == [(alert_id, "opened", None), (alert_id, "acknowledged", "operator"),
                              (alert_id, "closed", "commander")]
    snapshot = json.loads(store.query("SELECT snapshot FROM alert_outbox ORDER BY id DESC LIMIT 1")[0]["snapshot"])
    assert snapshot["state"] == "closed" and snapshot["close_reason"] == "fin de l'évènement"
    actions = [r["action"] for r in audit.recent(store, action=None)]
    assert actions[:3] == ["alert.close", "alert.acknowledge", "alert.open"]


def test_reopening_soon_reuses_the_alert_and_later_opens_a_new_one(store: Store) -> None:
    first, _ = _raise(store, T)
    close_automatically(store, first, T + 3600)
    assert _raise(store, T + 3600 + 600) == (first, "reopened")
    assert get_alert(store, first).state == "open" and get_alert(store, first).reopened == 1
    close_automatically(store, first, T + 7200)
    later, what = _raise(store, T + 7200 + 3601)
    assert what == "opened" and later != first
    assert len(list_alerts(store, state="all")) == 2


def test_bad_actions_are_refused_with_a_reason_and_change_nothing(store: Store) -> None:
    alert_id, _ = _raise(store, T)
    with pytest.raises(AlertError, match="reason is required"):
        close(store, alert_id, "operator", "   ")
    with pytest.raises(AlertError, match="at most 500"):
        acknowledge(store, alert_id, "operator", "x" * 501)
    with pytest.raises(AlertNotFound):
        acknowledge(store, 999, "operator", "")
    with pytest.raises(AlertNotFound, match="in exercise 4"):
        acknowledge(store, alert_id, "operator", "", exercise_id=4)
    acknowledge(store, alert_id, "operator", "")
    with pytest.raises(AlertError, match="already acknowledged by operator"):
        acknowledge(store, alert_id, "admin", "")
    close(store, alert_id, "operator", "fausse alerte")
    with pytest.raises(AlertError, match="already closed"):
        close(store, alert_id, "operator", "encore")
    assert len(_outbox(store)) == 3


def test_lists_filter_by_state_sector_and_keep_exercises_apart(store: Store) -> None:
    live, _ = _raise(store, T)
    other, _ = _raise(store, T + 60, sector="13002")
    with store.write() as tx:
        tx.execute("INSERT INTO exercises(id, name, start_at, speed, anchor_view_time, anchor_wall_time, created_by, "
                   "created_at, join_code) VALUES (7, 'ex', ?, 60, ?, ?, 'trainer', ?, 'code')", [T, T, T, T])
    drill, _ = _raise(store, T + 120, exercise_id=7)
    acknowledge(store, other, "operator", "")
    assert [a.id for a in list_alerts(store)] == [live]
    assert [a.id for a in list_alerts(store, state="acknowledged")] == [other]
    assert [a.id for a in list_alerts(store, state="all")] == [other, live]
    assert [a.id for a in list_alerts(store, state="all", sector="13001")] == [live]
    assert [a.id for a in list_alerts(store, state="all", exercise_id=7)] == [drill]
    assert open_alert_count(store, exercise_id=7) == 1
    with pytest.raises(AlertNotFound):
        get_alert(store, drill)
    with pytest.raises(AlertError, match="state must be one of"):
        list_alerts(store, state="ouverte")


def test_api_form_has_the_api_fields_and_a_summary_in_either_language(store: Store) -> None:
    alert_id, _ = _raise(store, T)
    record = get_alert(store, alert_id).as_api("fr")
    assert list(record) == ["id", "rule", "kind", "sector", "severity", "opened_at", "state", "acknowledged_by",
                            "acknowledged_at", "comment", "closed_at", "exercise_id", "summary"]
    assert record["opened_at"] == "2026-07-25T17:20:00Z"
    assert record["summary"].startswith("Saintes-Maries-de-la-Mer +18\u00a0400 au-dessus de l'habituel (z 7,3), depuis ")
    assert get_alert(store, alert_id).as_api("en")["summary"].startswith("Saintes-Maries-de-la-Mer +18,400 above usual")


def test_since_keeps_alerts_opened_after_it_or_still_running_then(store: Store) -> None:
    early, _ = _raise(store, T)
    close_automatically(store, early, T + 600)
    running, _ = _raise(store, T + 60, sector="13002")
    late, _ = _raise(store, T + 7200, sector="13003")
    assert [a.id for a in list_alerts(store, state="all", since=T + 3600)] == [late, running]
    assert [a.id for a in list_alerts(store, state="all", since=T + 300)] == [late, running, early]
