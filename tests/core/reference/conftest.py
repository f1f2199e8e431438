"""Fixtures of the usual-value tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import make_store
from vigie.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A migrated store holding the four test sectors, no observation."""
    return make_store(tmp_path)[0]
