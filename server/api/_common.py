"""Helpers shared by the API modules: time parameters, the requester's language, JSON errors."""
from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from server.context import vigie
from vigie.errors import VigieError
from vigie.i18n import LANGUAGES, Message
from vigie.slots import INSTANT_RANGE, InstantOutOfRange, iso_z, parse_instant


class BadParameter(VigieError, ValueError):
    """A query parameter cannot be used; the message names it and says what is expected."""


def instant_param(name: str, default: int | None = None) -> int | None:
    """The query parameter `name` as epoch seconds (default when absent); BadParameter says what to fix."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if len(raw) > 64:
        raise BadParameter(key="api.instant_too_long", name=name)
    try:
        return parse_instant(raw)
    except InstantOutOfRange as exc:
        raise BadParameter(key="api.instant_out_of_range", name=name, raw=repr(raw), range=INSTANT_RANGE) from exc
    except ValueError as exc:
        raise BadParameter(key="api.instant_unreadable", name=name, raw=repr(raw[:40])) from exc


def language() -> str:
    """The requester's language: ?lang=fr|en, else Accept-Language, else the session user's, else the setting."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    own = str(current_user.language) if g.get("api_token") is None and current_user.is_authenticated \
        else vigie().settings.language
    return str(request.accept_languages.best_match(LANGUAGES, default=own) or own)


def error(status: int, problem: str | Message | VigieError, **extra: Any) -> tuple[Response, int]:
    """A JSON error in the requester's language; a catalogue message also gives its key, as `code`."""
    if isinstance(problem, str):
        return jsonify(error=problem, **extra), status
    key = problem.key
    text = problem.render(language()) if isinstance(problem, Message) else problem.message(language())
    return jsonify(error=text, **({"code": key} if key else {}), **extra), status


def iso(ts: int | None) -> str | None:
    return None if ts is None else iso_z(ts)
