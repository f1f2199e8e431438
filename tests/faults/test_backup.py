"""Backups: VACUUM INTO + integrity check + atomic rename, rotation, restore, retention, disk full."""
from __future__ import annotations

import re

import errno
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.faults.support import DAY, ROOT, SECTORS, WEEK_START, cli_env, count_rows, ingest_days, run_vigie
from vigie.runtime.backup import (BackupError, backup, database_in_use, integrity, list_backups, restore, retention,
                          space_error)
from cli import main
from vigie.config import Settings
from vigie.store import Store

SLOTS_PER_DAY = 48


def damage_header(path: Path) -> None:
    """Overwrite the first page: the file is no longer an SQLite database."""
    with open(path, "r+b") as fh:
        fh.write(b"this is not a database anymore" * 100)


def checkpoint_and_close(store: Store) -> None:
    """Move everything from the WAL into the main file and close, like a clean shutdown."""
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


# -- backup and rotation ---------------------------------------------------------------------------
def test_backup_is_a_verified_consistent_copy(fault_store: Store) -> None:
    path = backup(fault_store, keep=7, now=WEEK_START)
    assert path.parent == fault_store.path.parent / "backups"
    assert path.name == "vigie-20260301T230000Z.db"
    assert integrity(path) == "ok"
    assert count_rows(path) == count_rows(fault_store.path) == 2 * SLOTS_PER_DAY * SECTORS
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file may be left behind"


def test_rotation_keeps_the_newest(fault_store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "elsewhere"
    dest.mkdir()
    (dest / "notes.txt").write_text("not a backup")
    made = [backup(fault_store, dest, keep=3, now=WEEK_START + i * DAY) for i in range(5)]
    listed = list_backups(dest)
    assert [b.path for b in listed] == made[:1:-1]
    assert listed[0].taken_at.timestamp() == WEEK_START + 4 * DAY
    assert (dest / "notes.txt").exists(), "rotation only touches backup files"
    assert not made[0].exists() and not made[1].exists()


def test_two_backups_in_the_same_second_do_not_collide(fault_store: Store) -> None:
    first = backup(fault_store, keep=7, now=WEEK_START)
    second = backup(fault_store, keep=7, now=WEEK_START)
    assert second.name == "vigie-20260301T230000Z-2.db"
    assert [b.path for b in list_backups(first.parent)] == [second, first]


def test_keep_must_be_positive(fault_store: Store) -> None:
    with pytest.raises(BackupError, match="at least 1"):
        backup(fault_store, keep=0)


# -- restore -----------------------------------------------------------------------------------------
def test_restore_takes_the_newest_good_backup_and_keeps_the_damaged_files(fault_store: Store,
                                                                         fault_settings: Settings) -> None:
    older = backup(fault_store, keep=7, now=WEEK_START)
    ingest_days(fault_store, fault_settings, WEEK_START + 2 * DAY, 1)
    newest = backup(fault_store, keep=7, now=WEEK_START + DAY)
    damage_header(newest)
    db = fault_store.path
    fault_store.close()
    Path(f"{db}-wal").write_bytes(b"journal frames worth keeping")
    damage_header(db)

    result = restore(db, now=WEEK_START + 2 * DAY)

    assert result.restored_from == older
    assert [p for p, _ in result.skipped] == [newest]
    corrupt = db.with_name("vigie.db.corrupt-20260303T230000Z")
    assert result.kept_aside == (corrupt, Path(f"{corrupt}-wal"))
    assert corrupt.read_bytes().startswith(b"this is not a database")
    assert Path(f"{corrupt}-wal").read_bytes() == b"journal frames worth keeping"
    assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()
    assert integrity(db) == "ok" and count_rows(db) == 2 * SLOTS_PER_DAY * SECTORS


def test_restore_of_a_healthy_database_keeps_it_as_replaced(fault_store: Store) -> None:
    chosen = backup(fault_store, keep=7, now=WEEK_START)
    fault_store.close()
    result = restore(fault_store.path, chosen, now=WEEK_START)
    assert result.kept_aside[0].name == "vigie.db.replaced-20260301T230000Z"
    assert integrity(result.kept_aside[0]) == "ok"


def test_restore_without_any_backup_says_so(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no backup found in .*backup restore FILE"):
        restore(tmp_path / "vigie.db")


def test_restore_refuses_a_damaged_file(fault_store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "copy.db"
    bad.write_bytes(b"\0" * 8192)
    with pytest.raises(BackupError, match="cannot be restored.*backup list"):
        restore(fault_store.path, bad)


def test_restore_refuses_while_vigie_has_the_database_open(fault_store: Store) -> None:
    backup(fault_store, keep=7)
    fault_store.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom vigie.store import Store\n"
         f"s = Store({str(fault_store.path)!r}); s.scalar('SELECT count(*) FROM sectors')\n"
         "print('open', flush=True); time.sleep(30)"],
        cwd=ROOT, env=cli_env(fault_store.path.parent), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        assert database_in_use(fault_store.path)
        with pytest.raises(BackupError, match="stop the web and feed services"):
            restore(fault_store.path)
    finally:
        holder.kill()
        holder.wait()
    assert not database_in_use(fault_store.path)


# -- retention -----------------------------------------------------------------------------------------
def _add_reference_and_visitors(store: Store, slots: list[int], days: list[str]) -> None:
    with store.write() as tx:
        tx.conn.executemany("INSERT INTO reference VALUES (?, ?, 100, 10, 80, 120, 6)",
                            [("13001", s) for s in slots])
        tx.conn.executemany("INSERT INTO unique_visitors(sector_code, day, unique_visitors) VALUES (?, ?, 500)",
                            [("13001", d) for d in days])


def test_retention_deletes_old_rows_in_small_transactions(fault_store: Store) -> None:
    second_day = WEEK_START + DAY
    _add_reference_and_visitors(fault_store, [WEEK_START, second_day], ["2026-03-02", "2026-03-03"])
    statements: list[str] = []
    fault_store.db.conn.set_trace_callback(statements.append)
    now = second_day + 10 * DAY  # cutoff = 10 days before now = start of the second day

    deleted = retention(fault_store, 10, now=now, chunk=1000)

    fault_store.db.conn.set_trace_callback(None)
    assert deleted == SLOTS_PER_DAY * SECTORS + 1 + 1
    assert fault_store.scalar("SELECT min(slot) FROM observations") == second_day
    assert fault_store.scalar("SELECT count(*) FROM observations") == SLOTS_PER_DAY * SECTORS
    assert fault_store.query("SELECT slot FROM reference") == [{"slot": second_day}]
    assert fault_store.query("SELECT day FROM unique_visitors") == [{"day": "2026-03-03"}]
    begins = sum(s.startswith("BEGIN IMMEDIATE") for s in statements)
    assert begins >= SECTORS, "each sector and chunk is its own transaction"
    assert integrity(fault_store.path) == "ok"


def test_retention_zero_keeps_everything(fault_store: Store) -> None:
    before = fault_store.scalar("SELECT count(*) FROM observations")
    assert retention(fault_store, 0, now=WEEK_START + 1000 * DAY) == 0
    assert fault_store.scalar("SELECT count(*) FROM observations") == before


def test_retention_cuts_slots_at_the_instant_and_days_at_the_local_day(fault_store: Store) -> None:
    _add_reference_and_visitors(fault_store, [], ["2026-03-01", "2026-03-02"])
    now = WEEK_START + DAY + 30 * 60  # 2026-03-03 00:30 local: cutoff 2026-03-02 00:30 local
    deleted = retention(fault_store, 1, now=now)
    assert deleted == SECTORS + 1, "the 00:00 slot of every sector, and the visitors of the day before the cutoff"
    assert fault_store.scalar("SELECT min(slot) FROM observations") == WEEK_START + 30 * 60
    assert fault_store.query("SELECT day FROM unique_visitors") == [{"day": "2026-03-02"}]


# -- disk full -------------------------------------------------------------------------------------------
def test_space_error_says_how_much_space_is_needed(tmp_path: Path) -> None:
    full = space_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), tmp_path, 52_400_000, "back up the database")
    assert "not enough disk space" in str(full) and "52.4 MB" in str(full)
    sqlite_full = sqlite3.OperationalError("database or disk is full")
    sqlite_full.sqlite_errorcode = 13  # type: ignore[attr-defined]
    assert "not enough disk space" in str(space_error(sqlite_full, tmp_path, 1_000_000, "restore the backup"))


def _limit_file_size(limit: int) -> None:
    """In the child: writes past `limit` bytes fail with EFBIG instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_backup_that_cannot_be_written_fails_cleanly(fault_store: Store) -> None:
    good = backup(fault_store, keep=7, now=WEEK_START)
    checkpoint_and_close(fault_store)
    data_dir = fault_store.path.parent
    done = run_vigie(data_dir, "backup", preexec_fn=lambda: _limit_file_size(64 * 1024))
    assert done.returncode != 0
    assert "Error: could not write in" in done.stderr and "MB is needed" in done.stderr
    assert "Traceback" not in done.stderr
    assert [p.name for p in (data_dir / "backups").iterdir()] == [good.name], "no partial file, nothing rotated"
    assert integrity(fault_store.path) == "ok"


def test_backup_on_a_full_disk_says_how_much_space_is_needed(fault_store: Store, tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a small private tmpfs")
    checkpoint_and_close(fault_store)
    small = tmp_path / "small"
    small.mkdir()
    mount = f"mount -t tmpfs -o size=64k tmpfs {small}"
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", mount], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a private tmpfs here: {probe.stderr.strip()}")
    script = f"{mount} && exec {sys.executable} -m vigie backup --dest {small}"
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, env=cli_env(fault_store.path.parent),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "not enough disk space" in done.stderr and "MB is needed" in done.stderr
    assert "Traceback" not in done.stderr


# -- command line -------------------------------------------------------------------------------------------
def test_cli_backup_list_restore_and_retention(fault_store: Store) -> None:
    data_dir = fault_store.path.parent
    env = {k: v for k, v in cli_env(data_dir).items() if k.startswith("VIGIE_")}
    runner = CliRunner()
    made = runner.invoke(main, ["backup", "--keep", "2"], env=env)
    assert made.exit_code == 0 and "backup written:" in made.output
    listed = runner.invoke(main, ["backup", "list"], env=env)
    assert listed.exit_code == 0 and list_backups(data_dir / "backups")[0].path.name in listed.output
    fault_store.close()
    restored = runner.invoke(main, ["backup", "restore"], env=env)
    assert restored.exit_code == 0, restored.output
    assert "previous file kept as" in restored.output and "replaced-" in restored.output
    kept = runner.invoke(main, ["retention", "--days", "0"], env=env)
    assert kept.exit_code == 0 and "all data is kept" in kept.output
    purged = runner.invoke(main, ["retention", "--days", "30"], env=env)
    deleted = re.search(r"deleted (\d+) rows", purged.output)
    # the observations of the two old days, plus old event flags the CLI's start loaded again
    assert purged.exit_code == 0 and deleted and int(deleted.group(1)) >= 2 * SLOTS_PER_DAY * SECTORS
    assert Store(data_dir / "vigie.db").scalar("SELECT count(*) FROM observations") == 0
    audit = Store(data_dir / "vigie.db").query("SELECT action FROM audit ORDER BY id")
    assert [r["action"] for r in audit][-2:] == ["backup.restore", "retention"]


def test_cli_without_database_or_backup_explains(tmp_path: Path) -> None:
    env = {"VIGIE_DATA_DIR": str(tmp_path / "empty"), "VIGIE_FEED": "none"}
    runner = CliRunner()
    made = runner.invoke(main, ["backup"], env=env)
    assert made.exit_code != 0 and "run `python -m vigie init` first" in made.output
    restored = runner.invoke(main, ["backup", "restore"], env=env)
    assert restored.exit_code != 0 and "no backup found" in restored.output
