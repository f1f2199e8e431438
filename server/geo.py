"""The sector geometry, served once per client (behind the login, cacheable, ETag)."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, request

bp = Blueprint("geo", __name__)


def slim_geojson(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep geometry, code and name: values travel separately through the map's hideout."""
    features = [
        {"type": "Feature", "id": f["properties"]["code"], "geometry": f["geometry"],
         "properties": {"code": f["properties"]["code"], "name": f["properties"]["name"]}}
        for f in raw["features"]
    ]
    return {"type": "FeatureCollection", "features": features}


def _payload() -> tuple[bytes, str]:
    cached = current_app.config.get("VIGIE_GEOJSON_CACHE")
    if cached is None:
        body = json.dumps(slim_geojson(current_app.config["VIGIE_CATALOGUE"].geojson()),
                          separators=(",", ":"), ensure_ascii=False).encode()
        cached = (body, hashlib.sha256(body).hexdigest()[:16])
        current_app.config["VIGIE_GEOJSON_CACHE"] = cached
    return cached


@bp.route("/geo/sectors.geojson")
def sectors_geojson() -> Response:
    body, etag = _payload()
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/geo+json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
