"""Backups, restore and retention of the Vigie database.

* `backup` copies the live database with `VACUUM INTO` (a consistent snapshot that does
  not block the writer in WAL mode) to a hidden temporary name, checks the copy with
  `PRAGMA integrity_check`, fsyncs it and renames it atomically to
  `vigie-YYYYmmddTHHMMSSZ.db`; only then are backups beyond `keep` rotated away.
* `restore` puts the newest good backup (or a chosen one) back in place. Nothing is ever
  deleted: the file it replaces is kept beside it as `vigie.db.corrupt-<time>` (or
  `.replaced-<time>` when it was healthy), with its `-wal` journal; the `-shm` index,
  which SQLite rebuilds, is removed.
* `retention` deletes observations and reference rows older than N days in small
  chunks, each chunk its own transaction, so readers and the feed never wait long.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from vigie.errors import VigieError
from vigie.slots import local_day
from vigie.store import Store
from vigie import sectors as sector_table

BACKUP_NAME = re.compile(r"^vigie-(\d{8}T\d{6}Z)(?:-(\d+))?\.db$")
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
PART_PREFIX = ".vigie-"
PART_MAX_AGE_SECONDS = 3600
SPACE_MARGIN_BYTES = 1 << 20
RETENTION_CHUNK = 2000
PAUSE_MIN_SECONDS, PAUSE_MAX_SECONDS = 0.005, 0.2
SQLITE_FULL = 13
_SHM_DMS_OFFSET = 128  # byte of the -shm file every open WAL connection holds a shared lock on
_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class BackupError(VigieError, RuntimeError):
    """A backup, restore or retention run failed; the message says what to do."""


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: where it is, when it was taken (UTC) and its size in bytes."""

    path: Path
    taken_at: datetime
    size: int


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the backup put in place and the files kept aside."""

    restored_from: Path
    database: Path
    kept_aside: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...] = ()


# -- small helpers ---------------------------------------------------------------------------
def _mb(size: int) -> str:
    """A size in MB for messages."""
    return f"{size / 1_000_000:.1f} MB"


def _stamp(now: float | None) -> str:
    """UTC time stamp used in file names."""
    return datetime.fromtimestamp(time.time() if now is None else now, timezone.utc).strftime(STAMP_FORMAT)


def _fsync_file(path: Path) -> None:
    """Flush a file's content to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    """Flush a directory entry (a rename) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def space_error(exc: BaseException, folder: Path, needed: int, action: str) -> BackupError:
    """A BackupError for a write that failed: says how much space is needed when the disk is full."""
    full = isinstance(exc, OSError) and exc.errno in _SPACE_ERRNOS
    full = full or (isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL)
    if full:
        return BackupError(f"not enough disk space in {folder} to {action}: about {_mb(needed)} is needed "
                           f"({exc}); free some space or choose another folder")
    return BackupError(f"could not write in {folder} to {action} ({exc}); check the free space "
                       f"(about {_mb(needed)} is needed) and that the folder is writable")


def check_space(folder: Path, needed: int, action: str) -> None:
    """Raise BackupError when `folder` has less than `needed` bytes free (plus a small margin)."""
    free = shutil.disk_usage(folder).free
    if free < needed + SPACE_MARGIN_BYTES:
        raise BackupError(f"not enough disk space in {folder} to {action}: about {_mb(needed + SPACE_MARGIN_BYTES)} "
                          f"is needed, {_mb(free)} is free; free some space or choose another folder")


def integrity(path: Path) -> str:
    """'ok' when the file is a healthy SQLite database, else the first problem found."""
    if not Path(path).is_file():
        return "file not found"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    problems = [str(r[0]) for r in rows if r[0] != "ok"]
    return "ok" if not problems else "; ".join(problems[:3])


def database_in_use(db_path: Path) -> bool:
    """True when another process has the database open (it holds a lock on its -shm file).

    Call it from a process that does not have the database open itself: POSIX locks are
    per process, and closing the probe releases the process's own SQLite locks on the file.
    """
    shm = Path(f"{db_path}-shm")
    if not shm.exists():
        return False
    try:
        fd = os.open(shm, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_OFFSET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_OFFSET)
        return False
    finally:
        os.close(fd)


# -- listing and rotation --------------------------------------------------------------------
def list_backups(folder: Path | str) -> list[BackupInfo]:
    """Backups in `folder`, newest first (only files named like vigie-YYYYmmddTHHMMSSZ.db)."""
    found = []
    folder = Path(folder)
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match and path.is_file():
            taken = datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=timezone.utc)
            found.append((taken, int(match.group(2) or 0), BackupInfo(path, taken, path.stat().st_size)))
    return [info for _, _, info in sorted(found, key=lambda item: item[:2], reverse=True)]


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete the backups beyond the `keep` newest; return the deleted paths."""
    if keep < 1:
        raise BackupError(f"cannot keep {keep} backups: VIGIE_BACKUP_KEEP must be at least 1")
    removed = []
    for info in list_backups(folder)[keep:]:
        info.path.unlink()
        removed.append(info.path)
    return removed


def _free_name(folder: Path, stamp: str) -> Path:
    """vigie-<stamp>.db, or vigie-<stamp>-N.db when a backup was already taken that second."""
    path, n = folder / f"vigie-{stamp}.db", 1
    while path.exists():
        n += 1
        path = folder / f"vigie-{stamp}-{n}.db"
    return path


def _remove_stale_parts(folder: Path) -> None:
    """Remove temporary copies left by an interrupted backup (older than an hour)."""
    limit = time.time() - PART_MAX_AGE_SECONDS
    for path in folder.glob(f"{PART_PREFIX}*.part"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


# -- backup ------------------------------------------------------------------------------------
def default_backup_dir(db_path: Path) -> Path:
    """DATA_DIR/backups, beside the database."""
    return Path(db_path).parent / "backups"


def used_bytes(store: Store) -> int:
    """Bytes of the database's pages in use: what a VACUUM INTO copy needs at most."""
    pages = store.scalar("PRAGMA page_count") - store.scalar("PRAGMA freelist_count")
    return int(pages) * int(store.scalar("PRAGMA page_size"))


def backup(store: Store, dest_dir: Path | str | None = None, *, keep: int, now: float | None = None) -> Path:
    """Copy the database to dest_dir (default DATA_DIR/backups), verify it, then rotate; return the copy."""
    if keep < 1:
        raise BackupError(f"cannot keep {keep} backups: VIGIE_BACKUP_KEEP must be at least 1")
    if store.db.conn.in_transaction:
        raise BackupError("cannot back up inside a write transaction: finish it first")
    folder = Path(dest_dir) if dest_dir is not None else default_backup_dir(store.path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create the backup folder {folder} ({exc}); choose another with --dest") from exc
    _remove_stale_parts(folder)
    needed = used_bytes(store)
    check_space(folder, needed, "back up the database")
    final = _free_name(folder, _stamp(now))
    part = folder / f"{PART_PREFIX}{final.stem}-{os.getpid()}.part"
    try:
        store.db.execute("VACUUM INTO ?", [str(part)])
        _fsync_file(part)
    except (sqlite3.Error, OSError) as exc:
        part.unlink(missing_ok=True)
        raise space_error(exc, folder, needed, "back up the database") from exc
    verdict = integrity(part)
    if verdict != "ok":
        part.unlink(missing_ok=True)
        raise BackupError(f"the backup copy failed its integrity check ({verdict}); the database itself may be "
                          "damaged: keep the existing backups, stop Vigie and run `python -m vigie backup restore`")
    os.replace(part, final)
    _fsync_dir(folder)
    rotate(folder, keep)
    return final


# -- restore -----------------------------------------------------------------------------------
def _choose_backup(backup_path: Path | None, folder: Path) -> tuple[Path, list[tuple[Path, str]]]:
    """The backup to restore (checked), and the newer ones skipped because damaged."""
    if backup_path is not None:
        verdict = integrity(Path(backup_path))
        if verdict != "ok":
            raise BackupError(f"{backup_path} cannot be restored ({verdict}); choose another one from "
                              "`python -m vigie backup list`")
        return Path(backup_path), []
    candidates = list_backups(folder)
    if not candidates:
        raise BackupError(f"no backup found in {folder}: nothing to restore; if you have a copy elsewhere, "
                          "run `python -m vigie backup restore FILE`")
    skipped: list[tuple[Path, str]] = []
    for info in candidates:
        verdict = integrity(info.path)
        if verdict == "ok":
            return info.path, skipped
        skipped.append((info.path, verdict))
    raise BackupError(f"none of the {len(candidates)} backups in {folder} is readable "
                      f"(newest: {skipped[0][1]}); restore a copy from elsewhere with "
                      "`python -m vigie backup restore FILE`")


def _set_aside(db_path: Path, stamp: str) -> list[Path]:
    """Move the current database and its journal aside (never delete them); drop the -shm index."""
    kept: list[Path] = []
    aside: Path | None = None
    if db_path.exists():
        label = "corrupt" if integrity(db_path) != "ok" else "replaced"
        aside = db_path.with_name(f"{db_path.name}.{label}-{stamp}")
        os.replace(db_path, aside)
        kept.append(aside)
    for suffix in ("-wal", "-journal"):
        journal = Path(f"{db_path}{suffix}")
        if not journal.exists():
            continue
        if journal.stat().st_size == 0:  # holds nothing
            journal.unlink()
            continue
        target = Path(f"{aside}{suffix}") if aside else db_path.with_name(f"{db_path.name}{suffix}.orphan-{stamp}")
        os.replace(journal, target)
        kept.append(target)
    Path(f"{db_path}-shm").unlink(missing_ok=True)
    return kept


def restore(db_path: Path | str, backup_path: Path | str | None = None, *, backup_dir: Path | str | None = None,
            now: float | None = None) -> RestoreResult:
    """Put a backup in place of db_path: the given one, or the newest one that passes its check."""
    db_path = Path(db_path)
    if database_in_use(db_path):
        raise BackupError(f"{db_path} is open by a running Vigie process: stop the web and feed services "
                          "(systemctl stop vigie-web vigie-feed) and run the restore again")
    folder = Path(backup_dir) if backup_dir is not None else default_backup_dir(db_path)
    source, skipped = _choose_backup(None if backup_path is None else Path(backup_path), folder)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    size = source.stat().st_size
    check_space(db_path.parent, size, "restore the backup")
    part = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}.part")
    try:
        shutil.copyfile(source, part)
        _fsync_file(part)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise space_error(exc, db_path.parent, size, "restore the backup") from exc
    kept = _set_aside(db_path, _stamp(now))
    os.replace(part, db_path)
    _fsync_dir(db_path.parent)
    return RestoreResult(source, db_path, tuple(kept), tuple(skipped))


# -- retention ---------------------------------------------------------------------------------
# (table, time column, whether the column holds epoch seconds (else a local YYYY-MM-DD day))
RETAINED_TABLES: tuple[tuple[str, str, bool], ...] = (
    ("observations", "slot", True),
    ("reference", "slot", True),
    ("unique_visitors", "day", False),
    ("reference_exclusions", "day", False),
)


def _delete_chunk(store: Store, table: str, column: str, code: str, cutoff: int | str, chunk: int) -> int:
    """Delete up to `chunk` rows of one sector older than cutoff, in one short transaction."""
    with store.write() as tx:
        cursor = tx.execute(
            f"DELETE FROM {table} WHERE sector_code = ? AND {column} IN "
            f"(SELECT {column} FROM {table} WHERE sector_code = ? AND {column} < ? ORDER BY {column} LIMIT ?)",
            [code, code, cutoff, chunk])
        return int(cursor.rowcount)


def _yield_lock(started: float, pause: float | None) -> None:
    """Leave the write lock free for a while after a chunk.

    SQLite's lock is not fair: a writer waiting in its busy handler polls every few tens
    of milliseconds, so back-to-back chunks would starve the feed and the web workers.
    By default the pause lasts as long as the chunk took (half the time free).
    """
    took = time.monotonic() - started
    time.sleep(min(max(took, PAUSE_MIN_SECONDS), PAUSE_MAX_SECONDS) if pause is None else pause)


def _purge_table(store: Store, table: str, column: str, codes: list[str], cutoff: int | str, chunk: int,
                 pause: float | None) -> int:
    """Delete every row older than cutoff, sector by sector, chunk by chunk."""
    deleted = 0
    for code in codes:
        while True:
            started = time.monotonic()
            n = _delete_chunk(store, table, column, code, cutoff, chunk)
            deleted += n
            if n:
                _yield_lock(started, pause)
            if n < chunk:
                break
    return deleted


def _purge_batches(store: Store, cutoff: int, chunk: int, pause: float | None) -> int:
    """Delete old rejected and duplicate batch records (no row refers to them)."""
    deleted = 0
    while True:
        started = time.monotonic()
        with store.write() as tx:
            n = int(tx.execute(
                "DELETE FROM feed_batches WHERE id IN (SELECT id FROM feed_batches "
                "WHERE status != 'accepted' AND received_at < ? ORDER BY id LIMIT ?)", [cutoff, chunk]).rowcount)
        deleted += n
        if n < chunk:
            return deleted
        _yield_lock(started, pause)


def retention_cutoff(days: int, now: float | None = None) -> int:
    """The instant before which data is deleted (UTC epoch seconds)."""
    return int((time.time() if now is None else now) - int(days) * 86400)


def retention(store: Store, days: int, *, now: float | None = None, chunk: int = RETENTION_CHUNK,
              pause: float | None = None) -> int:
    """Delete observation and reference rows older than `days` days (0 keeps all); return rows deleted.

    Each chunk of at most `chunk` rows is its own transaction, followed by a pause (seconds;
    default: as long as the chunk took) that lets other writers in.
    """
    if int(days) < 0:
        raise BackupError(f"retention of {days} days is impossible: give 0 (keep all) or a positive number")
    if int(days) == 0:
        return 0
    if chunk < 1:
        raise BackupError("the retention chunk must be at least one row")
    cutoff = retention_cutoff(days, now)
    day = local_day(cutoff).isoformat()
    codes = sector_table.codes(store)
    tables = set(store.db.table_names())
    deleted = 0
    for table, column, epoch in RETAINED_TABLES:
        if table in tables:
            deleted += _purge_table(store, table, column, codes, cutoff if epoch else day, chunk, pause)
    return deleted + _purge_batches(store, cutoff, chunk, pause)


__all__ = ["BackupError", "BackupInfo", "RestoreResult", "backup", "check_space", "database_in_use",
           "default_backup_dir", "integrity", "list_backups", "restore", "retention", "retention_cutoff",
           "rotate", "space_error", "used_bytes"]
