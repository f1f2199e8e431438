"""Annual figures of the simulated operator, to compare with published statistics (docs/simulator.md)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from vigie.calendar.days import HolidayPeriod, read_school_holidays
from vigie.feed.simulator import _H_WORK, Simulator
from vigie.slots import parse_instant


def tourist_nights(sim: Simulator, day: date) -> float:
    """Overnight visitors lodged in the département on the night starting that day (no noise)."""
    factors = sim._day(day)
    return float((sim.capacity * factors["occupancy"] + sim.residents * factors.get("vfr", 0.0)).sum())


def _union(name: str, year: int) -> list[HolidayPeriod]:
    """The periods called `name` (e.g. "hiver") of zones A, B and C starting in `year`."""
    return [p for zone in "ABC" for p in read_school_holidays(zone=zone)
            if name in p.name.lower() and p.start.year == year]


def marseille_commuting_outflow(sim: Simulator, day: date) -> float:
    """Marseille residents at work outside Marseille at the weekday late-morning peak."""
    city = ~sim.commune
    factors = sim._day(day)
    home = sim.residents * (1 - factors["away"])
    commuters = home * sim.commute_rate * float(np.interp(11.25, *_H_WORK)) * factors["work"]
    return float((commuters[city][:, None] * sim.work_matrix[np.ix_(city, ~city)]).sum())


def sdis_summer_peak(sim: Simulator, year: int) -> tuple[float, str]:
    """Largest SDIS 13 area presence (outside Marseille) on July-August weekend afternoons, x residents."""
    area = sim.commune
    best, when = 0.0, ""
    day = date(year, 7, 1)
    while day.month in (7, 8):
        if day.weekday() >= 5:
            for hour in (15, 16, 17):
                t = parse_instant(f"{day.isoformat()}T{hour:02d}:00:00+02:00")
                value = float(sim.slot(t).present[0, area].sum())
                if value > best:
                    best, when = value, f"{day.isoformat()} {hour}:00"
        day += timedelta(days=1)
    return best / float(sim.residents[area].sum()), when


def annual_figures(sim: Simulator, year: int = 2026) -> dict[str, Any]:
    """Tourist-nights (total and by period), Marseille's commuting outflow, the SDIS 13 summer peak."""
    days = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
    nights = np.array([tourist_nights(sim, d) for d in days])
    total = float(nights.sum())

    def share(periods: list[HolidayPeriod]) -> float:
        return float(sum(n for d, n in zip(days, nights) if any(d in p for p in periods)) / total)

    zone_b = [p for p in read_school_holidays(zone="B") if p.start.year == year]
    peak, when = sdis_summer_peak(sim, year)
    return {
        "tourist_nights_millions": round(total / 1e6, 2),
        "july_august_share": round(float(sum(n for d, n in zip(days, nights) if d.month in (7, 8)) / total), 3),
        "winter_holidays_share_all_zones": round(share(_union("hiver", year)), 3),
        "winter_holidays_share_zone_b": round(share([p for p in zone_b if "hiver" in p.name.lower()]), 3),
        "spring_holidays_share_all_zones": round(share(_union("printemps", year)), 3),
        "peak_night_tourists": round(float(nights.max())),
        "marseille_commuting_outflow": round(marseille_commuting_outflow(sim, date(year, 11, 17))),
        "sdis_area_summer_peak_x_residents": round(peak, 3),
        "sdis_area_summer_peak_at": when,
    }


if __name__ == "__main__":
    import json

    from vigie.config import load_settings
    print(json.dumps(annual_figures(Simulator.from_settings(load_settings())), indent=2))
