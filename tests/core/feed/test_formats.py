"""The feed parser: every fixture accepted or refused whole with an actionable reason; fuzzing."""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from vigie.config import Settings
from vigie.feed.formats import MAX_CELL_CHARS, MAX_PROBLEMS, ProblemLog, classify_count, parse_batch
from vigie.feed.ingest import ingest_bytes
from vigie.store import Store
from tests.factories import FEED_FIXTURES

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
NOW = 1_790_000_000  # 2026-09-21, after the fixtures' slots


def _observations(store: Store) -> list[tuple[object, ...]]:
    return store.db.execute("SELECT * FROM observations ORDER BY sector_code, slot").fetchall()


@pytest.mark.parametrize("name, rows", [("valid.csv", 3), ("bom.csv", 2), ("valid.json", 2), ("unique_visitors.csv", 2)])
def test_good_fixtures_are_accepted(store: Store, settings: Settings, name: str, rows: int) -> None:
    result = ingest_bytes(store, (FEED_FIXTURES / name).read_bytes(), "test", settings, now=NOW)
    assert result.status == "accepted", result.report()
    assert result.rows == rows and result.inserted == rows and result.problems == []


# fixture -> (problem code, line, words the English message must contain, words of the French one)
REFUSED = {
    "truncated.csv": ("field_count", 4, ["4 fields instead of 8", "truncated"], ["tronqué"]),
    "semicolon_decimal_comma.csv": ("decimal", 3, ["counts must be whole numbers", "500,5"], ["nombres entiers"]),
    "invalid_utf8.csv": ("not_utf8", 4, ["save the file as UTF-8", "offset 189"], ["enregistrez-le en UTF-8"]),
    "negative.csv": ("negative", 3, ["cannot be negative", "-25"], ["négatif"]),
    "unknown_sector.csv": ("unknown_sector", 3, ["13999", "sector catalogue"], ["inconnu"]),
    "duplicate_key.csv": ("duplicate_key", 4, ["already on line 2", "13001 2026-07-14T18:00:00Z"], ["Doublon"]),
    "empty.csv": ("empty", None, ["header line and at least one data row"], ["vide"]),
    "segments_not_summing.csv": ("segments_sum", 3, ["add up to 495", "present is 500"], ["doit égaler present"]),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_fixtures_are_refused_whole_with_a_reason(store: Store, settings: Settings, name: str) -> None:
    code, line, words_en, words_fr = REFUSED[name]
    result = ingest_bytes(store, (FEED_FIXTURES / name).read_bytes(), "test", settings, now=NOW)
    assert result.status == "rejected"
    assert _observations(store) == [], "a refused batch must leave nothing behind"
    problem = next(p for p in result.problems if p.code == code)
    assert problem.line == line
    for word in words_en:
        assert word in problem.message_en
    for word in words_fr:
        assert word in problem.message_fr
    batch = store.query("SELECT status, errors FROM feed_batches WHERE id = ?", [result.batch_id])[0]
    assert batch["status"] == "rejected" and json.loads(batch["errors"])["count"] == result.problem_count


def test_semicolon_separator_is_accepted(store: Store, settings: Settings) -> None:
    data = (FEED_FIXTURES / "valid.csv").read_text().replace(",", ";").encode()
    assert ingest_bytes(store, data, "test", settings, now=NOW).status == "accepted"


def test_wrong_columns_are_named() -> None:
    data = (HEADER.replace("entries", "entrees") + ",device_id\n").encode()
    problems = parse_batch(data).problems.problems
    assert {p.code for p in problems} == {"missing_columns", "extra_columns"}
    text = " ".join(p.message_en for p in problems)
    assert "entries" in text and "entrees" in text and "device_id" in text


def test_header_only_is_refused() -> None:
    assert [p.code for p in parse_batch((HEADER + "\n").encode()).problems.problems] == ["no_rows"]


def test_every_bad_line_gets_all_its_reasons(store: Store, settings: Settings) -> None:
    data = f"{HEADER}\n99999,2026-07-14T18:10:00Z,-3,1,1,1,1,1\n".encode()
    result = ingest_bytes(store, data, "test", settings, now=NOW)
    assert [(p.line, p.column, p.code) for p in result.problems] == [
        (2, "sector_id", "unknown_sector"), (2, "slot_start", "misaligned"), (2, "present", "negative")]


def test_problem_list_is_capped_but_counted(store: Store, settings: Settings) -> None:
    rows = "".join(f"13001,2026-07-14T18:00:00Z,{i}.5,1,1,1,1,1\n" for i in range(250))
    result = ingest_bytes(store, (HEADER + "\n" + rows).encode(), "test", settings, now=NOW)
    assert result.problem_count == 250 + 249  # decimals, then duplicates of line 2
    assert len(result.problems) == MAX_PROBLEMS
    assert [p.line for p in result.problems] == sorted(p.line or 0 for p in result.problems)
    assert result.report()[-1] == f"... and {result.problem_count - MAX_PROBLEMS} more"


def test_future_and_old_slots_are_refused(store: Store, settings: Settings) -> None:
    data = f"{HEADER}\n13001,2026-09-21T14:30:00Z,1,1,0,0,0,0\n13002,1999-12-31T23:30:00Z,1,1,0,0,0,0\n".encode()
    result = ingest_bytes(store, data, "test", settings, now=1_790_000_000 - 600)  # clock 10 minutes behind
    assert {(p.line, p.code) for p in result.problems} == {(2, "future"), (3, "too_old")}
    assert "check the sender's clock" in result.problems[0].message_en


def test_slot_with_offset_and_without() -> None:
    ok = parse_batch(f"{HEADER}\n13001,2026-07-14T20:00:00+02:00,1,1,0,0,0,0\n".encode())
    assert not ok.problems and int(ok.observations.slots[0]) == 1784052000  # type: ignore[union-attr]
    naive = parse_batch(f"{HEADER}\n13001,2026-07-14T20:00:00,1,1,0,0,0,0\n".encode())
    assert [p.code for p in naive.problems.problems] == ["no_offset"]


@pytest.mark.parametrize("cell", ["1000000000", "99999999999999999999", "18446744073709551617", "1" + "0" * 60])
def test_huge_counts_are_refused_not_wrapped(cell: str) -> None:
    """Counts past MAX_COUNT (up to the cell bound) are refused as too large, never wrapped."""
    batch = parse_batch(f"{HEADER}\n13001,2026-07-14T18:00:00Z,{cell},1,0,0,0,0\n".encode())
    assert [(p.column, p.code) for p in batch.problems.problems] == [("present", "count_too_large")]
    ok = parse_batch(f"{HEADER}\n13001,2026-07-14T18:00:00Z,999999999,0000000000001,0,0,0,0\n".encode())
    assert not ok.problems and ok.observations is not None
    assert ok.observations.counts[0, :2].tolist() == [999_999_999, 1]


def test_empty_cells_are_suppressed_values() -> None:
    batch = parse_batch(f"{HEADER}\n13001,2026-07-14T18:00:00Z,,1,,0,0,5\n".encode())
    table = batch.observations
    assert not batch.problems and table is not None
    assert table.nulls[0].tolist() == [True, False, True, False, False, False]


@pytest.mark.parametrize("cell, code", [
    ("12,5", "decimal"), ("12.0", "decimal"), (".5", "decimal"), ("-3", "negative"), ("- 1,5", "negative"),
    ("1 234", "spaces"), ("1\u202f234", "spaces"), (" 12", "spaces"), ("1234567890", "count_too_large"),
    ("abc", "not_a_number"), ("1e3", "not_a_number"), ("+5", "not_a_number"), ("١٢", "not_a_number"),
])
def test_count_cells_are_classified(cell: str, code: str) -> None:
    assert classify_count(cell) == code


def test_json_shapes() -> None:
    both = {"observations": json.loads((FEED_FIXTURES / "valid.json").read_text()),
            "unique_visitors": [{"sector_id": "13001", "day": "2026-07-14", "unique_visitors": 5}]}
    parsed = parse_batch(json.dumps(both).encode())
    assert not parsed.problems and parsed.rows == 3
    bad = parse_batch(b'{"observations": [{"sector_id": "13001"}], "extra": 1}').problems.problems
    assert {p.code for p in bad} == {"json_key", "missing_columns"}
    assert [p.code for p in parse_batch(b'[1, "x"]').problems.problems] == ["json_not_object"] * 2
    flags = parse_batch(json.dumps([dict(both["observations"][0], present=True)]).encode()).problems.problems
    assert [(p.column, p.code) for p in flags] == [("present", "json_type")]
    assert [p.code for p in parse_batch(b"[{]").problems.problems] == ["bad_json"]


def test_problem_log_keeps_the_first_lines() -> None:
    log = ProblemLog(cap=3)
    for line in (9, 2, 7, 1, 5):
        log.add(line, "present", "negative", value="-1")
    assert [p.line for p in log.problems] == [1, 2, 5] and log.count == 5


# -- fuzzing --------------------------------------------------------------------------------

@hsettings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_the_parser(data: bytes) -> None:
    parsed = parse_batch(data)
    assert parsed.problems or parsed.rows > 0


VALID_LINES = ["13001,2026-07-14T18:00:00Z,1000,600,200,100,100,50",
               "13002,2026-07-14T18:30:00Z,500,400,50,25,25,10",
               "13096,2026-07-14T19:00:00Z,,2000,9000,,4000,1500"]
ODD_CELLS = st.sampled_from(["", "-1", "1,5", "2.0", "abc", "١٢", " 7", "1e3", "99999999999999999999999", '"', '""',
                             "2026-07-14T18:00:00Z", "2026-07-14T18:15:00Z", "13001", "\u00e9", ";", "\t", "\x00"])


@st.composite
def near_valid_csv(draw: st.DrawFn) -> bytes:
    """A valid batch with a few random mutations (cells, fields, separators, BOM, truncation)."""
    rows = [line.split(",") for line in draw(st.lists(st.sampled_from(VALID_LINES), min_size=1, max_size=4))]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.sampled_from(rows))
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        position = draw(st.integers(0, len(row) - 1))
        if action == "replace":
            row[position] = draw(ODD_CELLS)
        elif action == "drop" and len(row) > 1:
            del row[position]
        else:
            row.insert(position, draw(ODD_CELLS))
    separator = draw(st.sampled_from([",", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join([HEADER.replace(",", separator)] + [separator.join(r) for r in rows]) + newline
    data = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return data if cut is None else data[:cut]


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=near_valid_csv())
def test_near_valid_csv_is_accepted_or_refused_with_reasons(store: Store, settings: Settings, data: bytes) -> None:
    before = store.scalar("SELECT count(*) FROM observations")
    result = ingest_bytes(store, data, "fuzz", settings, now=NOW)
    after = store.scalar("SELECT count(*) FROM observations")
    assert result.status in ("accepted", "duplicate", "rejected")
    if result.status == "rejected":
        assert result.problems and result.problem_count >= len(result.problems)
        assert all(p.message_fr and p.message_en for p in result.problems)
        assert after == before
    else:
        assert result.problems == [] and after - before == result.inserted


LONG_CELLS = {
    "count": f"{HEADER}\n13001,2026-07-14T18:00:00Z,{'1' * 1_000_000},1,0,0,0,0\n",
    "spaced count": f"{HEADER}\n13001,2026-07-14T18:00:00Z,{'1 ' * 500_000}x,1,0,0,0,0\n",
    "instant": f"{HEADER}\n13001,2026-07-14T18:00:00Z{'0' * 1_000_000},1,1,0,0,0,0\n",
    "sector": f"{HEADER}\n{'1' * 1_000_000},2026-07-14T18:00:00Z,1,1,0,0,0,0\n",
    "json count": json.dumps([{"sector_id": "13001", "slot_start": "2026-07-14T18:00:00Z", "present": "9" * 1_000_000,
                               "residents": 1, "tourists_fr": 0, "tourists_intl": 0, "excursionists": 0, "entries": 0}]),
}


@pytest.mark.parametrize("kind", sorted(LONG_CELLS))
def test_one_megabyte_cell_is_refused_at_once(kind: str) -> None:
    """A 1 MB cell is refused by its length, before any pattern runs (was quadratic: 16 000 digits took 1.7 s)."""
    started = time.perf_counter()
    batch = parse_batch(LONG_CELLS[kind].encode())
    assert time.perf_counter() - started < 1.0  # linear: milliseconds; quadratic: minutes
    assert [p.code for p in batch.problems.problems] == ["cell_too_long"]
    assert f"at most {MAX_CELL_CHARS}" in batch.problems.problems[0].message_en
    assert batch.observations is None


def test_one_megabyte_header_is_refused_at_once() -> None:
    started = time.perf_counter()
    batch = parse_batch(("sector_id," * 100_000 + "\n").encode())
    assert time.perf_counter() - started < 1.0  # linear: milliseconds; quadratic: minutes
    assert [p.code for p in batch.problems.problems] == ["header_too_long"]


@pytest.mark.parametrize("cell", ["1" * 60 + "x", "-" + " " * 60 + "x", " " * 60 + "1x", "1 " * 30 + "x", "." * 60])
def test_count_patterns_are_linear(cell: str) -> None:
    """The classifying patterns stay linear even on cells far past the bound (no backtracking blow-up)."""
    started = time.perf_counter()
    assert classify_count(cell * 3000) in ("not_a_number", "spaces", "decimal", "negative")
    assert time.perf_counter() - started < 1.0  # linear: milliseconds; quadratic: minutes
