"""Form controls that speak the user's language (Dash's own defaults are English)."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc

from vigie.i18n import translate

def dropdown_labels(lang: str) -> dcc.Dropdown.Labels:
    """The built-in texts of a dcc.Dropdown in `lang`."""
    return {"select_all": translate("forms.select_all", lang), "deselect_all": translate("forms.deselect_all", lang),
            "selected_count": translate("forms.selected_count", lang), "search": translate("forms.search", lang),
            "clear_search": translate("forms.clear_search", lang),
            "clear_selection": translate("forms.clear_selection", lang),
            "no_options_found": translate("forms.no_options_found", lang)}


def dropdown(component_id: str, lang: str, **props: Any) -> dcc.Dropdown:
    """A dcc.Dropdown whose built-in texts ("Select All", "3 selected", ...) are translated."""
    return dcc.Dropdown(id=component_id, labels=dropdown_labels(lang), **props)


def date_input(component_id: str, **props: Any) -> dbc.Input:
    """A native date field: the browser shows it in the user's locale (jj/mm/aaaa, French month names)."""
    return dbc.Input(id=component_id, type="date", **props)
