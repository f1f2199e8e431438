"""An operator clock ahead of ours: beyond the 5-minute tolerance a batch is refused with its reason;
our clock behind the data does not break the freshness computation."""
from __future__ import annotations

from tests.faults.support import DAY, SECTORS, WEEK_START, simulated
from vigie.config import Settings
from vigie.feed import health
from vigie.feed.formats import observations_csv
from vigie.feed.ingest import ingest_bytes
from vigie.analysis.situation import situation_at
from vigie.slots import iso_z
from vigie.store import Store

MINUTE = 60
SLOT = WEEK_START + 2 * DAY  # the slot right after the two days the fixture holds


def _batch(settings: Settings) -> bytes:
    return observations_csv(simulated(settings, SLOT, 1 / 48)).encode()


def _stored(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM observations WHERE slot = ?", [SLOT]))


def test_a_slot_ten_minutes_ahead_is_refused_with_its_reason(fault_store: Store, fault_settings: Settings) -> None:
    refused = ingest_bytes(fault_store, _batch(fault_settings), "operator", fault_settings, now=SLOT - 10 * MINUTE)
    assert refused.status == "rejected" and refused.problem_count == SECTORS
    first = refused.problems[0]
    assert first.code == "future" and first.line == 2
    assert first.describe("en") == (f'line 2, slot_start: "{iso_z(SLOT)}" is in the future (more than 5 min ahead): '
                                    "check the sender's clock and time zone.")
    assert "futur" in first.message("fr")
    assert _stored(fault_store) == 0
    status = health.status(fault_store, fault_settings, now=SLOT - 10 * MINUTE)
    [source] = [s for s in status["sources"] if s["source"] == "operator"]
    assert "in the future" in source["last_error"]


def test_a_slot_four_minutes_ahead_is_accepted(fault_store: Store, fault_settings: Settings) -> None:
    accepted = ingest_bytes(fault_store, _batch(fault_settings), "operator", fault_settings, now=SLOT - 4 * MINUTE)
    assert accepted.status == "accepted" and accepted.inserted == SECTORS
    assert _stored(fault_store) == SECTORS


def test_data_ahead_of_our_clock_reads_as_fresh(fault_store: Store, fault_settings: Settings) -> None:
    ingest_bytes(fault_store, _batch(fault_settings), "operator", fault_settings, now=SLOT - 4 * MINUTE)
    behind = SLOT - 10 * MINUTE  # our clock, 10 minutes behind the newest slot

    situation = situation_at(fault_store, SLOT, fault_settings, now=behind)
    assert situation.data_time == SLOT
    assert (situation.freshness, situation.age_seconds) == ("ok", 0)
    assert len(situation.sectors) == SECTORS

    status = health.status(fault_store, fault_settings, now=behind)
    assert (status["level"], status["feed"], status["lag_seconds"], status["healthy"]) == ("fresh", "ok", 0, True)
