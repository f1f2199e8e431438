"""Form controls that speak the user's language (Dash's own defaults are English)."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc

from vigie.i18n import translate

LABELS = ("select_all", "deselect_all", "selected_count", "search", "clear_search", "clear_selection",
          "no_options_found")


def dropdown(component_id: str, lang: str, **props: Any) -> dcc.Dropdown:
    """A dcc.Dropdown whose built-in texts ("Select All", "3 selected", ...) are translated."""
    return dcc.Dropdown(id=component_id, labels={key: translate(f"forms.{key}", lang) for key in LABELS}, **props)


def date_input(component_id: str, **props: Any) -> dbc.Input:
    """A native date field: the browser shows it in the user's locale (jj/mm/aaaa, French month names)."""
    return dbc.Input(id=component_id, type="date", **props)
