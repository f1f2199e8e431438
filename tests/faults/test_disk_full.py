"""Disk full during ingestion: the batch fails with a message about the disk, and nothing of it is stored.

Without root, a full disk is simulated with RLIMIT_FSIZE in the ingesting process: SIGXFSZ is
ignored, so any write past the limit fails with EFBIG, exactly where SQLite would meet ENOSPC.
"""
from __future__ import annotations

import re
import resource
import signal
from pathlib import Path

from tests.faults.support import DAY, SECTORS, WEEK_START, count_rows, run_vigie, simulated
from vigie.runtime.backup import integrity
from vigie.config import Settings
from vigie.feed.formats import observations_csv
from vigie.store import Store

FILE_LIMIT = 512 * 1024  # far less than the ~2 MB of WAL the big batch needs


def _small_disk() -> None:
    """In the child: writes past FILE_LIMIT bytes fail (EFBIG) instead of killing the process."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def test_ingestion_on_a_full_disk_keeps_the_database_whole(fault_store: Store, fault_settings: Settings,
                                                           tmp_path: Path) -> None:
    big_start = WEEK_START + 2 * DAY
    big = tmp_path / "big.csv"
    big.write_text(observations_csv(simulated(fault_settings, big_start, 3)), encoding="utf-8")
    before = count_rows(fault_store.path)
    fault_store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fault_store.close()

    done = run_vigie(fault_store.path.parent, "ingest", "--source", "operator", str(big), preexec_fn=_small_disk)

    assert done.returncode != 0
    assert re.search(r"disk|space|file size|too large", done.stderr, re.IGNORECASE), done.stderr[-2000:]
    assert integrity(fault_store.path) == "ok"
    assert count_rows(fault_store.path) == before == 2 * 48 * SECTORS
    assert count_rows(fault_store.path, "SELECT count(*) FROM observations WHERE slot >= ?", [big_start]) == 0
    assert count_rows(fault_store.path, "SELECT count(*) FROM feed_batches WHERE source = 'operator' "
                                        "AND status = 'accepted'") == 0

    again = run_vigie(fault_store.path.parent, "ingest", "--source", "operator", str(big))
    assert again.returncode == 0, again.stderr
    assert count_rows(fault_store.path, "SELECT count(*) FROM observations WHERE slot >= ?", [big_start]) == 3 * 48 * SECTORS
