"""The benchmark database: one year x every sector of 30-minute data, built once and cached.

The embedded simulator produces each local day and the ingestion path writes it (the
validation and the one-transaction-per-day write of the feed worker's first start), then
the events calendar is loaded, event days are flagged and the reference is rebuilt.
Users (one per role, one password) and two API tokens (read, ingest) are created.

The database lives in bench/results/tmp/year/ (git-ignored) with fixture.json beside it.
It is rebuilt when missing, when its recipe changed, when it lags more than MAX_TOP_UP_DAYS
behind the clock, or with --fresh. Otherwise it is topped up to the current slot (the map
shows "now"), the new slots going through the same ingestion and an incremental reference
update, so every benchmark reads fresh, complete data.

Run: python bench/fixtures.py [--fresh] [--days 365]
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import RESULTS  # puts the repository on sys.path

from vigie.identity import accounts, tokens
from vigie.runtime.bootstrap import init_database
from vigie.config import Settings, load_settings
from vigie.calendar.events import default_events_path, read_events, sync_events
from vigie.feed.ingest import ingest_tables, known_sectors
from vigie.feed.simulator import Simulator
from vigie.reference import flag_events, rebuild_reference, update_reference
from vigie.slots import floor_slot, local_day_bounds, to_local
from vigie.operations.stations import ensure_demo_stations
from vigie.store import Store

TMP = RESULTS / "tmp"
YEAR_DIR = TMP / "year"
RECIPE = 1  # bump when the way the fixture is built changes
DAYS = 365
MAX_TOP_UP_DAYS = 14
SOURCE = "bench-fixture"
PASSWORD = "bench-password-not-secret"
SECRET_KEY = "bench-secret-key-not-secret"
ROLES = accounts.ROLES


class FixtureError(RuntimeError):
    """The benchmark database cannot be built; the message says why."""


@dataclass
class Fixture:
    """Where the benchmark database is and how to get in."""

    folder: str
    days: int
    first_slot: int
    last_slot: int
    rows: int
    read_token: str
    ingest_token: str
    build_seconds: float
    recipe: int = RECIPE
    users: dict[str, str] = field(default_factory=lambda: {role: f"bench-{role}" for role in ROLES})
    password: str = PASSWORD
    secret_key: str = SECRET_KEY

    @property
    def path(self) -> Path:
        """Folder of the database (the data_dir setting)."""
        return Path(self.folder)

    @property
    def db_path(self) -> Path:
        return self.path / "vigie.db"

    def overrides(self, **extra: Any) -> dict[str, Any]:
        """Settings overrides for create_app / load_settings on this database."""
        return {"data_dir": str(self.path), "feed": "none", "secret_key": self.secret_key, **extra}

    def settings(self) -> Settings:
        return load_settings(self.overrides(), environ={})

    def save(self) -> None:
        (self.path / "fixture.json").write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def read_fixture(folder: Path) -> Fixture | None:
    """The fixture described in folder/fixture.json, or None when absent or unreadable."""
    try:
        data = json.loads((folder / "fixture.json").read_text(encoding="utf-8"))
        fixture = Fixture(**data)
    except (OSError, ValueError, TypeError):
        return None
    return fixture if fixture.db_path.exists() else None


def current_slot(now: float, step: int) -> int:
    """Start of the slot holding `now` (the feed publishes a slot at its start)."""
    return floor_slot(now, step // 60)


def publish(store: Store, sim: Simulator, settings: Settings, start: int, end: int, now: float) -> int:
    """Simulate and ingest the slots of [start, end), one batch per local day; return the rows."""
    rows = 0
    day = to_local(start).date()
    while True:
        lo, hi = local_day_bounds(day)
        lo, hi = max(lo, start), min(hi, end)
        if lo >= end:
            return rows
        if lo < hi:
            visitors = sim.daily_visitors(day, until=hi)
            result = ingest_tables(store, SOURCE, settings, sim.frame(lo, hi).to_table(), visitors, now=now)
            if result.status != "accepted":
                raise FixtureError(f"ingestion refused the simulated day {day}: {' '.join(result.report())}")
            rows += result.rows - len(visitors)
        day += timedelta(days=1)


def load_events(store: Store, settings: Settings) -> int:
    """Load the events calendar and flag its days out of the baselines; return the flags."""
    path = default_events_path(settings.reference_dir, settings.dept)
    if not path.exists():
        return 0
    events = read_events(path, known_sectors(store))
    sync_events(store, events)
    return flag_events(store, events, recompute=False)


def add_people(store: Store, fixture: Fixture) -> None:
    """One user per role (same password) and the two API tokens."""
    for role, name in fixture.users.items():
        accounts.add_user(store, name, role, fixture.password)
    fixture.read_token = tokens.create_token(store, "bench-read", "read")
    fixture.ingest_token = tokens.create_token(store, "bench-ingest", "ingest")


def build(folder: Path, days: int = DAYS, now: float | None = None) -> Fixture:
    """Build the database from scratch in folder (anything there is removed)."""
    began = time.perf_counter()
    now = time.time() if now is None else now
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    fixture = Fixture(str(folder), days, 0, 0, 0, "", "", 0.0)
    settings = fixture.settings()
    store = init_database(settings)
    ensure_demo_stations(store, settings)
    step = settings.slot_minutes * 60
    end = current_slot(now, step) + step
    start = current_slot(now - days * 86400, step)
    sim = Simulator.from_settings(settings)
    print(f"fixture: simulating and ingesting {days} days into {folder.name}/ ...", flush=True)
    fixture.rows = publish(store, sim, settings, start, end, now)
    flags = load_events(store, settings)
    report = rebuild_reference(store, slot_minutes=settings.slot_minutes, k=settings.privacy_k)
    add_people(store, fixture)
    checkpoint(store)
    store.close()
    fixture.first_slot, fixture.last_slot = start, end - step
    fixture.build_seconds = round(time.perf_counter() - began, 1)
    fixture.save()
    print(f"fixture: {fixture.rows} observations, {flags} event flags, {report.rows} reference rows, "
          f"built in {fixture.build_seconds} s", flush=True)
    return fixture


def top_up(fixture: Fixture, now: float | None = None) -> int:
    """Ingest the slots missing up to the current one and update their reference; return the rows."""
    now = time.time() if now is None else now
    settings = fixture.settings()
    store = init_database(settings)
    step = settings.slot_minutes * 60
    newest = int(store.scalar("SELECT max(slot) FROM observations"))
    target = current_slot(now, step)
    rows = 0
    if newest < target:
        rows = publish(store, Simulator.from_settings(settings), settings, newest + step, target + step, now)
        update_reference(store, range(newest + step, target + step, step), dependents=False)
        checkpoint(store)
    fixture.rows = int(store.scalar("SELECT count(*) FROM observations"))
    store.close()
    fixture.last_slot = target
    fixture.save()
    return rows


def checkpoint(store: Store) -> None:
    """Fold the WAL into the main file so that a plain file copy is a whole database."""
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def ensure_year(fresh: bool = False, days: int = DAYS, folder: Path = YEAR_DIR) -> Fixture:
    """The cached one-year database, built or topped up as needed."""
    fixture = None if fresh else read_fixture(folder)
    if fixture is not None and (fixture.recipe != RECIPE or fixture.days != days):
        fixture = None
    if fixture is not None and time.time() - fixture.last_slot > MAX_TOP_UP_DAYS * 86400:
        fixture = None
    if fixture is None:
        return build(folder, days)
    added = top_up(fixture)
    print(f"fixture: reused {folder.name}/ ({fixture.rows} observations, {added} added to reach the current slot)",
          flush=True)
    return fixture


def copy_database(fixture: Fixture, target: Path) -> Fixture:
    """A private copy of the fixture (the load test writes into it); same users and tokens."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    source = sqlite3.connect(fixture.db_path)
    destination = sqlite3.connect(target / "vigie.db")
    with destination:
        source.backup(destination)
    source.close()
    destination.close()
    copy = Fixture(**{**asdict(fixture), "folder": str(target)})
    copy.save()
    return copy


def write_finding(name: str, value: float, unit: str, details: dict[str, Any]) -> dict[str, Any]:
    """A measure without a budget (a finding, not a pass/fail): the _common format, budget and ok null."""
    result = {"name": name, "value": round(value, 4), "unit": unit, "budget": None, "ok": None,
              "details": {"python": platform.python_version(), "machine": platform.machine(),
                          "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **details}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild even when a cached database exists")
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()
    fixture = ensure_year(args.fresh, args.days)
    print(json.dumps({"folder": fixture.path.name, "rows": fixture.rows, "days": fixture.days,
                      "build_seconds": fixture.build_seconds}))


if __name__ == "__main__":
    main()
