"""ingest, simulate, feed run | status, tokens create | list | revoke."""
from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import FrameType

import click

from cli import initialised_store, open_store, settings_from_ctx
from vigie.identity import audit
from vigie.feed import health
from vigie.feed.formats import BatchTooLarge, observations_csv, visitors_csv
from vigie.feed.ingest import ingest_file
from vigie.feed.simulator import Simulator, local_days
from vigie.runtime.batches import refresh_reference
from vigie.runtime.feed import run_feed
from vigie.slots import parse_instant
from vigie.store import StoreError
from vigie.identity.tokens import SCOPES, create_token, list_tokens, revoke_token


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="cli", show_default=True, help="Source name recorded with each batch.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="en", show_default=True, help="Language of the reasons.")
@click.pass_context
def ingest(ctx: click.Context, files: tuple[Path, ...], source: str, lang: str) -> None:
    """Ingest feed files (CSV or JSON); exit non-zero unless every file was accepted or already known."""
    store = open_store(ctx)
    settings = settings_from_ctx(ctx)
    failed = 0
    for path in files:
        try:
            result = ingest_file(store, path, source, settings)
            refresh_reference(store, result, settings)
        except BatchTooLarge as exc:
            click.echo(f"{path}: {exc.message(lang)}", err=True)
            failed += 1
            continue
        except StoreError as exc:
            raise click.ClickException(f"{path}: {exc}") from exc
        lines = result.report(lang)
        click.echo(f"{path}: {lines[0]}", err=not result.ok)
        for line in lines[1:]:
            click.echo(f"  {line}", err=True)
        failed += 0 if result.ok else 1
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} file(s) refused")


def _instant(value: str, name: str) -> int:
    try:
        return parse_instant(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time (e.g. 2026-07-14T00:00:00+02:00)",
                                 param_hint=name) from None


@click.command()
@click.option("--from", "start", required=True, help="First instant (ISO 8601; no offset = Europe/Paris).")
@click.option("--to", "end", required=True, help="End instant, exclusive (ISO 8601).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Observations CSV to write.")
@click.option("--unique-visitors", "uv_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the daily unique visitors of every local day touched.")
@click.option("--seed", type=int, default=None, help="Simulator seed (default: VIGIE_SIMULATOR_SEED).")
@click.pass_context
def simulate(ctx: click.Context, start: str, end: str, out: Path, uv_out: Path | None, seed: int | None) -> None:
    """Export simulated observations in the feed format (they ingest back unchanged)."""
    settings = settings_from_ctx(ctx)
    if seed is not None:
        settings = replace(settings, simulator_seed=seed)
    lo, hi = _instant(start, "--from"), _instant(end, "--to")
    sim = Simulator.from_settings(settings)
    table = sim.generate(lo, hi)
    out.write_text(observations_csv(table), encoding="utf-8")
    click.echo(f"{out}: {len(table)} observation rows")
    if uv_out is not None:
        parts = [visitors_csv(sim.daily_visitors(day)) for day in local_days(lo, hi)]
        uv_out.write_text(parts[0] + "".join(p.split("\n", 1)[1] for p in parts[1:]), encoding="utf-8")
        click.echo(f"{uv_out}: {len(parts) * len(sim.codes)} unique-visitor rows")


@click.group()
def feed() -> None:
    """Run the configured feed or show its health."""


@feed.command("run")
@click.pass_context
def feed_run(ctx: click.Context) -> None:
    """Run the feed (VIGIE_FEED) until SIGTERM or SIGINT."""
    settings = settings_from_ctx(ctx)
    store = initialised_store(ctx)  # a service sets up the database it serves (as at boot)
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"feed {settings.feed} running (stop with Ctrl-C or SIGTERM)")
    run_feed(settings, stop, store=store)
    click.echo("feed stopped")


@feed.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def feed_status(ctx: click.Context, as_json: bool) -> None:
    """Show database and feed health (exit 1 when unhealthy)."""
    report = health.status(open_store(ctx), settings_from_ctx(ctx), time.time())
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    else:
        click.echo(f"database: {report['database']}" + (f" ({report['database_error']})" if report["database_error"] else ""))
        click.echo(f"feed: {report['feed']} (level {report['level'] or '-'}, newest slot "
                   f"{report['newest_slot_iso'] or '-'}, lag {report['lag_seconds'] if report['lag_seconds'] is not None else '-'} s)")
        for source in report["sources"]:
            click.echo(f"  {source['source']}: last slot {source['last_slot_iso'] or '-'}, level {source['level'] or '-'}"
                       + (f", last error: {source['last_error']}" if source["last_error"] else ""))
    if not report["healthy"]:
        raise SystemExit(1)


@click.group()
def tokens() -> None:
    """API tokens of feed sources (shown once, stored hashed)."""


@tokens.command("create")
@click.argument("name")
@click.option("--scope", type=click.Choice(SCOPES), required=True, help="ingest: may POST observations; read: may read.")
@click.pass_context
def tokens_create(ctx: click.Context, name: str, scope: str) -> None:
    """Create a token; it is printed alone on the last line (shown once)."""
    store = open_store(ctx)
    token = create_token(store, name, scope)
    audit.record(store, "token.create", username="cli", target=name, scope=scope)
    click.echo(f"token {name} created with scope {scope}; copy it now, it is not shown again:")
    click.echo(token)


@tokens.command("list")
@click.pass_context
def tokens_list(ctx: click.Context) -> None:
    """List tokens (names and scopes, never the secrets)."""
    for row in list_tokens(open_store(ctx)):
        state = "revoked" if row["revoked_at"] else "live"
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(int(row["created_at"])))
        click.echo(f"{row['name']}\t{row['scope']}\t{state}\tcreated {created}Z")


@tokens.command("revoke")
@click.argument("name")
@click.pass_context
def tokens_revoke(ctx: click.Context, name: str) -> None:
    """Revoke a token at once."""
    store = open_store(ctx)
    revoke_token(store, name)
    audit.record(store, "token.revoke", username="cli", target=name)
    click.echo(f"token {name} revoked")


def register(main: click.Group) -> None:
    main.add_command(ingest)
    main.add_command(simulate)
    main.add_command(feed)
    main.add_command(tokens)
