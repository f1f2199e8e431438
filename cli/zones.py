"""zones list|save|delete, query, overlays import-massifs|import-floods|show, events import|list."""
from __future__ import annotations

from pathlib import Path

import click

from cli import open_store, settings_from_ctx
from vigie.analysis import exports, zones
from vigie.calendar.events import load_events
from vigie.feed.providers import zone_provider
from vigie.identity import audit
from vigie.operations import imports as calendar_import, overlays
from vigie.i18n import format_int, format_pct
from vigie.slots import iso_z, parse_instant, to_local
from vigie.store import Store

CLI_USER = "cli"
SEGMENT_FR = {"residents": "résidents", "tourists_fr": "touristes français", "tourists_intl": "touristes étrangers",
              "excursionists": "excursionnistes"}
COMPARISON_FR = {"last_week": "même période la semaine précédente", "last_year": "même période l'an dernier"}


def _instant(text: str | None, option: str) -> int | None:
    """Epoch seconds from an ISO date or date-time (local time when no offset)."""
    if text is None:
        return None
    try:
        return parse_instant(text if "T" in text or " " in text.strip() else f"{text}T00:00")
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 date-time (e.g. 2026-07-14T00:00)",
                                 param_hint=option) from exc


def _group(main: click.Group, name: str, help_text: str) -> click.Group:
    """The existing command group `name`, or a new one added to main."""
    existing = main.commands.get(name)
    if isinstance(existing, click.Group):
        return existing
    group = click.Group(name, help=help_text)
    main.add_command(group)
    return group


# -- zones -----------------------------------------------------------------------------------------
@click.command("list")
@click.pass_context
def zones_list(ctx: click.Context) -> None:
    """List the saved zones."""
    for zone in zones.list_zones(open_store(ctx), CLI_USER, admin=True):
        shared = "partagée" if zone.shared else "privée"
        click.echo(f"{zone.name}\t{len(zone.sectors)} secteur(s)\t{shared}\t{zone.created_by}\t{' '.join(zone.sectors)}")


@click.command("save")
@click.argument("name")
@click.argument("codes", nargs=-1, required=True)
@click.option("--private", is_flag=True, help="Keep the zone to its author (shared by default).")
@click.option("--replace", is_flag=True, help="Replace a zone of the same name.")
@click.pass_context
def zones_save(ctx: click.Context, name: str, codes: tuple[str, ...], private: bool, replace: bool) -> None:
    """Save a zone NAME made of sector CODES (INSEE codes)."""
    store = open_store(ctx)
    zone = zones.save_zone(store, name, codes, CLI_USER, shared=not private, replace=replace, override_owner=True)
    audit.record(store, "zone.save", username=CLI_USER, zone=zone.name, sectors=" ".join(zone.sectors))
    click.echo(f"zone « {zone.name} » enregistrée : {len(zone.sectors)} secteur(s)")


@click.command("delete")
@click.argument("name")
@click.pass_context
def zones_delete(ctx: click.Context, name: str) -> None:
    """Delete the zone NAME."""
    store = open_store(ctx)
    if not zones.delete_zone(store, name, CLI_USER, override_owner=True):
        raise click.ClickException(f"aucune zone « {name} »")
    audit.record(store, "zone.delete", username=CLI_USER, zone=name)
    click.echo(f"zone « {name} » supprimée")


# -- query -----------------------------------------------------------------------------------------
def _figure_text(figure: zones.Figure) -> str:
    """'12 345', '≥ 12 345 (…)' or the reason nothing is shown."""
    if figure.value is not None:
        return format_int(figure.value)
    if figure.lower is not None:
        return f"≥ {format_int(figure.lower)} (borne basse : {figure.withheld_cells} valeur(s) masquée(s), " \
               f"{figure.missing_cells} manquante(s))"
    return "secret statistique" if figure.status == "withheld" else "pas de données"


def _uv_text(uv: zones.UniqueVisitors) -> str:
    if uv.kind == "exact":
        return f"{format_int(uv.value)} (exact)"
    if uv.kind == "bounds":
        high = format_int(uv.high) if uv.high is not None else "?"
        return f"entre {format_int(uv.low) if uv.low is not None else '?'} et {high} (bornes)"
    return "pas de données"


def _echo_result(result: zones.ZoneResult) -> None:
    """The result in a few French lines."""
    click.echo(f"période : {to_local(result.start).isoformat()} → {to_local(result.end).isoformat()}")
    click.echo(f"secteurs : {' '.join(result.codes)}")
    click.echo(f"visiteurs uniques ({result.unique_visitors.first_day} → {result.unique_visitors.last_day}) : "
               f"{_uv_text(result.unique_visitors)}")
    click.echo(f"entrées : {_figure_text(result.entries)}")
    peak_at = f" à {to_local(result.peak_slot).strftime('%d/%m %H:%M')}" if result.peak_slot is not None else ""
    click.echo(f"pic de présence : {_figure_text(result.peak_present)}{peak_at}")
    click.echo(f"présence moyenne : {_figure_text(result.mean_present)}")
    mix = ", ".join(f"{SEGMENT_FR[name]} {format_pct(share)}" for name, share in result.segments.shares.items()
                    if share is not None)
    click.echo(f"segments : {mix or 'pas de données'}")
    for label, comparison in result.comparisons.items():
        label = COMPARISON_FR.get(label, label)
        if comparison is None:
            click.echo(f"{label} : pas de données")
            continue
        change = comparison.changes.get("peak_present")
        click.echo(f"{label} : pic {_figure_text(comparison.peak_present)}"
                   + (f" ({format_pct(change)})" if change is not None else ""))
    for note in {f.reason for f in (result.entries, result.peak_present) if f.reason}:
        click.echo(f"note : {note}")


@click.command("query")
@click.option("--zone", "zone_name", help="Name of a saved zone.")
@click.option("--sectors", help="Sector codes, separated by commas or spaces.")
@click.option("--from", "start", required=True, help="Start (ISO date or date-time; local time when no offset).")
@click.option("--to", "end", required=True, help="End, excluded (ISO date or date-time).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write a CSV file.")
@click.option("--table", type=click.Choice(["summary", "sectors", "series"]), default="summary", show_default=True,
              help="Which table the CSV holds.")
@click.pass_context
def query(ctx: click.Context, zone_name: str | None, sectors: str | None, start: str, end: str,
          csv_path: Path | None, table: str) -> None:
    """Unique visitors, entries, presence and segments of a zone over a period."""
    if bool(zone_name) == bool(sectors):
        raise click.UsageError("give either --zone NAME or --sectors CODES")
    store, settings = open_store(ctx), settings_from_ctx(ctx)
    begin, finish = _instant(start, "--from"), _instant(end, "--to")
    codes = zones.get_zone(store, zone_name, CLI_USER, admin=True).sectors if zone_name else sectors.replace(",", " ").split()  # type: ignore[union-attr]
    result = zones.query_zone(store, codes, begin, finish, settings, zone_provider(settings))  # type: ignore[arg-type]
    zones.audit_zone_query(store, result, CLI_USER, zone_name=zone_name)
    _echo_result(result)
    if csv_path is not None:
        csv_path.write_bytes(exports.zone_csv(result, table))
        zones.audit_zone_query(store, result, CLI_USER, zone_name=zone_name, action="zone.export")
        click.echo(f"CSV écrit : {csv_path}")


# -- overlays ------------------------------------------------------------------------------------
def _import_overlay(store: Store, path: Path, kind: str) -> overlays.ImportReport:
    """Run one overlay import, auditing a refusal."""
    importer = overlays.import_massif_levels if kind == "massifs" else overlays.import_flood_vigilance
    try:
        report = importer(store, path.read_bytes(), path.name)
    except overlays.ImportRefused:
        audit.record(store, f"overlays.import-{kind}", username=CLI_USER, outcome="refused", file=path.name)
        raise
    audit.record(store, f"overlays.import-{kind}", username=CLI_USER, file=path.name, rows=report.rows)
    return report


@click.command("import-massifs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_massifs(ctx: click.Context, file: Path) -> None:
    """Import forest-fire massif access levels (massif_id,day,level)."""
    report = _import_overlay(open_store(ctx), file, "massifs")
    click.echo(f"{report.rows} niveau(x) importé(s) du {report.first_day} au {report.last_day} "
               f"({report.replaced} remplacé(s))")


@click.command("import-floods")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_floods(ctx: click.Context, file: Path) -> None:
    """Import flood vigilance (section_id,name,sectors,day,level)."""
    report = _import_overlay(open_store(ctx), file, "floods")
    click.echo(f"{report.rows} vigilance(s) importée(s) du {report.first_day} au {report.last_day} "
               f"({report.replaced} remplacée(s))")


@click.command("show")
@click.argument("day")
@click.pass_context
def overlays_show(ctx: click.Context, day: str) -> None:
    """Massif levels and flood vigilance of a local DAY (YYYY-MM-DD)."""
    store = open_store(ctx)
    try:
        levels = overlays.massif_levels_on(store, day)
        floods = overlays.flood_sections_on(store, day)
    except ValueError as exc:
        raise click.ClickException(f"jour invalide {day!r} : écrivez AAAA-MM-JJ") from exc
    for massif, level in levels.items():
        click.echo(f"massif {massif}\t{level}")
    for section in floods:
        click.echo(f"crue {section['section_id']}\t{section['level']}\t{section['name']}")
    if not levels and not floods:
        click.echo("aucun niveau publié ce jour")


# -- events ----------------------------------------------------------------------------------------
@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def events_import(ctx: click.Context, file: Path) -> None:
    """Import events from a CSV (data/events columns) or an iCalendar (.ics) FILE."""
    store = open_store(ctx)
    try:
        report = calendar_import.import_events_file(store, file.name, file.read_bytes(), CLI_USER)
    except overlays.ImportRefused:
        audit.record(store, "events.import", username=CLI_USER, outcome="refused", file=file.name)
        raise
    audit.record(store, "events.import", username=CLI_USER, file=file.name, events=len(report.events))
    click.echo(f"{len(report.events)} événement(s) importé(s), {report.flagged} jour(s)-secteur(s) exclus des "
               "valeurs habituelles")
    if report.not_flagged:
        click.echo(f"non exclus (fréquentation attendue trop faible ou inconnue) : {' '.join(report.not_flagged)}")


@click.command("list")
@click.option("--from", "start", help="Only events ending after this (ISO date or date-time).")
@click.option("--to", "end", help="Only events starting before this (ISO date or date-time).")
@click.pass_context
def events_list(ctx: click.Context, start: str | None, end: str | None) -> None:
    """List the events of the calendar."""
    store = open_store(ctx)
    begin, finish = _instant(start, "--from"), _instant(end, "--to")
    chosen = load_events(store, begin if begin is not None else 0, finish if finish is not None else 2**62) \
        if begin is not None or finish is not None else load_events(store)
    for event in chosen:
        click.echo(f"{event.event_id}\t{iso_z(event.start)}\t{iso_z(event.end)}\t{event.category}\t"
                   f"{' '.join(event.sectors)}\t{event.name}")


def register(main: click.Group) -> None:
    zone_group = _group(main, "zones", "Saved zones (unions of sectors).")
    for command in (zones_list, zones_save, zones_delete):
        zone_group.add_command(command)
    main.add_command(query)
    overlay_group = _group(main, "overlays", "Forest-fire massif levels and flood vigilance.")
    for command in (import_massifs, import_floods, overlays_show):
        overlay_group.add_command(command)
    events_group = _group(main, "events", "Events calendar (ferias, festivals, matches...).")
    for command in (events_import, events_list):
        if command.name not in events_group.commands:
            events_group.add_command(command)
