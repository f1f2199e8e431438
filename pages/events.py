"""Events and risks (/evenements): the events calendar, forest-fire massif levels and flood vigilance."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from components import ids
from components.cards import panel
from components.forms import dropdown
from components.props import dash_props
from pages._layout import guarded
from server.text import lang, t
from vigie.calendar.events import CATEGORIES

dash.register_page(__name__, path="/evenements", name="events", title="Vigie — Événements", nav=4,
                   title_key="events.nav", role="operator")


def _field(label: str, control: Component, control_id: str, width: int = 6) -> dbc.Col:
    return dbc.Col(html.Div([html.Label(label, htmlFor=control_id, className="form-label"), control],
                            className="mb-2"), md=width)


def _upload(upload_id: str, label: str) -> dcc.Upload:
    return dcc.Upload(html.Div(label), id=upload_id, className="vigie-upload", max_size=5_000_000, multiple=False)


def _form() -> html.Section:
    return panel(t("events.form"), dbc.Row([
        _field(t("events.pick"), dbc.Select(id=ids.EVT_PICK, value=""), ids.EVT_PICK, 12),
        _field(t("events.name"), dbc.Input(id=ids.EVT_NAME, maxLength=200), ids.EVT_NAME),
        _field(t("events.category"), dbc.Select(id=ids.EVT_CATEGORY, value="other", options=[
            {"label": t(f"events.category_{c}"), "value": c} for c in CATEGORIES]), ids.EVT_CATEGORY),
        _field(t("events.sectors"), dropdown(ids.EVT_SECTORS, lang(), multi=True, className="vigie-dropdown"),
               ids.EVT_SECTORS, 12),
        _field(t("events.start"), dbc.Input(id=ids.EVT_START, type="datetime-local"), ids.EVT_START, 4),
        _field(t("events.end"), dbc.Input(id=ids.EVT_END, type="datetime-local"), ids.EVT_END, 4),
        _field(t("events.attendance"), dbc.Input(id=ids.EVT_ATTENDANCE, type="number", min=0, step=100, value=0),
               ids.EVT_ATTENDANCE, 4),
    ], className="g-2"), html.Div([dbc.Button(t("events.save"), id=ids.EVT_SAVE, color="primary"),
                                   dbc.Button(t("events.delete"), id=ids.EVT_DELETE, color="danger", outline=True)],
                                  className="d-flex gap-2"))


def _imports() -> html.Section:
    return panel(t("events.imports"), html.P(t("events.imports_help"), className="text-muted"),
                 _upload(ids.EVT_UPLOAD, t("events.upload_events")),
                 _upload(ids.EVT_MASSIF_UPLOAD, t("events.upload_massifs")),
                 _upload(ids.EVT_FLOOD_UPLOAD, t("events.upload_floods")))


def _build() -> html.Div:
    return html.Div([
        html.H1(t("events.title"), className="h3"),
        html.Div(id=ids.EVT_RESULT, role="status", **dash_props({"aria-live": "polite"})),
        dbc.Row([
            dbc.Col([panel(t("events.calendar"), html.Div(id=ids.EVT_TABLE))], xl=7, className="mb-2"),
            dbc.Col([_form(), html.Div(_imports(), className="mt-2"),
                     html.Div(panel(t("events.risks"), html.Div(id=ids.EVT_RISKS)), className="mt-2")], xl=5),
        ], className="g-2"),
    ])


def layout(**_query: str) -> object:
    """The events calendar (add, edit, import CSV or iCalendar) and the risk levels (massifs, floods)."""
    return guarded("operator", _build)
