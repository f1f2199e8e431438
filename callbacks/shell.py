"""Shell: clock (in the browser), freshness badge, navbar toggle."""
from __future__ import annotations

import time
from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks import clientside, secure_callback
from callbacks._context import settings, store
from components import ids
from components.text import lang, t
from vigie.i18n import format_time


def freshness_badge(report: dict[str, Any], language: str) -> tuple[str, str]:
    """(text, css class) of the freshness badge from a feed health report."""
    newest = report.get("newest_slot")
    level = report.get("level") or "none"
    if newest is None:
        return t("shell.no_data"), "shell-freshness badge freshness-none"
    slot_end = newest + settings().slot_minutes * 60
    when = format_time(slot_end, language, with_date=level == "red")
    key = {"fresh": "shell.fresh", "amber": "shell.amber", "red": "shell.red"}.get(level, "shell.fresh")
    return t(key, time=when), f"shell-freshness badge freshness-{level}"


def exercise_clock_state(previous: Any) -> Any:
    """The exercise clock anchors, re-read so every device follows the trainer's actions."""
    from components.layout import exercise_state

    state = exercise_state()
    if state is None:
        return None if previous else no_update
    return state


def register(app: Dash) -> None:
    # The clock: Paris time, or the exercise clock (the formula of vigie.clock.view_time_at,
    # corrected for the difference between the server's and the browser's clocks).
    clientside(
        app, "display",
        """function(n, ex) {
            var fmt = {timeZone: 'Europe/Paris', hour12: false};
            if (!ex) { return [new Date().toLocaleTimeString('fr-FR', fmt), '']; }
            var wall = Date.now() / 1000 + (ex.offset || 0);
            var view = ex.state === 'running' ? ex.anchor_view + Math.max(0, wall - ex.anchor_wall) * ex.speed
                                              : ex.anchor_view;
            var shown = new Date(view * 1000);
            var text = shown.toLocaleDateString('fr-FR', fmt) + ' ' + shown.toLocaleTimeString('fr-FR', fmt)
                       + ' — ×' + ex.speed + ' — ' + ex.label;
            return [shown.toLocaleTimeString('fr-FR', fmt), text];
        }""",
        Output(ids.CLOCK, "children"), Output(ids.SHELL_EXERCISE_TEXT, "children"),
        Input(ids.CLOCK_TICK, "n_intervals"), State(ids.SHELL_EXERCISE, "data"),
    )
    clientside(
        app, "display",
        "function(n, open) { return n ? !open : open; }",
        Output("shell-collapse", "is_open"), Input("shell-toggler", "n_clicks"), State("shell-collapse", "is_open"),
    )

    # The wall page hides the navigation (it is not a control surface); its clock and
    # freshness stay visible through CSS.
    clientside(
        app, "display",
        "function(path) { return (path === '/mur') ? 'shell shell-wall' : 'shell'; }",
        Output("shell-root", "className"), Input(ids.URL, "pathname"),
    )

    clientside(
        app, "display",
        "function(path) { return path || '/'; }",
        Output(ids.LANG_NEXT, "value"), Input(ids.URL, "pathname"),
    )
    clientside(
        app, "display",
        "function(n) { if (n) { window.vigie.theme.toggle(); } return window.vigie.theme.current(); }",
        Output(ids.THEME_TOGGLE, "data-theme"), Input(ids.THEME_TOGGLE, "n_clicks"),
    )

    @secure_callback(app, "display", Output(ids.SHELL_EXERCISE, "data"), Input(ids.SHELL_EXERCISE_POLL, "n_intervals"),
                     State(ids.SHELL_EXERCISE, "data"), prevent_initial_call=True)
    def _exercise(_n: int, previous: Any) -> Any:
        return exercise_clock_state(previous)

    @secure_callback(app, "display", Output(ids.FRESHNESS, "children"), Output(ids.FRESHNESS, "className"),
                     Input(ids.REFRESH, "n_intervals"))
    def _freshness(_n: int) -> tuple[str, str]:
        from vigie.feed.health import status

        return freshness_badge(status(store(), settings(), time.time()), lang())
