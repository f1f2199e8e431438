"""What a usual value was compared with, in plain French (shown beside each ranked sector)."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from vigie.calendar.days import KIND_NAMES, REGIME_NAMES
from vigie.reference.model import POOLED, SAME_KIND

if TYPE_CHECKING:
    from vigie.reference.compute import Usual


def _number(value: float) -> str:
    """1.35 -> '1,35'."""
    return f"{value:.2f}".replace(".", ",")


def _weeks(newest: int, oldest: int) -> str:
    """'semaines 7–12' from ages in days."""
    first, last = max(1, (newest + 6) // 7), max(1, (oldest + 6) // 7)
    return f"semaine {first}" if first == last else f"semaines {first}–{last}"


def describe(ref: Usual | None) -> str | None:
    """E.g. 'habituel des dimanches et fériés (vacances scolaires), ajusté à la saison ×1,35, 5 jours, semaines 1–5'."""
    if ref is None or ref.usual is None or ref.kind is None or ref.regime is None:
        return None
    level = None if ref.level is None else round(ref.level, 2)
    return _text(ref.kind, ref.regime, ref.basis, level, ref.n, ref.newest, ref.oldest)


@lru_cache(maxsize=4096)
def _text(kind_code: int, regime_code: int, basis: int | None, level_value: float | None, n: int,
          newest: int | None, oldest: int | None) -> str:
    """The sentence for one combination (cached: a situation asks for 134 of them)."""
    kind = KIND_NAMES[kind_code]
    regime = REGIME_NAMES[regime_code]
    if basis == POOLED:
        head = "habituel reconstitué (profil commun, trop peu de jours comparables)"
    elif basis == SAME_KIND:
        head = f"habituel reconstitué : {kind} d'une autre période que « {regime} »"
    else:
        head = f"habituel des {kind} ({regime})"
    level = f", ajusté à la saison ×{_number(level_value)}" if level_value is not None else ""
    span = f", {_weeks(newest, oldest)}" if newest is not None and oldest is not None else ""
    return f"{head}{level}, {n} jours{span}"
