"""/healthz: public, no data, 503 when the database or the feed is down."""
from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from server.context import vigie

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    from vigie.feed.health import status

    report: dict[str, Any] = status(vigie().store, vigie().settings, time.time())
    down = report.get("database") != "ok" or report.get("feed") == "down"
    public = {k: report[k] for k in ("database", "feed", "level", "lag_seconds") if k in report}
    return jsonify(status="down" if down else "ok", **public), 503 if down else 200
