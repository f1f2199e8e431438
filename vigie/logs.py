"""Logging: JSON lines (or plain text) on stderr, that user input cannot forge and that carry no secret.

    configure_logging(settings)      once per process (web worker, feed, CLI)
    log.info("login refused", extra={"username": name, "address": ip})

Every record goes through `SafeLogFilter` on the handler: control characters (newlines
included) in the message and in extra text fields become spaces, so a username such as
"bob\\n{...fake line...}" stays on one line; extra fields whose name looks like a secret
(password, token, secret, cookie, authorization, credential, api key) are dropped; and
secrets that appear inside the text (`/enrol/<token>` links, `password=...` query
parameters, `Bearer ...` headers) are masked.
"""
from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone
from typing import Any, Mapping, TextIO

from vigie.config import Settings

SECRET_FIELD = re.compile(r"passw|passphrase|^pass$|pwd|token|secret|cookie|authori[sz]ation|credential|api[_-]?key",
                          re.IGNORECASE)
SECRET_TEXT = (
    (re.compile(r"(/enrol/)[^\s/?#\"']+"), r"\1[redacted]"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"(?i)\b((?:password|passwd|token|secret|api_key|csrf)=)[^\s&\"']+"), r"\1[redacted]"),
)
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_HANDLER_MARK = "_vigie_handler"


def clean_text(text: str) -> str:
    """Replace control and other non-printable characters (newlines, ANSI escapes, U+2028) by spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


def redact(text: str) -> str:
    """Mask secrets that may appear inside a text (enrolment links, bearer tokens, password=...)."""
    for pattern, replacement in SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def is_secret_field(name: str) -> bool:
    """True for an extra field whose name says it holds a secret."""
    return bool(SECRET_FIELD.search(name))


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields passed with `extra=` (everything that is not a standard LogRecord attribute)."""
    return {k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")}


class SafeLogFilter(logging.Filter):
    """Make a record safe to write: one line of message, no secret fields, no secret in the text."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Clean the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(clean_text(message)), None
        for key, value in extra_fields(record).items():
            if is_secret_field(key):
                delattr(record, key)
            elif isinstance(value, str):
                setattr(record, key, redact(clean_text(value)))
        return True


def _jsonable(value: Any) -> Any:
    """The value if JSON can hold it, else its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items() if not is_secret_field(str(k))}
    return redact(clean_text(str(value)))


def iso_time(created: float) -> str:
    """A record's time as ISO 8601 UTC with milliseconds and a Z."""
    return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        line: dict[str, Any] = {"time": iso_time(record.created), "level": record.levelname,
                                "logger": record.name, "message": record.getMessage()}
        for key, value in extra_fields(record).items():
            line.setdefault(key, _jsonable(value))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """`time level logger: message key=value ...` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of text (plus the traceback, if any)."""
        text = super().format(record)
        extras = " ".join(f"{k}={_jsonable(v)!r}" for k, v in extra_fields(record).items())
        if not extras:
            return text
        head, sep, tail = text.partition("\n")
        return f"{head} {extras}{sep}{tail}"


def make_handler(json_lines: bool = True, stream: TextIO | None = None) -> logging.Handler:
    """A stderr handler with the safe filter and the chosen format."""
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(JsonFormatter() if json_lines else PlainFormatter())
    handler.addFilter(SafeLogFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to stderr (JSON lines when settings.log_json); idempotent; return the handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    handler = make_handler(settings.log_json, stream)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    return handler


__all__ = ["JsonFormatter", "PlainFormatter", "SafeLogFilter", "clean_text", "configure_logging", "extra_fields",
           "is_secret_field", "make_handler", "redact"]
