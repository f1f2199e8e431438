"""Create or migrate the database and load the sector catalogue into it."""
from __future__ import annotations

from vigie.config import Settings
from vigie.sectors import Catalogue, default_catalogue_path, load_catalogue
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
        tx["sectors"].upsert_all(rows, pk="code")
    return len(rows)


def init_database(settings: Settings) -> Store:
    """Migrate the schema, load the sectors and (if none) the demo stations; idempotent, no history."""
    from vigie.runtime.feed import load_event_file
    from vigie.operations.stations import ensure_demo_stations

    store = open_store(settings)
    store.migrate()
    load_sectors(store, load_catalogue(default_catalogue_path(settings.dept)))
    ensure_demo_stations(store, settings.dept)
    load_event_file(store, settings)
    return store
