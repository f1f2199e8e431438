"""UI text in the user's language (French by default) and locale-aware number formats."""
from __future__ import annotations

from typing import Any

from vigie import i18n


def lang() -> str:
    """The language of this request (see server.context.lang)."""
    from server.context import lang as request_lang

    return request_lang()


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
