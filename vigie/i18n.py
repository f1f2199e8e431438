"""One message catalogue (French and English) and locale-aware number and time formats.

Messages live in vigie/locales/<namespace>.json as {"key": {"fr": "...", "en": "..."}};
the full key is "<namespace>.<key>". A missing key or language is a test failure.
Placeholders may ask for a local format: {n:int}, {n:signed}, {t:time}, {t:datetime}; a
parameter that is a Message (or a VigieError) is rendered in the same language, a list of
them item by item, joined by "; ".
"""
from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

from vigie.errors import VigieError, use_renderer
from vigie.slots import to_local

LANGUAGES = ("fr", "en")
NBSP = "\u00a0"


class MissingMessage(VigieError, KeyError):
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
    lang = lang if lang in LANGUAGES else "fr"
    try:
        text = catalogue()[key][lang]
    except KeyError as exc:
        raise MissingMessage(key) from exc
    if not params:
        return text
    if _LOCAL_SPEC.search(text) or any(isinstance(v, (Message, VigieError, list)) for v in params.values()):
        return _LocalFormatter(lang).vformat(text, (), params)
    return text.format(**params)


@dataclass(frozen=True)
class Message:
    """A sentence not written yet: a catalogue key and its parameters, rendered in the reader's language.

    What the core stores for later reading (timeline entries) is a Message, never its text.
    """

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "fr") -> str:
        """The sentence in `lang`."""
        return translate(self.key, lang, **self.params)

    def as_dict(self) -> dict[str, Any]:
        """{"key", "params"}, JSON-ready (a Message parameter becomes such a dict too)."""
        return {"key": self.key, "params": {k: _as_json(v) for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Message":
        """The Message of an `as_dict()` record."""
        return cls(str(data["key"]), {k: _from_json(v) for k, v in dict(data["params"]).items()})


def _as_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value.as_dict() if isinstance(value, Message) else value


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return Message.from_dict(value) if isinstance(value, Mapping) and set(value) == {"key", "params"} else value


_LOCAL_SPEC = re.compile(r"\{[^{}:]*:(int|signed|time|datetime)\}")


class _LocalFormatter(string.Formatter):
    """str.format with Vigie's local formats and nested messages."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, list):
            value = "; ".join(self.format_field(item, "") for item in value)
        elif isinstance(value, Message):
            value = value.render(self.lang)
        elif isinstance(value, VigieError):
            value = value.message(self.lang)
        local = LOCAL_FORMATS.get(format_spec)
        return local(value, self.lang) if local is not None else str(super().format_field(value, format_spec))


def authority_name(code: str, lang: str = "fr") -> str:
    """The name of a fire and rescue authority as people write it ("SDIS13" -> "SDIS 13"); an
    authority missing from the catalogue keeps its code."""
    try:
        return translate(f"authority.{code}", lang)
    except MissingMessage:
        return code


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


LOCAL_FORMATS: dict[str, Callable[[Any, str], str]] = {
    "int": format_int,
    "signed": format_signed,
    "time": lambda ts, lang: format_time(ts, lang),
    "datetime": lambda ts, lang: format_time(ts, lang, with_date=True),
}

use_renderer(lambda key, lang, params: translate(key, lang, **params))
