"""Each built-in scenario produces the signal its questions for the room are about.

A scenario is replayed as a trainer creates it from the page (its suggested start, against the end
of the history) on simulated history that ends on a fixed Thursday in March: off season, no match at
the Vélodrome on the Wednesday nor the Saturday before. The crisis ranking is then read slot by slot
with the default thresholds (z >= 4, 1 000 people over the usual value, two consecutive slots):
the sectors each scenario's questions are about enter it when the scenario says they fill, and not
before; the replayed day alone (live, no injection) does not rank them when they enter.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import local, make_store
from vigie.config import SHIPPED_DATA_DIR, Settings
from vigie.operations.crisis import rank_sectors
from vigie.store import Store
from vigie.training import injections, scenarios

HISTORY_END = local("2026-03-19T12:00")
HOUR = 3600


@dataclass(frozen=True)
class Signal:
    """A sector that must enter the ranking between two offsets (hours after the start) and still be there later."""

    sector: str
    earliest: float
    latest: float
    still_at: float


EXPECTED: dict[str, list[Signal]] = {
    # Evacuees fill Sausset-les-Pins from +1 h and Carry-le-Rouet from +1 h 30, until the return at +6 h 30.
    "cote-bleue-feu": [Signal("13104", 1.0, 3.0, 6.0), Signal("13021", 1.5, 3.5, 6.0)],
    # The Vieux-Port before the match, the Vélodrome (8e) during it, Sainte-Marguerite-Dromel (9e) after it.
    "velodrome-orage": [Signal("13201", 0.5, 1.5, 1.5), Signal("13208", 1.0, 2.5, 7.0),
                        Signal("13209", 7.0, 8.0, 8.0)],
    # Every beach of the coast passes into crisis as it fills (each injection starts at +1 h to +2 h).
    "samedi-aout-littoral": [Signal("13022", 1.5, 4.5, 10.0), Signal("13028", 1.5, 4.5, 10.0),
                             Signal("13096", 2.0, 5.0, 10.0), Signal("13208", 1.5, 4.5, 10.0),
                             Signal("13207", 2.5, 5.5, 12.0), Signal("13021", 2.0, 5.0, 10.0),
                             Signal("13104", 2.0, 5.0, 12.0)],
}
NEVER_RANKED = {"cote-bleue-feu": {"13056"}}  # Martigues empties: its summer crowd is no crisis


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Settings]:
    return make_store(tmp_path_factory.mktemp("scen"), shipped=True, history_until=HISTORY_END, feed="simulator",
                      history_weeks=7)


def replay(store: Store, settings: Settings, key: str) -> tuple[scenarios.Scenario, int, dict[float, set[str]]]:
    """(scenario, start, codes ranked at each offset in hours) over the scenario and the hour after it."""
    scenario = scenarios.find_scenario(key, scenarios.default_scenarios_folder(settings.reference_dir))
    exercise = scenarios.create_from_scenario(store, scenario, "trainer", slot_minutes=settings.slot_minutes)
    overlay = injections.overlay_for(store, exercise.id)
    step = settings.slot_minutes * 60
    ranked = {(slot - exercise.start_at) / HOUR: {r.code for r in rank_sectors(store, slot, settings, overlay=overlay)}
              for slot in range(exercise.start_at, exercise.start_at + scenario.duration + HOUR, step)}
    return scenario, exercise.start_at, ranked


def entry(ranked: dict[float, set[str]], code: str) -> float | None:
    """The first offset at which the sector is ranked."""
    return next((offset for offset, codes in sorted(ranked.items()) if code in codes), None)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_the_sectors_of_the_questions_enter_the_ranking_when_they_fill(simulated: tuple[Store, Settings],
                                                                       key: str) -> None:
    store, settings = simulated
    scenario, start, ranked = replay(store, settings, key)
    assert {s.sector for s in EXPECTED[key]} <= set(scenario.sectors())
    for signal in EXPECTED[key]:
        entered = entry(ranked, signal.sector)
        assert entered is not None and signal.earliest <= entered <= signal.latest, (key, signal, entered)
        assert signal.sector in ranked[signal.still_at], (key, signal)
        live = {r.code for r in rank_sectors(store, start + int(entered * HOUR), settings)}
        assert signal.sector not in live, (key, signal)       # the signal is the scenario's, not the day's
    for code in NEVER_RANKED.get(key, set()):
        assert entry(ranked, code) is None, (key, code)


def test_every_built_in_scenario_is_checked() -> None:
    folder = scenarios.default_scenarios_folder(SHIPPED_DATA_DIR)
    assert {p.stem for p in folder.iterdir() if p.suffix in scenarios.SUFFIXES} == set(EXPECTED)
