"""Fault tests: real files, real processes. Fixtures: a migrated store with two days of simulated data."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.faults.support import WEEK_START, fault_overrides, ingest_days
from vigie.runtime.bootstrap import init_database
from vigie.config import Settings, load_settings
from vigie.store import Store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def fault_settings(data_dir: Path) -> Settings:
    return load_settings(fault_overrides(data_dir))


@pytest.fixture
def fault_store(fault_settings: Settings) -> Iterator[Store]:
    """A migrated store with the sectors and two days of simulated observations (2026-03-02 and 03)."""
    store = init_database(fault_settings)
    with store.write() as tx:  # these tests count their own rows: no event flags from the events file
        tx.execute("DELETE FROM reference_exclusions")
    ingest_days(store, fault_settings, WEEK_START, 2)
    yield store
    store.close()
