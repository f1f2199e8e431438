"""init, serve, settings-doc."""
from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import click

from cli import initialised_store, settings_from_ctx
from vigie.config import settings_markdown
from vigie.sectors import codes as sector_codes

if TYPE_CHECKING:
    from flask import Flask


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or migrate the database and load the sectors (no history)."""
    store = initialised_store(ctx)
    count = len(sector_codes(store))
    click.echo(f"database ready: {store.path} ({count} sectors)")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-feed", is_flag=True, help="Do not start the feed worker beside the server.")
@click.option("--no-alerts", is_flag=True, help="Do not start the alert sender beside the server.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, threads: int, no_feed: bool, no_alerts: bool) -> None:
    """Serve Vigie with gunicorn, run the configured feed in a worker process and the alert sender in another."""
    from gunicorn.app.base import BaseApplication

    settings = settings_from_ctx(ctx)
    initialised_store(ctx)
    feed = None
    if not no_feed and settings.feed != "none":
        feed = subprocess.Popen([sys.executable, "-m", "vigie", "feed", "run"], env=os.environ.copy())
    sender = None if no_alerts else subprocess.Popen([sys.executable, "-m", "vigie", "alerts", "send"],
                                                     env=os.environ.copy())

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 60)
            self.cfg.set("keepalive", 5)  # wall screens poll every few seconds: keep their connection

        def load(self) -> Flask:
            from app import create_app

            return create_app().server

    click.echo(f"Vigie on http://{host}:{port}")
    try:
        _App().run()
    finally:
        for child in (feed, sender):
            if child is not None:
                child.terminate()
                child.wait(timeout=10)


@click.command("settings-doc")
def settings_doc() -> None:
    """Print the settings table (Markdown) that the README carries."""
    click.echo(settings_markdown())


def register(main: click.Group) -> None:
    main.add_command(init)
    main.add_command(serve)
    main.add_command(settings_doc)
