"""UI text in the user's language (French by default) and locale-aware number formats."""
from __future__ import annotations

from typing import Any

from vigie import i18n


def lang() -> str:
    """The current user's language, else the configured default, else French (resolved once per request)."""
    from flask import current_app, g, has_request_context
    from flask_login import current_user

    if not has_request_context():
        return "fr"
    cached = g.get("vigie_lang")
    if cached is None:
        if current_user and current_user.is_authenticated:
            cached = str(current_user.language)
        else:
            cached = current_app.config["VIGIE_SETTINGS"].language
        g.vigie_lang = cached
    return str(cached)


def t(key: str, **params: Any) -> str:
    """Translate a catalogue key for the current user."""
    return i18n.translate(key, lang(), **params)


def num(value: float | None) -> str:
    return i18n.format_int(value, lang())


def signed(value: float | None) -> str:
    return i18n.format_signed(value, lang())


def pct(value: float | None, digits: int = 0) -> str:
    return i18n.format_pct(value, digits, lang())


def dec(value: float | None, digits: int = 1) -> str:
    return i18n.format_decimal(value, digits, lang())
