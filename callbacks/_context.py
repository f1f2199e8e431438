"""What a callback needs from the server: store, settings, catalogue, user."""
from __future__ import annotations

import time
from typing import Any

from flask import current_app
from flask_login import current_user

from vigie.config import Settings
from vigie.sectors import Catalogue
from vigie.store import Store
from vigie.view import View, view_for


def store() -> Store:
    return current_app.config["VIGIE_STORE"]  # type: ignore[no-any-return]


def settings() -> Settings:
    return current_app.config["VIGIE_SETTINGS"]  # type: ignore[no-any-return]


def catalogue() -> Catalogue:
    return current_app.config["VIGIE_CATALOGUE"]  # type: ignore[no-any-return]


def username() -> str | None:
    return str(current_user.username) if current_user.is_authenticated else None


def user() -> Any:
    return current_user


def view() -> View:
    """What this user's screens show (live, or their exercise's clock and injections), once per request."""
    from flask import g

    cached = g.get("vigie_view")
    if cached is None:
        user_id = current_user.user.id if current_user.is_authenticated else None
        cached = g.vigie_view = view_for(store(), settings(), user_id, time.time())
    return cached  # type: ignore[no-any-return]


def current_exercise() -> Any:
    """The exercise this user has joined, or None (live)."""
    return view().exercise


def view_time() -> tuple[float, Any]:
    """(time of this view, overlay): live now, or the exercise clock and its injections."""
    return view().now, view().overlay


def view_slot() -> tuple[int, Any, float]:
    """(slot shown, overlay, time of the view): what every live view is computed at."""
    shown = view()
    return shown.at, shown.overlay, shown.now
