"""The simulated operator: consistent counts, calibration, determinism, zones, injections, events."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from vigie.feed.simulator import Injection, Simulator, SimulatorError
from vigie.slots import local_day_bounds, parse_instant
from tests.factories import make_settings


def _sdis(sim: Simulator) -> np.ndarray:
    return np.array([not code.startswith("132") for code in sim.codes])


def test_segments_sum_to_present_and_are_whole(sim: Simulator) -> None:
    start, end = local_day_bounds(date(2026, 7, 18))
    table = sim.generate(start, end)
    assert table.counts.dtype == np.int64 and (table.counts >= 0).all()
    assert (table.counts[:, 1:5].sum(axis=1) == table.counts[:, 0]).all()
    assert not table.nulls.any()


def test_entries_cover_every_increase(sim: Simulator) -> None:
    start, end = local_day_bounds(date(2026, 4, 4))  # Feria de Pâques in Arles
    frame = sim.frame(start, end)
    before = np.vstack([frame.previous[None, :], frame.present[:-1]])
    assert (frame.entries >= np.maximum(frame.present - before, 0)).all()
    assert (frame.entries > np.maximum(frame.present - before, 0)).mean() > 0.9  # plus turnover


def test_daily_unique_visitors_at_least_the_peak(sim: Simulator) -> None:
    for day in (date(2026, 1, 13), date(2026, 7, 18), date(2026, 10, 25)):
        start, end = local_day_bounds(day)
        peak = sim.frame(start, end).present.max(axis=0)
        visitors = sim.daily_visitors(day)
        assert (visitors.values >= peak).all()
        assert visitors.days == [day.isoformat()] * len(sim.codes)


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 133), min_size=1, max_size=12, unique=True), st.integers(0, 400), st.integers(1, 96))
def test_zone_unique_visitors_between_max_and_sum(sim: Simulator, indexes: list[int], start_slot: int,
                                                  length: int) -> None:
    start = parse_instant("2026-06-01T00:00:00Z") + 1800 * start_slot
    end = start + 1800 * length
    codes = [sim.codes[i] for i in indexes]
    per_sector = sim.unique_visitors(start, end)[indexes]
    zone = sim.zone_unique_visitors(codes, start, end)
    assert per_sector.max() <= zone <= per_sector.sum()
    if len(codes) == 1:
        assert zone == per_sector[0]


def test_zone_of_one_basin_overlaps_more_than_a_spread_zone(sim: Simulator) -> None:
    start, end = local_day_bounds(date(2026, 7, 18))
    marseille = ["13201", "13202", "13207"]
    uv = sim.unique_visitors(start, end)
    idx = [sim.codes.index(c) for c in marseille]
    assert sim.zone_unique_visitors(marseille, start, end) < 0.9 * uv[idx].sum()
    with pytest.raises(SimulatorError, match="unknown sector"):
        sim.zone_unique_visitors(["99999"], start, end)


def test_night_out_of_season_is_near_the_resident_population(sim: Simulator) -> None:
    total = sim.slot(parse_instant("2026-11-17T03:00:00+01:00")).present.sum()
    assert abs(total - 2_020_000) <= 0.05 * 2_020_000


def test_july_saturday_afternoon_fills_the_sdis_area_and_the_resorts(sim: Simulator) -> None:
    frame = sim.slot(parse_instant("2026-07-18T16:00:00+02:00"))
    sdis = _sdis(sim)
    assert frame.present[0, sdis].sum() > 1.1 * sim.residents[sdis].sum()
    i = sim.codes.index("13096")  # Saintes-Maries-de-la-Mer
    assert frame.present[0, i] >= 4 * sim.residents[i]


def test_weekday_commuting_empties_dormitory_towns(sim: Simulator) -> None:
    night = sim.slot(parse_instant("2026-11-17T03:00:00+01:00")).present[0]
    noon = sim.slot(parse_instant("2026-11-17T11:00:00+01:00")).present[0]
    sunday = sim.slot(parse_instant("2026-11-15T11:00:00+01:00")).present[0]
    dormitory, vitrolles = sim.codes.index("13015"), sim.codes.index("13117")  # Bouc-Bel-Air, Vitrolles
    assert noon[dormitory] < 0.8 * night[dormitory] and noon[vitrolles] > 1.2 * night[vitrolles]
    assert sunday[vitrolles] < noon[vitrolles]


def test_events_draw_a_crowd(sim: Simulator) -> None:
    velodrome = sim.codes.index("13208")
    match = sim.slot(parse_instant("2026-11-14T21:30:00+01:00")).present[0, velodrome]
    week_after = sim.slot(parse_instant("2026-11-21T21:30:00+01:00")).present[0, velodrome]
    assert match - week_after > 40_000


def test_same_seed_same_numbers_in_any_order(sim: Simulator) -> None:
    start, end = local_day_bounds(date(2026, 3, 29))
    whole = sim.frame(start, end)
    other = Simulator.from_settings(make_settings())
    slots = whole.slots[::-1]
    one_by_one = np.stack([other.slot(int(t)).segments[0] for t in slots])[::-1]
    assert np.array_equal(whole.segments, one_by_one)
    entries = np.stack([other.slot(int(t)).entries[0] for t in whole.slots])
    assert np.array_equal(whole.entries, entries)
    different = Simulator.from_settings(make_settings(simulator_seed=14)).frame(start, end)
    assert not np.array_equal(whole.segments, different.segments)


def test_dst_days_have_46_and_50_slots(sim: Simulator) -> None:
    assert len(sim.frame(*local_day_bounds(date(2026, 3, 29))).slots) == 46
    assert len(sim.frame(*local_day_bounds(date(2026, 10, 25))).slots) == 50
    assert len(sim.frame(*local_day_bounds(date(2026, 10, 26))).slots) == 48


def test_injections_add_and_multiply(sim: Simulator) -> None:
    t = parse_instant("2026-08-02T15:00:00+02:00")
    i = sim.codes.index("13022")  # Cassis
    base = sim.slot(t)
    crowd = sim.with_injections([Injection("13022", t, t + 3600, delta=30_000)]).slot(t)
    double = sim.with_injections([Injection("13022", t, t + 3600, multiplier=2.0)]).slot(t)
    empty = sim.with_injections([Injection("13022", t, t + 3600, delta=-10_000_000)]).slot(t)
    assert abs(int(crowd.present[0, i] - base.present[0, i]) - 30_000) <= 2
    assert abs(int(double.present[0, i]) - 2 * int(base.present[0, i])) <= 4
    assert empty.present[0, i] == 0
    others = np.arange(len(sim.codes)) != i
    assert np.array_equal(crowd.present[0, others], base.present[0, others])
    assert crowd.entries[0, i] >= 30_000
    with pytest.raises(SimulatorError, match="unknown sector"):
        sim.with_injections([Injection("99999", t, t + 1800, delta=5)])

