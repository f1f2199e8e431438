"""Issue 12 (items 1-3): no statistic is derived from a withheld count, with or without an exercise overlay."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vigie.training import control, injections
from vigie.training.timeline import after_action_timeline, timeline_text
from vigie.operations.crisis import rank_sectors
from vigie.reference import compute_reference, rebuild_reference, update_reference
from vigie.slots import same_time_weeks_before
from vigie.analysis.situation import SEGMENTS, guard_segments, sector_series, situation_at
from vigie.feed.formats import SEGMENTS
from vigie.store import Store
from tests.factories import WEEK, WITHHELD_AT, WITHHELD_SECTORS, make_settings, make_store

SETTINGS = make_settings()
T = WITHHELD_AT
STEP = 1800
WEEKS_13090 = [14, 779, 790, 800, 810, 820]   # 1..6 weeks before T; 14 is withheld (k = 20)
SHOWN = WEEKS_13090[1:]
LAGS = same_time_weeks_before(T, 6)        # same local wall time (one week is before the DST change)


def write(store: Store, code: str, slot: int, present: int | None, segments: tuple[int, ...] | None = None) -> None:
    """One observation row; segments default to all residents."""
    parts = segments if segments is not None else (present, 0, 0, 0)
    with store.write() as tx:
        tx.conn.execute("INSERT OR REPLACE INTO observations(sector_code, slot, present, residents, tourists_fr, "
                        "tourists_intl, excursionists, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [code, slot, present, *parts, None])


@pytest.fixture
def small_counts(tmp_path: Path) -> Store:
    """13090 with a withheld week in its baseline; 13008 with two small segments; flat 13001."""
    db, _ = make_store(tmp_path, sectors=WITHHELD_SECTORS)
    for lag, value in zip(LAGS, WEEKS_13090):
        write(db, "13090", lag, value)
        write(db, "13008", lag, 832, (473, 22, 14, 323))
        write(db, "13001", lag, 1000)
    for slot in (T - 3600, T - 1800):
        write(db, "13090", slot, 800)
        write(db, "13008", slot, 832, (473, 22, 14, 323))
        write(db, "13001", slot, 1000)
    write(db, "13090", T, 800)
    write(db, "13008", T, 832, (473, 22, 14, 323))
    write(db, "13001", T, 1000)
    return db


BAND = ("usual", "spread", "p10", "p90")


def _band(store: Store) -> dict[str, Any]:
    """What the situation serves about 13090 at T: usual, spread, band, days compared."""
    s = situation_at(store, T, SETTINGS, now=T).by_code()["13090"]
    return {"usual": s.usual, "spread": s.spread, "p10": s.p10, "p90": s.p90, "n": s.n}


# -- item 1: usual value and band -----------------------------------------------------------------
def test_the_model_takes_nothing_from_a_count_below_k(small_counts: Store) -> None:
    """Any count below k (or none at all) in the withheld week gives the same statistics, to the bit."""
    seen = []
    for hidden in (14, 0, 19, None):
        write(small_counts, "13090", LAGS[0], hidden)
        stats = compute_reference(small_counts, [T], ["13090"], 20)
        seen.append({key: float(stats[key][0, 0]) for key in BAND})
    assert all(s == seen[0] for s in seen), seen
    write(small_counts, "13090", LAGS[0], 20)        # at k the count is published: it may count
    assert compute_reference(small_counts, [T], ["13090"], 20)["usual"][0, 0] == pytest.approx(seen[0]["usual"], rel=0.2)


@pytest.mark.parametrize("materialise", ["update", "rebuild", "on_the_fly"])
def test_usual_and_band_are_computed_from_published_counts_only(small_counts: Store, materialise: str) -> None:
    served = []
    for hidden in (14, 3, None):
        write(small_counts, "13090", LAGS[0], hidden)
        small_counts.db.execute("DELETE FROM reference")
        small_counts.db.execute("DELETE FROM reference_days")
        if materialise == "update":
            update_reference(small_counts, [T])
        elif materialise == "rebuild":
            rebuild_reference(small_counts, T - 3600, T + STEP)
        served.append(_band(small_counts))
    assert served[0]["usual"] is not None and all(s == served[0] for s in served), served
    assert served[0]["p10"] != 396, "2 x 396 - 779 = 13 gave the withheld 14 back"
    write(small_counts, "13090", LAGS[0], 14)
    row = sector_series(small_counts, "13090", T, T + STEP, SETTINGS).iloc[0]
    assert (row["usual"], row["p10"], row["p90"]) == (served[0]["usual"], served[0]["p10"], served[0]["p90"])
    withheld = sector_series(small_counts, "13090", T - WEEK, T - WEEK + STEP, SETTINGS).iloc[0]
    assert withheld["suppressed"] and np.isnan(withheld["present"])


# -- item 2: an injection on a withheld cell ------------------------------------------------------------
def _exercise(store: Store) -> control.Exercise:
    return control.create_exercise(store, "Feux de forêt", T - 3600, 1, "trainer", wall_now=1_800_000_000.0)


def test_an_injection_on_a_withheld_cell_stays_withheld(small_counts: Store) -> None:
    write(small_counts, "13090", T, 14)
    exercise = _exercise(small_counts)
    injections.add_injection(small_counts, exercise.id, "13090", T, T + STEP, delta=100, username="trainer",
                             wall_now=1_800_000_000.0)
    overlay = injections.overlay_for(small_counts, exercise.id)
    s = situation_at(small_counts, T, SETTINGS, overlay=overlay, now=T).by_code()["13090"]
    assert s.present is None and s.suppressed, "114 - 100 gives the withheld 14 back"
    assert all(v is None for v in (s.excess, s.z, s.pct, s.trend, s.slope, s.delta_residents, s.ratio_usual))
    assert all(v is None for v in s.segments.values())
    later = situation_at(small_counts, T + STEP, SETTINGS, overlay=overlay, now=T).by_code()["13090"]
    assert later.trend is None, "the hour's trend reads the withheld slot"
    row = sector_series(small_counts, "13090", T, T + STEP, SETTINGS, overlay=overlay).iloc[0]
    assert row["suppressed"] and np.isnan(row["present"])
    assert "13090" not in {r.code for r in rank_sectors(small_counts, T, SETTINGS, overlay=overlay, min_excess=0)}
    timeline = after_action_timeline(small_counts, exercise.id, SETTINGS, wall_now=1_800_000_100.0)
    for lang in ("fr", "en"):
        texts = [(e["kind"], timeline_text(e, lang)) for e in timeline]
        assert not any("114" in text for _kind, text in texts)
        assert [kind for kind, text in texts if "Saint-Paul" in text] == ["injection"], "no ranking change"


def test_an_injection_on_a_published_cell_is_shown(small_counts: Store) -> None:
    exercise = _exercise(small_counts)
    injections.add_injection(small_counts, exercise.id, "13090", T, T + STEP, delta=100, username="trainer",
                             wall_now=1_800_000_000.0)
    s = situation_at(small_counts, T, SETTINGS, overlay=injections.overlay_for(small_counts, exercise.id), now=T).by_code()["13090"]
    assert s.present == 900 and s.trend == 100


def test_a_multiplier_takes_nothing_from_a_withheld_cell(small_counts: Store) -> None:
    write(small_counts, "13090", T, 14)
    exercise = _exercise(small_counts)
    detail = injections.add_injection(small_counts, exercise.id, ["13090", "13001"], T, T + STEP, multiplier=2.0,
                                      username="trainer", wall_now=1_800_000_000.0)
    rows = {r["sector_code"]: r["delta_present"] for r in injections.list_injections(small_counts, exercise.id)}
    assert rows == {"13001": 1000}, "a change of +14 would log the withheld count"
    assert detail["peak"] == 1000


# -- item 3: complementary suppression of segments after an overlay -------------------------------------
def test_segments_are_judged_on_the_observed_count_after_an_injection(small_counts: Store) -> None:
    exercise = _exercise(small_counts)
    injections.add_injection(small_counts, exercise.id, "13008", T, T + STEP, delta=1000, username="trainer",
                             wall_now=1_800_000_000.0)
    overlay = injections.overlay_for(small_counts, exercise.id)
    live = situation_at(small_counts, T, SETTINGS, now=T).by_code()["13008"]
    drill = situation_at(small_counts, T, SETTINGS, overlay=overlay, now=T).by_code()["13008"]
    assert live.present == 832 and drill.present == 1832
    for shown in (live.segments, drill.segments):
        assert shown["tourists_intl"] is None and shown["tourists_fr"] is None, \
            "832 - 473 - 22 - 323 = 14 otherwise"
        assert live.present - sum(v for v in shown.values() if v is not None) >= 20
    row = sector_series(small_counts, "13008", T, T + STEP, SETTINGS, overlay=overlay).iloc[0]
    assert row["present"] == 1832 and np.isnan(row["tourists_fr"]) and np.isnan(row["tourists_intl"])


def test_guard_segments_hides_the_second_small_segment() -> None:
    observed = np.array([[473, 22, 14, 323]], dtype="float64")
    guarded = guard_segments(832, observed, 20)[0]
    assert np.isnan(guarded[1]) and np.isnan(guarded[2]) and guarded[0] == 473 and guarded[3] == 323
    assert list(SEGMENTS) == ["residents", "tourists_fr", "tourists_intl", "excursionists"]

