"""Security headers on every response, no tracebacks for users, the page shell for known pages only."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from dash.exceptions import DependencyException
from flask import Flask, abort, jsonify, request, send_file
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Response

DASH_SHELL_RULES = frozenset({"/", "/<path:path>"})  # Dash's catch-all routes serve the index page


def content_security_policy(script_hashes: Sequence[str]) -> str:
    """CSP: everything from this origin; Dash's inline scripts by hash; inline styles for Dash."""
    scripts = " ".join(["'self'", *script_hashes])  # Dash's hashes come quoted
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https:",
        "connect-src 'self'",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ])


def init_security(server: Flask, script_hashes: Callable[[], Sequence[str]]) -> None:
    """Attach headers; turn unexpected errors into a plain message (details go to the log)."""
    cache: dict[str, str] = {}

    @server.after_request
    def _headers(response: Response) -> Response:
        # Dash adds inline scripts when it sets itself up on its first own request, which may come
        # after the first response (the login page): a page gets the hashes of the scripts it holds.
        if "csp" not in cache or response.mimetype == "text/html":
            cache["csp"] = content_security_policy(script_hashes())
        response.headers["Content-Security-Policy"] = cache["csp"]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if request.path.startswith(("/_dash-update-component", "/api/", "/login", "/session")):
            response.headers["Cache-Control"] = "no-store"
        return response

    @server.errorhandler(Exception)
    def _error(exc: Exception) -> tuple[Response, int] | HTTPException:
        if isinstance(exc, HTTPException):
            return exc
        if isinstance(exc, DependencyException):  # an unknown file under /_dash-component-suites/
            return jsonify(error="no such file"), 404
        server.logger.exception("unhandled error on %s", request.path)
        status = 400 if request.path.endswith("/_dash-update-component") else 500
        return jsonify(error="la requête n'a pas pu être traitée" if status == 400 else "erreur interne"), status


def page_pattern(templates: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching the paths of the registered pages (`<name>` stands for one path segment)."""
    parts = ["[^/]+".join(re.escape(piece) for piece in re.split(r"<[^/<>]+>", t)) for t in templates]
    return re.compile("|".join(sorted(parts)) or "(?!)")


def init_page_shell(server: Flask, page_templates: Callable[[], Iterable[str]], favicon: Path) -> None:
    """Only the registered pages' paths get the Dash index page; any other path is a 404. Serve /favicon.ico."""
    cache: dict[str, Any] = {}

    @server.before_request
    def _known_pages_only() -> Response | None:
        rule = request.url_rule
        if rule is None or rule.rule not in DASH_SHELL_RULES:
            return None
        if "pattern" not in cache:
            cache["pattern"] = page_pattern(page_templates())
        if cache["pattern"].fullmatch(request.path):
            return None
        if not request.path.startswith("/api/"):
            abort(404)
        response = jsonify(error="no such API route; see /api/v1/openapi.json")
        response.status_code = 404
        return response

    @server.after_request
    def _api_allow_header(response: Response) -> Response:
        """Under /api/, Allow lists the API route's methods, not those of Dash's catch-all."""
        if "Allow" in response.headers and request.path.startswith("/api/"):
            if "api" not in cache:
                cache["api"] = Map([Rule(r.rule, methods=r.methods, endpoint=r.endpoint)
                                    for r in server.url_map.iter_rules() if r.rule.startswith("/api/")])
            allowed = cache["api"].bind("localhost").allowed_methods(request.path)
            response.headers["Allow"] = ", ".join(sorted(allowed))
        return response

    @server.route("/favicon.ico")
    def favicon_ico() -> Response:
        return send_file(favicon, mimetype="image/x-icon", max_age=86400)
