"""Massif access levels and flood vigilance: CSV imports (all or nothing) and what they cover."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from vigie.operations import overlays
from vigie.config import Settings
from vigie.analysis.situation import situation_at
from vigie.slots import parse_instant
from vigie.store import Store
from tests.factories import ROOT


def refused(store: Store, importer, data: bytes) -> overlays.ImportRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(overlays.ImportRefused) as info:
        importer(store, data, "test")
    return info.value


def test_demo_files_import(db: tuple[Store, Settings]) -> None:
    store, _ = db
    massifs = overlays.import_massif_levels(store, (ROOT / "data/massifs/levels-demo.csv").read_bytes(), "demo")
    assert (massifs.rows, massifs.first_day, massifs.last_day) == (16 * 62, "2026-07-01", "2026-08-31")
    floods = overlays.import_flood_vigilance(store, (ROOT / "data/floods/vigilance-demo.csv").read_bytes(), "demo")
    assert floods.rows == 20 and floods.first_day == "2026-10-08"
    assert overlays.massif_levels_on(store, "2026-07-24")["calanques"] == "noir"
    again = overlays.import_massif_levels(store, (ROOT / "data/massifs/levels-demo.csv").read_bytes(), "demo")
    assert again.replaced == again.rows == 992
    assert store.scalar("SELECT count(*) FROM massif_levels") == 992
    assert overlays.overlay_days(store) == {"massifs": ("2026-07-01", "2026-08-31"), "floods": ("2026-10-08", "2026-10-12")}


def test_massif_levels_are_published_the_day_before_at_17h(db: tuple[Store, Settings]) -> None:
    store, _ = db
    overlays.import_massif_levels(store, b"massif_id,day,level\ncalanques,2026-07-14,rouge\n", "prefecture")
    row = store.query("SELECT published_at, source FROM massif_levels")[0]
    assert row["published_at"] == parse_instant("2026-07-13T17:00:00+02:00") and row["source"] == "prefecture"
    overlays.import_massif_levels(
        store, b"massif_id,day,level,published_at\ncalanques,2026-07-14,noir,2026-07-14T06:30:00+02:00\n", "update")
    assert store.query("SELECT level, published_at FROM massif_levels")[0] == {
        "level": "noir", "published_at": parse_instant("2026-07-14T06:30:00+02:00")}


def test_french_excel_files_are_accepted(db: tuple[Store, Settings]) -> None:
    store, _ = db
    data = "\ufeffmassif_id;day;level\r\ncalanques;14/07/2026;Rouge\r\netoile;14/07/2026;BLACK\r\n".encode()
    assert overlays.import_massif_levels(store, data, "x").rows == 2
    assert overlays.massif_levels_on(store, "2026-07-14") == {"calanques": "rouge", "etoile": "noir"}


def test_a_bad_file_is_refused_whole_with_every_reason(db: tuple[Store, Settings]) -> None:
    store, _ = db
    data = (b"massif_id,day,level,published_at\ncalanques,2026-07-14,rouge,\nfoo,2026-07-14,rouge,\n"
            b"etoile,2026-13-01,jaune,\netoile,2026-07-14,violet,\ncalanques,2026-07-14,noir,\nalpilles,2026-07-14\n"
            b"alpilles,2026-07-15,jaune,2026-07-14T17:00\n")
    error = refused(store, overlays.import_massif_levels, data)
    lines = [p.line for p in error.problems]
    assert lines == [3, 4, 5, 6, 7, 8]
    french, english = error.message("fr"), error.message("en")
    assert "rien n'a été importé" in french and "massif « foo » inconnu" in french and "déjà donné ligne 2" in french
    assert "nothing was imported" in english and "unknown level 'violet'" in english and "offset" in english
    assert store.scalar("SELECT count(*) FROM massif_levels") == 0


@pytest.mark.parametrize("data, reason", [
    (b"massif,day,level\ncalanques,2026-07-14,rouge\n", "l'en-tête doit être"),
    (b"massif_id,day,level\n", "aucune ligne"),
    (b"massif_id,day,level\ncalanques,2026-07-14,\xe9\n", "UTF-8"),
    (b"massif_id,day,level,day\ncalanques,2026-07-14,rouge,x\n", "l'en-tête"),
])
def test_unusable_files(db: tuple[Store, Settings], data: bytes, reason: str) -> None:
    assert reason in refused(db[0], overlays.import_massif_levels, data).message("fr")


def test_a_sector_in_two_massifs_takes_the_higher_level(db: tuple[Store, Settings]) -> None:
    store, _ = db
    # Cassis (13022) is in the Calanques and in Cap Canaille / Grand Caunet.
    overlays.import_massif_levels(store, b"massif_id,day,level\ncalanques,2026-07-14,orange\n"
                                         b"grand-caunet,2026-07-14,rouge\nalpilles,2026-07-14,jaune\n", "x")
    levels = overlays.sector_massif_levels(store, "2026-07-14")
    assert levels["13022"] == "rouge" and levels["13208"] == "orange" and levels["13011"] == "jaune"
    assert overlays.sectors_under_level(store, "2026-07-14") == {"13022", "13023", "13028", "13085", "13119"}
    assert "13208" in overlays.sectors_under_level(store, "2026-07-14", {"orange", "rouge", "noir"})
    assert overlays.sectors_under_level(store, "2026-07-15") == set()


def test_population_under_red_and_black_massifs(db: tuple[Store, Settings]) -> None:
    store, settings = db
    overlays.import_massif_levels(store, b"massif_id,day,level\ncalanques,2026-07-14,noir\n", "x")
    t = parse_instant("2026-07-14T15:00:00+02:00")
    present = {"13022": 21000, "13070": 8000, "13119": 7000, "13208": 95000, "13209": 12}
    with store.write() as tx:
        tx.conn.executemany("INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, tourists_intl, "
                            "excursionists, entries) VALUES (?, ?, ?, NULL, NULL, NULL, NULL, NULL)",
                            [(code, t, value) for code, value in present.items()])
    situation = situation_at(store, t, settings, now=t + 600)
    summary = overlays.population_under_massif_level(store, situation, "2026-07-14")
    assert summary["massifs"] == ["calanques"] and summary["sectors"] == 6
    assert summary["present"] == 21000 + 8000 + 7000 + 95000  # 13209 holds 12 people: withheld, not added
    # 13211 sent nothing: no data, not withheld.
    assert (summary["withheld"], summary["counted"], summary["no_data"]) == (1, 4, 1)
    from_mapping = overlays.population_under_massif_level(store, present, "2026-07-14")
    assert from_mapping == summary


def test_flood_vigilance(db: tuple[Store, Settings]) -> None:
    store, _ = db
    overlays.import_flood_vigilance(store, (ROOT / "data/floods/vigilance-demo.csv").read_bytes(), "demo")
    assert overlays.sector_flood_levels(store, "2026-10-09")["13208"] == "rouge"
    assert "13004" in overlays.sectors_under_flood_level(store, "2026-10-09")
    assert overlays.sectors_under_flood_level(store, "2026-10-12") == set()
    sections = overlays.flood_sections_on(store, "2026-10-09")
    assert {s["section_id"] for s in sections} == {"rhone-aval", "durance-aval", "huveaune", "arc", "touloubre"}
    row = store.query("SELECT published_at FROM flood_vigilance WHERE section_id = 'huveaune' AND day = '2026-10-09'")
    assert row[0]["published_at"] == parse_instant("2026-10-08T16:00:00+02:00")


def test_flood_errors(db: tuple[Store, Settings]) -> None:
    store, _ = db
    error = refused(store, overlays.import_flood_vigilance,
                    "section_id,name,sectors,day,level\nhuveaune,Huveaune,13005 99999,2026-10-09,rouge\n"
                    "arc,Arc,13001,2026-10-09,noir\n,Sans id,13001,2026-10-09,jaune\nx,,13001,2026-10-09,jaune\n".encode())
    assert [p.line for p in error.problems] == [2, 3, 4, 5]
    assert "99999" in error.problems[0].fr and "noir" in error.problems[1].en


FUZZ = st.one_of(st.binary(max_size=300), st.lists(st.sampled_from(
    ["massif_id,day,level", "calanques", "2026-07-14", "rouge", ",", ";", "\n", "\"", "14/07/2026", "noir", "x", "\r\n"]),
    max_size=40).map(lambda parts: "".join(parts).encode()))


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(FUZZ)
def test_any_file_is_imported_or_refused_cleanly(shared_store: Store, data: bytes) -> None:
    before = shared_store.scalar("SELECT count(*) FROM massif_levels")
    try:
        report = overlays.import_massif_levels(shared_store, data, "fuzz")
    except overlays.ImportRefused as exc:
        assert exc.problems and all(p.fr and p.en for p in exc.problems)
        assert shared_store.scalar("SELECT count(*) FROM massif_levels") == before
    else:
        assert report.rows >= 1


def test_cli_imports(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    runner = CliRunner(env={"VIGIE_DATA_DIR": str(tmp_path / "instance"), "VIGIE_FEED": "none"})
    ok = runner.invoke(main, ["overlays", "import-massifs", str(ROOT / "data/massifs/levels-demo.csv")])
    assert ok.exit_code == 0 and "992 niveau(x)" in ok.output
    assert "massif calanques\tnoir" in runner.invoke(main, ["overlays", "show", "2026-07-24"]).output
    bad = tmp_path / "bad.csv"
    bad.write_text("section_id,name,sectors,day,level\nhuveaune,Huveaune,13005,2026-10-09,violet\n", encoding="utf-8")
    refused_run = runner.invoke(main, ["overlays", "import-floods", str(bad)])
    assert refused_run.exit_code == 1 and "ligne 2" in refused_run.output and "violet" in refused_run.output
