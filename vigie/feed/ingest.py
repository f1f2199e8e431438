"""The one ingestion path: CLI, drop folder, HTTP API and the simulator all end here.

A batch is validated whole (form in `formats`, meaning here), then written in ONE
`store.write()` transaction: all of it or none of it (kill -9 included). A batch whose
sha256 was already accepted is reported as a duplicate and changes nothing. Re-sending a
(sector, slot) with new values updates it (operators correct their data); rows whose
values are unchanged keep their original batch_id.
"""
from __future__ import annotations

import hashlib
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import sqlite_utils

from vigie.config import Settings
from vigie.feed.formats import (
    COUNT_COLUMNS,
    SEGMENTS,
    BatchTooLarge,
    ObservationTable,
    Problem,
    ProblemLog,
    VisitorTable,
    parse_batch,
)
from vigie.slots import iso_z, local_day
from vigie.store import Store, StoreError
from vigie import sectors as sector_table

YEAR_2000 = 946_684_800
_SEGMENTS = [COUNT_COLUMNS.index(c) for c in SEGMENTS]
_PRESENT = COUNT_COLUMNS.index("present")

_UPSERT_OBSERVATION = (
    "INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, "
    "entries, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sector_code, slot) DO UPDATE SET "
    "present = excluded.present, residents = excluded.residents, tourists_fr = excluded.tourists_fr, "
    "tourists_intl = excluded.tourists_intl, excursionists = excluded.excursionists, entries = excluded.entries, "
    "batch_id = excluded.batch_id"
)
_INSERT_OBSERVATION = (
    "INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, "
    "entries, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {batch_id})"
)
_UPSERT_VISITORS = (
    "INSERT INTO unique_visitors(sector_code, day, unique_visitors, batch_id) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(sector_code, day) DO UPDATE SET unique_visitors = excluded.unique_visitors, batch_id = excluded.batch_id"
)


@dataclass(frozen=True)
class IngestLimits:
    """The settings ingestion obeys."""

    slot_minutes: int
    future_tolerance_minutes: int
    max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "IngestLimits":
        return cls(settings.slot_minutes, settings.future_tolerance_minutes, settings.max_upload_mb * 1_000_000)


@dataclass(frozen=True)
class IngestResult:
    """Outcome of one batch: accepted, duplicate (same bytes already accepted) or rejected."""

    batch_id: int | None
    status: str
    rows: int
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    source: str = ""
    first_slot: int | None = None
    last_slot: int | None = None

    @property
    def ok(self) -> bool:
        """True when the batch is in the database (accepted now or before)."""
        return self.status in ("accepted", "duplicate")

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form; with lang, each problem carries a single `message`."""
        problems = [p.to_dict() if lang is None else
                    {"line": p.line, "column": p.column, "code": p.code, "message": p.message(lang)}
                    for p in self.problems]
        return {"batch_id": self.batch_id, "status": self.status, "rows": self.rows, "inserted": self.inserted,
                "updated": self.updated, "duplicates": self.duplicates, "problem_count": self.problem_count,
                "problems": problems, "source": self.source,
                "first_slot": None if self.first_slot is None else iso_z(self.first_slot),
                "last_slot": None if self.last_slot is None else iso_z(self.last_slot)}

    def report(self, lang: str = "en") -> list[str]:
        """Human lines: a summary, then one line per problem (and how many were left out)."""
        if self.status == "rejected":
            head = (f"lot refusé : {self.problem_count} problème(s)" if lang == "fr"
                    else f"batch rejected: {self.problem_count} problem(s)")
            lines = [head] + [p.describe(lang) for p in self.problems]
            hidden = self.problem_count - len(self.problems)
            if hidden > 0:
                lines.append(f"... et {hidden} autre(s)" if lang == "fr" else f"... and {hidden} more")
            return lines
        if self.status == "duplicate":
            return ["lot déjà reçu : rien n'a changé" if lang == "fr" else "batch already received: nothing changed"]
        if lang == "fr":
            return [f"lot accepté : {self.rows} lignes, {self.inserted} nouvelles, {self.updated} corrigées, "
                    f"{self.duplicates} inchangées"]
        return [f"batch accepted: {self.rows} rows, {self.inserted} new, {self.updated} updated, "
                f"{self.duplicates} unchanged"]


# -- validation (shared by every path) ---------------------------------------------------

def known_sectors(store: Store) -> frozenset[str]:
    """Sector codes of the database."""
    return sector_table.known(store)


def validate_observations(table: ObservationTable, known: frozenset[str], limits: IngestLimits, now: float,
                          log: ProblemLog) -> None:
    """Check sectors, slot alignment and window, duplicates and segment sums."""
    if len(table) == 0:
        return
    _check_sectors(table.sectors, table.lines, known, log)
    usable = table.slot_ok if table.slot_ok is not None else np.ones(len(table), bool)
    lines, slots = table.lines[usable], table.slots[usable]
    if len(slots) == 0:
        _check_segments(table, log)
        return
    step = limits.slot_minutes * 60
    _flag(log, lines, slots, slots % step != 0, "misaligned", expected=limits.slot_minutes)
    tolerance = limits.future_tolerance_minutes * 60
    _flag(log, lines, slots, slots > now + tolerance, "future", expected=limits.future_tolerance_minutes)
    _flag(log, lines, slots, slots < YEAR_2000, "too_old")
    sectors = table.sectors if table.slot_ok is None else [s for s, ok in zip(table.sectors, usable) if ok]
    codes = {c: i for i, c in enumerate(sorted(set(sectors)))}
    ids = np.fromiter(map(codes.__getitem__, sectors), np.int64, len(sectors))
    _check_duplicates(ids * (1 << 40) + (slots - slots.min()), lines,
                      lambda i: f"{sectors[i]} {iso_z(int(slots[i]))}", log)
    _check_segments(table, log)


def validate_visitors(table: VisitorTable, known: frozenset[str], limits: IngestLimits, now: float,
                      log: ProblemLog) -> None:
    """Check sectors, day window and duplicates of daily unique visitors."""
    if len(table) == 0:
        return
    _check_sectors(table.sectors, table.lines, known, log)
    usable = table.day_ok if table.day_ok is not None else np.ones(len(table), bool)
    lines = table.lines[usable]
    latest = local_day(now + limits.future_tolerance_minutes * 60).isoformat()
    days = np.array(table.days)[usable]
    if len(days) == 0:
        return
    _flag(log, lines, days, days > latest, "future", expected=limits.future_tolerance_minutes, text=str)
    _flag(log, lines, days, days < "2000-01-01", "too_old", text=str)
    keys = np.array([f"{s} {d}" for s, d, ok in zip(table.sectors, table.days, usable) if ok])
    _check_duplicates(keys, lines, lambda i: str(keys[i]), log)


def _flag(log: ProblemLog, lines: np.ndarray, values: np.ndarray, mask: np.ndarray, code: str,
          text: Any = None, **params: Any) -> None:
    """Report the rows where mask is true, showing each value as text."""
    bad = np.flatnonzero(mask)
    if len(bad):
        show = text or (lambda v: iso_z(int(v)))
        log.add_rows(lines[bad], "slot_start" if text is None else "day", code,
                     lambda i: show(values[bad[i]]), **params)


def _check_sectors(sectors: list[str], lines: np.ndarray, known: frozenset[str], log: ProblemLog) -> None:
    unknown = set(sectors) - known - {""}
    if unknown:
        bad = np.array([i for i, s in enumerate(sectors) if s in unknown], dtype=np.int64)
        log.add_rows(lines[bad], "sector_id", "unknown_sector", [sectors[i][:40] for i in bad.tolist()])


def _check_duplicates(keys: np.ndarray, lines: np.ndarray, label: Any, log: ProblemLog) -> None:
    """Report every repeated key (after its first occurrence), pointing at the first line."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    repeated = np.flatnonzero(ranked[1:] == ranked[:-1]) + 1
    if len(repeated) == 0:
        return
    first_of_run = np.maximum.accumulate(np.where(np.r_[True, ranked[1:] != ranked[:-1]], np.arange(len(ranked)), 0))
    dupes, firsts = order[repeated], order[first_of_run[repeated]]
    for k in np.argsort(lines[dupes], kind="stable")[: log.cap].tolist():
        log.add(int(lines[dupes[k]]), None, "duplicate_key", value=label(int(dupes[k])), expected=int(lines[firsts[k]]))
    log.count += max(0, len(dupes) - log.cap)


def _check_segments(table: ObservationTable, log: ProblemLog) -> None:
    """Where present and the four segments are all given, they must add up."""
    full = ~table.nulls[:, [_PRESENT, *_SEGMENTS]].any(axis=1)
    total = table.counts[:, _SEGMENTS].sum(axis=1)
    present = table.counts[:, _PRESENT]
    bad = np.flatnonzero(full & (total != present))
    if len(bad):
        for i in bad[np.argsort(table.lines[bad], kind="stable")][: log.cap].tolist():
            log.add(int(table.lines[i]), "present", "segments_sum", value=int(total[i]), expected=int(present[i]))
        log.count += max(0, len(bad) - log.cap)


# -- entry points ------------------------------------------------------------------------

def ingest_file(store: Store, path: Path, source: str, settings: Settings, now: float | None = None) -> IngestResult:
    """Ingest a file, refusing it before reading when it is over the size limit."""
    limits = IngestLimits.from_settings(settings)
    size = Path(path).stat().st_size
    if size > limits.max_bytes:
        raise BatchTooLarge(size, limits.max_bytes)
    return ingest_bytes(store, Path(path).read_bytes(), source, settings, now=now)


def ingest_bytes(store: Store, data: bytes, source: str, settings: Settings, now: float | None = None) -> IngestResult:
    """Validate and store one batch (CSV or JSON bytes); raise BatchTooLarge over the limit."""
    limits = IngestLimits.from_settings(settings)
    if len(data) > limits.max_bytes:
        raise BatchTooLarge(len(data), limits.max_bytes)
    now = time.time() if now is None else now
    digest = hashlib.sha256(data).hexdigest()
    earlier = _accepted_batch(store, digest)
    if earlier is not None:
        return _record_duplicate(store, source, digest, earlier, now)
    parsed = parse_batch(data)
    return _validate_and_write(store, source, digest, parsed.observations, parsed.visitors, parsed.problems,
                               limits, now, parsed.rows)


def ingest_tables(store: Store, source: str, settings: Settings, observations: ObservationTable | None = None,
                  visitors: VisitorTable | None = None, now: float | None = None) -> IngestResult:
    """Fast path for typed tables (the simulator): same validation and write, no text parsing."""
    limits = IngestLimits.from_settings(settings)
    now = time.time() if now is None else now
    digest = table_digest(observations, visitors)
    earlier = _accepted_batch(store, digest)
    if earlier is not None:
        return _record_duplicate(store, source, digest, earlier, now)
    rows = len(observations or ()) + len(visitors or ())
    return _validate_and_write(store, source, digest, observations, visitors, ProblemLog(), limits, now, rows)


def table_digest(observations: ObservationTable | None, visitors: VisitorTable | None) -> str:
    """sha256 of typed tables (the fast path's batch identity)."""
    digest = hashlib.sha256(b"vigie-tables-v1")
    if observations is not None:
        digest.update("\n".join(observations.sectors).encode())
        for array in (observations.slots, observations.counts, observations.nulls):
            digest.update(np.ascontiguousarray(array).tobytes())
    if visitors is not None:
        digest.update("\n".join(f"{s} {d}" for s, d in zip(visitors.sectors, visitors.days)).encode())
        digest.update(np.ascontiguousarray(visitors.values).tobytes() + np.ascontiguousarray(visitors.nulls).tobytes())
    return digest.hexdigest()


def _validate_and_write(store: Store, source: str, digest: str, observations: ObservationTable | None,
                        visitors: VisitorTable | None, log: ProblemLog, limits: IngestLimits, now: float,
                        rows: int) -> IngestResult:
    """Semantic checks, then either record the rejection or write the batch atomically."""
    known = known_sectors(store)
    if observations is not None:
        validate_observations(observations, known, limits, now, log)
    if visitors is not None:
        validate_visitors(visitors, known, limits, now, log)
    if log:
        return _record_rejection(store, source, digest, rows, log, now)
    with _foreign_keys_off(store), store.write() as tx:
        if known_sectors(store) != known:
            raise StoreError("the sector catalogue changed during ingestion; send the batch again")
        if _accepted_batch(store, digest) is not None:  # the same batch won a race with this one
            batch_id = _insert_batch(tx, source, digest, now, rows, "duplicate")
            return IngestResult(batch_id, "duplicate", rows, duplicates=rows, source=source)
        batch_id = _insert_batch(tx, source, digest, now, rows, "accepted")
        inserted, updated, unchanged = (a + b for a, b in zip(_write_observations(tx, observations, batch_id),
                                                              _write_visitors(tx, visitors, batch_id)))
        first, last = _slot_span(observations)
        _touch_health(tx, source, last, now, None)
    return IngestResult(batch_id, "accepted", rows, inserted, updated, unchanged, source=source,
                        first_slot=first, last_slot=last)


@contextmanager
def _foreign_keys_off(store: Store) -> Iterator[None]:
    """Skip per-row foreign-key lookups for a batch whose sectors were just checked.

    Sector codes are validated against the sectors table inside the same transaction and
    batch_id is the batch row written first, so the checks are redundant; they cost about
    a third of the insert time. The pragma is a no-op inside an open transaction.
    """
    conn = store.db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _slot_span(table: ObservationTable | None) -> tuple[int | None, int | None]:
    if table is None or len(table) == 0:
        return None, None
    return int(table.slots.min()), int(table.slots.max())


def _accepted_batch(store: Store, digest: str) -> int | None:
    return store.scalar("SELECT id FROM feed_batches WHERE sha256 = ? AND status = 'accepted' ORDER BY id LIMIT 1",
                        [digest])


def _insert_batch(tx: sqlite_utils.Database, source: str, digest: str, now: float, rows: int, status: str,
                  errors: str = "[]") -> int:
    cursor = tx.execute("INSERT INTO feed_batches(source, sha256, received_at, rows, status, errors) VALUES (?, ?, ?, ?, ?, ?)",
                        [source, digest, int(now), rows, status, errors])
    return int(cursor.lastrowid or 0)


def _record_duplicate(store: Store, source: str, digest: str, earlier: int, now: float) -> IngestResult:
    """Log the repeated batch; nothing else changes."""
    rows = store.scalar("SELECT rows FROM feed_batches WHERE id = ?", [earlier]) or 0
    with store.write() as tx:
        batch_id = _insert_batch(tx, source, digest, now, rows, "duplicate")
        _touch_health(tx, source, None, now, None)
    return IngestResult(batch_id, "duplicate", rows, duplicates=rows, source=source)


def _record_rejection(store: Store, source: str, digest: str, rows: int, log: ProblemLog, now: float) -> IngestResult:
    """Keep a trace of the refused batch and its first reasons; no data is written."""
    problems = log.problems
    errors = json.dumps({"count": log.count, "problems": [p.to_dict() for p in problems]}, ensure_ascii=False)
    summary = f"batch rejected ({log.count} problem(s)): {problems[0].describe('en')}"[:500]
    with store.write() as tx:
        batch_id = _insert_batch(tx, source, digest, now, rows, "rejected", errors)
        _touch_health(tx, source, None, now, summary)
    return IngestResult(batch_id, "rejected", rows, problems=problems, problem_count=log.count, source=source)


def _touch_health(tx: sqlite_utils.Database, source: str, last_slot: int | None, now: float, error: str | None) -> None:
    """Upsert feed_health: newest slot (never moves back), received time, last error."""
    received = int(now) if error is None else None
    tx.execute(
        "INSERT INTO feed_health(source, last_slot, last_received_at, last_error, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(source) DO UPDATE SET "
        "last_slot = CASE WHEN excluded.last_slot IS NULL THEN feed_health.last_slot "
        "                 ELSE max(coalesce(feed_health.last_slot, excluded.last_slot), excluded.last_slot) END, "
        "last_received_at = coalesce(excluded.last_received_at, feed_health.last_received_at), "
        "last_error = excluded.last_error, updated_at = excluded.updated_at",
        [source, last_slot, received, error, int(now)],
    )


# -- writing -----------------------------------------------------------------------------

def _nullable(values: np.ndarray, nulls: np.ndarray) -> list[int | None]:
    """Python ints with None where suppressed (what sqlite3 binds)."""
    if not nulls.any():
        return values.tolist()
    column = values.astype(object)
    column[nulls] = None
    return column.tolist()


def _write_observations(tx: sqlite_utils.Database, table: ObservationTable | None, batch_id: int) -> tuple[int, int, int]:
    """Upsert the rows that are new or changed; return (inserted, updated, unchanged)."""
    if table is None or len(table) == 0:
        return 0, 0, 0
    columns = [_nullable(table.counts[:, j], table.nulls[:, j]) for j in range(len(COUNT_COLUMNS))]
    existing = {(r[0], r[1]): tuple(r[2:]) for r in tx.execute(
        "SELECT sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, entries "
        "FROM observations WHERE slot BETWEEN ? AND ?", [int(table.slots.min()), int(table.slots.max())])}
    if not existing:  # the common case: new slots, streamed straight into SQLite, batch id inlined
        tx.conn.executemany(_INSERT_OBSERVATION.format(batch_id=int(batch_id)),
                            zip(table.sectors, table.slots.tolist(), *columns))
        return len(table), 0, 0
    rows = zip(table.sectors, table.slots.tolist(), *columns, repeat(batch_id))
    changed, inserted, unchanged = _split_changes(list(rows), existing)
    tx.conn.executemany(_UPSERT_OBSERVATION, changed)
    return inserted, len(changed) - inserted, unchanged


def _write_visitors(tx: sqlite_utils.Database, table: VisitorTable | None, batch_id: int) -> tuple[int, int, int]:
    """Upsert new or changed daily unique visitors; return (inserted, updated, unchanged)."""
    if table is None or len(table) == 0:
        return 0, 0, 0
    rows = list(zip(table.sectors, table.days, _nullable(table.values, table.nulls), repeat(batch_id)))
    existing = {(r[0], r[1]): (r[2],) for r in tx.execute(
        "SELECT sector_code, day, unique_visitors FROM unique_visitors WHERE day BETWEEN ? AND ?",
        [min(table.days), max(table.days)])}
    changed, inserted, unchanged = _split_changes(rows, existing)
    tx.conn.executemany(_UPSERT_VISITORS, changed)
    return inserted, len(changed) - inserted, unchanged


def _split_changes(rows: Sequence[tuple[Any, ...]], existing: dict[tuple[Any, Any], tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], int, int]:
    """(rows to write, how many of them are new, how many rows are already stored as is).

    Rows end with the batch id, which is not compared.
    """
    fresh, changed, unchanged = [], [], 0
    for row in rows:
        old = existing.get((row[0], row[1]))
        if old is None:
            fresh.append(row)
        elif old == row[2:-1]:
            unchanged += 1
        else:
            changed.append(row)
    return fresh + changed, len(fresh), unchanged


def problems_text(result: IngestResult) -> str:
    """French then English reasons of a rejected batch (the quarantine .errors.txt)."""
    lines = result.report("fr") + [""] + result.report("en")
    return "\n".join(lines) + "\n"


__all__ = ["BatchTooLarge", "IngestLimits", "IngestResult", "ingest_bytes", "ingest_file", "ingest_tables",
           "known_sectors", "problems_text", "table_digest", "validate_observations", "validate_visitors"]
