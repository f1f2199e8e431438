"""exercise create | list | start | pause | resume | end | speed | jump | inject | timeline; scenario list | check."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import click

from cli import language, open_store, settings_from_ctx
from vigie.errors import error_message
from vigie.training import control, scenarios
from vigie.training.injections import add_injection
from vigie.training.timeline import after_action_timeline, end_exercise, timeline_text
from vigie.training.clock import clock_for
from vigie.training.control import Exercise
from vigie.i18n import format_time
from vigie.slots import parse_instant
from vigie.store import Store
from vigie import sectors as sector_table

BY = click.option("--by", "username", default="cli", show_default=True, help="Name recorded in the logs.")


def _instant(text: str, option: str) -> int:
    """Parse an ISO instant (naive = Paris time) or fail with the option's name."""
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise click.ClickException(f"{option}: {text!r} is not an ISO instant (e.g. 2025-08-16T14:00)") from exc


def _offset(text: str | None, option: str) -> int:
    """A ramp length like 1h30 (0 when not given)."""
    if not text:
        return 0
    try:
        return scenarios.parse_offset(text)
    except ValueError as exc:
        raise click.ClickException(f"{option}: {error_message(exc, language())}") from exc


def _line(store: Store, exercise: Exercise) -> str:
    """One exercise as a tab-separated line."""
    view = clock_for(store, exercise.id).now()
    return (f"{exercise.id}\t{exercise.state}\t×{exercise.speed}\t{format_time(view, with_date=True)}\t"
            f"{exercise.name}\tjoin code {exercise.join_code}")


@click.group("exercise")
def exercise() -> None:
    """Run training exercises on history (never on live data)."""


@exercise.command("create")
@click.argument("name")
@click.option("--start", "start", help="Exercise start in history (ISO; naive = Paris time).")
@click.option("--speed", type=int, help="Clock speed, 1 to 3600.")
@click.option("--scenario", help="Scenario file, or its name in data/scenarios.")
@BY
@click.pass_context
def create(ctx: click.Context, name: str, start: str | None, speed: int | None, scenario: str | None,
           username: str) -> None:
    """Create an exercise (draft); --start and --speed default to the scenario's suggestion."""
    store, slot = open_store(ctx), settings_from_ctx(ctx).slot_minutes
    start_at = None if start is None else _instant(start, "--start")
    if scenario is None and (start_at is None or speed is None):
        raise click.ClickException("give --start and --speed (or a --scenario that suggests them)")
    if scenario is None:
        made = control.create_exercise(store, name, start_at or 0, speed or 0, username, slot_minutes=slot)
    else:
        folder = scenarios.default_scenarios_folder(settings_from_ctx(ctx).reference_dir)
        chosen = scenarios.find_scenario(scenario, folder, known_sectors=sector_table.known(store))
        made = scenarios.create_from_scenario(store, chosen, username, name=name, start_at=start_at,
                                              speed=speed, slot_minutes=slot)
    click.echo(f"exercise {made.id} created: {made.name}, start {format_time(made.start_at, with_date=True)}, "
               f"×{made.speed}, join code {made.join_code}")


@exercise.command("list")
@click.option("--active", is_flag=True, help="Only exercises not ended.")
@click.pass_context
def list_(ctx: click.Context, active: bool) -> None:
    """List exercises: id, state, speed, exercise time, name, join code."""
    store = open_store(ctx)
    for item in control.list_exercises(store, active_only=active):
        click.echo(_line(store, item))


def _control(name: str, action: Callable[..., Exercise], help_text: str) -> click.Command:
    """A command ID [--by] calling one control action."""
    @click.command(name, help=help_text)
    @click.argument("exercise_id", type=int)
    @BY
    @click.pass_context
    def command(ctx: click.Context, exercise_id: int, username: str) -> None:
        store = open_store(ctx)
        if action is end_exercise:
            done = end_exercise(store, exercise_id, username, settings=settings_from_ctx(ctx))
        else:
            done = action(store, exercise_id, username)
        click.echo(_line(store, done))
    return command


exercise.add_command(_control("start", control.start, "Start the clock of a draft exercise."))
exercise.add_command(_control("pause", control.pause, "Pause the clock."))
exercise.add_command(_control("resume", control.resume, "Resume a paused clock."))
exercise.add_command(_control("end", end_exercise, "End the exercise and freeze its timeline."))


@exercise.command("speed")
@click.argument("exercise_id", type=int)
@click.argument("speed", type=int)
@BY
@click.pass_context
def speed(ctx: click.Context, exercise_id: int, speed: int, username: str) -> None:
    """Change the clock speed (1 to 3600)."""
    store = open_store(ctx)
    done = control.set_speed(store, exercise_id, speed, username)
    click.echo(_line(store, done))


@exercise.command("jump")
@click.argument("exercise_id", type=int)
@click.argument("instant")
@BY
@click.pass_context
def jump(ctx: click.Context, exercise_id: int, instant: str, username: str) -> None:
    """Move the clock to INSTANT (ISO, within the exercise's history)."""
    store, target = open_store(ctx), _instant(instant, "INSTANT")
    done = control.jump(store, exercise_id, target, username)
    click.echo(_line(store, done))


@exercise.command("inject")
@click.argument("exercise_id", type=int)
@click.option("--sector", "sectors", multiple=True, required=True, help="Sector code (repeat for several).")
@click.option("--from", "start", required=True, help="Start of the injection (ISO).")
@click.option("--to", "end", required=True, help="End of the injection (ISO).")
@click.option("--delta", type=int, help="People added (negative: removed) per sector.")
@click.option("--multiplier", type=float, help="Or: factor applied to the historical value.")
@click.option("--ramp-up", help="Linear rise at the start, e.g. 1h00.")
@click.option("--ramp-down", help="Linear fall at the end, e.g. 0h30.")
@click.option("--note", default="", help="What the injection represents (shown in the timeline).")
@BY
@click.pass_context
def inject(ctx: click.Context, exercise_id: int, sectors: tuple[str, ...], start: str, end: str, delta: int | None,
           multiplier: float | None, ramp_up: str | None, ramp_down: str | None, note: str, username: str) -> None:
    """Inject a change of people present into sectors of the exercise (never into live data)."""
    store = open_store(ctx)
    lo, hi = _instant(start, "--from"), _instant(end, "--to")
    up, down = _offset(ramp_up, "--ramp-up"), _offset(ramp_down, "--ramp-down")
    detail = add_injection(store, exercise_id, list(sectors), lo, hi, delta=delta, multiplier=multiplier,
                           note=note, username=username, ramp_up=up, ramp_down=down,
                           k=settings_from_ctx(ctx).privacy_k)
    click.echo(f"injected into {' '.join(detail['sectors'])}: {detail['rows']} slot rows, peak {detail['peak']:+d}")


@exercise.command("timeline")
@click.argument("exercise_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def timeline(ctx: click.Context, exercise_id: int, as_json: bool) -> None:
    """Print the after-action timeline (control, injections, crisis ranking changes, plans)."""
    store = open_store(ctx)
    entries = after_action_timeline(store, exercise_id, settings_from_ctx(ctx))
    if as_json:
        lang = language()
        click.echo(json.dumps([{**e, "text": timeline_text(e, lang)} for e in entries], ensure_ascii=False,
                              indent=1))
        return
    for entry in entries:
        click.echo(f"{format_time(entry['view_time'], with_date=True)}\t{entry['kind']}\t"
                   f"{timeline_text(entry, language())}")


@click.group("scenario")
def scenario() -> None:
    """Exercise scenarios (data/scenarios)."""


@scenario.command("list")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), help="Another scenarios folder.")
@click.pass_context
def scenario_list(ctx: click.Context, folder: Path | None) -> None:
    """List the scenarios (name, suggested start and speed, sectors) and any file that cannot be used."""
    folder = folder or scenarios.default_scenarios_folder(settings_from_ctx(ctx).reference_dir)
    found, problems = scenarios.scan_scenarios(folder, sector_table.known(open_store(ctx)))
    for item in found:
        click.echo(f"{item.key}\t{item.name}\tstart {item.start}\t×{item.speed}\t"
                   f"{scenarios.format_offset(item.duration)}\t{' '.join(item.sectors())}")
    for problem in problems:
        click.echo(f"invalid: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} scenario file(s) cannot be used")


@scenario.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def scenario_check(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Check scenario files against the format and the sector catalogue."""
    known = sector_table.known(open_store(ctx))
    for path in files:
        item = scenarios.load_scenario(path, known)
        click.echo(f"{path.name}: ok ({len(item.injections)} injections, {scenarios.format_offset(item.duration)})")


def register(main: click.Group) -> None:
    main.add_command(exercise)
    main.add_command(scenario)
