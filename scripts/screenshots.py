"""Screenshots of every page at the four screen sizes, in both themes, to look at before a release.

    .venv/bin/python scripts/screenshots.py OUT_DIR [--pages /,/crise] [--sizes wall,phone] [--themes dark]

Builds a throwaway instance (seven weeks of simulated history, the browser tests' users), adds a
surge in Marseille 8e and Saintes-Maries-de-la-Mer so the crisis screens have something to show, starts
`vigie serve` on a free port, signs in with Debian Chromium and writes OUT_DIR/<page>-<size>-<theme>.png.
The wall is shot as the "display" role (what the ops-room screen signs in as), the rest as "admin".
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (CHROMIUM_ARGS, PASSWORD, VIEWPORTS, push_correction, seed,  # noqa: E402
                                    start_server, stop_server)

PAGES = {"situation": "/", "sector": "/secteur/13208", "crisis": "/crise", "queries": "/requetes",
         "events": "/evenements", "exercise": "/exercice", "alerts": "/alertes", "admin": "/admin", "wall": "/mur",
         "report": "/rapport"}
SURGES = (("13208", 250_000), ("13096", 60_000))
SETTLE_MS = 2500


def shoot(out: Path, pages: list[str], sizes: list[str], themes: list[str]) -> list[Path]:
    """Every page x size x theme; returns the files written."""
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "instance"
        seed(data_dir)
        server = start_server(data_dir)
        try:
            for code, people in SURGES:
                push_correction(server, data_dir, code, people, slots=3)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS,
                                                     headless=True)
                for size in sizes:
                    for theme in themes:
                        for role in sorted({"display" if p == "wall" else "admin" for p in pages}):
                            width, height = VIEWPORTS[size]
                            context = browser.new_context(viewport={"width": width, "height": height},
                                                          locale="fr-FR", timezone_id="Europe/Paris")
                            page = context.new_page()
                            page.goto(f"{server.url}/login")
                            page.fill("#username", role)
                            page.fill("#password", PASSWORD)
                            page.click("button[type=submit]")
                            page.wait_for_load_state("networkidle")
                            page.evaluate("t => window.localStorage.setItem('vigie-theme', t)", theme)
                            for name in pages:
                                if ("display" if name == "wall" else "admin") != role:
                                    continue
                                page.goto(server.url + PAGES[name])
                                page.wait_for_load_state("networkidle")
                                page.wait_for_timeout(SETTLE_MS)
                                path = out / f"{name}-{size}-{theme}.png"
                                page.screenshot(path=str(path))
                                written.append(path)
                                print(path, flush=True)
                            context.close()
                browser.close()
        finally:
            stop_server(server)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files (created)")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, among {', '.join(PAGES)}")
    parser.add_argument("--sizes", default=",".join(VIEWPORTS), help=f"comma-separated, among {', '.join(VIEWPORTS)}")
    parser.add_argument("--themes", default="dark,light", help="dark, light or both")
    args = parser.parse_args(argv)
    pages, sizes, themes = (a.split(",") for a in (args.pages, args.sizes, args.themes))
    unknown = [p for p in pages if p not in PAGES] + [s for s in sizes if s not in VIEWPORTS] + \
              [t for t in themes if t not in ("dark", "light")]
    if unknown:
        parser.error(f"unknown page, size or theme: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(args.out, pages, sizes, themes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
