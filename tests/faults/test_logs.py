"""Logs: JSON lines with the expected keys, one line per record whatever the input, no secret."""
from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from typing import Iterator

import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from vigie.config import load_settings
from vigie.logs import configure_logging, redact

SECRETS = {"password": "hunter2-hunter2", "api_token": "tok_4f9a8b", "Authorization": "Bearer abc.def.ghi",
           "session_cookie": "vigie_session=xyz987", "client_secret": "s3cr3t-value", "csrf_token": "csrf-1234"}


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Leave the root logger as the test found it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def capture(json_lines: bool = True, **overrides: object) -> tuple[io.StringIO, logging.Logger]:
    stream = io.StringIO()
    configure_logging(load_settings({"log_json": json_lines, **overrides}, environ={}), stream=stream)
    return stream, logging.getLogger("vigie.test")


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_json_lines_carry_time_level_logger_message_and_extras(root_logging: None) -> None:
    stream, log = capture()
    log.info("batch accepted: %d rows", 6432, extra={"source": "orange", "slot": "2026-07-14T18:00:00Z"})
    log.warning("feed late")
    first, second = (json.loads(line) for line in lines(stream))
    assert first == {"time": first["time"], "level": "INFO", "logger": "vigie.test",
                     "message": "batch accepted: 6432 rows", "source": "orange", "slot": "2026-07-14T18:00:00Z"}
    assert first["time"].endswith("Z") and datetime.fromisoformat(first["time"].replace("Z", "+00:00")).tzinfo
    assert second["level"] == "WARNING" and second["message"] == "feed late"


def test_a_forged_newline_in_a_username_stays_on_one_line(root_logging: None) -> None:
    forged = 'bob\n{"time": "2026-07-14T18:00:00Z", "level": "INFO", "message": "admin logged in"}'
    stream, log = capture()
    log.warning("login refused for %s", forged, extra={"username": forged, "address": "10.0.0.1\r\nX-Fake: 1"})
    [line] = lines(stream)
    record = json.loads(line)
    assert "\n" not in record["message"] and "\n" not in record["username"]
    assert record["message"].startswith("login refused for bob {")
    assert record["address"] == "10.0.0.1  X-Fake: 1"


def test_plain_text_is_one_line_too(root_logging: None) -> None:
    stream, log = capture(json_lines=False)
    log.error("refused %s", "eve\r\n2026-01-01 00:00:00 INFO vigie: all good\x1b[2J", extra={"who": "a\nb"})
    [line] = lines(stream)
    assert " ERROR vigie.test: refused eve  2026-01-01" in line and "\x1b" not in line and "who='a b'" in line


def test_secrets_never_reach_the_log(root_logging: None) -> None:
    for json_lines in (True, False):
        stream, log = capture(json_lines=json_lines)
        log.info("enrolment link GET /enrol/Zx81kLmQ9tokenvalue?next=/ used with password=hunter2-hunter2",
                 extra={**SECRETS, "username": "ops1", "details": {"token": "nested-secret", "n": 1}})
        log.info("api call with header Authorization: Bearer abc.def.ghi")
        text = stream.getvalue()
        for value in [*SECRETS.values(), "Zx81kLmQ9tokenvalue", "nested-secret", "abc.def.ghi"]:
            assert value not in text, (json_lines, value)
        assert "ops1" in text and "/enrol/[redacted]" in text


def test_secret_fields_are_dropped_not_masked(root_logging: None) -> None:
    stream, log = capture()
    log.info("token created", extra={"token": "abc", "source": "orange-push", "scope": "ingest"})
    record = json.loads(lines(stream)[0])
    assert set(record) == {"time", "level", "logger", "message", "source", "scope"}


def test_configure_twice_does_not_double_lines(root_logging: None) -> None:
    configure_logging(load_settings({"log_json": True}, environ={}), stream=io.StringIO())
    stream, log = capture()
    log.info("once")
    assert len(lines(stream)) == 1


def test_level_setting(root_logging: None) -> None:
    stream, log = capture(log_level="warning")
    log.info("hidden")
    log.warning("shown")
    assert [json.loads(line)["message"] for line in lines(stream)] == ["shown"]
    with pytest.raises(ValueError, match="VIGIE_LOG_LEVEL"):
        configure_logging(load_settings({"log_level": "loud"}, environ={}), stream=io.StringIO())


def test_exceptions_are_logged_inside_the_json_line(root_logging: None) -> None:
    stream, log = capture()
    try:
        raise RuntimeError("database is locked")
    except RuntimeError:
        log.exception("ingestion failed")
    [line] = lines(stream)
    record = json.loads(line)
    assert record["level"] == "ERROR" and "RuntimeError: database is locked" in record["exception"]


@hsettings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_user_text_gives_exactly_one_parsable_line(text: str) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        stream, log = capture()
        log.warning("login refused for %s", text, extra={"username": text})
        [line] = stream.getvalue().split("\n")[:-1]
        record = json.loads(line)
        assert record["message"].isprintable() and record["username"].isprintable()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def test_redact_leaves_ordinary_text_alone() -> None:
    assert redact("GET /situation 200") == "GET /situation 200"
    assert redact("POST /api/v1/observations?source=orange") == "POST /api/v1/observations?source=orange"
