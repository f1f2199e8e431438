"""The view in the address: query strings a page writes as the user changes it, and reads back when opened.

A link carries only what differs from the page's defaults; reading one never fails: a value that
does not read falls back to the default, so a mistyped or outdated link still opens the page.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime
from urllib.parse import urlencode

from vigie.slots import PARIS, to_local

TIME_FORMAT = "%Y-%m-%dT%H:%M"
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
_CODE = re.compile(r"^[0-9A-Za-z]{2,10}$")


def query_string(params: Mapping[str, str | None]) -> str:
    """'?indicator=z&t=2026-12-02T14:30' from the parameters that are set ('' when none is)."""
    kept = {key: value for key, value in params.items() if value}
    return "?" + urlencode(kept) if kept else ""


def time_param(t: int | None) -> str | None:
    """A slot as the address writes it: Paris wall time to the minute (None: direct)."""
    return None if t is None else to_local(int(t)).strftime(TIME_FORMAT)


def read_time(text: object) -> int | None:
    """Epoch seconds of a `time_param` (None when absent or unreadable)."""
    if not isinstance(text, str) or not _TIME.match(text):
        return None
    try:
        moment = datetime.strptime(text, TIME_FORMAT).replace(tzinfo=PARIS)
    except ValueError:
        return None
    return int(moment.timestamp())


def read_choice(text: object, choices: Collection[str], default: str) -> str:
    """`text` when it is one of `choices`, else `default`."""
    return text if isinstance(text, str) and text in choices else default


def read_code(text: object) -> str | None:
    """A sector code as a link may carry it (checked against the catalogue by the callbacks)."""
    return text if isinstance(text, str) and _CODE.match(text) else None


def read_date(text: object) -> str | None:
    """An ISO day ('2026-11-25') or None."""
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None
