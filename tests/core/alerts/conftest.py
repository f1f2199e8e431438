"""Fixtures of the alert tests: a store of test sectors, and one with a planted change at SURGE_AT."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.factories import SURGE_AT, WEEK, make_store, put
from vigie.reference import update_reference
from vigie.store import Store

STEP = 1800
USUAL = {"13001": 10000, "13002": 5000, "13201": 5000, "13003": 4000}
CHANGE = {"13001": 4000, "13002": 9000, "13201": 1500, "13003": -2500}  # 13003: far below usual (>= 2000 short)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A migrated store holding the four test sectors."""
    return make_store(tmp_path)[0]


def plant_change(store: Store) -> None:
    """The planted change over T - 1 slot and T, as one batch of the feed would bring it."""
    for code, usual in USUAL.items():
        put(store, code, [SURGE_AT - STEP, SURGE_AT], usual + CHANGE[code])


@pytest.fixture
def quiet(store: Store) -> Store:
    """Flat usual values around T and every sector at its usual value."""
    slots = [SURGE_AT + i * STEP for i in range(-3, 6)]
    for code, usual in USUAL.items():
        put(store, code, [s - k * WEEK for s in slots for k in range(1, 7)], usual)
        put(store, code, slots, usual)
    update_reference(store, slots)
    return store


@pytest.fixture
def planted(quiet: Store) -> Store:
    """The quiet store with the planted change (listed from T: two slots to enter)."""
    plant_change(quiet)
    return quiet


@pytest.fixture
def change() -> Callable[[Store], None]:
    """Plant the change into a store (another connection may be given: it acts as the feed's door)."""
    return plant_change
