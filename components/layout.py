"""The root layout (built per request, for the logged-in user) and page-level role checks."""
from __future__ import annotations

from typing import Any, Callable

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.shell import shell
from components.text import t


def _user() -> Any:
    from flask_login import current_user

    return current_user


def role_ok(minimum: str) -> bool:
    user = _user()
    return bool(user and user.is_authenticated and user.has_role(minimum))


def root_layout() -> html.Div:
    """The shell around dash.page_container; anonymous requests never get here (server guard)."""
    from flask import current_app, has_request_context

    if not has_request_context():  # layout validation at start-up
        return shell([], "", "display", lambda _r: False, dash.page_container, 60000)
    user = _user()
    pages = list(dash.page_registry.values())
    refresh_ms = int(current_app.config["VIGIE_SETTINGS"].refresh_seconds) * 1000
    username = user.username if user.is_authenticated else ""
    role = user.role if user.is_authenticated else "display"
    return shell(pages, username, role, role_ok, dash.page_container, refresh_ms)


def forbidden() -> html.Div:
    return html.Div(dbc.Alert(t("shell.forbidden"), color="warning"), className="p-4")


def guarded(minimum: str, build: Callable[[], Any]) -> Any:
    """Build a page only for roles that may see it (the callbacks check again on the server)."""
    from flask import has_request_context

    if has_request_context() and not role_ok(minimum):
        return forbidden()
    return build()
