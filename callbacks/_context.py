"""What a callback needs from the server: store, settings, catalogue, user."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_login import current_user

from vigie.config import Settings
from vigie.sectors import Catalogue
from vigie.store import Store


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


def view_time() -> tuple[float, Any]:
    """(time of this view, overlay): live now, or the exercise clock and its injections."""
    import time

    return time.time(), None
