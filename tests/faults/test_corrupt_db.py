"""A damaged database file: `init` refuses with a one-line hint, `backup restore` brings the last good copy back."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Callable

import pytest

from server.context import vigie
from tests.faults.support import SECTORS, fault_overrides, run_vigie
from vigie.runtime.backup import integrity
from vigie.store import Store

EXPECTED_ROWS = 2 * 48 * SECTORS


def overwrite_header(path: Path) -> None:
    """Replace the first 100 bytes (the SQLite header) with text."""
    with open(path, "r+b") as fh:
        fh.write(b"garbage!" * 13)


def scramble_middle(path: Path) -> None:
    """Write 64 KiB of random bytes in the middle of the file (b-tree pages of observations)."""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(random.Random(13).randbytes(64 * 1024))


@pytest.fixture
def backed_up(fault_store: Store) -> Path:
    """A data folder whose database holds two days of data and has one backup taken by the CLI."""
    data_dir = fault_store.path.parent
    made = run_vigie(data_dir, "backup")
    assert made.returncode == 0, made.stderr
    fault_store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fault_store.close()
    return data_dir


@pytest.mark.parametrize("damage", [overwrite_header, scramble_middle], ids=["header", "middle"])
def test_damaged_database_is_refused_then_restored(backed_up: Path, damage: Callable[[Path], None]) -> None:
    db = backed_up / "vigie.db"
    damage(db)
    damaged = db.read_bytes()
    assert integrity(db) != "ok"

    refused = run_vigie(backed_up, "init")
    assert refused.returncode != 0
    message = refused.stderr.strip()
    assert "\n" not in message and "Traceback" not in message, message
    assert message.startswith("Error: ") and "backup restore" in message

    restored = run_vigie(backed_up, "backup", "restore")
    assert restored.returncode == 0, restored.stderr
    kept = sorted(backed_up.glob("vigie.db.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged, "the damaged file is kept, never deleted"
    assert integrity(db) == "ok"

    from app import create_app

    app = create_app(fault_overrides(backed_up))
    store: Store = vigie(app.server).store
    assert store.scalar("SELECT count(*) FROM observations") == EXPECTED_ROWS
    health = app.server.test_client().get("/healthz").get_json()
    assert health["database"] == "ok", health
