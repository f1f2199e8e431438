"""Fire stations (CIS) and their resources: VSAV, FPT, CCF, staff, and the minimum that stays.

The demonstration list data/stations/NN.csv ships with Vigie; the service replaces it
with its own through `python -m vigie stations import FILE`. A file is validated like a
feed batch: all of it is imported or none, and every rejected line says why. Meta key
`stations_demo` is 1 while the demonstration list is in use.
"""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vigie.config import Settings
from vigie.errors import VigieError
from vigie.store import Store
from vigie import sectors as sector_table

COLUMNS = ("station_id", "name", "sector_id", "groupement", "authority", "lat", "lon",
           "vsav", "fpt", "ccf", "crew", "min_vsav", "min_fpt", "min_ccf")
RESOURCES = ("vsav", "fpt", "ccf")
COUNT_FIELDS = ("vsav", "fpt", "ccf", "crew", "min_vsav", "min_fpt", "min_ccf")
MAX_COUNT = 9999
MAX_TEXT = 120
MAX_SHOWN_PROBLEMS = 10
STATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DEMO_KEY = "stations_demo"
_FILE_CACHE: dict[tuple[str, int, int], list[Station]] = {}


@dataclass(frozen=True)
class Station:
    """One fire station and the resources it holds."""

    station_id: str
    name: str
    sector_id: str
    groupement: str
    authority: str
    lat: float
    lon: float
    vsav: int
    fpt: int
    ccf: int
    crew: int
    min_vsav: int
    min_fpt: int
    min_ccf: int

    def available(self, resource: str) -> int:
        """Vehicles of this type at the station."""
        return int(getattr(self, resource))

    def minimum(self, resource: str) -> int:
        """Vehicles of this type that must stay at the station."""
        return int(getattr(self, f"min_{resource}"))

    def spare(self, resource: str) -> int:
        """Vehicles of this type that may leave (never below the minimum)."""
        return max(0, self.available(resource) - self.minimum(resource))


@dataclass(frozen=True)
class StationProblem:
    """One reason a stations file was refused."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, field {self.field}: {self.message}"


class InvalidStations(VigieError, ValueError):
    """A stations file that cannot be imported; `problems` lists every line at fault."""

    def __init__(self, where: str, problems: Sequence[StationProblem]) -> None:
        shown = "; ".join(str(p) for p in problems[:MAX_SHOWN_PROBLEMS])
        more = f" (and {len(problems) - MAX_SHOWN_PROBLEMS} more)" if len(problems) > MAX_SHOWN_PROBLEMS else ""
        super().__init__(f"{where}: nothing imported: {shown}{more}")
        self.problems = list(problems)


def default_stations_path(reference_dir: Path, dept: str) -> Path:
    """Path of stations/{dept}.csv in the reference data (settings.reference_dir)."""
    return reference_dir / "stations" / f"{dept}.csv"


# -- parsing -------------------------------------------------------------------------------------
def _text(value: str, name: str, line: int, problems: list[StationProblem]) -> str:
    """A non-empty printable text field."""
    if not value:
        problems.append(StationProblem(line, name, "empty; fill it in"))
    elif len(value) > MAX_TEXT or not value.isprintable():
        problems.append(StationProblem(line, name, f"must be printable text of at most {MAX_TEXT} characters"))
    return value


def _count(value: str, name: str, line: int, problems: list[StationProblem]) -> int:
    """A whole number in [0, MAX_COUNT]."""
    if not value.isascii() or not value.isdigit() or int(value) > MAX_COUNT:
        problems.append(StationProblem(line, name, f"{value!r} must be a whole number between 0 and {MAX_COUNT}"))
        return 0
    return int(value)


def _coordinate(value: str, name: str, limit: float, line: int, problems: list[StationProblem]) -> float:
    """A decimal degree within [-limit, limit]."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        problems.append(StationProblem(line, name, f"{value!r} must be decimal degrees between -{limit:g} and {limit:g}"))
        return 0.0
    return number


def _parse_row(cell: dict[str, str], line: int, known_sectors: Collection[str] | None,
               authorities: Collection[str] | None, problems: list[StationProblem]) -> Station:
    """Check one row; append its problems and return a Station (meaningless when problems)."""
    before = len(problems)
    station_id = cell["station_id"]
    if not STATION_ID.match(station_id):
        problems.append(StationProblem(line, "station_id", f"{station_id!r} must be 1-64 letters, digits, . _ or -"))
    texts = {n: _text(cell[n], n, line, problems) for n in ("name", "sector_id", "groupement", "authority")}
    if known_sectors is not None and texts["sector_id"] and texts["sector_id"] not in known_sectors:
        problems.append(StationProblem(line, "sector_id", f"unknown sector code {texts['sector_id']!r}"))
    if authorities is not None and texts["authority"] and texts["authority"] not in authorities:
        problems.append(StationProblem(line, "authority", f"{texts['authority']!r} is not one of {', '.join(sorted(authorities))}"))
    counts = {n: _count(cell[n], n, line, problems) for n in COUNT_FIELDS}
    if len(problems) == before:
        for resource in RESOURCES:
            if counts[f"min_{resource}"] > counts[resource]:
                problems.append(StationProblem(line, f"min_{resource}",
                                               f"minimum {counts[f'min_{resource}']} is above the {counts[resource]} held"))
    return Station(station_id, texts["name"], texts["sector_id"], texts["groupement"], texts["authority"],
                   _coordinate(cell["lat"], "lat", 90, line, problems),
                   _coordinate(cell["lon"], "lon", 180, line, problems), **counts)


def parse_stations(text: str, where: str = "stations", known_sectors: Collection[str] | None = None,
                   authorities: Collection[str] | None = None) -> list[Station]:
    """Parse a stations CSV; raise InvalidStations listing every line and field at fault."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    if sorted(header) != sorted(COLUMNS):
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        raise InvalidStations(where, [StationProblem(1, "header", f"must be {','.join(COLUMNS)} "
                                                    f"(missing: {', '.join(missing) or '-'}; unexpected: {', '.join(extra) or '-'})")])
    problems: list[StationProblem] = []
    stations: list[Station] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:
            problems.append(StationProblem(line, "-", "more fields than columns (quote names that hold a comma)"))
            continue
        cell = {k.strip(): (v or "").strip() for k, v in row.items()}
        if not any(cell.values()):
            continue
        station = _parse_row(cell, line, known_sectors, authorities, problems)
        if station.station_id in seen:
            problems.append(StationProblem(line, "station_id", f"{station.station_id!r} already used on line {seen[station.station_id]}"))
        seen.setdefault(station.station_id, line)
        stations.append(station)
    if not stations and not problems:
        problems.append(StationProblem(1, "-", "the file holds no station"))
    if problems:
        raise InvalidStations(where, problems)
    return stations


def read_stations(path: Path, known_sectors: Collection[str] | None = None,
                  authorities: Collection[str] | None = None) -> list[Station]:
    """Read and check a stations CSV file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidStations(str(path), [StationProblem(0, "-", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise InvalidStations(str(path), [StationProblem(0, "-", f"not UTF-8 (byte {exc.start}); save it as UTF-8")]) from None
    return parse_stations(text, str(path), known_sectors, authorities)


# -- database --------------------------------------------------------------------------------------
def _catalogue(store: Store) -> tuple[set[str], set[str]]:
    """(sector codes, authorities) of the sectors table."""
    by_code = sector_table.authorities(store)
    return set(by_code), set(by_code.values())


def replace_stations(store: Store, stations: Iterable[Station], *, demo: bool = False) -> int:
    """Replace the whole stations table in one transaction; return the number stored."""
    rows = [astuple(s) for s in stations]
    marks = ",".join("?" * len(COLUMNS))
    with store.write() as tx:
        tx.execute("DELETE FROM stations")
        tx.conn.executemany(f"INSERT INTO stations ({', '.join(COLUMNS)}) VALUES ({marks})", rows)
        tx.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [DEMO_KEY, "1" if demo else "0"])
    return len(rows)


def import_stations(store: Store, path: Path) -> int:
    """Validate a stations file against the sectors of the database and replace the table with it."""
    codes, authorities = _catalogue(store)
    return replace_stations(store, read_stations(path, codes, authorities), demo=False)


def ensure_demo_stations(store: Store, settings: Settings) -> int:
    """Load the demonstration list when the table is empty; return the stations added (0 if any)."""
    if store.scalar("SELECT count(*) FROM stations"):
        return 0
    path = default_stations_path(settings.reference_dir, settings.dept)
    if not path.exists():
        return 0
    codes, authorities = _catalogue(store)
    return replace_stations(store, read_stations(path, codes, authorities), demo=True)


def load_stations(store: Store, settings: Settings) -> list[Station]:
    """Stations of the database; the demonstration file (unchecked against sectors) when empty."""
    rows = store.db.execute(f"SELECT {', '.join(COLUMNS)} FROM stations ORDER BY station_id").fetchall()
    if rows:
        return [Station(*row) for row in rows]
    path = default_stations_path(settings.reference_dir, settings.dept)
    if not path.exists():
        return []
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _FILE_CACHE:
        _FILE_CACHE.clear()
        _FILE_CACHE[key] = read_stations(path)
    return list(_FILE_CACHE[key])


def stations_are_demo(store: Store) -> bool:
    """True while the stations in use are the demonstration list (or none was imported)."""
    if not store.scalar("SELECT count(*) FROM stations"):
        return True
    return store.get_meta(DEMO_KEY, "1") != "0"


# -- geography --------------------------------------------------------------------------------------
def great_circle_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Haversine distance in km (works on numbers or numpy arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def sector_groupements(stations: Sequence[Station], sectors: Sequence[tuple[str, str, float, float]]) -> dict[str, str]:
    """Groupement of each sector given as (code, authority, lon, lat).

    The groupement of a station located in the sector; else of the nearest station of the
    sector's authority; else of the nearest station at all.
    """
    if not stations or not sectors:
        return {}
    lat = np.array([s.lat for s in stations])
    lon = np.array([s.lon for s in stations])
    own = np.array([s.authority for s in stations], dtype=object)
    distance = great_circle_km(np.array([x[3] for x in sectors])[:, None], np.array([x[2] for x in sectors])[:, None],
                               lat[None, :], lon[None, :])
    by_sector = {s.sector_id: s.groupement for s in stations}
    out: dict[str, str] = {}
    for i, (code, authority, _, _) in enumerate(sectors):
        if code in by_sector:
            out[code] = by_sector[code]
            continue
        same = own == authority
        row = np.where(same, distance[i], np.inf) if same.any() else distance[i]
        out[code] = stations[int(np.argmin(row))].groupement
    return out
