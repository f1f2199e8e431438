"""The model of normal: day types, the season level, long flagged events, calibrated spread, DST."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vigie import reference
from vigie.calendar.events import make_event
from vigie.calendar.days import SUNDAY, day_kind, is_bridge, is_public_holiday
from vigie.reference import INSUFFICIENT_HISTORY, compute_reference, describe, flag_day, read_reference
from vigie.slots import local_day_bounds, slot_range, to_local
from vigie.store import Store
from tests.factories import SECTORS, WEEK, local, make_store, put

BY_KIND = {0: 1000, 1: 1000, 2: 600, 3: 300}  # Mon-Thu, Fri, Sat, Sun and holidays


def days_slots(first: str, last: str) -> range:
    """Every slot of the local days [first, last]."""
    return slot_range(local_day_bounds(date.fromisoformat(first))[0], local_day_bounds(date.fromisoformat(last))[1])


def wall_clock(slot: int) -> int:
    """1000 + HHMM of the local wall time: a value that moves if the hour shifts."""
    moment = to_local(slot)
    return 1000 + moment.hour * 100 + moment.minute


def by_kind(slot: int) -> int:
    """What a sector holds on that kind of day."""
    return BY_KIND[day_kind(to_local(slot).date())]


# -- day types -----------------------------------------------------------------------------------
def test_calendar_knows_holidays_and_bridges() -> None:
    assert is_public_holiday(date(2026, 7, 14)) and is_public_holiday(date(2026, 5, 14))  # Ascension
    assert is_bridge(date(2026, 5, 15)) and is_bridge(date(2026, 7, 13))  # Friday after, Monday before
    assert not is_bridge(date(2026, 5, 22))
    assert {day_kind(d) for d in (date(2026, 11, 11), date(2026, 5, 15), date(2026, 11, 8))} == {SUNDAY}


def test_public_holiday_is_compared_with_sundays(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    put(db, "13001", days_slots("2026-09-01", "2026-11-10"), by_kind)
    target = local("2026-11-11T12:00")  # a Wednesday, 11 November
    usual = read_reference(db, [target])[target]["13001"]
    assert usual.usual == 300.0 and usual.level == 1.0
    assert (usual.n, usual.newest, usual.oldest) == (5, 3, 52)  # term Sundays: 8 Nov, 11 Oct ... 20 Sep
    text = describe(usual)
    assert text is not None and text.startswith("habituel des dimanches et fériés (période scolaire)")
    assert "×1,00" in text and "5 jours" in text


def test_sources_are_the_most_recent_days_of_the_same_type(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    put(db, "13001", days_slots("2026-09-01", "2026-11-24"), by_kind)
    target = local("2026-11-25T09:00")
    usual = read_reference(db, [target])[target]["13001"]
    # Mon-Thu of term time: 24 23 19 18 17 16 12 10 November (11 is a holiday)
    assert (usual.usual, usual.n, usual.newest, usual.oldest, usual.basis) == (1000.0, 8, 1, 15, 0)


def test_level_follows_a_rising_season(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    start = date(2026, 4, 27).toordinal()
    grow = lambda s: int(round(1000 * 1.01 ** (to_local(s).date().toordinal() - start)))  # noqa: E731
    put(db, "13001", days_slots("2026-04-27", "2026-06-30"), grow)
    target = local("2026-06-30T15:00")
    usual = read_reference(db, [target])[target]["13001"]
    assert usual.usual is not None and usual.level is not None
    assert usual.usual / grow(target) == pytest.approx(1.0, abs=0.02)  # the season is followed
    assert usual.level > 1.04                                          # the raw profile alone trails it


def test_short_history_gives_no_value_and_says_why(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    target = local("2026-05-20T12:00")
    put(db, "13001", [target - WEEK], 500)
    usual = read_reference(db, [target])[target]["13001"]
    assert usual.usual is None and usual.spread is None and usual.p10 is None and usual.n == 1
    assert usual.reason == INSUFFICIENT_HISTORY == "historique insuffisant"
    assert describe(usual) is None


def test_counts_below_k_feed_no_statistic(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    target = local("2026-05-20T12:00")
    put(db, "13001", [target - k * WEEK for k in (1, 2, 3)], 5)      # below k = 20: never used
    put(db, "13001", [target - k * WEEK for k in (4, 5, 6)], 300)
    put(db, "13001", [target - k * WEEK for k in (7,)], None)       # suppressed by the operator
    usual = read_reference(db, [target])[target]["13001"]
    assert (usual.usual, usual.n) == (300.0, 3)


def test_long_flagged_event_keeps_a_usual_value(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    put(db, "13001", days_slots("2026-03-01", "2026-09-30"), by_kind)
    day = date(2026, 7, 6)
    while day <= date(2026, 9, 27):  # 84 days, as long as the Rencontres d'Arles
        flag_day(db, day, "event:rencontres", ["13001"], recompute=False)
        day += timedelta(days=1)
    reference.rebuild_reference(db)
    rows = db.query("SELECT slot, usual FROM reference WHERE sector_code = '13001' AND slot >= ? AND slot < ?",
                    [local("2026-07-06T00:00"), local("2026-09-28T00:00")])
    assert len(rows) == 84 * 48 and all(r["usual"] is not None for r in rows)
    target = local("2026-09-12T17:00")
    usual = read_reference(db, [target])[target]["13001"]
    assert usual.usual == 600.0 and usual.oldest is not None and usual.oldest > 70
    text = describe(usual)
    assert text is not None and "semaines 11–" in text


# -- spread and band -------------------------------------------------------------------------------
def test_spread_and_band_are_calibrated_on_noise(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    slots = np.asarray(days_slots("2026-03-02", "2026-05-31"), dtype="int64")
    rng = np.random.default_rng(14)
    values = np.rint(5000 * np.exp(rng.normal(0, 0.05, len(slots)))).astype(int)
    put(db, "13001", slots.tolist(), lambda s: int(values[np.searchsorted(slots, s)]))
    test = slots[slots >= local("2026-05-04T00:00")]
    stats = compute_reference(db, test.tolist(), ["13001"])
    present = values[np.searchsorted(slots, test)]
    z = (present - stats["usual"][:, 0]) / stats["spread"][:, 0]
    inside = (present >= stats["p10"][:, 0]) & (present <= stats["p90"][:, 0])
    # the noise (5 %) plus the error of the usual value itself (a median of a few days)
    assert 0.05 <= np.median(stats["spread"][:, 0] / stats["usual"][:, 0]) <= 0.065
    assert np.mean(np.abs(z) >= 3) < 0.01          # 0.27 % for a normal variable
    assert 0.74 <= np.mean(inside) <= 0.86          # the P10-P90 band covers about 80 %


# -- materialising and flags -------------------------------------------------------------------------
def test_update_materialises_whole_days_and_read_uses_the_table(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    put(db, "13001", days_slots("2026-04-01", "2026-05-19"), by_kind)
    target = local("2026-05-20T12:00")
    assert reference.update_reference(db, [target]) == 48 * len(SECTORS)
    assert reference.update_reference(db, [target + 1800]) == 0   # the day is already there
    assert db.scalar("SELECT count(*) FROM reference_days WHERE day = '2026-05-20'") == len(SECTORS)
    db.db.execute("UPDATE reference SET usual = 777 WHERE sector_code = '13001' AND slot = ?", [target])
    assert read_reference(db, [target])[target]["13001"].usual == 777


def test_late_batch_recomputes_the_days_after_it(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    put(db, "13001", days_slots("2026-04-01", "2026-05-19"), by_kind)
    target = local("2026-05-20T12:00")
    reference.update_reference(db, [target])
    late = local("2026-05-19T12:00")
    put(db, "13001", list(days_slots("2026-05-04", "2026-05-19")), 5000)  # corrected counts
    reference.update_reference(db, [late])
    assert db.scalar("SELECT usual FROM reference WHERE sector_code = '13001' AND slot = ?", [target]) > 1000


def test_flagged_day_is_left_out_and_back_when_unflagged(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    put(db, "13001", days_slots("2026-04-01", "2026-05-19"), by_kind)
    put(db, "13001", days_slots("2026-05-19", "2026-05-19"), 9000)   # a crisis the day before
    target = local("2026-05-20T12:00")
    reference.update_reference(db, [target])
    crisis = read_reference(db, [target])[target]["13001"]
    flag_day(db, "2026-05-19", "crise")
    clean = read_reference(db, [target])[target]["13001"]
    assert clean.newest == 2 and crisis.newest == 1
    assert clean.usual == 1000.0
    reference.unflag_day(db, "2026-05-19")
    assert read_reference(db, [target])[target]["13001"].newest == 1


def test_event_days_are_flagged_from_the_calendar(tmp_path: Path) -> None:
    db, _ = make_store(tmp_path)
    target = local("2026-05-20T12:00")
    feria = make_event("feria", "Feria", ["13001"], target - 2 * WEEK - 3600, target - 2 * WEEK + 3600,
                       50000, "feria")
    small = make_event("expo", "Exposition", ["13001"], target - 3 * WEEK, target - 3 * WEEK + 3600, 10, "other")
    assert reference.flag_events(db, [feria, small]) == 1  # the diffuse one is not flagged
    flags = reference.list_flags(db)
    assert [(f["sector_code"], f["reason"]) for f in flags] == [("13001", "event:feria")]


def test_bad_flags_are_refused(store: Store) -> None:
    with pytest.raises(reference.InvalidExclusion, match="YYYY-MM-DD"):
        flag_day(store, "20/05/2026", "crise")
    with pytest.raises(reference.InvalidExclusion, match="unknown sector"):
        flag_day(store, "2026-05-20", "crise", ["99999"])
    with pytest.raises(reference.InvalidExclusion, match="reason"):
        flag_day(store, "2026-05-20", " ")


# -- DST -------------------------------------------------------------------------------------------
@pytest.fixture
def spring(tmp_path: Path) -> Store:
    """Seven weeks around 2026-03-29 (23-hour day), present = 1000 + local HHMM."""
    db, _ = make_store(tmp_path)
    for code, *_ in SECTORS[:2]:
        put(db, code, days_slots("2026-02-14", "2026-04-06"), wall_clock)
    return db


def test_spring_change_keeps_the_wall_clock(spring: Store) -> None:
    after = local("2026-04-01T12:00")  # the days before are in winter time: a UTC lag would read 11:00
    first = local("2026-03-29T03:00")  # first slot after the jump
    refs = read_reference(spring, [after, first])
    assert refs[after]["13001"].usual == 2200
    assert refs[first]["13001"].usual == 1300


def test_rebuild_covers_the_23_hour_day(spring: Store) -> None:
    report = reference.rebuild_reference(spring)
    assert report.rows == report.slots * len(SECTORS)
    lo, hi = local_day_bounds(date(2026, 3, 29))
    rows = spring.query("SELECT slot, usual FROM reference WHERE sector_code = '13001' AND slot >= ? AND slot < ? "
                        "ORDER BY slot", [lo, hi])
    assert len(rows) == 46
    assert all(r["usual"] == wall_clock(r["slot"]) for r in rows)


@pytest.fixture
def autumn(tmp_path: Path) -> Store:
    """Seven weeks around 2026-10-25 (25-hour day)."""
    db, _ = make_store(tmp_path)
    for code, *_ in SECTORS[:2]:
        put(db, code, days_slots("2026-09-12", "2026-11-02"), wall_clock)
    return db


def test_repeated_hour_shares_one_baseline(autumn: Store) -> None:
    first = local("2026-10-25T02:00:00+02:00")
    second = local("2026-10-25T02:00:00+01:00")
    assert second - first == 3600
    refs = read_reference(autumn, [first, second])
    assert refs[first]["13001"].usual == refs[second]["13001"].usual == 1200


def test_rebuild_covers_the_25_hour_day(autumn: Store) -> None:
    reference.rebuild_reference(autumn)
    lo, hi = local_day_bounds(date(2026, 10, 25))
    rows = autumn.query("SELECT slot, usual FROM reference WHERE sector_code = '13002' AND slot >= ? AND slot < ?",
                        [lo, hi])
    assert len(rows) == 50
    assert all(r["usual"] == wall_clock(r["slot"]) for r in rows)


def test_rebuild_matches_the_incremental_update(autumn: Store) -> None:
    start = local("2026-10-30T00:00")
    reference.rebuild_reference(autumn, start, start + 86400)
    rebuilt = autumn.query("SELECT * FROM reference ORDER BY sector_code, slot")
    autumn.db.execute("DELETE FROM reference")
    reference.update_reference(autumn, list(slot_range(start, start + 86400)))
    assert autumn.query("SELECT * FROM reference ORDER BY sector_code, slot") == rebuilt


def test_cli_rebuild(tmp_path: Path) -> None:
    from cli import main

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
