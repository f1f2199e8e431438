"""Real server + real Chromium: a `vigie serve` subprocess on a free port, Playwright driving Debian chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct-horse-battery-staple"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"wall": (3840, 2160), "desktop": (1920, 1080), "tablet": (1024, 768), "phone": (390, 844)}


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """All browser tests share one server and one browser: keep them on one xdist worker."""
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("browser"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, url: str, env: dict[str, str], process: subprocess.Popen[bytes]) -> None:
        self.url, self.env, self.process = url, env, process


def start_server(data_dir: Path, port: int | None = None, **env_extra: str) -> LiveServer:
    env = {**os.environ, "VIGIE_DATA_DIR": str(data_dir), "VIGIE_FEED": "none",
           "VIGIE_SECRET_KEY": "browser-test-key", "VIGIE_REFRESH_SECONDS": "2",
           "VIGIE_WALL_ROTATION_SECONDS": "2", "VIGIE_LOG_JSON": "false", **env_extra}
    port = port or free_port()
    process = subprocess.Popen([sys.executable, "-m", "vigie", "serve", "--port", str(port), "--no-feed"],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            try:
                if requests.get(url + "/login", timeout=2).status_code == 200:
                    return LiveServer(url, env, process)
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the Vigie server did not start within 60 s")
    except BaseException:
        stop_server(LiveServer(url, env, process))  # never leave a server behind
        raise


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


XSS_NAME = '<img src=x onerror="window.__x=1">Fête'


def seed(data_dir: Path, *, weeks: int = 7, end: float | None = None) -> None:
    """Users for every role, `weeks` of simulated history ending at `end`, usual values, a hostile event."""
    from vigie.identity import accounts
    from vigie.runtime.bootstrap import init_database
    from vigie.config import load_settings
    from vigie.calendar.events import make_event, save_user_event
    from vigie.feed.simulator import Simulator
    from vigie.runtime.bootstrap import load_event_file
    from vigie.runtime.feed import publish_until

    settings = load_settings({"data_dir": str(data_dir), "feed": "simulator", "history_weeks": weeks,
                              "secret_key": "browser-test-key"})
    store = init_database(settings)
    for role in ("display", "operator", "commander", "trainer", "admin"):
        accounts.add_user(store, role, role, PASSWORD)
        english = accounts.add_user(store, f"{role}-en", role, PASSWORD)  # the same screens in English
        accounts.set_language(store, english.id, "en")
    load_event_file(store, settings)
    publish_until(store, Simulator.from_settings(settings), settings, time.time() if end is None else end)
    now = int(time.time())
    save_user_event(store, make_event("xss-probe", XSS_NAME, ["13004"], now - 3600, now + 3600, 1200, "other"),
                    "operator")
    store.close()


@pytest.fixture(scope="session")
def seeded_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with users for every role and seven weeks of simulated history ending now."""
    data_dir = tmp_path_factory.mktemp("browser") / "instance"
    seed(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def live_server(seeded_data_dir: Path) -> Iterator[LiveServer]:
    server = start_server(seeded_data_dir)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian chromium is not installed: run `make test` as root or apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


class Session:
    """A logged-in browser page that records console errors and requests."""

    def __init__(self, browser: Any, server: LiveServer, role: str, viewport: tuple[int, int],
                 username: str | None = None) -> None:
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="fr-FR",
                                           timezone_id="Europe/Paris")
        self.page = self.context.new_page()
        self.server = server
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.role = role
        self.username = username or role

    def login(self, next_path: str = "/") -> "Session":
        self.page.goto(f"{self.server.url}/login?next={next_path}")
        self.page.fill("#username", self.username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.server.url}{next_path}")
        return self

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url + path)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def assert_no_horizontal_scroll(self) -> None:
        overflow = self.page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            wide = self.page.evaluate("""() => { const w = document.documentElement.clientWidth; const out = [];
                document.querySelectorAll('body *').forEach(e => { const r = e.getBoundingClientRect();
                  if (r.right > w + 1 && r.width > 0) out.push(e.tagName + '#' + e.id + '.' + e.className); });
                return out.slice(0, 6); }""")
            raise AssertionError(f"{self.page.url} scrolls horizontally by {overflow}px: {wide}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session_factory(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    opened: list[Session] = []

    def make(role: str = "operator", viewport: str = "desktop", lang: str = "fr") -> Session:
        session = Session(browser, live_server, role, VIEWPORTS[viewport], role if lang == "fr" else f"{role}-en")
        opened.append(session)
        return session

    yield make
    for session in opened:
        session.close()


def push_correction(server: LiveServer, data_dir: Path, code: str, people: int, slots: int = 1) -> None:
    """Correct the current slot (and the slots - 1 before it) of a sector through the push API, as a feed would.

    The current slot is the newest one stored, not the one of the wall clock: a run that crosses a half hour
    after the seed would otherwise open a new slot holding this sector alone, and every screen would follow it.
    """
    from vigie.store import Store
    from vigie.identity.tokens import create_token

    store = Store(data_dir / "vigie.db")
    token = create_token(store, f"push{code}{int(time.time() * 1e6)}", "ingest")
    now = int(store.scalar("SELECT max(slot) FROM observations"))
    stamps = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - i * 1800)) for i in range(slots)]
    body = ("sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries\n"
            + "".join(f"{code},{stamp},{people},{people},0,0,0,0\n" for stamp in stamps))
    answer = requests.post(server.url + "/api/v1/observations", data=body.encode(), timeout=10,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text


# -- what several browser test modules check --------------------------------------------------------
POLYGONS = "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length"


def wait_for_map(page: Any) -> None:
    """The situation page is drawn: every sector polygon and the headline figures."""
    page.wait_for_function(f"() => {POLYGONS} >= 134", timeout=20_000)
    page.wait_for_function("() => document.querySelectorAll('#situation-kpis .kpi').length >= 2", timeout=20_000)


def violations(page: Any) -> list[str]:
    """What axe-core finds wrong on the page, one line per rule (its first three nodes)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in found]
