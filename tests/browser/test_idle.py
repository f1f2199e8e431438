"""A watched but untouched screen is warned before its idle logout, "Rester connecté" keeps the session,
and after the logout and a new login the user is back on the same page and view.

Time is moved on by making the server's record of the last user action older (what waiting would do):
the operator's idle time is the admin's choice of 5 minutes, so a last action 200 s ago leaves 100 s,
inside the two-minute warning, and one 301 s ago has ended the session.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import PASSWORD, LiveServer, Session, VIEWPORTS, seed, start_server, stop_server
from tests.factories import idle_since, last_actions
from vigie.identity import idle
from vigie.store import Store

VIEW = "/secteur/13004?range=30d"   # a page and its view (query string): what must come back after the login


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Store]]:
    """A server of its own (its operators' idle time is 5 minutes) and its database."""
    data_dir: Path = tmp_path_factory.mktemp("idle") / "instance"
    seed(data_dir, weeks=1)
    store = Store(data_dir / "vigie.db")
    idle.set_idle_minutes(store, "operator", 5, "admin")
    server = start_server(data_dir, VIGIE_REFRESH_SECONDS="2")
    yield server, store
    stop_server(server)
    store.close()


def _watched(browser: Any, server: LiveServer) -> Session:
    """An operator on a sector page, left alone once it is drawn (its refresh keeps polling)."""
    s = Session(browser, server, "operator", VIEWPORTS["desktop"]).login(VIEW)
    s.page.wait_for_selector("#sector-series .main-svg", timeout=20_000)
    s.page.wait_for_load_state("networkidle")
    return s


def _said(locator: Any) -> str:
    """The text of an element as one line (its parts are laid out as flex items)."""
    return " ".join(locator.inner_text().split())


def _unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the 401 that ends the session."""
    return [e for e in errors if "401 (UNAUTHORIZED)" not in e]


def test_the_warning_comes_without_any_action_and_stay_signed_in_keeps_the_session(
        browser: Any, idle_server: tuple[LiveServer, Store]) -> None:
    server, store = idle_server
    s = _watched(browser, server)
    idle_since(store, "operator", 200)
    untouched = last_actions(store, "operator")

    warning = s.page.locator("#shell-idle")
    warning.wait_for(state="visible", timeout=10_000)
    assert warning.get_attribute("role") == "alertdialog"
    text = _said(warning)
    assert "Session inactive : déconnexion dans 1 min" in text and "sans action de votre part" in text, text
    assert s.page.evaluate("() => document.activeElement.id") == "shell-idle-stay"   # one key press keeps it
    assert [v["id"] for v in Axe().run(s.page).response["violations"]] == []
    s.screenshot("idle-warning")
    time.sleep(5)                                     # the page keeps refreshing and asking the server
    assert last_actions(store, "operator") == untouched, "the refresh and the status poll count as no action"

    s.page.get_by_role("button", name="Rester connecté").click()
    warning.wait_for(state="hidden", timeout=5_000)
    assert max(last_actions(store, "operator")) >= time.time() - 5
    time.sleep(5)
    assert warning.is_hidden() and s.page.url == server.url + VIEW
    assert _unexpected(s.errors) == []
    s.close()


def test_after_the_idle_logout_the_login_brings_back_the_same_page_and_view(
        browser: Any, idle_server: tuple[LiveServer, Store]) -> None:
    server, store = idle_server
    s = _watched(browser, server)
    idle_since(store, "operator", 301)

    s.page.wait_for_url(f"{server.url}/login?expired=1&next=%2Fsecteur%2F13004%3Frange%3D30d", timeout=10_000)
    assert s.page.is_visible("text=Votre session a expiré")
    s.page.fill("#username", "operator")
    s.page.fill("#password", PASSWORD)
    s.page.click("button[type=submit]")
    s.page.wait_for_url(server.url + VIEW, timeout=10_000)
    s.page.wait_for_selector("#sector-series .main-svg", timeout=20_000)
    assert _unexpected(s.errors) == []
    s.close()


def test_a_wall_display_is_told_of_its_absolute_end_without_a_button(
        browser: Any, idle_server: tuple[LiveServer, Store]) -> None:
    server, store = idle_server
    s = Session(browser, server, "display", VIEWPORTS["desktop"]).login("/mur")
    s.page.wait_for_selector("#wall-kpis .kpi", timeout=20_000)
    with store.write() as tx:                          # the 30-day session reaches its last 90 seconds
        tx.execute("UPDATE sessions SET expires_at = ? WHERE user_id = (SELECT id FROM users WHERE username = ?)",
                   [int(time.time()) + 90, "display"])
    warning = s.page.locator("#shell-idle")
    warning.wait_for(state="visible", timeout=10_000)
    assert "Fin de session : durée maximale atteinte, déconnexion dans 1 min" in _said(warning)
    assert s.page.locator("#shell-idle-stay").is_hidden()
    assert _unexpected(s.errors) == []
    s.close()
