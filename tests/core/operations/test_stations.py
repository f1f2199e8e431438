"""Stations file: validation with line and field, atomic import, demo flag, CLI, groupements."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from vigie.config import SHIPPED_DATA_DIR
from vigie.operations.stations import (
    COLUMNS, InvalidStations, Station, default_stations_path, ensure_demo_stations, import_stations, load_stations,
    parse_stations, read_stations, sector_groupements, stations_are_demo,
)
from vigie.store import Store
from tests.factories import make_settings

HEADER = ",".join(COLUMNS)
SETTINGS = make_settings()
GOOD = "cis-a,CIS Arles,13004,Ouest,SDIS13,43.67643,4.62778,4,3,4,55,1,1,1"


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "stations.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_demo_file_is_valid(no_stations: Store) -> None:
    codes = {r["code"] for r in no_stations.query("SELECT code FROM sectors")}
    stations = read_stations(default_stations_path(SHIPPED_DATA_DIR, "13"), codes, {"SDIS13", "BMPM"})
    assert len([s for s in stations if s.authority == "SDIS13"]) == 60
    assert all(s.available(r) >= s.minimum(r) for s in stations for r in ("vsav", "fpt", "ccf"))
    arles = next(s for s in stations if s.name == "CIS Arles")
    assert (arles.vsav, arles.spare("vsav"), arles.groupement) == (4, 3, "Ouest")


def test_every_problem_has_its_line_and_field() -> None:
    text = "\n".join([HEADER, GOOD,
                      "cis-b,CIS B,13004,Ouest,SDIS13,91,4.6,2,x,1,10,1,0,0",
                      "cis-c,CIS C,13004,Ouest,SDIS13,43.6,4.6,1,1,1,10,2,0,0",
                      "cis-a,CIS A bis,99999,Ouest,POMPIERS,43.6,4.6,1,1,1,10,0,0,0"])
    with pytest.raises(InvalidStations) as caught:
        parse_stations(text, "s.csv", known_sectors={"13004"}, authorities={"SDIS13", "BMPM"})
    found = {(p.line, p.field) for p in caught.value.problems}
    assert found == {(3, "lat"), (3, "fpt"), (4, "min_vsav"), (5, "sector_id"), (5, "authority"), (5, "station_id")}
    message = str(caught.value)
    assert message.startswith("s.csv: nothing imported: ") and "line 4, field min_vsav: minimum 2 is above the 1 held" in message


@pytest.mark.parametrize("text, needle", [
    ("station_id,name\ncis,CIS", "line 1, field header"),
    (HEADER + "\n", "holds no station"),
    (HEADER + "\n" + GOOD + ",extra", "more fields than columns"),
    (HEADER + "\n" + GOOD.replace("CIS Arles", "CIS\x07Arles"), "field name: must be printable"),
    (HEADER + "\n" + GOOD.replace("cis-a", "cis a/../"), "field station_id"),
    (HEADER + "\n" + GOOD.replace(",4,3,4,55,", ",-4,3,4,55,"), "field vsav"),
])
def test_refusals_say_why(text: str, needle: str) -> None:
    with pytest.raises(InvalidStations, match="nothing imported") as caught:
        parse_stations(text)
    assert needle in str(caught.value)


def test_import_is_whole_file_or_nothing(no_stations: Store, tmp_path: Path) -> None:
    assert ensure_demo_stations(no_stations, SETTINGS) == 76 and stations_are_demo(no_stations)
    assert ensure_demo_stations(no_stations, SETTINGS) == 0  # only when empty
    bad = _write(tmp_path, HEADER, GOOD, GOOD.replace("cis-a", "cis-b").replace("13004", "99999"))
    with pytest.raises(InvalidStations, match="line 3, field sector_id"):
        import_stations(no_stations, bad)
    assert len(load_stations(no_stations, SETTINGS)) == 76 and stations_are_demo(no_stations)
    good = _write(tmp_path, HEADER, GOOD, GOOD.replace("cis-a", "cis-b").replace("13004", "13096"))
    assert import_stations(no_stations, good) == 2
    assert [s.station_id for s in load_stations(no_stations, SETTINGS)] == ["cis-a", "cis-b"]
    assert not stations_are_demo(no_stations)


def test_load_falls_back_to_the_demo_file(no_stations: Store) -> None:
    assert no_stations.scalar("SELECT count(*) FROM stations") == 0
    assert len(load_stations(no_stations, SETTINGS)) == 76 and stations_are_demo(no_stations)


def test_cli_import_and_list(no_stations: Store, tmp_path: Path) -> None:
    from cli import main

    env = {"VIGIE_DATA_DIR": str(tmp_path / "instance"), "VIGIE_FEED": "none"}
    runner = CliRunner()
    listing = runner.invoke(main, ["stations", "list"], env=env)
    assert listing.exit_code == 0 and listing.output.startswith("# demonstration data")
    bad = runner.invoke(main, ["stations", "import", str(_write(tmp_path, HEADER, GOOD.replace(",55,", ",lots,")))], env=env)
    assert bad.exit_code == 1 and "line 2, field crew" in bad.output
    ok = runner.invoke(main, ["stations", "import", str(_write(tmp_path, HEADER, GOOD))], env=env)
    assert ok.exit_code == 0, ok.output
    listing = runner.invoke(main, ["stations", "list"], env=env)
    assert "demonstration" not in listing.output and "CIS Arles" in listing.output
    audit = Store(tmp_path / "instance" / "vigie.db").query("SELECT action, outcome FROM audit WHERE action = 'stations.import'")
    assert [a["outcome"] for a in audit] == ["rejected", "ok"]


def test_groupement_of_a_sector() -> None:
    stations = [Station("a", "CIS A", "13004", "Ouest", "SDIS13", 43.67, 4.63, 1, 1, 1, 9, 0, 0, 0),
                Station("b", "CIS B", "13001", "Est", "SDIS13", 43.53, 5.45, 1, 1, 1, 9, 0, 0, 0),
                Station("m", "BMPM M", "13201", "BMPM", "BMPM", 43.30, 5.38, 1, 1, 1, 9, 0, 0, 0)]
    sectors = [("13004", "SDIS13", 4.6, 43.6), ("13096", "SDIS13", 4.43, 43.45),
               ("13002", "SDIS13", 5.48, 43.34), ("13202", "BMPM", 5.36, 43.30)]
    assert sector_groupements(stations, sectors) == {"13004": "Ouest", "13096": "Ouest", "13002": "Est", "13202": "BMPM"}


@hyp_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=20), min_size=len(COLUMNS),
                max_size=len(COLUMNS)))
def test_fuzzed_rows_are_refused_or_valid(cells: list[str]) -> None:
    text = HEADER + "\n" + ",".join(c.replace(",", "").replace("\n", "").replace("\r", "").replace('"', "") for c in cells)
    try:
        stations = parse_stations(text)
    except InvalidStations as exc:
        assert exc.problems and all(p.line >= 1 for p in exc.problems)
    else:
        assert all(s.minimum(r) <= s.available(r) for s in stations for r in ("vsav", "fpt", "ccf"))
