"""The SQLite store: one file, versioned migrations, one writer at a time, many readers.

Connections are per thread (sqlite3 objects must not cross threads). Writes go through
`Store.write()`, which opens `BEGIN IMMEDIATE` so a batch is all or nothing and two
writers queue on the lock (busy_timeout) instead of failing half-way.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from vigie.errors import VigieError

BUSY_TIMEOUT_MS = 5000


class StoreError(VigieError, RuntimeError):
    """The database cannot be used; the message says what to do."""


class CorruptDatabase(StoreError):
    """The database file is damaged."""


class StorageFull(StoreError):
    """A write failed because the disk (or the file-size limit) is full; nothing of it was kept."""


def _write_failure(path: Path, exc: sqlite3.Error) -> StoreError | None:
    """A named error for a write that failed for lack of space or an I/O fault, else None."""
    text = str(exc).lower()
    if "full" in text or "disk i/o error" in text:
        return StorageFull(
            f"could not write to {path} ({exc}): the disk is probably full. Nothing of this batch was kept; "
            "free some space (or move VIGIE_DATA_DIR) and send it again")
    return None


def migration_files() -> list[tuple[str, str]]:
    """Return (name, sql) for every migration shipped in vigie/migrations, in order."""
    folder = resources.files("vigie") / "migrations"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(name, (folder / name).read_text(encoding="utf-8")) for name in names]


class Store:
    """A Vigie database file with per-thread connections."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._local = threading.local()

    # -- connections ---------------------------------------------------------------
    def _connect(self) -> sqlite_utils.Database:
        if self.readonly:
            uri = f"file:{self.path}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not self.readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        return sqlite_utils.Database(conn)

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection (opened on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                db = self._connect()
            except sqlite3.DatabaseError as exc:
                raise CorruptDatabase(
                    f"{self.path} is not a usable database ({exc}); "
                    "restore the last backup with `python -m vigie backup restore`"
                ) from exc
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction (BEGIN IMMEDIATE); nested calls become savepoints."""
        db = self.db
        if self.in_snapshot:
            raise RuntimeError("Store.write() inside Store.snapshot(): write after the reads, once the snapshot ends")
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.conn.execute("COMMIT")
        except BaseException as exc:
            if db.conn.in_transaction:
                try:
                    db.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the failed write already ended the transaction
            named = _write_failure(self.path, exc) if isinstance(exc, sqlite3.OperationalError) else None
            if named is not None:
                raise named from exc
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that all see one state of the database, however many writers commit meanwhile.

        A read transaction: WAL keeps its state for it while the writers go on. Nested calls,
        or a call inside a write, use the transaction already open. Write nothing inside it.
        """
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN DEFERRED")
        self._local.snapshot = True
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the state is taken at the first read
            yield
        finally:
            self._local.snapshot = False
            if conn.in_transaction:
                conn.execute("COMMIT")

    @property
    def in_snapshot(self) -> bool:
        """Whether this thread is inside `snapshot()` (where nothing may be written)."""
        return bool(getattr(self._local, "snapshot", False))

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """Run a parameterised SELECT and return rows as dicts."""
        return list(self.db.query(sql, params))

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- schema ----------------------------------------------------------------------
    def applied_migrations(self) -> list[str]:
        if "schema_migrations" not in self.db.table_names():
            return []
        return [r["name"] for r in self.db.query("SELECT name FROM schema_migrations ORDER BY name")]

    def migrate(self) -> list[str]:
        """Apply the migrations not applied yet, each in its own transaction; return their names."""
        self.check_integrity()
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = set(self.applied_migrations())
        applied = []
        for name, sql in migration_files():
            if name in done:
                continue
            with self.write() as tx:
                # Another process (a second gunicorn worker) may have applied it meanwhile.
                if tx.execute("SELECT 1 FROM schema_migrations WHERE name = ?", [name]).fetchone():
                    continue
                for statement in _split_sql(sql):
                    tx.execute(statement)
                tx.execute("INSERT INTO schema_migrations VALUES (?, datetime('now'))", [name])
            applied.append(name)
        return applied

    def check_integrity(self) -> None:
        """Raise CorruptDatabase when the file is not a healthy SQLite database."""
        if not self.path.exists():
            return
        try:
            result = self.db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise CorruptDatabase(
                f"{self.path} is not a usable database ({exc}); "
                "restore the last backup with `python -m vigie backup restore`"
            ) from exc
        if result != "ok":
            raise CorruptDatabase(
                f"{self.path} failed its integrity check ({result}); "
                "restore the last backup with `python -m vigie backup restore`"
            )

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", [key])
        return default if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as tx:
            tx.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StoreError(f"incomplete SQL statement in a migration: {buffer.strip()[:80]}")
    return statements
