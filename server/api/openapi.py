"""The OpenAPI description of /api/v1, served at /api/v1/openapi.json (a test keeps it complete)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from server.api import bp
from server.auth import api_route

AT = {"name": "at", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
      "description": "Instant (ISO 8601, Z or offset); the latest slot when omitted."}
FROM_TO = [{"name": n, "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"}}
           for n in ("from", "to")]
COUNT = {"type": ["integer", "null"], "description": "null when withheld (below k) or unknown"}
ERROR = {"description": "Error", "content": {"application/json": {"schema": {
    "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}}


def _get(summary: str, schema: dict[str, Any], params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params or [], "security": [{"bearer": []}, {"session": []}],
                    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                                  "400": ERROR, "401": ERROR, "403": ERROR}}}


COMPARED = ("what the usual value rests on, in French, e.g. \"habituel des dimanches et fériés (été), "
            "ajusté à la saison ×1,35, 5 jours, semaines 1–5\"")
SECTOR_SITUATION = {"type": "object", "required": ["code", "present", "residents", "usual", "excess", "z", "suppressed"],
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "present": COUNT,
                                   "residents": {"type": "integer"}, "usual": COUNT, "excess": COUNT,
                                   "z": {"type": ["number", "null"]}, "suppressed": {"type": "boolean"},
                                   "compared_with": {"type": ["string", "null"], "description": COMPARED}}}
RANKED = {"type": "object", "required": ["code", "name", "present", "usual", "residents", "excess", "ratio", "z", "event"],
          "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "present": {"type": "integer"},
                         "usual": {"type": "integer"}, "residents": {"type": "integer"}, "excess": {"type": "integer"},
                         "ratio": {"type": "number"}, "z": {"type": "number"}, "event": {"type": "string"},
                         "compared_with": {"type": ["string", "null"], "description": COMPARED}}}

HORIZON = {"name": "horizon", "in": "query", "required": False,
           "schema": {"type": "string", "enum": ["now", "1h", "2h", "3h", "peak"], "default": "now"},
           "description": "Rank on the forecast: sectors significant now or at a forecast point up to +1/+2/+3 h or "
                          "the next 6 h (peak); each sector then carries `moment` (its expected peak, the figures "
                          "given) and `crosses_at` (first moment above the threshold)."}
FORECAST_POINT = {"type": "object", "required": ["slot_start", "expected", "low", "high"],
                  "properties": {"slot_start": {"type": "string", "format": "date-time"}, "expected": COUNT,
                                 "low": COUNT, "high": COUNT}}
FORECAST = {"type": "object", "required": ["at", "based_on", "horizon", "sectors"],
            "description": "based_on is the newest observed slot used (observations after `at` are never read); "
                           "points are the `horizon` slots after it; low and high bound the 80 % interval.",
            "properties": {"at": {"type": ["string", "null"]}, "based_on": {"type": ["string", "null"]},
                           "horizon": {"type": "integer"},
                           "sectors": {"type": "array", "items": {
                               "type": "object", "required": ["code", "points"],
                               "properties": {"code": {"type": "string"},
                                              "points": {"type": "array", "items": FORECAST_POINT}}}}}}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Vigie API", "version": "1",
             "description": "Population present per sector (SDIS 13). Counts below k (20) are never returned."},
    "components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "per-source token (`vigie tokens create`)"},
        "session": {"type": "apiKey", "in": "cookie", "name": "vigie_session"}}},
    "paths": {
        "/api/v1/situation": _get("Situation of every sector at an instant",
                                  {"type": "object", "required": ["at", "sectors"],
                                   "properties": {"at": {"type": ["string", "null"]},
                                                  "sectors": {"type": "array", "items": SECTOR_SITUATION}}}, [AT]),
        "/api/v1/sectors": _get("Sector catalogue", {"type": "object", "required": ["sectors"]}),
        "/api/v1/sectors/{code}/series": _get(
            "Time series of a sector", {"type": "object", "required": ["code", "points"]},
            [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}, *FROM_TO]),
        "/api/v1/crisis": _get("Crisis ranking, first to last; `below`: sectors far below their usual value",
                               {"type": "object", "required": ["at", "sectors"],
                                "properties": {"sectors": {"type": "array", "items": RANKED},
                                               "below": {"type": "array", "items": RANKED}}}, [AT, HORIZON]),
        "/api/v1/forecast": _get(
            "Expected presence of each sector at the next slots, with its 80 % interval",
            FORECAST, [AT, {"name": "horizon", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 12, "default": 12},
                            "description": "Number of 30-minute slots after based_on (1 to 12)."},
                       {"name": "sectors", "in": "query", "required": False, "schema": {"type": "string"},
                        "description": "Comma-separated INSEE codes; every sector when omitted."}]),
        "/api/v1/allocation": _get("Suggested allocation of resources (moves carry the `moment` they are meant for)",
                                   {"type": "object", "required": ["at"]}, [AT, HORIZON]),
        "/api/v1/zones": {**_get("Saved zones", {"type": "object", "required": ["zones"]}),
                          "post": {"summary": "Save a zone (session of an operator or above)",
                                   "requestBody": {"content": {"application/json": {"schema": {
                                       "type": "object", "required": ["name", "sectors"]}}}},
                                   "responses": {"201": {"description": "Saved"}, "400": ERROR, "422": ERROR}}},
        "/api/v1/zones/query": _get(
            "Unique visitors, entries, presence of a zone over a period", {"type": "object"},
            [{"name": "sectors", "in": "query", "schema": {"type": "string"}, "description": "comma-separated codes"},
             {"name": "zone", "in": "query", "schema": {"type": "string"}}, *FROM_TO]),
        "/api/v1/events": _get("Events calendar", {"type": "object", "required": ["events"]}, FROM_TO),
        "/api/v1/observations": {"post": {
            "summary": "Push a batch in the feed format (token of scope ingest)",
            "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}},
                                        "application/json": {"schema": {"type": "array"}}}},
            "responses": {"200": {"description": "Accepted (or already received)"}, "401": ERROR, "403": ERROR,
                          "413": ERROR, "415": ERROR,
                          "422": {"description": "Rejected whole, with the reason of every line"}}}},
        "/api/v1/openapi.json": _get("This document", {"type": "object"}),
    },
}


@bp.route("/openapi.json")
@api_route(role="display", scope="read")
def openapi() -> Any:
    return jsonify(SPEC)
