"""Idle time per role: the bounds an admin may choose within, and when a session of each role ends."""
from __future__ import annotations

import time

import pytest

from vigie.identity import accounts, idle
from vigie.store import Store

PASSWORD = "correct-horse-battery-staple"
HOUR = 3600


def _session(store: Store, name: str, role: str, lifetime_s: int = 12 * HOUR) -> str:
    return accounts.open_session(store, accounts.add_user(store, name, role, PASSWORD), lifetime_s)


def _resolve(store: Store, token: str, after_s: float, start: float) -> accounts.LiveSession | None:
    """The session `after_s` seconds after `start` without any action, idle times as the store holds them."""
    return accounts.resolve_session(store, token, idle_s=1800, by_role=idle.chosen_seconds(store), now=start + after_s)


@pytest.mark.parametrize("minutes", [5, 60, 720])
def test_an_admin_may_choose_from_five_minutes_to_twelve_hours(store: Store, minutes: int) -> None:
    assert idle.set_idle_minutes(store, "operator", minutes, "admin") == minutes
    assert idle.choices(store)["operator"].minutes == minutes
    assert idle.chosen_seconds(store) == {"operator": minutes * 60}


@pytest.mark.parametrize("minutes", [4, 0, -30, 721, 10_000, 30.5, "30", None, True])
def test_a_choice_out_of_bounds_is_refused_with_the_bounds(store: Store, minutes: object) -> None:
    with pytest.raises(accounts.AccountError) as refused:
        idle.set_idle_minutes(store, "operator", minutes, "admin")
    assert refused.value.key == "errors.idle_out_of_bounds"
    assert "5" in refused.value.message("fr") and "720" in refused.value.message("fr")
    assert idle.choices(store) == {}


def test_wall_displays_and_unknown_roles_take_no_idle_time(store: Store) -> None:
    with pytest.raises(accounts.AccountError) as wall:
        idle.set_idle_minutes(store, "display", 60, "admin")
    assert wall.value.key == "errors.idle_exempt_role"
    with pytest.raises(accounts.AccountError) as unknown:
        idle.set_idle_minutes(store, "chef", 60, "admin")
    assert unknown.value.key == "errors.account_unknown_role"
    assert idle.SETTABLE_ROLES == ("operator", "commander", "trainer", "admin")


def test_a_choice_replaces_the_previous_one_and_reset_goes_back_to_the_setting(store: Store) -> None:
    idle.set_idle_minutes(store, "operator", 240, "admin", now=1_000)
    idle.set_idle_minutes(store, "operator", 480, "chief", now=2_000)
    assert idle.choices(store)["operator"] == idle.IdleChoice("operator", 480, "chief", 2_000)
    idle.reset_idle_minutes(store, "operator")
    assert idle.choices(store) == {}


def test_each_role_ends_after_its_own_idle_time(store: Store) -> None:
    start = time.time()
    console = _session(store, "console", "operator")
    desk = _session(store, "chief", "commander")
    idle.set_idle_minutes(store, "operator", 240, "admin")             # the ops-room consoles: 4 h
    assert _resolve(store, desk, 1801, start) is None                  # the setting: 30 min
    live = _resolve(store, console, 1801, start)
    assert live is not None and live.idle_s == 240 * 60
    assert live.ends_at == live.last_action_at + 240 * 60 and live.extendable
    assert _resolve(store, console, 240 * 60 + 1, start) is None


def test_a_shorter_choice_applies_to_sessions_already_open(store: Store) -> None:
    start = time.time()
    token = _session(store, "alice", "operator")
    idle.set_idle_minutes(store, "operator", 5, "admin")
    assert _resolve(store, token, 299, start) is not None
    assert _resolve(store, token, 301, start) is None


def test_the_absolute_end_comes_first_when_it_is_nearer(store: Store) -> None:
    start = time.time()
    token = _session(store, "alice", "operator", lifetime_s=HOUR)
    idle.set_idle_minutes(store, "operator", 720, "admin")
    live = _resolve(store, token, 0, start)
    assert live is not None and live.ends_at == live.expires_at and not live.extendable   # an action changes nothing
    assert _resolve(store, token, HOUR + 1, start) is None


def test_a_wall_display_ends_only_at_its_absolute_end(store: Store) -> None:
    start = time.time()
    wall = _session(store, "wall", "display", lifetime_s=30 * 86400)
    live = _resolve(store, wall, 86400, start)
    assert live is not None and live.idle_s is None and live.ends_at == live.expires_at and not live.extendable


def test_a_user_action_pushes_the_idle_end_back(store: Store) -> None:
    start = time.time()
    token = _session(store, "alice", "operator")
    accounts.touch_session(store, token, now=start + 1500)
    live = _resolve(store, token, 1500, start)
    assert live is not None and live.ends_at == int(start + 1500) + 1800
    assert _resolve(store, token, 3000, start) is not None
