"""Reasons a feed batch is refused, rendered in French (for the UI) and English (for the API).

The sentences live in the catalogue (vigie/locales/feed.json, keys "feed.<code>"); each says
what is wrong and how to fix it. Placeholders are filled from the problem's parameters;
`line` and `column` are shown by the caller, not repeated here unless the message needs them.
"""
from __future__ import annotations

from vigie.i18n import translate

DEFAULTS = {"value": "", "expected": "", "column": "", "hint": ""}


def render(code: str, params: dict[str, object]) -> tuple[str, str]:
    """(French, English) text of a problem code."""
    values = {**DEFAULTS, **params}
    return translate(f"feed.{code}", "fr", **values), translate(f"feed.{code}", "en", **values)
