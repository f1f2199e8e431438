"""Risk levels in one place: the prefecture's words for massif access and flood vigilance.

Levels are stored, compared and shown by their French names (what the prefecture publishes);
English names are accepted on input (ratios files, imports) and mapped here, once.
"""
from __future__ import annotations

import unicodedata

from vigie.errors import VigieError

MASSIF_LEVELS = ("vert", "jaune", "orange", "rouge", "noir")
FLOOD_LEVELS = ("vert", "jaune", "orange", "rouge")
HIGH_MASSIF_LEVELS = frozenset({"rouge", "noir"})
HIGH_FLOOD_LEVELS = frozenset({"orange", "rouge"})
NO_LEVEL = ""
ENGLISH_NAMES = {"green": "vert", "yellow": "jaune", "orange": "orange", "red": "rouge", "black": "noir"}
_NONE_NAMES = frozenset({"", "aucun", "none"})


class UnknownLevel(VigieError, ValueError):
    """A level name that is neither a French nor an English risk level."""


def canonical_level(text: str | None) -> str:
    """The French level for `text` (any case, accents or an English name); NO_LEVEL for none/aucun/empty."""
    plain = unicodedata.normalize("NFKD", (text or "").strip().lower()).encode("ascii", "ignore").decode()
    if plain in _NONE_NAMES:
        return NO_LEVEL
    level = ENGLISH_NAMES.get(plain, plain)
    if level not in MASSIF_LEVELS:
        raise UnknownLevel(f"unknown risk level {text!r}: use one of {', '.join(MASSIF_LEVELS)}")
    return level


def level_rank(level: str) -> int:
    """0 for no level, then 1 (vert) to 5 (noir)."""
    return 0 if level == NO_LEVEL else MASSIF_LEVELS.index(level) + 1
