"""Alerts on screen: the bar under the navbar, /alertes (history, filters, CSV, acknowledge, close), the wall ticker.

A user joined to an exercise sees that exercise's alerts (marked EXERCICE) and nobody
else does; everyone else sees the live alerts. Per tick the bar costs one indexed count
and the newest row.
"""
from __future__ import annotations

import time
from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, no_update

from callbacks import clientside, secure_callback
from components import ids
from components.alerts import AlertLine, alerts_table, situation_header, wall_ticker
from server.context import username, view, vigie
from server.text import lang, t
from vigie import alerts
from vigie.analysis.exports import Column, to_csv
from vigie.identity import audit
from vigie.training.control import stamp
from vigie.i18n import format_time
from vigie.slots import local_day_bounds

PAGE_STATES = ("active", "open", "acknowledged", "closed", "all")
TICKER_MAX = 50
PAGE_MAX = 500
CSV_COLUMNS = (Column("id", "n°", "number"), Column("exercise", "exercice"), Column("state", "état"),
               Column("severity", "gravité"), Column("rule", "règle"), Column("sector", "code INSEE"),
               Column("sector_name", "secteur"), Column("summary", "alerte"),
               Column("opened_at", "ouverte", "instant"), Column("acknowledged_by", "prise en compte par"),
               Column("acknowledged_at", "prise en compte à", "instant"), Column("comment", "commentaire"),
               Column("closed_at", "close à", "instant"), Column("closed_by", "close par"),
               Column("close_reason", "raison de la clôture"), Column("duration_minutes", "durée (min)", "number"))


def viewer_exercise() -> int | None:
    """The exercise whose alerts this user sees (None: the live ones)."""
    exercise = view().exercise
    return None if exercise is None else int(exercise.id)


def duration_text(seconds: float) -> str:
    """'45 min', '2 h 05' (language-neutral)."""
    minutes = max(0, int(seconds // 60))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d}"


def summary_text(alert: alerts.Alert, language: str) -> str:
    """The alert's sentence ("… depuis 17:30": the data time, or the exercise clock, it was first seen at)."""
    return alert.summary.text(language, since=alert.slot)


def sector_name(code: str | None) -> str:
    if code is None:
        return t("alert_screen.whole_feed")
    return vigie().catalogue.get(code).name if code in vigie().catalogue else code


def alert_line(alert: alerts.Alert, language: str, now: float) -> AlertLine:
    """What the screens show of one alert."""
    when = format_time(alert.opened_at, language, with_date=True)
    ended = alert.closed_at if alert.closed_at is not None else now
    duration = duration_text(ended - alert.opened_at)
    acknowledged = "" if alert.acknowledged_at is None else t(
        "alert_screen.acknowledged_by", user=alert.acknowledged_by or "?",
        time=format_time(alert.acknowledged_at, language, with_date=True))
    closed = ""
    if alert.closed_at is not None:
        at = format_time(alert.closed_at, language, with_date=True)
        closed = t("alert_screen.closed_auto", time=at) if alert.closed_by is None else t(
            "alert_screen.closed_by", time=at, user=alert.closed_by, reason=alert.close_reason or "")
    return AlertLine(alert.id, alert.state, alert.severity, sector_name(alert.sector), summary_text(alert, language),
                     when, duration if alert.closed_at is not None else t("alert_screen.running", duration=duration),
                     acknowledged, alert.comment or "", closed, alert.exercise_id is not None)


# -- the bar ---------------------------------------------------------------------------------------------
def bar_view(exercise_id: int | None, language: str) -> tuple[bool, str, str, str, dict[str, Any] | None]:
    """(hidden, count badge, newest alert text, bar class, data for the sound) of the bar."""
    newest = alerts.list_alerts(vigie().store, state="active", exercise_id=exercise_id, limit=1)
    if not newest:
        return True, "", "", "shell-alert-bar", None
    count = alerts.active_alert_count(vigie().store, exercise_id)
    alert = newest[0]
    badge = t("alert_screen.count_one") if count == 1 else t("alert_screen.count_many", count=count)
    text = summary_text(alert, language)
    if exercise_id is not None:
        badge = f"{t('shell.exercise_mark')} · {badge}"
    tone = f"shell-alert-bar shell-alert-{alert.state}" + (" shell-alert-exercise" if exercise_id is not None else "")
    sound = {"stamp": alert.id * 1000 + alert.reopened, "text": text} if alert.state == "open" else None
    return False, badge, text, tone, sound


# -- the page ---------------------------------------------------------------------------------------------
def day_bounds(start_date: Any, end_date: Any) -> tuple[int | None, int | None]:
    """[start, end) of the chosen local days; None where a bound is not chosen. ValueError when invalid."""
    first = date.fromisoformat(str(start_date)[:10]) if start_date else None
    last = date.fromisoformat(str(end_date)[:10]) if end_date else None
    if first and last and last < first:
        raise ValueError("end before start")
    return (local_day_bounds(first)[0] if first else None), (local_day_bounds(last)[1] if last else None)


def filtered(state: Any, sector: Any, start_date: Any, end_date: Any) -> list[alerts.Alert]:
    """The alerts the filters ask for (validated), newest first. ValueError on bad dates."""
    chosen = state if state in PAGE_STATES else "active"
    code = sector if isinstance(sector, str) and sector in vigie().catalogue else None
    since, until = day_bounds(start_date, end_date)
    found = alerts.list_alerts(vigie().store, state=chosen, exercise_id=viewer_exercise(), since=since, sector=code,
                               limit=PAGE_MAX)
    return [a for a in found if until is None or a.opened_at < until]


def page_view(state: Any, sector: Any, start_date: Any, end_date: Any) -> tuple[Any, Any]:
    """(table, options of the acknowledge/close picker)."""
    language, now = lang(), time.time()
    try:
        found = filtered(state, sector, start_date, end_date)
    except ValueError:
        return dbc.Alert(t("alert_screen.bad_dates"), color="warning"), no_update
    current = alerts.list_alerts(vigie().store, state="active", exercise_id=viewer_exercise(), limit=PAGE_MAX)
    options = [{"label": f"n° {a.id} — {summary_text(a, language)}", "value": str(a.id)} for a in current]
    return alerts_table([alert_line(a, language, now) for a in found], language), options


def act(action: str, alert_id: Any, text: Any) -> tuple[Any, Any]:
    """Acknowledge with a comment or close with a reason; (message, change marker)."""
    if not isinstance(alert_id, str) or not alert_id.isdigit() or len(alert_id) > 12:
        return dbc.Alert(t("alert_screen.need_target"), color="warning"), no_update
    note = text.strip() if isinstance(text, str) else ""
    if not note or len(note) > alerts.states.COMMENT_LIMIT:
        key = "alert_screen.need_comment" if action == "acknowledge" else "alert_screen.need_reason"
        return dbc.Alert(t(key), color="warning"), no_update
    who = username() or "?"
    try:
        if action == "acknowledge":
            done = alerts.acknowledge(vigie().store, int(alert_id), who, note, exercise_id=viewer_exercise())
        else:
            done = alerts.close(vigie().store, int(alert_id), who, note, exercise_id=viewer_exercise())
    except alerts.AlertError as exc:
        return dbc.Alert(exc.message(lang()), color="danger"), no_update
    key = "alert_screen.acknowledged_ok" if action == "acknowledge" else "alert_screen.closed_ok"
    return dbc.Alert(t(key, id=done.id), color="success"), f"{done.id}-{done.version}"


def csv_rows(found: list[alerts.Alert]) -> list[dict[str, Any]]:
    """One CSV line per alert (French texts: the exports' language)."""
    return [{**{c.key: getattr(a, c.key, None) for c in CSV_COLUMNS if hasattr(a, c.key)},
             "exercise": "EXERCICE" if a.exercise_id is not None else "",
             "sector_name": sector_name(a.sector) if a.sector else "", "summary": summary_text(a, "fr"),
             "duration_minutes": None if a.duration_seconds is None else a.duration_seconds // 60} for a in found]


def export(state: Any, sector: Any, start_date: Any, end_date: Any) -> Any:
    """The filtered alerts as CSV (formula-escaped); the export is audited."""
    from flask import request

    try:
        found = filtered(state, sector, start_date, end_date)
    except ValueError:
        return no_update
    exercise = view().exercise
    body = to_csv(csv_rows(found), CSV_COLUMNS, stamp=stamp(exercise) or None, k=vigie().settings.privacy_k)
    audit.record(vigie().store, "alert.export", username=username(), address=request.remote_addr, rows=len(found),
                 exercise=viewer_exercise() or "")
    return dcc.send_bytes(body, f"vigie-alertes-{int(time.time())}.csv")


SOUND_LABEL = """function(n) {
    var a = window.vigie.alerts, el = document.getElementById('%s');
    if (n) { a.toggleSound(); }
    var on = a.soundOn();
    return [el ? el.getAttribute(on ? 'data-label-on' : 'data-label-off') : String(on), on ? 'true' : 'false'];
}"""


_LAST_COUNT: list[tuple[Any, int]] = []


def crisis_count() -> int:
    """Sectors the crisis ranking lists at the slot shown (significant now or held by the hysteresis)."""
    from callbacks.situation import current_situation
    from vigie.operations.crisis import thresholds
    from vigie.analysis.situation import significance_at

    overlay = view().overlay
    situation = current_situation()
    if overlay is None and _LAST_COUNT and _LAST_COUNT[0][0] is situation:
        return _LAST_COUNT[0][1]  # the live situation is shared by every screen until a new batch arrives
    limits = thresholds(vigie().settings)
    shown = {s.code: s for s in situation.sectors if s.excess is not None and s.z is not None}
    now = {code for code, s in shown.items() if limits.significant(s.excess, s.z)}
    step = vigie().settings.slot_minutes * 60
    previous = [situation.at - i * step for i in range(1, limits.hysteresis_slots)]
    found = significance_at(vigie().store, previous, vigie().settings, overlay) if previous else {}
    held = {code for per_slot in found.values() for code, (excess, z) in per_slot.items()
            if limits.significant(excess, z)}
    count = len(now | (held & set(shown)))
    if overlay is None:
        _LAST_COUNT[:] = [(situation, count)]
    return count


def register(app: Dash) -> None:
    register_bar(app)
    register_page(app)

    @secure_callback(app, "display", Output(ids.SIT_HEADER, "children"), Input(ids.SIT_REFRESH, "n_intervals"))
    def _situation_header(_n: int) -> Any:
        return situation_header(crisis_count(), viewer_exercise() is not None, lang())

    @secure_callback(app, "display", Output(ids.WALL_TICKER, "children"), Input(ids.WALL_REFRESH, "n_intervals"))
    def _ticker(_n: int) -> Any:
        language, now = lang(), time.time()
        waiting = alerts.list_alerts(vigie().store, state="open", exercise_id=viewer_exercise(), limit=TICKER_MAX)
        return wall_ticker([alert_line(a, language, now) for a in waiting], language)


def register_bar(app: Dash) -> None:
    @secure_callback(app, "display", Output(ids.ALERT_BAR, "hidden"), Output(ids.ALERT_COUNT, "children"),
                     Output(ids.ALERT_TEXT, "children"), Output(ids.ALERT_BAR, "className"),
                     Output(ids.ALERT_NEWEST, "data"), Input(ids.REFRESH, "n_intervals"), Input(ids.URL, "pathname"))
    def _bar(_n: int, _path: Any) -> tuple[Any, ...]:
        return bar_view(viewer_exercise(), lang())

    clientside(app, "display", "function(newest) { return window.vigie.alerts.announce(newest); }",
               Output(ids.ALERT_ANNOUNCED, "title"), Input(ids.ALERT_NEWEST, "data"))
    clientside(app, "display",
               """function(n, hidden) { var h = window.vigie.alerts.noticeHidden();
                  if (h === hidden) { return window.dash_clientside.no_update; } return h; }""",
               Output(ids.ALERT_GESTURE, "hidden"), Input(ids.CLOCK_TICK, "n_intervals"),
               State(ids.ALERT_GESTURE, "hidden"))


def register_page(app: Dash) -> None:
    filters = (Input(ids.ALR_STATE, "value"), Input(ids.ALR_SECTOR, "value"), Input(ids.ALR_FROM, "value"),
               Input(ids.ALR_TO, "value"))

    @secure_callback(app, "display", Output(ids.ALR_TABLE, "children"), Output(ids.ALR_TARGET, "options"),
                     Input(ids.ALR_REFRESH, "n_intervals"), Input(ids.ALR_CHANGED, "data"), *filters)
    def _table(_n: int, _changed: Any, state: Any, sector: Any, start: Any, end: Any) -> tuple[Any, Any]:
        return page_view(state, sector, start, end)

    @secure_callback(app, "display", Output(ids.ALR_SECTOR, "options"), Input(ids.ALR_SECTOR, "id"))
    def _sectors(_id: str) -> list[dict[str, str]]:
        return [{"label": f"{s.name} ({s.code})", "value": s.code} for s in vigie().catalogue]

    @secure_callback(app, "operator", Output(ids.ALR_RESULT, "children"), Output(ids.ALR_CHANGED, "data"),
                     Input(ids.ALR_ACK, "n_clicks"), State(ids.ALR_TARGET, "value"), State(ids.ALR_COMMENT, "value"),
                     prevent_initial_call=True)
    def _acknowledge(_n: Any, target: Any, comment: Any) -> tuple[Any, Any]:
        return act("acknowledge", target, comment)

    # Closing by hand is a commander's decision, as in the API.
    @secure_callback(app, "commander", Output(ids.ALR_RESULT, "children", allow_duplicate=True),
                     Output(ids.ALR_CHANGED, "data", allow_duplicate=True), Input(ids.ALR_CLOSE, "n_clicks"),
                     State(ids.ALR_TARGET, "value"), State(ids.ALR_REASON, "value"), prevent_initial_call=True)
    def _close(_n: Any, target: Any, reason: Any) -> tuple[Any, Any]:
        return act("close", target, reason)

    @secure_callback(app, "display", Output(ids.ALR_DOWNLOAD, "data"), Input(ids.ALR_EXPORT, "n_clicks"),
                     State(ids.ALR_STATE, "value"), State(ids.ALR_SECTOR, "value"), State(ids.ALR_FROM, "value"),
                     State(ids.ALR_TO, "value"), prevent_initial_call=True)
    def _export(_n: Any, state: Any, sector: Any, start: Any, end: Any) -> Any:
        return export(state, sector, start, end)

    clientside(app, "display", SOUND_LABEL % ids.ALR_SOUND, Output(ids.ALR_SOUND, "children"),
               Output(ids.ALR_SOUND, "aria-pressed"), Input(ids.ALR_SOUND, "n_clicks"))
    clientside(app, "display",
               """function(n) { var a = window.vigie.alerts, el = document.getElementById('%s');
                  if (n) { a.play(); }
                  return el.getAttribute(a.soundOn() ? 'data-state-on' : 'data-state-off'); }""" % ids.ALR_SOUND_STATE,
               Output(ids.ALR_SOUND_STATE, "children"), Input(ids.ALR_SOUND_TEST, "n_clicks"),
               Input(ids.ALR_SOUND, "n_clicks"))
    clientside(app, "display",
               """function(n) { var a = window.vigie.alerts, el = document.getElementById('%s');
                  var show = function (s) { return el.getAttribute('data-' + s) || s; };
                  if (!n) { return show(a.notificationState()); }
                  return a.askNotifications().then(show); }""" % ids.ALR_NOTIFY_STATE,
               Output(ids.ALR_NOTIFY_STATE, "children"), Input(ids.ALR_NOTIFY, "n_clicks"))
