"""Alerts on screen: the bar under the navbar, the /alertes table, the wall ticker, the situation header."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.props import dash_props
from vigie.i18n import translate

STATE_COLORS = {"open": "danger", "acknowledged": "warning", "closed": "secondary"}


@dataclass(frozen=True)
class AlertLine:
    """One alert as the screens show it (texts already in the user's language)."""

    alert_id: int
    state: str
    severity: str
    sector: str
    summary: str
    opened: str
    duration: str
    acknowledged: str
    comment: str
    closed: str
    exercise: bool


def sound_toggle(toggle_id: str, lang: str) -> html.Button:
    """The per-device sound switch (its label is set in the browser from the device's choice)."""
    off = translate("alert_screen.sound_off", lang)
    return html.Button(off, id=toggle_id, n_clicks=0, className="btn btn-outline-light",
                       title=translate("alert_screen.sound_help", lang),
                       **dash_props({"data-label-on": translate("alert_screen.sound_on", lang),
                                     "data-label-off": off, "aria-pressed": "false"}))


def alert_bar(sound_default: bool, lang: str) -> html.Div:
    """The strip under the navbar: active alerts and the newest one (filled by callbacks), the gesture notice.

    `data-sound-default` on the hidden marker is the sound setting of a device that never chose.
    """
    bar = html.Div([
        dcc.Link([html.Span(id=ids.ALERT_COUNT, className="badge shell-alert-count"),
                  html.Span(id=ids.ALERT_TEXT, className="shell-alert-text")],
                 id=ids.ALERT_LINK, href="/crise", className="shell-alert-link"),
        dcc.Link(translate("alert_screen.all_alerts", lang), href="/alertes", className="shell-alert-all"),
    ], id=ids.ALERT_BAR, className="shell-alert-bar", hidden=True, role="status", **dash_props({"aria-live": "polite"}))
    gesture = html.Div(translate("alert_screen.gesture_notice", lang), id=ids.ALERT_GESTURE,
                       className="shell-alert-gesture", hidden=True)
    marker = html.Span(id=ids.ALERT_ANNOUNCED, hidden=True,
                       **dash_props({"data-sound-default": "on" if sound_default else "off"}))
    return html.Div([bar, gesture, dcc.Store(id=ids.ALERT_NEWEST), marker], className="shell-alerts")


def state_badge(state: str, lang: str) -> dbc.Badge:
    return dbc.Badge(translate(f"alert_screen.state_{state}", lang), color=STATE_COLORS.get(state, "secondary"),
                     className="alert-state")


def exercise_badge(lang: str) -> html.Span:
    return html.Span(translate("shell.exercise_mark", lang), className="badge alert-exercise")


def exercise_mark(exercise: bool, lang: str) -> list[Any]:
    """The EXERCICE badge and a space before a text, or nothing."""
    return [exercise_badge(lang), " "] if exercise else []


TABLE_COLUMNS = ("state", "sector", "summary", "opened", "duration", "acknowledged", "comment", "closed")


def alerts_table(lines: Sequence[AlertLine], lang: str) -> Any:
    """Open and past alerts, newest first; every text is plain text (no HTML sink)."""
    if not lines:
        return html.P(translate("alert_screen.none_found", lang), className="mb-0")
    headers = ["#"] + [translate(f"alert_screen.col_{column}", lang) for column in TABLE_COLUMNS]
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in headers]))
    rows = [html.Tr([html.Td(str(a.alert_id)),
                     html.Td([state_badge(a.state, lang)] + ([" ", exercise_badge(lang)] if a.exercise else [])),
                     html.Td(a.sector), html.Td(a.summary), html.Td(a.opened), html.Td(a.duration),
                     html.Td(a.acknowledged), html.Td(a.comment), html.Td(a.closed)],
                    className=f"alert-row alert-row-{a.state}", **dash_props({"data-alert-id": str(a.alert_id)}))
            for a in lines]
    return html.Div(dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, className="vigie-table mb-0"),
                    className="table-responsive", tabIndex="0")   # a scrolling region the keyboard reaches


TICKER_LINES = 3


def wall_ticker(lines: Sequence[AlertLine], lang: str) -> list[Any]:
    """The wall's large ticker: the alerts nobody acknowledged yet, newest first (nothing when none)."""
    if not lines:
        return []
    items: list[Any] = [html.Div(exercise_mark(a.exercise, lang) + [a.summary],
                                 className=f"wall-ticker-item wall-ticker-{a.severity}") for a in lines[:TICKER_LINES]]
    if len(lines) > TICKER_LINES:
        more = len(lines) - TICKER_LINES
        text = translate("alert_screen.ticker_more_one", lang) if more == 1 \
            else translate("alert_screen.ticker_more", lang, count=more)
        items.append(html.Div(text, className="wall-ticker-more"))
    label = translate("alert_screen.ticker_label", lang, count=len(lines))
    return [html.Div([html.Span(label, className="wall-ticker-label"),
                      html.Div(items, className="wall-ticker-window")], className="wall-ticker-band")]


def situation_header(count: int, exercise: bool, lang: str) -> dcc.Link:
    """'RAS' or 'N secteurs en crise' at the top of the situation page, linking to /crise."""
    text = translate("alert_screen.calm", lang) if count == 0 \
        else translate("alert_screen.in_crisis", lang, count=count) if count > 1 \
        else translate("alert_screen.in_crisis_one", lang)
    tone = "situation-header-calm" if count == 0 else "situation-header-crisis"
    return dcc.Link(exercise_mark(exercise, lang) + [html.Span(text)], href="/crise",
                    className=f"situation-header {tone}")
