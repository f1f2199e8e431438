"""The sector geometry, served once per client (behind the login, cacheable, ETag)."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, request

from server.context import vigie
from vigie.sectors import Catalogue

bp = Blueprint("geo", __name__)


def slim_geojson(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep geometry, code and name: values travel separately through the map's hideout."""
    features = [
        {"type": "Feature", "id": f["properties"]["code"], "geometry": f["geometry"],
         "properties": {"code": f["properties"]["code"], "name": f["properties"]["name"]}}
        for f in raw["features"]
    ]
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=4)
def _payload(catalogue: Catalogue) -> tuple[bytes, str]:
    """The slim GeoJSON of a catalogue and its ETag, built once per catalogue."""
    body = json.dumps(slim_geojson(catalogue.geojson()), separators=(",", ":"), ensure_ascii=False).encode()
    return body, hashlib.sha256(body).hexdigest()[:16]


@bp.route("/geo/sectors.geojson")
def sectors_geojson() -> Response:
    body, etag = _payload(vigie().catalogue)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/geo+json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
