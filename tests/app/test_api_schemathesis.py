"""Issue 12, item 13: the OpenAPI description and the real answers agree (schemathesis over the whole API)."""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings as hsettings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from server.api.openapi import SPEC
from server.context import vigie
from vigie.identity.tokens import create_token

EXAMPLES = 25  # per operation, mode and scope: the whole run stays well under a minute
# Schema-valid requests may still name sectors that do not exist or a period that is too long:
# that is a documented 422 (or 404 for a zone the caller cannot see), never a 400 or a 5xx.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2XX", "401", "403", "404", "409", "422"]}}})


@pytest.fixture
def seeded(app: Any, store: Any) -> Any:
    """One week of simulated history ending now, so answers carry data."""
    from vigie.feed.simulator import Simulator
    from vigie.runtime.feed import publish_until

    s = replace(vigie(app.server).settings, history_weeks=1)
    publish_until(store, Simulator.from_settings(s), s, time.time())
    return app


def _run(schema: Any, headers: dict[str, str], mode: GenerationMode) -> int:
    """Every operation of the schema with generated requests; return how many were sent."""
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @hsettings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            nonlocal sent
            # identity: the WSGI test client does not decompress gzip or brotli answers
            case.call_and_validate(headers={**headers, "Accept-Encoding": "identity"})
            sent += 1

        check()
    return sent


@pytest.mark.parametrize("scope", ["read", "ingest"])
def test_the_api_matches_its_openapi_description(seeded: Any, store: Any, scope: str) -> None:
    reader = {"Authorization": f"Bearer {create_token(store, 'schema-reader', 'read')}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded.server, config=CONFIG,
                                          headers=reader)
    headers = reader if scope == "read" else {"Authorization": f"Bearer {create_token(store, 'fuzz', 'ingest')}"}
    sent = sum(_run(schema, headers, mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    assert sent >= 2 * len(SPEC["paths"])
