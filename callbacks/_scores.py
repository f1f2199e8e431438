"""What z and the usual band mean, in one line each, wherever a screen shows them."""
from __future__ import annotations

from typing import Any

from dash import html

from server.context import view, vigie
from server.text import dec, t
from vigie.operations.crisis import thresholds
from vigie.reference import describe, read_reference


def z_help() -> str:
    """'z : l'écart compté en écarts habituels…' with the crisis threshold of the settings."""
    return t("crisis.z_help", z=dec(thresholds(vigie().settings).min_z, 1))


def score_help(*, band: bool = True) -> html.P:
    """The z line, then (with `band`) the P10–P90 line, small and muted under what they explain."""
    lines: list[Any] = [z_help()]
    if band:
        lines += [html.Br(), t("crisis.band_help")]
    return html.P(lines, className="small text-muted mb-0 mt-1 score-help")


def compared_with(code: str) -> str | None:
    """What the sector's figure at the view's slot is compared with ('habituel des dimanches et fériés…')."""
    shown = view()
    found = read_reference(vigie().store, [shown.at], vigie().settings.privacy_k)
    return describe(found.get(shown.at, {}).get(code))
