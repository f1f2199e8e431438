"""What this request's screens are built with besides their data: role checks, the exercise clock, periods."""
from __future__ import annotations

import time
from typing import Any

from flask import has_request_context, request

from server.context import lang, user, view, vigie
from vigie.i18n import format_time, translate


def role_ok(minimum: str) -> bool:
    """True when the signed-in user has at least the role `minimum`."""
    found = user()
    return found is not None and bool(found.has_role(minimum))


def page_refused(minimum: str) -> bool:
    """True when a signed-in user below `minimum` asks the page router for a page.

    Dash builds its validation layout once per worker, during whatever request comes first
    (after a restart, often an operator's page): it must hold every page, or the callbacks of
    the pages left out fail in every browser. Only the page-routing callback refuses.
    """
    routing = has_request_context() and request.path.endswith("/_dash-update-component")
    return routing and user() is not None and not role_ok(minimum)


def sound_default(role: str) -> bool:
    """Alert sound of a device that never chose: off on display accounts unless an admin enabled it."""
    return role != "display" or vigie().settings.alert_sound_on_display


def exercise_state() -> dict[str, Any] | None:
    """What the browser needs to run the exercise clock of this user (None when live)."""
    exercise = view().exercise if user() is not None else None
    if exercise is None:
        return None
    end = exercise.scenario_end
    over = "" if end is None else translate("shell.scenario_over", lang(), end=format_time(end, lang()))
    return {"id": exercise.id, "name": exercise.name, "state": exercise.state, "label": exercise.state_label(lang()),
            "speed": exercise.speed, "anchor_view": exercise.anchor_view_time,
            "anchor_wall": exercise.anchor_wall_time, "server_now": time.time(),
            "scenario_end": end, "scenario_over": over}


EXERCISE_REFRESH_MS = 5_000


def refresh_ms() -> int:
    """The refresh period of views: the setting (60 s by default), 5 s inside an exercise."""
    if not has_request_context():
        return 60_000
    period = vigie().settings.refresh_seconds * 1000
    if exercise_state() is not None:
        return min(period, EXERCISE_REFRESH_MS)
    return period


def wall_rotation_ms() -> int:
    """How long the wall shows each of its views (the setting; 20 s while layouts are validated)."""
    if not has_request_context():
        return 20_000
    return vigie().settings.wall_rotation_seconds * 1000
