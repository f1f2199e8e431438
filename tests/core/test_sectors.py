"""The committed reference data of dept 13 and the sector catalogue loader."""
from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape

from vigie.config import SHIPPED_DATA_DIR
from vigie.sectors import (
    Catalogue,
    InvalidCatalogue,
    Sector,
    UnknownSector,
    default_catalogue_path,
    default_profiles_path,
    load_catalogue,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
PARIS = ZoneInfo("Europe/Paris")
TOTAL_POPULATION = 2_024_162
MARSEILLE_POPULATION = 863_310
OUTSIDE_MARSEILLE_POPULATION = 1_160_852
CATEGORIES = {"feria", "festival", "match", "fireworks", "pilgrimage", "race", "concert", "fair", "other"}


def _rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV file as dicts."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def geojson() -> dict[str, Any]:
    """The committed 13.geojson."""
    return json.loads((DATA / "sectors" / "13.geojson").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The catalogue of dept 13."""
    return load_catalogue(default_catalogue_path(SHIPPED_DATA_DIR, "13"))


@pytest.fixture(scope="module")
def codes(catalogue: Catalogue) -> set[str]:
    """Sector codes of dept 13."""
    return set(catalogue.codes)


# --- 13.geojson -----------------------------------------------------------------------

def test_features_and_population(geojson: dict[str, Any]) -> None:
    features = geojson["features"]
    assert geojson["type"] == "FeatureCollection"
    assert len(features) == 134
    assert sum(f["properties"]["population"] for f in features) == TOTAL_POPULATION


def test_ids_unique_sorted_and_equal_to_code(geojson: dict[str, Any]) -> None:
    ids = [f["id"] for f in geojson["features"]]
    assert len(set(ids)) == len(ids) and ids == sorted(ids)
    assert all(isinstance(i, str) and i == f["properties"]["code"] for i, f in zip(ids, geojson["features"]))
    assert "13055" not in ids


def test_geometries_valid(geojson: dict[str, Any]) -> None:
    for feature in geojson["features"]:
        geom = shape(feature["geometry"])
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert geom.is_valid and not geom.is_empty, feature["id"]


def test_authorities(geojson: dict[str, Any]) -> None:
    props = [f["properties"] for f in geojson["features"]]
    bmpm = [p for p in props if p["authority"] == "BMPM"]
    assert sorted(p["code"] for p in bmpm) == [f"132{n:02d}" for n in range(1, 17)]
    assert sum(p["population"] for p in bmpm) == MARSEILLE_POPULATION
    others = [p for p in props if p["authority"] != "BMPM"]
    assert {p["authority"] for p in others} == {"SDIS13"} and len(others) == 118
    assert sum(p["population"] for p in others) == OUTSIDE_MARSEILLE_POPULATION


def test_coordinates_have_at_most_five_decimals() -> None:
    text = (DATA / "sectors" / "13.geojson").read_text(encoding="utf-8")
    assert re.search(r"\d\.\d{6,}", text) is None
    assert ", " not in text  # compact separators


def test_properties_plausible(geojson: dict[str, Any]) -> None:
    for feature in geojson["features"]:
        p = feature["properties"]
        geom = shape(feature["geometry"])
        assert 0 < p["area_km2"] < 800 and round(p["area_km2"], 2) == p["area_km2"]
        assert geom.covers(shape({"type": "Point", "coordinates": p["centroid"]})), p["code"]
        if p["town_hall"] is not None:
            assert 4.2 < p["town_hall"][0] < 5.9 and 43.1 < p["town_hall"][1] < 44.0
    arles = next(f["properties"] for f in geojson["features"] if f["id"] == "13004")
    assert arles["area_km2"] == pytest.approx(758.9, rel=0.01)  # INSEE: 758.93 km²


# --- catalogue ------------------------------------------------------------------------

def test_catalogue_api(catalogue: Catalogue) -> None:
    assert len(catalogue) == 134 and list(catalogue.codes) == sorted(catalogue.codes)
    assert [s.code for s in catalogue] == list(catalogue.codes)
    assert catalogue.total_population() == TOTAL_POPULATION
    assert catalogue.total_population("BMPM") == MARSEILLE_POPULATION
    assert catalogue.total_population("SDIS13") == OUTSIDE_MARSEILLE_POPULATION
    arles = catalogue.get("13004")
    assert isinstance(arles, Sector) and arles.name == "Arles" and arles.authority == "SDIS13"
    assert arles.town_hall is not None and catalogue.get("13207").town_hall is None
    assert "13004" in catalogue and "13055" not in catalogue
    assert catalogue.geojson()["features"][0]["id"] == catalogue.codes[0]
    assert catalogue.active_codes(date(2026, 1, 15)) == list(catalogue.codes)


def test_unknown_sector(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownSector, match="13055") as info:
        catalogue.get("13055")
    assert info.value.code == "13055" and isinstance(info.value, LookupError)


def test_default_paths(tmp_path: Path) -> None:
    assert default_catalogue_path(SHIPPED_DATA_DIR, "13") == DATA / "sectors" / "13.geojson"
    assert default_catalogue_path(tmp_path, "84") == tmp_path / "sectors" / "84.geojson"
    assert default_profiles_path(SHIPPED_DATA_DIR, "13") == DATA / "sectors" / "13-profiles.csv"


def _feature(code: str, **extra: Any) -> dict[str, Any]:
    """A minimal valid feature."""
    props = {"code": code, "name": f"Secteur {code}", "population": 100, "area_km2": 1.5,
             "centroid": [5.0, 43.0], "authority": "SDIS13", "town_hall": None, **extra}
    ring = [[5.0, 43.0], [5.01, 43.0], [5.01, 43.01], [5.0, 43.0]]
    return {"type": "Feature", "id": code, "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _write(tmp_path: Path, features: list[dict[str, Any]]) -> Path:
    """Write a FeatureCollection to a temporary file."""
    path = tmp_path / "sectors.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_loader_rejects_duplicate_code(tmp_path: Path) -> None:
    path = _write(tmp_path, [_feature("13001"), _feature("13002"), _feature("13001")])
    with pytest.raises(InvalidCatalogue, match=r"duplicate sector code 13001 \(features #0 and #2\)"):
        load_catalogue(path)


def test_loader_rejects_missing_property(tmp_path: Path) -> None:
    bad = _feature("13002")
    del bad["properties"]["population"]
    with pytest.raises(InvalidCatalogue, match=r"feature #1.*missing property 'population'"):
        load_catalogue(_write(tmp_path, [_feature("13001"), bad]))


def test_loader_rejects_bad_geometry_and_values(tmp_path: Path) -> None:
    point = _feature("13001")
    point["geometry"] = {"type": "Point", "coordinates": [5.0, 43.0]}
    with pytest.raises(InvalidCatalogue, match="bad geometry type 'Point'"):
        load_catalogue(_write(tmp_path, [point]))
    with pytest.raises(InvalidCatalogue, match="'population' must be a non-negative integer"):
        load_catalogue(_write(tmp_path, [_feature("13001", population=-3)]))
    with pytest.raises(InvalidCatalogue, match=r"'centroid' must be \[lon, lat\]"):
        load_catalogue(_write(tmp_path, [_feature("13001", centroid=[5.0])]))
    mismatch = _feature("13001")
    mismatch["id"] = "13009"
    with pytest.raises(InvalidCatalogue, match="differs from code"):
        load_catalogue(_write(tmp_path, [mismatch]))


def test_loader_rejects_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidCatalogue, match="not found"):
        load_catalogue(tmp_path / "missing.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidCatalogue, match="cannot read"):
        load_catalogue(broken)
    broken.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(InvalidCatalogue, match="not a GeoJSON FeatureCollection"):
        load_catalogue(broken)
    with pytest.raises(InvalidCatalogue, match="no feature"):
        load_catalogue(_write(tmp_path, []))


def test_seasonal_sectors(tmp_path: Path) -> None:
    path = _write(tmp_path, [
        _feature("13001"),
        _feature("13002", season_start="06-01", season_end="09-15"),
        _feature("13003", season_start="11-15", season_end="02-15"),
    ])
    cat = load_catalogue(path)
    beach, winter = cat.get("13002"), cat.get("13003")
    assert cat.get("13001").season is None and beach.season == ("06-01", "09-15")
    assert beach.is_active(date(2026, 6, 1)) and beach.is_active(date(2026, 9, 15))
    assert not beach.is_active(date(2026, 5, 31)) and not beach.is_active(date(2026, 9, 16))
    assert winter.is_active(date(2026, 12, 31)) and winter.is_active(date(2027, 1, 10))
    assert not winter.is_active(date(2026, 7, 1))
    assert cat.active_codes(date(2026, 7, 14)) == ["13001", "13002"]
    assert cat.active_codes(date(2026, 12, 1)) == ["13001", "13003"]


def test_season_must_be_month_day(tmp_path: Path) -> None:
    with pytest.raises(InvalidCatalogue, match="season_end"):
        load_catalogue(_write(tmp_path, [_feature("13002", season_start="06-01")]))
    with pytest.raises(InvalidCatalogue, match="season_start"):
        load_catalogue(_write(tmp_path, [_feature("13002", season_start="6-1", season_end="09-15")]))


# --- profiles -------------------------------------------------------------------------

def test_profiles_cover_every_code() -> None:
    cat = load_catalogue(default_catalogue_path(SHIPPED_DATA_DIR, "13"))
    profiles = cat.load_profiles(default_profiles_path(SHIPPED_DATA_DIR, "13"))
    assert list(profiles) == list(cat.codes)
    assert profiles["13096"].camargue and profiles["13096"].coast and profiles["13096"].tourism >= 0.9
    assert profiles["13208"].calanques and profiles["13001"].employment_pole >= 0.9
    assert cat.profile("13039").industrial and cat.profile("13001").massif == "Sainte-Victoire"
    massifs = {r["name"]: set(r["sectors"].split()) for r in _rows(DATA / "massifs" / "13.csv")}
    for profile in profiles.values():
        assert profile.massif is None or profile.code in massifs[profile.massif], profile.code


def test_profiles_errors(tmp_path: Path) -> None:
    cat = load_catalogue(_write(tmp_path, [_feature("13001"), _feature("13002")]))
    header = "code,name,coast,camargue,calanques,employment_pole,industrial,dormitory,tourism,massif\n"
    path = tmp_path / "profiles.csv"
    path.write_text(header + "13001,A,0,0,0,0.5,0,1,0.1,\n", encoding="utf-8")
    with pytest.raises(InvalidCatalogue, match="no profile for sectors: 13002"):
        cat.load_profiles(path)
    path.write_text(header + "13001,A,0,0,0,1.5,0,1,0.1,\n13002,B,0,0,0,0,0,0,0,\n", encoding="utf-8")
    with pytest.raises(InvalidCatalogue, match="'employment_pole' must be a number in"):
        cat.load_profiles(path)
    path.write_text(header + "13001,A,2,0,0,0,0,0,0,\n13002,B,0,0,0,0,0,0,0,\n", encoding="utf-8")
    with pytest.raises(InvalidCatalogue, match="'coast' must be 0 or 1"):
        cat.load_profiles(path)


# --- stations, events, massifs --------------------------------------------------------

def test_stations(codes: set[str], catalogue: Catalogue) -> None:
    rows = _rows(DATA / "stations" / "13.csv")
    assert len({r["station_id"] for r in rows}) == len(rows)
    sdis = [r for r in rows if r["authority"] == "SDIS13"]
    bmpm = [r for r in rows if r["authority"] == "BMPM"]
    assert len(sdis) == 60 and len({r["groupement"] for r in sdis}) == 5
    assert 15 <= len(bmpm) <= 18 and len(sdis) + len(bmpm) == len(rows)
    for r in rows:
        assert r["sector_id"] in codes
        assert catalogue.get(r["sector_id"]).authority == r["authority"]
        assert 43.1 < float(r["lat"]) < 44.0 and 4.2 < float(r["lon"]) < 5.9
        assert 1 <= int(r["vsav"]) <= 4 and 1 <= int(r["fpt"]) <= 3 and 0 <= int(r["ccf"]) <= 6
        assert 8 <= int(r["crew"]) <= 60
        for kind in ("vsav", "fpt", "ccf"):
            assert 0 <= int(r[f"min_{kind}"]) <= int(r[kind]), (r["station_id"], kind)


def test_events(codes: set[str]) -> None:
    rows = _rows(DATA / "events" / "13.csv")
    assert len({r["event_id"] for r in rows}) == len(rows)
    years: set[int] = set()
    for r in rows:
        assert set(r["sectors"].split()) <= codes and r["sectors"].split(), r["event_id"]
        start, end = datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])
        assert start.tzinfo is not None and end.tzinfo is not None, r["event_id"]
        assert start < end, r["event_id"]
        assert start.utcoffset() == start.astimezone(PARIS).utcoffset(), r["event_id"]
        assert r["category"] in CATEGORIES and int(r["expected_attendance"]) > 0 and r["source"]
        years.add(start.year)
    assert years == {2025, 2026, 2027}
    autumn_2026 = [r for r in rows if "2026-10" <= r["start"][:7] <= "2026-12"]
    assert {r["category"] for r in autumn_2026} >= {"match", "race", "pilgrimage", "fair"}
    cassis = next(r for r in rows if r["event_id"] == "2026-marseille-cassis")
    assert cassis["start"].startswith("2026-10-25T") and cassis["start"].endswith("+01:00")


def test_massifs(codes: set[str]) -> None:
    rows = _rows(DATA / "massifs" / "13.csv")
    assert 15 <= len(rows) <= 25
    assert len({r["massif_id"] for r in rows}) == len(rows) == len({r["name"] for r in rows})
    for r in rows:
        sectors = r["sectors"].split()
        assert sectors and set(sectors) <= codes and len(set(sectors)) == len(sectors), r["massif_id"]

