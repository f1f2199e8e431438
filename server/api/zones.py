"""Zones, zone queries and the events calendar over the API (same privacy rules as the screens)."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask_login import current_user

from server.api import bp
from server.api._common import BadParameter, error, instant_param, iso
from server.auth import api_route, client_address
from server.context import vigie
from vigie.analysis import zones
from vigie.calendar.events import load_events
from vigie.feed.providers import zone_provider
from vigie.i18n import Message


def _viewer() -> tuple[str | None, bool]:
    """(username, admin) for zone visibility: a token is nobody in particular and sees shared zones only."""
    if g.get("api_token") is not None:
        return None, False
    return str(current_user.username), bool(current_user.has_role("admin"))


def _who() -> str:
    token = g.get("api_token")
    return f"token:{token.name}" if token is not None else str(current_user.username)


@bp.route("/zones")
@api_route(role="operator", scope="read")
def list_zones() -> Any:
    username, admin = _viewer()
    return jsonify(zones=[{"name": z.name, "sectors": list(z.sectors), "created_by": z.created_by, "shared": z.shared}
                          for z in zones.list_zones(vigie().store, username, admin=admin)])


@bp.route("/zones", methods=["POST"])
@api_route(role="operator", scope=None)
def save_zone() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("sectors"), list):
        return error(400, Message("api.zone_body", {"example": '{"name": "...", "sectors": ["13004", ...]}'}))
    try:
        zone = zones.save_zone(vigie().store, body["name"], [str(c) for c in body["sectors"]], _who(), replace=True)
    except zones.ZoneError as exc:
        return error(422, exc)
    return jsonify(name=zone.name, sectors=list(zone.sectors)), 201


@bp.route("/zones/query")
@api_route(role="operator", scope="read")
def query_zone() -> Any:
    codes = [c for c in request.args.get("sectors", "").split(",") if c]
    name = request.args.get("zone")
    store, settings = vigie().store, vigie().settings
    try:
        start, end = instant_param("from"), instant_param("to")
        if start is None or end is None:
            raise BadParameter(key="api.period_required")
        if name:
            username, admin = _viewer()
            codes = list(zones.get_zone(store, name, username, admin=admin).sectors)
        result = zones.query_zone(store, codes, start, end, settings, zone_provider(settings))
    except BadParameter as exc:
        return error(400, exc)
    except zones.ZoneNotFound as exc:
        return error(404, exc)
    except zones.ZoneError as exc:
        return error(422, exc)
    zones.audit_zone_query(store, result, _who(), address=client_address(), zone_name=name)
    return jsonify(result.as_dict())


@bp.route("/events")
@api_route(role="display", scope="read")
def events() -> Any:
    try:
        start, end = instant_param("from"), instant_param("to")
    except BadParameter as exc:
        return error(400, exc)
    return jsonify(events=[{"id": e.event_id, "name": e.name, "sectors": list(e.sectors), "start": iso(e.start),
                            "end": iso(e.end), "expected_attendance": e.expected_attendance, "category": e.category}
                           for e in load_events(vigie().store, start, end)])
