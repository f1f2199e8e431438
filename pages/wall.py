"""Wall display (/mur): no controls, large figures, a rotation of views, freshness always visible."""
from __future__ import annotations

import dash
from dash import dcc, html

from components import ids
from components.layout import guarded, refresh_interval
from components.sector_map import sector_map
from components.text import t

dash.register_page(__name__, path="/mur", name="wall", title="Vigie — Mur", nav=8, title_key="wall.nav",
                   role="display")

VIEWS = ("map", "ranking", "series", "events")


def rotation_ms() -> int:
    from flask import has_request_context

    from server.context import vigie

    if not has_request_context():
        return 20_000
    return int(vigie().settings.wall_rotation_seconds) * 1000


def _view(name: str, *children: object) -> html.Section:
    return html.Section([html.H2(t(f"wall.view_{name}"), className="wall-view-title"), *children],
                        id=f"wall-view-{name}", className="wall-view", **{"data-view": name})


def _build() -> html.Div:
    return html.Div([
        html.H1(t("wall.heading"), className="visually-hidden"),
        refresh_interval(ids.WALL_REFRESH),
        dcc.Interval(id=ids.WALL_ROTATE, interval=rotation_ms(), n_intervals=0),
        html.Div(id=ids.WALL_TICKER, className="wall-ticker", role="alert", **{"aria-live": "assertive"}),
        html.Div(id=ids.WALL_KPIS, className="wall-kpis"),
        html.Div([
            _view("map", html.Div([sector_map(ids.WALL_MAP, ids.WALL_MAP_GEOJSON, "/geo/sectors.geojson", hideout={}),
                                   html.Div(id=ids.WALL_LEGEND)], className="wall-map")),
            _view("ranking", html.Div(id=ids.WALL_RANKING, className="wall-table")),
            _view("series", html.Div(id=ids.WALL_SERIES, className="wall-series")),
            _view("events", html.Div(id=ids.WALL_EVENTS, className="wall-table")),
        ], id=ids.WALL_VIEWS, className="wall-views", **{"data-active": "0"}),
    ], className="wall")


def layout(**_query: str) -> object:
    """The ops-room wall: map, crisis ranking, top sectors' curves and events in turn, read from 5 m."""
    return guarded("display", _build)
