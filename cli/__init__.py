"""`python -m vigie ...`: a thin click layer over the core.

Each module of this package defines `register(main)` and adds its commands; they are
discovered at import, so a new command group is a new module, nothing else to edit.
A VigieError a command does not handle ends it with its message in the `language`
setting (French by default), through click's usual error line.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable, TypeVar

import click

from vigie.config import Settings, load_settings
from vigie.errors import VigieError
from vigie.store import Store

F = TypeVar("F", bound=Callable[..., object])


def settings_from_ctx(ctx: click.Context) -> Settings:
    return ctx.ensure_object(dict)["settings"]


def language() -> str:
    """The language of what the CLI prints: the `language` setting, French before settings are read."""
    ctx = click.get_current_context(silent=True)
    settings = None if ctx is None else ctx.find_root().ensure_object(dict).get("settings")
    return "fr" if settings is None else str(settings.language)


def open_store(ctx: click.Context) -> Store:
    """The store of the configured data dir, migrated; set up in full only on first use (no sectors yet)."""
    from vigie.runtime.bootstrap import open_ready

    return open_ready(settings_from_ctx(ctx))


def initialised_store(ctx: click.Context) -> Store:
    """The store after a full set-up: migrations, sectors, demonstration stations, events file (`init`, `serve`)."""
    from vigie.runtime.bootstrap import init_database

    return init_database(settings_from_ctx(ctx))


class VigieGroup(click.Group):
    """The root command: Vigie's refusals end the command as click errors, in the configured language."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VigieError as exc:
            raise click.ClickException(exc.message(language())) from exc


@click.group(cls=VigieGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Vigie: population present per sector for the fire and rescue service."""
    from vigie.logs import configure_logging

    ctx.ensure_object(dict)["settings"] = load_settings()
    configure_logging(ctx.obj["settings"])


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}").register(main)
