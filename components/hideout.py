"""Turn per-sector values into the map's hideout (class per sector) and its legend labels."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Mapping

from components.sector_map import DIVERGING, SEQUENTIAL


@dataclass(frozen=True)
class Scale:
    """Class breaks (len(colors) - 1 of them) and the palette."""

    breaks: tuple[float, ...]
    colors: tuple[str, ...]

    def classify(self, value: float | None) -> int:
        return -1 if value is None else bisect_right(self.breaks, value)

    def labels(self, fmt: Callable[[float], str]) -> list[str]:
        b = self.breaks
        first = [f"< {fmt(b[0])}"]
        middle = [f"{fmt(lo)} – {fmt(hi)}" for lo, hi in zip(b, b[1:])]
        return first + middle + [f"≥ {fmt(b[-1])}"]


SCALES = {
    "population": Scale((2_000, 5_000, 10_000, 20_000, 40_000, 80_000), tuple(SEQUENTIAL)),
    "delta_residents": Scale((-20_000, -5_000, -1_000, 1_000, 5_000, 20_000), tuple(DIVERGING)),
    "pct_usual": Scale((-0.5, -0.2, -0.05, 0.05, 0.2, 0.5), tuple(DIVERGING)),
    "z": Scale((-3, -2, -1, 1, 2, 3), tuple(DIVERGING)),
    "forecast_excess": Scale((-5_000, -2_000, -500, 500, 2_000, 5_000), tuple(DIVERGING)),
}


def build_hideout(values: Mapping[str, float | None], scale: Scale, labels: Mapping[str, str],
                  selected: str | None = None, highlight: list[str] | None = None,
                  below: list[str] | None = None) -> dict[str, object]:
    """The small payload the map receives at each refresh (never the geometry).

    `below`: sectors far below their usual value, outlined in dashes (sent only when any).
    """
    out: dict[str, object] = {
        "classes": {code: scale.classify(v) for code, v in values.items()},
        "colors": list(scale.colors),
        "labels": dict(labels),
        "selected": selected,
        "highlight": highlight or [],
    }
    if below:
        out["below"] = list(below)
    return out
