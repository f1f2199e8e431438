"""Usual values against hand-computed medians, MADs and bands, with flagged days and DST days."""
from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vigie import reference
from vigie.events import make_event
from vigie.reference import INSUFFICIENT_HISTORY, MAD_SCALE, flag_day, read_reference, source_slots
from vigie.slots import local_day_bounds, parse_instant, slot_range, to_local
from vigie.store import Store

SECTORS = [
    ("13001", "Aix-en-Provence", 1000, "SDIS13", 5.44, 43.53),
    ("13002", "Allauch", 5000, "SDIS13", 5.48, 43.34),
    ("13201", "Marseille 1er", 2000, "BMPM", 5.38, 43.30),
    ("13003", "Alleins", 3000, "SDIS13", 5.16, 43.70),
]
WEEK = 7 * 86400


def local(text: str) -> int:
    """Epoch seconds of a Europe/Paris wall time (or an ISO instant with offset)."""
    return parse_instant(text)


def make_store(tmp_path: Path, sectors: Iterable[tuple[str, str, int, str, float, float]] = SECTORS) -> Store:
    """A migrated temp database holding the given sectors."""
    store = Store(tmp_path / "vigie.db")
    store.migrate()
    with store.write() as tx:
        tx["sectors"].insert_all([dict(code=c, name=n, population=p, area_km2=10.0, lon=lon, lat=lat, authority=a)
                                  for c, n, p, a, lon, lat in sectors])
    return store


def put(store: Store, code: str, slots: Iterable[int], value: int | None | Callable[[int], int | None]) -> None:
    """Write present (a constant or a function of the slot) for these slots of one sector."""
    rows = [(code, s, value(s) if callable(value) else value) for s in slots]
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO observations(sector_code, slot, present) VALUES (?, ?, ?)", rows)


def wall_clock(slot: int) -> int:
    """1000 + HHMM of the local wall time: a value that moves if the hour shifts."""
    moment = to_local(slot)
    return 1000 + moment.hour * 100 + moment.minute


TARGET = local("2026-05-20T12:00")
LAGGED = [100, 110, 120, 130, 140, 1000]  # 1..6 weeks before TARGET


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Six lagged weeks of one sector at the target wall time, nothing else."""
    db = make_store(tmp_path)
    for k, value in enumerate(LAGGED, start=1):
        put(db, "13001", [TARGET - k * WEEK], value)
    return db


def test_median_mad_and_band_by_hand(store: Store) -> None:
    usual = read_reference(store, [TARGET])[TARGET]["13001"]
    # sorted 100 110 120 130 140 1000: median (120 + 130) / 2; deviations 25 15 5 5 15 875 -> median 15
    assert usual.usual == 125.0
    assert usual.spread == pytest.approx(MAD_SCALE * 15)
    assert usual.p10 == pytest.approx(105.0)   # h = 0.5 between 100 and 110
    assert usual.p90 == pytest.approx(570.0)   # h = 4.5 between 140 and 1000
    assert usual.n == 6 and usual.reason is None
    assert (usual.p10, usual.p90) == pytest.approx(tuple(np.percentile(LAGGED, [10, 90])))
    assert usual.usual == statistics.median(LAGGED)


def test_update_materialises_and_read_uses_the_table(store: Store) -> None:
    assert reference.update_reference(store, [TARGET]) == len(SECTORS)
    row = store.query("SELECT * FROM reference WHERE sector_code = '13001' AND slot = ?", [TARGET])[0]
    assert (row["usual"], row["n"]) == (125.0, 6)
    empty = store.query("SELECT * FROM reference WHERE sector_code = '13002' AND slot = ?", [TARGET])[0]
    assert empty["usual"] is None and empty["n"] == 0


def test_late_batch_refreshes_the_targets_that_read_it(store: Store) -> None:
    reference.update_reference(store, [TARGET])
    put(store, "13001", [TARGET - WEEK], 2000)          # a corrected batch for one week earlier
    reference.update_reference(store, [TARGET - WEEK])
    # 110 120 130 140 1000 2000: median (130 + 140) / 2
    assert store.scalar("SELECT usual FROM reference WHERE sector_code = '13001' AND slot = ?", [TARGET]) == 135.0
    assert set(reference.dependent_slots([TARGET - WEEK]).tolist()) >= {TARGET}


def test_flagged_day_is_left_out(store: Store) -> None:
    reference.update_reference(store, [TARGET])
    crisis_day = to_local(TARGET - 6 * WEEK).date()
    assert flag_day(store, crisis_day, "crise", ["13001"]) == 1
    stored = store.query("SELECT usual, spread, p10, p90, n FROM reference WHERE sector_code = '13001' AND slot = ?",
                         [TARGET])[0]
    # 100 110 120 130 140: median 120, deviations 20 10 0 10 20 -> 10
    assert stored["usual"] == 120.0 and stored["n"] == 5
    assert stored["spread"] == pytest.approx(MAD_SCALE * 10)
    assert (stored["p10"], stored["p90"]) == pytest.approx((104.0, 136.0))
    reference.unflag_day(store, crisis_day)
    assert store.scalar("SELECT usual FROM reference WHERE sector_code = '13001' AND slot = ?", [TARGET]) == 125.0


def test_event_days_are_flagged_from_the_calendar(store: Store) -> None:
    feria = make_event("feria", "Feria", ["13001"], TARGET - 2 * WEEK - 3600, TARGET - 2 * WEEK + 3600,
                       50000, "feria")
    small = make_event("expo", "Exposition", ["13001"], TARGET - 3 * WEEK, TARGET - 3 * WEEK + 3600, 10, "other")
    assert reference.flag_events(store, [feria, small]) == 1  # the diffuse one is not flagged
    flags = reference.list_flags(store)
    assert [(f["sector_code"], f["reason"]) for f in flags] == [("13001", "event:feria")]
    assert read_reference(store, [TARGET])[TARGET]["13001"].n == 5


def test_short_history_gives_no_value_and_says_why(tmp_path: Path) -> None:
    db = make_store(tmp_path)
    put(db, "13001", [TARGET - WEEK, TARGET - 2 * WEEK], 500)
    usual = read_reference(db, [TARGET])[TARGET]["13001"]
    assert usual.usual is None and usual.spread is None and usual.p10 is None and usual.n == 2
    assert usual.reason == INSUFFICIENT_HISTORY == "historique insuffisant"


def test_suppressed_weeks_do_not_count(tmp_path: Path) -> None:
    db = make_store(tmp_path)
    put(db, "13001", [TARGET - k * WEEK for k in (1, 2, 3)], None)
    put(db, "13001", [TARGET - k * WEEK for k in (4, 5, 6)], 300)
    usual = read_reference(db, [TARGET])[TARGET]["13001"]
    assert (usual.usual, usual.n) == (300.0, 3)


def test_bad_flags_are_refused(store: Store) -> None:
    with pytest.raises(reference.InvalidExclusion, match="YYYY-MM-DD"):
        flag_day(store, "20/05/2026", "crise")
    with pytest.raises(reference.InvalidExclusion, match="unknown sector"):
        flag_day(store, "2026-05-20", "crise", ["99999"])
    with pytest.raises(reference.InvalidExclusion, match="reason"):
        flag_day(store, "2026-05-20", " ")


# -- DST -------------------------------------------------------------------------------------------
def _fill_weeks(db: Store, first_day: str, last_day: str) -> None:
    start, _ = local_day_bounds(to_local(local(first_day)).date())
    _, end = local_day_bounds(to_local(local(last_day)).date())
    for code, *_ in SECTORS[:2]:
        put(db, code, slot_range(start, end), wall_clock)


@pytest.fixture
def spring(tmp_path: Path) -> Store:
    """Seven weeks around 2026-03-29 (23-hour day), present = 1000 + local HHMM."""
    db = make_store(tmp_path)
    _fill_weeks(db, "2026-02-14T00:00", "2026-04-06T00:00")
    return db


def test_spring_change_keeps_the_wall_clock(spring: Store) -> None:
    after = local("2026-04-01T12:00")  # weeks before are in winter time: a UTC lag would read 11:00
    first = local("2026-03-29T03:00")  # first slot after the jump
    refs = read_reference(spring, [after, first])
    assert refs[after]["13001"].usual == 2200 and refs[after]["13001"].n == 6
    assert refs[first]["13001"].usual == 1300


def test_skipped_hour_gives_one_week_less(spring: Store) -> None:
    target = local("2026-04-05T02:00")  # one week earlier, 02:00 did not exist
    assert source_slots([target])[0, 0] == -1
    usual = read_reference(spring, [target])[target]["13001"]
    assert (usual.usual, usual.n) == (1200, 5)


def test_rebuild_covers_the_23_hour_day(spring: Store) -> None:
    report = reference.rebuild_reference(spring)
    assert report.rows == report.slots * len(SECTORS)
    lo, hi = local_day_bounds(to_local(local("2026-03-29T12:00")).date())
    rows = spring.query("SELECT slot, usual FROM reference WHERE sector_code = '13001' AND slot >= ? AND slot < ? "
                        "ORDER BY slot", [lo, hi])
    assert len(rows) == 46
    assert all(r["usual"] == wall_clock(r["slot"]) for r in rows)


@pytest.fixture
def autumn(tmp_path: Path) -> Store:
    """Seven weeks around 2026-10-25 (25-hour day)."""
    db = make_store(tmp_path)
    _fill_weeks(db, "2026-09-12T00:00", "2026-11-02T00:00")
    return db


def test_repeated_hour_shares_one_baseline(autumn: Store) -> None:
    first = local("2026-10-25T02:00:00+02:00")
    second = local("2026-10-25T02:00:00+01:00")
    assert second - first == 3600
    refs = read_reference(autumn, [first, second])
    assert refs[first]["13001"].usual == refs[second]["13001"].usual == 1200
    assert (source_slots([first]) == source_slots([second])).all()


def test_ambiguous_lagged_time_takes_the_first_occurrence() -> None:
    target = local("2026-11-01T02:00")
    assert source_slots([target])[0, 0] == local("2026-10-25T02:00:00+02:00")


def test_rebuild_covers_the_25_hour_day(autumn: Store) -> None:
    reference.rebuild_reference(autumn)
    lo, hi = local_day_bounds(to_local(local("2026-10-25T12:00")).date())
    rows = autumn.query("SELECT slot, usual, n FROM reference WHERE sector_code = '13002' AND slot >= ? AND slot < ?",
                        [lo, hi])
    assert len(rows) == 50
    assert all(r["usual"] == wall_clock(r["slot"]) and r["n"] == 6 for r in rows)


def test_rebuild_matches_the_incremental_update(autumn: Store) -> None:
    start = local("2026-10-30T00:00")
    reference.rebuild_reference(autumn, start, start + 86400)
    rebuilt = autumn.query("SELECT * FROM reference ORDER BY sector_code, slot")
    autumn.db.execute("DELETE FROM reference")
    reference.update_reference(autumn, list(slot_range(start, start + 86400)))
    assert autumn.query("SELECT * FROM reference ORDER BY sector_code, slot") == rebuilt


def test_cli_rebuild(tmp_path: Path) -> None:
    from vigie.cli import main

    runner = CliRunner()
    env = {"VIGIE_DATA_DIR": str(tmp_path), "VIGIE_FEED": "none"}
    assert runner.invoke(main, ["init"], env=env).exit_code == 0
    db = Store(tmp_path / "vigie.db")
    t = local("2026-05-20T12:00")
    put(db, "13004", [t - k * WEEK for k in range(0, 7)], 400)
    result = runner.invoke(main, ["reference", "rebuild"], env=env)
    assert result.exit_code == 0, result.output
    assert "usual values" in result.output
    assert db.scalar("SELECT usual FROM reference WHERE sector_code = '13004' AND slot = ?", [t]) == 400
    bad = runner.invoke(main, ["reference", "flag", "yesterday", "--reason", "crise"], env=env)
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    ok = runner.invoke(main, ["reference", "flag", "2026-05-13", "--reason", "crise", "--sector", "13004"], env=env)
    assert ok.exit_code == 0 and db.scalar("SELECT n FROM reference WHERE sector_code = '13004' AND slot = ?", [t]) == 5
    listing = runner.invoke(main, ["reference", "flags"], env=env)
    assert "2026-05-13\t13004\tcrise" in listing.output


def test_one_week_is_seven_local_days() -> None:
    target = local("2026-04-01T12:00")
    lagged = source_slots([target])[:, 0]
    assert [to_local(int(s)).strftime("%a %H:%M") for s in lagged] == ["Wed 12:00"] * 6
    assert to_local(int(lagged[0])).date() == to_local(target).date() - timedelta(days=7)
