"""Forecasts: shape and bounds, no look-ahead (live and exercise), surges carried, events, privacy, errors."""
from __future__ import annotations

import time

import numpy as np
import pytest

from vigie.training import control, injections
from vigie.calendar.events import make_event, save_user_event
from vigie.forecast import HORIZON, ForecastError, clear_cache, forecast_at, model_for
from vigie.forecast.fit import fit_model
from vigie.reference import rebuild_reference
from vigie.store import Store
from tests.factories import FORECAST_NOW

NOW = FORECAST_NOW
STEP = 1800
CASSIS, ARLES, AUBAGNE, ALLEINS = "13022", "13004", "13005", "13003"


def _excess_at(store: Store, t: int, code: str, **kw: object) -> list[int]:
    row = forecast_at(store, t, sectors=[code], **kw).get(code)  # type: ignore[arg-type]
    assert row is not None
    return [int(e) - int(u) for e, u in zip(row.expected, row.usual)]  # type: ignore[arg-type]


def test_every_sector_gets_twelve_points_with_ordered_bounds(store: Store) -> None:
    result = forecast_at(store, NOW)
    assert result.based_on == NOW - NOW % STEP
    assert len(result.sectors) == store.scalar("SELECT count(*) FROM sectors") == 134
    for row in result.sectors:
        assert row.slots == tuple(result.based_on + h * STEP for h in range(1, HORIZON + 1))
        for low, mid, high in zip(row.low, row.expected, row.high):
            assert mid is not None and low is not None and high is not None, row.code
            assert low < mid < high
    cassis = result.get(CASSIS)
    assert cassis is not None and cassis.expected[0] > 10_000


def test_planted_surge_after_the_clock_is_not_foreseen(store: Store) -> None:
    t = NOW - 3 * 3600
    before = forecast_at(store, t)
    with store.write() as tx:   # +30 000 people in Cassis from the slot after t: the future of a replay
        tx.execute("UPDATE observations SET present = present + 30000 WHERE sector_code = ? AND slot > ? AND slot <= ?",
                   [CASSIS, t, t + 6 * 3600])
    clear_cache()
    after = forecast_at(store, t)
    assert after.based_on == before.based_on == t - t % STEP
    assert after.sectors == before.sectors
    assert model_for(store, t, 20, 30).fitted_until <= t


def test_surge_under_way_is_carried_an_hour_ahead(store: Store) -> None:
    t = NOW - NOW % STEP
    quiet = _excess_at(store, t, AUBAGNE)
    with store.write() as tx:
        tx.execute("UPDATE observations SET present = present + 8000 WHERE sector_code = ? AND slot > ? AND slot <= ?",
                   [AUBAGNE, t - 2 * 3600, t])
    clear_cache()
    surged = _excess_at(store, t, AUBAGNE)
    carried = (surged[1] - quiet[1]) / 8000
    assert carried >= 0.5, carried
    assert surged[-1] - quiet[-1] < surged[0] - quiet[0]   # and it fades towards the usual value


def test_a_correction_of_the_newest_slots_reaches_the_cached_forecast(store: Store) -> None:
    """A batch correcting the newest slots moves no slot: the cached forecast must follow it all the same."""
    from vigie.feed.ingest import ingest_bytes
    from vigie.forecast import cached_forecast
    from tests.factories import make_settings

    t = NOW - NOW % STEP
    before = cached_forecast(store, t).get(AUBAGNE)
    present = store.scalar("SELECT present FROM observations WHERE sector_code = ? AND slot = ?", [AUBAGNE, t])
    stamps = [time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s)) for s in (t - STEP, t)]
    body = ("sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries\n"
            + "".join(f"{AUBAGNE},{stamp},{present + 8000},{present + 8000},0,0,0,0\n" for stamp in stamps))
    result = ingest_bytes(store, body.encode(), "correction", make_settings(), now=t + STEP)
    assert result.status == "accepted", result
    after = cached_forecast(store, t).get(AUBAGNE)
    assert before is not None and after is not None
    assert int(after.expected[0]) - int(before.expected[0]) >= 4000  # type: ignore[arg-type]


def test_a_model_fitted_while_the_alert_rules_read_is_kept_for_the_other_processes(store: Store) -> None:
    """The alert rules read in a snapshot: the model they fit is kept all the same (else the door refits it)."""
    from vigie.forecast.live import MODEL_META_KEY

    with store.write() as tx:
        tx.execute("DELETE FROM meta WHERE key = ?", [MODEL_META_KEY])
    with store.snapshot():
        model = model_for(store, NOW, 20, 30)
    kept = store.get_meta(MODEL_META_KEY)
    assert kept is not None and f'"fitted_until": {model.fitted_until}' in kept


def test_an_evening_clock_does_not_see_the_rest_of_its_day_through_tomorrows_usual_values(store: Store) -> None:
    """The usual values after midnight read the whole day before: at 20:00 most of it is still to come."""
    from vigie.forecast.data import forget_usual
    from vigie.slots import to_local

    t = NOW - NOW % 86400 + 18 * 3600  # 20:00 in Paris (summer time), on the forecast day
    assert to_local(t).hour == 20

    def after_midnight() -> list[object]:
        clear_cache()
        forget_usual()
        row = forecast_at(store, t, sectors=[AUBAGNE]).get(AUBAGNE)
        assert row is not None
        return [u for slot, u in zip(row.slots, row.usual) if to_local(slot).date() > to_local(t).date()]

    before = after_midnight()
    assert len(before) >= 4
    with store.write() as tx:  # the rest of the evening turns out very different
        tx.execute("UPDATE observations SET present = present * 5 WHERE sector_code = ? AND slot > ? AND slot < ?",
                   [AUBAGNE, t, t + 4 * 3600])
    assert after_midnight() == before


def test_exercise_forecasts_from_its_clock_and_injections_under_way(store: Store) -> None:
    clock = NOW - 5 * 3600
    exercise = control.create_exercise(store, "prévision", clock, 60, "trainer")
    injections.add_injection(store, exercise.id, ARLES, clock + 3600, clock + 4 * 3600, delta=20_000, username="trainer")
    overlay = injections.overlay_for(store, exercise.id)
    plain = _excess_at(store, clock, ARLES)
    assert _excess_at(store, clock, ARLES, overlay=overlay) == plain   # injected after the clock: unseen
    later = clock + 2 * 3600
    seen = _excess_at(store, later, ARLES, overlay=overlay)
    assert seen[1] - _excess_at(store, later, ARLES)[1] >= 10_000      # under way at the clock: carried


def test_known_event_adds_its_arrival_and_departure(store: Store) -> None:
    t = NOW - NOW % STEP
    plain = _excess_at(store, t, AUBAGNE)
    save_user_event(store, make_event("concert", "Concert", [AUBAGNE], t + 2 * 3600, t + 4 * 3600, 12_000,
                                      "concert", origin="user", created_by="operator"), "operator")
    clear_cache()
    planned = _excess_at(store, t, AUBAGNE)
    added = [p - q for p, q in zip(planned, plain)]
    assert added[:3] == [0, 0, 0]                          # before the doors open
    assert added[3] == pytest.approx(12_000 * 0.85 / 2, abs=2)  # first slot: half of 12 000 x 1.7 h / 2 h
    assert added[4] == pytest.approx(12_000 * 0.85, abs=2)
    assert added[8:] == [0, 0, 0, 0]                       # after they left


def test_counts_below_k_neither_feed_nor_leave(store: Store) -> None:
    t = NOW - NOW % STEP
    with store.write() as tx:
        tx.execute("UPDATE observations SET present = 12 WHERE sector_code = ?", [ALLEINS])
    rebuild_reference(store)
    clear_cache()
    row = forecast_at(store, t, sectors=[ALLEINS]).get(ALLEINS)
    assert row is not None and row.ratio is None
    assert set(row.expected) | set(row.low) | set(row.high) | set(row.usual) == {None}


def test_bad_requests_say_what_to_fix(store: Store) -> None:
    with pytest.raises(ForecastError, match="between 1 and 12"):
        forecast_at(store, NOW, horizon=13)
    with pytest.raises(ForecastError, match="unknown sector codes 99999"):
        forecast_at(store, NOW, sectors=["99999"])
    assert forecast_at(store, NOW - 100 * 86400).based_on is None   # before any observation


def test_fitted_bands_cover_about_eighty_percent_of_the_next_day(store: Store) -> None:
    model = fit_model(store, NOW - 86400, 20, 30)
    assert set(model.half_lives) == {"commune", "marseille", "ville"}
    inside = total = 0
    for origin in range(NOW - 86400, NOW - 6 * 3600, 2 * 3600):
        result = forecast_at(store, origin, model=model)
        actual = {(r[0], r[1]): r[2] for r in store.db.execute(
            "SELECT sector_code, slot, present FROM observations WHERE slot > ? AND slot <= ?", [origin, origin + 6 * 3600])}
        for row in result.sectors:
            for slot, low, high in zip(row.slots, row.low, row.high):
                value = actual.get((row.code, slot))
                if value is not None and value >= 20 and low is not None and high is not None:
                    total += 1
                    inside += low <= value <= high
    assert total > 10_000 and 0.65 <= inside / total <= 0.95, inside / total
