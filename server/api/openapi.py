"""The OpenAPI description of /api/v1, served at /api/v1/openapi.json (a test keeps it complete)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from server.api import bp
from server.auth import api_route

RANGE = "written with a year from 1970 to 2099 (400 otherwise)"
# RFC 3339 date-time whose year is 1970-2099 (the pattern lets generators build valid values directly).
INSTANT_PATTERN = (r"^(19[7-9][0-9]|20[0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3])"
                   r":[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
INSTANT = {"type": "string", "format": "date-time", "maxLength": 64, "pattern": INSTANT_PATTERN}
AT = {"name": "at", "in": "query", "required": False, "schema": INSTANT,
      "description": f"Instant (ISO 8601, Z or offset), {RANGE}; the latest slot when omitted."}


def from_to(required: bool = False) -> list[dict[str, Any]]:
    """The `from` and `to` instants of a period."""
    return [{"name": n, "in": "query", "required": required, "schema": INSTANT, "description": f"Instant, {RANGE}."}
            for n in ("from", "to")]


FROM_TO = from_to()
COUNT = {"type": ["integer", "null"], "description": "null when withheld (below k) or unknown"}
ERROR = {"description": "Error", "content": {"application/json": {"schema": {
    "type": "object", "required": ["error"], "properties": {
        "error": {"type": "string", "description": "In the requester's language (?lang=, Accept-Language)"},
        "code": {"type": "string", "description": "The message key, the same in every language"}}}}}}


def _get(summary: str, schema: dict[str, Any], params: list[dict[str, Any]] | None = None,
         errors: tuple[str, ...] = ()) -> dict[str, Any]:
    """A read route: 200 with `schema`; 400 bad parameter, 401 no credentials, 403 role or token scope."""
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
                 **{code: ERROR for code in ("400", "401", "403", *errors)}}
    return {"get": {"summary": summary, "parameters": params or [], "security": [{"bearer": []}, {"session": []}],
                    "responses": responses}}


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

ALERT = {"type": "object", "required": ["id", "rule", "kind", "sector", "severity", "opened_at", "state", "acknowledged_by",
                                      "acknowledged_at", "comment", "closed_at", "exercise_id", "summary"],
         "properties": {"id": {"type": "integer"}, "rule": {"type": "string"},
                        "kind": {"enum": ["crisis", "below_usual", "feed_stopped", "forecast"]},
                        "sector": {"type": ["string", "null"]}, "severity": {"enum": ["info", "warning", "critical"]},
                        "opened_at": {"type": "string", "format": "date-time"},
                        "state": {"enum": ["open", "acknowledged", "closed"]},
                        "acknowledged_by": {"type": ["string", "null"]},
                        "acknowledged_at": {"type": ["string", "null"], "format": "date-time"},
                        "comment": {"type": ["string", "null"]},
                        "closed_at": {"type": ["string", "null"], "format": "date-time"},
                        "exercise_id": {"type": ["integer", "null"], "description": "set: an EXERCICE alert"},
                        "summary": {"type": "string", "description": "French, or English with ?lang=en"}}}
ALERT_ID = {"name": "alert_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
CSRF = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"},
        "description": "the session's token, from the X-CSRF-Token header of GET /api/v1/alerts"}


def _alert_action(summary: str, field: str) -> dict[str, Any]:
    return {"post": {"summary": summary, "parameters": [ALERT_ID, CSRF], "security": [{"session": []}],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "properties": {field: {"type": "string", "maxLength": 500}}}}}},
                     "responses": {"200": {"description": "The alert after the change", "content": {
                         "application/json": {"schema": {"type": "object", "required": ["alert"],
                                                         "properties": {"alert": ALERT}}}}},
                                   "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR,
                                   "409": {**ERROR, "description": "Already acknowledged or closed"}}}}

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
            "Time series of a sector (404: unknown sector; 422: from not before to, or over 400 days)",
            {"type": "object", "required": ["code", "points"]},
            [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}, *FROM_TO], ("404", "422")),
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
                        "description": "Comma-separated INSEE codes; every sector when omitted."}], ("422",)),
        "/api/v1/allocation": _get("Suggested allocation of resources (409: no feasible allocation; moves carry "
                                   "the `moment` they are meant for; `kept`: what each sending station keeps; "
                                   "CCF are asked where the day's massif access level calls for them)",
                                   {"type": "object", "required": ["at"]}, [AT, HORIZON], ("409",)),
        "/api/v1/zones": {**_get("Saved zones visible to the caller (a token sees the shared ones)",
                                 {"type": "object", "required": ["zones"]}),
                          "post": {"summary": "Save a zone (session of an operator or above; tokens get 403)",
                                   "security": [{"session": []}],
                                   "requestBody": {"required": True, "content": {"application/json": {"schema": {
                                       "type": "object", "required": ["name", "sectors"],
                                       "properties": {"name": {"type": "string"},
                                                      "sectors": {"type": "array", "items": {"type": "string"}}}}}}},
                                   "responses": {"201": {"description": "Saved", "content": {"application/json": {
                                       "schema": {"type": "object", "required": ["name", "sectors"]}}}},
                                       "400": ERROR, "401": ERROR, "403": ERROR, "422": ERROR}}},
        "/api/v1/zones/query": _get(
            "Unique visitors, entries, presence of a zone over a period (404: no such zone visible to the caller; "
            "422: the sectors or the period cannot be used)", {"type": "object"},
            [{"name": "sectors", "in": "query", "schema": {"type": "string"}, "description": "comma-separated codes"},
             {"name": "zone", "in": "query", "schema": {"type": "string"}}, *from_to(required=True)], ("404", "422")),
        "/api/v1/events": _get("Events calendar", {"type": "object", "required": ["events"]}, FROM_TO),
        "/api/v1/observations": {"post": {
            "summary": "Push a batch in the feed format (token of scope ingest)",
            "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}},
                                        "application/json": {"schema": {"type": "array"}}}},
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "Accepted (or already received)",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "401": ERROR, "403": ERROR, "413": ERROR, "415": ERROR, "507": ERROR,
                          "422": {"description": "Rejected whole, with the reason of every line",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/api/v1/alerts": _get(
            "Alerts, newest first (live ones, and the exercise's for its participants)",
            {"type": "object", "required": ["alerts"], "properties": {"alerts": {"type": "array", "items": ALERT}}},
            [{"name": "state", "in": "query", "required": False,
              "schema": {"enum": ["open", "acknowledged", "closed", "active", "all"], "default": "open"},
              "description": "open (not yet acknowledged), acknowledged, closed, active (not closed) or all"},
             {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["fr", "en"]}}]),
        "/api/v1/alerts/{alert_id}/acknowledge": _alert_action(
            "Acknowledge an alert (prise en compte), with a comment (session of an operator or above)", "comment"),
        "/api/v1/alerts/{alert_id}/close": _alert_action(
            "Close an alert by hand, with a reason (session of a commander or above)", "reason"),
        "/api/v1/openapi.json": _get("This document", {"type": "object"}),
    },
}


@bp.route("/openapi.json")
@api_route(role="display", scope="read")
def openapi() -> Any:
    return jsonify(SPEC)
