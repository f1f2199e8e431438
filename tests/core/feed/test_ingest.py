"""Ingestion: idempotent, atomic (kill -9), upserting corrections, DST-safe, round trip with the simulator."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from vigie.config import Settings
from vigie.runtime.bootstrap import init_database
from vigie.feed.formats import BatchTooLarge, observations_csv, visitors_csv
from vigie.feed.ingest import ingest_bytes, ingest_file, ingest_tables
from vigie.feed.simulator import Simulator
from vigie.slots import iso_z, local_day_bounds
from vigie.store import Store
from tests.factories import ROOT

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
NOW = 1_800_000_000  # 2027-01-15


def _table(store: Store) -> list[tuple[object, ...]]:
    return store.db.execute("SELECT sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, "
                            "entries FROM observations ORDER BY sector_code, slot").fetchall()


def test_same_file_twice_changes_nothing(store: Store, settings: Settings, sim: Simulator) -> None:
    start, _ = local_day_bounds(date(2026, 7, 14))
    data = observations_csv(sim.generate(start, start + 6 * 3600)).encode()
    first = ingest_bytes(store, data, "op", settings, now=NOW)
    content = _table(store)
    second = ingest_bytes(store, data, "op", settings, now=NOW)
    assert first.status == "accepted" and first.inserted == 12 * 134
    assert second.status == "duplicate" and second.duplicates == first.rows and second.inserted == 0
    assert _table(store) == content
    assert [r["status"] for r in store.query("SELECT status FROM feed_batches ORDER BY id")] == ["accepted", "duplicate"]


def test_resent_slot_with_new_values_is_a_correction(store: Store, settings: Settings) -> None:
    lines = ["13001,2026-07-14T18:00:00Z,1000,600,200,100,100,50", "13002,2026-07-14T18:00:00Z,500,400,50,25,25,10"]
    ingest_bytes(store, f"{HEADER}\n{lines[0]}\n{lines[1]}\n".encode(), "op", settings, now=NOW)
    corrected = "13001,2026-07-14T18:00:00Z,1100,700,200,100,100,60"
    result = ingest_bytes(store, f"{HEADER}\n{corrected}\n{lines[1]}\n".encode(), "op", settings, now=NOW)
    assert (result.status, result.inserted, result.updated, result.duplicates) == ("accepted", 0, 1, 1)
    rows = store.query("SELECT sector_code, present, entries, batch_id FROM observations ORDER BY sector_code")
    assert [(r["present"], r["entries"]) for r in rows] == [(1100, 60), (500, 10)]
    assert rows[0]["batch_id"] == result.batch_id and rows[1]["batch_id"] != result.batch_id


def test_health_follows_each_batch(store: Store, settings: Settings) -> None:
    ok = f"{HEADER}\n13001,2026-07-14T18:00:00Z,1000,600,200,100,100,50\n".encode()
    ingest_bytes(store, ok, "op", settings, now=NOW)
    ingest_bytes(store, f"{HEADER}\n13001,2026-07-14T17:00:00Z,1,1,0,0,0,x\n".encode(), "op", settings, now=NOW + 60)
    row = store.query("SELECT * FROM feed_health WHERE source = 'op'")[0]
    assert row["last_slot"] == 1784052000 and row["last_received_at"] == NOW
    assert row["last_error"].startswith("batch rejected (1 problem(s)): line 2, entries:")


def test_dst_days_keep_every_slot(store: Store, settings: Settings, sim: Simulator) -> None:
    for day, expected in ((date(2026, 3, 29), 46), (date(2026, 10, 25), 50)):
        start, end = local_day_bounds(day)
        table = sim.generate(start, end)
        assert len(np.unique(table.slots)) == expected
        result = ingest_bytes(store, observations_csv(table).encode(), "op", settings, now=NOW)
        assert result.inserted == expected * 134
        stored = store.scalar("SELECT count(DISTINCT slot) FROM observations WHERE slot >= ? AND slot < ?", [start, end])
        assert stored == expected
        assert store.scalar("SELECT count(*) FROM observations WHERE slot >= ? AND slot < ?", [start, end]) == expected * 134


def test_simulated_export_ingests_back_exactly(store: Store, settings: Settings, sim: Simulator) -> None:
    start, end = local_day_bounds(date(2026, 10, 25))
    table = sim.generate(start, end)
    result = ingest_bytes(store, observations_csv(table).encode(), "op", settings, now=NOW)
    assert result.status == "accepted"
    expected = sorted(zip(table.sectors, table.slots.tolist(), *table.counts.T.tolist()))
    assert _table(store) == expected
    visitors = sim.daily_visitors(date(2026, 10, 25))
    ingest_bytes(store, visitors_csv(visitors).encode(), "op", settings, now=NOW)
    stored = store.query("SELECT sector_code, unique_visitors FROM unique_visitors WHERE day = '2026-10-25' ORDER BY sector_code")
    assert [(r["sector_code"], r["unique_visitors"]) for r in stored] == list(zip(visitors.sectors, visitors.values.tolist()))


def test_fast_path_stores_what_the_text_path_stores(settings: Settings, tmp_path: Path, sim: Simulator) -> None:
    start, _ = local_day_bounds(date(2026, 7, 18))
    table = sim.generate(start, start + 3 * 3600)
    text_store = init_database(settings)
    ingest_bytes(text_store, observations_csv(table).encode(), "op", settings, now=NOW)
    other = replace(settings, data_dir=str(tmp_path / "other"))
    fast_store = init_database(other)
    assert ingest_tables(fast_store, "op", other, table, now=NOW).status == "accepted"
    assert _table(fast_store) == _table(text_store)
    assert ingest_tables(fast_store, "op", other, table, now=NOW).status == "duplicate"


def test_unique_visitors_in_the_future_are_refused(store: Store, settings: Settings) -> None:
    data = f"sector_id,day,unique_visitors\n13001,{date(2027, 1, 17).isoformat()},5\n13001,2027-01-15,5\n".encode()
    result = ingest_bytes(store, data, "op", settings, now=NOW)
    assert [(p.line, p.code) for p in result.problems] == [(2, "future")]


def test_too_large_batches_are_refused_before_parsing(store: Store, settings: Settings, tmp_path: Path) -> None:
    small = replace(settings, max_upload_mb=1)
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 1_000_001)
    with pytest.raises(BatchTooLarge, match="split it"):
        ingest_file(store, path, "op", small)
    with pytest.raises(BatchTooLarge):
        ingest_bytes(store, path.read_bytes(), "op", small)
    assert store.scalar("SELECT count(*) FROM feed_batches") == 0


KILL_SCRIPT = """
import sys, time
from pathlib import Path
from vigie.config import load_settings
from vigie.store import Store
from vigie.feed.ingest import ingest_bytes
settings = load_settings({"data_dir": sys.argv[1], "feed": "none", "max_upload_mb": 200})
store = Store(settings.db_path)
data = Path(sys.argv[2]).read_bytes()
print("ready", flush=True)
result = ingest_bytes(store, data, "kill", settings, now=1_800_000_000)
print("done", result.status, flush=True)
"""


def _big_csv(path: Path, rows: int) -> None:
    codes = [line.split(",")[0] for line in (ROOT / "data/sectors/13-profiles.csv").read_text().splitlines()[1:]]
    slot0 = 1_700_000_000 // 1800 * 1800
    with path.open("w") as out:
        out.write(HEADER + "\n")
        for k in range(rows // len(codes) + 1):
            when = iso_z(slot0 + 1800 * k)
            out.writelines(f"{code},{when},1000,600,200,100,100,50\n" for code in codes)


def test_kill_9_mid_batch_leaves_nothing(settings: Settings, tmp_path: Path) -> None:
    store = init_database(settings)
    store.close()
    data = tmp_path / "big.csv"
    _big_csv(data, 400_000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(settings.data_path), str(data)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    wal = Path(str(settings.db_path) + "-wal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 2_000_000:  # the batch transaction is spilling pages
            break
        time.sleep(0.002)
    killed_mid_way = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    check = Store(settings.db_path)
    assert check.scalar("PRAGMA integrity_check") == "ok"
    rows = check.scalar("SELECT count(*) FROM observations")
    assert rows in (0, 400_000 // 134 * 134 + 134)
    if killed_mid_way:
        assert rows == 0
        assert check.scalar("SELECT count(*) FROM feed_batches WHERE status = 'accepted'") == 0
    assert killed_mid_way, "the batch finished before the kill; make it bigger"


def test_query_helper_gives_local_times(store: Store, settings: Settings, sim: Simulator) -> None:
    from vigie.feed.observations import latest_slot, observations_between, slot_totals

    start, end = local_day_bounds(date(2026, 10, 25))
    ingest_bytes(store, observations_csv(sim.generate(start, end)).encode(), "op", settings, now=NOW)
    rows = observations_between(store, start, end, ["13001"])
    assert len(rows) == 50 and rows[0]["sector_code"] == "13001"
    assert rows[0]["local"] == "2026-10-25T00:00:00+02:00" and rows[-1]["local"] == "2026-10-25T23:30:00+01:00"
    assert [r["local"][11:16] for r in rows].count("02:00") == 2, "02:00 happens twice on the autumn DST day"
    totals = slot_totals(store, start, end)
    assert len(totals) == 50 and all(t["sectors"] == 134 for t in totals)
    assert latest_slot(store) == end - 1800
