"""A stopped feed turns the freshness red; a stopped server shows "connexion perdue"."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Session, VIEWPORTS, seed, start_server, stop_server


@pytest.fixture(scope="module")
def stale_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data_dir: Path = tmp_path_factory.mktemp("stale") / "instance"
    seed(data_dir, weeks=1, end=time.time() - 3 * 3600)
    server = start_server(data_dir)
    yield server
    stop_server(server)


def test_stale_feed_then_lost_connection(browser: Any, stale_server: Any) -> None:
    s = Session(browser, stale_server, "operator", VIEWPORTS["desktop"]).login()
    badge = s.page.locator("#shell-freshness")
    badge.wait_for(state="visible")
    s.page.wait_for_function("() => document.querySelector('#shell-freshness').className.includes('freshness-red')",
                             timeout=15_000)
    assert "Flux interrompu" in badge.inner_text()
    s.screenshot("situation-stale-feed")
    assert s.page.is_hidden("#shell-connection-lost")
    stop_server(stale_server)
    s.page.wait_for_selector("#shell-connection-lost", state="visible", timeout=20_000)
    assert "Connexion perdue" in s.page.inner_text("#shell-connection-lost")
    s.close()
