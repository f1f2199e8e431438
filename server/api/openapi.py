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


SECTOR_SITUATION = {"type": "object", "required": ["code", "present", "residents", "usual", "excess", "z", "suppressed"],
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "present": COUNT,
                                   "residents": {"type": "integer"}, "usual": COUNT, "excess": COUNT,
                                   "z": {"type": ["number", "null"]}, "suppressed": {"type": "boolean"}}}
RANKED = {"type": "object", "required": ["code", "name", "present", "usual", "residents", "excess", "ratio", "z", "event"],
          "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "present": {"type": "integer"},
                         "usual": {"type": "integer"}, "residents": {"type": "integer"}, "excess": {"type": "integer"},
                         "ratio": {"type": "number"}, "z": {"type": "number"}, "event": {"type": "string"}}}

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
ALERT_ID = {"name": "alert_id", "in": "path", "required": True, "schema": {"type": "integer"}}
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
        "/api/v1/crisis": _get("Crisis ranking, first to last",
                               {"type": "object", "required": ["at", "sectors"],
                                "properties": {"sectors": {"type": "array", "items": RANKED}}}, [AT]),
        "/api/v1/allocation": _get("Suggested allocation of resources", {"type": "object", "required": ["at"]}, [AT]),
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
