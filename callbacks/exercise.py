"""Training page: join/leave for everyone; create and control for trainers (checked on the server)."""
from __future__ import annotations

import time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update

from callbacks import secure_callback
from callbacks._context import catalogue, current_exercise, settings, store, user, username
from components import ids
from components.cards import table
from components.text import lang, t
from vigie import exercises, scenarios
from vigie.clock import ExerciseError
from vigie.i18n import format_time
from vigie.slots import parse_instant

CONTROLS = (ids.EXE_PLAY, ids.EXE_PAUSE, ids.EXE_END, ids.EXE_SET_SPEED, ids.EXE_JUMP, ids.EXE_INJECT)


def _instant(value: Any, what: str) -> int:
    """A datetime-local value (Paris wall time) to epoch seconds."""
    try:
        return parse_instant(str(value))
    except ValueError as exc:
        raise ExerciseError(t("exercise.bad_instant", what=what)) from exc


def _number(value: Any, what: str) -> int:
    if not isinstance(value, (int, float)):
        raise ExerciseError(t("exercise.bad_number", what=what))
    return int(value)


def exercise_options(active_only: bool = True) -> list[dict[str, str]]:
    language = lang()
    return [{"label": f"{e.name} — {e.state_label} — {format_time(e.start_at, language, with_date=True)}",
             "value": str(e.id)} for e in exercises.list_exercises(store(), active_only=active_only)]


def list_panel() -> tuple[Any, Any]:
    """The active exercises table and the user's status line."""
    language = lang()
    now = time.time()
    rows = []
    for e in exercises.list_exercises(store(), active_only=True):
        view = e.clock(now).now()
        rows.append([e.name, e.state_label, format_time(view, language, with_date=True), f"×{e.speed}",
                     str(len(exercises.participants(store(), e.id)))])
    listing = table([t("exercise.col_name"), t("exercise.col_state"), t("exercise.col_time"), t("exercise.col_speed"),
                     t("exercise.col_participants")], rows) if rows else html.P(t("exercise.none"))
    mine = current_exercise()
    status = (dbc.Alert(t("exercise.you_are_in", name=mine.name, link=f"/exercice?code={mine.join_code}"),
                        color="warning") if mine is not None else dbc.Alert(t("exercise.you_are_live"), color="secondary"))
    return listing, status


def join_or_leave(action: str | None, chosen: str, code: str) -> tuple[Any, Any]:
    """(redirect href, message): joining or leaving reloads the page so every view follows the clock."""
    user_id = user().user.id
    try:
        if action == ids.EXE_LEAVE:
            exercises.leave(store(), user_id)
            return "/exercice", no_update
        target: int | str = int(chosen) if action == ids.EXE_JOIN and chosen.isdigit() else code
        if not target:
            return no_update, None
        exercises.join(store(), target, user_id)
        return "/exercice", no_update
    except ExerciseError as exc:
        return no_update, dbc.Alert(str(exc), color="danger")


def create(name: str, scenario_file: str, start: Any, speed: Any) -> Any:
    s = settings()
    try:
        start_at = _instant(start, t("exercise.start"))
        scenario = None
        if scenario_file:
            scenario = scenarios.load_scenario(scenarios.default_scenarios_folder() / scenario_file, catalogue().codes)
        exercise = exercises.create_exercise(store(), name, start_at, _number(speed, t("exercise.speed")),
                                             username() or "?", scenario_file or None, slot_minutes=s.slot_minutes)
        if scenario is not None:
            scenarios.apply_scenario(store(), exercise, scenario, username())
    except ExerciseError as exc:
        return dbc.Alert(str(exc), color="danger")
    return dbc.Alert(t("exercise.created", name=exercise.name, link=f"/exercice?code={exercise.join_code}"),
                     color="success")


def control(action: str, target: str, speed: Any, jump_to: Any, sector: str, start: Any, end: Any, delta: Any,
            note: str) -> Any:
    if not target.isdigit():
        return dbc.Alert(t("exercise.pick_one"), color="warning")
    exercise_id, who = int(target), username() or "?"
    try:
        exercise = exercises.get_exercise(store(), exercise_id)
        if action == ids.EXE_PLAY:
            (exercises.start if exercise.state == "draft" else exercises.resume)(store(), exercise_id, who)
        elif action == ids.EXE_PAUSE:
            exercises.pause(store(), exercise_id, who)
        elif action == ids.EXE_END:
            exercises.end_exercise(store(), exercise_id, who, settings=settings())
        elif action == ids.EXE_SET_SPEED:
            exercises.set_speed(store(), exercise_id, _number(speed, t("exercise.new_speed")), who)
        elif action == ids.EXE_JUMP:
            exercises.jump(store(), exercise_id, _instant(jump_to, t("exercise.jump_to")), who)
        elif action == ids.EXE_INJECT:
            exercises.add_injection(store(), exercise_id, sector, _instant(start, t("exercise.inject_from")),
                                    _instant(end, t("exercise.inject_to")),
                                    delta=_number(delta, t("exercise.inject_delta")), note=note or "", username=who)
    except ExerciseError as exc:
        return dbc.Alert(str(exc), color="danger")
    return dbc.Alert(t("exercise.done"), color="success")


def timeline(target: str) -> Any:
    if not target or not target.isdigit():
        return html.P(t("exercise.pick_one"))
    try:
        entries = exercises.after_action_timeline(store(), int(target), settings())
    except ExerciseError as exc:
        return dbc.Alert(str(exc), color="danger")
    language = lang()
    rows = [[format_time(e["wall_time"], language), format_time(e["view_time"], language, with_date=True),
             e["username"] or "–", e["text"]] for e in entries]
    return table([t("exercise.col_wall"), t("exercise.col_view"), t("exercise.col_who"), t("exercise.col_what")], rows)


def scenario_options() -> list[dict[str, str]]:
    found, _problems = scenarios.scan_scenarios(None, catalogue().codes)
    return [{"label": t("exercise.no_scenario"), "value": ""}] + [
        {"label": s.name, "value": s.path.name} for s in found]


def register(app: Dash) -> None:
    @secure_callback(app, "display", Output(ids.EXE_LIST, "children"), Output(ids.EXE_STATUS, "children"),
                     Output(ids.EXE_JOIN_SELECT, "options"), Output(ids.EXE_TARGET, "options"),
                     Output(ids.EXE_TIMELINE_SELECT, "options"), Output(ids.EXE_SCENARIO, "options"),
                     Output(ids.EXE_INJ_SECTOR, "options"),
                     Input(ids.EXE_REFRESH, "n_intervals"), Input(ids.EXE_RESULT, "children"))
    def _lists(_n: int, _result: Any) -> tuple[Any, ...]:
        listing, status = list_panel()
        active = exercise_options()
        sectors = [{"label": f"{s.name} ({s.code})", "value": s.code} for s in catalogue()]
        return listing, status, active, active, exercise_options(active_only=False), scenario_options(), sectors

    @secure_callback(app, "display", Output(ids.EXE_REDIRECT, "href"), Output(ids.EXE_RESULT, "children"),
                     Input(ids.EXE_JOIN, "n_clicks"), Input(ids.EXE_LEAVE, "n_clicks"), Input(ids.EXE_CODE, "data"),
                     State(ids.EXE_JOIN_SELECT, "value"))
    def _join(_join: Any, _leave: Any, code: Any, chosen: Any) -> tuple[Any, Any]:
        action = ctx.triggered_id if ctx.triggered_id in (ids.EXE_JOIN, ids.EXE_LEAVE) else None
        if action is None and (not code or current_exercise() is not None):
            return no_update, no_update
        return join_or_leave(action, str(chosen or ""), str(code or ""))

    @secure_callback(app, "trainer", Output(ids.EXE_RESULT, "children", allow_duplicate=True),
                     Input(ids.EXE_CREATE, "n_clicks"), State(ids.EXE_NAME, "value"), State(ids.EXE_SCENARIO, "value"),
                     State(ids.EXE_START, "value"), State(ids.EXE_SPEED, "value"), prevent_initial_call=True)
    def _create(_n: Any, name: Any, scenario_file: Any, start: Any, speed: Any) -> Any:
        return create(str(name or ""), str(scenario_file or ""), start, speed)

    @secure_callback(app, "trainer", Output(ids.EXE_RESULT, "children", allow_duplicate=True),
                     *[Input(c, "n_clicks") for c in CONTROLS], State(ids.EXE_TARGET, "value"),
                     State(ids.EXE_NEW_SPEED, "value"), State(ids.EXE_JUMP_TO, "value"),
                     State(ids.EXE_INJ_SECTOR, "value"), State(ids.EXE_INJ_FROM, "value"), State(ids.EXE_INJ_TO, "value"),
                     State(ids.EXE_INJ_DELTA, "value"), State(ids.EXE_INJ_NOTE, "value"), prevent_initial_call=True)
    def _control(*args: Any) -> Any:
        if ctx.triggered_id not in CONTROLS:
            return no_update
        target, speed, jump_to, sector, start, end, delta, note = args[len(CONTROLS):]
        return control(str(ctx.triggered_id), str(target or ""), speed, jump_to, str(sector or ""), start, end,
                       delta, str(note or ""))

    @secure_callback(app, "display", Output(ids.EXE_TIMELINE, "children"), Input(ids.EXE_TIMELINE_SELECT, "value"),
                     Input(ids.EXE_REFRESH, "n_intervals"))
    def _timeline(target: Any, _n: int) -> Any:
        return timeline(str(target or ""))
