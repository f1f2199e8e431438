"""The application context of the web side: one `Vigie` per app, reached through `vigie()`.

`create_app` builds the context once and keeps it on the Flask app; routes, pages' helpers and
callbacks read the store, the settings and the sector catalogue from it and nowhere else. What
depends on the request (who is signed in, their language, what their screens show) is answered
here too, once per request.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import Flask, current_app, g, has_request_context
from flask_login import UserMixin, current_user

from vigie.identity.accounts import LiveSession, User
from vigie.config import Settings
from vigie.sectors import Catalogue
from vigie.store import Store
from vigie.training.view import View, looking_back, view_for

EXTENSION = "vigie"


@dataclass(frozen=True)
class Vigie:
    """One application: its database, settings, sector catalogue and the minimum role of every callback.

    `callback_roles` is filled while the callbacks register (`callbacks.secure_callback`) and read
    by the guard on every callback request.
    """

    store: Store
    settings: Settings
    catalogue: Catalogue
    callback_roles: dict[str, str] = field(default_factory=dict)


def install(server: Flask, context: Vigie) -> None:
    """Keep `context` on the Flask app, where `vigie()` finds it."""
    server.extensions[EXTENSION] = context


def vigie(server: Flask | None = None) -> Vigie:
    """The context of `server`; by default, of the app handling the current request."""
    app = current_app if server is None else server
    return app.extensions[EXTENSION]


class SessionUser(UserMixin):
    """A signed-in user; its flask-login id is the server-side session token."""

    def __init__(self, live: LiveSession, token: str) -> None:
        self.live = live
        self.token = token

    def get_id(self) -> str:
        return self.token

    @property
    def user(self) -> User:
        return self.live.user

    @property
    def last_action_at(self) -> int:
        return self.live.last_action_at

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def language(self) -> str:
        return self.user.language

    def has_role(self, minimum: str) -> bool:
        return self.user.has_role(minimum)


def user() -> SessionUser | None:
    """The signed-in user of this request (None when nobody is, or outside a request)."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user


def username() -> str | None:
    """The signed-in user's name, or None."""
    found = user()
    return None if found is None else str(found.username)


def lang() -> str:
    """The language of this request: the user's, else the configured default; French outside a request.

    Resolved once per request: a map refresh formats hundreds of labels.
    """
    if not has_request_context():
        return "fr"
    cached = g.get("vigie_lang")
    if cached is None:
        found = user()
        cached = g.vigie_lang = str(found.language if found is not None else vigie().settings.language)
    return str(cached)


def view() -> View:
    """What this request's screens show (live, or the user's exercise), computed once per request."""
    cached = g.get("vigie_view")
    if cached is None:
        found = user()
        context = vigie()
        cached = g.vigie_view = view_for(context.store, context.settings, None if found is None else found.user.id,
                                         time.time())
    return cached


def live_view() -> View:
    """This request's view before any look back (live, or the exercise clock): what "direct" shows."""
    cached = g.get("vigie_live_view")
    if cached is None:
        cached = g.vigie_live_view = view()
    return cached


def look_back(t: int | None) -> View:
    """Make this request's view the one as it stood at `t` (None: direct), for every reader of `view()`.

    A screen looking back (the situation slider, a shared link with a time) calls this first; the
    forecast, the sector card and "compared with" then read the same slot, through the same `view()`.
    """
    live = live_view()
    g.vigie_view = looking_back(vigie().store, live, t, vigie().settings.slot_minutes)
    return g.vigie_view
