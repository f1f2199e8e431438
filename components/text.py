"""UI text in the user's language (French by default) and locale-aware number formats."""
from __future__ import annotations

from typing import Any

from vigie import i18n


def lang() -> str:
    """The current user's language, else the configured default, else French."""
    try:
        from flask import current_app, has_request_context
        from flask_login import current_user

        if has_request_context():
            if current_user and current_user.is_authenticated:
                return str(current_user.language)
            return str(current_app.config["VIGIE_SETTINGS"].language)
    except (ImportError, KeyError, RuntimeError):
        pass
    return "fr"


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
