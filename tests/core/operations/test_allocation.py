"""Allocation MILP: a hand-solved instance, minimums never violated, authorities, clear failures."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from vigie.operations.allocation import (
    AllocationProblem, DemandSector, InfeasibleAllocation, InvalidRatios, Move, NoStations, Ratios, ResourceRatio,
    congestion_factor, default_ratios_path, load_ratios, parse_ratios, read_travel_times, sector_demand, units,
)
from vigie.operations.crisis import RankedSector
from vigie.operations.plans import plan_record, plan_texts
from vigie.operations.levels import UnknownLevel, canonical_level, level_rank
from vigie.operations.stations import RESOURCES, Station
from tests.factories import ROOT, make_settings

KM_PER_DEG_LAT = 111.195
MINUTES_PER_DEG = KM_PER_DEG_LAT * 1.3          # detour 1.3 at 60 km/h: 1.3 min per km
RATIOS = Ratios((ResourceRatio("vsav", "VSAV", 10000, 3), ResourceRatio("fpt", "FPT", 1e9, 4),
                 ResourceRatio("ccf", "CCF", 15000, 4, {"rouge": 2})), congestion_slope=0.0,
                limit_by_station_crew=False)
RATIOS_FILE = ROOT / "data" / "allocation" / "ratios.json"
SETTINGS = make_settings()


def station(sid: str, lat: float, vsav: int, min_vsav: int, *, sector: str = "x", authority: str = "SDIS13",
            fpt: int = 0, ccf: int = 0, crew: int = 99) -> Station:
    return Station(sid, f"CIS {sid.upper()}", sector, "G", authority, lat, 5.0, vsav, fpt, ccf, crew, min_vsav, 0, 0)


def sector(code: str, lat: float, excess: int, *, authority: str = "SDIS13", level: str = "",
           usual: int = 100000) -> DemandSector:
    return DemandSector(code, f"Secteur {code}", authority, 5.0, lat, usual + excess, usual, excess, level)


def make_problem(sectors: list[DemandSector], stations: list[Station], ratios: Ratios = RATIOS, *,
            mutual_aid: bool = False, travel: dict[tuple[str, str], float] | None = None) -> AllocationProblem:
    """The problem with a 20-minute target, without mutual aid unless asked."""
    return AllocationProblem(sectors, stations, ratios, target_minutes=20, mutual_aid=mutual_aid, travel=travel)


def hand_instance() -> AllocationProblem:
    """D1 needs 2 VSAV, D2 needs 1; S1 sits in D1 (1 spare), S2 is 14.5 min from D1 and 28.9 min from D2
    (2 spare), S3 is 7.2 min from D2 but has no spare."""
    sectors = [sector("d1", 43.0, 20000), sector("d2", 43.3, 10000)]
    stations = [station("s1", 43.0, 2, 1, sector="d1"), station("s2", 43.1, 3, 1), station("s3", 43.25, 1, 1)]
    return make_problem(sectors, stations)


def test_hand_solved_instance() -> None:
    result = hand_instance().solve()
    assert result.status == "optimal"
    assert [(m.station_id, m.sector_code, m.count, m.minutes, m.within_target) for m in result.moves] == [
        ("s2", "d1", 1, round(0.1 * MINUTES_PER_DEG), True), ("s2", "d2", 1, round(0.2 * MINUTES_PER_DEG), False)]
    assert [(m.station_id, m.sector_code, m.count) for m in result.on_site] == [("s1", "d1", 1)]
    [short] = result.shortfalls
    assert (short.sector_code, short.demand, short.covered, short.covered_within_target, short.missing) == ("d2", 1, 1, 0, 1)
    assert short.reason == "not_enough_vehicles"               # S3 is in reach but at its minimum
    assert (result.people_beyond_target_before, result.people_beyond_target_after) == (20000, 10000)
    assert result.vehicles_moved == {"vsav": 2, "fpt": 0, "ccf": 0} and result.staff_moved == 6


def test_texts_in_french_and_english() -> None:
    """One line per destination sector, its extra people said once; what the sending station keeps; no jargon."""
    result = hand_instance().solve()
    assert result.explain("fr")[:3] == [
        "Secteur d1 (+20\u00a0000 personnes) : 1 VSAV du CIS S2, 14 min; 1 VSAV du CIS S1, déjà sur place",
        "Secteur d2 (+10\u00a0000 personnes) : 1 VSAV du CIS S2, 29 min (au-delà de l'objectif de 20 min)",
        "CIS S2 garde 1 VSAV"]
    assert result.explain("en")[:3] == [
        "Secteur d1 (+20,000 people): 1 VSAV from CIS S2, 14 min; 1 VSAV of CIS S1, already there",
        "Secteur d2 (+10,000 people): 1 VSAV from CIS S2, 29 min (beyond the 20-min target)",
        "CIS S2 keeps 1 VSAV"]
    assert result.explain("fr")[3].startswith("Secteur d2 : 1 VSAV sur 1 non couvert en 20 min (1 en renfort plus tardif)")
    assert result.summary("fr") == ("2 véhicules déplacés, 6 sapeurs-pompiers. Personnes à plus de 20 min des secours : "
                                    "20\u00a0000 avant, 10\u00a0000 après le plan.")
    assert result.summary("en") == ("2 vehicles moved, 6 firefighters. People more than 20 min from help: "
                                    "20,000 before, 10,000 after the plan.")
    assert all("hors objectif" not in line and "pour +" not in line for line in result.explain("fr"))
    json.dumps(result.as_dict())


def test_the_headline_says_none_one_or_many_vehicles() -> None:
    one = make_problem([sector("d", 43.05, 10000)], [station("s", 43.0, 2, 0)]).solve()
    assert one.summary("fr").startswith("1 véhicule déplacé, 3 sapeurs-pompiers. Personnes à plus de 20 min")
    assert one.summary("en").startswith("1 vehicle moved, 3 firefighters. People more than 20 min from help")
    stuck = make_problem([sector("d", 43.05, 10000)], [station("s", 43.0, 1, 1)]).solve()
    assert stuck.moves == [] and stuck.summary("fr").startswith("Aucun véhicule à déplacer. Personnes à plus de 20 min")
    assert stuck.summary("en").startswith("No vehicle to move. People more than 20 min from help: 10,000 before")
    single = replace(one, staff_moved=1)
    assert single.summary("fr").startswith("1 véhicule déplacé, 1 sapeur-pompier.")


def test_a_sending_station_says_what_it_keeps_of_every_type_it_holds() -> None:
    s2 = station("s2", 43.1, 3, 1, fpt=2, ccf=1)
    result = make_problem([sector("d1", 43.0, 20000)], [s2]).solve()
    [kept] = result.kept
    assert (kept.station_id, kept.kept) == ("s2", {"vsav": 1, "fpt": 2, "ccf": 1})
    assert kept.message().render("fr") == "CIS S2 garde 1 VSAV, 2 FPT, 1 CCF"
    assert kept.message().render("en") == "CIS S2 keeps 1 VSAV, 2 FPT, 1 CCF"
    [group] = result.by_sector()
    assert (group.sector_code, group.people, [m.count for m in group.moves]) == ("d1", 20000, [2])


def test_a_station_sending_several_types_to_a_sector_is_one_part_of_its_line() -> None:
    near = Station("n", "CIS N", "x", "G", "SDIS13", 43.02, 5.0, 3, 3, 0, 99, 1, 1, 0)
    far = Station("f", "CIS F", "x", "G", "SDIS13", 43.12, 5.0, 2, 0, 0, 99, 1, 0, 0)
    vsav_fpt = Ratios((ResourceRatio("vsav", "VSAV", 10000, 3), ResourceRatio("fpt", "FPT", 10000, 4),
                       ResourceRatio("ccf", "CCF", 15000, 4, {"rouge": 2})), congestion_slope=0.0,
                      limit_by_station_crew=False)
    result = make_problem([sector("d", 43.0, 30000)], [far, near], vsav_fpt).solve()
    [line] = [m.render("fr") for m in result.messages() if m.key == "allocation.sector_plan"]
    assert line == "Secteur d (+30\u00a0000 personnes) : 2 VSAV, 2 FPT du CIS N, 3 min; 1 VSAV du CIS F, 17 min"


def test_a_logged_plan_reads_in_each_language_and_old_ones_stay_readable() -> None:
    result = hand_instance().solve()
    record = json.loads(json.dumps(plan_record(result, [], 0, {})))   # as the decision log stores it
    assert plan_texts(record, "fr") == (result.summary("fr"), result.explain("fr"))
    assert plan_texts(record, "en") == (result.summary("en"), result.explain("en"))
    assert plan_texts({"summary": "1 véhicule déplacé", "texts": ["+1 VSAV"]}, "en") == ("1 véhicule déplacé", ["+1 VSAV"])
    # a plan logged with the keys of the first wording still reads, in plain words
    old = {"messages": {"summary": {"key": "allocation.summary_many", "params": {
        "moved": 3, "staff": 12, "before": 48916, "after": 0, "no_gain": ""}}, "texts": [{"key": "allocation.move",
        "params": {"count": 2, "label": "VSAV", "station": "CIS Arles", "sector": "Arles", "minutes": 18,
                   "people": 68482, "target": 20}}]}}
    assert plan_texts(old, "fr") == ("3 véhicules déplacés, 12 sapeurs-pompiers. Personnes au-delà du délai visé : "
                                     "48\u00a0916 avant, 0 après le plan", ["2 VSAV du CIS Arles vers Arles, 18 min"])


def test_move_text_of_the_design() -> None:
    move = Move("cis-13004", "CIS Arles", "13096", "Saintes-Maries-de-la-Mer", "vsav", "VSAV", 2, 38, True, False,
                18400, 6, 40)
    assert move.text("fr") == "2 VSAV du CIS Arles vers Saintes-Maries-de-la-Mer, 38 min"
    assert move.text("en") == "2 VSAV from CIS Arles to Saintes-Maries-de-la-Mer, 38 min"


def test_prefers_the_shorter_move() -> None:
    stations = [station("far", 43.12, 2, 0), station("near", 43.05, 2, 0)]
    result = make_problem([sector("d", 43.0, 10000)], stations).solve()
    assert [(m.station_id, m.count) for m in result.moves] == [("near", 1)] and not result.shortfalls


def test_congestion_lengthens_the_way_in() -> None:
    crowded = Ratios(RATIOS.resources, congestion_slope=0.25)
    assert congestion_factor(3.0, crowded) == 1.5 and congestion_factor(9.0, crowded) == 2.0
    assert congestion_factor(0.5, crowded) == 1.0
    base = make_problem([sector("d", 43.0, 10000, usual=10000)], [station("s", 43.1, 2, 0)], crowded)
    plain = make_problem([sector("d", 43.0, 10000, usual=10000)], [station("s", 43.1, 2, 0)])
    assert base.minutes[0, 0] == pytest.approx(1.25 * plain.minutes[0, 0])   # present / usual = 2


def test_authorities_are_kept_apart_unless_mutual_aid() -> None:
    sectors = [sector("m1", 43.0, 10000, authority="BMPM")]
    stations = [station("sdis", 43.05, 3, 0)]
    alone = make_problem(sectors, stations).solve()
    assert alone.moves == [] and alone.shortfalls[0].reason == "other_authority_only"
    assert "entraide désactivée" in alone.explain("fr")[0]
    helped = make_problem(sectors, stations, mutual_aid=True).solve()
    assert [(m.station_id, m.sector_code) for m in helped.moves] == [("sdis", "m1")] and not helped.shortfalls


def test_no_station_in_reach() -> None:
    result = make_problem([sector("d", 43.0, 10000)], [station("s", 44.0, 3, 0)]).solve()
    assert result.moves == [] and result.shortfalls[0].reason == "no_station_within_target"
    assert "aucun centre à moins de 20 min" in result.explain("fr")[0]


def test_station_below_its_minimum_is_a_clear_failure() -> None:
    stations = [station("s", 43.05, 1, 2), station("t", 43.06, 3, 0)]
    with pytest.raises(InfeasibleAllocation, match=r"CIS S holds 1 VSAV but must keep 2: fix the stations list"):
        make_problem([sector("d", 43.0, 10000)], stations).solve()


def test_empty_cases() -> None:
    with pytest.raises(NoStations, match="stations import"):
        make_problem([sector("d", 43.0, 10000)], [])
    calm = make_problem([sector("d", 43.0, 1000)], [station("s", 43.0, 3, 0)]).solve()
    assert calm.status == "no_demand" and calm.moves == [] and calm.shortfalls == []
    assert calm.summary("fr") == "Aucun secteur n'appelle de moyens supplémentaires."


def test_staff_limit() -> None:
    ratios = Ratios(RATIOS.resources, congestion_slope=0.0, limit_by_station_crew=True)
    # 3 VSAV spare but crew 7 with one VSAV kept (3 staff): 4 staff left, one more VSAV only
    stations = [Station("s", "CIS S", "x", "G", "SDIS13", 43.05, 5.0, 4, 0, 0, 7, 1, 0, 0)]
    result = make_problem([sector("d", 43.0, 30000)], stations, ratios).solve()
    assert sum(m.count for m in result.moves) == 1 and result.staff_moved == 3


def test_demand_ratios_and_fire_risk_gate() -> None:
    assert units(18400, 10000) == 2 and units(14999, 10000) == 1 and units(4999, 10000) == 0
    quiet, risky = sector("a", 43.0, 40000), sector("b", 43.0, 40000, level="rouge")
    assert sector_demand(quiet, RATIOS) == {"vsav": 4, "fpt": 0, "ccf": 0}
    assert sector_demand(risky, RATIOS) == {"vsav": 4, "fpt": 0, "ccf": 3}
    assert sector_demand(sector("c", 43.0, 1000, level="rouge"), RATIOS)["ccf"] == 2


def test_one_name_per_level_french_or_english_on_input() -> None:
    assert [canonical_level(x) for x in ("Noir", "black", "ROUGE", "red", "jaune", "aucun", "none", "")] == \
        ["noir", "noir", "rouge", "rouge", "jaune", "", "", ""]
    assert level_rank("") < level_rank("vert") < level_rank("orange") < level_rank("noir")
    with pytest.raises(UnknownLevel, match="unknown risk level"):
        canonical_level("violet")
    with pytest.raises(InvalidRatios, match="unknown fire-risk level"):
        parse_ratios({**json.loads(RATIOS_FILE.read_text()), "resources": {
            **json.loads(RATIOS_FILE.read_text())["resources"],
            "ccf": {**json.loads(RATIOS_FILE.read_text())["resources"]["ccf"], "min_units_by_level": {"violet": 1}}}})
    assert load_ratios(default_ratios_path(SETTINGS.reference_dir)).resource("ccf").min_units_by_level == {"orange": 1, "rouge": 2, "noir": 4}


def test_ratios_file_and_its_errors(tmp_path: Path) -> None:
    ratios = load_ratios(default_ratios_path(SETTINGS.reference_dir))
    assert ratios.resource("vsav").people_per_unit == 10000 and ratios.detour_factor == 1.3
    with pytest.raises(InvalidRatios, match="resources"):
        parse_ratios({})
    broken = {"resources": {r: {"people_per_unit": 0, "crew": 3} for r in RESOURCES}}
    with pytest.raises(InvalidRatios, match="vsav.people_per_unit must be a number > 0"):
        parse_ratios(broken)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidRatios, match="cannot read the ratios"):
        load_ratios(tmp_path / "bad.json")
    with pytest.raises(InvalidRatios, match="not found"):
        load_ratios(tmp_path / "missing.json")


def test_travel_matrix_replaces_the_crow_flight(tmp_path: Path) -> None:
    path = tmp_path / "travel.csv"
    path.write_text("station_id,sector_code,minutes\nfar,d,5\n", encoding="utf-8")
    matrix = read_travel_times(path)
    stations = [station("far", 43.12, 2, 0), station("near", 43.05, 2, 0)]
    result = make_problem([sector("d", 43.0, 10000)], stations, travel=matrix).solve()
    assert [(m.station_id, m.minutes) for m in result.moves] == [("far", 5)]
    path.write_text("station_id,sector_code,minutes\nfar,d,soon\n", encoding="utf-8")
    with pytest.raises(InvalidRatios, match="line 2: field minutes"):
        read_travel_times(path)


def test_from_ranked_sectors() -> None:
    ranked = [RankedSector(1, "13096", "Saintes-Maries-de-la-Mer", "SDIS13", None, 4.43, 43.45, 20000, 1600, 2300,
                           18400, 11.5, 12.5, 8.7, 40.0, 0, 0.0, "aucun événement connu", (), True, False)]
    stations = [Station("cis-13004", "CIS Arles", "13004", "Ouest", "SDIS13", 43.67643, 4.62778, 4, 3, 4, 55, 1, 1, 1)]
    problem = AllocationProblem.from_situation(ranked, stations, SETTINGS, RATIOS)
    assert problem.demand == {"13096": {"vsav": 2, "fpt": 0, "ccf": 0}} and problem.target == 20
    result = problem.solve()
    assert [(m.station_id, m.count, m.within_target) for m in result.moves] == [("cis-13004", 2, False)]


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(43.0, 43.4), st.integers(0, 4), st.integers(0, 4), st.integers(0, 3),
                          st.integers(0, 3), st.sampled_from(["SDIS13", "BMPM"])), min_size=1, max_size=6),
       st.lists(st.tuples(st.floats(43.0, 43.4), st.integers(0, 60000), st.sampled_from(["SDIS13", "BMPM"]),
                          st.sampled_from(["", "rouge"])), min_size=1, max_size=4),
       st.booleans())
def test_minimums_are_never_violated(raw_stations: list, raw_sectors: list, mutual: bool) -> None:
    stations = [Station(f"s{i}", f"CIS {i}", "x", "G", auth, lat, 5.0, v, f, 2, 30, min(mv, v), min(mf, f), 1)
                for i, (lat, v, f, mv, mf, auth) in enumerate(raw_stations)]
    sectors = [sector(f"d{j}", lat, excess, authority=auth, level=level, usual=20000)
               for j, (lat, excess, auth, level) in enumerate(raw_sectors)]
    problem = make_problem(sectors, stations, mutual_aid=mutual)
    result = problem.solve()
    sent = {(s.station_id, r): 0 for s in stations for r in RESOURCES}
    for move in result.moves + result.on_site:
        sent[(move.station_id, move.resource)] += move.count
        assert mutual or next(s for s in stations if s.station_id == move.station_id).authority == \
            next(d for d in sectors if d.code == move.sector_code).authority
    for s in stations:
        for r in RESOURCES:
            assert s.available(r) - sent[(s.station_id, r)] >= s.minimum(r)
    for code, need in problem.demand.items():
        for r in RESOURCES:
            got = sum(m.count for m in result.moves + result.on_site if m.sector_code == code and m.resource == r)
            assert got <= need[r]
