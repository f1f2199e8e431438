"""Test data built by code: settings, stores in the states the tests need, observations, an exercise history."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import hashlib
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from vigie.config import Settings, load_settings
from vigie.feed.simulator import Simulator
from vigie.identity import accounts
from vigie.reference import rebuild_reference
from vigie.runtime.bootstrap import init_database
from vigie.runtime.feed import publish_until
from vigie.slots import PARIS, parse_instant
from vigie.store import Store
from vigie.training import control

ROOT = Path(__file__).resolve().parents[1]
FEED_FIXTURES = Path(__file__).parent / "core" / "fixtures" / "feed"
PASSWORD = "correct-horse-battery-staple"
SECRET_KEY = "test-secret-key"
WEEK = 7 * 86400

SectorRow = tuple[str, str, int, str, float, float]
SECTORS: list[SectorRow] = [
    ("13001", "Aix-en-Provence", 1000, "SDIS13", 5.44, 43.53),
    ("13002", "Allauch", 5000, "SDIS13", 5.48, 43.34),
    ("13201", "Marseille 1er", 2000, "BMPM", 5.38, 43.30),
    ("13003", "Alleins", 3000, "SDIS13", 5.16, 43.70),
]


def local(text: str) -> int:
    """Epoch seconds of a Europe/Paris wall time (or an ISO instant with offset)."""
    return parse_instant(text)


SURGE_AT = local("2026-08-15T21:00")  # a summer Saturday evening: the crisis and alert tests plant their surge here

FORECAST_NOW = local("2026-07-18T16:10")  # a summer Saturday afternoon: the forecast history ends a day after it

# The privacy tests' sectors: a village whose baseline holds a withheld week, two small segments, a flat town.
WITHHELD_SECTORS: list[SectorRow] = [
    ("13090", "Saint-Paul-lès-Durance", 900, "SDIS13", 5.71, 43.69),
    ("13008", "Aurons", 600, "SDIS13", 5.16, 43.68),
    ("13001", "Aix-en-Provence", 1000, "SDIS13", 5.44, 43.53),
]
WITHHELD_AT = local("2026-11-29T11:00")  # 10:00 UTC, a week after the withheld count of issue 12


def make_settings(data_dir: Path | str = "unused", **overrides: Any) -> Settings:
    """Settings on a data folder ("unused" for pure computations), no feed, a fixed secret key, no environment."""
    return load_settings({"data_dir": str(data_dir), "feed": "none", "secret_key": SECRET_KEY, **overrides}, environ={})


def make_store(data_dir: Path, *, sectors: Iterable[SectorRow] = SECTORS, shipped: bool = False, events: bool = True,
               stations: bool = True, history_until: float | None = None,
               **overrides: Any) -> tuple[Store, Settings]:
    """A migrated store in data_dir and its settings (`overrides` as `load_settings` takes them).

    By default the store holds only `sectors` (the four test sectors; `()` for none). With `shipped`,
    it is what `vigie init` leaves: the catalogue, the demonstration stations, the massifs and the
    events file; `events=False` then empties the calendar and its flagged days, `stations=False` the
    stations, and `history_until` publishes simulated history up to that instant (`history_weeks`).
    """
    settings = make_settings(data_dir, **overrides)
    if not shipped:
        return _store_of(settings, sectors), settings
    store = init_database(settings)
    with store.write() as tx:
        if not events:
            tx.execute("DELETE FROM events")
            tx.execute("DELETE FROM reference_exclusions")
        if not stations:
            tx.execute("DELETE FROM stations")
    if history_until is not None:
        publish_until(store, Simulator.from_settings(settings), settings, history_until)
    return store, settings


def _store_of(settings: Settings, sectors: Iterable[SectorRow]) -> Store:
    store = Store(settings.db_path)
    store.migrate()
    with store.write() as tx:
        tx["sectors"].insert_all([dict(code=c, name=n, population=p, area_km2=10.0, lon=lon, lat=lat, authority=a)
                                  for c, n, p, a, lon, lat in sectors])
    return store


def put(store: Store, code: str, slots: Iterable[int], value: int | None | Callable[[int], int | None]) -> None:
    """Write present (a constant or a function of the slot) for these slots of one sector."""
    rows = [(code, s, value(s) if callable(value) else value) for s in slots]
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO observations(sector_code, slot, present) VALUES (?, ?, ?)", rows)


# -- the exercise history: five weeks of observations the training tests replay ---------------------
STEP = 1800
HISTORY_START = int(datetime(2025, 6, 2, tzinfo=PARIS).timestamp())     # a Monday
HISTORY_END = int(datetime(2025, 7, 7, tzinfo=PARIS).timestamp())       # five weeks later
SATURDAY_14H = int(datetime(2025, 7, 5, 14, 0, tzinfo=PARIS).timestamp())
WALL = 1_760_000_000.0  # the wall clock of the tests (any instant: the exercise clock is anchored on it)
DRILL_CODES = ("13001", "13021", "13022", "13028", "13033", "13056", "13096", "13104", "13201", "13207", "13208",
               "13209")
DRILL_USERS = ("display", "operator", "commander", "trainer", "admin")
LIVE_TABLES = ("observations", "unique_visitors", "sectors", "reference", "reference_exclusions", "events",
               "stations", "feed_batches", "feed_health", "meta")
# The crisis thresholds the timeline tests were written for: one significant slot enters the list.
DRILL_THRESHOLDS = {"crisis_entry_slots": 1, "crisis_min_z": 3.0, "crisis_min_excess": 500}


def _drill_observations(populations: dict[str, int]) -> list[tuple[Any, ...]]:
    """Five weeks of half-hourly presence: a daily swing and 2 % seeded noise."""
    rng = np.random.default_rng(13)
    slots = np.arange(HISTORY_START, HISTORY_END, STEP)
    hours = (slots - HISTORY_START) % 86400 / 3600
    rows = []
    for code, population in populations.items():
        present = population * (1 + 0.15 * np.sin(2 * np.pi * (hours - 6) / 24)) * rng.normal(1, 0.02, len(slots))
        rows += [(code, int(s), int(p), int(p), 0, 0, 0, int(p) // 20) for s, p in zip(slots, present)]
    return rows


def make_drill_history(data_dir: Path) -> Store:
    """The installation, five weeks of observations of the drill sectors, some usual values and the users."""
    store, _ = make_store(data_dir, shipped=True)
    populations = {r["code"]: r["population"] for r in store.query("SELECT code, population FROM sectors")}
    with store.write() as tx:
        tx.conn.executemany("INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, "
                            "tourists_intl, excursionists, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            _drill_observations({c: populations[c] for c in DRILL_CODES}))
        tx.conn.executemany("INSERT INTO unique_visitors(sector_code, day, unique_visitors) VALUES (?, ?, ?)",
                            [(c, "2025-07-05", populations[c] * 2) for c in DRILL_CODES])
    rebuild_reference(store, SATURDAY_14H - 86400, SATURDAY_14H)
    for role in DRILL_USERS:
        accounts.add_user(store, role, role, PASSWORD)
    return store


def drill_settings(store: Store) -> Settings:
    """Settings of the history database with the timeline tests' thresholds."""
    return make_settings(store.path.parent, **DRILL_THRESHOLDS)


def new_exercise(store: Store, speed: int = 60, start_at: int = SATURDAY_14H) -> control.Exercise:
    """A draft exercise on Saturday 5 July 2025, 14:00."""
    return control.create_exercise(store, "Exercice test", start_at, speed, "trainer", wall_now=WALL)


def observed(store: Store, code: str, slot: int) -> int:
    """The live value of one cell."""
    return int(store.scalar("SELECT present FROM observations WHERE sector_code = ? AND slot = ?", [code, slot]))


def live_digest(store: Store) -> dict[str, str]:
    """sha256 of every live table's rows, in primary-key order."""
    digests = {}
    for table in LIVE_TABLES:
        columns = [c.name for c in store.db[table].columns]
        rows = store.db.execute(f"SELECT * FROM {table} ORDER BY {', '.join(columns)}").fetchall()
        digests[table] = hashlib.sha256(repr(rows).encode()).hexdigest() + f":{len(rows)}"
    return digests


def user_id(store: Store, username: str) -> int:
    """Id of a test account."""
    return int(store.scalar("SELECT id FROM users WHERE username = ?", [username]))


def modules_of(package: ModuleType) -> list[ModuleType]:
    """Every module of a package (its __main__ aside: importing it runs the CLI)."""
    names = [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
             if not m.name.endswith(".__main__")]
    return [package, *(importlib.import_module(name) for name in names)]


def exception_classes(modules: list[ModuleType]) -> dict[str, type]:
    """Exception classes defined (not imported) in the modules, by qualified name."""
    return {f"{m.__name__}.{name}": obj for m in modules for name, obj in vars(m).items()
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == m.__name__}


def idle_since(store: Store, username: str, seconds: float) -> None:
    """Make every session of `username` look untouched for `seconds`: its last user action that long ago."""
    with store.write() as tx:
        tx.execute("UPDATE sessions SET last_action_at = ? WHERE user_id = (SELECT id FROM users WHERE username = ?)",
                   [int(time.time() - seconds), username])


def last_actions(store: Store, username: str) -> list[int]:
    """The last user action of each session of `username`, as the server recorded it."""
    return [int(r["last_action_at"]) for r in store.query(
        "SELECT s.last_action_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ?", [username])]
