"""Situation (/): the live map of the sectors, headline figures, what moved, today's events."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.props import dash_props
from components.links import read_choice, read_code, read_time
from components.sector_map import sector_map
from pages._layout import guarded, refresh_interval
from server.text import t

dash.register_page(__name__, path="/", name="situation", title="Vigie — Situation", nav=1,
                   title_key="situation.nav", role="display")

INDICATORS = ("present", "delta_residents", "pct_usual", "z", "residents")
FORECAST_INDICATORS = ("forecast_1h", "forecast_2h", "forecast_3h")  # expected excess over usual, 1-3 h ahead


def _indicator_picker(indicator: str) -> dbc.Select:
    return dbc.Select(
        id=ids.SIT_INDICATOR, value=indicator,
        options=[{"label": t(f"situation.indicator_{key}"), "value": key} for key in INDICATORS]
        + [{"label": t(f"forecast.indicator_{key[9:]}"), "value": key} for key in FORECAST_INDICATORS],
    )


def time_bar() -> html.Section:
    """The look-back slider over the last 48 h (the newest slot is "direct"), its time in words, the way back."""
    return html.Section([
        html.Div([
            html.Label(t("situation.time_label"), htmlFor=ids.SIT_TIME, className="form-label mb-0 me-2"),
            html.Output(id=ids.SIT_TIME_TEXT, htmlFor=ids.SIT_TIME, className="lookback-time",
                        **dash_props({"aria-live": "polite"})),
        ], className="lookback-when"),
        html.Div([
            dbc.Input(id=ids.SIT_TIME, type="range", min=0, max=0, step=1800, debounce=400,
                      class_name="form-range lookback-range"),
            html.Div([html.Span(t("situation.time_start")), html.Span(t("situation.time_direct"))],
                     className="lookback-scale small text-muted", **dash_props({"aria-hidden": "true"})),
        ], className="lookback-track"),
        html.Div([
            html.Strong(t("situation.rewound"), className="me-2"),
            dbc.Button(t("situation.back_to_live"), id=ids.SIT_LIVE, color="warning", size="sm"),
        ], id=ids.SIT_REWOUND, className="lookback-rewound", hidden=True, role="status"),
        html.Div([
            dbc.Button(t("situation.copy_link"), id=ids.SIT_COPY, color="secondary", outline=True, size="sm"),
            html.Span(id=ids.SIT_COPIED, className="small ms-2", role="status",
                      **dash_props({"data-copied": t("situation.link_copied"), "data-failed": t("situation.link_failed")})),
        ], className="lookback-share"),
    ], className="panel lookback-bar mb-2", **dash_props({"aria-label": t("situation.time_region")}))


def _build(indicator: str = "present", sector: str | None = None, at: int | None = None) -> html.Div:
    map_panel = html.Div([
        sector_map(ids.SIT_MAP, ids.SIT_GEOJSON, "/geo/sectors.geojson", hideout={}),
        html.Div(id=ids.SIT_LEGEND),
    ], className="panel map-panel")
    side = html.Div([
        html.Div(id=ids.SIT_ERROR),
        html.Div(id=ids.SIT_KPIS, className="mb-2"),
        html.Div([html.Label(t("situation.indicator"), htmlFor=ids.SIT_INDICATOR, className="form-label"),
                  _indicator_picker(indicator)], className="mb-2"),
        html.Div(id=ids.SIT_DATA_TIME, className="mb-2 text-muted"),
        html.Div(id=ids.SIT_CARD, className="mb-2"),
        html.Div(id=ids.SIT_MOVERS, className="mb-2"),
        html.Div(id=ids.SIT_EVENTS),
        dcc.Store(id=ids.SIT_SELECTED, data=sector),
        dcc.Store(id=ids.SIT_AT, data=at),
        dcc.Location(id=ids.SIT_URL, refresh=False),
        refresh_interval(ids.SIT_REFRESH),
    ], className="situation-side")
    return html.Div([html.H1(t("situation.heading"), className="visually-hidden"),
                     html.Div(id=ids.SIT_HEADER, className="mb-2", role="status"),
                     time_bar(),
                     dbc.Row([dbc.Col(map_panel, xl=8, className="mb-2"),
                              dbc.Col(side, xl=4, className="situation-side-col")], className="g-2 situation-layout")])


def layout(indicator: str = "present", sector: str = "", **query: str) -> object:
    """The ops room's main screen; a link's indicator, sector and time (`t`, looking back) open it as they were."""
    chosen = read_choice(indicator, INDICATORS + FORECAST_INDICATORS, "present")
    return guarded("display", lambda: _build(chosen, read_code(sector), read_time(query.get("t"))))
