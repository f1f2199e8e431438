"""reference rebuild | flag | unflag | flags: usual values and the days left out of them."""
from __future__ import annotations

import click

from vigie import reference
from vigie.calendar import events
from vigie.identity import audit
from cli import open_store, settings_from_ctx
from vigie.slots import parse_instant


def _instant(text: str | None) -> int | None:
    """Epoch seconds from an ISO date-time (naive = Europe/Paris), or None."""
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 date-time (e.g. 2026-07-14T00:00)") from exc


@click.group("reference")
def reference_group() -> None:
    """Usual values (median of the same weekday and time over 6 weeks)."""


@reference_group.command("rebuild")
@click.option("--start", help="First target slot (ISO date-time, local time when no offset).")
@click.option("--end", help="End of the target slots, excluded (ISO date-time).")
@click.pass_context
def rebuild(ctx: click.Context, start: str | None, end: str | None) -> None:
    """Flag event days, then recompute the usual values of every sector."""
    store = open_store(ctx)
    settings = settings_from_ctx(ctx)
    flagged = reference.flag_events(store, events.load_events(store), recompute=False)
    report = reference.rebuild_reference(store, _instant(start), _instant(end), settings.slot_minutes,
                                         k=settings.privacy_k)
    audit.record(store, "reference.rebuild", username="cli", slots=report.slots, rows=report.rows)
    click.echo(f"{flagged} event sector-days flagged; {report.rows} usual values for {report.slots} slots "
               f"x {report.sectors} sectors in {report.seconds:.1f} s")


@reference_group.command("flag")
@click.argument("day")
@click.option("--reason", required=True, help="Why the day is left out (e.g. crise, event:feria).")
@click.option("--sector", "sectors", multiple=True, help="Sector code (repeat; all sectors when absent).")
@click.pass_context
def flag(ctx: click.Context, day: str, reason: str, sectors: tuple[str, ...]) -> None:
    """Leave a local day (YYYY-MM-DD) out of the usual values and recompute those it fed."""
    store = open_store(ctx)
    count = reference.flag_day(store, day, reason, sectors or None)
    audit.record(store, "reference.flag", username="cli", day=day, reason=reason, sectors=count)
    click.echo(f"{day} left out of the usual values of {count} sectors")


@reference_group.command("unflag")
@click.argument("day")
@click.option("--sector", "sectors", multiple=True, help="Sector code (repeat; all sectors when absent).")
@click.pass_context
def unflag(ctx: click.Context, day: str, sectors: tuple[str, ...]) -> None:
    """Put a flagged day back into the usual values."""
    store = open_store(ctx)
    count = reference.unflag_day(store, day, sectors or None)
    audit.record(store, "reference.unflag", username="cli", day=day, sectors=count)
    click.echo(f"{count} flags removed for {day}")


@reference_group.command("flags")
@click.option("--start", help="First day (YYYY-MM-DD).")
@click.option("--end", help="Last day (YYYY-MM-DD).")
@click.pass_context
def flags(ctx: click.Context, start: str | None, end: str | None) -> None:
    """List the sector-days left out of the usual values."""
    rows = reference.list_flags(open_store(ctx), start, end)
    for row in rows:
        click.echo(f"{row['day']}\t{row['sector_code']}\t{row['reason']}")


def register(main: click.Group) -> None:
    main.add_command(reference_group)
