"""backup [--dest DIR] | backup list | backup restore [FILE], retention [--days N]."""
from __future__ import annotations

import logging
from pathlib import Path

import click

from cli import open_store, settings_from_ctx
from vigie.identity import audit
from vigie.runtime.backup import backup, default_backup_dir, list_backups, restore, retention, retention_cutoff
from vigie.slots import iso_z
from vigie.store import Store

log = logging.getLogger("vigie.runtime.backup")
DIR_OPTION = click.Path(file_okay=False, path_type=Path)


def _existing_store(ctx: click.Context) -> Store:
    """The configured database as it is: not migrated, so a backup taken before an upgrade is the old schema."""
    path = settings_from_ctx(ctx).db_path
    if not path.exists():
        raise click.ClickException(f"no database at {path}: run `python -m vigie init` first (or check VIGIE_DATA_DIR)")
    store = Store(path)
    store.check_integrity()
    return store


def _backup_dir(ctx: click.Context, folder: Path | None) -> Path:
    return folder if folder is not None else default_backup_dir(settings_from_ctx(ctx).db_path)


@click.group("backup", invoke_without_command=True)
@click.option("--dest", type=DIR_OPTION, default=None, help="Folder of the backups (default: DATA_DIR/backups).")
@click.option("--keep", type=click.IntRange(min=1), default=None, help="Backups to keep (default: VIGIE_BACKUP_KEEP).")
@click.pass_context
def backup_group(ctx: click.Context, dest: Path | None, keep: int | None) -> None:
    """Back up the database now (no subcommand); `list` and `restore` below."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_from_ctx(ctx)
    store = _existing_store(ctx)
    path = backup(store, _backup_dir(ctx, dest), keep=keep or settings.backup_keep)
    audit.record(store, "backup", username="cli", file=path.name)
    log.info("backup written", extra={"file": str(path), "bytes": path.stat().st_size})
    click.echo(f"backup written: {path} ({path.stat().st_size / 1_000_000:.1f} MB)")


@backup_group.command("list")
@click.option("--dir", "folder", type=DIR_OPTION, default=None, help="Folder of the backups (default: DATA_DIR/backups).")
@click.pass_context
def backup_list(ctx: click.Context, folder: Path | None) -> None:
    """List the backups, newest first."""
    where = _backup_dir(ctx, folder)
    backups = list_backups(where)
    if not backups:
        click.echo(f"no backup in {where}")
        return
    for info in backups:
        click.echo(f"{info.path}\t{info.taken_at.strftime('%Y-%m-%dT%H:%M:%SZ')}\t{info.size / 1_000_000:.1f} MB")


@backup_group.command("restore")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dir", "folder", type=DIR_OPTION, default=None, help="Folder of the backups (default: DATA_DIR/backups).")
@click.pass_context
def backup_restore(ctx: click.Context, file: Path | None, folder: Path | None) -> None:
    """Restore FILE, or the newest backup that passes its integrity check (stop Vigie first)."""
    db_path = settings_from_ctx(ctx).db_path
    result = restore(db_path, file, backup_dir=_backup_dir(ctx, folder))
    for path, reason in result.skipped:
        click.echo(f"skipped damaged backup {path} ({reason})", err=True)
    audit.record(Store(db_path), "backup.restore", username="cli", file=result.restored_from.name)
    log.info("database restored", extra={"file": str(result.restored_from)})
    click.echo(f"restored {result.restored_from} into {result.database}")
    for path in result.kept_aside:
        click.echo(f"previous file kept as {path}")
    click.echo("next: `python -m vigie init` (applies any newer migration), then start Vigie again")


@click.command("retention")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Delete data older than this many days (default: VIGIE_RETENTION_DAYS; 0 keeps all).")
@click.pass_context
def retention_command(ctx: click.Context, days: int | None) -> None:
    """Delete observations and reference rows older than the retention period, in small transactions."""
    days = settings_from_ctx(ctx).retention_days if days is None else days
    if days == 0:
        click.echo("retention is 0 days: all data is kept")
        return
    store = open_store(ctx)
    cutoff = retention_cutoff(days)
    deleted = retention(store, days)
    audit.record(store, "retention", username="cli", days=days, deleted=deleted)
    log.info("retention done", extra={"days": days, "deleted": deleted, "before": iso_z(cutoff)})
    click.echo(f"deleted {deleted} rows older than {days} days (before {iso_z(cutoff)})")


def register(main: click.Group) -> None:
    main.add_command(backup_group)
    main.add_command(retention_command)

