"""Read API: the crisis ranking (and the sectors far below usual) and the suggested allocation at an instant."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from server.api import bp
from server.api._common import BadParameter, error, instant_param, iso, settings, store
from server.auth import api_route
from vigie.allocation import AllocationError, AllocationProblem
from vigie.crisis import RankedSector, crisis_lists, rank_sectors
from vigie.situation import latest_slot
from vigie.stations import load_stations

RANKED_FIELDS = ("rank", "code", "name", "authority", "groupement", "present", "usual", "residents", "excess",
                 "pct", "ratio_usual", "ratio_residents", "z", "trend", "event_ids", "holding", "compared_with")


def _record(r: RankedSector) -> dict[str, Any]:
    """One listed sector, JSON-ready."""
    return {**{f: getattr(r, f) for f in RANKED_FIELDS}, "ratio": r.ratio_usual, "event": r.explanation}


def _at() -> int | None:
    return instant_param("at", latest_slot(store()))


@bp.route("/crisis")
@api_route(role="display", scope="read")
def crisis() -> Any:
    try:
        at = _at()
    except BadParameter as exc:
        return error(400, str(exc))
    if at is None:
        return jsonify(at=None, sectors=[], below=[])
    found = crisis_lists(store(), at, settings())
    return jsonify(at=iso(at), sectors=[_record(r) for r in found.above], below=[_record(r) for r in found.below])


@bp.route("/allocation")
@api_route(role="operator", scope="read")
def allocation() -> Any:
    try:
        at = _at()
    except BadParameter as exc:
        return error(400, str(exc))
    if at is None:
        return jsonify(at=None, status="no_data", moves=[])
    ranked = rank_sectors(store(), at, settings())
    try:
        result = AllocationProblem.from_situation(ranked, load_stations(store(), settings().dept), settings()).solve()
    except AllocationError as exc:
        return error(409, str(exc))
    return jsonify(at=iso(at), **result.as_dict())
