"""Fixtures of the app tests that several modules use."""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from server.context import vigie


@pytest.fixture
def seeded(app: Any, store: Any) -> Any:
    """Seven weeks of simulated history ending now: enough for usual values, so the crisis page ranks."""
    from vigie.feed.simulator import Simulator
    from vigie.runtime.feed import publish_until

    s = replace(vigie(app.server).settings, history_weeks=7)
    publish_until(store, Simulator.from_settings(s), s, time.time())
    return app
