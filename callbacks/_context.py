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


_NONE = object()


def current_exercise() -> Any:
    """The exercise this user has joined, or None (live); looked up once per request."""
    from flask import g

    from vigie.training.exercises import current_exercise_for

    if not current_user.is_authenticated:
        return None
    cached = g.get("vigie_exercise", _NONE)
    if cached is _NONE:
        cached = current_exercise_for(store(), current_user.user.id)
        g.vigie_exercise = cached
    return cached


def view_time() -> tuple[float, Any]:
    """(time of this view, overlay): live now, or the exercise clock and its injections."""
    from vigie.training.exercises import view_for

    exercise = current_exercise()
    clock, overlay = view_for(store(), None if exercise is None else exercise.id)
    return clock.now(), overlay


def view_slot() -> tuple[int, Any, float]:
    """(slot shown, overlay, time of the view): what every live view is computed at."""
    from vigie.analysis.situation import slot_to_show

    now, overlay = view_time()
    return slot_to_show(store(), now, settings().slot_minutes), overlay, now
