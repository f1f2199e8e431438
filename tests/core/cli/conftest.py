"""Fixtures of the command-line tests: the environment of a command and the database it runs on."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_store
from vigie.store import Store


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a command: data in tmp_path/instance, no feed."""
    return {"VIGIE_DATA_DIR": str(tmp_path / "instance"), "VIGIE_FEED": "none"}


@pytest.fixture
def store(env: dict[str, str]) -> Store:
    """The database of that environment, initialised."""
    return make_store(Path(env["VIGIE_DATA_DIR"]), shipped=True)[0]
