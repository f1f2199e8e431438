"""Callbacks, one module per page, each exposing register(app).

Every callback is registered through `secure_callback`, which records the minimum role of
its output; the server refuses (403) a callback request from a weaker role and any
callback it does not know (tests/app/test_permissions.py checks the map is complete).
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable

from dash import Dash

from server.context import vigie


def secure_callback(app: Dash, role: str, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """app.callback(*args, **kwargs), declaring the minimum role allowed to run it."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        before = set(app.callback_map)
        app.callback(*args, **kwargs)(func)
        _declare(app, before, role)
        return func

    return decorate


def clientside(app: Dash, role: str, javascript: str, *args: Any) -> None:
    """app.clientside_callback, declared like the others (it runs in the browser only)."""
    before = set(app.callback_map)
    app.clientside_callback(javascript, *args)
    _declare(app, before, role)


def _declare(app: Dash, before: set[str], role: str) -> None:
    """Record `role` for the callback outputs registered since `before`."""
    roles = vigie(app.server).callback_roles
    for output in set(app.callback_map) - before:
        roles[output] = role


def map_styler(app: Dash, geojson_id: str) -> None:
    """Hand every new hideout of a sector map to assets/vigie-map.js (it restyles in place)."""
    from dash import Input, Output

    from components.sector_map import applied_id

    clientside(app, "display",
               "function(hideout) { return String(window.vigie.map.apply(%r, hideout || {})); }" % geojson_id,
               Output(applied_id(geojson_id), "title"), Input(geojson_id, "hideout"))


def register_all(app: Dash) -> None:
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}").register(app)
