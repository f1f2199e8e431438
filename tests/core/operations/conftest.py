"""Fixtures of the operations tests: installations without events or without stations."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_store
from vigie.store import Store


@pytest.fixture
def empty_calendar(tmp_path: Path) -> Store:
    """The installation with no event and no flagged day (init loads the département's file)."""
    return make_store(tmp_path / "instance", shipped=True, events=False)[0]


@pytest.fixture(scope="module")
def shared_calendar(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One empty-calendar installation for the read-only tests of a module."""
    return make_store(tmp_path_factory.mktemp("calendar") / "instance", shipped=True, events=False)[0]


@pytest.fixture
def no_stations(tmp_path: Path) -> Store:
    """The installation with the real sector catalogue and no station (init loads the demonstration list)."""
    return make_store(tmp_path / "instance", shipped=True, stations=False)[0]
