"""Issue 12, item 2: nothing served around a withheld count depends on it (property test over random tables).

An attacker who sees everything Vigie serves (situation, totals, usual and band, trend,
ranking, movers, segments, series, zone figures, exports, the report) can recover a
withheld count only if some served value depends on it. So for random tables, random
exercise injections and every withheld cell replaced by another withheld value (another
count below k, or NULL), everything served must be identical.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from vigie.analysis import exports, zones
from vigie.operations.crisis import rank_sectors
from vigie.reference import update_reference
from vigie.slots import same_time_weeks_before
from vigie.briefing.report import build_report, ranked_rows
from vigie.analysis.situation import sector_series, significance_at, situation_at, top_movers
from vigie.store import Store
from tests.factories import WITHHELD_AT, WITHHELD_SECTORS, make_settings, make_store

K = 20
STEP = 1800
T = WITHHELD_AT
SETTINGS = make_settings(privacy_k=K)
CODES = [code for code, *_ in WITHHELD_SECTORS]
RECENT = [T - 3600, T - 1800, T]
SLOTS = sorted({s for t in RECENT for s in same_time_weeks_before(t, 6)} | set(RECENT))
CELLS = [(code, slot) for code in CODES for slot in SLOTS]

small = st.integers(0, K - 1)
withheld = st.one_of(st.none(), small)
published = st.integers(K, 3000)
segments_of = st.lists(st.floats(0, 1), min_size=3, max_size=3)


def split(present: int, cuts: list[float]) -> tuple[int, ...]:
    """Four segments adding up to present, from three cut points in [0, 1]."""
    points = sorted(round(present * c) for c in cuts)
    edges = [0, *points, present]
    return tuple(edges[i + 1] - edges[i] for i in range(4))


@st.composite
def tables(draw: Any) -> tuple[dict[Any, Any], dict[Any, Any], dict[Any, int]]:
    """(table, twin with other withheld values, injected deltas)."""
    table: dict[Any, Any] = {}
    twin: dict[Any, Any] = {}
    for cell in CELLS:
        if draw(st.booleans()):
            present = draw(published)
            table[cell] = twin[cell] = (present, split(present, draw(segments_of)))
        elif draw(st.integers(0, 3)) == 0:
            continue  # missing row
        else:
            table[cell], twin[cell] = (draw(withheld), None), (draw(withheld), None)
    recent = [(code, slot) for code in CODES for slot in RECENT]
    injected = draw(st.dictionaries(st.sampled_from(recent), st.one_of(st.integers(-800, -1), st.integers(1, 800)), max_size=4))
    return table, twin, injected


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Store]:
    """Two real SQLite databases, refilled for every example."""
    return {name: make_store(tmp_path_factory.mktemp(name), sectors=WITHHELD_SECTORS)[0] for name in ("table", "twin")}


def build(store: Store, table: dict[Any, Any]) -> Store:
    """The database now holding exactly the table, with usual values materialised."""
    rows = []
    for (code, slot), (present, parts) in table.items():
        segs = parts if parts is not None else ((present, 0, 0, 0) if present is not None else (None,) * 4)
        rows.append((code, slot, present, *segs, None if present is None else present // 3))
    with store.write() as tx:
        tx.conn.execute("DELETE FROM observations")
        tx.conn.execute("DELETE FROM reference")
        tx.conn.executemany("INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, "
                            "tourists_intl, excursionists, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    update_reference(store, RECENT, k=K)
    return store


def served(store: Store, injected: dict[tuple[str, int], int]) -> dict[str, Any]:
    """Everything the core serves around T, live and within an exercise."""
    out: dict[str, Any] = {}
    for label, overlay in (("live", None), ("drill", (lambda codes, slots: dict(injected)))):
        situation = situation_at(store, T, SETTINGS, overlay=overlay, now=T)
        movers = top_movers(situation)
        out[label] = {
            "situation": situation.as_dict(),
            "movers": [[s.code for s in movers.moved], [s.code for s in movers.above_usual]],
            "ranked": [r.__dict__ for r in rank_sectors(store, T, SETTINGS, overlay=overlay, min_excess=0)],
            "significance": significance_at(store, RECENT, SETTINGS, overlay),
            "series": {code: sector_series(store, code, SLOTS[0], T + STEP, SETTINGS, overlay=overlay)
                       .drop(columns="local_time").to_dict("list") for code in CODES},
            "report": ranked_rows(build_report(store, T, SETTINGS, overlay=overlay)),
        }
    for codes in (CODES, CODES[:2], CODES[1:]):
        result = zones.query_zone(store, codes, T - 3600, T + STEP, SETTINGS)
        out[" ".join(codes)] = {"zone": result.as_dict(),
                                "csv": [exports.zone_csv(result, table) for table in ("summary", "sectors", "series")]}
    return out


def same(a: Any, b: Any) -> bool:
    """Deep equality where NaN equals NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return bool(a == b)


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """Where two served answers differ (for the failure message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key not in b or not same(a[key], b[key]):
                return first_difference(a[key], b.get(key), f"{path}.{key}")
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if not same(x, y):
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {a!r} != {b!r}"


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_no_withheld_count_can_be_recovered_from_what_is_served(stores: dict[str, Store], drawn: Any) -> None:
    table, twin, injected = drawn
    first = served(build(stores["table"], table), injected)
    second = served(build(stores["twin"], twin), injected)
    assert same(first, second), "a served value depends on a withheld count: " + first_difference(first, second)


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_hidden_segments_always_add_up_to_k_or_more(stores: dict[str, Store], drawn: Any) -> None:
    table, _, injected = drawn
    store = build(stores["table"], table)
    for overlay in (None, lambda codes, slots: dict(injected)):
        for s in situation_at(store, T, SETTINGS, overlay=overlay, now=T).sectors:
            observed = table.get((s.code, T))
            if s.present is None or observed is None or observed[1] is None:
                continue
            shown = [v for v in s.segments.values() if v is not None]
            assert all(v >= K for v in shown)
            hidden = observed[0] - sum(shown)
            assert hidden == 0 or hidden >= K, f"{s.code}: the hidden segment(s) add up to {hidden}"
