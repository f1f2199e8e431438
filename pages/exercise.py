"""Training (/exercice): join an exercise; trainers create, play, pause, jump, inject and end them."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from components import ids
from components.cards import panel
from components.props import dash_props
from pages._layout import guarded, refresh_interval
from server.screens import role_ok
from server.text import t

dash.register_page(__name__, path="/exercice", name="exercise", title="Vigie — Exercice", nav=5,
                   title_key="exercise.nav", role="display")


def _labelled(label: str, control: Component, control_id: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=control_id, className="form-label"), control], className="mb-2")


def _exercise_choice(label_key: str, select_id: str) -> html.Div:
    """A labelled list of exercises, empty until one is chosen (or preselected after its creation)."""
    return _labelled(t(label_key), dbc.Select(id=select_id, placeholder=t("exercise.pick_placeholder")), select_id)


def _join_panel() -> html.Section:
    return panel(t("exercise.join_title"), html.Div(id=ids.EXE_LIST, className="mb-2"),
                 dbc.Row([
                     dbc.Col(_exercise_choice("exercise.choose", ids.EXE_JOIN_SELECT), md=6),
                     dbc.Col(html.Div([dbc.Button(t("exercise.join"), id=ids.EXE_JOIN, color="warning"),
                                       dbc.Button(t("exercise.leave"), id=ids.EXE_LEAVE, color="secondary", outline=True)],
                                      className="d-flex gap-2 mt-md-4"), md=6),
                 ], className="g-2"))


def _create_panel() -> html.Section:
    return panel(t("exercise.create_title"), dbc.Row([
        dbc.Col(_labelled(t("exercise.name"), dbc.Input(id=ids.EXE_NAME, maxLength=80), ids.EXE_NAME), md=6),
        dbc.Col(_labelled(t("exercise.scenario"), dbc.Select(id=ids.EXE_SCENARIO, value=""), ids.EXE_SCENARIO), md=6),
        dbc.Col(html.Div([html.P(t("exercise.scenario_help"), className="small text-body-secondary mb-1"),
                          html.Div(id=ids.EXE_SCENARIO_INFO, **dash_props({"aria-live": "polite"}))]), xs=12),
        dbc.Col(_labelled(t("exercise.start"), dbc.Input(id=ids.EXE_START, type="datetime-local"), ids.EXE_START), md=6),
        dbc.Col(_labelled(t("exercise.speed"), dbc.Input(id=ids.EXE_SPEED, type="number", min=1, max=3600, value=60),
                          ids.EXE_SPEED), md=3),
        dbc.Col(dbc.Button(t("exercise.create"), id=ids.EXE_CREATE, color="primary", className="w-100 mt-md-4"), md=3),
    ], className="g-2"))


def _control_panel() -> html.Section:
    return panel(t("exercise.control"),
                 _exercise_choice("exercise.target", ids.EXE_TARGET),
                 html.Div([dbc.Button(t("exercise.play"), id=ids.EXE_PLAY, color="success"),
                           dbc.Button(t("exercise.pause"), id=ids.EXE_PAUSE, color="warning"),
                           dcc.ConfirmDialogProvider(
                               dbc.Button(t("exercise.end"), id=ids.EXE_END, color="danger", outline=True),
                               id=ids.EXE_END_CONFIRM, message=t("exercise.confirm_end_plain"))],
                          className="d-flex flex-wrap gap-2 mb-2"),
                 dbc.Row([
                     dbc.Col(_labelled(t("exercise.new_speed"), dbc.Input(id=ids.EXE_NEW_SPEED, type="number", min=1,
                                                                          max=3600, value=60), ids.EXE_NEW_SPEED), xs=6),
                     dbc.Col(dbc.Button(t("exercise.set_speed"), id=ids.EXE_SET_SPEED, className="mt-4 w-100"), xs=6),
                     dbc.Col(_labelled(t("exercise.jump_to"), dbc.Input(id=ids.EXE_JUMP_TO, type="datetime-local"),
                                       ids.EXE_JUMP_TO), xs=6),
                     dbc.Col(dbc.Button(t("exercise.jump"), id=ids.EXE_JUMP, className="mt-4 w-100"), xs=6),
                 ], className="g-2"),
                 html.H3(t("exercise.inject_title"), className="h6 mt-2"),
                 dbc.Row([
                     dbc.Col(_labelled(t("exercise.inject_sector"), dbc.Select(id=ids.EXE_INJ_SECTOR), ids.EXE_INJ_SECTOR), md=6),
                     dbc.Col(_labelled(t("exercise.inject_delta"), dbc.Input(id=ids.EXE_INJ_DELTA, type="number",
                                                                             step=100), ids.EXE_INJ_DELTA), md=6),
                     dbc.Col(_labelled(t("exercise.inject_from"), dbc.Input(id=ids.EXE_INJ_FROM, type="datetime-local"),
                                       ids.EXE_INJ_FROM), md=6),
                     dbc.Col(_labelled(t("exercise.inject_to"), dbc.Input(id=ids.EXE_INJ_TO, type="datetime-local"),
                                       ids.EXE_INJ_TO), md=6),
                     dbc.Col(_labelled(t("exercise.inject_note"), dbc.Input(id=ids.EXE_INJ_NOTE, maxLength=300),
                                       ids.EXE_INJ_NOTE), md=8),
                     dbc.Col(dbc.Button(t("exercise.inject"), id=ids.EXE_INJECT, color="danger", className="mt-md-4 w-100"), md=4),
                 ], className="g-2"))


def _build(code: str) -> html.Div:
    trainer = role_ok("trainer")
    hidden = {} if trainer else {"display": "none"}
    return html.Div([
        refresh_interval(ids.EXE_REFRESH),
        dcc.Store(id=ids.EXE_CODE, data=code[:40]),
        dcc.Location(id=ids.EXE_REDIRECT, refresh=True),
        html.H1(t("exercise.title"), className="h3"),
        html.Div(id=ids.EXE_STATUS, role="status"),
        html.Div(id=ids.EXE_RESULT, role="status", **dash_props({"aria-live": "polite"})),
        dbc.Row([
            dbc.Col([_join_panel(), html.Div(_create_panel(), style=hidden, className="mt-2")], lg=6, className="mb-2"),
            dbc.Col(html.Div(_control_panel(), style=hidden), lg=6, className="mb-2"),
        ], className="g-2"),
        panel(t("exercise.timeline"),
              _exercise_choice("exercise.timeline_choose", ids.EXE_TIMELINE_SELECT),
              dcc.Loading(html.Div(id=ids.EXE_TIMELINE), type="dot")),
    ])


def layout(code: str = "", **_query: str) -> object:
    """Exercises: the list to join (or a join link ?code=…), and the trainer's controls."""
    return guarded("display", lambda: _build(code))
