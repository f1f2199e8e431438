"""Create or migrate the database; load the sector catalogue, the demonstration stations, the massifs and the events file."""
from __future__ import annotations

from vigie.calendar.events import default_events_path, read_events, sync_events
from vigie.config import Settings
from vigie.operations.overlays import ensure_massifs
from vigie.operations.stations import ensure_demo_stations
from vigie.sectors import Catalogue, codes, default_catalogue_path, known, load_catalogue
from vigie.store import Store


def open_store(settings: Settings) -> Store:
    return Store(settings.db_path)


def load_sectors(store: Store, catalogue: Catalogue) -> int:
    """Upsert the catalogue into the sectors table; return the number of sectors."""
    rows = [
        {
            "code": s.code, "name": s.name, "population": s.population, "area_km2": s.area_km2,
            "lon": s.centroid[0], "lat": s.centroid[1], "authority": s.authority,
            "season_start": s.season[0] if s.season else None,
            "season_end": s.season[1] if s.season else None,
        }
        for s in catalogue
    ]
    with store.write() as tx:
        tx.table("sectors").upsert_all(rows, pk="code")
    return len(rows)


def open_ready(settings: Settings) -> Store:
    """The store, migrated; the full `init_database` only when it holds no sector yet (first use).

    Commands other than `init` and `serve` do not reload the catalogue, the stations or the
    events file: reading a database does not rewrite it.
    """
    store = open_store(settings)
    store.migrate()
    if codes(store):
        return store
    store.close()
    return init_database(settings)


def init_database(settings: Settings) -> Store:
    """Migrate, load the sectors and (when empty) the demo stations and the massifs, then the events file; no history."""
    store = open_store(settings)
    store.migrate()
    load_sectors(store, load_catalogue(default_catalogue_path(settings.reference_dir, settings.dept)))
    ensure_demo_stations(store, settings)
    ensure_massifs(store, settings)
    load_event_file(store, settings)
    return store


def load_event_file(store: Store, settings: Settings) -> None:
    """Load the département's events file into the events table and leave their days out of usual values."""
    from vigie.reference import flag_events

    path = default_events_path(settings.reference_dir, settings.dept)
    if path.exists():
        events = read_events(path, known(store))
        sync_events(store, events)
        flag_events(store, events, recompute=bool(store.scalar("SELECT 1 FROM reference LIMIT 1")))
