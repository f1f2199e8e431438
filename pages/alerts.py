"""Alerts (/alertes): current and past alerts, who acknowledged them, filters, CSV; acknowledge and close."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.forms import date_input, dropdown
from components.alerts import sound_toggle
from components.cards import panel
from components.props import dash_props
from pages._layout import guarded, refresh_interval
from server.screens import role_ok
from server.text import lang, t

dash.register_page(__name__, path="/alertes", name="alerts", title="Vigie — Alertes", nav=2.5,
                   title_key="alert_screen.nav", role="display")

STATES = ("active", "open", "acknowledged", "closed", "all")


def _filters() -> html.Section:
    states = [{"label": t("alert_screen.state_live") if s == "active" else t(f"alert_screen.state_{s}"), "value": s}
              for s in STATES]
    return panel(t("alert_screen.filters"), dbc.Row([
        dbc.Col([html.Label(t("alert_screen.filter_state"), htmlFor=ids.ALR_STATE, className="form-label"),
                 dbc.Select(id=ids.ALR_STATE, options=states, value="active")], md=3),
        dbc.Col([html.Label(t("alert_screen.filter_sector"), htmlFor=ids.ALR_SECTOR, className="form-label"),
                 dropdown(ids.ALR_SECTOR, lang(), placeholder=t("alert_screen.filter_sector_all"),
                          className="vigie-dropdown")], md=3),
        dbc.Col([html.Label(t("alert_screen.from"), htmlFor=ids.ALR_FROM, className="form-label"),
                 date_input(ids.ALR_FROM)], md=2),
        dbc.Col([html.Label(t("alert_screen.to"), htmlFor=ids.ALR_TO, className="form-label"),
                 date_input(ids.ALR_TO)], md=2),
        dbc.Col([html.Button(t("alert_screen.export"), id=ids.ALR_EXPORT, className="btn btn-outline-light mt-md-4"),
                 dcc.Download(id=ids.ALR_DOWNLOAD)], md=2),
    ], className="g-2 align-items-start"))


def _actions() -> html.Section:
    allowed, closing = role_ok("operator"), role_ok("commander")
    return panel(
        t("alert_screen.act"),
        html.P(t("alert_screen.act_help"), className="text-muted mb-2"),
        html.Label(t("alert_screen.target"), htmlFor=ids.ALR_TARGET, className="form-label"),
        dbc.Select(id=ids.ALR_TARGET, placeholder=t("alert_screen.target_placeholder"), className="mb-2",
                   disabled=not allowed),
        html.Div([html.Label(t("alert_screen.comment"), htmlFor=ids.ALR_COMMENT, className="form-label"),
                  dbc.Textarea(id=ids.ALR_COMMENT, maxLength=500, rows=2, disabled=not allowed, className="mb-2"),
                  dbc.Button(t("alert_screen.acknowledge"), id=ids.ALR_ACK, color="warning", disabled=not allowed)],
                 className="mb-3"),
        html.Div([html.Label(t("alert_screen.reason"), htmlFor=ids.ALR_REASON, className="form-label"),
                  dbc.Input(id=ids.ALR_REASON, maxLength=500, disabled=not closing, className="mb-2"),
                  dbc.Button(t("alert_screen.close"), id=ids.ALR_CLOSE, color="secondary", disabled=not closing)]),
        html.Div(id=ids.ALR_RESULT, role="status", className="mt-2", **dash_props({"aria-live": "polite"})),
    )


def _device() -> html.Section:
    return panel(
        t("alert_screen.device"),
        html.P(t("alert_screen.device_help"), className="text-muted mb-2"),
        html.Div([sound_toggle(ids.ALR_SOUND, lang()),
                  html.Button(t("alert_screen.sound_test"), id=ids.ALR_SOUND_TEST, className="btn btn-outline-light"),
                  html.Button(t("alert_screen.notify"), id=ids.ALR_NOTIFY, className="btn btn-outline-light")],
                 className="d-flex gap-2 flex-wrap mb-2"),
        html.P(id=ids.ALR_SOUND_STATE, className="mb-1",
               **dash_props({"data-state-on": t("alert_screen.sound_state_on"),
                             "data-state-off": t("alert_screen.sound_state_off")})),
        html.P(id=ids.ALR_NOTIFY_STATE, className="mb-0",
               **dash_props({f"data-{s}": t(f"alert_screen.notify_{s}")
                             for s in ("granted", "denied", "default", "unsupported")})),
    )


def _build() -> html.Div:
    return html.Div([
        refresh_interval(ids.ALR_REFRESH),
        dcc.Store(id=ids.ALR_CHANGED),
        html.H1(t("alert_screen.title"), className="h3"),
        _filters(),
        dbc.Row([
            dbc.Col(html.Div(id=ids.ALR_TABLE, className="panel"), xl=8, className="mb-2"),
            dbc.Col([_actions(), html.Div(_device(), className="mt-2")], xl=4),
        ], className="g-2 mt-1"),
    ])


def layout(**_query: str) -> object:
    """Every alert of this view (live, or the exercise joined): history, acknowledgement, closing, export."""
    return guarded("display", _build)
