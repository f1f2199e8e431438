"""Drop folder: operators write `x.csv.part`, then rename it `x.csv`; Vigie ingests it.

Only `*.csv` files are read (never `*.part`). An accepted file (or an exact duplicate)
moves to DIR/archive/; a rejected one to DIR/quarantine/ with `<name>.errors.txt` next to
it giving every reason in French then English. Nothing of a rejected file is stored.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from vigie.config import Settings
from vigie.feed.formats import BatchTooLarge
from vigie.feed.ingest import IngestResult, ingest_file, problems_text
from vigie.runtime.batches import refresh_reference
from vigie.store import StorageFull, Store

SOURCE = "csv"


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one dropped file."""

    name: str
    status: str
    moved_to: Path
    result: IngestResult | None = None


log = logging.getLogger("vigie.feed")


def pending_files(folder: Path) -> list[Path]:
    """The `*.csv` files waiting in the folder, oldest name first."""
    return sorted(p for p in Path(folder).glob("*.csv") if p.is_file())


def scan_folder(store: Store, folder: Path, settings: Settings, now: float | None = None,
                source: str = SOURCE) -> list[FileOutcome]:
    """Ingest every pending file, then archive or quarantine it."""
    outcomes = []
    for path in pending_files(folder):
        try:
            result = ingest_file(store, path, source, settings, now=now)
            refresh_reference(store, result, settings)
        except BatchTooLarge as exc:
            text = f"{exc.message('fr')}\n\n{exc.message('en')}\n"
            outcomes.append(FileOutcome(path.name, "rejected", _quarantine(path, text)))
            continue
        except StorageFull as exc:
            log.error("drop folder: %s left in place, will be retried: %s", path.name, exc)
            break  # the disk is full: keep the file where it is and try again at the next scan
        if result.ok:
            outcomes.append(FileOutcome(path.name, result.status, _move(path, Path(folder) / "archive"), result))
        else:
            outcomes.append(FileOutcome(path.name, "rejected", _quarantine(path, problems_text(result)), result))
    return outcomes


def _quarantine(path: Path, reasons: str) -> Path:
    """Move a refused file to quarantine/ and write its reasons beside it."""
    target = _move(path, path.parent / "quarantine")
    target.with_name(target.name + ".errors.txt").write_text(reasons, encoding="utf-8")
    return target


def _move(path: Path, folder: Path) -> Path:
    """Move a file into folder, never overwriting an earlier file of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 1_000_000:06d}{path.suffix}"
    return path.replace(target)
