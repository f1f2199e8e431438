"""CSV exports for spreadsheet users: French Excel first, safe to open, privacy applied.

Format (docs/methods-zones.md, "Exports"): UTF-8 with a byte-order mark (Excel otherwise
reads UTF-8 as Windows-1252), `;` as separator and `,` as decimal mark (what Excel in a
French locale expects when a file is double-clicked), CRLF line ends, RFC 4180 quoting.
`sep=","` gives the international dialect (`.` decimals).

Formula injection (SECURITY.md #12): every text cell (and header, and the stamp line) that
starts with = + - @, a tab or a carriage return is prefixed with `'`, so a spreadsheet shows
it as text and never runs it. Numbers are written by Vigie itself (digits, sign, decimal mark
only) and stay plain, so a spreadsheet reads -12 as the number -12, not as the text '-12.

Privacy: columns of kind "count" show None and values below k as "< k".
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Sequence

from vigie.errors import VigieError
from vigie.privacy import DEFAULT_K, is_suppressed
from vigie.slots import to_local

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
KINDS = ("text", "count", "number", "ratio", "instant")


class ExportError(VigieError, ValueError):
    """An export cannot be written as asked; the message says what to change."""


@dataclass(frozen=True)
class Column:
    """One exported column: the row key, its header, and how its values are written.

    kind: text (as is), count (privacy rule: None or < k reads "< k"), number (int/float),
    ratio (a share, written as a number: 0,125), instant (epoch seconds -> local ISO 8601
    with offset, unambiguous on DST days).
    """

    key: str
    header: str | None = None
    kind: str = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ExportError(f"unknown column kind {self.kind!r}; use one of {', '.join(KINDS)}")

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key


def escape_cell(text: str) -> str:
    """The cell text, prefixed with ' when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _number(value: float | int, decimal: str) -> str:
    """A number without exponent or thousands separator, with the dialect's decimal mark."""
    if isinstance(value, int):
        return str(value)
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal) if text not in ("", "-0") else "0"


def format_cell(value: Any, column: Column, *, k: int = DEFAULT_K, decimal: str = ",", lang: str = "fr") -> str:
    """The text of one cell (before formula escaping)."""
    if column.kind == "count":
        if isinstance(value, str) and value == "":
            return ""
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ExportError(f"column {column.key}: {value!r} is not a count")
        if is_suppressed(value, k):
            return f"< {k}"
        return str(int(value))  # type: ignore[arg-type]
    if value is None:
        return ""
    if column.kind == "instant" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return to_local(value).isoformat()
    if isinstance(value, bool):
        return ("oui" if value else "non") if lang == "fr" else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        return _number(value, decimal)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return " ".join(str(v) for v in value)
    return str(value)


def _columns(columns: Sequence[str | Column]) -> list[Column]:
    """Column objects from names or Column objects."""
    out = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
    if not out:
        raise ExportError("an export needs at least one column")
    return out


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str | Column], stamp: str | None = None, *,
           k: int = DEFAULT_K, sep: str = ";", lang: str = "fr") -> bytes:
    """CSV bytes (UTF-8 with BOM): optional stamp line, header, one line per row."""
    if sep not in (";", ",", "\t"):
        raise ExportError("the separator must be ';', ',' or a tab")
    cols = _columns(columns)
    decimal = "," if sep != "," else "."
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    line = " ".join((stamp or "").split())
    if line:
        writer.writerow([escape_cell(line)])
    writer.writerow([escape_cell(c.title) for c in cols])
    for row in rows:
        writer.writerow([_cell(row.get(c.key), c, k, decimal, lang) for c in cols])
    return (BOM + buffer.getvalue()).encode("utf-8")


def _cell(value: Any, column: Column, k: int, decimal: str, lang: str) -> str:
    """A written cell: numbers plain (they cannot hold a formula), any text guarded."""
    text = format_cell(value, column, k=k, decimal=decimal, lang=lang)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return text if number else escape_cell(text)


def exercise_stamp(name: str | None = None) -> str:
    """The stamp line of an export made during an exercise."""
    return "EXERCICE" + (f" — {name}" if name else "") + " — données d'exercice, pas la situation réelle"


# -- zone results --------------------------------------------------------------------------------
SUMMARY_COLUMNS = (Column("indicator", "indicateur"), Column("value", "valeur", "number"),
                   Column("low", "borne basse", "number"), Column("high", "borne haute", "number"),
                   Column("status", "statut"), Column("note", "remarque"))
SECTOR_COLUMNS = (Column("code", "code INSEE"), Column("name", "secteur"),
                  Column("peak_present", "pic de présence", "number"), Column("peak_status", "statut du pic"),
                  Column("mean_present", "présence moyenne", "number"),
                  Column("entries", "entrées", "number"), Column("entries_status", "statut des entrées"))
SERIES_COLUMNS = (Column("slot", "créneau (heure locale)", "instant"), Column("present", "présents", "count"),
                  Column("entries", "entrées", "count"))
STATUS_FR = {"exact": "exact", "partial": "borne basse (valeurs masquées ou manquantes)",
             "withheld": "secret statistique", "no_data": "pas de données", "bounds": "bornes",
             "none": "pas de données"}
SEGMENT_STATUS_FR = {"exact": "exact", "partial": "partiel : cellules masquées ou manquantes exclues",
                     "no_data": "pas de données"}
SEGMENT_FR = {"residents": "part des résidents", "tourists_fr": "part des touristes français",
              "tourists_intl": "part des touristes étrangers", "excursionists": "part des excursionnistes"}


def _figure_row(label: str, figure: Any) -> dict[str, Any]:
    """One summary line for a zones.Figure."""
    return {"indicator": label, "value": figure.value, "low": figure.lower, "high": None,
            "status": STATUS_FR.get(figure.status, figure.status), "note": figure.reason or ""}


def zone_summary_rows(result: Any) -> list[dict[str, Any]]:
    """Summary lines of a zones.ZoneResult: one per indicator, then the comparisons."""
    uv = result.unique_visitors
    period = f"{to_local(result.start).isoformat()} → {to_local(result.end).isoformat()}"
    rows = [{"indicator": "période", "note": period},
            {"indicator": "secteurs", "note": " ".join(result.codes)},
            {"indicator": f"visiteurs uniques ({uv.first_day} → {uv.last_day})", "value": uv.value,
             "low": uv.low, "high": uv.high, "status": STATUS_FR.get(uv.kind, uv.kind), "note": uv.reason or ""},
            _figure_row("entrées", result.entries), _figure_row("pic de présence", result.peak_present),
            _figure_row("présence moyenne", result.mean_present)]
    if result.peak_slot is not None:
        rows.append({"indicator": "heure du pic", "note": to_local(result.peak_slot).isoformat()})
    for name, share in result.segments.shares.items():
        rows.append({"indicator": SEGMENT_FR[name], "value": share,
                     "status": SEGMENT_STATUS_FR.get(result.segments.status, result.segments.status)})
    for label, comparison in result.comparisons.items():
        title = "même période la semaine précédente" if label == "last_week" else "même période l'an dernier"
        if comparison is None:
            rows.append({"indicator": title, "note": "pas de données"})
            continue
        for key, name in (("peak_present", "pic de présence"), ("entries", "entrées")):
            rows.append({**_figure_row(f"{title} : {name}", getattr(comparison, key)),
                         "high": None})
            rows.append({"indicator": f"{title} : évolution {name}", "value": comparison.changes.get(key)})
    return rows


def zone_sector_rows(result: Any) -> list[dict[str, Any]]:
    """One line per member sector of a zones.ZoneResult."""
    return [{"code": s.code, "name": s.name, "peak_present": s.peak_present.shown,
             "peak_status": STATUS_FR.get(s.peak_present.status, s.peak_present.status),
             "mean_present": s.mean_present.shown, "entries": s.entries.shown,
             "entries_status": STATUS_FR.get(s.entries.status, s.entries.status)} for s in result.sectors]


def zone_csv(result: Any, table: str = "summary", stamp: str | None = None, *, sep: str = ";") -> bytes:
    """CSV of a zone result: table 'summary', 'sectors' or 'series' (one line per slot)."""
    if table == "summary":
        return to_csv(zone_summary_rows(result), SUMMARY_COLUMNS, stamp, k=result.k, sep=sep)
    if table == "sectors":
        return to_csv(zone_sector_rows(result), SECTOR_COLUMNS, stamp, k=result.k, sep=sep)
    if table == "series":
        rows = [{**r, "present": "" if r["present"] is None else r["present"],
                 "entries": "" if r["entries"] is None else r["entries"]} for r in result.series]
        return to_csv(rows, SERIES_COLUMNS, stamp, k=result.k, sep=sep)
    raise ExportError(f"unknown table {table!r}: use summary, sectors or series")
