"""What every page builds with: its own refresh timer and the role check (not a page: Dash skips "_" modules)."""
from __future__ import annotations

from typing import Any, Callable

from dash import dcc

from components.shell import forbidden
from server.screens import page_refused, refresh_ms
from server.text import lang


def refresh_interval(interval_id: str) -> dcc.Interval:
    """A page's own refresh timer (callbacks then only ever involve that page's components)."""
    return dcc.Interval(id=interval_id, interval=refresh_ms(), n_intervals=0)


def guarded(minimum: str, build: Callable[[], Any]) -> Any:
    """Build a page only for roles that may see it (the callbacks check again on the server)."""
    return forbidden(lang()) if page_refused(minimum) else build()
