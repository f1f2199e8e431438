"""Scenario files: declarative changes of presence over time, replayed inside an exercise.

A scenario (data/scenarios/*.yaml, or JSON) names itself, suggests a start and a speed,
and lists injections: sectors, a window given as offsets from the exercise start
("+0h30", "+2h", "+90min", "+1d"), a change (`delta` people, or a `multiplier` of the
historical value) and an optional profile (`ramp_up`, `ramp_down`: linear rise at the
start, linear fall at the end, plateau between). `apply_scenario` writes them into the
exercise's own injections (vigie.training.injections), never into live observations.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from vigie.errors import VigieError
from vigie.i18n import Message, translate
from vigie.slots import DEFAULT_SLOT_MINUTES, PARIS, parse_instant, to_local
from vigie.training import control, repository
from vigie.training.clock import ExerciseError, MAX_SPEED, MIN_SPEED
from vigie.training.control import Exercise
from vigie.training.injections import MAX_DELTA, MAX_MULTIPLIER, add_injection
from vigie.store import Store

SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILE_BYTES = 1_000_000
SYNTAX_REFERENCE = 1_800_000_000  # any instant: only checks that a start can be resolved
TOP_KEYS = {"name", "description", "start", "speed", "duration", "injections"}
INJECTION_KEYS = {"sectors", "from", "to", "delta", "multiplier", "profile", "note"}
PROFILE_KEYS = {"ramp_up", "ramp_down"}
_DURATION = re.compile(r"^\+?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h(?P<hm>\d{2})?)?(?:(?P<m>\d+)min)?$")
_RELATIVE = re.compile(r"^(?P<which>last|dernier|derni[eè]re|today|aujourd'hui|yesterday|hier)"
                       r"(?:\s+(?P<weekday>[a-zé]+))?\s+(?P<h>\d{1,2})[:h](?P<m>\d{2})$")
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
            "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5, "dimanche": 6}


Problem = Message | VigieError


class InvalidScenario(ExerciseError):
    """A scenario file cannot be used; the message names the file, the injection and the field.

    `problem` says what is wrong (a message, or the refusal of the core it comes from);
    `also` holds the problems of other files refused at the same time.
    """

    def __init__(self, file: str, problem: Problem, *, injection: int | None = None, field: str | None = None,
                 note: str = "", also: Sequence["InvalidScenario"] = ()) -> None:
        super().__init__(key="errors.scenario_problem", where=file, problem=problem)
        self.file, self.problem, self.injection, self.field = file, problem, injection, field
        self.note, self.also = note[:40], tuple(also)

    def message(self, lang: str = "fr") -> str:
        """Where (file, injection, field) and what, for this file and any other refused with it."""
        where = [self.file]
        if self.injection is not None:
            key = "errors.scenario_where_injection_note" if self.note else "errors.scenario_where_injection"
            where.append(translate(key, lang, number=self.injection, note=self.note))
        if self.field is not None:
            where.append(translate("errors.scenario_where_field", lang, field=self.field))
        own = translate("errors.scenario_problem", lang, where=", ".join(where), problem=self.problem)
        return " ; ".join([own, *(other.message(lang) for other in self.also)])


@dataclass(frozen=True)
class ScenarioInjection:
    """One injection, its window in seconds after the exercise start."""

    sectors: tuple[str, ...]
    start: int
    end: int
    delta: int | None
    multiplier: float | None
    ramp_up: int
    ramp_down: int
    note: str


@dataclass(frozen=True)
class Scenario:
    """A scenario file, checked."""

    key: str
    path: Path
    name: str
    description: str
    start: str
    speed: int
    duration: int
    injections: tuple[ScenarioInjection, ...]

    def sectors(self) -> list[str]:
        """Every sector the scenario touches, in order of appearance."""
        return list(dict.fromkeys(code for i in self.injections for code in i.sectors))


# -- durations and starts --------------------------------------------------------------------------------
def parse_offset(text: Any) -> int:
    """'+1h30', '+0h30', '+2h', '+90min', '+1d' -> seconds; ExerciseError (a ValueError) when unreadable."""
    if not isinstance(text, str):
        raise ExerciseError(key="errors.scenario_duration_unquoted", text=repr(text))
    match = _DURATION.match(text.replace(" ", "").lower())
    if not match or not any(match.group(g) for g in ("d", "h", "m")):
        raise ExerciseError(key="errors.scenario_duration_unreadable", text=repr(text))
    minutes = int(match.group("hm") or 0)
    if minutes >= 60:
        raise ExerciseError(key="errors.scenario_duration_minutes", text=repr(text))
    return ((int(match.group("d") or 0) * 24 + int(match.group("h") or 0)) * 60 + minutes
            + int(match.group("m") or 0)) * 60


def format_offset(seconds: int) -> str:
    """Seconds -> '+1h30' (the spelling parse_offset reads back)."""
    hours, rest = divmod(int(seconds) // 60, 60)
    return f"+{hours}h{rest:02d}"


def resolve_start(spec: str, reference: int, duration: int = 0) -> int:
    """An ISO instant, or 'last saturday 14:00' / 'yesterday 08:00' (Paris time) relative to `reference`.

    'last <weekday>' picks the latest such day whose whole duration fits before `reference`
    (the end of the available history); 'today' and 'yesterday' are the days of `reference`.
    """
    match = _RELATIVE.match(spec.strip().lower())
    if match is None:
        try:
            return parse_instant(spec)
        except ValueError as exc:
            raise ExerciseError(key="errors.scenario_start_unreadable", spec=repr(spec)) from exc
    hour, minute = int(match.group("h")), int(match.group("m"))
    if hour > 23 or minute > 59:
        raise ExerciseError(key="errors.scenario_start_hour", spec=repr(spec))
    weekday = _weekday(match.group("which"), match.group("weekday"), spec)
    day = to_local(reference).date()
    if weekday is None:
        back = 0 if match.group("which") in ("today", "aujourd'hui") else 1
        return _local(day - timedelta(days=back), hour, minute)
    for back in range(0, 7 * 60):
        candidate = day - timedelta(days=back)
        at = _local(candidate, hour, minute)
        if candidate.weekday() == weekday and at + duration <= reference:
            return at
    raise ExerciseError(key="errors.scenario_start_no_day", spec=repr(spec))


def _local(day: date, hour: int, minute: int) -> int:
    """Epoch seconds of a Paris wall time."""
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS).timestamp())


def _weekday(which: str, weekday: str | None, spec: str) -> int | None:
    """The weekday asked for (None for today / yesterday)."""
    if which in ("today", "aujourd'hui", "yesterday", "hier"):
        if weekday:
            raise ExerciseError(key="errors.scenario_start_no_weekday", spec=repr(spec), which=which)
        return None
    if weekday not in WEEKDAYS:
        raise ExerciseError(key="errors.scenario_start_weekday", spec=repr(spec), weekday=repr(weekday))
    return WEEKDAYS[weekday]


def suggested_start(scenario: Scenario, reference: int) -> int:
    """The scenario's suggested start, resolved against the end of history."""
    try:
        return resolve_start(scenario.start, reference, scenario.duration)
    except ExerciseError as exc:
        raise InvalidScenario(scenario.path.name, exc, field="start") from exc


# -- loading ---------------------------------------------------------------------------------------------
def default_scenarios_folder(reference_dir: Path) -> Path:
    """The scenarios/ folder of the reference data (settings.reference_dir)."""
    return reference_dir / "scenarios"


def _read(path: Path) -> Any:
    """The parsed YAML/JSON document of a scenario file."""
    if path.suffix.lower() not in SUFFIXES:
        raise InvalidScenario(path.name, Message("errors.scenario_suffix", {"suffixes": ", ".join(SUFFIXES)}))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidScenario(path.name, Message("errors.scenario_too_large"))
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidScenario(path.name, Message("errors.scenario_unreadable", {"reason": exc.strerror})) from exc
    except UnicodeDecodeError as exc:
        raise InvalidScenario(path.name, Message("errors.scenario_not_utf8")) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = (Message("errors.scenario_bad_yaml") if mark is None
                   else Message("errors.scenario_bad_yaml_line", {"line": mark.line + 1}))
        raise InvalidScenario(path.name, problem) from exc


def load_scenario(path: Path | str, known_sectors: Collection[str] | None = None) -> Scenario:
    """Read and check a scenario file; InvalidScenario names the file, injection and field at fault."""
    path = Path(path)
    return parse_scenario(_read(path), path, known_sectors)


def parse_scenario(document: Any, path: Path, known_sectors: Collection[str] | None = None) -> Scenario:
    """Check a parsed scenario document."""
    file = path.name
    if not isinstance(document, Mapping):
        raise InvalidScenario(file, Message("errors.scenario_not_a_mapping"))
    _no_unknown_keys(document, TOP_KEYS, file)
    name = _text(document, "name", file, limit=control.MAX_NAME)
    description = _text(document, "description", file, limit=4000)
    start = _text(document, "start", file, limit=100)
    try:
        resolve_start(start, SYNTAX_REFERENCE)
    except ExerciseError as exc:
        raise InvalidScenario(file, exc, field="start") from exc
    speed = document.get("speed")
    if not isinstance(speed, int) or isinstance(speed, bool) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise InvalidScenario(file, Message("errors.scenario_speed", {"speed": repr(speed), "low": MIN_SPEED,
                                                                      "high": MAX_SPEED}), field="speed")
    raw = document.get("injections")
    if not isinstance(raw, list) or not raw:
        raise InvalidScenario(file, Message("errors.scenario_no_injection"), field="injections")
    injections = tuple(_injection(item, i, file, known_sectors) for i, item in enumerate(raw, start=1))
    duration = max(i.end for i in injections)
    if "duration" in document:
        duration = _offset(document["duration"], file, None, "duration", "")
    return Scenario(path.stem, path, name, description, start, speed, duration, injections)


def _no_unknown_keys(mapping: Mapping[str, Any], allowed: set[str], file: str, injection: int | None = None,
                     note: str = "") -> None:
    """Refuse misspelt keys rather than ignore them."""
    unknown = sorted(str(k) for k in mapping if k not in allowed)
    if unknown:
        raise InvalidScenario(file, Message("errors.scenario_unknown_key", {"keys": ", ".join(sorted(allowed))}),
                              injection=injection, field=unknown[0], note=note)


def _text(document: Mapping[str, Any], key: str, file: str, *, limit: int) -> str:
    """A required, non-empty text field."""
    value = document.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidScenario(file, Message("errors.scenario_text_required"), field=key)
    if len(value) > limit:
        raise InvalidScenario(file, Message("errors.scenario_text_too_long", {"limit": limit}), field=key)
    return value.strip()


def _offset(value: Any, file: str, injection: int | None, field: str, note: str) -> int:
    """An offset or duration in seconds."""
    try:
        return parse_offset(value)
    except ExerciseError as exc:
        raise InvalidScenario(file, exc, injection=injection, field=field, note=note) from exc


def _injection(item: Any, index: int, file: str, known: Collection[str] | None) -> ScenarioInjection:
    """Check one injection of the list."""
    if not isinstance(item, Mapping):
        raise InvalidScenario(file, Message("errors.scenario_injection_not_a_mapping"), injection=index)
    raw_note = item.get("note")
    note = raw_note if isinstance(raw_note, str) else ""
    _no_unknown_keys(item, INJECTION_KEYS, file, index, note)

    def fail(field: str, key: str, **params: Any) -> InvalidScenario:
        return InvalidScenario(file, Message(f"errors.scenario_{key}", params), injection=index, field=field,
                               note=note)

    if not note.strip():
        raise fail("note", "note_missing")
    sectors = _sectors(item.get("sectors"), known, fail)
    start = _offset(item.get("from"), file, index, "from", note)
    end = _offset(item.get("to"), file, index, "to", note)
    if end <= start:
        raise fail("to", "injection_order")
    delta, multiplier = _change(item, fail)
    ramp_up, ramp_down = _profile(item.get("profile"), file, index, note, fail)
    if ramp_up + ramp_down > end - start:
        raise fail("profile", "ramps")
    return ScenarioInjection(sectors, start, end, delta, multiplier, ramp_up, ramp_down, note.strip())


def _sectors(value: Any, known: Collection[str] | None, fail: Any) -> tuple[str, ...]:
    """Sector codes as text (a single code or a list), checked against the catalogue when given."""
    items = value if isinstance(value, list) else [value]
    codes = tuple(str(v).strip() for v in items if isinstance(v, (str, int)) and not isinstance(v, bool))
    if not codes or len(codes) != len(items) or any(not c for c in codes):
        raise fail("sectors", "sectors_format")
    unknown = [c for c in codes if known is not None and c not in known]
    if unknown:
        raise fail("sectors", "unknown_sectors", codes=", ".join(unknown))
    return tuple(dict.fromkeys(codes))


def _change(item: Mapping[str, Any], fail: Any) -> tuple[int | None, float | None]:
    """(delta, multiplier): exactly one of them, within bounds."""
    delta, multiplier = item.get("delta"), item.get("multiplier")
    if (delta is None) == (multiplier is None):
        raise fail("delta", "delta_or_multiplier")
    if delta is not None:
        if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_DELTA:
            raise fail("delta", "delta", max=MAX_DELTA)
        return delta, None
    if (not isinstance(multiplier, (int, float)) or isinstance(multiplier, bool)
            or not 0 <= multiplier <= MAX_MULTIPLIER or multiplier == 1):
        raise fail("multiplier", "multiplier", max=MAX_MULTIPLIER)
    return None, float(multiplier)


def _profile(value: Any, file: str, index: int, note: str, fail: Any) -> tuple[int, int]:
    """(ramp_up, ramp_down) in seconds; no profile is a step change."""
    if value is None:
        return 0, 0
    if not isinstance(value, Mapping):
        raise fail("profile", "profile_format", example='{ramp_up: "1h00", ramp_down: "0h30"}')
    _no_unknown_keys(value, PROFILE_KEYS, file, index, note)
    return tuple(_offset(value[k], file, index, f"profile.{k}", note) if k in value else 0  # type: ignore[return-value]
                 for k in ("ramp_up", "ramp_down"))


def scan_scenarios(folder: Path, known_sectors: Collection[str] | None = None
                   ) -> tuple[list[Scenario], list[InvalidScenario]]:
    """(valid scenarios, problems) of a folder, sorted by file name: one bad file hides no other."""
    found, problems = [], []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES) if folder.is_dir() else []:
        try:
            found.append(load_scenario(path, known_sectors))
        except InvalidScenario as exc:
            problems.append(exc)
    return found, problems


def list_scenarios(folder: Path, known_sectors: Collection[str] | None = None) -> list[Scenario]:
    """Every scenario of a folder; InvalidScenario (naming every bad file) if one cannot be used."""
    found, problems = scan_scenarios(folder, known_sectors)
    if problems:
        first = problems[0]
        raise InvalidScenario(first.file, first.problem, injection=first.injection, field=first.field,
                              note=first.note, also=problems[1:])
    return found


def find_scenario(name_or_path: str, folder: Path, known_sectors: Collection[str] | None = None) -> Scenario:
    """A scenario from a file path, or from its name in the scenarios folder (file name without extension)."""
    path = Path(name_or_path)
    if path.is_file():
        return load_scenario(path, known_sectors)
    for suffix in SUFFIXES:
        candidate = folder / f"{name_or_path}{suffix}"
        if candidate.is_file():
            return load_scenario(candidate, known_sectors)
    raise InvalidScenario(str(name_or_path), Message("errors.scenario_not_found"))


# -- applying -------------------------------------------------------------------------------------------
def apply_scenario(store: Store, exercise: Exercise, scenario: Scenario, username: str | None = None) -> int:
    """Write every injection of the scenario into the exercise (all or nothing); return the rows written."""
    rows = 0
    with repository.one_transaction(store):
        for index, injection in enumerate(scenario.injections, start=1):
            try:
                detail = add_injection(
                    store, exercise.id, injection.sectors, exercise.start_at + injection.start,
                    exercise.start_at + injection.end, delta=injection.delta, multiplier=injection.multiplier,
                    note=injection.note, username=username or exercise.created_by, ramp_up=injection.ramp_up,
                    ramp_down=injection.ramp_down, source="scenario")
            except InvalidScenario:
                raise
            except ExerciseError as exc:
                raise InvalidScenario(scenario.path.name, exc, injection=index, note=injection.note) from exc
            rows += int(detail["rows"])
        repository.record_scenario(store, exercise.id, scenario.key, exercise.start_at + scenario.duration)
    return rows


def create_from_scenario(store: Store, scenario: Scenario, created_by: str, *, name: str | None = None,
                         start_at: int | None = None, speed: int | None = None,
                         slot_minutes: int = DEFAULT_SLOT_MINUTES, wall_now: float | None = None) -> Exercise:
    """Create an exercise from a scenario (its suggested start and speed unless given) with its injections."""
    if start_at is None:
        _, end = control.history_bounds(store, slot_minutes)
        start_at = suggested_start(scenario, end)
    with repository.one_transaction(store):
        exercise = control.create_exercise(store, name or scenario.name, start_at, speed or scenario.speed,
                                           created_by, scenario.key, slot_minutes=slot_minutes, wall_now=wall_now)
        apply_scenario(store, exercise, scenario, created_by)
    return control.get_exercise(store, exercise.id)
