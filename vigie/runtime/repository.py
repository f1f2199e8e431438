"""The runtime's one gateway to the store: setting up the sectors table, and the database file's upkeep.

Backups copy the whole file (`VACUUM INTO`) and check copies with `PRAGMA integrity_check`;
retention deletes old rows of every domain's dated tables, chunk by chunk. These are the
operations on the database as a file, not on one domain's tables, so they live here.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from vigie.store import Store


def save_sectors(store: Store, rows: list[dict[str, Any]]) -> None:
    """Create or update the sectors of the catalogue (dicts of the sectors table's columns)."""
    with store.write() as tx:
        tx.table("sectors").upsert_all(rows, pk="code")


def holds_usual_values(store: Store) -> bool:
    """Whether any usual value is materialised."""
    return bool(store.scalar("SELECT 1 FROM reference LIMIT 1"))


# -- the database file ------------------------------------------------------------------------------
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


def used_bytes(store: Store) -> int:
    """Bytes of the database's pages in use: what a VACUUM INTO copy needs at most."""
    pages = store.scalar("PRAGMA page_count") - store.scalar("PRAGMA freelist_count")
    return int(pages) * int(store.scalar("PRAGMA page_size"))


def in_transaction(store: Store) -> bool:
    """Whether this thread's connection is inside a transaction."""
    return bool(store.db.conn.in_transaction)


def copy_to(store: Store, path: Path) -> None:
    """A consistent copy of the database at `path` (VACUUM INTO; does not block the writer in WAL mode)."""
    store.db.execute("VACUUM INTO ?", [str(path)])


def table_names(store: Store) -> set[str]:
    """The tables of the database."""
    return set(store.db.table_names())


def delete_sector_rows_before(store: Store, table: str, column: str, code: str, cutoff: int | str, chunk: int) -> int:
    """Delete up to `chunk` rows of one sector older than cutoff, in one short transaction; return how many."""
    with store.write() as tx:
        cursor = tx.execute(
            f"DELETE FROM {table} WHERE sector_code = ? AND {column} IN "
            f"(SELECT {column} FROM {table} WHERE sector_code = ? AND {column} < ? ORDER BY {column} LIMIT ?)",
            [code, code, cutoff, chunk])
        return int(cursor.rowcount)


def delete_unused_batches_before(store: Store, cutoff: int, chunk: int) -> int:
    """Delete up to `chunk` rejected or duplicate batch records received before cutoff; return how many."""
    with store.write() as tx:
        return int(tx.execute(
            "DELETE FROM feed_batches WHERE id IN (SELECT id FROM feed_batches "
            "WHERE status != 'accepted' AND received_at < ? ORDER BY id LIMIT ?)", [cutoff, chunk]).rowcount)
