"""Real Chromium, real server: a page on another port of the same host cannot act for a logged-in user."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser.conftest import free_port
from vigie.store import Store

SLOT = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time() // 1800 * 1800)))
ROW = f"13090,{SLOT},14,14,0,0,0,3"


def attacker_pages(target: str) -> dict[str, str]:
    """The pages the other port serves: an auto-submitted text/plain form, and GET navigations."""
    header = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
    form = (f'<form id="f" method="POST" action="{target}/api/v1/observations" enctype="text/plain">'
            f'<input type="hidden" name="{header}&#10;{ROW}&#10;x" value="y"></form>'
            '<script>document.getElementById("f").submit()</script>')
    return {"/push": form,
            "/logout": f'<script>location.href = "{target}/logout"</script>',
            "/langue": f'<script>location.href = "{target}/langue/en?next=/"</script>'}


@pytest.fixture
def other_port(live_server: Any) -> Iterator[str]:
    pages = attacker_pages(live_server.url)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _count(data_dir: Path, sql: str, params: list[Any]) -> Any:
    store = Store(data_dir / "vigie.db", readonly=True)
    try:
        return store.scalar(sql, params)
    finally:
        store.close()


def test_same_site_form_cannot_push_observations(session_factory: Any, other_port: str,
                                                 seeded_data_dir: Path) -> None:
    """The reproduction: an admin is logged in; the other port's form wrote a row (feed.push api:session)."""
    admin = session_factory("admin").login("/")
    admin.page.goto(other_port + "/push")
    admin.page.wait_for_load_state("load")
    admin.page.wait_for_timeout(500)
    assert "403" in admin.page.content() or "refused" in admin.page.content()
    assert _count(seeded_data_dir, "SELECT count(*) FROM observations WHERE sector_code = '13090' AND present = 14", []) == 0
    assert _count(seeded_data_dir, "SELECT count(*) FROM audit WHERE action = 'feed.push' AND username = 'api:session'", []) == 0


def test_cross_port_navigation_neither_logs_out_nor_switches_language(session_factory: Any, other_port: str,
                                                                      live_server: Any, seeded_data_dir: Path) -> None:
    s = session_factory("operator").login("/")
    for page in ("/logout", "/langue"):
        s.page.goto(other_port + page)
        s.page.wait_for_timeout(800)
    assert _count(seeded_data_dir, "SELECT language FROM users WHERE username = 'operator'", []) == "fr"
    s.goto("/crise")
    s.page.wait_for_selector("text=Déconnexion", timeout=20_000)  # still logged in, still in French


def test_sign_out_button_posts_the_token(session_factory: Any, live_server: Any) -> None:
    s = session_factory("operator").login("/crise")
    s.page.wait_for_selector(".shell-logout", timeout=20_000)
    with s.page.expect_request(lambda r: r.url.endswith("/logout") and r.method == "POST") as posted:
        s.page.click(".shell-logout")
    assert "csrf=" in (posted.value.post_data or "")
    s.page.wait_for_url("**/login", timeout=10_000)
    assert s.context.request.get(live_server.url + "/_dash-layout").status == 401
    assert s.errors == []
