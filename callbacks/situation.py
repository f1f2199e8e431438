"""Situation page callbacks (filled in with the live situation)."""
from __future__ import annotations

from dash import Dash


def register(app: Dash) -> None:
    return None
