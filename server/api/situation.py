"""Read API: sectors, the situation at an instant, a sector's time series."""
from __future__ import annotations

import time
from typing import Any

import numpy as np
from flask import jsonify
from werkzeug.wrappers import Response

from server.api import bp
from server.api._common import BadParameter, error, instant_param, iso
from server.auth import api_route
from server.context import vigie
from vigie.i18n import Message
from vigie.sectors import UnknownSector
from vigie.analysis.situation import latest_slot, sector_series, shared_situation_at

MAX_SERIES_DAYS = 400


def situation_payload(at: int) -> dict[str, Any]:
    situation = shared_situation_at(vigie().store, at, vigie().settings)
    sectors = []
    for record in situation.as_records():
        record["suppressed"] = bool(record["suppressed"])
        sectors.append(record)
    return {"at": iso(situation.at), "data_time": iso(situation.data_time), "freshness": situation.freshness,
            "totals": situation.totals, "sectors": sectors}


@bp.route("/situation")
@api_route(role="display", scope="read")
def situation() -> Any:
    try:
        at = instant_param("at", latest_slot(vigie().store))
    except BadParameter as exc:
        return error(400, exc)
    if at is None:
        return jsonify(at=None, sectors=[], totals={}, message="no observation yet")
    return jsonify(situation_payload(at))


@bp.route("/sectors")
@api_route(role="display", scope="read")
def sectors() -> Response:
    return jsonify(sectors=[{"code": s.code, "name": s.name, "residents": s.population, "area_km2": s.area_km2,
                             "authority": s.authority, "centroid": list(s.centroid)} for s in vigie().catalogue])


@bp.route("/sectors/<code>/series")
@api_route(role="display", scope="read")
def series(code: str) -> Any:
    step = vigie().settings.slot_minutes * 60
    now = int(time.time() // step * step)
    try:
        end = instant_param("to", now) or now
        start = instant_param("from", end - 7 * 86400) or end - 7 * 86400
    except BadParameter as exc:
        return error(400, exc)
    if start >= end:
        return error(422, Message("api.period_order"))
    if end - start > MAX_SERIES_DAYS * 86400:
        return error(422, Message("api.period_too_long", {"days": MAX_SERIES_DAYS}))
    try:
        frame = sector_series(vigie().store, code, start, end, vigie().settings)
    except UnknownSector:
        return error(404, Message("api.unknown_sector", {"code": repr(code[:12])}))
    columns = ["present", "usual", "p10", "p90", "residents_present", "tourists_fr", "tourists_intl",
               "excursionists", "entries"]
    points = []
    for row in frame.itertuples(index=False):
        point: dict[str, Any] = {"slot_start": iso(int(row.slot)), "suppressed": bool(row.suppressed)}
        for column in columns:
            value = getattr(row, column)
            point[column] = None if value is None or (isinstance(value, float) and np.isnan(value)) else int(value)
        points.append(point)
    return jsonify(code=code, residents=int(frame["residents"].iloc[0]) if len(frame) else None, points=points)
