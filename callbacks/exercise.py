"""Training page: join/leave for everyone; create and control for trainers (checked on the server)."""
from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update

from callbacks import secure_callback
from components import ids
from components.cards import table
from server.context import user, username, view, vigie
from server.text import lang, t
from vigie.i18n import Message, format_time
from vigie.training import control as exercise_control, scenarios
from vigie.training.injections import add_injection
from vigie.training.timeline import after_action_timeline, end_exercise, timeline_text
from vigie.training.clock import ExerciseError
from vigie.slots import parse_instant, to_local

# "Terminer" goes through a confirmation dialogue: its trigger is the dialogue's submit.
CONTROLS = (ids.EXE_PLAY, ids.EXE_PAUSE, ids.EXE_SET_SPEED, ids.EXE_JUMP, ids.EXE_INJECT)
ACTIONS = {**{c: c for c in CONTROLS}, ids.EXE_END_CONFIRM: ids.EXE_END}
# A new exercise is chosen at once in these lists: the trainer joins, plays or reads it without looking for it.
PRESELECTED = (ids.EXE_JOIN_SELECT, ids.EXE_TARGET, ids.EXE_TIMELINE_SELECT)


def _instant(value: Any, what: str) -> int:
    """A datetime-local value (Paris wall time) to epoch seconds; `what` is the key naming the field."""
    try:
        return parse_instant(str(value))
    except ValueError as exc:
        raise ExerciseError(key="exercise.bad_instant", what=Message(what)) from exc


def _start(value: Any) -> int:
    """The start typed in the form; missing or unreadable, the error says what to enter and where history lies."""
    try:
        return parse_instant(str(value or "").strip())
    except ValueError as exc:
        low, end = exercise_control.history_bounds(vigie().store, vigie().settings.slot_minutes)
        raise ExerciseError(key="exercise.start_expected", low=low, end=end) from exc


def _number(value: Any, what: str) -> int:
    """A number typed in the field `what` names (a catalogue key)."""
    if not isinstance(value, (int, float)):
        raise ExerciseError(key="exercise.bad_number", what=Message(what))
    return int(value)


def exercise_options(active_only: bool = True) -> list[dict[str, str]]:
    language = lang()
    return [{"label": f"{e.name} — {e.state_label(language)} — {format_time(e.start_at, language, with_date=True)}",
             "value": str(e.id)} for e in exercise_control.list_exercises(vigie().store, active_only=active_only)]


def _scenarios() -> dict[str, scenarios.Scenario]:
    """The built-in scenarios by file name and by key, read again only when a file changes."""
    folder = scenarios.default_scenarios_folder(vigie().settings.reference_dir)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file()) \
        if folder.is_dir() else ()
    return _scan_scenarios(folder, stamp, tuple(vigie().catalogue.codes))


@lru_cache(maxsize=4)
def _scan_scenarios(folder: Path, _stamp: tuple[tuple[str, int], ...],
                    codes: tuple[str, ...]) -> dict[str, scenarios.Scenario]:
    found, _problems = scenarios.scan_scenarios(folder, codes)
    return {**{s.key: s for s in found}, **{s.path.name: s for s in found}}


def _state(exercise: exercise_control.Exercise, view: float) -> str:
    state = exercise.state_label(lang())
    return t("exercise.state_scenario_over", state=state) if exercise.scenario_over(view) else state


def _exercise_table(found: list[exercise_control.Exercise], now: float, language: str) -> Any:
    rows = [[e.name, _state(e, e.clock(now).now()), format_time(e.clock(now).now(), language, with_date=True),
             f"×{e.speed}", str(len(exercise_control.participants(vigie().store, e.id)))] for e in found]
    return table([t("exercise.col_name"), t("exercise.col_state"), t("exercise.col_time"), t("exercise.col_speed"),
                  t("exercise.col_participants")], rows)


def _status(mine: exercise_control.Exercise | None, now: float, language: str) -> Any:
    """Live or in which exercise (`now`: the time of its view), and whether its scenario is over."""
    if mine is None:
        return dbc.Alert(t("exercise.you_are_live"), color="secondary")
    notes = [html.P(t("exercise.you_are_in", name=mine.name, link=f"/exercice?code={mine.join_code}"), className="mb-0")]
    if mine.scenario_end is not None and mine.scenario_over(now):
        notes.append(html.P(t("exercise.scenario_over", end=format_time(mine.scenario_end, language, with_date=True)),
                            className="mb-0 mt-1 fw-bold"))
    return dbc.Alert(notes, color="warning")


def list_panel() -> tuple[Any, Any]:
    """The running (or paused) exercises and the drafts, under two headings, and the user's status line."""
    language = lang()
    now = time.time()
    active = exercise_control.list_exercises(vigie().store, active_only=True)
    running = [e for e in active if e.state != "draft"]
    drafts = [e for e in active if e.state == "draft"]
    listing = [html.H3(t("exercise.running"), className="panel-subheading"),
               _exercise_table(running, now, language) if running else html.P(t("exercise.none")),
               html.H3(t("exercise.drafts"), className="panel-subheading mt-3"),
               _exercise_table(drafts, now, language) if drafts else html.P(t("exercise.no_drafts"))]
    return html.Div(listing), _status(view().exercise, view().now, language)


def join_or_leave(action: str | None, chosen: str, code: str) -> tuple[Any, Any]:
    """(redirect href, message): joining or leaving reloads the page so every view follows the clock."""
    found = user()
    if found is None:  # the guard lets no anonymous request reach a callback
        return no_update, None
    user_id = found.user.id
    try:
        if action == ids.EXE_LEAVE:
            exercise_control.leave(vigie().store, user_id)
            return "/exercice", no_update
        target: int | str = int(chosen) if action == ids.EXE_JOIN and chosen.isdigit() else code
        if not target:
            return no_update, None
        exercise_control.join(vigie().store, target, user_id)
        return "/exercice", no_update
    except ExerciseError as exc:
        return no_update, dbc.Alert(exc.message(lang()), color="danger")


def _chosen_scenario(scenario_file: str) -> scenarios.Scenario:
    """A scenario of the built-in list; a name the list does not hold (or a path) is refused."""
    scenario = _scenarios().get(scenario_file)
    if scenario is None:
        raise ExerciseError(key="exercise.scenario_unknown")
    return scenario


def scenario_defaults(scenario_file: str) -> tuple[Any, Any, Any, Any]:
    """(name, start, speed, description) the chosen scenario suggests, to fill in the form."""
    if not scenario_file:
        return no_update, no_update, no_update, None
    try:
        scenario = _chosen_scenario(scenario_file)
        _first, end = exercise_control.history_bounds(vigie().store, vigie().settings.slot_minutes)
        start = scenarios.suggested_start(scenario, end)
    except ExerciseError as exc:
        return no_update, no_update, no_update, dbc.Alert(exc.message(lang()), color="danger")
    hours, minutes = divmod(scenario.duration // 60, 60)
    info = dbc.Alert([html.P(scenario.description, className="mb-1"),
                      html.P(t("exercise.scenario_duration", duration=f"{hours} h {minutes:02d}",
                               count=len(scenario.injections)), className="mb-0 small")], color="info")
    return scenario.name, to_local(start).strftime("%Y-%m-%dT%H:%M"), scenario.speed, info


def create(name: str, scenario_file: str, start: Any, speed: Any) -> tuple[Any, Any]:
    """(message, id of the new exercise, chosen at once to join, to control and in the timeline)."""
    s = vigie().settings
    try:
        start_at = _start(start)
        scenario = _chosen_scenario(scenario_file) if scenario_file else None
        exercise = exercise_control.create_exercise(vigie().store, name, start_at, _number(speed, "exercise.speed"),
                                                    username() or "?", scenario_file or None,
                                                    slot_minutes=s.slot_minutes)
        if scenario is not None:
            scenarios.apply_scenario(vigie().store, exercise, scenario, username())
    except ExerciseError as exc:
        return dbc.Alert(exc.message(lang()), color="danger"), no_update
    return dbc.Alert(t("exercise.created", name=exercise.name, link=f"/exercice?code={exercise.join_code}"),
                     color="success"), str(exercise.id)


def control(action: str, target: str, speed: Any, jump_to: Any, sector: str, start: Any, end: Any, delta: Any,
            note: str) -> Any:
    if not target.isdigit():
        return dbc.Alert(t("exercise.pick_one"), color="warning")
    exercise_id, who = int(target), username() or "?"
    try:
        exercise = exercise_control.get_exercise(vigie().store, exercise_id)
        if action == ids.EXE_PLAY:
            go = exercise_control.start if exercise.state == "draft" else exercise_control.resume
            go(vigie().store, exercise_id, who)
        elif action == ids.EXE_PAUSE:
            exercise_control.pause(vigie().store, exercise_id, who)
        elif action == ids.EXE_END:
            end_exercise(vigie().store, exercise_id, who, settings=vigie().settings)
        elif action == ids.EXE_SET_SPEED:
            exercise_control.set_speed(vigie().store, exercise_id, _number(speed, "exercise.new_speed"), who)
        elif action == ids.EXE_JUMP:
            exercise_control.jump(vigie().store, exercise_id, _instant(jump_to, "exercise.jump_to"), who)
        elif action == ids.EXE_INJECT:
            add_injection(vigie().store, exercise_id, sector, _instant(start, "exercise.inject_from"),
                          _instant(end, "exercise.inject_to"),
                          delta=_number(delta, "exercise.inject_delta"), note=note or "", username=who)
    except ExerciseError as exc:
        return dbc.Alert(exc.message(lang()), color="danger")
    return dbc.Alert(t("exercise.done"), color="success")


def timeline(target: str) -> Any:
    if not target or not target.isdigit():
        return html.P(t("exercise.pick_one"))
    try:
        entries = after_action_timeline(vigie().store, int(target), vigie().settings)
    except ExerciseError as exc:
        return dbc.Alert(exc.message(lang()), color="danger")
    language = lang()
    rows = [[format_time(e["wall_time"], language), format_time(e["view_time"], language, with_date=True),
             e["username"] or "–", timeline_text(e, language)] for e in entries]
    return table([t("exercise.col_wall"), t("exercise.col_view"), t("exercise.col_who"), t("exercise.col_what")], rows)


def scenario_options() -> list[dict[str, str]]:
    found = sorted({s.path.name: s for s in _scenarios().values()}.values(), key=lambda s: s.path.name)
    return [{"label": t("exercise.no_scenario"), "value": ""}] + [{"label": s.name, "value": s.path.name} for s in found]


def register(app: Dash) -> None:
    @secure_callback(app, "display", Output(ids.EXE_LIST, "children"), Output(ids.EXE_STATUS, "children"),
                     Output(ids.EXE_JOIN_SELECT, "options"), Output(ids.EXE_TARGET, "options"),
                     Output(ids.EXE_TIMELINE_SELECT, "options"), Output(ids.EXE_SCENARIO, "options"),
                     Output(ids.EXE_INJ_SECTOR, "options"),
                     Input(ids.EXE_REFRESH, "n_intervals"), Input(ids.EXE_RESULT, "children"))
    def _lists(_n: int, _result: Any) -> tuple[Any, ...]:
        listing, status = list_panel()
        active = exercise_options()
        sectors = [{"label": f"{s.name} ({s.code})", "value": s.code} for s in vigie().catalogue]
        return listing, status, active, active, exercise_options(active_only=False), scenario_options(), sectors

    @secure_callback(app, "display", Output(ids.EXE_REDIRECT, "href"), Output(ids.EXE_RESULT, "children"),
                     Input(ids.EXE_JOIN, "n_clicks"), Input(ids.EXE_LEAVE, "n_clicks"), Input(ids.EXE_CODE, "data"),
                     State(ids.EXE_JOIN_SELECT, "value"))
    def _join(_join: Any, _leave: Any, code: Any, chosen: Any) -> tuple[Any, Any]:
        action = ctx.triggered_id if ctx.triggered_id in (ids.EXE_JOIN, ids.EXE_LEAVE) else None
        if action is None and (not code or view().exercise is not None):
            return no_update, no_update
        return join_or_leave(action, str(chosen or ""), str(code or ""))

    @secure_callback(app, "trainer", Output(ids.EXE_NAME, "value"), Output(ids.EXE_START, "value"),
                     Output(ids.EXE_SPEED, "value"), Output(ids.EXE_SCENARIO_INFO, "children"),
                     Input(ids.EXE_SCENARIO, "value"), prevent_initial_call=True)
    def _scenario_chosen(scenario_file: Any) -> tuple[Any, Any, Any, Any]:
        return scenario_defaults(str(scenario_file or ""))

    @secure_callback(app, "trainer", Output(ids.EXE_RESULT, "children", allow_duplicate=True),
                     *[Output(choice, "value") for choice in PRESELECTED],
                     Input(ids.EXE_CREATE, "n_clicks"), State(ids.EXE_NAME, "value"), State(ids.EXE_SCENARIO, "value"),
                     State(ids.EXE_START, "value"), State(ids.EXE_SPEED, "value"), prevent_initial_call=True)
    def _create(_n: Any, name: Any, scenario_file: Any, start: Any, speed: Any) -> tuple[Any, ...]:
        message, created = create(str(name or ""), str(scenario_file or ""), start, speed)
        return (message, *[created] * len(PRESELECTED))

    @secure_callback(app, "trainer", Output(ids.EXE_RESULT, "children", allow_duplicate=True),
                     *[Input(c, "n_clicks") for c in CONTROLS], Input(ids.EXE_END_CONFIRM, "submit_n_clicks"),
                     State(ids.EXE_TARGET, "value"),
                     State(ids.EXE_NEW_SPEED, "value"), State(ids.EXE_JUMP_TO, "value"),
                     State(ids.EXE_INJ_SECTOR, "value"), State(ids.EXE_INJ_FROM, "value"), State(ids.EXE_INJ_TO, "value"),
                     State(ids.EXE_INJ_DELTA, "value"), State(ids.EXE_INJ_NOTE, "value"), prevent_initial_call=True)
    def _control(*args: Any) -> Any:
        action = ACTIONS.get(str(ctx.triggered_id))
        if action is None:
            return no_update
        target, speed, jump_to, sector, start, end, delta, note = args[len(ACTIONS):]
        return control(action, str(target or ""), speed, jump_to, str(sector or ""), start, end,
                       delta, str(note or ""))

    @secure_callback(app, "display", Output(ids.EXE_TIMELINE, "children"), Input(ids.EXE_TIMELINE_SELECT, "value"),
                     Input(ids.EXE_REFRESH, "n_intervals"))
    def _timeline(target: Any, _n: int) -> Any:
        return timeline(str(target or ""))
