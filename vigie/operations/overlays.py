"""Risk overlays: forest-fire massif access levels and flood vigilance, imported from CSV.

Formats are documented in docs/overlays-format.md. Imports are whole-file-or-nothing: the
file is checked line by line, every problem is reported (French and English) and nothing
is written unless the whole file is valid; then all rows go in one transaction.

Massif levels apply to one local day (Europe/Paris) and are published by the préfecture
the day before at 17:00; flood vigilance levels likewise apply to one local day.
"""
from __future__ import annotations

import csv
import io
import re
import time

from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any, Collection, Mapping, Sequence

from vigie import privacy
from vigie.config import Settings
from vigie.errors import VigieError
from vigie.operations.levels import (FLOOD_LEVELS, HIGH_FLOOD_LEVELS, HIGH_MASSIF_LEVELS, MASSIF_LEVELS,
                                     UnknownLevel, canonical_level)
from vigie.slots import PARIS, parse_instant
from vigie.store import Store
from vigie import sectors as sector_table

MASSIF_COLUMNS = ("massif_id", "day", "level")
FLOOD_COLUMNS = ("section_id", "name", "sectors", "day", "level")
OPTIONAL_COLUMNS = ("published_at",)
MASSIF_PUBLICATION = dtime(17, 0)
FLOOD_PUBLICATION = dtime(16, 0)
MAX_BYTES = 5 * 1024 * 1024
MAX_PROBLEMS = 50
MAX_CELL_CHARS = 500  # no legitimate cell is longer; checked before any pattern runs on it
_FR_DAY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one line of an imported file, in French and in English."""

    line: int | None
    fr: str
    en: str

    def message(self, lang: str = "fr") -> str:
        """The problem in `lang` (fr or en), with its line number."""
        if self.line is None:
            return self.fr if lang == "fr" else self.en
        return f"ligne {self.line} : {self.fr}" if lang == "fr" else f"line {self.line}: {self.en}"


class ImportRefused(VigieError, ValueError):
    """A file was refused whole; `problems` lists every line at fault (French and English)."""

    def __init__(self, what: tuple[str, str], problems: Sequence[Problem]) -> None:
        self.what = what
        self.problems = list(problems)
        super().__init__(self.message("en"))

    def message(self, lang: str = "fr", limit: int = 10) -> str:
        """A readable summary: what was refused and the first problems."""
        head = (f"{self.what[0]} refusé, rien n'a été importé ({len(self.problems)} problème(s)) :" if lang == "fr"
                else f"{self.what[1]} refused, nothing was imported ({len(self.problems)} problem(s)):")
        lines = [p.message(lang) for p in self.problems[:limit]]
        more = len(self.problems) - limit
        if more > 0:
            lines.append(f"… et {more} autre(s)" if lang == "fr" else f"… and {more} more")
        return "\n".join([head, *lines])


@dataclass(frozen=True)
class Massif:
    """A forest massif and the sectors it touches."""

    massif_id: str
    name: str
    sectors: tuple[str, ...]


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote."""

    rows: int
    first_day: str | None
    last_day: str | None
    replaced: int


# -- reading CSV ---------------------------------------------------------------------------------
def decode(data: bytes, what: tuple[str, str], max_bytes: int = MAX_BYTES) -> str:
    """UTF-8 text of an uploaded file (BOM removed), or ImportRefused."""
    if len(data) > max_bytes:
        raise ImportRefused(what, [Problem(None, f"fichier trop gros ({len(data)} octets, {max_bytes} au plus)",
                                           f"file too large ({len(data)} bytes, at most {max_bytes})")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(what, [Problem(None, f"le fichier n'est pas en UTF-8 (octet {exc.start}) : enregistrez-le en UTF-8",
                                           f"the file is not UTF-8 (byte {exc.start}): save it as UTF-8")]) from None


def read_rows(text: str, required: Sequence[str], what: tuple[str, str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, cells) for each non-empty line; the header must hold `required` (+ optional columns)."""
    try:
        return _read_rows(text, required, what)
    except csv.Error as exc:
        raise csv_refusal(exc, what) from None


def csv_refusal(exc: csv.Error, what: tuple[str, str]) -> ImportRefused:
    """The refusal of a file the csv module could not read (a cell past its limit, a stray quote)."""
    if "field larger than field limit" in str(exc):
        return ImportRefused(what, [Problem(None, f"une cellule dépasse {csv.field_size_limit()} caractères "
                                                  f"({MAX_CELL_CHARS} au plus) : vérifiez les guillemets",
                                            f"a cell exceeds {csv.field_size_limit()} characters "
                                            f"(at most {MAX_CELL_CHARS}): check the quotes")])
    return ImportRefused(what, [Problem(None, f"CSV illisible ({exc}) : vérifiez les guillemets et les fins de ligne",
                                        f"unreadable CSV ({exc}): check quotes and line ends")])


def _read_rows(text: str, required: Sequence[str], what: tuple[str, str]) -> list[tuple[int, dict[str, str]]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower()[:40] for h in next(reader, [])]
    missing = [c for c in required if c not in header]
    extra = [c for c in header if c not in required and c not in OPTIONAL_COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        raise ImportRefused(what, [Problem(1, f"l'en-tête doit être {','.join(required)} (manquant : "
                                              f"{', '.join(missing) or '-'} ; en trop : {', '.join(extra) or '-'})",
                                           f"the header must be {','.join(required)} (missing: "
                                           f"{', '.join(missing) or '-'}; unexpected: {', '.join(extra) or '-'})")])
    rows = []
    long_cells: list[Problem] = []
    for cells in reader:
        line = reader.line_num
        long_cells += [cell_too_long(line, name, len(value))
                       for name, value in zip(header, cells) if len(value) > MAX_CELL_CHARS]
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            rows.append((line, {"__width__": str(len(cells))}))
            continue
        rows.append((line, {name: value.strip() for name, value in zip(header, cells)}))
    if long_cells:
        raise ImportRefused(what, long_cells[:MAX_PROBLEMS])
    return rows


def cell_too_long(line: int, column: str, size: int, limit: int = MAX_CELL_CHARS) -> Problem:
    """The problem of a cell longer than any legitimate value (its text is not echoed)."""
    return Problem(line, f"{column[:40]} : {size} caractères, {limit} au plus", f"{column[:40]}: {size} characters, at most {limit}")


def parse_day(text: str) -> date:
    """A local day from YYYY-MM-DD or DD/MM/YYYY; ValueError otherwise."""
    match = _FR_DAY.match(text)
    if match:
        return date(int(match[3]), int(match[2]), int(match[1]))
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def normalise_level(text: str, allowed: Sequence[str]) -> str | None:
    """The French level name for `text` (any case, accents or English name), None when unknown or not allowed."""
    try:
        level = canonical_level(text)
    except UnknownLevel:
        return None
    return level if level in allowed else None


def published_default(day: date, at: dtime) -> int:
    """Epoch seconds of `at` local time on the day before `day`."""
    return int(datetime.combine(day - timedelta(days=1), at, tzinfo=PARIS).timestamp())


def _published(cells: Mapping[str, str], day: date, at: dtime, line: int, problems: list[Problem]) -> int:
    """The optional published_at cell (ISO 8601 with offset), else the usual publication time."""
    raw = cells.get("published_at", "")
    if not raw:
        return published_default(day, at)
    try:
        if not re.search(r"(Z|z|[+-]\d{2}:?\d{2})$", raw):
            raise ValueError(raw)
        return parse_instant(raw)
    except ValueError:
        problems.append(Problem(line, f"published_at « {raw} » : écrivez une date-heure ISO 8601 avec décalage "
                                      "(ex. 2026-07-14T17:00:00+02:00)",
                                f"published_at {raw!r}: write an ISO 8601 date-time with offset "
                                "(e.g. 2026-07-14T17:00:00+02:00)"))
        return 0


def _day(cells: Mapping[str, str], line: int, problems: list[Problem]) -> date | None:
    try:
        return parse_day(cells["day"])
    except ValueError:
        problems.append(Problem(line, f"jour « {cells['day']} » : écrivez AAAA-MM-JJ (ou JJ/MM/AAAA)",
                                f"day {cells['day']!r}: write YYYY-MM-DD (or DD/MM/YYYY)"))
        return None


def _level(cells: Mapping[str, str], allowed: Sequence[str], line: int, problems: list[Problem]) -> str | None:
    level = normalise_level(cells["level"], allowed)
    if level is None:
        problems.append(Problem(line, f"niveau « {cells['level']} » inconnu : {', '.join(allowed)}",
                                f"unknown level {cells['level']!r}: use {', '.join(allowed)}"))
    return level


def _width(cells: Mapping[str, str], line: int, problems: list[Problem]) -> bool:
    """False (and a problem) when the line has the wrong number of fields."""
    if "__width__" not in cells:
        return True
    problems.append(Problem(line, f"{cells['__width__']} champs au lieu du nombre de colonnes de l'en-tête "
                                  "(mettez entre guillemets les noms qui contiennent une virgule)",
                            f"{cells['__width__']} fields instead of the header's column count "
                            "(quote names that hold a comma)"))
    return False


def _duplicate(key: tuple[str, str], seen: dict[tuple[str, str], int], line: int, problems: list[Problem]) -> None:
    if key in seen:
        problems.append(Problem(line, f"{key[0]} le {key[1]} est déjà donné ligne {seen[key]}",
                                f"{key[0]} on {key[1]} already given on line {seen[key]}"))
    seen.setdefault(key, line)


def _refuse_if(problems: list[Problem], what: tuple[str, str]) -> None:
    if problems:
        raise ImportRefused(what, problems[:MAX_PROBLEMS] + (
            [Problem(None, "trop de problèmes : corrigez ceux-ci d'abord", "too many problems: fix these first")]
            if len(problems) > MAX_PROBLEMS else []))


# -- massifs -------------------------------------------------------------------------------------
def default_massifs_path(reference_dir: Path, dept: str) -> Path:
    """Path of massifs/{dept}.csv in the reference data (settings.reference_dir)."""
    return reference_dir / "massifs" / f"{dept}.csv"


def ensure_massifs(store: Store, settings: Settings) -> int:
    """Load the département's massif list when the table is empty; return the massifs added (0 if any)."""
    path = default_massifs_path(settings.reference_dir, settings.dept)
    if store.scalar("SELECT count(*) FROM massifs") or not path.exists():
        return 0
    return sync_massifs(store, path)


def sync_massifs(store: Store, path: Path) -> int:
    """Load the massif list (massif_id,name,sectors) into the database; return the number of massifs."""
    what = ("liste des massifs", "massif list")
    rows = read_rows(decode(Path(path).read_bytes(), what), ("massif_id", "name", "sectors"), what)
    known = sector_table.known(store)
    problems: list[Problem] = []
    massifs = []
    for line, cells in rows:
        if not _width(cells, line, problems):
            continue
        codes = cells["sectors"].split()
        unknown = [c for c in codes if c not in known]
        if not cells["massif_id"] or not cells["name"] or not codes or unknown:
            problems.append(Problem(line, f"massif incomplet ou secteurs inconnus ({' '.join(unknown) or '-'})",
                                    f"incomplete massif or unknown sectors ({' '.join(unknown) or '-'})"))
            continue
        massifs.append((cells["massif_id"], cells["name"], " ".join(dict.fromkeys(codes))))
    _refuse_if(problems, what)
    with store.write() as tx:
        tx.conn.executemany("INSERT INTO massifs(massif_id, name, sectors) VALUES (?, ?, ?) ON CONFLICT(massif_id) "
                            "DO UPDATE SET name = excluded.name, sectors = excluded.sectors", massifs)
    return len(massifs)


def list_massifs(store: Store) -> list[Massif]:
    """Massifs of the database (the département's list is loaded with the database: bootstrap)."""
    return [Massif(r["massif_id"], r["name"], tuple(r["sectors"].split()))
            for r in store.query("SELECT massif_id, name, sectors FROM massifs ORDER BY massif_id")]


def import_massif_levels(store: Store, data: bytes, source: str) -> ImportReport:
    """Import `massif_id,day,level[,published_at]` lines; all or nothing."""
    what = ("fichier des niveaux d'accès aux massifs", "massif access levels file")
    rows = read_rows(decode(data, what), MASSIF_COLUMNS, what)
    known = {m.massif_id for m in list_massifs(store)}
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    records = []
    now = int(time.time())
    for line, cells in rows:
        if not _width(cells, line, problems):
            continue
        massif = cells["massif_id"]
        if massif not in known:
            problems.append(Problem(line, f"massif « {massif} » inconnu : {', '.join(sorted(known))}",
                                    f"unknown massif {massif!r}: use {', '.join(sorted(known))}"))
        day, level = _day(cells, line, problems), _level(cells, MASSIF_LEVELS, line, problems)
        if day is None or level is None or massif not in known:
            continue
        _duplicate((massif, day.isoformat()), seen, line, problems)
        published = _published(cells, day, MASSIF_PUBLICATION, line, problems)
        records.append((massif, day.isoformat(), level, published, source[:200], now))
    return _write(store, problems, what, records, "massif_levels",
                  ("massif_id", "day", "level", "published_at", "source", "imported_at"), ("massif_id", "day"))


def _write(store: Store, problems: list[Problem], what: tuple[str, str], records: list[tuple[Any, ...]], table: str,
           columns: Sequence[str], key: Sequence[str]) -> ImportReport:
    """Refuse on any problem, else upsert every record in one transaction."""
    if not records and not problems:
        problems.append(Problem(None, "aucune ligne de données", "no data line"))
    _refuse_if(problems, what)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    upsert = (f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
              f"ON CONFLICT({', '.join(key)}) DO UPDATE SET {updates}")
    exists = f"SELECT 1 FROM {table} WHERE {' AND '.join(f'{k} = ?' for k in key)}"
    key_at = [columns.index(k) for k in key]
    with store.write() as tx:
        replaced = sum(1 for r in records if tx.execute(exists, [r[i] for i in key_at]).fetchone())
        tx.conn.executemany(upsert, records)
    days = sorted(r[columns.index("day")] for r in records)
    return ImportReport(len(records), days[0], days[-1], replaced)


def _day_text(day: date | str) -> str:
    return day.isoformat() if isinstance(day, date) else parse_day(str(day)).isoformat()


def massif_levels_on(store: Store, day: date | str) -> dict[str, str]:
    """massif_id -> level in force on that local day (massifs without a published level are absent)."""
    return {r["massif_id"]: r["level"] for r in store.query(
        "SELECT massif_id, level FROM massif_levels WHERE day = ? ORDER BY massif_id", [_day_text(day)])}


def sector_massif_levels(store: Store, day: date | str) -> dict[str, str]:
    """sector code -> highest massif level touching it that day (for the map overlay)."""
    levels = massif_levels_on(store, day)
    out: dict[str, str] = {}
    for massif in list_massifs(store):
        level = levels.get(massif.massif_id)
        if level is None:
            continue
        for code in massif.sectors:
            out[code] = max(level, out.get(code, level), key=MASSIF_LEVELS.index)
    return out


def sectors_under_level(store: Store, day: date | str, levels: Collection[str] = HIGH_MASSIF_LEVELS) -> set[str]:
    """Sectors touched by a massif whose level that day is one of `levels`."""
    return {code for code, level in sector_massif_levels(store, day).items() if level in set(levels)}


def _present_by_sector(situation_or_present: Any) -> dict[str, int | None]:
    """{code: present} from a situation.Situation (its .sectors) or a mapping code -> present (absent = no data)."""
    if isinstance(situation_or_present, Mapping):
        return dict(situation_or_present)
    # A sector without data (present None, not suppressed) is left out: it counts as no_data.
    return {s.code: s.present for s in situation_or_present.sectors
            if s.present is not None or getattr(s, "suppressed", True)}


def population_under_massif_level(store: Store, situation_or_present: Any, day: date | str,
                                  levels: Collection[str] = HIGH_MASSIF_LEVELS, k: int = privacy.DEFAULT_K) -> dict[str, Any]:
    """People present in the sectors under a massif level in `levels` (red/black by default).

    Only published sector counts are added (a withheld sector is counted in `withheld`,
    never in `present`), so the total reveals no hidden value.
    """
    present = _present_by_sector(situation_or_present)
    codes = sorted(sectors_under_level(store, day, levels))
    shown = {c: privacy.suppress(present.get(c), k) for c in codes if c in present}
    levels_today = massif_levels_on(store, day)
    return {"day": _day_text(day), "levels": sorted(set(levels), key=MASSIF_LEVELS.index),
            "massifs": sorted(m for m, lvl in levels_today.items() if lvl in set(levels)),
            "sectors": len(codes), "codes": codes, "present": sum(v for v in shown.values() if v is not None),
            "counted": sum(1 for v in shown.values() if v is not None),
            "withheld": sum(1 for v in shown.values() if v is None), "no_data": len(codes) - len(shown)}


# -- floods --------------------------------------------------------------------------------------
def import_flood_vigilance(store: Store, data: bytes, source: str) -> ImportReport:
    """Import `section_id,name,sectors,day,level[,published_at]` lines; all or nothing."""
    what = ("fichier de vigilance crues", "flood vigilance file")
    rows = read_rows(decode(data, what), FLOOD_COLUMNS, what)
    known = sector_table.known(store)
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    records = []
    now = int(time.time())
    for line, cells in rows:
        if not _width(cells, line, problems):
            continue
        codes = list(dict.fromkeys(cells["sectors"].split()))
        if not _flood_fields(cells, codes, known, line, problems):
            continue
        day, level = _day(cells, line, problems), _level(cells, FLOOD_LEVELS, line, problems)
        if day is None or level is None:
            continue
        _duplicate((cells["section_id"], day.isoformat()), seen, line, problems)
        published = _published(cells, day, FLOOD_PUBLICATION, line, problems)
        records.append((cells["section_id"], cells["name"][:120], " ".join(codes), day.isoformat(), level,
                        published, source[:200], now))
    return _write(store, problems, what, records, "flood_vigilance",
                  ("section_id", "name", "sectors", "day", "level", "published_at", "source", "imported_at"),
                  ("section_id", "day"))


def _flood_fields(cells: Mapping[str, str], codes: Sequence[str], known: Collection[str], line: int,
                  problems: list[Problem]) -> bool:
    """Check section_id, name and sectors of one flood line."""
    before = len(problems)
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,60}", cells["section_id"]):
        problems.append(Problem(line, "section_id vide ou invalide (lettres, chiffres, - _ . : ; 60 au plus)",
                                "empty or invalid section_id (letters, digits, - _ . :, at most 60)"))
    if not cells["name"]:
        problems.append(Problem(line, "nom du tronçon vide", "empty section name"))
    unknown = [c for c in codes if c not in known]
    if not codes or unknown:
        problems.append(Problem(line, f"secteurs absents ou inconnus ({' '.join(unknown) or '-'}) : codes INSEE "
                                      "séparés par des espaces", f"missing or unknown sectors ({' '.join(unknown) or '-'}): "
                                                                  "space-separated INSEE codes"))
    return len(problems) == before


def flood_sections_on(store: Store, day: date | str) -> list[dict[str, Any]]:
    """Flood vigilance of that local day: section_id, name, sectors (list), level."""
    return [{**r, "sectors": r["sectors"].split()} for r in store.query(
        "SELECT section_id, name, sectors, level FROM flood_vigilance WHERE day = ? ORDER BY section_id",
        [_day_text(day)])]


def sector_flood_levels(store: Store, day: date | str) -> dict[str, str]:
    """sector code -> highest flood vigilance level touching it that day."""
    out: dict[str, str] = {}
    for section in flood_sections_on(store, day):
        for code in section["sectors"]:
            out[code] = max(section["level"], out.get(code, "vert"), key=FLOOD_LEVELS.index)
    return out


def sectors_under_flood_level(store: Store, day: date | str, levels: Collection[str] = HIGH_FLOOD_LEVELS) -> set[str]:
    """Sectors touched by a river section whose vigilance that day is one of `levels`."""
    return {code for code, level in sector_flood_levels(store, day).items() if level in set(levels)}


def overlay_days(store: Store) -> dict[str, tuple[str | None, str | None]]:
    """First and last day held for each overlay (massifs, floods): tells the UI what is loaded."""
    out = {}
    for name, table in (("massifs", "massif_levels"), ("floods", "flood_vigilance")):
        row = store.db.execute(f"SELECT min(day), max(day) FROM {table}").fetchone()
        out[name] = (row[0], row[1])
    return out
