"""Helpers shared by the API modules: time parameters, JSON errors."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from vigie.slots import INSTANT_RANGE, InstantOutOfRange, iso_z, parse_instant


class BadParameter(ValueError):
    """A query parameter cannot be used; the message names it and says what is expected."""


def instant_param(name: str, default: int | None = None) -> int | None:
    """The query parameter `name` as epoch seconds (default when absent); BadParameter says what to fix."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if len(raw) > 64:
        raise BadParameter(f"{name}: expected an ISO 8601 instant such as 2026-07-14T18:00:00Z (64 characters at most)")
    try:
        return parse_instant(raw)
    except InstantOutOfRange as exc:
        raise BadParameter(f"{name}: {raw!r} is outside the accepted range, {INSTANT_RANGE}") from exc
    except ValueError as exc:
        raise BadParameter(f"{name}: expected an ISO 8601 instant such as 2026-07-14T18:00:00Z, "
                           f"got {raw[:40]!r}") from exc


def error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(error=message, **extra), status


def iso(ts: int | None) -> str | None:
    return None if ts is None else iso_z(ts)
