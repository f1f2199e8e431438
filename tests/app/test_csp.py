"""Every inline script of a Dash page is allowed by that page's CSP, whatever was served first."""
from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from server.context import vigie


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def test_every_inline_script_of_a_page_is_allowed_by_its_csp(client: Any, auth: Any) -> None:
    # The first responses of a worker come before Dash has set itself up: a refused anonymous page
    # (the guard answers before Dash's own set-up runs), the login page.
    assert client.get("/").status_code == 302
    assert client.get("/login").status_code == 200
    auth.login("operator")
    for path in ("/", "/crise", "/mur"):
        page = client.get(path)
        html = re.sub(r"<!--.*?-->", "", page.get_data(as_text=True), flags=re.S)   # IE-only comments run nowhere
        scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
        assert scripts, path
        policy = page.headers["Content-Security-Policy"]
        blocked = [s[:60] for s in scripts if _hash(s) not in policy]
        assert blocked == [], (path, blocked)


def test_the_layout_dash_validates_against_holds_every_page_whoever_comes_first(app: Any, client: Any,
                                                                              auth: Any) -> None:
    # After a restart the first Dash request of a fresh worker is often an operator's page: the
    # admin page's components must still be in the validation layout, or its callbacks fail in
    # every browser. A second app on the same database plays the fresh worker.
    from app import create_app

    auth.login("operator")
    settings = vigie(app.server).settings
    fresh = create_app({"data_dir": str(settings.data_dir), "feed": "none", "secret_key": settings.secret_key})
    worker = fresh.server.test_client()
    cookie = client.get_cookie(fresh.server.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    worker.set_cookie(cookie.key, cookie.value)
    page = worker.get("/").get_data(as_text=True)
    config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.S)
    assert config is not None, page[:300]
    assert "admin-tokens" in config.group(1) and "exercise-target" in config.group(1)


def test_dash_pages_say_their_language(client: Any, auth: Any, store: Any) -> None:
    from vigie.identity import accounts

    auth.login("operator")
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    accounts.set_language(store, accounts.get_user(store, "operator").id, "en")
    assert '<html lang="en">' in client.get("/crise").get_data(as_text=True)
