"""The root layout (built per request, for the logged-in user) and page-level role checks."""
from __future__ import annotations

from typing import Any, Callable

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

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
    from flask import has_request_context

    if not has_request_context():  # layout validation at start-up
        return shell([], "", "display", lambda _r: False, dash.page_container, 60000)
    from server.auth import csrf_token

    user = _user()
    pages = list(dash.page_registry.values())
    username = user.username if user.is_authenticated else ""
    role = user.role if user.is_authenticated else "display"
    csrf = csrf_token() if user.is_authenticated else ""
    return shell(pages, username, role, role_ok, dash.page_container, refresh_ms(), exercise_state(), csrf,
                 sound_default(role))


def sound_default(role: str) -> bool:
    """Alert sound of a device that never chose: off on display accounts unless an admin enabled it."""
    from server.context import vigie

    return role != "display" or bool(vigie().settings.get("alert_sound_on_display", False))


def exercise_state() -> dict[str, Any] | None:
    """What the browser needs to run the exercise clock of this user (None when live)."""
    import time

    from server.context import view

    if not _user().is_authenticated:
        return None
    exercise = view().exercise
    if exercise is None:
        return None
    return {"id": exercise.id, "name": exercise.name, "state": exercise.state, "label": exercise.state_label,
            "speed": exercise.speed, "anchor_view": exercise.anchor_view_time,
            "anchor_wall": exercise.anchor_wall_time, "server_now": time.time()}


EXERCISE_REFRESH_MS = 5_000


def refresh_ms() -> int:
    """The refresh period of views: the setting (60 s by default), 5 s inside an exercise."""
    from flask import has_request_context

    from server.context import vigie

    if not has_request_context():
        return 60_000
    period = int(vigie().settings.refresh_seconds) * 1000
    if _user().is_authenticated and exercise_state() is not None:
        return min(period, EXERCISE_REFRESH_MS)
    return period


def refresh_interval(interval_id: str) -> dcc.Interval:
    """A page's own refresh timer (callbacks then only ever involve that page's components)."""
    return dcc.Interval(id=interval_id, interval=refresh_ms(), n_intervals=0)


def forbidden() -> html.Div:
    return html.Div(dbc.Alert(t("shell.forbidden"), color="warning"), className="p-4")


def guarded(minimum: str, build: Callable[[], Any]) -> Any:
    """Build a page only for roles that may see it (the callbacks check again on the server)."""
    from flask import has_request_context, request

    # Dash builds its validation layout once per worker, during whatever request comes first
    # (after a restart, often an operator's page): it must hold every page, or the callbacks of
    # the pages left out fail in every browser. Only the page-routing callback refuses.
    routing = has_request_context() and request.path.endswith("/_dash-update-component")
    if routing and _user().is_authenticated and not role_ok(minimum):
        return forbidden()
    return build()
