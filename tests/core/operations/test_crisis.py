"""Crisis ranking: a planted surge comes out first, in order; filters; events; hysteresis."""
from __future__ import annotations

from pathlib import Path

import pytest

from vigie.calendar.events import make_event, save_user_event
from vigie.config import SHIPPED_DATA_DIR
from vigie.operations.crisis import UNEXPLAINED, rank_sectors
from vigie.reference import update_reference
from vigie.operations.stations import Station, replace_stations
from vigie.store import Store
from tests.factories import SURGE_AT, WEEK, local, make_settings, make_store, put

T = SURGE_AT
STEP = 1800
SETTINGS = make_settings(crisis_min_z=3.0, crisis_min_excess=500, crisis_entry_slots=1)  # the mechanism (defaults: bench)
USUAL = {"13001": 10000, "13002": 5000, "13201": 5000, "13003": 2000}
SURGE = {"13001": 4000, "13002": 9000, "13201": 1500, "13003": 300}   # 13003: under 500 people


def _station(station_id: str, sector: str, groupement: str, authority: str, lat: float, lon: float) -> Station:
    return Station(station_id, f"CIS {station_id}", sector, groupement, authority, lat, lon, 2, 1, 1, 20, 1, 0, 0)


@pytest.fixture
def surge(tmp_path: Path) -> Store:
    """Flat usual values around T, a planted surge at T, and a few stations."""
    db, _ = make_store(tmp_path)
    slots = [T + i * STEP for i in range(-3, 4)]
    for code, usual in USUAL.items():
        put(db, code, [s - k * WEEK for s in slots for k in range(1, 7)], usual)
        put(db, code, slots, usual)
        put(db, code, [T], usual + SURGE[code])
    update_reference(db, slots)
    replace_stations(db, [_station("a", "13001", "Est", "SDIS13", 43.53, 5.44),
                          _station("b", "13003", "Nord", "SDIS13", 43.70, 5.16),
                          _station("m", "13201", "BMPM", "BMPM", 43.30, 5.38)])
    return db


def test_planted_surge_comes_first_in_order(surge: Store) -> None:
    ranked = rank_sectors(surge, T, SETTINGS, now=T)
    assert [(r.rank, r.code, r.excess) for r in ranked] == [(1, "13002", 9000), (2, "13001", 4000), (3, "13201", 1500)]
    first = ranked[0]
    assert (first.present, first.usual, first.residents) == (14000, 5000, 5000)
    assert first.ratio_usual == pytest.approx(2.8) and first.ratio_residents == pytest.approx(2.8)
    assert first.z == pytest.approx(9000 / 250) and first.trend == 9000
    assert first.significant and not first.holding
    assert first.explanation == UNEXPLAINED and first.event_ids == ()


def test_z_threshold(surge: Store) -> None:
    strict = make_settings(crisis_min_z=7.0, crisis_min_excess=500, crisis_entry_slots=1)
    # 13201: 1500 / max(0, 250, 20) = 6 -> out; 13001: 4000 / 500 = 8 -> in
    assert [r.code for r in rank_sectors(surge, T, strict, now=T)] == ["13002", "13001"]


def test_filters(surge: Store) -> None:
    assert [r.code for r in rank_sectors(surge, T, SETTINGS, authority="BMPM", now=T)] == ["13201"]
    assert [r.code for r in rank_sectors(surge, T, SETTINGS, authority="SDIS13", now=T)] == ["13002", "13001"]
    assert [r.code for r in rank_sectors(surge, T, SETTINGS, authority="all", now=T)] == ["13002", "13001", "13201"]
    assert [r.code for r in rank_sectors(surge, T, SETTINGS, min_excess=5000, now=T)] == ["13002"]
    assert [r.code for r in rank_sectors(surge, T, SETTINGS, min_excess=200, now=T)][-1] == "13003"
    est = rank_sectors(surge, T, SETTINGS, groupement="Est", now=T)
    assert [(r.code, r.groupement) for r in est] == [("13002", "Est"), ("13001", "Est")]  # 13002: nearest is "a"


def test_known_event_explains_the_surge(surge: Store) -> None:
    match = make_event("om", "OM – match", ["13201"], T - 1800, T + 3 * 3600, 60000, "match", origin="user")
    save_user_event(surge, match, "tester")
    later = make_event("concert", "Concert", ["13001"], T + 90 * 60, T + 4 * 3600, 5000, "concert", origin="user")
    save_user_event(surge, later, "tester")                  # starts in 1 h 30: people gather already
    by_code = {r.code: r for r in rank_sectors(surge, T, SETTINGS, now=T)}
    assert (by_code["13201"].explanation, by_code["13201"].event_ids) == ("OM – match", ("om",))
    assert by_code["13001"].explanation == "Concert"
    assert by_code["13002"].explanation == UNEXPLAINED


def test_hysteresis_enters_holds_one_slot_and_leaves(surge: Store) -> None:
    put(surge, "13002", [T + STEP], 5000 + 100)              # back under the threshold
    listed = [[r.code for r in rank_sectors(surge, t, SETTINGS, now=t)] for t in (T - STEP, T, T + STEP, T + 2 * STEP)]
    assert "13002" not in listed[0]                          # enters at T
    assert "13002" in listed[1]
    assert "13002" in listed[2]                              # one slot under: held
    assert "13002" not in listed[3]                          # two slots under: leaves
    held = {r.code: r for r in rank_sectors(surge, T + STEP, SETTINGS, now=T)}["13002"]
    assert held.holding and not held.significant and held.excess == 100


def test_same_answer_whatever_the_order_of_calls(surge: Store) -> None:
    later = rank_sectors(surge, T + STEP, SETTINGS, now=T)
    rank_sectors(surge, T, SETTINGS, now=T)
    assert rank_sectors(surge, T + STEP, SETTINGS, now=T) == later


def test_withheld_sector_is_never_ranked(surge: Store) -> None:
    put(surge, "13002", [T], None)
    assert "13002" not in [r.code for r in rank_sectors(surge, T, SETTINGS, now=T)]


def test_overlay_plants_a_surge_for_an_exercise(surge: Store) -> None:
    def inject(codes: list[str], slots: list[int]) -> dict[tuple[str, int], float]:
        return {("13003", T): 5000}

    ranked = rank_sectors(surge, T, SETTINGS, overlay=inject, now=T)
    assert [(r.code, r.excess) for r in ranked][:2] == [("13002", 9000), ("13003", 5300)]


# -- the model of normal on simulated data ---------------------------------------------------------
ARLES = "13004"


def _simulated_store(folder: Path, codes: list[str], first: str, until: int) -> Store:
    """The given sectors of the catalogue with simulated counts from `first` to `until`, events flagged."""
    from vigie.calendar.events import read_events, default_events_path, sync_events
    from vigie.feed.simulator import Simulator
    from vigie.reference import flag_events, rebuild_reference
    from vigie.sectors import default_catalogue_path, load_catalogue
    from vigie.slots import local_day_bounds
    from datetime import date

    catalogue = load_catalogue(default_catalogue_path(SHIPPED_DATA_DIR, "13"))
    chosen = [catalogue.get(c) for c in codes]
    db, _ = make_store(folder, sectors=[(s.code, s.name, s.population, s.authority, *s.centroid) for s in chosen])
    sim = Simulator.from_settings(make_settings())
    start = local_day_bounds(date.fromisoformat(first))[0]
    for lo in range(start, until, 14 * 86400):
        frame = sim.frame(lo, min(until, lo + 14 * 86400))
        rows = [(code, int(slot), int(frame.present[i, sim.index[code]]))
                for i, slot in enumerate(frame.slots) for code in codes]
        with db.write() as tx:
            tx.conn.executemany("INSERT INTO observations(sector_code, slot, present) VALUES (?, ?, ?)", rows)
    events = [e for e in read_events(default_events_path(SHIPPED_DATA_DIR, "13"), set(catalogue.codes))
              if set(e.sectors) <= set(codes)]
    sync_events(db, events)
    flag_events(db, events, recompute=False)
    rebuild_reference(db)
    return db


def test_arles_keeps_a_usual_value_and_is_ranked_during_the_feria_du_riz(tmp_path: Path) -> None:
    feria = local("2026-09-12T17:00")
    db = _simulated_store(tmp_path, [ARLES, "13001", "13103"], "2026-03-01", feria + STEP)
    # the Rencontres d'Arles (6 July - 27 September, 84 days) are flagged out of the baseline ...
    assert db.scalar("SELECT count(*) FROM reference_exclusions WHERE sector_code = ? AND day BETWEEN "
                     "'2026-07-06' AND '2026-09-12'", [ARLES]) == 69
    # ... and yet Arles has a usual value at every slot of them
    missing = db.scalar("SELECT count(*) FROM reference WHERE sector_code = ? AND slot >= ? AND slot <= ? "
                        "AND usual IS NULL", [ARLES, local("2026-07-06T00:00"), feria])
    assert missing == 0
    ranked = {r.code: r for r in rank_sectors(db, feria, make_settings(), now=feria)}
    assert ARLES in ranked
    arles = ranked[ARLES]
    assert arles.present > 50_000 and arles.excess > 20_000
    assert "Feria du Riz" in arles.explanation
    assert arles.compared_with is not None and "habituel" in arles.compared_with


def test_an_ordinary_simulated_day_shows_no_unexplained_sector(tmp_path: Path) -> None:
    from vigie.runtime.bootstrap import load_event_file
    from vigie.runtime.feed import publish_until
    from vigie.feed.simulator import Simulator

    db, settings = make_store(tmp_path, shipped=True, feed="simulator")  # as `make run`
    load_event_file(db, settings)
    publish_until(db, Simulator.from_settings(settings), settings, local("2026-11-27T00:10"))
    day = range(local("2026-11-26T00:00"), local("2026-11-27T00:00"), STEP)  # a Thursday of term time
    unexplained = [(r.code, r.excess) for t in day for r in rank_sectors(db, t, settings, now=t)
                   if r.explanation == UNEXPLAINED]
    assert unexplained == []


def test_a_deserted_sector_is_listed_below_usual(surge: Store) -> None:
    from vigie.operations.crisis import below_usual, crisis_lists

    put(surge, "13001", [T - STEP, T], 2000)                      # usual 10 000: evacuated
    put(surge, "13201", [T], 4000)                                # 1 000 under: too small a shortfall
    two_slots = make_settings(crisis_min_z=3.0, crisis_entry_slots=2)
    below = below_usual(surge, T, two_slots, now=T)
    assert [(r.rank, r.code, r.excess) for r in below] == [(1, "13001", -8000)]
    assert below[0].z < -3 and below[0].compared_with is not None
    lists = crisis_lists(surge, T, two_slots, now=T)
    assert [r.code for r in lists.below] == ["13001"] and "13001" not in {r.code for r in lists.above}
    assert below_usual(surge, T - STEP, two_slots, now=T) == []  # one slot under is not enough to enter
