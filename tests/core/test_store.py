from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vigie.store import CorruptDatabase, Store, _split_sql, migration_files


def test_migrations_apply_once_and_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "v.db")
    applied = store.migrate()
    assert applied == [name for name, _ in migration_files()]
    assert applied == sorted(applied)
    assert store.migrate() == []
    assert {"sectors", "users", "sessions", "audit", "observations", "feed_batches"} <= set(store.db.table_names())


def test_pragmas(tmp_path: Path) -> None:
    store = Store(tmp_path / "v.db")
    store.migrate()
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA busy_timeout") == 5000


def test_write_is_all_or_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "v.db")
    store.migrate()
    with pytest.raises(RuntimeError):
        with store.write() as tx:
            tx.execute("INSERT INTO meta VALUES ('a', '1')")
            raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM meta") == 0
    with store.write() as tx:
        tx.execute("INSERT INTO meta VALUES ('a', '1')")
        with store.write() as inner:  # nested: a savepoint
            inner.execute("INSERT INTO meta VALUES ('b', '2')")
    assert store.scalar("SELECT count(*) FROM meta") == 2


def test_audit_is_append_only(tmp_path: Path) -> None:
    from vigie.identity import audit

    store = Store(tmp_path / "v.db")
    store.migrate()
    audit.record(store, "login", username="bob\nFAKE 2026 admin login ok", outcome="ok")
    row = audit.recent(store)[0]
    assert "\n" not in row["username"]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE audit SET outcome = 'x'")


def test_corrupted_file_gives_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(CorruptDatabase, match="backup restore"):
        Store(path).migrate()


def test_split_keeps_trigger_bodies() -> None:
    sql = "CREATE TABLE t(a);\nCREATE TRIGGER x BEFORE DELETE ON t\nBEGIN SELECT 1; SELECT 2; END;\n"
    assert len(_split_sql(sql)) == 2


def test_a_snapshot_sees_one_state_and_refuses_writes(tmp_path: Path) -> None:
    from tests.factories import make_store

    store = make_store(tmp_path)[0]
    other = Store(store.path)
    store.set_meta("probe", "before")
    with store.snapshot():
        assert store.get_meta("probe") == "before"
        other.set_meta("probe", "after")       # another connection commits meanwhile
        assert store.get_meta("probe") == "before"
        with pytest.raises(RuntimeError, match="inside Store.snapshot"):
            store.set_meta("probe", "inside")
    assert store.get_meta("probe") == "after"
