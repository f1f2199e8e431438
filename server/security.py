"""Security headers on every response, and no tracebacks for users."""
from __future__ import annotations

from typing import Callable

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response


def content_security_policy(script_hashes: list[str]) -> str:
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


def init_security(server: Flask, script_hashes: Callable[[], list[str]]) -> None:
    """Attach headers; turn unexpected errors into a plain message (details go to the log)."""
    cache: dict[str, str] = {}

    @server.after_request
    def _headers(response: Response) -> Response:
        # Dash adds inline scripts of its own (the page-title callback) at its first page request,
        # which may come after the first response: rebuild the policy when the list grows.
        hashes = script_hashes()
        if cache.get("count") != str(len(hashes)):
            cache["csp"], cache["count"] = content_security_policy(hashes), str(len(hashes))
        response.headers["Content-Security-Policy"] = cache["csp"]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if request.path.startswith(("/_dash-update-component", "/api/", "/login")):
            response.headers["Cache-Control"] = "no-store"
        return response

    @server.errorhandler(Exception)
    def _error(exc: Exception) -> tuple[Response, int] | HTTPException:
        if isinstance(exc, HTTPException):
            return exc
        server.logger.exception("unhandled error on %s", request.path)
        status = 400 if request.path.endswith("/_dash-update-component") else 500
        return jsonify(error="la requête n'a pas pu être traitée" if status == 400 else "erreur interne"), status
