"""Events calendar management for operators: add, edit, delete, import CSV or iCalendar.

Events are stored by vigie.calendar.events (origin 'user', created_by = the operator), and the
days they touch are flagged in the reference exclusions (vigie.reference.flag_events) so
that they stay out of the usual values. Imports are whole-file-or-nothing: every event
is checked, every problem reported (French and English), nothing written unless all pass.

iCalendar (RFC 5545, parsed with the `icalendar` package): VEVENT with DTSTART and DTEND
or DURATION; times with TZID (IANA name or a VTIMEZONE of the file), UTC (Z), floating
(read as Europe/Paris) or all-day DATE values (local midnight to midnight, DTEND
exclusive). Sectors come from X-VIGIE-SECTORS (INSEE codes), else LOCATION (sector names,
Marseille postal codes), else CATEGORIES (codes or names). See docs/overlays-format.md.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable, Collection, Mapping, Sequence

from vigie.calendar import events as events_mod
from vigie import reference
from vigie.calendar.events import CATEGORIES, COLUMNS, Event, InvalidEvents, make_event
from vigie.operations import repository
from vigie.operations.overlays import ImportRefused, MAX_CELL_CHARS, Problem, csv_refusal, decode
from vigie.slots import PARIS, local_day_bounds
from vigie.store import Store
from vigie import sectors as sector_table

SectorsResolver = Callable[[str], Sequence[str]]
MAX_PROBLEMS = 50
MAX_NAME_CHARS = 200  # event names (an iCalendar SUMMARY is cut there)
CATEGORY_ALIASES = {"feria": "feria", "festival": "festival", "match": "match", "fireworks": "fireworks",
                    "feu d artifice": "fireworks", "feux d artifice": "fireworks", "pelerinage": "pilgrimage",
                    "pilgrimage": "pilgrimage", "course": "race", "race": "race", "concert": "concert",
                    "foire": "fair", "salon": "fair", "marche": "fair", "fair": "fair", "other": "other"}
FIELD_FR = {
    "start": "début : date-heure ISO 8601 avec décalage attendue (ex. 2026-07-14T20:00:00+02:00)",
    "end": "fin : date-heure ISO 8601 avec décalage, après le début",
    "sectors": "secteurs : codes INSEE du catalogue, séparés par des espaces",
    "category": f"catégorie : une parmi {', '.join(CATEGORIES)}",
    "expected_attendance": "fréquentation attendue : nombre entier ≥ 0",
    "event_id": "identifiant déjà utilisé dans le fichier",
    "name": "nom : donnez un nom sans caractères de contrôle",
}
_FIELD = re.compile(r"field (\w+): ")
_ARRONDISSEMENT = re.compile(r"^(?P<city>.+) (?P<n>\d{1,2}) ?(?:e|er|eme|ieme) arrondissement$")
POSTAL_PREFIXES = {"marseille": "130", "paris": "750", "lyon": "6900"}  # postal code = prefix + arrondissement
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class _Refusal(InvalidEvents):
    """One event refused by this module's own checks, in French and English."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(en)
        self.fr, self.en = fr, en

    def message(self, lang: str = "fr") -> str:
        """The refusal in `lang`."""
        return self.fr if lang == "fr" else self.en


@dataclass(frozen=True)
class EventImportReport:
    """What an import wrote: events saved, sector-days flagged, events too diffuse to flag."""

    events: list[Event]
    flagged: int
    not_flagged: list[str] = field(default_factory=list)


def _plain(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: for name matching."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


class SectorNameResolver:
    """Map free text (an iCalendar LOCATION or CATEGORIES value) to sector codes of the catalogue.

    The longest sector names found as whole words win ("Plan-d'Orgon" before "Orgon").
    Arrondissements ("Marseille 8e Arrondissement") match "Marseille 8e" or the city's
    postal code (13008 Marseille); the plain city name is ambiguous and matches nothing.
    """

    def __init__(self, sectors: Mapping[str, str]) -> None:
        self.names: list[tuple[str, str]] = []
        self.arrondissements: dict[tuple[str, int], str] = {}
        for code, name in sectors.items():
            match = _ARRONDISSEMENT.match(_plain(name))
            if match:
                self.arrondissements[(match["city"], int(match["n"]))] = code
            else:
                self.names.append((_plain(name), code))
        self.names.sort(key=lambda pair: -len(pair[0]))

    @classmethod
    def from_store(cls, store: Store) -> "SectorNameResolver":
        return cls(sector_table.names(store))

    def __call__(self, text: str) -> list[str]:
        plain = f" {_plain(text)} "
        found = self._arrondissements(text, plain)
        for name, code in self.names:
            if f" {name} " in plain:
                found.append(code)
                plain = plain.replace(f" {name} ", " | ")
        return list(dict.fromkeys(found))

    def _arrondissements(self, raw: str, plain: str) -> list[str]:
        """Arrondissement codes named by 'City 8e' or by the city's postal code."""
        found = []
        for city in {c for c, _ in self.arrondissements}:
            if f" {city} " not in plain:
                continue
            numbers = [int(n) for n in re.findall(rf"\b{re.escape(city)} (\d{{1,2}}) ?(?:e|er|eme|ieme)\b", plain)]
            prefix = POSTAL_PREFIXES.get(city)
            if prefix:
                numbers += [int(n) for n in re.findall(rf"\b{prefix}(\d{{2}})\b", raw)]
            found += [self.arrondissements[(city, n)] for n in numbers if (city, n) in self.arrondissements]
        return found


# -- messages ------------------------------------------------------------------------------------
def _problem(where: int | None, exc: InvalidEvents | str, label: str = "") -> Problem:
    """A bilingual problem from an events.py error (English) and the field it names."""
    english = str(exc)
    match = _FIELD.search(english)
    detail = english[match.start():] if match else english
    french = FIELD_FR.get(match.group(1), detail) if match else detail
    prefix = f"{label} : " if label else ""
    return Problem(where, f"{prefix}{french} ({detail})", f"{label + ': ' if label else ''}{detail}")


def _refuse(problems: list[Problem], what: tuple[str, str]) -> None:
    if problems:
        raise ImportRefused(what, problems[:MAX_PROBLEMS])


# -- saving and flagging -------------------------------------------------------------------------
def get_event(store: Store, event_id: str) -> Event | None:
    """The event with that id, or None."""
    for event in events_mod.load_events(store):
        if event.event_id == event_id:
            return event
    return None


def _unflag(store: Store, event: Event) -> None:
    """Remove the flags this event wrote, then re-flag what other events still cover."""
    reason = f"event:{event.event_id}"
    by_day: dict[str, list[str]] = {}
    for row in reference.list_flags(store):
        if row["reason"] == reason:
            by_day.setdefault(row["day"], []).append(row["sector_code"])
    for day, codes in by_day.items():
        reference.unflag_day(store, day, codes)
    others = [e for e in events_mod.load_events(store, event.start, event.end) if e.event_id != event.event_id]
    if others:
        reference.flag_events(store, others)


def _save(store: Store, events: Sequence[Event], username: str) -> EventImportReport:
    """Save user events and flag their days, all in one transaction."""
    with repository.one_transaction(store):
        saved = []
        for event in events:
            previous = get_event(store, event.event_id)
            if previous is not None:
                _unflag(store, previous)
            saved.append(events_mod.save_user_event(store, event, username))
        flagged = reference.flag_events(store, saved)
    threshold = reference.EVENT_MIN_DAILY_ATTENDANCE
    quiet = [e.event_id for e in saved if e.expected_attendance / len(e.local_days()) < threshold]
    return EventImportReport(saved, flagged, quiet)


def _new_id(name: str, start: int) -> str:
    """A readable id for an event added by hand: user-<slug>-<date>-<hash>."""
    slug = _plain(name).replace(" ", "-")[:40] or "evenement"
    digest = hashlib.sha256(f"{name}|{start}".encode()).hexdigest()[:6]
    return f"user-{slug}-{datetime.fromtimestamp(start, PARIS).date().isoformat()}-{digest}"


@contextmanager
def _in_both_languages() -> Iterator[None]:
    """An event refused by events.py (English) is refused in French and English, naming the field."""
    try:
        yield
    except _Refusal:
        raise
    except InvalidEvents as exc:
        match = _FIELD.search(str(exc))
        french = FIELD_FR.get(match.group(1)) if match else None
        raise _Refusal(french or _problem(None, exc).fr, str(exc)) from None


def add_event(store: Store, username: str, *, name: str, sectors: Sequence[str], start: str | int, end: str | int,
              expected_attendance: int = 0, category: str = "other", source: str = "",
              event_id: str | None = None) -> Event:
    """Add an event (operator and up), checked like a file event; flags its days."""
    with _in_both_languages():
        return _add_event(store, username, name=name, sectors=sectors, start=start, end=end,
                          expected_attendance=expected_attendance, category=category, source=source,
                          event_id=event_id)


def _add_event(store: Store, username: str, *, name: str, sectors: Sequence[str], start: str | int, end: str | int,
               expected_attendance: int, category: str, source: str, event_id: str | None) -> Event:
    name = (name or "").strip()
    if not name or not name.isprintable():
        raise InvalidEvents("event: field name: give a name without control characters")
    event = make_event(event_id or "new", name[:200], list(sectors), start, end, expected_attendance,
                       category, source, origin="user", created_by=username, known_sectors=sector_table.known(store))
    if event_id is None:
        event = replace(event, event_id=_new_id(name, event.start))
    if get_event(store, event.event_id) is not None:
        raise _Refusal(f"l'événement {event.event_id} existe déjà : modifiez-le plutôt",
                       f"event: field event_id: {event.event_id!r} already exists; edit it instead")
    return _save(store, [event], username).events[0]


def update_event(store: Store, event_id: str, username: str, **changes: Any) -> Event:
    """Edit an event (name, sectors, start, end, expected_attendance, category, source); re-flags its days."""
    with _in_both_languages():
        return _update_event(store, event_id, username, changes)


def _update_event(store: Store, event_id: str, username: str, changes: dict[str, Any]) -> Event:
    current = get_event(store, event_id)
    if current is None:
        raise _Refusal(f"aucun événement {event_id[:80]} : vérifiez le calendrier",
                       f"event: field event_id: no event {event_id!r}; check the calendar")
    allowed = {"name", "sectors", "start", "end", "expected_attendance", "category", "source"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise _Refusal(f"champs non modifiables : {', '.join(unknown)} (seulement {', '.join(sorted(allowed))})",
                       f"event: cannot change {', '.join(unknown)}; only {', '.join(sorted(allowed))}")
    merged = {**{k: getattr(current, k) for k in allowed}, **changes}
    event = make_event(event_id, str(merged["name"]).strip()[:200], list(merged["sectors"]), merged["start"],
                       merged["end"], merged["expected_attendance"], merged["category"], merged["source"],
                       origin="user", created_by=username, known_sectors=sector_table.known(store))
    return _save(store, [event], username).events[0]


def delete_event(store: Store, event_id: str) -> bool:
    """Delete an event and put the days it flagged back into the usual values; False when absent."""
    current = get_event(store, event_id)
    if current is None:
        return False
    with repository.one_transaction(store):
        events_mod.delete_event(store, event_id)
        _unflag(store, current)
    return True


# -- CSV -----------------------------------------------------------------------------------------
def import_events_csv(store: Store, data: bytes, username: str, *, max_bytes: int = 5 * 1024 * 1024) -> EventImportReport:
    """Import an events CSV (the columns of data/events/NN.csv); all or nothing."""
    what = ("fichier d'événements", "events file")
    text = decode(data, what, max_bytes)
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise csv_refusal(exc, what) from None
    if sorted(header) != sorted(COLUMNS):
        _refuse([Problem(1, f"l'en-tête doit être {','.join(COLUMNS)}", f"the header must be {','.join(COLUMNS)}")], what)
    known = sector_table.known(store)
    problems: list[Problem] = []
    parsed: list[Event] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            event = _csv_event(row, known, username)
        except _Refusal as exc:
            problems.append(Problem(line, exc.fr, exc.en))
            continue
        except InvalidEvents as exc:
            problems.append(_problem(line, exc))
            continue
        if event.event_id in seen:
            problems.append(Problem(line, f"identifiant {event.event_id} déjà utilisé ligne {seen[event.event_id]}",
                                    f"event_id {event.event_id} already used on line {seen[event.event_id]}"))
        seen.setdefault(event.event_id, line)
        parsed.append(event)
    if not parsed and not problems:
        problems.append(Problem(None, "aucun événement dans le fichier", "no event in the file"))
    _refuse(problems, what)
    return _save(store, parsed, username)


def _csv_event(row: Mapping[str, Any], known: Collection[str], username: str) -> Event:
    """One checked event from a CSV row."""
    if None in row:
        raise _Refusal("plus de champs que de colonnes (mettez entre guillemets les noms qui contiennent une virgule)",
                       "more fields than columns (quote names that hold a comma)")
    cell = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
    for name, value in cell.items():
        limit = MAX_NAME_CHARS if name == "name" else MAX_CELL_CHARS
        if len(value) > limit:
            raise _Refusal(f"champ {name[:40]} trop long ({len(value)} caractères, {limit} au plus)",
                           f"field {name[:40]}: too long ({len(value)} characters, at most {limit})")
    for name in ("event_id", "name", "sectors", "start", "end", "expected_attendance", "category"):
        if not cell.get(name):
            raise _Refusal(f"champ {name} vide : remplissez-le", f"field {name}: empty; fill it in")
    return make_event(cell["event_id"], cell["name"], cell["sectors"].split(), cell["start"], cell["end"],
                      cell["expected_attendance"], cell["category"], cell.get("source", ""), origin="user",
                      created_by=username, where="", known_sectors=known)


# -- iCalendar -----------------------------------------------------------------------------------
def _instant(value: date | datetime) -> int:
    """Epoch seconds of an iCalendar DATE (local midnight) or DATE-TIME (floating = Europe/Paris)."""
    if not isinstance(value, datetime):
        return local_day_bounds(value)[0]
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return int(value.timestamp())


def _add(start: date | datetime, duration: timedelta) -> date | datetime:
    """start + duration: days in local wall-clock time (nominal), the rest elapsed (RFC 5545)."""
    if not isinstance(start, datetime):
        return start + timedelta(days=duration.days)
    local = start if start.tzinfo is not None else start.replace(tzinfo=PARIS)
    shifted = local + timedelta(days=duration.days)  # aware arithmetic keeps the wall-clock time
    return shifted.astimezone(timezone.utc) + timedelta(seconds=duration.seconds)


def _times(vevent: Any) -> tuple[int, int]:
    """[start, end) epoch seconds of a VEVENT; ValueError (French) when they cannot be read."""
    broken = {name for name, _ in getattr(vevent, "errors", [])}
    start_prop = vevent.get("DTSTART")
    if start_prop is None or "DTSTART" in broken or not hasattr(start_prop, "dt"):
        raise _Refusal("DTSTART absent ou illisible", "DTSTART missing or unreadable")
    start = start_prop.dt
    end_prop, duration = vevent.get("DTEND"), vevent.get("DURATION")
    if end_prop is not None and "DTEND" not in broken and hasattr(end_prop, "dt"):
        end = end_prop.dt
    elif duration is not None and hasattr(duration, "dt") and isinstance(duration.dt, timedelta):
        end = _add(start, duration.dt)
    elif not isinstance(start, datetime):
        end = start + timedelta(days=1)
    else:
        raise _Refusal("DTEND ou DURATION manquant", "DTEND or DURATION missing")
    return _instant(start), _instant(end)


def _text(value: Any) -> list[str]:
    """Strings of a property that may be repeated or hold several values (CATEGORIES)."""
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values:
        cats = getattr(item, "cats", None)
        out.extend(str(c) for c in cats) if cats is not None else out.append(str(item))
    return [v.strip() for v in out if str(v).strip()]


def _category(vevent: Any) -> str:
    """X-VIGIE-CATEGORY, else the first CATEGORIES value that names a category, else 'other'."""
    for text in _text(vevent.get("X-VIGIE-CATEGORY")) + _text(vevent.get("CATEGORIES")):
        found = CATEGORY_ALIASES.get(_plain(text))
        if found:
            return found
    return "other"


def _codes(texts: Sequence[str], resolver: SectorsResolver | None) -> list[str]:
    """INSEE codes written as such, then (with a resolver) sector names in the other words."""
    codes: list[str] = []
    for text in texts:
        tokens = [t for t in re.split(r"[\s,;]+", text) if t]
        codes += [t for t in tokens if _INSEE.match(t)]
        rest = " ".join(t for t in tokens if not _INSEE.match(t))
        if resolver is not None and rest:
            codes += list(resolver(rest))
    return list(dict.fromkeys(codes))


def _sectors(vevent: Any, resolver: SectorsResolver) -> list[str]:
    """Sector codes from X-VIGIE-SECTORS (codes), else LOCATION (names), else CATEGORIES (codes or names).

    Numbers in LOCATION are postal codes, not INSEE codes (13008 is Marseille 8e by post
    but Aurons for INSEE), so LOCATION goes through the resolver only.
    """
    explicit = _codes(_text(vevent.get("X-VIGIE-SECTORS")), None)
    if explicit:
        return explicit
    located = [code for text in _text(vevent.get("LOCATION")) for code in resolver(text)]
    if located:
        return list(dict.fromkeys(located))
    return _codes([c for c in _text(vevent.get("CATEGORIES")) if _plain(c) not in CATEGORY_ALIASES], resolver)


def _uid(vevent: Any, start: int) -> str:
    """ics-<UID> (safe characters only, hashed when long) as the event id."""
    raw = str(vevent.get("UID") or f"{vevent.get('SUMMARY')}|{start}")
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", raw)
    return "ics-" + (safe if len(safe) <= 60 else hashlib.sha256(raw.encode()).hexdigest()[:24])


def _ics_event(vevent: Any, resolver: SectorsResolver, known: Collection[str], username: str, source: str) -> Event:
    """One checked event from a VEVENT; ValueError('fr|en') or InvalidEvents."""
    if vevent.get("RRULE") is not None or vevent.get("RECURRENCE-ID") is not None:
        raise _Refusal("événement récurrent (RRULE) : exportez les occurrences une à une",
                       "recurring event (RRULE): export each occurrence")
    for prop in ("LOCATION", "CATEGORIES", "X-VIGIE-SECTORS", "X-VIGIE-ATTENDANCE", "X-VIGIE-CATEGORY"):
        size = sum(len(text) for text in _text(vevent.get(prop)))
        if size > MAX_CELL_CHARS:
            raise _Refusal(f"{prop} trop long ({size} caractères, {MAX_CELL_CHARS} au plus)",
                           f"{prop}: too long ({size} characters, at most {MAX_CELL_CHARS})")
    start, end = _times(vevent)
    name = " ".join(str(vevent.get("SUMMARY") or "").split())
    if not name:
        raise _Refusal("SUMMARY (nom) manquant", "SUMMARY (name) missing")
    sectors = _sectors(vevent, resolver)
    if not sectors:
        raise _Refusal("aucun secteur reconnu : ajoutez X-VIGIE-SECTORS (codes INSEE) ou un LOCATION avec le nom "
                       "de la commune", "no sector recognised: add X-VIGIE-SECTORS (INSEE codes) or a LOCATION "
                       "naming the commune")
    attendance = _text(vevent.get("X-VIGIE-ATTENDANCE"))
    return make_event(_uid(vevent, start), name[:MAX_NAME_CHARS], sectors, start, end, attendance[0] if attendance else 0,
                      _category(vevent), source[:200], origin="user", created_by=username, where="",
                      known_sectors=known)


def parse_icalendar(data: bytes, resolver: SectorsResolver, known: Collection[str], username: str,
                    source: str = "ics") -> list[Event]:
    """Checked events of an .ics file; ImportRefused listing every VEVENT at fault."""
    import icalendar

    what = ("calendrier iCalendar", "iCalendar file")
    try:
        calendar = icalendar.Calendar.from_ical(decode(data, what))
    # the library raises AttributeError too on some malformed TZID parameters (found by the fuzz test)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ImportRefused(what, [Problem(None, f"fichier iCalendar illisible ({exc})", f"unreadable iCalendar file ({exc})")]) from None
    problems: list[Problem] = []
    parsed: list[Event] = []
    for number, vevent in enumerate(calendar.walk("VEVENT"), start=1):
        label = f"VEVENT n° {number} « {str(vevent.get('SUMMARY') or '')[:60]} »"
        try:
            parsed.append(_ics_event(vevent, resolver, known, username, source))
        except _Refusal as exc:
            problems.append(Problem(None, f"{label} : {exc.fr}", f"VEVENT #{number}: {exc.en}"))
        except InvalidEvents as exc:
            problems.append(_problem(None, exc, label))
    ids = [e.event_id for e in parsed]
    problems += [Problem(None, f"UID en double : {i}", f"duplicate UID: {i}") for i in sorted({i for i in ids if ids.count(i) > 1})]
    if not parsed and not problems:
        problems.append(Problem(None, "aucun VEVENT dans le fichier", "no VEVENT in the file"))
    _refuse(problems, what)
    return parsed


def import_icalendar(store: Store, data: bytes, username: str, sectors_resolver: SectorsResolver | None = None, *,
                     source: str = "ics") -> EventImportReport:
    """Import the VEVENTs of an .ics file as user events; all or nothing."""
    resolver = sectors_resolver or SectorNameResolver.from_store(store)
    return _save(store, parse_icalendar(data, resolver, sector_table.known(store), username, source), username)


def import_events_file(store: Store, filename: str, data: bytes, username: str) -> EventImportReport:
    """Import by file name: .ics / .ical as iCalendar, anything else as CSV."""
    if filename.lower().endswith((".ics", ".ical", ".ifb")):
        return import_icalendar(store, data, username, source=f"ics:{filename[-80:]}")
    return import_events_csv(store, data, username)
