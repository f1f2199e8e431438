"""Fixtures of every core test: settings and an installed store on a temporary folder, the simulator."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_settings, make_store
from vigie.config import Settings
from vigie.feed.simulator import Simulator
from vigie.store import Store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on tmp_path/instance, no feed."""
    return make_settings(tmp_path / "instance")


@pytest.fixture
def db(tmp_path: Path) -> tuple[Store, Settings]:
    """The installation `vigie init` leaves in tmp_path/instance, and its settings."""
    return make_store(tmp_path / "instance", shipped=True)


@pytest.fixture
def store(db: tuple[Store, Settings]) -> Store:
    """The installation's store (on the folder of `settings`)."""
    return db[0]


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Settings]:
    """One installation for the read-only tests of a module."""
    return make_store(tmp_path_factory.mktemp("shared") / "instance", shipped=True)


@pytest.fixture(scope="module")
def sim() -> Simulator:
    """The simulator of the default settings."""
    return Simulator.from_settings(make_settings())


@pytest.fixture(scope="module")
def shared_store(shared_db: tuple[Store, Settings]) -> Store:
    """The shared installation's store."""
    return shared_db[0]
