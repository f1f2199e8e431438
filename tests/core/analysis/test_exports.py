"""CSV exports: Excel-friendly format, formula injection escaped, small counts suppressed."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from vigie.analysis import exports, zones
from vigie.analysis.exports import Column, to_csv
from vigie.slots import parse_instant
from tests.factories import make_store

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def read_back(data: bytes, sep: str = ";") -> list[list[str]]:
    """Rows of an export, as a spreadsheet would split them."""
    assert data.startswith(b"\xef\xbb\xbf"), "exports start with a UTF-8 byte-order mark for Excel"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=sep))


def test_format_for_french_excel() -> None:
    data = to_csv([{"name": "Arles", "present": 61234, "share": 0.125, "slot": parse_instant("2026-10-25T02:30:00+01:00")}],
                  ["name", Column("present", "présents", "count"), Column("share", "part", "ratio"),
                   Column("slot", "créneau", "instant")], stamp="EXERCICE — Feria")
    assert data.count(b"\r\n") == 3
    assert read_back(data) == [["EXERCICE — Feria"], ["name", "présents", "part", "créneau"],
                               ["Arles", "61234", "0,125", "2026-10-25T02:30:00+01:00"]]
    assert read_back(to_csv([{"share": 0.5}], [Column("share", kind="ratio")], sep=","), ",") == [["share"], ["0.5"]]


def test_counts_below_k_read_less_than_k() -> None:
    rows = [{"n": None}, {"n": 0}, {"n": 19}, {"n": 20}, {"n": ""}, {"n": 12.0}]
    assert [r[0] for r in read_back(to_csv(rows, [Column("n", kind="count")]))[1:]] == ["< 20", "< 20", "< 20", "20", "", "< 20"]
    assert read_back(to_csv([{"n": 30}], [Column("n", kind="count")], k=50))[1] == ["< 50"]
    with pytest.raises(exports.ExportError):
        to_csv([{"n": "12"}], [Column("n", kind="count")])


@pytest.mark.parametrize("cell", ["=1+2", "+33 6 12", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\r=1"])
def test_formula_cells_are_escaped(cell: str) -> None:
    rows = read_back(to_csv([{"a": cell}], ["a"], stamp=cell))
    assert not rows[0][0].startswith(FORMULA)  # the stamp line, whitespace collapsed
    assert rows[2] == ["'" + cell]


def test_headers_are_escaped_and_negative_numbers_stay_numbers() -> None:
    rows = read_back(to_csv([{"=x": -12, "y": -0.002096, "z": "-12"}], ["=x", Column("y", kind="number"), "z"]))
    assert rows == [["'=x", "y", "z"], ["-12", "-0,002096", "'-12"]]   # a text that looks like a number is guarded


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
VALUE = st.one_of(TEXT, st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False, width=32), st.none(),
                  st.booleans())


@given(st.lists(st.fixed_dictionaries({"a": VALUE, "b": VALUE, "c": TEXT}), max_size=8), st.one_of(st.none(), TEXT),
       st.sampled_from([";", ",", "\t"]))
def test_no_cell_starts_with_a_formula_character(rows: list[dict[str, object]], stamp: str | None, sep: str) -> None:
    data = to_csv(rows, ["a", "b", Column("c", "=HYPERLINK()")], stamp=stamp, sep=sep)
    parsed = read_back(data, sep)
    assert len(parsed) == len(rows) + 1 + (1 if stamp and stamp.split() else 0)
    number = re.compile(r"-?\d+([.,]\d+)?")        # what Vigie writes for a number: no formula can hide there
    for line in parsed:
        for cell in line:
            assert not cell.startswith(FORMULA) or number.fullmatch(cell), cell
    body = parsed[-len(rows):] if rows else []
    for row, line in zip(rows, body):
        assert line[2] in (row["c"], "'" + row["c"])  # text survives, at most with the prefix


@given(st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=1, max_size=20))
def test_no_small_count_is_exported(values: list[int | None]) -> None:
    parsed = read_back(to_csv([{"n": v} for v in values], [Column("n", kind="count")]))
    for cell, value in zip((line[0] for line in parsed[1:]), values):
        assert cell == (str(value) if value is not None and value >= 20 else "< 20")


def test_zone_result_exports(tmp_path: Path) -> None:
    store, settings = make_store(tmp_path, shipped=True)
    t0 = parse_instant("2026-07-14T10:00:00+02:00")
    with store.write() as tx:
        tx.conn.executemany("INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, tourists_intl, "
                            "excursionists, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [("13004", t0, 5000, 2500, 1250, 625, 625, 400), ("13090", t0, 60, 30, 10, 10, 10, 7)])
    result = zones.query_zone(store, ["13004", "13090"], t0, t0 + 1800, settings)
    summary = read_back(exports.zone_csv(result, stamp=exports.exercise_stamp("Feria")))
    assert summary[0][0].startswith("EXERCICE — Feria")
    entries = next(line for line in summary if line[0] == "entrées")
    assert entries[1] == "" and entries[2] == "400" and "13090" in entries[5]
    sectors = read_back(exports.zone_csv(result, "sectors"))
    assert sectors[2][0] == "13090" and sectors[2][5] == "" and sectors[2][6] == "secret statistique"
    series = read_back(exports.zone_csv(result, "series"))
    assert series[1] == ["2026-07-14T10:00:00+02:00", "5060", ""]
    assert "7" not in {cell for line in sectors + series for cell in line}
    with pytest.raises(exports.ExportError):
        exports.zone_csv(result, "nope")
