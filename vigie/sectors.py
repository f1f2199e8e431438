"""Sector catalogue: the communes / arrondissements of a département and their profiles.

Loads data/sectors/{dept}.geojson (built by scripts/build_sectors.py) and the optional
data/sectors/{dept}-profiles.csv. Pure Python: no Dash, Flask or geometry library.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Mapping

from vigie.errors import VigieError
from vigie.store import Store

REQUIRED_PROPERTIES = ("code", "name", "population", "area_km2", "centroid", "authority")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
PROFILE_FLAGS = ("coast", "camargue", "calanques", "industrial", "dormitory")
PROFILE_SHARES = ("employment_pole", "tourism")
PROFILE_COLUMNS = ("code", "name", *PROFILE_FLAGS[:3], "employment_pole",
                   *PROFILE_FLAGS[3:], "tourism", "massif")


class InvalidCatalogue(VigieError, ValueError):
    """The sector catalogue (or its profiles file) cannot be used as it is."""


class UnknownSector(VigieError, LookupError):
    """A sector code that the catalogue does not hold."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown sector code {code!r} (not in the sector catalogue)")
        self.code = code


@dataclass(frozen=True)
class Sector:
    """One sector: a commune, or an arrondissement of Marseille / Paris / Lyon."""

    code: str
    name: str
    population: int
    area_km2: float
    centroid: tuple[float, float]
    authority: str
    town_hall: tuple[float, float] | None = None
    season: tuple[str, str] | None = None

    @property
    def density(self) -> float:
        """Residents per km² (0 when the area is unknown)."""
        return self.population / self.area_km2 if self.area_km2 > 0 else 0.0

    def is_active(self, day: date) -> bool:
        """Tell whether the sector is open on that day (always, unless seasonal)."""
        if self.season is None:
            return True
        start, end = self.season
        today = f"{day.month:02d}-{day.day:02d}"
        if start <= end:
            return start <= today <= end
        return today >= start or today <= end


@dataclass(frozen=True)
class SectorProfile:
    """Expert features of a sector used by the population simulator."""

    code: str
    name: str
    coast: bool
    camargue: bool
    calanques: bool
    employment_pole: float
    industrial: bool
    dormitory: bool
    tourism: float
    massif: str | None


class Catalogue:
    """Ordered, read-only collection of the sectors of one département."""

    def __init__(self, sectors: list[Sector], geojson: dict[str, Any]) -> None:
        """Index the sectors by code, keeping their order."""
        self._sectors = {s.code: s for s in sectors}
        if len(self._sectors) != len(sectors):
            raise InvalidCatalogue("duplicate sector codes")
        self._geojson = geojson
        self.profiles: dict[str, SectorProfile] = {}

    @property
    def codes(self) -> tuple[str, ...]:
        """Sector codes in catalogue order (sorted by INSEE code)."""
        return tuple(self._sectors)

    def get(self, code: str) -> Sector:
        """Return the sector of that code or raise UnknownSector."""
        try:
            return self._sectors[code]
        except KeyError:
            raise UnknownSector(code) from None

    def __contains__(self, code: object) -> bool:
        """Tell whether the catalogue holds that code."""
        return code in self._sectors

    def __iter__(self) -> Iterator[Sector]:
        """Iterate over the sectors in catalogue order."""
        return iter(self._sectors.values())

    def __len__(self) -> int:
        """Number of sectors."""
        return len(self._sectors)

    def total_population(self, authority: str | None = None) -> int:
        """Sum of resident populations, optionally for one authority (SDIS13, BMPM...)."""
        return sum(s.population for s in self if authority is None or s.authority == authority)

    def authorities(self) -> tuple[str, ...]:
        """Distinct authorities, in order of first appearance."""
        return tuple(dict.fromkeys(s.authority for s in self))

    def active_codes(self, day: date) -> list[str]:
        """Codes of the sectors open on that day."""
        return [s.code for s in self if s.is_active(day)]

    def geojson(self) -> dict[str, Any]:
        """The raw FeatureCollection (shared, do not mutate), feature ids = codes."""
        return self._geojson

    def load_profiles(self, path: Path) -> dict[str, SectorProfile]:
        """Read a profiles CSV covering exactly the catalogue's codes; keep and return it."""
        self.profiles = read_profiles(path, self.codes)
        return self.profiles

    def profile(self, code: str) -> SectorProfile:
        """Profile of a sector (after load_profiles) or raise UnknownSector."""
        self.get(code)
        if code not in self.profiles:
            raise InvalidCatalogue(f"no profile loaded for sector {code}")
        return self.profiles[code]


def default_catalogue_path(reference_dir: Path, dept: str) -> Path:
    """Path of sectors/{dept}.geojson in the reference data (settings.reference_dir)."""
    return reference_dir / "sectors" / f"{dept}.geojson"


def default_profiles_path(reference_dir: Path, dept: str) -> Path:
    """Path of sectors/{dept}-profiles.csv in the reference data (settings.reference_dir)."""
    return reference_dir / "sectors" / f"{dept}-profiles.csv"


def load_catalogue(path: Path) -> Catalogue:
    """Load and check a sector GeoJSON; raise InvalidCatalogue saying what is wrong."""
    collection = _read_json(path)
    features = collection.get("features")
    if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise InvalidCatalogue(f"{path}: not a GeoJSON FeatureCollection")
    if not features:
        raise InvalidCatalogue(f"{path}: the FeatureCollection has no feature")
    sectors: list[Sector] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        sector = _parse_feature(feature, f"{path}: feature #{index}")
        if sector.code in seen:
            raise InvalidCatalogue(
                f"{path}: duplicate sector code {sector.code} (features #{seen[sector.code]} and #{index})")
        seen[sector.code] = index
        sectors.append(sector)
    return Catalogue(sectors, collection)


def _read_json(path: Path) -> dict[str, Any]:
    """Read a JSON file, turning I/O and syntax errors into InvalidCatalogue."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidCatalogue(f"{path}: sector catalogue not found") from None
    except (OSError, ValueError) as exc:
        raise InvalidCatalogue(f"{path}: cannot read the sector catalogue: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidCatalogue(f"{path}: not a GeoJSON FeatureCollection")
    return data


def _parse_feature(feature: Any, where: str) -> Sector:
    """Check one feature and build its Sector."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidCatalogue(f"{where}: not a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise InvalidCatalogue(f"{where}: no properties")
    for name in REQUIRED_PROPERTIES:
        if props.get(name) in (None, ""):
            raise InvalidCatalogue(f"{where}: missing property {name!r}")
    code = str(props["code"])
    where = f"{where} ({code})"
    if "id" in feature and str(feature["id"]) != code:
        raise InvalidCatalogue(f"{where}: id {feature['id']!r} differs from code {code!r}")
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in GEOMETRY_TYPES:
        raise InvalidCatalogue(f"{where}: bad geometry type {kind!r}, expected Polygon or MultiPolygon")
    return Sector(
        code=code,
        name=str(props["name"]),
        population=_integer(props["population"], "population", where),
        area_km2=_number(props["area_km2"], "area_km2", where),
        centroid=_lonlat(props["centroid"], "centroid", where),
        authority=str(props["authority"]),
        town_hall=None if props.get("town_hall") is None else _lonlat(props["town_hall"], "town_hall", where),
        season=_season(props, where),
    )


def _integer(value: Any, name: str, where: str) -> int:
    """Check a non-negative integer property."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidCatalogue(f"{where}: property {name!r} must be a non-negative integer, not {value!r}")
    return value


def _number(value: Any, name: str, where: str) -> float:
    """Check a non-negative number property."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InvalidCatalogue(f"{where}: property {name!r} must be a non-negative number, not {value!r}")
    return float(value)


def _lonlat(value: Any, name: str, where: str) -> tuple[float, float]:
    """Check a [lon, lat] property."""
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    if not ok or not (-180 <= value[0] <= 180 and -90 <= value[1] <= 90):
        raise InvalidCatalogue(f"{where}: property {name!r} must be [lon, lat], not {value!r}")
    return float(value[0]), float(value[1])


def _season(props: Mapping[str, Any], where: str) -> tuple[str, str] | None:
    """Read the optional season_start / season_end ("MM-DD") pair."""
    start, end = props.get("season_start"), props.get("season_end")
    if start is None and end is None:
        return None
    for name, value in (("season_start", start), ("season_end", end)):
        if not isinstance(value, str) or not MONTH_DAY.match(value):
            raise InvalidCatalogue(f"{where}: property {name!r} must be \"MM-DD\", not {value!r}")
    return str(start), str(end)


def read_profiles(path: Path, codes: tuple[str, ...] | list[str]) -> dict[str, SectorProfile]:
    """Read a profiles CSV and check it covers exactly the given sector codes."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing_columns = [c for c in PROFILE_COLUMNS if c not in (reader.fieldnames or [])]
            if missing_columns:
                raise InvalidCatalogue(f"{path}: missing columns {missing_columns}")
            rows = list(reader)
    except FileNotFoundError:
        raise InvalidCatalogue(f"{path}: profiles file not found") from None
    profiles: dict[str, SectorProfile] = {}
    for line, row in enumerate(rows, start=2):
        profile = _parse_profile(row, f"{path}:{line}")
        if profile.code in profiles:
            raise InvalidCatalogue(f"{path}:{line}: duplicate sector code {profile.code}")
        profiles[profile.code] = profile
    _check_coverage(path, set(profiles), set(codes))
    return {code: profiles[code] for code in codes}


def _check_coverage(path: Path, found: set[str], expected: set[str]) -> None:
    """Raise when the profiles do not cover exactly the catalogue's codes."""
    unknown, missing = sorted(found - expected), sorted(expected - found)
    if unknown:
        raise InvalidCatalogue(f"{path}: codes not in the catalogue: {' '.join(unknown)}")
    if missing:
        raise InvalidCatalogue(f"{path}: no profile for sectors: {' '.join(missing)}")


def _parse_profile(row: Mapping[str, str], where: str) -> SectorProfile:
    """Check and convert one profiles CSV row."""
    flag = {name: _flag(row[name], name, where) for name in PROFILE_FLAGS}
    share = {name: _share(row[name], name, where) for name in PROFILE_SHARES}
    massif = (row.get("massif") or "").strip()
    return SectorProfile(code=row["code"].strip(), name=row["name"].strip(), coast=flag["coast"],
                         camargue=flag["camargue"], calanques=flag["calanques"],
                         employment_pole=share["employment_pole"], industrial=flag["industrial"],
                         dormitory=flag["dormitory"], tourism=share["tourism"], massif=massif or None)


def _flag(raw: str, name: str, where: str) -> bool:
    """Parse a 0/1 column."""
    if raw.strip() not in ("0", "1"):
        raise InvalidCatalogue(f"{where}: column {name!r} must be 0 or 1, not {raw!r}")
    return raw.strip() == "1"


def _share(raw: str, name: str, where: str) -> float:
    """Parse a float column within [0, 1]."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise InvalidCatalogue(f"{where}: column {name!r} must be a number in [0, 1], not {raw!r}")
    return value

# -- the sectors table: the one place that reads it ---------------------------------------------------
@dataclass(frozen=True)
class SectorInfo:
    """The static part of a sector (sectors table)."""

    code: str
    name: str
    population: int
    authority: str
    lon: float
    lat: float
    season_start: str | None = None
    season_end: str | None = None

    def is_active(self, day: date) -> bool:
        """Tell whether a seasonal sector is open on that local day."""
        if not self.season_start or not self.season_end:
            return True
        today = f"{day.month:02d}-{day.day:02d}"
        if self.season_start <= self.season_end:
            return self.season_start <= today <= self.season_end
        return today >= self.season_start or today <= self.season_end


_CACHE: dict[str, tuple[tuple[Any, ...], list[SectorInfo]]] = {}


def infos(store: Store) -> list[SectorInfo]:
    """Sectors of the database, sorted by code; cached until a row of the table changes."""
    signature = tuple(store.db.execute(
        "SELECT count(*), total(population), total(lon + lat), group_concat(code || name || authority || "
        "coalesce(season_start, '') || coalesce(season_end, ''), '|') FROM sectors").fetchone())
    key = str(store.path)
    cached = _CACHE.get(key)
    if cached is None or cached[0] != signature:
        rows = store.db.execute("SELECT code, name, population, authority, lon, lat, season_start, season_end "
                                "FROM sectors ORDER BY code").fetchall()
        cached = (signature, [SectorInfo(*row) for row in rows])
        _CACHE[key] = cached
    return cached[1]


def codes(store: Store) -> list[str]:
    """Codes of the sectors of the database, sorted."""
    return [s.code for s in infos(store)]


def known(store: Store) -> frozenset[str]:
    """The set of sector codes of the database."""
    return frozenset(codes(store))


def names(store: Store) -> dict[str, str]:
    """code -> name, sorted by code."""
    return {s.code: s.name for s in infos(store)}


def authorities(store: Store) -> dict[str, str]:
    """code -> authority (SDIS13 or BMPM)."""
    return {s.code: s.authority for s in infos(store)}
