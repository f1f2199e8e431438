"""One message catalogue (French and English) and locale-aware number and time formats.

Messages live in vigie/locales/<namespace>.json as {"key": {"fr": "...", "en": "..."}};
the full key is "<namespace>.<key>". A missing key or language is a test failure.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from vigie.slots import to_local

LANGUAGES = ("fr", "en")
NBSP = "\u00a0"


class MissingMessage(KeyError):
    """A message key is not in the catalogue."""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every message of every namespace, keyed "<namespace>.<key>"."""
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("vigie") / "locales"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".json"):
            continue
        namespace = entry.name[:-5]
        for key, texts in json.loads(entry.read_text(encoding="utf-8")).items():
            merged[f"{namespace}.{key}"] = texts
    return merged


def translate(key: str, lang: str = "fr", **params: Any) -> str:
    """The message `key` in `lang`, with {placeholders} filled from params."""
    try:
        text = catalogue()[key][lang if lang in LANGUAGES else "fr"]
    except KeyError as exc:
        raise MissingMessage(key) from exc
    return text.format(**params) if params else text


def format_int(value: float | int | None, lang: str = "fr") -> str:
    """12345 -> '12 345' (fr) or '12,345' (en)."""
    if value is None:
        return "–"
    text = f"{round(value):,}"
    return text.replace(",", NBSP) if lang == "fr" else text


def format_signed(value: float | int | None, lang: str = "fr") -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return sign + format_int(abs(value), lang)


def format_decimal(value: float | None, digits: int = 1, lang: str = "fr") -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def format_pct(ratio: float | None, digits: int = 1, lang: str = "fr") -> str:
    """0.034 -> '3,4 %' (fr) or '3.4%' (en)."""
    if ratio is None:
        return "–"
    number = format_decimal(ratio * 100, digits, lang)
    return f"{number}{NBSP}%" if lang == "fr" else f"{number}%"


def format_time(ts: float, lang: str = "fr", *, with_date: bool = False) -> str:
    """Europe/Paris wall time, 24-hour."""
    moment: datetime = to_local(ts)
    if not with_date:
        return moment.strftime("%H:%M")
    return moment.strftime("%d/%m/%Y %H:%M") if lang == "fr" else moment.strftime("%Y-%m-%d %H:%M")
