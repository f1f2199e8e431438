"""When this session ends, asked by every page, and "Rester connecté".

`GET /session` answers how many seconds the session has left, as the server counts them (the
idle time of the user's role, the absolute end): the page's heartbeat asks it every few seconds
and the guard does not count it as a user action, so a watched screen still ends when nobody
touches it. `POST /session/extend` (the warning's button, with the session's CSRF token) is a
user action: it records one and answers the new time left. An ended session gets the guard's 401.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, jsonify
from flask_login import current_user
from werkzeug.wrappers import Response

from server.auth import csrf_ok
from server.context import vigie
from vigie.identity import accounts

bp = Blueprint("expiry", __name__)


def time_left(live: accounts.LiveSession, warning_s: int, now: float) -> dict[str, Any]:
    """What the page needs: seconds left, how long before the end it warns, whether an action pushes the end back."""
    return {"remaining": max(0, int(live.ends_at - now)), "warning": warning_s, "extendable": live.extendable}


@bp.route("/session")
def status() -> Response:
    return jsonify(time_left(current_user.live, vigie().settings.session_warning_seconds, time.time()))


@bp.route("/session/extend", methods=["POST"])
def extend() -> Response:
    if not csrf_ok():
        abort(400)
    now = time.time()
    accounts.touch_session(vigie().store, current_user.token, now=now)
    touched = replace(current_user.live, last_action_at=int(now))
    return jsonify(time_left(touched, vigie().settings.session_warning_seconds, now))
