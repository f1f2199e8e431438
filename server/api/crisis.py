"""Read API: the crisis ranking (and the sectors far below usual) and the suggested allocation at an instant."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request

from server.api import bp
from server.api._common import BadParameter, error, instant_param, iso
from server.auth import api_route
from server.context import vigie
from vigie.analysis.situation import latest_slot
from vigie.operations.allocation import AllocationError, AllocationProblem
from vigie.operations.crisis import RankedSector, crisis_lists, rank_sectors
from vigie.operations.horizon import AheadSector, UnknownHorizon, check_horizon_key, rank_ahead
from vigie.operations.overlays import sector_massif_levels
from vigie.operations.stations import load_stations
from vigie.slots import to_local

RANKED_FIELDS = ("rank", "code", "name", "authority", "groupement", "present", "usual", "residents", "excess",
                 "pct", "ratio_usual", "ratio_residents", "z", "trend", "event_ids", "holding", "compared_with")


def _record(r: RankedSector) -> dict[str, Any]:
    """One listed sector, JSON-ready."""
    return {**{f: getattr(r, f) for f in RANKED_FIELDS}, "ratio": r.ratio_usual, "event": r.explanation}


def _at() -> int | None:
    return instant_param("at", latest_slot(vigie().store))


def _horizon() -> str:
    """The horizon parameter (now, 1h, 2h, 3h, peak; default now), or BadParameter."""
    try:
        return check_horizon_key(request.args.get("horizon"))
    except UnknownHorizon as exc:
        raise BadParameter(exc.text, key=exc.key, **exc.params) from exc


def _ahead_payload(at: int, horizon: str) -> dict[str, Any]:
    """The ranking on a forecast horizon: each sector's expected peak, when it is meant for, when it crosses."""
    ranked = rank_ahead(vigie().store, at, vigie().settings, horizon)
    fields = ("rank", "code", "name", "authority", "groupement", "present", "usual", "residents", "excess", "pct",
              "z", "event_ids", "significant_now")
    sectors = [{**{f: getattr(r, f) for f in fields}, "ratio": round(r.ratio_usual, 4), "event": r.explanation,
                "moment": iso(r.moment), "crosses_at": iso(r.crosses_at)} for r in ranked]
    return {"at": iso(at), "horizon": horizon, "sectors": sectors}


@bp.route("/crisis")
@api_route(role="display", scope="read")
def crisis() -> Any:
    try:
        at, horizon = _at(), _horizon()
    except BadParameter as exc:
        return error(400, exc)
    if at is None:
        return jsonify(at=None, sectors=[], below=[])
    if horizon != "now":
        return jsonify(_ahead_payload(at, horizon))
    found = crisis_lists(vigie().store, at, vigie().settings)
    return jsonify(at=iso(at), horizon="now", sectors=[_record(r) for r in found.above],
                   below=[_record(r) for r in found.below])


@bp.route("/allocation")
@api_route(role="operator", scope="read")
def allocation() -> Any:
    try:
        at, horizon = _at(), _horizon()
    except BadParameter as exc:
        return error(400, exc)
    if at is None:
        return jsonify(at=None, status="no_data", moves=[])
    store, settings = vigie().store, vigie().settings
    ranked = rank_ahead(store, at, settings, horizon)
    levels = sector_massif_levels(store, to_local(at).date())  # CCF where the massif's level that day asks for them
    try:
        result = AllocationProblem.from_situation(ranked, load_stations(store, settings), settings,
                                                  sector_levels=levels).solve()
    except AllocationError as exc:
        return error(409, exc)
    return jsonify(at=iso(at), horizon=horizon, **with_moments(result.as_dict(), ranked))


def with_moments(plan: dict[str, Any], ranked: list[AheadSector]) -> dict[str, Any]:
    """Each move and shortfall says for which moment it is meant (the sector's expected peak)."""
    moments = {r.code: iso(r.moment) for r in ranked}
    for key in ("moves", "on_site", "shortfalls"):
        for item in plan.get(key, []):
            item["moment"] = moments.get(item.get("sector_code", ""))
    return plan
