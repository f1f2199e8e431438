"""forecast backtest | fit | show: forecasts of the next six hours per sector."""
from __future__ import annotations

import json

import click

from vigie import privacy
from cli import open_store, settings_from_ctx
from vigie.forecast import forecast_at, save_model
from vigie.forecast.backtest import BacktestReport, run_backtest
from vigie.forecast.fit import fit_model
from vigie.slots import iso_z, parse_instant, to_local


def _instant(text: str, name: str) -> int:
    """Epoch seconds from an ISO date-time (naive = Europe/Paris)."""
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 date-time (e.g. 2026-07-01T00:00)",
                                 param_hint=name) from exc


@click.group("forecast")
def forecast_group() -> None:
    """Forecasts of the next 12 slots (six hours) per sector."""


@forecast_group.command("backtest")
@click.option("--from", "start", required=True, help="First origin (ISO date-time, local time when no offset).")
@click.option("--to", "end", required=True, help="End of the origins, excluded (ISO date-time).")
@click.option("--seed", default=0, show_default=True, help="Seed of the injected surges.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@click.pass_context
def backtest(ctx: click.Context, start: str, end: str, seed: int, as_json: bool) -> None:
    """Score the forecast on rolling origins against the usual value, last week and the last value."""
    settings = settings_from_ctx(ctx)
    report = run_backtest(open_store(ctx), _instant(start, "--from"), _instant(end, "--to"),
                          k=settings.privacy_k, slot_minutes=settings.slot_minutes, seed=seed)
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else render_report(report))


def render_report(report: BacktestReport) -> str:
    """The backtest as a plain-text table (WAPE per horizon) with the goals."""
    lines = [f"origins {report.origins} from {iso_z(report.start)} to {iso_z(report.end)}, "
             f"{report.surges} injected surges; half-lives (min): {report.half_lives}",
             "WAPE      " + " ".join(f"{m:>6}" for m in report.horizons_minutes) + "  (minutes ahead)"]
    for title, group in (("ordinary slots", report.ordinary), ("surge under way", report.surge)):
        lines.append(title)
        for name, scores in group.items():
            lines.append(f"  {name:<11}" + " ".join(" " * 6 if v is None else f"{v:6.3f}" for v in scores["wape"]))
    lines.append("coverage  " + " ".join(" " * 6 if c is None else f"{c:6.3f}" for c in report.coverage))
    lines.append(f"surge extra carried 1 h ahead: {report.carried_1h}")
    lines.append("goals: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in report.goals.items()))
    return "\n".join(lines)


@forecast_group.command("fit")
@click.option("--until", help="Fit on the 28 days before this instant (default: the newest slot).")
@click.pass_context
def fit(ctx: click.Context, until: str | None) -> None:
    """Fit the half-lives and error bands now and keep them for the application."""
    settings, store = settings_from_ctx(ctx), open_store(ctx)
    last = store.scalar("SELECT max(slot) FROM observations")
    if last is None:
        raise click.ClickException("no observation yet: load or simulate history first")
    moment = int(last) if until is None else _instant(until, "--until")
    model = fit_model(store, moment, settings.privacy_k, settings.slot_minutes)
    save_model(store, model)
    click.echo(f"half-lives (min): {model.half_lives}; fitted on slots up to {iso_z(moment)}")


@forecast_group.command("show")
@click.argument("sector")
@click.option("--at", help="Instant of the forecast (default: the newest slot).")
@click.pass_context
def show(ctx: click.Context, sector: str, at: str | None) -> None:
    """Print one sector's forecast: time, expected, 80 % interval, usual."""
    settings, store = settings_from_ctx(ctx), open_store(ctx)
    moment = int(store.scalar("SELECT max(slot) FROM observations") or 0) if at is None else _instant(at, "--at")
    result = forecast_at(store, moment, k=settings.privacy_k, slot_minutes=settings.slot_minutes,
                         sectors=[sector])
    row = result.get(sector)
    if row is None:
        raise click.ClickException("no observation at or before this instant")
    k = settings.privacy_k
    for i, slot in enumerate(row.slots):
        click.echo(f"{to_local(slot):%Y-%m-%d %H:%M}  {privacy.display(row.expected[i], 'en', k):>8}  "
                   f"[{privacy.display(row.low[i], 'en', k)} - {privacy.display(row.high[i], 'en', k)}]  "
                   f"usual {privacy.display(row.usual[i], 'en', k)}")


def register(main: click.Group) -> None:
    main.add_command(forecast_group)
