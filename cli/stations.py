"""stations import | list: the fire stations and resources used by the allocation."""
from __future__ import annotations

from pathlib import Path

import click

from vigie.identity import audit
from vigie.operations import stations
from cli import open_store, settings_from_ctx


@click.group("stations")
def stations_group() -> None:
    """Fire stations (CIS) and their vehicles."""


@stations_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, file: Path) -> None:
    """Replace the stations with the service's own list (whole file or nothing)."""
    store = open_store(ctx)
    try:
        count = stations.import_stations(store, file)
    except stations.InvalidStations as exc:
        audit.record(store, "stations.import", username="cli", outcome="rejected", file=file.name,
                     problems=len(exc.problems))
        raise
    audit.record(store, "stations.import", username="cli", file=file.name, stations=count)
    click.echo(f"{count} stations imported from {file.name}; the demonstration list is no longer used")


@stations_group.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List the stations in use and say whether they are the demonstration list."""
    store = open_store(ctx)
    settings = settings_from_ctx(ctx)
    stations.ensure_demo_stations(store, settings)
    if stations.stations_are_demo(store):
        click.echo("# demonstration data: import your own list with `python -m vigie stations import FILE`")
    for s in stations.load_stations(store, settings):
        click.echo(f"{s.station_id}\t{s.name}\t{s.groupement}\t{s.authority}\t"
                   f"VSAV {s.vsav}/{s.min_vsav}\tFPT {s.fpt}/{s.min_fpt}\tCCF {s.ccf}/{s.min_ccf}\tcrew {s.crew}")


def register(main: click.Group) -> None:
    main.add_command(stations_group)
