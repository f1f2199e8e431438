"""The web side's exceptions share the core's root (server/ and callbacks/ walked like vigie/)."""
from __future__ import annotations

from typing import Any

import callbacks
import server
from tests.factories import exception_classes, modules_of
from vigie.errors import VigieError


def test_every_exception_of_the_web_side_is_a_vigie_error(app: Any) -> None:
    found = exception_classes(modules_of(server) + modules_of(callbacks))  # pages import once the app exists
    assert "server.api._common.BadParameter" in found
    assert sorted(name for name, cls in found.items() if not issubclass(cls, VigieError)) == []
