"""alerts list | ack | close | rules | rule | evaluate | outbox | send."""
from __future__ import annotations

import json
import threading

import click

from vigie.alerts import Alert, AlertError, acknowledge, close, list_alerts
from vigie.alerts.model import FILTERS, KINDS, SEVERITIES
from vigie.alerts.rules import Rule, get_rule, load_rules, save_rule
from cli import initialised_store, open_store, settings_from_ctx
from vigie.i18n import format_time

BY = click.option("--by", "username", default="cli", show_default=True, help="Name recorded as who did it.")
EXERCISE = click.option("--exercise", "exercise_id", type=int, default=None, help="An exercise's alerts instead of live ones.")


def _line(alert: Alert, lang: str) -> str:
    """One alert as a tab-separated line."""
    who = f"{alert.acknowledged_by}: {alert.comment or ''}" if alert.acknowledged_by else ""
    mark = "EXERCICE " if alert.exercise_id is not None else ""
    return (f"{alert.id}\t{mark}{alert.state}\t{alert.severity}\t{alert.rule}\t{alert.sector or '-'}\t"
            f"{format_time(alert.opened_at, lang, with_date=True)}\t{alert.summary.text(lang, since=alert.slot)}\t{who}")


@click.group()
def alerts() -> None:
    """Alerts: list, acknowledge, close; rules; the notification sender."""


@alerts.command("list")
@click.option("--state", type=click.Choice(FILTERS), default="active", show_default=True)
@click.option("--sector", default=None, help="Only this sector's alerts.")
@click.option("--json", "as_json", is_flag=True, help="The API form, one JSON document.")
@EXERCISE
@click.pass_context
def list_command(ctx: click.Context, state: str, sector: str | None, as_json: bool, exercise_id: int | None) -> None:
    """List alerts, newest first."""
    lang = settings_from_ctx(ctx).language
    found = list_alerts(open_store(ctx), state=state, exercise_id=exercise_id, sector=sector)
    if as_json:
        click.echo(json.dumps({"alerts": [a.as_api(lang) for a in found]}, ensure_ascii=False, indent=1))
        return
    for alert in found:
        click.echo(_line(alert, lang))
    if not found:
        click.echo("RAS: no alert" if state in ("open", "active") else "no alert")


@alerts.command("ack")
@click.argument("alert_id", type=int)
@click.option("--comment", default="", help="What is being done (kept with the alert).")
@BY
@click.pass_context
def ack_command(ctx: click.Context, alert_id: int, comment: str, username: str) -> None:
    """Acknowledge an alert (prise en compte)."""
    alert = acknowledge(open_store(ctx), alert_id, username, comment)
    click.echo(_line(alert, settings_from_ctx(ctx).language))


@alerts.command("close")
@click.argument("alert_id", type=int)
@click.option("--reason", required=True, help="Why it is closed (required, kept with the alert).")
@BY
@click.pass_context
def close_command(ctx: click.Context, alert_id: int, reason: str, username: str) -> None:
    """Close an alert by hand, with a reason."""
    alert = close(open_store(ctx), alert_id, username, reason)
    click.echo(_line(alert, settings_from_ctx(ctx).language))


@alerts.command("rules")
@click.pass_context
def rules_command(ctx: click.Context) -> None:
    """List the rules."""
    for rule in load_rules(open_store(ctx)):
        scope = " ".join(f"{k}={v}" for k, v in (("zone", rule.zone_id), ("authority", rule.authority),
                                                  ("groupement", rule.groupement)) if v is not None) or "all sectors"
        params = " ".join(f"{k}={v:g}" for k, v in rule.params)
        click.echo(f"{rule.id}\t{rule.kind}\t{rule.severity}\t{'on' if rule.enabled else 'off'}\t{scope}\t{params}")


@alerts.command("rule")
@click.argument("rule_id")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Required for a new rule.")
@click.option("--severity", type=click.Choice(SEVERITIES), default=None)
@click.option("--zone", "zone_id", type=int, default=None, help="Narrow to a zone (its id).")
@click.option("--authority", default=None, help="Narrow to SDIS13 or BMPM sectors.")
@click.option("--groupement", default=None, help="Narrow to a groupement's sectors.")
@click.option("--param", "params", multiple=True, help="A threshold, NAME=VALUE (min_excess, min_z, horizon_slots).")
@click.option("--enable/--disable", "enabled", default=None)
@BY
@click.pass_context
def rule_command(ctx: click.Context, rule_id: str, kind: str | None, severity: str | None, zone_id: int | None,
                 authority: str | None, groupement: str | None, params: tuple[str, ...], enabled: bool | None,
                 username: str) -> None:
    """Create a rule, or change the options given of an existing one."""
    store = open_store(ctx)
    try:
        old: Rule | None = get_rule(store, rule_id)
    except AlertError:
        old = None
    if old is None and kind is None:
        raise click.ClickException(f"{rule_id!r} is a new rule: give its --kind ({', '.join(KINDS)})")
    base = old or Rule(rule_id, str(kind), "warning", None, None, None, (), True)
    values = {**base.__dict__, **{k: v for k, v in dict(kind=kind, severity=severity, zone_id=zone_id,
                                                         authority=authority, groupement=groupement,
                                                         enabled=enabled).items() if v is not None}}
    if params:
        values["params"] = _params(params)
    rule = save_rule(store, Rule(**values), username)
    click.echo(json.dumps(rule.as_dict(), ensure_ascii=False))


def _params(items: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """NAME=VALUE options as rule parameters."""
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise click.ClickException(f"--param {item!r}: expected NAME=NUMBER, e.g. min_excess=1000")
    return tuple(sorted(out.items()))


@alerts.command("evaluate")
@EXERCISE
@click.pass_context
def evaluate_command(ctx: click.Context, exercise_id: int | None) -> None:
    """Evaluate the rules now (live, or in an exercise at its clock)."""
    from vigie.alerts.evaluate import evaluate_exercise, evaluate_live

    store, settings = open_store(ctx), settings_from_ctx(ctx)
    changes = (evaluate_live(store, settings) if exercise_id is None
               else evaluate_exercise(store, settings, exercise_id))
    for change in changes:
        click.echo(f"{change.what}\t{_line(change.alert, settings.language)}")
    click.echo(f"{len(changes)} change(s)")


@alerts.command("outbox")
@click.pass_context
def outbox_command(ctx: click.Context) -> None:
    """Show how many notifications wait, fail or were delivered."""
    from vigie.alerts.outbox import outbox_status

    for name, count in outbox_status(open_store(ctx)).items():
        click.echo(f"{name}\t{count}")


@alerts.command("send")
@click.option("--once", is_flag=True, help="One turn, then exit (for cron or a check).")
@click.pass_context
def send_command(ctx: click.Context, once: bool) -> None:
    """Run the notification sender (e-mail and webhooks) until stopped."""
    from vigie.alerts.sender import Sender, run_sender

    store, settings = initialised_store(ctx), settings_from_ctx(ctx)  # a service sets up what it serves
    if once:
        click.echo(json.dumps(Sender(store, settings).tick()))
        return
    stop = threading.Event()
    _stop_on_signals(stop)
    run_sender(settings, stop, store)


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT end the loop after the current delivery."""
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())


def register(main: click.Group) -> None:
    main.add_command(alerts)
