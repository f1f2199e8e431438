"""Sector page (/secteur/<code>): the story of one sector around its usual band."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from pages._layout import guarded, refresh_interval
from server.text import t

dash.register_page(__name__, path_template="/secteur/<code>", name="sector", title="Vigie — Secteur",
                   title_key="sector.nav", role="display")

RANGES = (("48h", 2), ("7d", 7), ("30d", 30))


def _build(code: str) -> html.Div:
    picker = dbc.RadioItems(
        id=ids.SEC_RANGE, value="7d", inline=True, className="btn-group", inputClassName="btn-check",
        labelClassName="btn btn-outline-info", labelCheckedClassName="active",
        options=[{"label": t(f"sector.range_{key}"), "value": key} for key, _days in RANGES],
    )
    graph_config: dcc.Graph.Config = {"displaylogo": False, "responsive": True}
    return html.Div([
        dcc.Store(id=ids.SEC_CODE, data=code),
        refresh_interval(ids.SEC_REFRESH),
        html.Div(id=ids.SEC_ERROR),
        dbc.Row([
            dbc.Col(html.H1(id=ids.SEC_TITLE, className="h3 mb-0"), md=6),
            dbc.Col(picker, md=6, className="text-md-end"),
        ], className="align-items-center mb-2 g-2"),
        html.Div(id=ids.SEC_FACTS, className="mb-2"),
        html.Div(dcc.Graph(id=ids.SEC_SERIES, config=graph_config), className="panel mb-2"),
        dbc.Row([
            dbc.Col(html.Div(dcc.Graph(id=ids.SEC_SEGMENTS, config=graph_config), className="panel"), lg=6, className="mb-2"),
            dbc.Col(html.Div(dcc.Graph(id=ids.SEC_ENTRIES, config=graph_config), className="panel"), lg=6, className="mb-2"),
        ], className="g-2"),
    ])


def layout(code: str = "", **_query: str) -> object:
    """Time series of one sector (48 h, 7 days, 30 days): presence, usual band, segments, entries."""
    return guarded("display", lambda: _build(code))
