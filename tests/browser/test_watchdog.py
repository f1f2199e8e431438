"""A lost server is noticed without any user action, and the page comes back whole when it returns."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import Session, VIEWPORTS, seed, start_server, stop_server


@pytest.fixture(scope="module")
def quiet_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A server whose pages refresh only every 10 minutes: only the heartbeat can notice a loss."""
    data_dir: Path = tmp_path_factory.mktemp("watchdog") / "instance"
    seed(data_dir, weeks=1)
    server = start_server(data_dir, VIGIE_REFRESH_SECONDS="600")
    yield server, data_dir
    stop_server(server)


def test_a_lost_server_is_noticed_within_ten_seconds_and_recovery_reloads(browser: Any, quiet_server: Any) -> None:
    server, data_dir = quiet_server
    s = Session(browser, server, "operator", VIEWPORTS["desktop"]).login()
    s.page.wait_for_selector("#situation-kpis .kpi", timeout=20_000)
    badge = s.page.locator("#shell-freshness")
    assert "il y a" in badge.inner_text() or "en cours" in badge.inner_text()   # an age, not a bare slot end
    s.page.evaluate("() => { window.__before_outage = true; }")

    stop_server(server)
    lost_at = time.time()
    s.page.wait_for_function("() => document.querySelector('#shell-freshness').className.includes('freshness-lost')",
                             timeout=10_000)
    assert time.time() - lost_at <= 10
    assert s.page.is_visible("#shell-connection-lost")
    assert badge.inner_text().startswith("Connexion perdue depuis 00:")
    s.screenshot("watchdog-connection-lost")

    port = urlparse(server.url).port
    back = start_server(data_dir, port=port, VIGIE_REFRESH_SECONDS="600")
    server.process = back.process                       # the module fixture stops whichever runs
    s.page.wait_for_function("() => window.__before_outage === undefined", timeout=20_000)   # the page reloaded
    s.page.wait_for_selector("#situation-kpis .kpi", timeout=20_000)
    assert s.page.is_hidden("#shell-connection-lost")
    assert "freshness-lost" not in (badge.get_attribute("class") or "")
    outage = [e for e in s.errors if "ERR_CONNECTION_REFUSED" not in e and "Failed to fetch" not in e]
    assert outage == [], outage
    s.close()
