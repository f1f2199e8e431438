"""Situation (/): the live map of the sectors, headline figures, what moved, today's events."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.sector_map import sector_map
from pages._layout import guarded, refresh_interval
from server.text import t

dash.register_page(__name__, path="/", name="situation", title="Vigie — Situation", nav=1,
                   title_key="situation.nav", role="display")

INDICATORS = ("present", "delta_residents", "pct_usual", "z", "residents")
FORECAST_INDICATORS = ("forecast_1h", "forecast_2h", "forecast_3h")  # expected excess over usual, 1-3 h ahead


def _indicator_picker() -> dbc.Select:
    return dbc.Select(
        id=ids.SIT_INDICATOR, value="present",
        options=[{"label": t(f"situation.indicator_{key}"), "value": key} for key in INDICATORS]
        + [{"label": t(f"forecast.indicator_{key[9:]}"), "value": key} for key in FORECAST_INDICATORS],
    )


def _build() -> html.Div:
    map_panel = html.Div([
        sector_map(ids.SIT_MAP, ids.SIT_GEOJSON, "/geo/sectors.geojson", hideout={}),
        html.Div(id=ids.SIT_LEGEND),
    ], className="panel map-panel")
    side = html.Div([
        html.Div(id=ids.SIT_ERROR),
        html.Div(id=ids.SIT_KPIS, className="mb-2"),
        html.Div([html.Label(t("situation.indicator"), htmlFor=ids.SIT_INDICATOR, className="form-label"),
                  _indicator_picker()], className="mb-2"),
        html.Div(id=ids.SIT_DATA_TIME, className="mb-2 text-muted"),
        html.Div(id=ids.SIT_CARD, className="mb-2"),
        html.Div(id=ids.SIT_MOVERS, className="mb-2"),
        html.Div(id=ids.SIT_EVENTS),
        dcc.Store(id="situation-selected"),
        refresh_interval(ids.SIT_REFRESH),
    ], className="situation-side")
    return html.Div([html.H1(t("situation.heading"), className="visually-hidden"),
                     html.Div(id=ids.SIT_HEADER, className="mb-2", role="status"),
                     dbc.Row([dbc.Col(map_panel, xl=8, className="mb-2"),
                              dbc.Col(side, xl=4, className="situation-side-col")], className="g-2 situation-layout")])


def layout(**_query: str) -> object:
    """The ops room's main screen."""
    return guarded("display", _build)
