"""Login, logout, the deny-by-default guard and role checks on every callback and API route."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, g, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from server.context import SessionUser, vigie
from vigie.config import Settings
from vigie.identity import accounts, audit, idle, tokens
from vigie.i18n import translate

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

PUBLIC_PATHS = frozenset({"/login", "/healthz", "/favicon.ico"})
# The only files the login page needs; every other asset is behind the login.
PUBLIC_ASSETS = frozenset({"/assets/themes/darkly.min.css", "/assets/login.css", "/assets/logo.svg"})
TOUCH_EVERY_S = 30  # record user activity at most this often (spares the writer)
# The session routes (server/expiry.py): asking when the session ends is no user action; "Rester connecté"
# is one, and its route records it itself.
SESSION_PATHS = frozenset({"/session", "/session/extend"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@login_manager.user_loader
def _load_user(token: str) -> SessionUser | None:
    live = resolve(token)
    return None if live is None else SessionUser(live, token)


def resolve(token: str) -> accounts.LiveSession | None:
    """The live session behind a token, with the idle time of its role (the admin's choice, else the setting)."""
    store = vigie().store
    return accounts.resolve_session(store, token, vigie().settings.session_idle_minutes * 60,
                                    by_role=idle.chosen_seconds(store))


def client_address() -> str:
    return request.remote_addr or "?"


# -- the guard ----------------------------------------------------------------------------
def _wants_json() -> bool:
    return (request.path.startswith(("/_", "/api/")) or request.path in SESSION_PATHS or request.is_json
            or request.headers.get("X-Requested-With") == "XMLHttpRequest"
            or request.accept_mimetypes.best == "application/json")


def _unauthorised() -> Response:
    if _wants_json():
        response = jsonify(error="authentication required", login="/login")
        response.status_code = 401
        return response
    target = request.full_path.rstrip("?") if request.method == "GET" else "/"
    return redirect(url_for("auth.login", next=target))


def _bearer() -> bool:
    return request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer ")


def foreign_origin() -> str | None:
    """Why a state-changing request did not come from one of our own pages (None when it did).

    Sec-Fetch-Site decides when the browser sends it (HTTPS and localhost): "same-site" is
    refused too, since another port of the same host is another origin. Otherwise a real
    Origin must be ours. `Origin: null` (our own forms send it under Referrer-Policy:
    no-referrer) and requests without either header are left to the CSRF token of the forms
    and to the JSON-only bodies of the Dash and API routes, which no cross-origin page can send.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return None if fetch_site in ("same-origin", "none") else f"Sec-Fetch-Site: {fetch_site[:20]}"
    origin = request.headers.get("Origin")
    if origin is not None and origin != "null" and urlsplit(origin).netloc != request.host:
        return "Origin is not this site"
    return None


def csrf_token() -> str:
    """The CSRF token of the current session: an HMAC of its server-side id (nothing stored)."""
    key = str(current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(key, f"csrf:{current_user.token}".encode(), hashlib.sha256).hexdigest()


CSRF_HEADER = "X-CSRF-Token"


def csrf_ok() -> bool:
    """True when the request carries the session's CSRF token (form field `csrf`, or the X-CSRF-Token header)."""
    sent = str(request.headers.get(CSRF_HEADER) or request.form.get("csrf", ""))
    return current_user.is_authenticated and bool(sent) and secrets.compare_digest(sent, csrf_token())


def guard() -> Response | None:
    """Deny by default: only the login page, /healthz and the login page's files are public."""
    path = request.path
    if request.method not in SAFE_METHODS and not _bearer():
        reason = foreign_origin()
        if reason is not None:
            audit.record(vigie().store, "csrf", username=getattr(current_user, "username", None),
                         address=client_address(), outcome="refused", path=path[:200], reason=reason)
            return _json_error(403, "cross-origin request refused: " + reason)
    if path in PUBLIC_PATHS or path in PUBLIC_ASSETS or path.startswith("/enrol/"):
        return None
    if path.startswith("/api/"):
        return _guard_api()
    if not current_user.is_authenticated:
        return _unauthorised()
    if path.endswith("/_dash-update-component") and request.method == "POST":
        refusal = _check_callback()
        if refusal is not None:
            return refusal
    _touch_unless_polling()
    return None


def _guard_api() -> Response | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = tokens.verify_token(vigie().store, header[7:].strip())
        if token is None:
            audit.record(vigie().store, "api.auth", address=client_address(), outcome="refused", path=request.path)
            return _json_error(401, "invalid or revoked token")
        g.api_token = token
        return None
    if current_user.is_authenticated:
        g.api_token = None
        return None
    return _json_error(401, "authentication required: session or bearer token")


def _json_error(status: int, message: str, **extra: Any) -> Response:
    response = jsonify(error=message, **extra)
    response.status_code = status
    return response


def _callback_body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _check_callback() -> Response | None:
    """Refuse a callback the user's role may not run (403 + audit) or that is malformed (400)."""
    body = _callback_body()
    if body is None or not isinstance(body.get("output"), str):
        return _json_error(400, "malformed callback request")
    needed = vigie().callback_roles.get(body["output"])
    if needed is None:
        return _json_error(400, "unknown callback")
    if not current_user.has_role(needed):
        audit.record(vigie().store, "callback", username=current_user.username, address=client_address(),
                     outcome="forbidden", output=body["output"], needed=needed)
        return _json_error(403, "forbidden for this role")
    return None


def _touch_unless_polling() -> None:
    """Count user actions for the idle timeout; interval polling and the session status poll do not count."""
    if request.path in SESSION_PATHS:
        return
    body = _callback_body() if request.method == "POST" else None
    if body is not None:
        changed = body.get("changedPropIds") or []
        if changed and all(str(p).endswith(".n_intervals") for p in changed):
            return
    if time.time() - current_user.last_action_at >= TOUCH_EVERY_S:
        accounts.touch_session(vigie().store, current_user.token)


# -- role checks for API routes --------------------------------------------------------
def api_route(*, role: str = "operator", scope: str | None = "read",
              sessions: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow a session with at least `role` (unless not `sessions`), or a bearer token of `scope` (None: sessions only)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token = g.get("api_token")
            if token is not None:
                if scope is None or token.scope != scope:
                    audit.record(vigie().store, "api.scope", username=f"token:{token.name}", address=client_address(),
                                 outcome="forbidden", path=request.path)
                    return _json_error(403, f"this token's scope ({token.scope}) does not allow {request.path}")
            elif not sessions:
                return _json_error(401, f"{request.path} takes a bearer token only (Authorization: Bearer ...)")
            elif not current_user.is_authenticated or not current_user.has_role(role):
                return _json_error(403, "forbidden for this role")
            return view(*args, **kwargs)

        wrapped.vigie_role = role  # type: ignore[attr-defined]
        wrapped.vigie_scope = scope  # type: ignore[attr-defined]
        wrapped.vigie_sessions = sessions  # type: ignore[attr-defined]
        return wrapped

    return decorate


def require_role(minimum: str) -> None:
    """Abort with 403 (and an audit line) unless the current session has `minimum`."""
    if current_user.is_authenticated and current_user.has_role(minimum):
        return
    audit.record(vigie().store, "authorisation", username=getattr(current_user, "username", None),
                 address=client_address(), outcome="forbidden", needed=minimum, path=request.path)
    abort(403)


# -- login / logout ---------------------------------------------------------------------------
def safe_next(target: str | None) -> str:
    """Only same-site relative paths (with their query string); anything else goes to the home page.

    No open redirect: `//host`, `/\\host`, `http://…`, `javascript:` are refused, and so is any
    whitespace or control character (browsers drop a tab or a newline, and `/<TAB>/host` is `//host`).
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _render_login(status: int = 200, error: str | None = None) -> tuple[str, int]:
    session["csrf"] = session.get("csrf") or secrets.token_urlsafe(24)
    language = vigie().settings.language
    return render_template(
        "login.html", error=error, csrf=session["csrf"], next=safe_next(request.values.get("next")),
        expired=request.args.get("expired") == "1", lang=language,
        t=lambda key, **kw: translate(f"login.{key}", language, **kw),
    ), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return _render_login()
    language = vigie().settings.language
    expected = str(session.get("csrf", ""))
    if not expected or not secrets.compare_digest(str(request.form.get("csrf", "")), expected):
        return _render_login(400, translate("login.error_form", language))
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:1024]
    s = vigie().settings
    try:
        user = accounts.authenticate(vigie().store, username, password, client_address(),
                                     max_failures=s.login_max_failures, window_s=s.login_lockout_minutes * 60)
    except accounts.LoginThrottled:
        audit.record(vigie().store, "login", username=username, address=client_address(), outcome="throttled")
        return _render_login(429, translate("login.error_throttled", language, minutes=s.login_lockout_minutes))
    if user is None:
        audit.record(vigie().store, "login", username=username, address=client_address(), outcome="failed")
        return _render_login(401, translate("login.error_credentials", language))
    lifetime = s.display_session_days * 86400 if user.role == "display" else s.session_absolute_hours * 3600
    _sign_in(user, lifetime)
    audit.record(vigie().store, "login", username=user.username, address=client_address(), outcome="ok")
    return redirect(safe_next(request.form.get("next")))


def _sign_in(user: accounts.User, lifetime_s: int) -> None:
    """Open a server-side session for `user` and give this browser its token (a fresh cookie)."""
    token = accounts.open_session(vigie().store, user, lifetime_s)
    session.clear()
    live = resolve(token)
    if live is not None:  # None only if the account was disabled in between: the next page asks to log in
        login_user(SessionUser(live, token))


def _post_only() -> None:
    """Answer 405 to a GET (rather than let the page shell answer it): these routes change state."""
    if request.method != "POST":
        abort(405, valid_methods=["POST"])


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    """End the session (a form posting the CSRF token; GET answers 405)."""
    _post_only()
    if not csrf_ok():
        return redirect("/")
    if current_user.is_authenticated:
        audit.record(vigie().store, "logout", username=current_user.username, address=client_address())
        accounts.close_session(vigie().store, current_user.token)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/enrol/<token>")
def enrol(token: str) -> Any:
    """A wall display opens its one-time link: it gets a long read-only session."""
    user = accounts.redeem_enrolment(vigie().store, token[:128])
    if user is None:
        audit.record(vigie().store, "enrol", address=client_address(), outcome="refused")
        return _render_login(403, translate("login.error_enrolment", vigie().settings.language))
    _sign_in(user, vigie().settings.display_session_days * 86400)
    audit.record(vigie().store, "enrol", username=user.username, address=client_address(), outcome="ok")
    return redirect("/mur")


@bp.route("/langue/<language>", methods=["GET", "POST"])
def set_language(language: str) -> Any:
    """Switch the interface language of the current user (a form posting the CSRF token), then go back."""
    _post_only()
    if not current_user.is_authenticated:
        return _unauthorised()
    if not csrf_ok():
        abort(400)
    try:
        accounts.set_language(vigie().store, current_user.user.id, language)
    except accounts.AccountError:
        abort(400)
    return redirect(safe_next(request.form.get("next")))


def init_auth(server: Flask) -> None:
    login_manager.init_app(server)
    server.register_blueprint(bp)
    server.before_request(guard)

