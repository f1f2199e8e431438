"""Administration (/admin): accounts, wall-display enrolment links, API tokens, idle time per role, the audit trail."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from components import ids
from components.cards import panel
from components.props import dash_props
from pages._layout import guarded
from server.text import t
from vigie.identity.accounts import ROLES
from vigie.identity.idle import MAX_MINUTES, MIN_MINUTES, SETTABLE_ROLES
from vigie.identity.tokens import SCOPES

dash.register_page(__name__, path="/admin", name="admin", title="Vigie — Administration", nav=9,
                   title_key="admin.nav", role="admin")


def _field(label: str, control: Component, field_id: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=field_id, className="form-label"), control], className="mb-2")


def _accounts_panel() -> html.Section:
    create = dbc.Row([
        dbc.Col(_field(t("admin.username"), dbc.Input(id=ids.ADM_NEW_NAME, maxLength=64), ids.ADM_NEW_NAME), md=5),
        dbc.Col(_field(t("admin.role"), dbc.Select(id=ids.ADM_NEW_ROLE, value="operator",
                                                   options=[{"label": t(f"roles.{r}"), "value": r} for r in ROLES]),
                       ids.ADM_NEW_ROLE), md=4),
        dbc.Col(dbc.Button(t("admin.create"), id=ids.ADM_CREATE, color="primary", className="w-100 mt-md-4"), md=3),
    ], className="g-2")
    manage = dbc.Row([
        dbc.Col(_field(t("admin.account"), dbc.Select(id=ids.ADM_TARGET), ids.ADM_TARGET), md=5),
        dbc.Col(html.Div([
            dbc.Button(t("admin.disable"), id=ids.ADM_DISABLE, color="danger", outline=True),
            dbc.Button(t("admin.enable"), id=ids.ADM_ENABLE, color="success", outline=True),
            dbc.Button(t("admin.reset"), id=ids.ADM_RESET, color="warning", outline=True),
            dbc.Button(t("admin.enrol"), id=ids.ADM_ENROL, color="info", outline=True),
        ], className="d-flex flex-wrap gap-2 mt-md-4"), md=7),
    ], className="g-2")
    return panel(t("admin.accounts"), html.Div(id=ids.ADM_USERS, className="mb-3"),
                 html.H3(t("admin.new_account"), className="h6"), create,
                 html.H3(t("admin.manage_account"), className="h6 mt-3"), manage)


def _tokens_panel() -> html.Section:
    form = dbc.Row([
        dbc.Col(_field(t("admin.token_name"), dbc.Input(id=ids.ADM_TOKEN_NAME, maxLength=64), ids.ADM_TOKEN_NAME), md=5),
        dbc.Col(_field(t("admin.token_scope"), dbc.Select(id=ids.ADM_TOKEN_SCOPE, value="ingest",
                                                          options=[{"label": s, "value": s} for s in SCOPES]),
                       ids.ADM_TOKEN_SCOPE), md=3),
        dbc.Col(html.Div([dbc.Button(t("admin.token_create"), id=ids.ADM_TOKEN_CREATE, color="primary"),
                          dbc.Button(t("admin.token_revoke"), id=ids.ADM_TOKEN_REVOKE, color="danger", outline=True)],
                         className="d-flex flex-wrap gap-2 mt-md-4"), md=4),
    ], className="g-2")
    return panel(t("admin.tokens"), html.Div(id=ids.ADM_TOKENS, className="mb-3"), form)


def _idle_panel() -> html.Section:
    minutes = t("admin.idle_minutes", min=MIN_MINUTES, max=MAX_MINUTES)
    form = dbc.Row([
        dbc.Col(_field(t("admin.role"), dbc.Select(id=ids.ADM_IDLE_ROLE, value="operator",
                                                   options=[{"label": t(f"roles.{r}"), "value": r}
                                                            for r in SETTABLE_ROLES]), ids.ADM_IDLE_ROLE), md=4),
        dbc.Col(_field(minutes, dbc.Input(id=ids.ADM_IDLE_MINUTES, type="number", min=MIN_MINUTES, max=MAX_MINUTES,
                                          step=1), ids.ADM_IDLE_MINUTES), md=3),
        dbc.Col(html.Div([dbc.Button(t("admin.idle_save"), id=ids.ADM_IDLE_SAVE, color="primary"),
                          dbc.Button(t("admin.idle_reset"), id=ids.ADM_IDLE_RESET, color="secondary", outline=True)],
                         className="d-flex flex-wrap gap-2 mt-md-4"), md=5),
    ], className="g-2")
    return panel(t("admin.idle"), html.Div(id=ids.ADM_IDLE_RESULT, role="status", **dash_props({"aria-live": "polite"})),
                 html.Div(id=ids.ADM_IDLE_TABLE, className="mb-3"), form, panel_id="admin-idle")


def _build() -> html.Div:
    return html.Div([
        html.H1(t("admin.title"), className="h3"),
        html.Div(id=ids.ADM_RESULT, role="status", **dash_props({"aria-live": "polite"})),
        dbc.Row([dbc.Col(_accounts_panel(), lg=7, className="mb-2"), dbc.Col(_tokens_panel(), lg=5, className="mb-2")],
                className="g-2"),
        _idle_panel(),
        panel(t("admin.audit"), html.Div(id=ids.ADM_AUDIT)),
    ])


def layout(**_query: str) -> object:
    """Accounts, enrolment links for wall displays, API tokens and the latest audit lines (admin only)."""
    return guarded("admin", _build)
