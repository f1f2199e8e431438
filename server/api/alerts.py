"""Alerts over the API: the list (read scope) and acknowledgement or closing by a session (CSRF-checked).

Live alerts are visible to every reader; an exercise's alerts only to its current participants,
who see them beside the live ones (`exercise_id` marks them). A session gets its CSRF token in
the `X-CSRF-Token` header of GET /api/v1/alerts and sends it back on POST.
"""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from server.api import bp
from server.api._common import error, language
from server.auth import CSRF_HEADER, api_route, client_address, csrf_ok, csrf_token
from server.context import view, vigie
from vigie import alerts as core
from vigie.i18n import Message
from vigie.identity import audit


def _exercise_id() -> int | None:
    """The exercise the session's user is in (None for tokens and users outside any exercise)."""
    if g.get("api_token") is not None:
        return None
    exercise = view().exercise
    return None if exercise is None else exercise.id


def _csrf_refusal() -> tuple[Response, int] | None:
    """A 400 unless the request carries the session's CSRF token (the one every form of Vigie uses)."""
    if csrf_ok():
        return None
    audit.record(vigie().store, "alert.csrf", username=current_user.username, address=client_address(),
                 outcome="forbidden", path=request.path)
    return error(400, Message("api.alert_csrf", {"header": CSRF_HEADER}))


@bp.route("/alerts")
@api_route(role="display", scope="read")
def list_alerts() -> Any:
    state = request.args.get("state", "open")
    if state not in core.FILTERS:
        return error(400, Message("api.alert_state", {"allowed": ", ".join(core.FILTERS), "raw": repr(state[:20])}))
    if request.args.getlist("lang") not in ([], ["fr"], ["en"]):
        return error(400, Message("api.alert_lang"))
    lang, exercise_id = language(), _exercise_id()
    found = core.list_alerts(vigie().store, state=state)
    if exercise_id is not None:
        found = sorted(found + core.list_alerts(vigie().store, state=state, exercise_id=exercise_id),
                       key=lambda a: (a.opened_at, a.id), reverse=True)
    response = jsonify(alerts=[a.as_api(lang) for a in found])
    if g.get("api_token") is None:
        response.headers[CSRF_HEADER] = csrf_token()
    return response


def _change(alert_id: int, text_field: str, action: Any) -> Any:
    """Run an acknowledge or close action for the session's user, on an alert they can see."""
    refusal = _csrf_refusal()
    if refusal is not None:
        return refusal
    body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    text = body.get(text_field, "") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return error(400, Message("api.alert_body", {"example": f'{{"{text_field}": "..."}}'}))
    exercise_id = _exercise_id()
    try:
        scope = None if _visible(alert_id) is None else exercise_id
        alert = action(vigie().store, alert_id, current_user.username, text, exercise_id=scope)
    except core.AlertNotFound as exc:
        return error(404, exc)
    except core.AlertError as exc:
        return error(409, exc)
    return jsonify(alert=alert.as_api(language()))


def _visible(alert_id: int) -> int | None:
    """The exercise id of an alert when it belongs to the user's exercise, else None (live or not visible)."""
    exercise_id = _exercise_id()
    if exercise_id is None:
        return None
    try:
        return core.get_alert(vigie().store, alert_id, exercise_id).exercise_id
    except core.AlertNotFound:
        return None


def _alert_id(text: str) -> int | None:
    """The id in the path when it is a positive whole number (any other path names no alert: 404)."""
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 12 else None


@bp.route("/alerts/<alert_id>/acknowledge", methods=["POST"])
@api_route(role="operator", scope=None)
def acknowledge_alert(alert_id: str) -> Any:
    number = _alert_id(alert_id)
    if number is None:
        return error(404, Message("api.no_alert", {"alert": repr(alert_id[:20])}))
    return _change(number, "comment", core.acknowledge)


@bp.route("/alerts/<alert_id>/close", methods=["POST"])
@api_route(role="commander", scope=None)
def close_alert(alert_id: str) -> Any:
    number = _alert_id(alert_id)
    if number is None:
        return error(404, Message("api.no_alert", {"alert": repr(alert_id[:20])}))
    return _change(number, "reason", core.close)
