"""Drop folder: *.part ignored, accepted files archived, refused ones quarantined with their reasons."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vigie.config import Settings
from vigie.store import Store
from vigie.runtime.dropfolder import scan_folder
from tests.factories import FEED_FIXTURES

NOW = 1_800_000_000


def test_drop_folder_archives_and_quarantines(store: Store, settings: Settings, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a-valid.csv").write_bytes((FEED_FIXTURES / "valid.csv").read_bytes())
    (drop / "b-negative.csv").write_bytes((FEED_FIXTURES / "negative.csv").read_bytes())
    (drop / "c-writing.csv.part").write_bytes((FEED_FIXTURES / "valid.csv").read_bytes())
    (drop / "notes.txt").write_text("not a feed file")
    outcomes = scan_folder(store, drop, settings, now=NOW)
    assert [(o.name, o.status) for o in outcomes] == [("a-valid.csv", "accepted"), ("b-negative.csv", "rejected")]
    assert (drop / "archive" / "a-valid.csv").exists()
    assert (drop / "quarantine" / "b-negative.csv").exists()
    reasons = (drop / "quarantine" / "b-negative.csv.errors.txt").read_text(encoding="utf-8")
    assert "ligne 3, excursionists" in reasons and "un effectif ne peut pas être négatif" in reasons
    assert "line 3, excursionists" in reasons and "a count cannot be negative" in reasons
    assert sorted(p.name for p in drop.iterdir()) == ["archive", "c-writing.csv.part", "notes.txt", "quarantine"]
    assert store.scalar("SELECT count(*) FROM observations") == 3


def test_same_file_dropped_again_is_archived_beside_the_first(store: Store, settings: Settings, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for _ in range(2):
        (drop / "x.csv").write_bytes((FEED_FIXTURES / "valid.csv").read_bytes())
        outcome = scan_folder(store, drop, settings, now=NOW)[0]
    assert outcome.status == "duplicate"
    assert len(list((drop / "archive").glob("x*.csv"))) == 2


def test_too_large_file_is_quarantined(store: Store, settings: Settings, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "huge.csv").write_bytes(b"0" * 1_000_001)
    outcome = scan_folder(store, drop, replace(settings, max_upload_mb=1), now=NOW)[0]
    assert outcome.status == "rejected" and outcome.result is None
    assert "split it" in (drop / "quarantine" / "huge.csv.errors.txt").read_text(encoding="utf-8")
