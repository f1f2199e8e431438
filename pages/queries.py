"""Zone queries (/requetes): unique visitors, entries, presence and mix for a zone and a period."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.cards import panel
from components.forms import date_input, dropdown
from components.sector_map import sector_map
from components.props import dash_props
from pages._layout import guarded
from server.text import lang, t

dash.register_page(__name__, path="/requetes", name="queries", title="Vigie — Requêtes", nav=3,
                   title_key="queries.nav", role="operator")


def _zone_panel() -> html.Section:
    return panel(
        t("queries.zone"),
        html.P(t("queries.zone_help"), className="text-muted mb-1"),
        html.Label(t("queries.sectors"), htmlFor=ids.QRY_SECTORS, className="form-label"),
        dropdown(ids.QRY_SECTORS, lang(), multi=True, placeholder=t("queries.sectors_placeholder"),
                 className="vigie-dropdown mb-2"),
        dbc.Row([
            dbc.Col([html.Label(t("queries.saved"), htmlFor=ids.QRY_SAVED, className="form-label"),
                     dropdown(ids.QRY_SAVED, lang(), placeholder=t("queries.saved_placeholder"),
                              className="vigie-dropdown")], md=6),
            dbc.Col([html.Label(t("queries.name"), htmlFor=ids.QRY_NAME, className="form-label"),
                     dbc.InputGroup([dbc.Input(id=ids.QRY_NAME, maxLength=80),
                                     dbc.Button(t("queries.save"), id=ids.QRY_SAVE, color="secondary")])], md=6),
        ], className="g-2"),
    )


def _period_panel() -> html.Section:
    return panel(
        t("queries.period"),
        dbc.Row([
            dbc.Col([html.Label(t("queries.from"), htmlFor=ids.QRY_FROM, className="form-label"),
                     date_input(ids.QRY_FROM)], xs=6),
            dbc.Col([html.Label(t("queries.to"), htmlFor=ids.QRY_TO, className="form-label"),
                     date_input(ids.QRY_TO)], xs=6),
        ], className="g-2 mb-2"),
        html.Div([dbc.Button(t("queries.run"), id=ids.QRY_RUN, color="primary", size="lg"),
                  html.Div([html.Label(t("queries.export_table"), htmlFor=ids.QRY_EXPORT_TABLE, className="visually-hidden"),
                            dbc.Select(id=ids.QRY_EXPORT_TABLE, value="summary", options=[
                                {"label": t(f"queries.table_{table}"), "value": table}
                                for table in ("summary", "sectors", "series")])]),
                  dbc.Button(t("queries.export"), id=ids.QRY_EXPORT, color="secondary", outline=True, size="lg")],
                 className="d-flex gap-2 flex-wrap align-items-center"),
        dcc.Download(id=ids.QRY_DOWNLOAD),
    )


def _build() -> html.Div:
    zone_map = html.Div(sector_map(ids.QRY_MAP, ids.QRY_GEOJSON, "/geo/sectors.geojson", hideout={}),
                        className="panel map-panel query-map")
    return html.Div([
        dcc.Store(id=ids.QRY_STORE),
        html.H1(t("queries.title"), className="h3"),
        html.Div(id=ids.QRY_MESSAGE, role="status", **dash_props({"aria-live": "polite"})),
        dbc.Row([
            dbc.Col(zone_map, xl=6, className="mb-2"),
            dbc.Col([_zone_panel(), html.Div(_period_panel(), className="mt-2")], xl=6, className="mb-2"),
        ], className="g-2"),
        dcc.Loading(html.Div(id=ids.QRY_RESULT), type="dot"),
    ])


def layout(**_query: str) -> object:
    """Build a zone on the map or from the list, pick a period, read and export the figures."""
    return guarded("operator", _build)
