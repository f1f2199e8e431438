"""The wall read from five metres, and phones and tablets (issue 17, items 4 and 7), in real Chromium.

Two servers of their own on copies of the seeded database: one where sectors of Marseille and the Camargue
surge (the crisis ranking is full), one whose thresholds nothing reaches (« RAS »).
"""
from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from callbacks.wall import WALL_CLOCK_PX, WALL_FIGURE_PX, WALL_TEXT_PX, WALL_TITLE_PX
from tests.browser.conftest import VIEWPORTS, LiveServer, Session, start_server, stop_server
from vigie.slots import PARIS

SAINTES_MARIES = "13096"
MARSEILLE = [f"132{n:02d}" for n in range(1, 9)]  # the small central arrondissements, where names collide
PX = 0.5  # rounding of computed sizes


def _copy(seeded: Path, tmp: pytest.TempPathFactory, name: str) -> Path:
    data_dir = tmp.mktemp(name) / "instance"
    shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("*.db-wal", "*.db-shm"))
    return data_dir


def surge(server: LiveServer, data_dir: Path, people: dict[str, int], slots: int = 2) -> None:
    """Correct the newest `slots` slots of several sectors in one batch, as a feed would (push_correction, at once)."""
    from vigie.identity.tokens import create_token
    from vigie.store import Store

    store = Store(data_dir / "vigie.db")
    token = create_token(store, f"screens{int(time.time() * 1e6)}", "ingest")
    newest = int(store.scalar("SELECT max(slot) FROM observations"))
    stamps = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest - i * 1800)) for i in range(slots)]
    body = ("sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries\n"
            + "".join(f"{code},{stamp},{n},{n},0,0,0,0\n" for code, n in people.items() for stamp in stamps))
    answer = requests.post(server.url + "/api/v1/observations", data=body.encode(), timeout=60,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def crisis_server(seeded_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Saintes-Maries-de-la-Mer and eight arrondissements of Marseille far above usual for two slots."""
    data_dir = _copy(seeded_data_dir, tmp_path_factory, "screens-crisis")
    server = start_server(data_dir)
    try:  # a refused surge still stops the server
        surge(server, data_dir, {SAINTES_MARIES: 60_000, **{code: 250_000 for code in MARSEILLE}})
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def calm_server(seeded_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """Thresholds no sector reaches: nothing is ranked."""
    data_dir = _copy(seeded_data_dir, tmp_path_factory, "screens-calm")
    server = start_server(data_dir, VIGIE_CRISIS_MIN_EXCESS="100000000")
    yield server, data_dir
    stop_server(server)


@pytest.fixture
def open_session(browser: Any) -> Iterator[Any]:
    opened: list[Session] = []

    def make(server: LiveServer, role: str, viewport: str, path: str) -> Session:
        session = Session(browser, server, role, VIEWPORTS[viewport])
        opened.append(session)
        return session.login(path)

    yield make
    for session in opened:
        session.close()


def font_px(page: Any, selector: str) -> float:
    """The computed font size, read in one evaluation (a refresh may replace the element between two)."""
    return float(page.evaluate("s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector))


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.evaluate("s => { const r = document.querySelector(s).getBoundingClientRect(); "
                          "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }", selector)
    return {k: float(v) for k, v in found.items()}


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def wait_for_colours(page: Any, map_id: str) -> None:
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll('#{map_id} path.leaflet-interactive'))"
        ".filter(e => e.getAttribute('fill') !== '#5b6570').length > 100", timeout=20_000)
    page.wait_for_timeout(600)  # the deferred fit (150 ms) and the label layout after it


def luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])


def test_wall_type_scale_labels_and_curves_in_a_crisis(open_session: Any, crisis_server: LiveServer) -> None:
    s = open_session(crisis_server, "display", "wall", "/mur")
    page = s.page
    page.wait_for_selector("#wall-ranking td:has-text('Saintes-Maries-de-la-Mer')", timeout=30_000)
    wait_for_colours(page, "wall-map")
    page.wait_for_selector("#wall-series .js-plotly-plot .xtick text", state="attached", timeout=20_000)
    s.screenshot("screens-wall-crisis-wall")

    # the type scale, measured (callbacks/wall.py and docs/operations.md give the computation)
    assert font_px(page, "#wall-kpi-department .kpi-value") >= WALL_FIGURE_PX - PX
    assert box(page, "#wall-kpi-department .kpi-value")["bottom"] - box(page, "#wall-kpi-department .kpi-value")["top"] \
        >= WALL_FIGURE_PX
    for small in ("#wall-kpi-department .kpi-sub", "#wall-kpi-department .kpi-label", "#shell-freshness",
                  "#wall-ranking .vigie-table", "#wall-legend .legend-list", "#wall-legend .legend-title"):
        assert font_px(page, small) >= WALL_TEXT_PX - PX, small
    assert font_px(page, "#shell-clock") >= WALL_CLOCK_PX - PX
    assert font_px(page, "#wall-view-map .wall-view-title") >= WALL_TITLE_PX - PX
    ticks = page.eval_on_selector_all("#wall-series .xtick text, #wall-series .ytick text",
                                      "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert ticks and min(ticks) >= WALL_TEXT_PX - PX, ticks

    # labels: the ranked sectors only, white on a dark plate, never over one another
    labels = page.eval_on_selector_all("#wall-map .sector-label", """els => els
        .filter(e => getComputedStyle(e).display !== 'none')
        .map(e => { const s = e.firstChild, r = s.getBoundingClientRect(), c = getComputedStyle(s);
                    return {tagged: e.classList.contains('sector-tagged'), text: s.textContent,
                            size: parseFloat(c.fontSize), color: c.color, bg: c.backgroundColor,
                            box: {left: r.left, top: r.top, right: r.right, bottom: r.bottom}}; })""")
    assert len(labels) >= 2 and all(label["tagged"] for label in labels), labels
    assert "Saintes-Maries-de-la-Mer" in [label["text"] for label in labels]
    names = {label["text"] for label in labels}
    assert len(names & {f"Marseille {n}" for n in ("1er", "2e", "3e", "4e", "5e", "6e", "7e", "8e")}) >= 1, names
    for i, label in enumerate(labels):
        assert label["size"] >= WALL_TEXT_PX - PX
        rgba = [float(x) for x in label["bg"][label["bg"].index("(") + 1:-1].split(",")]
        assert len(rgba) == 4 and rgba[3] >= 0.85, label["bg"]
        # the plate over the lightest fill there is (white): its colour against the text's
        plate = [c * rgba[3] + 255 * (1 - rgba[3]) for c in rgba[:3]]
        text = [float(x) for x in label["color"][label["color"].index("(") + 1:-1].split(",")[:3]]
        ratio = (luminance(text) + 0.05) / (luminance(plate) + 0.05)
        assert ratio >= 7, (label["text"], ratio)
        for other in labels[i + 1:]:
            assert not overlap(label["box"], other["box"]), (label["text"], other["text"])
    hidden = page.eval_on_selector_all("#wall-map .sector-label-covered", "els => els.length")
    assert hidden >= 1  # Marseille's names did collide, and the lower-ranked ones gave way

    # curves: those of the ranked sectors, never the sectors that merely moved
    ranked = page.eval_on_selector_all("#wall-ranking tbody tr td:nth-child(2)", "els => els.map(e => e.textContent)")
    titles = page.eval_on_selector_all("#wall-series .gtitle", "els => els.map(e => e.textContent)")
    assert titles and set(titles) <= set(ranked), (titles, ranked)

    # no controls: the wall is watched, not touched
    assert page.eval_on_selector_all("#wall-map .leaflet-control-zoom", "els => els.length") == 0
    for control in (".shell-lang", ".shell-theme", ".shell-logout", ".navbar-toggler", "#shell-collapse .nav-link"):
        assert page.is_hidden(control), control
    s.assert_no_horizontal_scroll()
    assert s.errors == [], s.errors


def test_wall_says_ras_with_the_totals_and_the_data_time(open_session: Any, calm_server: Any) -> None:
    s = open_session(calm_server[0], "display", "wall", "/mur")
    page = s.page
    page.wait_for_selector("#wall-ranking .wall-ras", timeout=30_000)
    page.wait_for_selector("#wall-kpi-department .kpi-value", timeout=20_000)
    ras = page.inner_text("#wall-ranking .wall-ras")
    department = page.inner_text("#wall-kpi-department .kpi-value")
    assert "RAS" in ras and department in ras and "Données du créneau" in ras, (ras, department)
    assert font_px(page, ".wall-ras-mark") >= 2 * WALL_FIGURE_PX - PX
    assert font_px(page, ".wall-ras-totals") >= WALL_TEXT_PX - PX
    ras_box = box(page, "#wall-ranking .wall-ras")
    assert ras_box["bottom"] - ras_box["top"] > 2160 / 3  # a state filling its view, not one line
    assert page.eval_on_selector_all("#wall-series .js-plotly-plot", "els => els.length") == 0
    seen = set()
    for _ in range(14):  # rotation every 2 s here: two turns
        seen.add(page.get_attribute("#wall-views", "class"))
        if "wall-active-1" in (page.get_attribute("#wall-views", "class") or ""):
            s.screenshot("screens-wall-ras-wall")
        page.wait_for_timeout(600)
    assert any("wall-active-1" in c for c in seen) and not any("wall-active-2" in c for c in seen), seen
    assert s.errors == [], s.errors


def last_saturday_afternoon() -> int:
    today = datetime.now(PARIS).replace(hour=14, minute=0, second=0, microsecond=0)
    return int((today - timedelta(days=(today.weekday() - 5) % 7 or 7)).timestamp())


@pytest.mark.parametrize("size", ("wall", "desktop"))
def test_wall_exercise_banner_is_large_and_the_legend_stays_on_screen(open_session: Any, calm_server: Any,
                                                                      size: str) -> None:
    from vigie.identity import accounts
    from vigie.store import Store
    from vigie.training import control

    server, data_dir = calm_server
    store = Store(data_dir / "vigie.db")
    display = accounts.get_user(store, "display")
    exercise = control.create_exercise(store, f"Exercice mur {size} {time.time():.0f}", last_saturday_afternoon(), 60,
                                       "trainer")
    control.join(store, exercise.id, display.id)
    try:
        s = open_session(server, "display", size, "/mur")
        page = s.page
        page.wait_for_selector("#shell-exercise-banner:not([hidden])", timeout=20_000)
        wait_for_colours(page, "wall-map")
        page.wait_for_selector("#wall-views.wall-active-0", timeout=20_000)
        s.screenshot(f"screens-wall-exercise-{size}")
        width, height = VIEWPORTS[size]
        scale = width / 3840
        banner = box(page, "#shell-exercise-banner")
        assert font_px(page, "#shell-exercise-banner") >= max(20, WALL_TITLE_PX * scale) - PX
        assert banner["bottom"] - banner["top"] >= max(20, WALL_TITLE_PX * scale) and banner["right"] >= width - 1
        assert "EXERCICE" in page.inner_text("#shell-exercise-banner")
        legend = box(page, "#wall-legend .vigie-legend")
        assert 0 <= legend["left"] and legend["right"] <= width and 0 <= legend["top"] and legend["bottom"] <= height, \
            legend
        assert not overlap(legend, box(page, "#wall-map"))  # beside the map, never over it
        assert page.evaluate("() => document.documentElement.scrollHeight") <= height
        assert s.errors == [], s.errors
    finally:
        control.leave(store, display.id)


def test_phone_header_figures_first_card_in_view_and_menu_closes(open_session: Any, crisis_server: LiveServer) -> None:
    s = open_session(crisis_server, "operator", "phone", "/")
    page = s.page
    page.wait_for_selector("#situation-kpis .kpi", timeout=20_000)
    wait_for_colours(page, "situation-map")
    s.screenshot("screens-situation-phone")
    page.click("#situation-kpis .kpi")  # a first touch: the sound notice has what it asked for and goes
    page.wait_for_selector("#shell-alert-gesture", state="hidden", timeout=5_000)
    height = VIEWPORTS["phone"][1]
    navbar = box(page, ".shell-navbar")
    header = box(page, ".shell-header")
    assert navbar["bottom"] - navbar["top"] <= 0.10 * height, navbar
    assert header["bottom"] - header["top"] <= 0.12 * height, header  # with the alert strip, one line
    assert box(page, "#situation-kpis")["bottom"] <= box(page, "#situation-map")["top"]  # figures before the map
    s.assert_no_horizontal_scroll()

    page.click("#situation-map path.vigie-sector-13001")  # Aix-en-Provence
    page.wait_for_selector("#situation-sector-card .sector-card", timeout=15_000)
    page.wait_for_function("""() => { const r = document.querySelector('#situation-sector-card .sector-card')
        .getBoundingClientRect(); const top = document.querySelector('.shell-header').getBoundingClientRect().bottom;
        return r.top >= top - 1 && r.top < window.innerHeight / 2; }""", timeout=5_000)
    assert "Aix-en-Provence" in page.text_content("#situation-sector-card h3")
    s.screenshot("screens-situation-card-phone")

    page.click("#shell-toggler")
    page.wait_for_selector("#shell-collapse a[href='/crise']", state="visible", timeout=5_000)
    assert page.is_visible("#shell-collapse .shell-logout")
    page.click("#shell-collapse a[href='/crise']")
    page.wait_for_url("**/crise", timeout=10_000)
    page.wait_for_selector("#crisis-ranking-table", timeout=20_000)
    page.wait_for_selector("#shell-collapse a[href='/crise']", state="hidden", timeout=5_000)
    assert s.errors == [], s.errors


def test_report_fits_a_phone(open_session: Any, crisis_server: LiveServer) -> None:
    s = open_session(crisis_server, "operator", "phone", "/")
    s.goto("/rapport")
    s.page.wait_for_selector("#report-ranking", timeout=20_000)
    s.screenshot("screens-rapport-phone")
    assert s.page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS["phone"][0]
    assert s.errors == [], s.errors


def test_light_theme_keeps_the_navbar_buttons_readable(open_session: Any, crisis_server: LiveServer) -> None:
    """The navbar stays dark in the light theme ("pour le plein soleil"): its buttons stay white on it."""
    s = open_session(crisis_server, "operator", "desktop", "/")
    s.page.evaluate("() => window.localStorage.setItem('vigie-theme', 'light')")
    s.page.reload()
    s.page.wait_for_selector("#situation-kpis .kpi", timeout=20_000)
    assert s.page.evaluate("() => document.documentElement.classList.contains('theme-light')")
    for selector in (".shell-lang", ".shell-theme", ".shell-logout"):
        colours = s.page.eval_on_selector(selector, "e => [getComputedStyle(e).color, getComputedStyle(e).borderColor]")
        assert colours == ["rgb(255, 255, 255)", "rgb(255, 255, 255)"], (selector, colours)
    assert s.errors == [], s.errors


def test_tablet_header_on_one_line_and_legend_clear_of_the_camargue(open_session: Any,
                                                                   crisis_server: LiveServer) -> None:
    s = open_session(crisis_server, "operator", "tablet", "/")
    page = s.page
    page.wait_for_selector("#situation-kpis .kpi", timeout=20_000)
    wait_for_colours(page, "situation-map")
    s.screenshot("screens-situation-tablet")
    parts = [box(page, selector) for selector in (".shell-navbar .navbar-brand", "#shell-freshness", "#shell-clock",
                                                  ".shell-user", "#shell-toggler")]
    line = parts[0]
    assert all(part["top"] < line["bottom"] and line["top"] < part["bottom"] for part in parts), parts
    assert page.is_visible(".shell-user") and "operator" in page.inner_text(".shell-user")
    navbar = box(page, ".shell-navbar")
    assert navbar["bottom"] - navbar["top"] <= 0.10 * VIEWPORTS["tablet"][1], navbar
    camargue = box(page, f"#situation-map path.vigie-sector-{SAINTES_MARIES}")
    legend = box(page, "#situation-legend .vigie-legend")
    assert camargue["right"] > camargue["left"] and not overlap(camargue, legend), (camargue, legend)
    area = box(page, "#situation-map")
    assert area["left"] <= camargue["left"] and camargue["bottom"] <= area["bottom"]  # and on the map
    s.assert_no_horizontal_scroll()
    assert s.errors == [], s.errors


@pytest.mark.parametrize("size", ("wall", "desktop", "tablet", "phone"))
def test_wall_situation_and_report_at_every_size(open_session: Any, crisis_server: LiveServer, size: str) -> None:
    wall = open_session(crisis_server, "display", size, "/mur")
    wall.page.wait_for_selector("#wall-kpis .kpi", timeout=20_000)
    wait_for_colours(wall.page, "wall-map")
    wall.screenshot(f"screens-mur-{size}")
    wall.assert_no_horizontal_scroll()
    s = open_session(crisis_server, "operator", size, "/")
    s.page.wait_for_selector("#situation-kpis .kpi", timeout=20_000)
    wait_for_colours(s.page, "situation-map")
    s.screenshot(f"screens-situation-{size}")
    s.assert_no_horizontal_scroll()
    s.goto("/rapport")
    s.page.wait_for_selector("#report-ranking", timeout=20_000)
    s.screenshot(f"screens-rapport-{size}")
    assert s.page.evaluate("() => document.documentElement.scrollWidth") <= VIEWPORTS[size][0]
    assert wall.errors == [] and s.errors == [], (wall.errors, s.errors)
