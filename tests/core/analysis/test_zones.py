"""Zones: storage, zone queries, unique-visitor bounds, and the differencing guard."""
from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from vigie.analysis import zones
from vigie.config import Settings
from vigie.feed.simulator import Simulator
from vigie.slots import local_day_bounds, parse_instant, to_local
from vigie.store import Store

K = 20
T0 = parse_instant("2026-07-14T10:00:00+02:00")
STEP = 1800
CODES = ("13004", "13096", "13090", "13011")


def segments(present: int | None) -> tuple[int | None, int | None, int | None, int | None]:
    """A fixed split of present into the four segments (they add up to present)."""
    if present is None:
        return None, None, None, None
    res, fr, intl = present // 2, present // 4, present // 8
    return res, fr, intl, present - res - fr - intl


def put(store: Store, cells: Iterable[tuple[str, int, int | None, int | None]], *, clear: bool = True) -> None:
    """Write observation cells (code, slot, present, entries); segments derived from present."""
    rows = [(code, slot, present, *segments(present), entries) for code, slot, present, entries in cells]
    with store.write() as tx:
        if clear:
            tx.execute("DELETE FROM observations")
            tx.execute("DELETE FROM unique_visitors")
        tx.conn.executemany("INSERT INTO observations(sector_code, slot, present, residents, tourists_fr, "
                            "tourists_intl, excursionists, entries) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def put_uv(store: Store, cells: Iterable[tuple[str, str, int | None]]) -> None:
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO unique_visitors(sector_code, day, unique_visitors) VALUES (?, ?, ?)",
                            list(cells))


# -- zones storage ---------------------------------------------------------------------------------------
def test_save_list_get_delete(db: tuple[Store, Settings]) -> None:
    store, _ = db
    zone = zones.save_zone(store, " Camargue plages ", ["13096", "13004", "13096"], "alice")
    assert zone.name == "Camargue plages" and zone.sectors == ("13004", "13096") and zone.shared
    zones.save_zone(store, "Mes Alpilles", ["13011", "13100"], "alice", shared=False)
    assert [z.name for z in zones.list_zones(store, "bob")] == ["Camargue plages"]
    assert [z.name for z in zones.list_zones(store, "alice")] == ["Camargue plages", "Mes Alpilles"]
    assert zones.get_zone(store, "camargue PLAGES", "bob").id == zone.id
    with pytest.raises(zones.ZoneNotFound):
        zones.get_zone(store, "Mes Alpilles", "bob")
    with pytest.raises(zones.ZoneError) as exists:
        zones.save_zone(store, "camargue plages", ["13004"], "alice")
    assert (exists.value.key, exists.value.params) == ("errors.zone_exists", {"name": "Camargue plages"})
    with pytest.raises(zones.ZoneError) as not_yours:
        zones.save_zone(store, "Camargue plages", ["13004"], "bob", replace=True)
    assert not_yours.value.key == "errors.zone_not_yours" and not_yours.value.params["owner"] == "alice"
    replaced = zones.save_zone(store, "Camargue plages", ["13004", "13078"], "alice", replace=True)
    assert replaced.id == zone.id and replaced.sectors == ("13004", "13078")
    with pytest.raises(zones.ZoneError):
        zones.delete_zone(store, "Camargue plages", "bob")
    assert zones.delete_zone(store, "Camargue plages", "bob", override_owner=True)
    assert not zones.delete_zone(store, "Camargue plages", "alice")
    assert store.scalar("SELECT count(*) FROM zone_sectors WHERE zone_id = ?", [zone.id]) == 0


@pytest.mark.parametrize("name, codes, key", [
    ("", ["13004"], "errors.zone_name_missing"),
    ("x" * 81, ["13004"], "errors.zone_name_too_long"),
    ("a\nb", ["13004"], "errors.zone_name_invisible"),
    ("ok", [], "errors.zone_no_sector"),
    ("ok", ["13004", "99999"], "errors.zone_unknown_sectors"),
])
def test_zone_validation(db: tuple[Store, Settings], name: str, codes: list[str], key: str) -> None:
    with pytest.raises(zones.ZoneError) as caught:
        zones.save_zone(db[0], name, codes, "alice")
    assert caught.value.key == key


def test_an_unknown_sector_is_named_in_either_language(db: tuple[Store, Settings]) -> None:
    with pytest.raises(zones.ZoneError) as caught:
        zones.save_zone(db[0], "ok", ["13004", "99999"], "alice")
    assert caught.value.message("fr") == "Secteur(s) inconnu(s) : 99999. Utilisez les codes INSEE du catalogue."
    assert caught.value.message("en") == "Unknown sector(s): 99999. Use the INSEE codes of the catalogue."


def test_a_zone_may_hold_every_sector(db: tuple[Store, Settings]) -> None:
    store, _ = db
    everything = [r["code"] for r in store.query("SELECT code FROM sectors")]
    assert len(zones.save_zone(store, "x" * 80, everything, "alice").sectors) == 134


def test_toggle_sector() -> None:
    assert zones.toggle_sector(["13004"], "13096") == ["13004", "13096"]
    assert zones.toggle_sector(["13004", "13096"], "13004") == ["13096"]


# -- figures ---------------------------------------------------------------------------------------------
def test_exact_figures_when_every_cell_is_published(db: tuple[Store, Settings]) -> None:
    store, settings = db
    put(store, [(c, T0 + i * STEP, 1000 * (j + 1) + i, 100 + i) for j, c in enumerate(("13004", "13096"))
                for i in range(4)])
    result = zones.query_zone(store, ["13004", "13096"], T0, T0 + 4 * STEP, settings)
    assert result.entries == zones.Figure(2 * (100 + 101 + 102 + 103), None, "exact")
    assert result.peak_present.value == 1003 + 2003 and result.peak_slot == T0 + 3 * STEP
    assert result.mean_present.value == round((1000 + 2000) + 1.5 * 2)
    assert [r["present"] for r in result.series] == [3000, 3002, 3004, 3006]
    assert result.segments.status == "exact"
    assert sum(result.segments.shares.values()) == pytest.approx(1.0)  # type: ignore[arg-type]
    assert result.segments.shares["residents"] == pytest.approx(0.5, abs=0.001)
    assert {s.code: s.entries.value for s in result.sectors} == {"13004": 406, "13096": 406}
    assert result.comparisons == {"last_week": None, "last_year": None}


def test_missing_cells_make_a_lower_bound(db: tuple[Store, Settings]) -> None:
    store, settings = db
    put(store, [("13004", T0 + i * STEP, 1000, 100) for i in range(3)])
    result = zones.query_zone(store, ["13004"], T0, T0 + 4 * STEP, settings)
    assert result.entries.value is None and result.entries.lower == 300 and result.entries.missing_cells == 1
    assert result.entries.status == "partial" and "manquante" in (result.entries.reason or "")
    assert result.series[-1] == {"slot": T0 + 3 * STEP, "present": None, "entries": None}


def test_nothing_published_is_withheld_not_zero(db: tuple[Store, Settings]) -> None:
    store, settings = db
    put(store, [("13090", T0, 12, 3), ("13090", T0 + STEP, None, None)])
    result = zones.query_zone(store, ["13090"], T0, T0 + 2 * STEP, settings)
    assert result.entries.status == "withheld" and result.entries.value is None and result.entries.lower is None
    assert result.peak_present.shown is None and result.mean_present.shown is None
    assert result.segments.status == "no_data"


# -- the differencing attack -------------------------------------------------------------------------------
def test_zone_difference_does_not_reveal_a_suppressed_sector(db: tuple[Store, Settings]) -> None:
    """total(A ∪ {s}) − total(A) must not give back the hidden value of s."""
    store, settings = db
    hidden_entries = 7
    put(store, [("13004", T0, 5000, 400), ("13004", T0 + STEP, 5100, 420),
                ("13090", T0, 60, hidden_entries), ("13090", T0 + STEP, 55, 25)])
    a = zones.query_zone(store, ["13004"], T0, T0 + 2 * STEP, settings)
    a_s = zones.query_zone(store, ["13004", "13090"], T0, T0 + 2 * STEP, settings)
    assert a.entries.value == 820
    assert a_s.entries.value is None, "an exact total over a withheld cell was returned"
    assert a_s.entries.withheld_sectors == ("13090",) and "13090" in (a_s.entries.reason or "")
    # What the attacker gets: only the published part of s, never the hidden 7.
    assert a_s.entries.lower is not None and a_s.entries.lower - a.entries.value == 25
    published = {x for x in (a_s.entries.value, a_s.entries.lower) if x is not None}
    assert all(x - 820 != 25 + hidden_entries for x in published)


def test_period_difference_does_not_reveal_a_suppressed_slot(db: tuple[Store, Settings]) -> None:
    """Subtracting two periods (the same zone) must not give back a hidden slot either."""
    store, settings = db
    put(store, [("13090", T0, 40, 30), ("13090", T0 + STEP, 45, 9), ("13090", T0 + 2 * STEP, 50, 35)])
    whole = zones.query_zone(store, ["13090"], T0, T0 + 3 * STEP, settings)
    head = zones.query_zone(store, ["13090"], T0, T0 + STEP, settings)
    assert head.entries.value == 30
    assert whole.entries.value is None and whole.entries.lower == 65


# Non-interference: no published figure may depend on a withheld value. Change every withheld
# cell (None or < k) to any other withheld value and every zone, on every period, reads the same.
CELL = st.one_of(st.none(), st.integers(0, 80))


def _is_withheld(value: int | None) -> bool:
    return value is None or value < K


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    cells = {}
    for code in CODES:
        for i in range(4):
            if draw(st.integers(0, 9)) == 0:
                continue  # missing row
            cells[(code, T0 + i * STEP)] = (draw(CELL), draw(CELL))
    uv = {code: draw(CELL) for code in CODES if draw(st.integers(0, 5))}  # some sector-days missing
    return {"cells": cells, "uv": uv}


def _perturb(draw: st.DrawFn, value: int | None) -> int | None:
    if not _is_withheld(value):
        return value
    return draw(st.one_of(st.none(), st.integers(0, K - 1)))


def _answers(store: Store, settings: Settings) -> list[dict[str, Any]]:
    out = []
    for size in range(1, len(CODES) + 1):
        for zone in itertools.combinations(CODES, size):
            for end in (T0 + 2 * STEP, T0 + 4 * STEP):
                out.append(zones.query_zone(store, zone, T0, end, settings, compare=False).as_dict())
    return out


def _load(store: Store, table: dict[str, Any]) -> None:
    put(store, [(code, slot, p, e) for (code, slot), (p, e) in table["cells"].items()])
    put_uv(store, [(code, "2026-07-14", v) for code, v in table["uv"].items()])


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables(), data=st.data())
def test_no_figure_depends_on_a_withheld_value(shared_db: tuple[Store, Settings], table: dict[str, Any],
                                                data: st.DataObject) -> None:
    store, settings = shared_db
    _load(store, table)
    before = _answers(store, settings)
    perturbed = {"cells": {key: (_perturb(data.draw, p), _perturb(data.draw, e)) for key, (p, e) in table["cells"].items()},
                 "uv": {code: _perturb(data.draw, v) for code, v in table["uv"].items()}}
    _load(store, perturbed)
    assert _answers(store, settings) == before


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables())
def test_exact_figures_are_true_and_lower_bounds_are_below(shared_db: tuple[Store, Settings],
                                                           table: dict[str, Any]) -> None:
    store, settings = shared_db
    _load(store, table)
    for zone in itertools.combinations(CODES, 2):
        result = zones.query_zone(store, zone, T0, T0 + 4 * STEP, settings, compare=False)
        true_entries = sum(e or 0 for (code, _), (_, e) in table["cells"].items() if code in zone)
        if result.entries.value is not None:
            assert result.entries.value == true_entries
        if result.entries.lower is not None:
            assert result.entries.lower <= true_entries
        for figure in (result.entries, result.peak_present, result.mean_present):
            assert figure.shown is None or figure.shown >= K


# -- unique visitors -------------------------------------------------------------------------------------------
class Population:
    """A small synthetic population: who was seen in which sector on which day (the ground truth).

    It is a real provider (zone_unique_visitors) and also writes the per-sector daily counts
    an operator file would carry.
    """

    def __init__(self, visits: dict[tuple[str, str], set[int]]) -> None:
        self.visits = visits

    def _people(self, codes: Sequence[str], start: int, end: int) -> set[int]:
        days = set(zones.period_days(start, end))
        return set().union(*(people for (code, day), people in self.visits.items() if code in codes and day in days))

    def zone_unique_visitors(self, codes: Sequence[str], start: int, end: int) -> int | None:
        return len(self._people(codes, start, end))

    def daily_rows(self) -> list[tuple[str, str, int]]:
        return [(code, day, len(people)) for (code, day), people in self.visits.items()]


DAYS = ("2026-07-11", "2026-07-12")


@st.composite
def populations(draw: st.DrawFn) -> Population:
    visits: dict[tuple[str, str], set[int]] = {}
    for code in CODES[:3]:
        for day in DAYS:
            visits[(code, day)] = set(draw(st.lists(st.integers(0, 150), min_size=0, max_size=120)))
    return Population(visits)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=populations())
def test_unique_visitor_bounds_hold_the_truth(shared_db: tuple[Store, Settings], population: Population) -> None:
    """max of the sectors ≤ zone ≤ sum of the sectors, and the published bounds contain the truth."""
    store, settings = shared_db
    put(store, [])
    put_uv(store, population.daily_rows())
    start, end = local_day_bounds(date(2026, 7, 11))[0], local_day_bounds(date(2026, 7, 12))[1]
    for zone in (CODES[:1], CODES[:2], CODES[:3]):
        truth = population.zone_unique_visitors(zone, start, end)
        singles = [population.zone_unique_visitors([c], start, end) for c in zone]
        assert max(singles) <= truth <= sum(singles)  # type: ignore[type-var, arg-type]
        uv = zones.unique_visitors(store, zone, start, end, K)
        assert uv.kind in ("bounds", "none") and uv.value is None
        if uv.low is not None:
            assert K <= uv.low <= truth  # type: ignore[operator]
        if uv.high is not None:
            assert truth <= uv.high  # type: ignore[operator]


def test_unique_visitors_exact_from_a_provider(db: tuple[Store, Settings]) -> None:
    store, settings = db
    population = Population({("13004", "2026-07-11"): set(range(0, 500)), ("13096", "2026-07-11"): set(range(300, 900)),
                             ("13090", "2026-07-11"): {1000, 1001, 1002}})
    put_uv(store, population.daily_rows())
    start, end = local_day_bounds(date(2026, 7, 11))
    exact = zones.query_zone(store, ["13004", "13096"], start, end, settings, population).unique_visitors
    assert (exact.kind, exact.value) == ("exact", 900)
    bounds = zones.query_zone(store, ["13004", "13096"], start, end, settings).unique_visitors
    assert (bounds.kind, bounds.low, bounds.high) == ("bounds", 600, 1100)
    # 13090 has 3 visitors: the exact union would give them away by difference (903 - 900).
    refused = zones.query_zone(store, ["13004", "13096", "13090"], start, end, settings, population).unique_visitors
    assert refused.kind == "bounds" and refused.value is None and "refusée" in (refused.reason or "")
    assert refused.high == 1100 + (K - 1) and refused.withheld_sectors == ("13090",)
    # A period the store holds nothing for (the future, say) is not asked of the provider.
    later = local_day_bounds(date(2026, 7, 20))
    assert zones.query_zone(store, ["13004"], *later, settings, population).unique_visitors.kind == "none"


def test_unique_visitors_exact_against_the_simulator(db: tuple[Store, Settings]) -> None:
    store, settings = db
    simulator = Simulator.from_settings(settings)
    zone = ["13004", "13096", "13078"]  # Arles, Saintes-Maries-de-la-Mer, Port-Saint-Louis: the Camargue
    days = [date(2026, 7, 11), date(2026, 7, 12)]
    with store.write() as tx:
        for day in days:
            table = simulator.daily_visitors(day)
            tx.conn.executemany("INSERT INTO unique_visitors(sector_code, day, unique_visitors) VALUES (?, ?, ?)",
                                [(c, d, int(v)) for c, d, v in zip(table.sectors, table.days, table.values)])
    start, end = local_day_bounds(days[0])[0], local_day_bounds(days[-1])[1]
    truth = simulator.zone_unique_visitors(zone, start, end)
    exact = zones.query_zone(store, zone, start, end, settings, simulator).unique_visitors
    assert (exact.kind, exact.value) == ("exact", truth)
    bounds = zones.query_zone(store, zone, start, end, settings).unique_visitors
    assert bounds.low is not None and bounds.high is not None and bounds.low <= truth <= bounds.high
    singles = simulator.unique_visitors(start, end)
    per_sector = [int(singles[simulator.codes.index(c)]) for c in zone]
    assert max(per_sector) <= truth <= sum(per_sector)


# -- comparisons and periods ----------------------------------------------------------------------------------
def test_comparison_with_last_week(db: tuple[Store, Settings]) -> None:
    store, settings = db
    week = 7 * 86400
    put(store, [("13004", T0, 2000, 200), ("13004", T0 + STEP, 2200, 300),
                ("13004", T0 - week, 1000, 100), ("13004", T0 - week + STEP, 1100, 100)])
    result = zones.query_zone(store, ["13004"], T0, T0 + 2 * STEP, settings)
    last_week = result.comparisons["last_week"]
    assert last_week is not None and last_week.start == T0 - week
    assert last_week.entries.value == 200 and last_week.changes["entries"] == pytest.approx(1.5)
    assert last_week.changes["peak_present"] == pytest.approx(1.0)
    assert result.comparisons["last_year"] is None


def test_shift_period_keeps_the_wall_clock_across_dst() -> None:
    start = parse_instant("2026-03-30T10:00:00+02:00")  # the day after the spring change
    then, _ = zones.shift_period(start, start + 3600, 7)
    assert to_local(then).isoformat() == "2026-03-23T10:00:00+01:00"
    assert zones.shift_period(start, start + 3600, 364)[0] == parse_instant("2025-03-31T10:00:00+02:00")


@pytest.mark.parametrize("start, end, key", [(T0, T0, "errors.zone_period_order"),
                                             (T0, T0 + 401 * 86400, "errors.zone_period_too_long")])
def test_period_is_checked(db: tuple[Store, Settings], start: int, end: int, key: str) -> None:
    with pytest.raises(zones.ZoneError) as caught:
        zones.query_zone(db[0], ["13004"], start, end, db[1])
    assert caught.value.key == key


def test_a_seasonal_sector_out_of_season_is_not_missing(db: tuple[Store, Settings]) -> None:
    store, settings = db
    with store.write() as tx:
        tx.execute("UPDATE sectors SET season_start = '06-01', season_end = '09-30' WHERE code = '13096'")
    november = parse_instant("2026-11-10T10:00:00+01:00")
    put(store, [("13004", november, 3000, 100)])
    result = zones.query_zone(store, ["13004", "13096"], november, november + STEP, settings)
    assert result.entries.value == 100 and result.entries.missing_cells == 0


def test_audit_line_for_a_query(db: tuple[Store, Settings]) -> None:
    store, settings = db
    result = zones.query_zone(store, ["13004"], T0, T0 + STEP, settings, compare=False)
    zones.audit_zone_query(store, result, "alice", zone_name="Arles", address="10.0.0.1")
    row = store.query("SELECT username, action, detail FROM audit ORDER BY id DESC LIMIT 1")[0]
    assert row["username"] == "alice" and row["action"] == "zone.query" and "13004" in row["detail"]


# -- command line --------------------------------------------------------------------------------------------
def test_cli_zones_and_query(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    runner = CliRunner(env={"VIGIE_DATA_DIR": str(tmp_path / "instance"), "VIGIE_FEED": "none"})
    saved = runner.invoke(main, ["zones", "save", "Camargue", "13004", "13096"])
    assert saved.exit_code == 0, saved.output
    assert "Camargue\t2 secteur(s)" in runner.invoke(main, ["zones", "list"]).output
    store = Store(tmp_path / "instance" / "vigie.db")
    put(store, [("13004", T0, 5000, 400), ("13096", T0, 900, 12)])
    out = tmp_path / "q.csv"
    result = runner.invoke(main, ["query", "--zone", "camargue", "--from", "2026-07-14T10:00", "--to",
                                  "2026-07-14T10:30", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "pic de présence : 5 900" in result.output.replace("\u00a0", " ")
    assert "entrées : ≥ 400" in result.output.replace("\u00a0", " ")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [r["action"] for r in store.query("SELECT action FROM audit WHERE action LIKE 'zone.%' ORDER BY id")] == [
        "zone.save", "zone.query", "zone.export"]
    bad = runner.invoke(main, ["query", "--sectors", "13004,99999", "--from", "2026-07-14", "--to", "2026-07-15"])
    assert bad.exit_code == 1 and "99999" in bad.output
    assert runner.invoke(main, ["query", "--from", "2026-07-14", "--to", "2026-07-15"]).exit_code == 2
    assert runner.invoke(main, ["zones", "delete", "Camargue"]).exit_code == 0
    assert runner.invoke(main, ["zones", "delete", "Camargue"]).exit_code == 1
