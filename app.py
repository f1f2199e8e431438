"""Vigie: the Dash application factory.

    create_app(overrides=None) -> Dash     settings: defaults, VIGIE_* environment, overrides
    server                                 the Flask server, for `gunicorn app:server`
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

import dash
from dash import Dash
from flask import Flask

from vigie.config import Settings, ensure_secret_key, load_settings
from vigie.runtime.bootstrap import init_database
from vigie.sectors import default_catalogue_path, load_catalogue

ROOT = Path(__file__).resolve().parent
DASH_PAGE_CALLBACKS = (".._pages_content.children..._pages_store.data..", "_pages_dummy.children")
server: Flask  # built on first access, by __getattr__ below


class VigieDash(Dash):
    """Dash whose page says which language it is in (screen readers, spell checkers, axe's html-has-lang)."""

    def interpolate_index(self, metas: str = "", title: str = "", css: str = "", config: str = "", scripts: str = "",
                          app_entry: str = "", favicon: str = "", renderer: str = "") -> str:
        from server.context import lang

        page: str = super().interpolate_index(metas=metas, title=title, css=css, config=config, scripts=scripts,
                                              app_entry=app_entry, favicon=favicon, renderer=renderer)
        return page.replace("<html>", f'<html lang="{lang()}">', 1)


def root_layout() -> Any:
    """The shell around every page, for the signed-in user (the server's guard turns anonymous requests away)."""
    from flask import has_request_context

    from components.shell import shell
    from server.auth import csrf_token
    from server.context import lang, user
    from server.screens import exercise_state, refresh_ms, role_ok, sound_default

    if not has_request_context():  # layout validation at start-up
        return shell([], "", "display", lambda _r: False, dash.page_container, 60000, lang())
    found = user()
    pages = list(dash.page_registry.values())
    username = found.username if found is not None else ""
    role = found.role if found is not None else "display"
    csrf = csrf_token() if found is not None else ""
    return shell(pages, username, role, role_ok, dash.page_container, refresh_ms(), lang(), exercise_state(), csrf,
                 sound_default(role))


def create_server(settings: Settings) -> Flask:
    """The Flask side: configuration, login guard, headers, health, API, geometry."""
    from server import api, expiry, geo, health, report
    from server.auth import init_auth
    from server.context import Vigie, install

    store = init_database(settings)
    server = Flask(__name__, template_folder=str(ROOT / "server" / "templates"), static_folder=None)
    lifetime = max(settings.session_absolute_hours * 3600, settings.display_session_days * 86400)
    server.config.update(
        SECRET_KEY=ensure_secret_key(settings),
        SESSION_COOKIE_NAME="vigie_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=lifetime),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
    )
    install(server, Vigie(store, settings, load_catalogue(default_catalogue_path(settings.reference_dir, settings.dept))))
    if settings.behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    init_auth(server)
    server.register_blueprint(health.bp)
    server.register_blueprint(expiry.bp)
    server.register_blueprint(geo.bp)
    server.register_blueprint(api.bp)
    server.register_blueprint(report.bp)
    return server


def create_app(overrides: Mapping[str, Any] | None = None) -> Dash:
    """Build the whole application (Flask server + Dash pages + callbacks)."""
    import callbacks
    from server.context import vigie
    from server.security import init_page_shell, init_security

    from vigie.logs import configure_logging

    settings = load_settings(overrides)
    configure_logging(settings)
    server = create_server(settings)
    # Dash annotates `server` as bool | Callable[[], Any] and `update_title` as str, yet documents both values used here.
    app = VigieDash(
        __name__, server=server, use_pages=True, pages_folder=str(ROOT / "pages"),  # type: ignore[arg-type]
        assets_folder=str(ROOT / "assets"), assets_ignore=r"^(darkly|flatly)\.min\.css$|^(login|report)\.css$",
        external_stylesheets=["/assets/themes/darkly.min.css"],
        compress=True, title="Vigie", update_title=None, serve_locally=True,  # type: ignore[arg-type]
    )
    app.layout = root_layout
    callbacks.register_all(app)
    # Dash's own page-routing callbacks (added on the first request); each page checks its role.
    vigie(server).callback_roles.update(dict.fromkeys(DASH_PAGE_CALLBACKS, "display"))
    init_security(server, app.csp_hashes)
    init_page_shell(server, lambda: [p.get("path_template") or p["path"] for p in dash.page_registry.values()],
                    ROOT / "server" / "favicon.ico")
    warm_up()
    return app


def warm_up() -> None:
    """Load now what the first batch would otherwise load in its alert evaluation (the public-holiday tables)."""
    import datetime

    from vigie.calendar.days import public_holidays

    year = datetime.date.today().year
    for near in (year - 1, year, year + 1):
        public_holidays(near)


def __getattr__(name: str) -> Any:
    """`app.server` is built on first access, so importing this module has no side effect."""
    if name == "server":
        global server
        server = create_app().server
        return server
    raise AttributeError(name)
