"""The feed format: bytes (CSV or JSON) to typed columns, with a reason for every bad cell.

Observations:    sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries
Unique visitors: sector_id,day,unique_visitors

This module checks the *form* of a batch (encoding, header, fields, numbers, instants);
`vigie.feed.ingest.validate_*` checks its *meaning* (known sectors, slot alignment, time
window, duplicates, segments). Both record `Problem`s in one `ProblemLog`.

Clean CSV (no quote character) takes a fast columnar path: split on the separator,
slice columns, convert each column at C speed. Anything unusual falls back to the
`csv` module and cell-by-cell checks; both paths accept exactly the same cells.
"""
from __future__ import annotations

import csv
import io
import json
import operator
import re
from dataclasses import dataclass, field
from datetime import date
from itertools import compress
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from vigie.errors import VigieError
from vigie.feed.messages import render
from vigie.i18n import Message

OBSERVATION_COLUMNS = ("sector_id", "slot_start", "present", "residents", "tourists_fr", "tourists_intl",
                       "excursionists", "entries")
COUNT_COLUMNS = OBSERVATION_COLUMNS[2:]
SEGMENTS = ("residents", "tourists_fr", "tourists_intl", "excursionists")  # the operator's segments, the one definition
VISITOR_COLUMNS = ("sector_id", "day", "unique_visitors")
MAX_COUNT = 999_999_999
MAX_PROBLEMS = 100
MAX_CELL_CHARS = 64  # the longest legitimate cell (an instant with offset) is 32 characters

_D = "[0-9]"
_INSTANT = re.compile(rf"{_D}{{4}}-{_D}{{2}}-{_D}{{2}}[T ]{_D}{{2}}:{_D}{{2}}(?::{_D}{{2}}(?:\.{_D}{{1,6}})?)?"
                      rf"(?:[Zz]|[+-]{_D}{{2}}:?{_D}{{2}})")
_NAIVE = re.compile(rf"{_D}{{4}}-{_D}{{2}}-{_D}{{2}}[T ]{_D}{{2}}:{_D}{{2}}(?::{_D}{{2}}(?:\.{_D}{{1,6}})?)?")
_DAY = re.compile(rf"{_D}{{4}}-{_D}{{2}}-{_D}{{2}}")
# Linear patterns: the part before the first digit cannot match a digit, so no backtracking.
_NEGATIVE = re.compile(r"\s*-[.,\s]*[0-9][0-9.,\s]*")
_DECIMAL = re.compile(r"[\s\u00a0\u202f]*[0-9][0-9\s\u00a0\u202f]*[.,][0-9]*|[.,][0-9]+")
_SPACED = re.compile(r"[\s\u00a0\u202f']*[0-9][0-9\s\u00a0\u202f']*")


class FeedFormatError(VigieError, ValueError):
    """Base class of feed errors raised (rather than reported) by this package."""


class BatchTooLarge(FeedFormatError):
    """The batch exceeds max_upload_mb; split it."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(key="feed.too_large", size_mb=f"{size / 1e6:.1f}", limit_mb=f"{limit / 1e6:.0f}")
        self.size, self.limit = size, limit


@dataclass(frozen=True)
class Problem:
    """One reason a batch is refused: where (line, column) and what to do, in fr and en.

    `line` is the file line (1 = header) for CSV, the 1-based position of the object in
    its list for JSON, None for the whole batch.
    """

    line: int | None
    column: str | None
    code: str
    message_fr: str
    message_en: str

    def message(self, lang: str = "en") -> str:
        return self.message_fr if lang == "fr" else self.message_en

    def describe(self, lang: str = "en") -> str:
        """One line: "line 3, present: <message>"."""
        where = []
        if self.line is not None:
            where.append(f"{'ligne' if lang == 'fr' else 'line'} {self.line}")
        if self.column:
            where.append(self.column)
        prefix = ", ".join(where)
        return f"{prefix}: {self.message(lang)}" if prefix else self.message(lang)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "code": self.code,
                "message_fr": self.message_fr, "message_en": self.message_en}


class ProblemLog:
    """Collects problems, keeps the first MAX_PROBLEMS by line, counts them all."""

    def __init__(self, cap: int = MAX_PROBLEMS) -> None:
        self.cap = cap
        self.count = 0
        self._kept: list[Problem] = []

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, line: int | None, column: str | None, code: str, **params: Any) -> None:
        """Record one problem."""
        self.count += 1
        fr, en = render(code, {"column": column or "", **params})
        self._kept.append(Problem(line, column, code, fr, en))
        if len(self._kept) > 4 * self.cap:
            self._trim()

    def add_rows(self, lines: np.ndarray, column: str | None, code: str,
                 values: Sequence[Any] | Callable[[int], Any] | None = None, **params: Any) -> None:
        """Record one problem per line in `lines`; values[i] (or values(i)) fills {value}.

        Only the first `cap` lines are rendered; the others are counted.
        """
        n = len(lines)
        if n == 0:
            return
        order = np.argsort(lines, kind="stable")[: self.cap]
        for i in order.tolist():
            extra = {} if values is None else {"value": values(i) if callable(values) else values[i]}
            self.add(int(lines[i]), column, code, **params, **extra)
        self.count += n - len(order)

    def _trim(self) -> None:
        self._kept.sort(key=_problem_order)
        del self._kept[self.cap:]

    @property
    def problems(self) -> list[Problem]:
        """The first problems (at most cap), by line."""
        self._trim()
        return list(self._kept)


def _problem_order(p: Problem) -> tuple[int, int]:
    """By line, then by column in header order."""
    order = OBSERVATION_COLUMNS + VISITOR_COLUMNS[1:]
    return (-1 if p.line is None else p.line, order.index(p.column) if p.column in order else -1)


@dataclass
class ObservationTable:
    """Typed observation rows: counts[:, j] follows COUNT_COLUMNS; nulls marks suppressed cells.

    In a batch with problems, rows are kept so that every line gets all its reasons:
    unreadable counts are then marked null and `slot_ok` is False where slot_start was
    unreadable. Such a table is only ever reported on, never written.
    """

    sectors: list[str]
    slots: np.ndarray
    counts: np.ndarray
    nulls: np.ndarray
    lines: np.ndarray
    slot_ok: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.sectors)

    @classmethod
    def empty(cls) -> "ObservationTable":
        return cls([], np.zeros(0, np.int64), np.zeros((0, len(COUNT_COLUMNS)), np.int64),
                   np.zeros((0, len(COUNT_COLUMNS)), bool), np.zeros(0, np.int64))


@dataclass
class VisitorTable:
    """Typed daily unique-visitor rows (day = local date text YYYY-MM-DD; see ObservationTable)."""

    sectors: list[str]
    days: list[str]
    values: np.ndarray
    nulls: np.ndarray
    lines: np.ndarray
    day_ok: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.sectors)


@dataclass
class ParsedBatch:
    """What the parser understood of a batch, and what it could not accept."""

    observations: ObservationTable | None = None
    visitors: VisitorTable | None = None
    problems: ProblemLog = field(default_factory=ProblemLog)

    @property
    def rows(self) -> int:
        return len(self.observations or ()) + len(self.visitors or ())


# -- entry point ---------------------------------------------------------------------

def parse_batch(data: bytes) -> ParsedBatch:
    """Parse a CSV or JSON batch; never raises on bad input, reports problems instead."""
    batch = ParsedBatch()
    text = decode_text(data, batch.problems)
    if text is None:
        return batch
    stripped = text.lstrip()
    if not stripped:
        batch.problems.add(None, None, "empty")
    elif stripped[0] in "[{":
        _parse_json(stripped, batch)
    else:
        _parse_csv(text, batch)
    return batch


def decode_text(data: bytes, log: ProblemLog) -> str | None:
    """UTF-8 text of the batch (BOM dropped), or None with a problem saying where it breaks."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        log.add(data.count(b"\n", 0, offset) + 1, None, "not_utf8", offset=offset)
        return None
    nul = text.find("\x00")
    if nul >= 0:
        log.add(None, None, "nul_byte", offset=len(text[:nul].encode("utf-8")))
        return None
    return text


# -- CSV -----------------------------------------------------------------------------

def _parse_csv(text: str, batch: ParsedBatch) -> None:
    """Split a CSV text into header and columns, then type the columns."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header_line, _, body = text.partition("\n")
    delimiter = ";" if ";" in header_line and "," not in header_line else ","
    if len(header_line) > 2 * len(",".join(OBSERVATION_COLUMNS)):
        batch.problems.add(1, None, "header_too_long", value=len(header_line), expected=",".join(OBSERVATION_COLUMNS))
        return
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter), [])]
    kind = _check_header(header, batch.problems)
    if kind is None:
        return
    rows = _split_body(body, delimiter, len(header), batch.problems)
    if rows is None:
        return
    columns, lines = rows
    if len(lines) == 0 and not batch.problems:
        batch.problems.add(None, None, "no_rows")
        return
    named = dict(zip(header, columns))
    if not cells_bounded(named, lines, batch.problems):
        return
    if kind == "observations":
        batch.observations = build_observations(named, lines, batch.problems)
    else:
        batch.visitors = build_visitors(named, lines, batch.problems)


def _check_header(header: list[str], log: ProblemLog) -> str | None:
    """'observations' or 'unique_visitors' when the header is exactly one allowlist."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            log.add(1, None, "duplicate_column", value=name)
        seen.add(name)
    if log:
        return None
    for kind, expected in (("observations", OBSERVATION_COLUMNS), ("unique_visitors", VISITOR_COLUMNS)):
        if seen == set(expected):
            return kind
    expected = VISITOR_COLUMNS if len(seen & set(VISITOR_COLUMNS) - {"sector_id"}) > len(
        seen & set(OBSERVATION_COLUMNS) - {"sector_id"}) else OBSERVATION_COLUMNS
    missing = [c for c in expected if c not in seen]
    extra = [c or "(empty name: trailing separator?)" for c in header if c not in expected]
    if missing:
        log.add(1, None, "missing_columns", value=", ".join(missing), expected=",".join(expected))
    if extra:
        log.add(1, None, "extra_columns", value=", ".join(extra), expected=",".join(expected))
    return None


def _split_body(body: str, delimiter: str, width: int, log: ProblemLog) -> tuple[list[list[str]], np.ndarray] | None:
    """Columns of the data lines (blank lines skipped) and their file line numbers."""
    body = body.rstrip("\n")
    last_line = body.count("\n") + 2
    if '"' not in body:
        raw = body.split("\n") if body else []
        counts = np.fromiter(map(operator.methodcaller("count", delimiter), raw), np.int64, len(raw))
        if "\n\n" in body or body.startswith("\n"):
            blank = np.fromiter(map(operator.not_, raw), bool, len(raw))
        else:
            blank = np.zeros(len(raw), bool)
        good = (counts == width - 1) & ~blank
        bad = np.flatnonzero(~good & ~blank)
        numbers = np.arange(2, len(raw) + 2, dtype=np.int64)
        _report_field_counts(bad, counts + 1, numbers, width, last_line, log)
        if good.all():
            flat = body.replace("\n", delimiter).split(delimiter) if raw else []
            return [flat[k::width] for k in range(width)], numbers
        kept = list(compress(raw, good.tolist()))
        flat = delimiter.join(kept).split(delimiter) if kept else []
        return [flat[k::width] for k in range(width)], numbers[good]
    return _split_quoted(body, delimiter, width, last_line, log)


def _split_quoted(body: str, delimiter: str, width: int, last_line: int, log: ProblemLog) -> tuple[list[list[str]], np.ndarray] | None:
    """Slow path for bodies with quotes: the csv module, row by row."""
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    numbers: list[int] = []
    bad_rows: list[int] = []
    bad_widths: list[int] = []
    previous = 0
    try:
        for row in reader:
            line = previous + 2
            previous = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                bad_rows.append(line)
                bad_widths.append(len(row))
                continue
            rows.append(row)
            numbers.append(line)
    except csv.Error as exc:
        log.add(previous + 2, None, "csv_syntax", detail=str(exc)[:120])
        return None
    if bad_rows:
        idx = np.arange(len(bad_rows))
        _report_field_counts(idx, np.array(bad_widths), np.array(bad_rows), width, last_line, log)
    columns = [list(col) for col in zip(*rows)] if rows else [[] for _ in range(width)]
    return columns, np.array(numbers, dtype=np.int64)


def _report_field_counts(bad: np.ndarray, widths: np.ndarray, numbers: np.ndarray, width: int, last: int,
                         log: ProblemLog) -> None:
    """One problem per line with the wrong number of fields (hinting at truncation on the last line)."""
    if len(bad) == 0:
        return
    lines = numbers[bad]
    got = widths[bad]
    for i in np.argsort(lines, kind="stable")[: log.cap].tolist():
        truncated = int(lines[i]) >= last and got[i] < width
        log.add(int(lines[i]), None, "field_count", value=int(got[i]), expected=width,
                hint=Message("feed.hint_truncated") if truncated else "")
    log.count += max(0, len(bad) - log.cap)


# -- JSON ----------------------------------------------------------------------------

def _parse_json(text: str, batch: ParsedBatch) -> None:
    """A list of observation (or visitor) objects, or {"observations": [...], "unique_visitors": [...]}."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        batch.problems.add(None, None, "bad_json", detail=str(exc)[:120])
        return
    if isinstance(document, list):
        kind = "unique_visitors" if document and isinstance(document[0], dict) and "day" in document[0] else "observations"
        parts = {kind: document}
    elif isinstance(document, dict):
        parts = {}
        for key, value in document.items():
            if key not in ("observations", "unique_visitors"):
                batch.problems.add(None, None, "json_key", value=str(key)[:60])
            elif not isinstance(value, list):
                batch.problems.add(None, key, "json_shape")
            else:
                parts[key] = value
        if not parts and not batch.problems:
            batch.problems.add(None, None, "json_shape")
    else:
        batch.problems.add(None, None, "json_shape")
        return
    if not any(parts.values()) and not batch.problems:
        batch.problems.add(None, None, "no_rows")
        return
    for kind, items in parts.items():
        expected = OBSERVATION_COLUMNS if kind == "observations" else VISITOR_COLUMNS
        columns, lines = _json_columns(items, expected, batch.problems)
        named = dict(zip(expected, columns))
        if not cells_bounded(named, lines, batch.problems):
            continue
        if kind == "observations":
            batch.observations = build_observations(named, lines, batch.problems)
        else:
            batch.visitors = build_visitors(named, lines, batch.problems)


def _json_columns(items: list[Any], expected: Sequence[str], log: ProblemLog) -> tuple[list[list[str]], np.ndarray]:
    """Turn JSON objects into text cells (the CSV spelling), reporting key and type problems."""
    columns: list[list[str]] = [[] for _ in expected]
    numbers: list[int] = []
    wanted = set(expected)
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            log.add(position, None, "json_not_object")
            continue
        keys = set(item)
        if keys != wanted:
            missing = [c for c in expected if c not in keys]
            extra = sorted(str(k)[:40] for k in keys - wanted)
            if missing:
                log.add(position, None, "missing_columns", value=", ".join(missing), expected=",".join(expected))
            if extra:
                log.add(position, None, "extra_columns", value=", ".join(extra), expected=",".join(expected))
            continue
        cells = [_json_cell(item[name], position, name, log) for name in expected]
        if any(c is None for c in cells):
            continue
        for column, cell in zip(columns, cells):
            column.append(cell)  # type: ignore[arg-type]
        numbers.append(position)
    return columns, np.array(numbers, dtype=np.int64)


def _json_cell(value: Any, position: int, name: str, log: ProblemLog) -> str | None:
    """The CSV spelling of a JSON value: int -> digits, null -> '', str as is."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        log.add(position, name, "json_type", value=type(value).__name__)
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    log.add(position, name, "json_type", value=type(value).__name__)
    return None


# -- typing the columns --------------------------------------------------------------

def cells_bounded(named: dict[str, list[str]], lines: np.ndarray, log: ProblemLog) -> bool:
    """True when no cell exceeds MAX_CELL_CHARS; each longer cell is reported (checked before any pattern)."""
    bounded = True
    for name, cells in named.items():
        if not cells or max(map(len, cells)) <= MAX_CELL_CHARS:
            continue
        bounded = False
        lengths = np.fromiter(map(len, cells), np.int64, len(cells))
        idx = np.flatnonzero(lengths > MAX_CELL_CHARS)
        log.add_rows(lines[idx], name, "cell_too_long", lambda i: int(lengths[idx[i]]), expected=MAX_CELL_CHARS)
    return bounded


def build_observations(named: dict[str, list[str]], lines: np.ndarray, log: ProblemLog) -> ObservationTable:
    """Typed observation columns; bad cells are reported (see ObservationTable)."""
    n = len(lines)
    sectors = named["sector_id"]
    _require(sectors, lines, "sector_id", log)
    slots, slot_ok = parse_instants(named["slot_start"], lines, log)
    counts = np.zeros((n, len(COUNT_COLUMNS)), np.int64)
    nulls = np.zeros((n, len(COUNT_COLUMNS)), bool)
    for j, name in enumerate(COUNT_COLUMNS):
        counts[:, j], nulls[:, j], col_ok = parse_counts(named[name], lines, name, log)
        nulls[:, j] |= ~col_ok
    return ObservationTable(list(sectors), slots, counts, nulls, lines, None if slot_ok.all() else slot_ok)


def build_visitors(named: dict[str, list[str]], lines: np.ndarray, log: ProblemLog) -> VisitorTable:
    """Typed unique-visitor columns; bad cells are reported (see VisitorTable)."""
    sectors, days = named["sector_id"], named["day"]
    _require(sectors, lines, "sector_id", log)
    day_ok = np.fromiter((_is_day(d) for d in days), bool, len(days))
    bad = np.flatnonzero(~day_ok)
    log.add_rows(lines[bad], "day", "bad_day", [days[i][:40] for i in bad.tolist()])
    values, nulls, count_ok = parse_counts(named["unique_visitors"], lines, "unique_visitors", log)
    return VisitorTable(list(sectors), list(days), values, nulls | ~count_ok, lines, None if day_ok.all() else day_ok)


def _is_day(text: str) -> bool:
    if not _DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _require(cells: list[str], lines: np.ndarray, column: str, log: ProblemLog) -> np.ndarray:
    """Mask of non-empty cells; empty ones are reported."""
    present = np.fromiter(map(bool, cells), bool, len(cells))
    if not present.all():
        log.add_rows(lines[~present], column, "missing_value")
    return present


def parse_counts(cells: list[str], lines: np.ndarray, column: str, log: ProblemLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, nulls, ok) of a count column: digits only, empty = suppressed (NULL)."""
    n = len(cells)
    joined = ",".join(cells)
    if n and joined.isascii() and joined.replace(",", "").isdigit() and ",," not in joined \
            and joined[0] != "," and joined[-1] != ",":
        # Every cell is 1+ ASCII digits: parse at C speed. Out-of-range cells saturate at the
        # int64 maximum (strtoll), so the max check sends them to the slow path's message.
        numbers = np.fromstring(joined, dtype=np.int64, sep=",")
        if len(numbers) == n and numbers.max() <= MAX_COUNT:
            return numbers, np.zeros(n, bool), np.ones(n, bool)
    return _parse_counts_slow(cells, lines, column, log)


def _parse_counts_slow(cells: list[str], lines: np.ndarray, column: str, log: ProblemLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell-by-cell version of parse_counts, reporting each bad cell."""
    n = len(cells)
    values = np.zeros(n, np.int64)
    nulls = np.zeros(n, bool)
    ok = np.ones(n, bool)
    bad_idx: list[int] = []
    bad_code: list[str] = []
    for i, cell in enumerate(cells):
        if cell == "":
            nulls[i] = True
        elif cell.isascii() and cell.isdigit() and len(cell.lstrip("0")) <= 9:
            values[i] = int(cell)
        else:
            ok[i] = False
            bad_idx.append(i)
            bad_code.append(classify_count(cell))
    for code in dict.fromkeys(bad_code):
        idx = np.array([i for i, c in zip(bad_idx, bad_code) if c == code], dtype=np.int64)
        log.add_rows(lines[idx], column, code, [cells[i][:40] for i in idx.tolist()], expected=MAX_COUNT)
    return values, nulls, ok


def classify_count(cell: str) -> str:
    """Problem code of a count cell that is not plain digits."""
    text = cell.strip()
    if _NEGATIVE.fullmatch(text):
        return "negative"
    if _DECIMAL.fullmatch(text):
        return "decimal"
    if text.isascii() and text.isdigit():
        return "count_too_large" if text == cell else "spaces"
    if _SPACED.fullmatch(cell):
        return "spaces"
    return "not_a_number"


def parse_instants(cells: list[str], lines: np.ndarray, log: ProblemLog, column: str = "slot_start") -> tuple[np.ndarray, np.ndarray]:
    """(epoch seconds, ok) of ISO 8601 instants with Z or an offset; each distinct text parsed once."""
    from vigie.slots import parse_instant

    cache: dict[str, int | str] = {}
    for text in set(cells):
        if _INSTANT.fullmatch(text):
            try:
                cache[text] = parse_instant(text)
                continue
            except (ValueError, OverflowError):
                pass
        cache[text] = "no_offset" if _NAIVE.fullmatch(text) else ("missing_value" if text == "" else "bad_instant")
    parsed = list(map(cache.__getitem__, cells))
    if all(isinstance(v, int) for v in cache.values()):
        return np.array(parsed, dtype=np.int64), np.ones(len(parsed), bool)
    ok = np.fromiter((isinstance(v, int) for v in parsed), bool, len(parsed))
    slots = np.array([v if isinstance(v, int) else 0 for v in parsed], dtype=np.int64)
    bad = np.flatnonzero(~ok)
    for code in ("bad_instant", "no_offset", "missing_value"):
        idx = np.array([i for i in bad.tolist() if parsed[i] == code], dtype=np.int64)
        log.add_rows(lines[idx], column, code, [cells[i][:40] for i in idx.tolist()])
    return slots, ok


# -- writing the format --------------------------------------------------------------

def observations_csv(table: ObservationTable, slot_text: Iterable[str] | None = None) -> str:
    """The feed CSV of a table (suppressed cells empty)."""
    from vigie.slots import iso_z

    out = io.StringIO()
    out.write(",".join(OBSERVATION_COLUMNS) + "\n")
    texts = list(slot_text) if slot_text is not None else None
    cache: dict[int, str] = {}
    for i, sector in enumerate(table.sectors):
        slot = int(table.slots[i])
        when = texts[i] if texts is not None else cache.setdefault(slot, iso_z(slot))
        cells = ["" if table.nulls[i, j] else str(int(table.counts[i, j])) for j in range(len(COUNT_COLUMNS))]
        out.write(f"{sector},{when},{','.join(cells)}\n")
    return out.getvalue()


def visitors_csv(table: VisitorTable) -> str:
    """The unique-visitors CSV of a table."""
    out = io.StringIO()
    out.write(",".join(VISITOR_COLUMNS) + "\n")
    for i, sector in enumerate(table.sectors):
        value = "" if table.nulls[i] else str(int(table.values[i]))
        out.write(f"{sector},{table.days[i]},{value}\n")
    return out.getvalue()
