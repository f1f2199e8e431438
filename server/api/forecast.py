"""Read API: forecasts of the next slots per sector (`GET /api/v1/forecast`)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from server.api import bp
from server.api._common import BadParameter, error, instant_param, iso
from server.auth import api_route
from server.context import vigie
from vigie.forecast import HORIZON, Forecast, ForecastError, cached_forecast, forecast_at
from vigie.analysis.situation import latest_slot

MAX_SECTORS = 200


def _horizon() -> int:
    """The horizon parameter (1..12 slots, default 12), or BadParameter."""
    raw = request.args.get("horizon", "")
    if raw == "":
        return HORIZON
    if not raw.isdigit() or not 1 <= int(raw) <= HORIZON:
        raise BadParameter(key="api.forecast_horizon", max=HORIZON, raw=repr(raw[:20]))
    return int(raw)


def _sectors() -> list[str] | None:
    """The sectors parameter as a list of codes (None: every sector), or BadParameter."""
    raw = request.args.get("sectors")
    if raw is None:
        return None
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    if not codes or len(codes) > MAX_SECTORS:
        raise BadParameter(key="api.forecast_sectors", max=MAX_SECTORS)
    return codes


def forecast_payload(result: Forecast, horizon: int, codes: list[str] | None) -> dict[str, Any]:
    """The JSON body: at, based_on, horizon and the N points of each sector (null below k)."""
    wanted = None if codes is None else set(codes)
    sectors = [{"code": row.code, "points": [
        {"slot_start": iso(row.slots[i]), "expected": row.expected[i], "low": row.low[i], "high": row.high[i]}
        for i in range(min(horizon, len(row.slots)))]}
        for row in result.sectors if wanted is None or row.code in wanted]
    return {"at": iso(result.at), "based_on": iso(result.based_on), "horizon": horizon, "sectors": sectors}


@bp.route("/forecast")
@api_route(role="display", scope="read")
def forecast() -> Any:
    try:
        at, horizon, codes = instant_param("at", latest_slot(vigie().store)), _horizon(), _sectors()
    except BadParameter as exc:
        return error(400, exc)
    if at is None:
        return jsonify(at=None, based_on=None, horizon=horizon, sectors=[], message="no observation yet")
    k, minutes = vigie().settings.privacy_k, vigie().settings.slot_minutes
    try:
        if codes is None:
            result = cached_forecast(vigie().store, at, k=k, slot_minutes=minutes)
        else:
            result = forecast_at(vigie().store, at, k=k, slot_minutes=minutes, sectors=codes)
    except ForecastError as exc:
        return error(422, exc)   # well-formed, but names sectors or instants the data does not have
    return jsonify(forecast_payload(result, horizon, codes))
