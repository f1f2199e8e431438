"""Per-source API bearer tokens: stored hashed, compared in constant time, scoped."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from vigie.errors import VigieError
from vigie.store import Store

SCOPES = ("ingest", "read")


class TokenError(VigieError, ValueError):
    """A token operation was refused."""


@dataclass(frozen=True)
class ApiToken:
    name: str
    scope: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, scope: str) -> str:
    """Create a token for a source and return it (shown once, stored hashed)."""
    if scope not in SCOPES:
        raise TokenError(key="errors.token_scope", scopes=", ".join(SCOPES))
    if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").isalnum():
        raise TokenError(key="errors.token_name")
    token = "vig_" + secrets.token_urlsafe(32)
    with store.write() as tx:
        if tx.execute("SELECT 1 FROM api_tokens WHERE name = ? AND revoked_at IS NULL", [name]).fetchone():
            raise TokenError(key="errors.token_exists", name=repr(name))
        tx.execute("DELETE FROM api_tokens WHERE name = ?", [name])
        tx.execute("INSERT INTO api_tokens(name, token_hash, scope, created_at) VALUES (?, ?, ?, ?)",
                   [name, _hash(token), scope, int(time.time())])
    return token


def verify_token(store: Store, presented: str) -> ApiToken | None:
    """The live token matching `presented`, or None."""
    digest = _hash(presented)
    for row in store.query("SELECT name, token_hash, scope FROM api_tokens WHERE revoked_at IS NULL"):
        if hmac.compare_digest(row["token_hash"], digest):
            return ApiToken(row["name"], row["scope"])
    return None


def list_tokens(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT name, scope, created_at, revoked_at FROM api_tokens ORDER BY name")


def revoke_token(store: Store, name: str) -> None:
    with store.write() as tx:
        cur = tx.execute("UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [int(time.time()), name])
        if cur.rowcount == 0:
            raise TokenError(key="errors.token_unknown", name=repr(name))
