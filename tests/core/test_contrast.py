"""WCAG AA contrast of the theme's text colours and of the map legend (checked from the CSS itself)."""
from __future__ import annotations

import re
from pathlib import Path

from components.sector_map import DIVERGING, NO_DATA, SEQUENTIAL

CSS = (Path(__file__).resolve().parents[2] / "assets" / "vigie.css").read_text(encoding="utf-8")


def luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def variables(block_selector: str) -> dict[str, str]:
    block = re.search(re.escape(block_selector) + r"\s*\{([^}]*)\}", CSS)
    assert block, block_selector
    return dict(re.findall(r"--vigie-([a-z]+):\s*(#[0-9a-fA-F]{6})", block.group(1)))


def test_text_on_panels_meets_aa_in_both_themes() -> None:
    for selector in (":root", ".theme-light"):
        v = variables(selector)
        for text in ("text", "muted"):
            for background in ("bg", "panel"):
                assert contrast(v[text], v[background]) >= 4.5, (selector, text, background)


def test_freshness_badges_meet_aa() -> None:
    v = variables(":root")
    assert contrast("#ffffff", v["green"]) >= 4.5
    assert contrast("#111111", v["amber"]) >= 4.5
    assert contrast("#ffffff", v["red"]) >= 4.5


def test_map_classes_are_distinct_for_colour_blind_readers() -> None:
    # Adjacent classes differ in lightness (not only hue), and the no-data grey is not a class colour.
    for palette in (SEQUENTIAL, DIVERGING[:4], DIVERGING[3:]):
        lums = [luminance(c) for c in palette]
        steps = [abs(a - b) for a, b in zip(lums, lums[1:])]
        assert min(steps) > 0.02, palette
    assert NO_DATA not in SEQUENTIAL + DIVERGING


def test_legend_text_is_readable_on_its_background() -> None:
    assert contrast("#eef2f6", "#10161d") >= 7
