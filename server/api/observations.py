"""Push API: POST /api/v1/observations (CSV or JSON body), for an `ingest` bearer token only (no session)."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request

from server.api import bp
from server.api._common import error
from server.auth import api_route, client_address
from server.context import vigie
from vigie.i18n import Message
from vigie.identity import audit
from vigie.feed.formats import BatchTooLarge
from vigie.store import StorageFull
from vigie.feed.ingest import ingest_bytes
from vigie.runtime.batches import refresh_reference

ACCEPTED_TYPES = ("text/csv", "application/json")


@bp.route("/observations", methods=["POST"])
@api_route(role="admin", scope="ingest", sessions=False)
def post_observations() -> Any:
    mimetype = request.mimetype or ""
    if mimetype not in ACCEPTED_TYPES:
        return error(415, Message("api.batch_type"))
    source = f"api:{g.api_token.name}"
    try:
        result = ingest_bytes(vigie().store, request.get_data(cache=False), source, vigie().settings)
    except BatchTooLarge as exc:
        return error(413, exc)
    except StorageFull as exc:
        return error(507, exc)
    refresh_reference(vigie().store, result, vigie().settings)
    audit.record(vigie().store, "feed.push", username=source, address=client_address(),
                 outcome=result.status, rows=result.rows)
    status = 200 if result.ok else 422
    return jsonify(result.to_dict(lang="en")), status
