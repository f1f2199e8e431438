"""Wall display (/mur): no controls, large figures, a rotation of views, freshness always visible."""
from __future__ import annotations

import dash
from dash import dcc, html
from dash.development.base_component import Component

from components import ids
from components.sector_map import sector_map
from components.props import dash_props
from pages._layout import guarded, refresh_interval
from server.screens import wall_rotation_ms
from server.text import t

dash.register_page(__name__, path="/mur", name="wall", title="Vigie — Mur", nav=8, title_key="wall.nav",
                   role="display")


def _view(name: str, *children: Component) -> html.Section:
    return html.Section([html.H2(t(f"wall.view_{name}"), className="wall-view-title"), *children],
                        id=f"wall-view-{name}", className="wall-view", **dash_props({"data-view": name}))


def _build() -> html.Div:
    views = {
        # the legend beside the map, never over it: the whole département and its key stay in sight
        "map": html.Div([sector_map(ids.WALL_MAP, ids.WALL_MAP_GEOJSON, "/geo/sectors.geojson", hideout={},
                                    controls=False),
                         html.Div(id=ids.WALL_LEGEND, className="wall-legend")], className="wall-map"),
        "ranking": html.Div(id=ids.WALL_RANKING, className="wall-table"),
        "series": html.Div(id=ids.WALL_SERIES, className="wall-series"),
        "events": html.Div(id=ids.WALL_EVENTS, className="wall-table"),
    }
    return html.Div([
        html.H1(t("wall.heading"), className="visually-hidden"),
        refresh_interval(ids.WALL_REFRESH),
        dcc.Interval(id=ids.WALL_ROTATE, interval=wall_rotation_ms(), n_intervals=0),
        dcc.Store(id=ids.WALL_ROTATION, data=list(ids.WALL_VIEW_NAMES)),
        dcc.Store(id=ids.WALL_SCALE),
        html.Div(id=ids.WALL_TICKER, className="wall-ticker", role="alert", **dash_props({"aria-live": "assertive"})),
        html.Div(id=ids.WALL_KPIS, className="wall-kpis"),
        html.Div([_view(name, views[name]) for name in ids.WALL_VIEW_NAMES], id=ids.WALL_VIEWS,
                 className="wall-views", **dash_props({"data-active": "0"})),
    ], className="wall")


def layout(**_query: str) -> object:
    """The ops-room wall, read from 5 m: map, crisis ranking (or « RAS »), ranked sectors' curves, events in turn."""
    return guarded("display", _build)
