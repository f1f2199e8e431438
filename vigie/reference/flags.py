"""Days left out of the baselines (events, crises): flag, unflag, list, and flag events."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from vigie.errors import VigieError
from vigie.reference.compute import rebuild_reference, sector_codes
from vigie.slots import PARIS, local_day_bounds, parse_instant, to_local
from vigie.store import Store

EVENT_MIN_DAILY_ATTENDANCE = 1000


class InvalidExclusion(VigieError, ValueError):
    """A day flag that cannot be stored (bad date, unknown sector, empty reason)."""


def _day_text(day: date | str) -> str:
    """Validate a local day and return it as YYYY-MM-DD."""
    try:
        return (day if isinstance(day, date) else date.fromisoformat(str(day))).isoformat()
    except ValueError:
        raise InvalidExclusion(f"invalid day {day!r}: write it as YYYY-MM-DD") from None


def recompute_after(store: Store, days: Iterable[str]) -> None:
    """Recompute the usual values of observed days after the earliest of these days."""
    first = min(date.fromisoformat(d) for d in days) + timedelta(days=1)
    start = local_day_bounds(first)[0]
    observed = store.scalar("SELECT max(slot) FROM observations")
    materialised = store.scalar("SELECT max(slot) FROM reference")
    newest = max(int(observed or 0), int(materialised or 0))
    if newest >= start:
        rebuild_reference(store, start, newest + 1800)


def flag_day(store: Store, day: date | str, reason: str, sectors: Iterable[str] | None = None,
             *, recompute: bool = True) -> int:
    """Leave a local day out of the baselines of these sectors (all when None); return flags."""
    text = _day_text(day)
    if not reason.strip():
        raise InvalidExclusion("give a reason for the flagged day (e.g. 'crise', 'event:feria')")
    known = set(sector_codes(store))
    codes = sorted(known if sectors is None else set(sectors))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidExclusion(f"unknown sector codes {' '.join(unknown)}: use INSEE codes of the catalogue")
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO reference_exclusions VALUES (?, ?, ?)",
                       [(c, text, reason.strip()) for c in codes])
        if recompute:
            recompute_after(store, [text])
    return len(codes)


def unflag_day(store: Store, day: date | str, sectors: Iterable[str] | None = None,
               *, recompute: bool = True) -> int:
    """Put a flagged day back into the baselines; return the number of flags removed."""
    text = _day_text(day)
    with store.write() as tx:
        if sectors is None:
            removed = tx.execute("DELETE FROM reference_exclusions WHERE day = ?", [text]).rowcount
        else:
            removed = sum(tx.execute("DELETE FROM reference_exclusions WHERE day = ? AND sector_code = ?",
                                     [text, c]).rowcount for c in set(sectors))
        if recompute and removed:
            recompute_after(store, [text])
    return int(removed)


def list_flags(store: Store, start: date | str | None = None, end: date | str | None = None) -> list[dict[str, Any]]:
    """Flagged sector-days (sector_code, day, reason), optionally within [start, end]."""
    lo = _day_text(start) if start is not None else "0000-01-01"
    hi = _day_text(end) if end is not None else "9999-12-31"
    return store.query("SELECT sector_code, day, reason FROM reference_exclusions "
                       "WHERE day BETWEEN ? AND ? ORDER BY day, sector_code", [lo, hi])


def _instant(value: Any) -> int:
    """Epoch seconds from an int, a datetime or an ISO 8601 string."""
    if isinstance(value, datetime):
        return int((value if value.tzinfo else value.replace(tzinfo=PARIS)).timestamp())
    if isinstance(value, (int, float)):
        return int(value)
    return parse_instant(str(value))


def event_days(start: Any, end: Any) -> list[str]:
    """Local days (YYYY-MM-DD) touched by [start, end)."""
    first = to_local(_instant(start)).date()
    last = to_local(max(_instant(end) - 1, _instant(start))).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def flag_events(store: Store, events: Iterable[Any], *, recompute: bool = True,
                min_daily_attendance: int = EVENT_MIN_DAILY_ATTENDANCE) -> int:
    """Flag every sector-day touched by these events (vigie.calendar.events.Event); return the flags written.

    Diffuse events (fewer than min_daily_attendance expected visits per day, e.g. a long
    exhibition) are not flagged: they barely move the counts and would starve baselines.
    """
    known = set(sector_codes(store))
    rows: dict[tuple[str, str], str] = {}
    for event in events:
        sectors = event.sectors.split() if isinstance(event.sectors, str) else event.sectors
        days = event_days(event.start, event.end)
        if getattr(event, "expected_attendance", min_daily_attendance) / len(days) < min_daily_attendance:
            continue
        for day in days:
            for code in sectors:
                if code in known:
                    rows.setdefault((code, day), f"event:{event.event_id}")
    existing = {(r[0], r[1]): r[2] for r in store.db.execute(
        "SELECT sector_code, day, reason FROM reference_exclusions").fetchall()}
    rows = {key: reason for key, reason in rows.items() if key not in existing}  # keep earlier flags (crises)
    if not rows:
        return 0  # already flagged: nothing to write or recompute (loading the same file again)
    with store.write() as tx:
        tx.conn.executemany("INSERT OR REPLACE INTO reference_exclusions VALUES (?, ?, ?)",
                       [(code, day, reason) for (code, day), reason in rows.items()])
        if recompute:
            recompute_after(store, {day for _, day in rows})
    return len(rows)
