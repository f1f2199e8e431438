from __future__ import annotations

import time

import pytest

from vigie.identity import accounts
from vigie.store import Store

PASSWORD = "correct-horse-battery-staple"
THROTTLE = {"max_failures": 5, "window_s": 900}


def test_hash_is_argon2id_and_verifies() -> None:
    digest = accounts.hash_password(PASSWORD)
    assert digest.startswith("$argon2id$")
    assert accounts.verify_password(digest, PASSWORD)
    assert not accounts.verify_password(digest, PASSWORD + "x")
    assert not accounts.verify_password("not-a-hash", PASSWORD)


@pytest.mark.parametrize("bad", ["short", "x" * 129, "motdepasse123", "aaaaaaaaaaaaaaaa"])
def test_password_rules(bad: str) -> None:
    with pytest.raises(accounts.WeakPassword):
        accounts.check_password_rules(bad)


def test_long_passphrases_are_allowed() -> None:
    accounts.check_password_rules("une phrase de passe assez longue pour tenir " * 2)


def test_generated_passwords_pass_the_rules() -> None:
    for _ in range(20):
        accounts.check_password_rules(accounts.generate_password())


def test_add_user_refuses_duplicates_and_unknown_roles(store: Store) -> None:
    accounts.add_user(store, "alice", "operator", PASSWORD)
    with pytest.raises(accounts.AccountError) as duplicate:
        accounts.add_user(store, "ALICE", "operator", PASSWORD)
    assert duplicate.value.key == "errors.account_exists"
    with pytest.raises(accounts.AccountError) as unknown_role:
        accounts.add_user(store, "bob", "chief", PASSWORD)
    assert unknown_role.value.key == "errors.account_unknown_role"
    assert unknown_role.value.message("en") == "unknown role 'chief'; roles: display, operator, commander, trainer, admin"


def test_throttle_after_five_failures_per_account_and_address(store: Store) -> None:
    accounts.add_user(store, "alice", "operator", PASSWORD)
    for _ in range(5):
        assert accounts.authenticate(store, "alice", "wrong-password!", "10.0.0.1", **THROTTLE) is None
    with pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(store, "alice", PASSWORD, "10.0.0.1", **THROTTLE)
    # another address is not locked out by this one
    assert accounts.authenticate(store, "alice", PASSWORD, "10.0.0.2", **THROTTLE) is not None


def test_unknown_user_and_wrong_password_look_the_same(store: Store) -> None:
    accounts.add_user(store, "alice", "operator", PASSWORD)
    assert accounts.authenticate(store, "nobody", PASSWORD, "a", **THROTTLE) is None
    assert accounts.authenticate(store, "alice", "wrong-password!", "a", **THROTTLE) is None


def test_sessions_idle_absolute_and_server_side_end(store: Store) -> None:
    user = accounts.add_user(store, "alice", "operator", PASSWORD)
    token = accounts.open_session(store, user, lifetime_s=3600)
    assert accounts.resolve_session(store, token, idle_s=1800) is not None
    now = time.time()
    assert accounts.resolve_session(store, token, idle_s=1800, now=now + 1801) is None  # idle
    token = accounts.open_session(store, user, lifetime_s=3600)
    accounts.touch_session(store, token, now=now + 3000)
    assert accounts.resolve_session(store, token, idle_s=1800, now=now + 3601) is None  # absolute
    token = accounts.open_session(store, user, lifetime_s=3600)
    accounts.set_password(store, "alice", "another-long-passphrase")
    assert accounts.resolve_session(store, token, idle_s=1800) is None  # password change
    token = accounts.open_session(store, user, lifetime_s=3600)
    accounts.set_active(store, "alice", False)
    assert accounts.resolve_session(store, token, idle_s=1800) is None  # disabled


def test_display_sessions_have_no_idle_timeout(store: Store) -> None:
    wall = accounts.add_user(store, "wall", "display", PASSWORD)
    token = accounts.open_session(store, wall, lifetime_s=30 * 86400)
    assert accounts.resolve_session(store, token, idle_s=1800, now=time.time() + 86400) is not None
