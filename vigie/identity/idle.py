"""Idle time per role: how long a session of that role lasts without a user action, as an admin chose it.

A role without a choice has the `session_idle_minutes` setting. An admin may give a role a longer
(or shorter) idle time within MIN_MINUTES and MAX_MINUTES: the ops-room consoles that are watched
but seldom touched. Wall displays (`accounts.IDLE_EXEMPT`) have no idle limit at all, so they take
no choice. This module is the gateway of the `role_idle` table; callers audit the change.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from vigie.identity.accounts import IDLE_EXEMPT, ROLES, AccountError
from vigie.store import Store

MIN_MINUTES, MAX_MINUTES = 5, 12 * 60
SETTABLE_ROLES = tuple(role for role in ROLES if role not in IDLE_EXEMPT)


@dataclass(frozen=True)
class IdleChoice:
    """What an admin chose for one role, when and who."""

    role: str
    minutes: int
    set_by: str
    set_at: int


def check_role(role: str) -> None:
    """Refuse a role that takes no idle time of its own (AccountError says why)."""
    if role in IDLE_EXEMPT:
        raise AccountError(key="errors.idle_exempt_role", role=role)
    if role not in SETTABLE_ROLES:
        raise AccountError(key="errors.account_unknown_role", role=repr(role), roles=", ".join(SETTABLE_ROLES))


def check_choice(role: str, minutes: object) -> int:
    """The minutes an admin asked for `role`, once checked (AccountError says what is wrong)."""
    check_role(role)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise AccountError(key="errors.idle_out_of_bounds", min=MIN_MINUTES, max=MAX_MINUTES,
                           hours=MAX_MINUTES // 60)
    return minutes


def choices(store: Store) -> dict[str, IdleChoice]:
    """The admin's choices, by role (roles without one have the setting)."""
    rows = store.query("SELECT role, minutes, set_by, set_at FROM role_idle ORDER BY role")
    return {r["role"]: IdleChoice(r["role"], int(r["minutes"]), r["set_by"], int(r["set_at"])) for r in rows}


def chosen_seconds(store: Store) -> dict[str, int]:
    """The idle limit of each role an admin gave one, in seconds (what `accounts.resolve_session` takes)."""
    return {role: choice.minutes * 60 for role, choice in choices(store).items()}


def set_idle_minutes(store: Store, role: str, minutes: object, by: str, *, now: float | None = None) -> int:
    """Give `role` its own idle time (checked); return it. Sessions already open follow it at once."""
    checked = check_choice(role, minutes)
    with store.write() as tx:
        tx.execute("INSERT INTO role_idle(role, minutes, set_by, set_at) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(role) DO UPDATE SET minutes = excluded.minutes, set_by = excluded.set_by, "
                   "set_at = excluded.set_at", [role, checked, by, int(now or time.time())])
    return checked


def reset_idle_minutes(store: Store, role: str) -> None:
    """Take `role` back to the setting."""
    check_role(role)
    with store.write() as tx:
        tx.execute("DELETE FROM role_idle WHERE role = ?", [role])
