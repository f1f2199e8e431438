"""Crisis mode (/crise): overpopulated sectors ranked, and a suggested allocation of resources."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import dash_leaflet as dl
from dash import dcc, html

from components import ids
from components.cards import panel
from components.sector_map import sector_map
from pages._layout import guarded, refresh_interval
from server.screens import role_ok
from server.text import t
from vigie.training.control import MAX_ENTRY

dash.register_page(__name__, path="/crise", name="crisis", title="Vigie — Crise", nav=2,
                   title_key="crisis.nav", role="display")


def _filters() -> dbc.Row:
    authority = dbc.Select(id=ids.CRI_AUTHORITY, value="all", options=[
        {"label": t("crisis.authority_all"), "value": "all"},
        {"label": t("crisis.authority_sdis"), "value": "SDIS13"},
        {"label": t("crisis.authority_bmpm"), "value": "BMPM"},
    ])
    return dbc.Row([
        dbc.Col([html.Label(t("crisis.authority"), htmlFor=ids.CRI_AUTHORITY, className="form-label"), authority], md=4),
        dbc.Col([html.Label(t("crisis.groupement"), htmlFor=ids.CRI_GROUPEMENT, className="form-label"),
                 dbc.Select(id=ids.CRI_GROUPEMENT, value="all", options=[{"label": t("crisis.groupement_all"),
                                                                         "value": "all"}])],
                md=4),
        dbc.Col([html.Label(t("crisis.min_excess"), htmlFor=ids.CRI_MIN_EXCESS, className="form-label"),
                 dbc.Input(id=ids.CRI_MIN_EXCESS, type="number", min=0, max=1_000_000, step=100, value=None,
                           placeholder=t("crisis.min_excess_auto"))], md=4),
    ], className="g-2 mb-2")


def _horizon() -> html.Div:
    """Maintenant, +1 h, +2 h, +3 h, pic des 6 prochaines heures: the ranking and the plan follow the forecast."""
    choices = [(key, t(f"forecast.horizon_{key}")) for key in ("now", "1h", "2h", "3h", "peak")]
    return html.Div([
        html.Label(t("forecast.horizon_label"), htmlFor=ids.CRI_HORIZON, className="form-label me-2"),
        dbc.RadioItems(id=ids.CRI_HORIZON, value="now", inline=True, className="btn-group flex-wrap",
                       inputClassName="btn-check",
                       labelClassName="btn btn-outline-info", labelCheckedClassName="active",
                       options=[{"label": label, "value": key} for key, label in choices]),
    ], className="mb-2")


def _what_if() -> html.Div:
    return dbc.Row([
        dbc.Col([html.Label(t("crisis.target"), htmlFor=ids.CRI_TARGET, className="form-label"),
                 dbc.Input(id=ids.CRI_TARGET, type="number", min=5, max=120, step=5, value=20)], xs=4),
        dbc.Col([html.Label(t("crisis.vsav_ratio"), htmlFor=ids.CRI_VSAV_RATIO, className="form-label"),
                 dbc.Input(id=ids.CRI_VSAV_RATIO, type="number", min=1000, max=100_000, step=1000, value=10_000)], xs=4),
        dbc.Col([html.Label(t("crisis.fpt_ratio"), htmlFor=ids.CRI_FPT_RATIO, className="form-label"),
                 dbc.Input(id=ids.CRI_FPT_RATIO, type="number", min=1000, max=200_000, step=1000, value=25_000)], xs=4),
    ], className="g-2 mb-2")


def _validation() -> html.Div:
    """« Valider le plan » (commanders), which asks for confirmation and says why it is disabled; the report."""
    button = dbc.Button(t("crisis.validate"), id=ids.CRI_VALIDATE, color="danger", size="lg", className="me-2",
                        disabled=True, style=None if role_ok("commander") else {"display": "none"})
    return html.Div([
        html.Div([dcc.ConfirmDialogProvider(button, id=ids.CRI_VALIDATE_CONFIRM, message=t("crisis.confirm_validate")),
                  html.Span(t("crisis.read_only"), className="text-muted me-2", hidden=role_ok("commander")),
                  html.A(t("crisis.report"), href="/rapport", target="_blank",
                         className="btn btn-outline-light btn-lg")], className="mt-2"),
        html.Div(id=ids.CRI_VALIDATE_WHY, className="small text-muted mt-1", hidden=not role_ok("commander")),
        html.Div(id=ids.CRI_VALIDATED, className="mt-2", role="status"),
    ])


def _entry_form() -> html.Div:
    """A free-text entry of the main courante (operators and above: hidden below, refused by the server too);
    its author and time are added."""
    return html.Div([
        html.Label(t("crisis.entry_label"), htmlFor=ids.CRI_ENTRY, className="form-label"),
        dbc.Textarea(id=ids.CRI_ENTRY, rows=2, placeholder=t("crisis.entry_placeholder")),
        html.Div(t("crisis.entry_help", limit=MAX_ENTRY), id=f"{ids.CRI_ENTRY}-help", className="form-text"),
        dbc.Button(t("crisis.entry_add"), id=ids.CRI_ENTRY_ADD, color="primary", className="mt-1"),
        html.Div(id=ids.CRI_ENTRY_DONE, className="mt-1", role="status"),
    ], className="mb-2", hidden=not role_ok("operator"))


def _build() -> html.Div:
    stations = dl.LayerGroup(id=ids.CRI_STATIONS)
    moves = dl.LayerGroup(id=ids.CRI_MOVES)
    crisis_map = sector_map(ids.CRI_MAP, ids.CRI_GEOJSON, "/geo/sectors.geojson", hideout={},
                            extra_layers=[moves, stations], on_each_feature="vigie.crisis.onEachFeature")
    plan = panel(t("crisis.plan"), html.Div(id=ids.CRI_DEMO_NOTE), _what_if(),
                 # a refresh every minute leaves the plan readable (dimmed) rather than blank while it recomputes
                 dcc.Loading(html.Div(id=ids.CRI_PLAN), type="dot", delay_show=800,
                             overlay_style={"visibility": "visible", "opacity": 0.6}), _validation())
    return html.Div([
        refresh_interval(ids.CRI_REFRESH),
        dcc.Store(id=ids.CRI_PLAN_STORE),
        dcc.Store(id=ids.CRI_FOCUS),
        dcc.Store(id=ids.CRI_MAP_DRAWN),
        html.Span(id=ids.CRI_FOCUS_APPLIED, hidden=True),
        dbc.Row([dbc.Col(html.H1(t("crisis.title"), className="h3"), md=6),
                 dbc.Col(html.Div(id=ids.CRI_DATA_TIME, className="text-md-end text-muted"), md=6)],
                className="align-items-center"),
        _filters(),
        _horizon(),
        dbc.Row([
            dbc.Col([panel(t("crisis.ranking"), html.Div(id=ids.CRI_TABLE)),
                     html.Div(panel(t("crisis.below"), html.Div(id=ids.CRI_BELOW)), className="mt-2"),
                     html.Div([crisis_map, html.P(t("crisis.moves_legend"), className="crisis-map-legend small mb-0")],
                              className="panel map-panel crisis-map mt-2")], xl=7, className="mb-2"),
            dbc.Col([plan, panel(t("crisis.decisions"), _entry_form(), html.Div(id=ids.CRI_DECISIONS))], xl=5),
        ], className="g-2"),
    ])


def layout(**_query: str) -> object:
    """Ranking of overpopulated sectors, stations on the map, the suggested plan and its validation."""
    return guarded("display", _build)
