"""`python -m vigie ...`: a thin click layer over the core.

Each module of this package defines `register(main)` and adds its commands; they are
discovered at import, so a new command group is a new module, nothing else to edit.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable, TypeVar

import click

from vigie.config import InvalidSetting, Settings, load_settings
from vigie.store import Store, StoreError

F = TypeVar("F", bound=Callable[..., object])


def settings_from_ctx(ctx: click.Context) -> Settings:
    return ctx.ensure_object(dict)["settings"]  # type: ignore[no-any-return]


def open_store(ctx: click.Context) -> Store:
    """The store of the configured data dir, migrated; set up in full only on first use (no sectors yet)."""
    from vigie.runtime.bootstrap import open_ready

    try:
        return open_ready(settings_from_ctx(ctx))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def initialised_store(ctx: click.Context) -> Store:
    """The store after a full set-up: migrations, sectors, demonstration stations, events file (`init`, `serve`)."""
    from vigie.runtime.bootstrap import init_database

    try:
        return init_database(settings_from_ctx(ctx))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Vigie: population present per sector for the fire and rescue service."""
    from vigie.logs import configure_logging

    try:
        ctx.ensure_object(dict)["settings"] = load_settings()
    except InvalidSetting as exc:
        raise click.ClickException(str(exc)) from exc
    configure_logging(ctx.obj["settings"])


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}").register(main)
