"""Fixtures of the training tests: the exercise history, built once per session and copied for every test."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from tests.factories import make_drill_history
from vigie.store import Store


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The history database, built once per test session."""
    folder = tmp_path_factory.mktemp("exercise-template") / "instance"
    make_drill_history(folder).close()
    return folder


@pytest.fixture
def data_dir(template_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the history database."""
    folder = tmp_path / "instance"
    folder.mkdir()
    shutil.copy(template_dir / "vigie.db", folder / "vigie.db")
    return folder


@pytest.fixture
def history(data_dir: Path) -> Iterator[Store]:
    """The copied history database, opened."""
    store = Store(data_dir / "vigie.db")
    yield store
    store.close()
