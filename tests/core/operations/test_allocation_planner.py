"""An allocation a planner would sign: town halls, congestion inside the sector only, a station keeps its first
VSAV and FPT, and the plan says plainly when its moves do not bring anyone within the target."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest

from vigie.operations.allocation import (AllocationProblem, InvalidRatios, default_ratios_path, load_ratios,
                                         parse_ratios)
from vigie.config import load_settings
from vigie.sectors import default_catalogue_path, load_catalogue
from vigie.operations.stations import default_stations_path, great_circle_km, read_stations
from tests.factories import make_settings

SETTINGS = make_settings()
CATALOGUE = load_catalogue(default_catalogue_path(SETTINGS.reference_dir, "13"))
STATIONS = read_stations(default_stations_path(SETTINGS.reference_dir, "13"))
SAINTES_MARIES = "13096"


def ranked(code: str, present: int, usual: int) -> Any:
    """A ranked sector as the crisis ranking gives it (centroid coordinates, like the sectors table)."""
    s = CATALOGUE.get(code)
    return SimpleNamespace(code=code, name=s.name, authority=s.authority, lon=s.centroid[0], lat=s.centroid[1],
                           present=present, usual=usual, excess=present - usual)


def minutes_from(problem: AllocationProblem, station_id: str) -> float:
    i = [s.station_id for s in problem.stations].index(station_id)
    return float(problem.minutes[i, 0])


def test_trips_go_to_the_town_hall_not_the_centroid() -> None:
    village = CATALOGUE.get(SAINTES_MARIES)
    assert village.town_hall is not None
    inland = great_circle_km(village.centroid[1], village.centroid[0], village.town_hall[1], village.town_hall[0])
    assert inland == pytest.approx(6.52, abs=0.01)   # the centroid lies 6.5 km inland, in the marsh
    problem = AllocationProblem.from_situation([ranked(SAINTES_MARIES, 15_000, 10_000)], STATIONS, SETTINGS)
    point = problem.sectors[0]
    assert (point.lon, point.lat) == village.town_hall
    # Arles -> Saintes-Maries: 38.6 min to the village (30.2 to the centroid), + 14.1 min inside x 0.125 congestion
    assert minutes_from(problem, "cis-13004") == pytest.approx(38.6 + 14.1 * 0.125, abs=0.2)


def test_congestion_lengthens_only_the_part_inside_the_crowded_sector() -> None:
    problem = AllocationProblem.from_situation([ranked(SAINTES_MARIES, 50_000, 10_000)], STATIONS, SETTINGS)
    # factor 2 (5 x the usual); radius of 370 km² = 10.9 km -> 14.1 min inside; 38.6 + 14.1 = 52.7 min (was 2 x trip)
    assert minutes_from(problem, "cis-13004") == pytest.approx(52.7, abs=0.2)
    whole = dataclasses.replace(problem.sectors[0], area_km2=0.0)
    old = AllocationProblem([whole], STATIONS, problem.ratios, target_minutes=20, mutual_aid=False)
    assert minutes_from(old, "cis-13004") == pytest.approx(77.2, abs=0.2)


def test_a_station_keeps_its_first_vsav_and_fpt_by_default() -> None:
    fontvieille = next(s for s in STATIONS if s.station_id == "cis-13038")
    assert (fontvieille.vsav, fontvieille.min_vsav, fontvieille.fpt, fontvieille.min_fpt) == (1, 0, 1, 0)
    huge = [ranked(SAINTES_MARIES, 210_000, 10_000)]   # calls for 20 VSAV and 8 FPT
    signed = AllocationProblem.from_situation(huge, STATIONS, SETTINGS).solve()
    assert not [m for m in signed.moves if m.station_id == "cis-13038"]
    stripping = dataclasses.replace(load_ratios(default_ratios_path(SETTINGS.reference_dir)), keep_first=())
    old = AllocationProblem.from_situation(huge, STATIONS, SETTINGS, ratios=stripping).solve()
    sent = [m for m in old.moves if m.station_id == "cis-13038" and m.resource == "vsav"]
    assert sent and sent[0].count == 1 and sent[0].minutes > 60   # its only ambulance, an hour away
    with pytest.raises(InvalidRatios, match="keep_first must list some of vsav, fpt, ccf"):
        parse_ratios({"resources": {r: {"people_per_unit": 1, "crew": 1} for r in ("vsav", "fpt", "ccf")},
                      "objective": {"keep_first": ["ambulance"]}})


def test_the_plan_says_plainly_when_moves_bring_nobody_within_the_target() -> None:
    result = AllocationProblem.from_situation([ranked(SAINTES_MARIES, 50_000, 10_000)], STATIONS, SETTINGS).solve()
    assert result.moves and all(not m.within_target for m in result.moves)
    assert result.people_beyond_target_before == result.people_beyond_target_after == 40_000
    assert ("Personnes à plus de 20 min des secours : 40\u00a0000 avant, 40\u00a0000 après le plan. Les renforts arrivent "
            "après 20 min : ils raccourcissent l'attente sans tenir l'objectif.") in result.summary()
    assert "they shorten the wait but do not meet the target" in result.summary("en")


def test_presence_against_residents_is_a_second_demand_basis() -> None:
    cassis = ranked("13022", 47_000, 45_000)   # full every summer day: 47 000 present, usual 45 000
    cassis.residents = CATALOGUE.get("13022").population   # 7 149 residents
    usual = AllocationProblem.from_situation([cassis], STATIONS, SETTINGS)
    assert usual.sectors == []   # +2 000 over the usual value: no vehicle called for
    by_residents = make_settings(allocation_demand_basis="residents")
    problem = AllocationProblem.from_situation([cassis], STATIONS, by_residents)
    assert problem.sectors[0].excess == 47_000 - 7_149
    assert problem.demand["13022"]["vsav"] == 4 and problem.demand["13022"]["fpt"] == 2   # 39 851 / 10 000, / 25 000
    with pytest.raises(Exception, match="must be usual or residents"):
        load_settings({"data_dir": "unused", "allocation_demand_basis": "visitors"}, environ={})


@pytest.mark.parametrize("level,ccf", [("rouge", 2), ("noir", 4)])
def test_a_high_massif_level_that_day_asks_for_ccf_and_none_without_levels(store: Any, level: str, ccf: int) -> None:
    """Cassis lies in the Calanques: the préfecture's level of the day (stored) makes the plan ask for CCF."""
    from vigie.operations.overlays import import_massif_levels, sector_massif_levels

    cassis = [ranked("13022", 60_000, 45_000)]    # +15 000: 2 VSAV, 1 FPT, and 1 CCF only where a level asks
    without = AllocationProblem.from_situation(cassis, STATIONS, SETTINGS)
    assert without.demand["13022"]["ccf"] == 0
    assert not [m for m in without.solve().moves if m.resource == "ccf"]
    import_massif_levels(store, f"massif_id,day,level\ncalanques,2026-07-14,{level}\n".encode(), "prefecture")
    levels = sector_massif_levels(store, "2026-07-14")
    assert levels["13022"] == level and sector_massif_levels(store, "2026-07-15") == {}
    problem = AllocationProblem.from_situation(cassis, STATIONS, SETTINGS, sector_levels=levels)
    assert problem.demand["13022"]["ccf"] == ccf
    sent = sum(m.count for m in problem.solve().moves + problem.solve().on_site if m.resource == "ccf")
    assert 0 < sent <= ccf
