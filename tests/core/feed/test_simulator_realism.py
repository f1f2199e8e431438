"""The simulated operator is as hard as a real one: sampling noise, weather, day regimes, event shapes, tourism."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from vigie.feed.simulator import EXC, TFR, TIN, Simulator
from vigie.feed.simulator_figures import annual_figures
from vigie.feed.simulator_shapes import is_bridge, weather_state
from vigie.slots import parse_instant


def _at(sim: Simulator, instant: str, code: str) -> int:
    return int(sim.slot(parse_instant(instant)).present[0, sim.codes.index(code)])


def test_noise_grows_as_sectors_get_smaller(sim: Simulator) -> None:
    night = sim.frame(parse_instant("2026-11-17T02:00:00+01:00"), parse_instant("2026-11-17T05:00:00+01:00"))
    present = night.present.astype(float)
    level = present.mean(axis=0)
    jitter = np.abs(np.diff(present, axis=0)).mean(axis=0) / level
    small, large = level < np.quantile(level, 0.2), level > np.quantile(level, 0.8)
    assert np.median(jitter[small]) > 3 * np.median(jitter[large])
    # binomial sampling of a 35 % share: relative sd sqrt(0.65 / (0.35 x)), so ~6 % at 500 people
    assert np.median(jitter[level < 1_000]) > 0.04 and np.median(jitter[large]) < 0.025


def test_weather_persists_and_moves_the_beaches_together(sim: Simulator) -> None:
    first = date(2026, 1, 1).toordinal()
    index = np.array([weather_state(13, first + i)[0] for i in range(365)])
    assert np.corrcoef(index[:-1], index[1:])[0, 1] > 0.5
    year = np.array([sim.beach_weather(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)])
    assert 0.9 < year.mean() < 1.1 and np.log(year).std() > 0.2
    days = [d for d in range(6, 31) if date(2026, 7, d).weekday() < 5]
    cassis, sausset = sim.codes.index("13022"), sim.codes.index("13104")
    frames = [sim.slot(parse_instant(f"2026-07-{d:02d}T16:00:00+02:00")) for d in days]
    visitors = np.log([[f.segments[0, i, EXC] for i in (cassis, sausset)] for f in frames])
    assert visitors.std(axis=0).min() > 0.2                       # +-25 % and more on the coast
    assert np.corrcoef(visitors[:, 0], visitors[:, 1])[0, 1] > 0.6  # one common shock


def test_public_holidays_behave_like_sundays_and_bridges_like_half_holidays(sim: Simulator) -> None:
    vitrolles = "13117"
    sunday = _at(sim, "2026-05-10T11:00:00+02:00", vitrolles)
    tuesday = _at(sim, "2026-05-12T11:00:00+02:00", vitrolles)
    ascension = _at(sim, "2026-05-14T11:00:00+02:00", vitrolles)
    bridge = _at(sim, "2026-05-15T11:00:00+02:00", vitrolles)
    assert is_bridge(date(2026, 5, 15)) and not is_bridge(date(2026, 5, 12))
    assert sim.regime(date(2026, 5, 15)).bridge and sim.regime(date(2026, 5, 14)).holiday
    assert sim.regime(date(2026, 5, 16)).long_weekend  # Thursday to Sunday off
    assert abs(ascension - sunday) < 0.1 * sunday and tuesday > 1.4 * ascension
    assert ascension < bridge < tuesday


def test_christmas_week_is_its_own_regime(sim: Simulator) -> None:
    december = _at(sim, "2026-12-08T11:00:00+01:00", "13117")
    christmas_week = _at(sim, "2026-12-29T11:00:00+01:00", "13117")
    assert christmas_week < 0.85 * december


def test_a_match_has_an_arrival_and_an_exit(sim: Simulator) -> None:
    velodrome = "13208"
    curve = [_at(sim, f"2026-11-14T{h}:00+01:00", velodrome) for h in ("18:30", "19:30", "21:30", "23:45")]
    week_after = _at(sim, "2026-11-21T21:30:00+01:00", velodrome)
    assert curve[0] < curve[1] < curve[2] and curve[3] < curve[2] - 40_000
    assert 55_000 < curve[2] - week_after < 70_000  # the Vélodrome's ~63 000 are all there at once


def test_a_feria_peaks_at_night(sim: Simulator) -> None:
    arles = "13004"
    afternoon = _at(sim, "2026-04-04T16:00:00+02:00", arles)
    night = _at(sim, "2026-04-04T23:00:00+02:00", arles)
    three_weeks_later = _at(sim, "2026-04-25T23:00:00+02:00", arles)
    assert night > afternoon and night - three_weeks_later > 40_000


def test_the_may_pilgrimage_brings_tens_of_thousands(sim: Simulator) -> None:
    procession = _at(sim, "2026-05-24T15:00:00+02:00", "13096")
    week_after = _at(sim, "2026-05-31T15:00:00+02:00", "13096")
    assert procession - week_after > 20_000


def test_evening_festivals_keep_their_daily_hours(sim: Simulator) -> None:
    morning = _at(sim, "2026-07-29T11:00:00+02:00", "13084")  # La Roque-d'Anthéron piano festival
    evening = _at(sim, "2026-07-29T21:30:00+02:00", "13084")
    assert evening > morning + 1_000


def test_other_zones_holidays_bring_tourists(sim: Simulator) -> None:
    def tourists(day: str) -> float:
        frame = sim.slot(parse_instant(f"{day}T03:00:00+01:00"))
        return float(frame.segments[0, :, TFR].sum() + frame.segments[0, :, TIN].sum())
    january = tourists("2026-01-27")
    zone_a_only = tourists("2026-02-10")  # zone A from 7 February, zone B from 14 February
    assert zone_a_only > 1.05 * january


def test_annual_figures_match_published_statistics(sim: Simulator) -> None:
    figures = annual_figures(sim, 2026)
    assert 41 <= figures["tourist_nights_millions"] <= 46            # Provence Tourisme: 41-46 M
    assert 0.25 <= figures["july_august_share"] <= 0.40
    assert 0.035 <= figures["winter_holidays_share_all_zones"] <= 0.065  # about 5 %
    assert 0.07 <= figures["spring_holidays_share_all_zones"] <= 0.11    # about 9 %
    assert 43_000 <= figures["marseille_commuting_outflow"] <= 53_000  # INSEE: about 48 000
    assert 1.1 <= figures["sdis_area_summer_peak_x_residents"] <= 1.35


def test_same_seed_same_weather_in_any_order() -> None:
    days = [date(2026, 8, 1) + timedelta(days=i) for i in range(5)]
    forward = [weather_state(99, d.toordinal()) for d in days]
    weather_state.cache_clear()
    backward = [weather_state(99, d.toordinal()) for d in reversed(days)][::-1]
    assert forward == backward


def test_families_leave_over_the_first_weekend_of_the_holidays(sim: Simulator) -> None:
    def at_home(day: str) -> float:
        return float(sim.slot(parse_instant(f"{day}T03:00:00+02:00")).segments[0, :, 0].sum())
    first_saturday, tuesday = at_home("2026-07-04"), at_home("2026-07-07")  # summer holidays from Sat 4 July
    assert first_saturday > tuesday + 15_000
