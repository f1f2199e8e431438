"""UI text in the language of the current request (French by default) and locale-aware number formats.

Callbacks and pages write `t("situation.heading")`; components take the language as an argument.
"""
from __future__ import annotations

from typing import Any

from server.context import lang
from vigie import i18n

__all__ = ["lang", "t", "num", "signed", "pct", "dec"]


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
