"""The root layout (built per request, for the signed-in user) and the page-level checks pages call."""
from __future__ import annotations

import time
from typing import Any, Callable

import dash
from dash import dcc, html
from flask import has_request_context, request

from components.shell import forbidden, shell
from server.context import lang, user, view, vigie


def role_ok(minimum: str) -> bool:
    """True when the signed-in user has at least the role `minimum`."""
    found = user()
    return found is not None and bool(found.has_role(minimum))


def root_layout() -> html.Div:
    """The shell around dash.page_container; anonymous requests never get here (server guard)."""
    if not has_request_context():  # layout validation at start-up
        return shell([], "", "display", lambda _r: False, dash.page_container, 60000, lang())
    from server.auth import csrf_token

    found = user()
    pages = list(dash.page_registry.values())
    username = found.username if found is not None else ""
    role = found.role if found is not None else "display"
    csrf = csrf_token() if found is not None else ""
    return shell(pages, username, role, role_ok, dash.page_container, refresh_ms(), lang(), exercise_state(), csrf,
                 sound_default(role))


def sound_default(role: str) -> bool:
    """Alert sound of a device that never chose: off on display accounts unless an admin enabled it."""
    return role != "display" or bool(vigie().settings.get("alert_sound_on_display", False))


def exercise_state() -> dict[str, Any] | None:
    """What the browser needs to run the exercise clock of this user (None when live)."""
    exercise = view().exercise if user() is not None else None
    if exercise is None:
        return None
    return {"id": exercise.id, "name": exercise.name, "state": exercise.state, "label": exercise.state_label,
            "speed": exercise.speed, "anchor_view": exercise.anchor_view_time,
            "anchor_wall": exercise.anchor_wall_time, "server_now": time.time()}


EXERCISE_REFRESH_MS = 5_000


def refresh_ms() -> int:
    """The refresh period of views: the setting (60 s by default), 5 s inside an exercise."""
    if not has_request_context():
        return 60_000
    period = int(vigie().settings.refresh_seconds) * 1000
    if exercise_state() is not None:
        return min(period, EXERCISE_REFRESH_MS)
    return period


def refresh_interval(interval_id: str) -> dcc.Interval:
    """A page's own refresh timer (callbacks then only ever involve that page's components)."""
    return dcc.Interval(id=interval_id, interval=refresh_ms(), n_intervals=0)


def wall_rotation_ms() -> int:
    """How long the wall shows each of its views (the setting; 20 s while layouts are validated)."""
    if not has_request_context():
        return 20_000
    return int(vigie().settings.wall_rotation_seconds) * 1000


def guarded(minimum: str, build: Callable[[], Any]) -> Any:
    """Build a page only for roles that may see it (the callbacks check again on the server)."""
    # Dash builds its validation layout once per worker, during whatever request comes first
    # (after a restart, often an operator's page): it must hold every page, or the callbacks of
    # the pages left out fail in every browser. Only the page-routing callback refuses.
    routing = has_request_context() and request.path.endswith("/_dash-update-component")
    if routing and user() is not None and not role_ok(minimum):
        return forbidden(lang())
    return build()
