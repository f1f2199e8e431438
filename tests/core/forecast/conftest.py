"""Fixtures of the forecast tests: a simulated history built once per module, and private copies of it."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.factories import FORECAST_NOW, make_store
from vigie.config import Settings
from vigie.forecast import clear_cache
from vigie.store import Store


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    """Five weeks of simulated history up to FORECAST_NOW (and one more day after it, the exercise's future)."""
    store, settings = make_store(tmp_path_factory.mktemp("forecast"), shipped=True, history_until=FORECAST_NOW + 86400,
                                 feed="simulator", history_weeks=5)
    store.close()
    return settings.db_path, settings


@pytest.fixture
def store(history: tuple[Path, Settings], tmp_path: Path) -> Store:
    """A private copy of the history database (tests may write into it)."""
    source, _ = history
    target = tmp_path / "vigie.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    clear_cache()
    return Store(target)
