"""Append-only audit trail: who did what, when, from where, and how it ended."""
from __future__ import annotations

import json
import time
from typing import Any

from vigie.store import Store


def _clean(text: str | None, limit: int = 200) -> str | None:
    """Strip control characters so a user-supplied value cannot forge a log line."""
    if text is None:
        return None
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))[:limit]


def record(store: Store, action: str, *, username: str | None = None, address: str | None = None,
           outcome: str = "ok", **detail: Any) -> None:
    """Append one audit line."""
    payload = json.dumps({k: _clean(str(v), 500) for k, v in detail.items()}, ensure_ascii=False, sort_keys=True)
    with store.write() as tx:
        tx.execute(
            "INSERT INTO audit(at, username, address, action, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [int(time.time()), _clean(username), _clean(address), _clean(action), _clean(outcome), payload],
        )


def recent(store: Store, limit: int = 100, action: str | None = None) -> list[dict[str, Any]]:
    """Newest audit lines first."""
    if action:
        return store.query("SELECT * FROM audit WHERE action = ? ORDER BY id DESC LIMIT ?", [action, limit])
    return store.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit])
