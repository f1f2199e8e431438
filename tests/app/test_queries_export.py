"""Zone exports are named after the zone and the days they cover."""
from __future__ import annotations

from datetime import datetime

from callbacks.queries import export_name
from vigie.slots import PARIS, local_day_bounds

JULY_1 = local_day_bounds(datetime(2026, 7, 1, tzinfo=PARIS).date())[0]
JULY_8 = local_day_bounds(datetime(2026, 7, 7, tzinfo=PARIS).date())[1]


def test_a_saved_zone_names_its_export() -> None:
    query = {"codes": ["13096", "13004"], "start": JULY_1, "end": JULY_8, "name": "Camargue (été) — plages"}
    assert export_name(query, "sectors") == "vigie-Camargue-ete-plages-2026-07-01_2026-07-07-sectors.csv"


def test_an_unsaved_zone_is_named_by_its_first_sectors() -> None:
    query = {"codes": ["13201", "13202", "13203", "13204", "13205"], "start": JULY_1, "end": JULY_8, "name": None}
    assert export_name(query, "series") == "vigie-13201-13202-13203-13204-etc-2026-07-01_2026-07-07-series.csv"
