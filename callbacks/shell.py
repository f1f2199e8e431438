"""Shell: clock (in the browser), freshness badge, navbar toggle."""
from __future__ import annotations

import time
from typing import Any

from dash import Dash, Input, Output, State, no_update

from callbacks import clientside, secure_callback
from components import ids
from server.context import view, vigie
from server.text import lang, t
from vigie.i18n import format_time


def data_age(slot_end: int, now: float) -> str:
    """How old the newest slot is, in words ("en cours" while the slot is not over)."""
    if now < slot_end:
        return t("shell.age_open")
    minutes = int(now - slot_end) // 60
    if minutes < 1:
        return t("shell.age_now")
    if minutes < 60:
        return t("shell.age_minutes", minutes=minutes)
    return t("shell.age_hours", hours=minutes // 60, minutes=minutes % 60)


def freshness_badge(report: dict[str, Any], language: str, now: float | None = None) -> tuple[str, str]:
    """(text, css class) of the freshness badge: the newest slot and its age, never a bare slot end."""
    newest = report.get("newest_slot")
    level = report.get("level") or "none"
    if newest is None:
        return t("shell.no_data"), "shell-freshness badge freshness-none"
    slot_end = newest + vigie().settings.slot_minutes * 60
    slot = f"{format_time(newest, language, with_date=level == 'red')}–{format_time(slot_end, language)}"
    age = data_age(slot_end, time.time() if now is None else now)
    key = {"fresh": "shell.fresh", "amber": "shell.amber", "red": "shell.red"}.get(level, "shell.fresh")
    return t(key, slot=slot, age=age), f"shell-freshness badge freshness-{level}"


def exercise_badge(language: str) -> tuple[str, str]:
    """The badge inside an exercise: the slot its clock shows, never the live feed's age."""
    slot = view().at
    return (t("shell.exercise_data", time=format_time(slot + vigie().settings.slot_minutes * 60, language)),
            "shell-freshness badge freshness-exercise")


def exercise_clock_state(previous: Any) -> Any:
    """The exercise clock anchors, re-read so every device follows the trainer's actions."""
    from server.screens import exercise_state

    state = exercise_state()
    if state is None:
        return None if previous else no_update
    return state


def register(app: Dash) -> None:
    # The clock: Paris time, or the exercise clock (the formula of vigie.training.clock.view_time_at,
    # corrected for the difference between the server's and the browser's clocks); once the clock
    # has passed the end of the exercise's scenario, the banner says so.
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
            if (ex.scenario_end != null && view >= ex.scenario_end) { text += ' — ' + ex.scenario_over; }
            return [shown.toLocaleTimeString('fr-FR', fmt), text];
        }""",
        Output(ids.CLOCK, "children"), Output(ids.SHELL_EXERCISE_TEXT, "children"),
        Input(ids.CLOCK_TICK, "n_intervals"), State(ids.SHELL_EXERCISE, "data"),
    )
    # The menu opens and closes with its button, and closes once a page is chosen (phones, tablets).
    clientside(
        app, "display",
        """function(n, _path, open) {
            var by = (window.dash_clientside.callback_context.triggered || []).map(function (t) { return t.prop_id; });
            return by.indexOf('shell-toggler.n_clicks') >= 0 ? !open : false;
        }""",
        Output("shell-collapse", "is_open"), Input("shell-toggler", "n_clicks"), Input(ids.URL, "pathname"),
        State("shell-collapse", "is_open"),
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

        if view().exercise is not None:
            return exercise_badge(lang())
        now = time.time()
        return freshness_badge(status(vigie().store, vigie().settings, now), lang(), now)

    # When the exercise this page was built for ends (or the user leaves it elsewhere), the page
    # reloads at once, live, and says so: exercise figures never stay on screen over live data.
    clientside(
        app, "display",
        """function(ex) {
            var key = 'vigie-exercise-left';
            if (ex) { window.vigieExerciseName = ex.name; return window.dash_clientside.no_update; }
            if (window.vigieExerciseName) {
                sessionStorage.setItem(key, window.vigieExerciseName);
                window.location.reload();
            }
            return window.dash_clientside.no_update;
        }""",
        Output(ids.SHELL_EXERCISE_LEFT, "data"), Input(ids.SHELL_EXERCISE, "data"),
    )
    clientside(
        app, "display",
        """function(_path, template) {
            var name = sessionStorage.getItem('vigie-exercise-left');
            if (!name) { return [true, '']; }
            sessionStorage.removeItem('vigie-exercise-left');
            setTimeout(function() {
                var note = document.getElementById('shell-notice'); if (note) { note.hidden = true; }
            }, 20000);
            return [false, template.replace('{name}', name)];
        }""",
        Output(ids.SHELL_NOTICE, "hidden"), Output(ids.SHELL_NOTICE, "children"),
        Input(ids.URL, "pathname"), State(ids.SHELL_NOTICE_TEXT, "data"),
    )
