"""Users, roles, password rules and hashing, login throttling, server-side sessions."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from vigie.errors import VigieError
from vigie.store import Store

ROLES = ("display", "operator", "commander", "trainer", "admin")
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MIN_PASSWORD, MAX_PASSWORD = 12, 128
# Refused whatever their length: the first entries of public breached-password lists.
COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "motdepasse123", "motdepasse1234", "password1234", "password12345",
    "azertyuiop12", "azertyuiop123", "qwertyuiop12", "qwertyuiop123", "administrateur", "administrator",
    "passwordpassword", "111111111111", "000000000000", "aaaaaaaaaaaa", "iloveyou1234", "soleil123456",
    "marseille2024", "marseille13013", "pompiers1234", "sapeurpompier", "sdis13sdis13", "changeme1234",
})

_hasher = PasswordHasher()  # argon2id, library defaults (m=65536, t=3, p=4)
# Verified against when the user does not exist, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("vigie-dummy-password-for-timing")


class AccountError(VigieError, ValueError):
    """An account operation was refused; the message says why."""


class WeakPassword(AccountError):
    pass


class LoginThrottled(AccountError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    language: str
    active: bool

    def has_role(self, minimum: str) -> bool:
        """Roles are ordered: display < operator < commander < trainer < admin."""
        return ROLE_RANK[self.role] >= ROLE_RANK[minimum]


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(key="errors.account_password_short", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(key="errors.account_password_long", max=MAX_PASSWORD)
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise WeakPassword(key="errors.account_password_common")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password that passes the rules (about 95 bits)."""
    return secrets.token_urlsafe(16)


def _row_to_user(row: dict[str, Any]) -> User:
    return User(row["id"], row["username"], row["role"], row["language"], bool(row["active"]))


def add_user(store: Store, username: str, role: str, password: str) -> User:
    username = username.strip()
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise AccountError(key="errors.account_bad_username")
    if role not in ROLES:
        raise AccountError(key="errors.account_unknown_role", role=repr(role), roles=", ".join(ROLES))
    check_password_rules(password)
    now = int(time.time())
    with store.write() as tx:
        if tx.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise AccountError(key="errors.account_exists", username=repr(username))
        tx.execute(
            "INSERT INTO users(username, password_hash, role, active, created_at, password_changed_at)"
            " VALUES (?, ?, ?, 1, ?, ?)",
            [username, hash_password(password), role, now, now],
        )
    return get_user(store, username)


def get_user(store: Store, username: str) -> User:
    rows = store.query("SELECT * FROM users WHERE username = ?", [username])
    if not rows:
        raise AccountError(key="errors.account_unknown_user", username=repr(username))
    return _row_to_user(rows[0])


def get_user_by_id(store: Store, user_id: int) -> User | None:
    rows = store.query("SELECT * FROM users WHERE id = ?", [user_id])
    return _row_to_user(rows[0]) if rows else None


def list_users(store: Store) -> list[User]:
    return [_row_to_user(r) for r in store.query("SELECT * FROM users ORDER BY username")]


def count_admins(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1"))


def set_password(store: Store, username: str, password: str) -> None:
    """Change a password and end every session of that user."""
    check_password_rules(password)
    user = get_user(store, username)
    with store.write() as tx:
        tx.execute("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                   [hash_password(password), int(time.time()), user.id])
        tx.execute("DELETE FROM sessions WHERE user_id = ?", [user.id])


def set_active(store: Store, username: str, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions."""
    user = get_user(store, username)
    with store.write() as tx:
        tx.execute("UPDATE users SET active = ? WHERE id = ?", [int(active), user.id])
        if not active:
            tx.execute("DELETE FROM sessions WHERE user_id = ?", [user.id])


def set_language(store: Store, user_id: int, language: str) -> None:
    if language not in ("fr", "en"):
        raise AccountError(key="errors.account_unknown_language")
    with store.write() as tx:
        tx.execute("UPDATE users SET language = ? WHERE id = ?", [language, user_id])


# -- login throttling ----------------------------------------------------------------
def failures(store: Store, username: str, address: str, window_s: int, now: float | None = None) -> int:
    since = int((now or time.time()) - window_s)
    return int(store.scalar("SELECT count(*) FROM login_failures WHERE username = ? AND address = ? AND at > ?",
                            [username, address, since]))


def _reserve_attempt(store: Store, username: str, address: str, max_failures: int, window_s: int) -> None:
    """Count and decide in one write transaction: a granted attempt is recorded as a failure up front."""
    now = int(time.time())
    with store.write() as tx:
        recent = tx.execute("SELECT count(*) FROM login_failures WHERE username = ? AND address = ? AND at > ?",
                            [username[:64], address, now - window_s]).fetchone()[0]
        if recent >= max_failures:
            raise LoginThrottled(key="errors.account_throttled", minutes=window_s // 60)
        tx.execute("INSERT INTO login_failures(username, address, at) VALUES (?, ?, ?)", [username[:64], address, now])


def authenticate(store: Store, username: str, password: str, address: str, *,
                 max_failures: int, window_s: int) -> User | None:
    """Check credentials; None on failure (same answer for unknown user and wrong password).

    Raises LoginThrottled when this account and address failed too often recently. The attempt
    is counted before the password is checked, so parallel attempts cannot pass the limit.
    """
    _reserve_attempt(store, username, address, max_failures, window_s)
    rows = store.query("SELECT * FROM users WHERE username = ?", [username])
    stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
    ok = verify_password(stored, password) and bool(rows) and bool(rows[0]["active"])
    if not ok:
        return None
    with store.write() as tx:
        tx.execute("DELETE FROM login_failures WHERE username = ? AND address = ?", [username[:64], address])
    return _row_to_user(rows[0])


# -- sessions ------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(store: Store, user: User, lifetime_s: int) -> str:
    """Create a server-side session; return the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    now = int(time.time())
    with store.write() as tx:
        tx.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", [_token_hash(token), user.id, now, now, now + lifetime_s])
    return token


IDLE_EXEMPT = ("display",)  # read-only wall displays: watched, never touched; only their absolute lifetime


@dataclass(frozen=True)
class LiveSession:
    """A session found alive: its user, its last user action, its absolute end and its idle limit."""

    user: User
    last_action_at: int
    expires_at: int
    idle_s: int | None  # None: no idle limit (wall displays)

    @property
    def ends_at(self) -> int:
        """When the session ends if nobody acts: the idle end or the absolute end, whichever comes first."""
        if self.idle_s is None:
            return self.expires_at
        return min(self.expires_at, self.last_action_at + self.idle_s)

    @property
    def extendable(self) -> bool:
        """True when a user action would push the end back (the idle end comes before the absolute one)."""
        return self.idle_s is not None and self.last_action_at + self.idle_s < self.expires_at


def idle_limit(role: str, idle_s: int, by_role: Mapping[str, int], idle_exempt: tuple[str, ...]) -> int | None:
    """The idle limit of a role in seconds: none for the exempt roles, else its own, else the common one."""
    if role in idle_exempt:
        return None
    return by_role.get(role, idle_s)


def resolve_session(store: Store, token: str, idle_s: int, *, by_role: Mapping[str, int] | None = None,
                    idle_exempt: tuple[str, ...] = IDLE_EXEMPT, now: float | None = None) -> LiveSession | None:
    """The live session behind a token, or None when unknown, idle, expired or of a disabled account.

    `idle_s` is the idle limit of every role without one of its own in `by_role` (seconds, what
    an admin chose per role); roles in idle_exempt (read-only wall displays, which poll without
    user actions) only have the absolute lifetime.
    """
    now = now or time.time()
    rows = store.query(
        "SELECT s.*, u.active, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
        [_token_hash(token)],
    )
    if not rows:
        return None
    row = rows[0]
    user = get_user_by_id(store, row["user_id"])
    limit = idle_limit(row["role"], idle_s, by_role or {}, idle_exempt)
    live = None if user is None else LiveSession(user, int(row["last_action_at"]), int(row["expires_at"]), limit)
    if live is None or not row["active"] or now > live.ends_at:
        close_session(store, token)
        return None
    return live


def touch_session(store: Store, token: str, *, now: float | None = None) -> None:
    """Record a user action (interval polling does not call this)."""
    with store.write() as tx:
        tx.execute("UPDATE sessions SET last_action_at = ? WHERE token_hash = ?", [int(now or time.time()), _token_hash(token)])


def close_session(store: Store, token: str) -> None:
    with store.write() as tx:
        tx.execute("DELETE FROM sessions WHERE token_hash = ?", [_token_hash(token)])


# -- wall display enrolment -----------------------------------------------------------------------
def create_enrolment(store: Store, username: str, created_by: str, ttl_s: int = 86400) -> str:
    """A one-time token that opens a session for a `display` account (the wall screen's link)."""
    user = get_user(store, username)
    if user.role != "display":
        raise AccountError(key="errors.account_enrol_display_only")
    if not user.active:
        raise AccountError(key="errors.account_disabled", username=repr(username))
    token = secrets.token_urlsafe(32)
    now = int(time.time())
    with store.write() as tx:
        tx.execute("INSERT INTO enrolments VALUES (?, ?, ?, ?, ?, NULL)",
                   [_token_hash(token), user.id, created_by, now, now + ttl_s])
    return token


def redeem_enrolment(store: Store, token: str, *, now: float | None = None) -> User | None:
    """The display account behind an unused, unexpired enrolment token (used up by this call)."""
    now = int(now or time.time())
    with store.write() as tx:
        row = tx.execute("SELECT user_id, expires_at, used_at FROM enrolments WHERE token_hash = ?",
                         [_token_hash(token)]).fetchone()
        if row is None or row[2] is not None or row[1] < now:
            return None
        tx.execute("UPDATE enrolments SET used_at = ? WHERE token_hash = ?", [now, _token_hash(token)])
    user = get_user_by_id(store, row[0])
    return user if user is not None and user.active and user.role == "display" else None
