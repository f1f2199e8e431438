"""Zones (named unions of sectors) and zone queries over a period, under the privacy rule.

A zone query answers: unique visitors, entries, peak and mean presence, the segment mix,
and the same figures for the same period last week and last year.

Privacy (docs/methods-zones.md): a *cell* is one sector and one slot (or one sector and
one local day for unique visitors). A cell is published when it holds at least k people
and the operator did not suppress it. Zone figures are computed from published cells
only, so no figure depends on a withheld value: subtracting two zones (or two periods)
gives back nothing that was not already public. When a zone/period contains a withheld
or missing cell, the exact figure is refused (`value` None) and only the sum over the
published cells is given, labelled as a lower bound (`lower`, status "partial").
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Mapping, Sequence, TypedDict

from vigie import privacy
from vigie.config import Settings
from vigie.errors import VigieError
from vigie.feed.formats import SEGMENTS
from vigie.feed.providers import ZoneVisitorProvider
from vigie.slots import PARIS, local_day, slot_range, to_local
from vigie.store import Store
from vigie import sectors as sector_table

NAME_MAX = 80
COMPARISONS = {"last_week": 7, "last_year": 364}
LISTED_SECTORS = 5


class ZoneError(VigieError, ValueError):
    """A zone or a zone query cannot be used; the message (French) says what to change."""


class ZoneNotFound(ZoneError):
    """No zone by that name is visible to the user."""


# -- zones ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Zone:
    """A saved zone: a name, its sectors, who made it, and whether everyone can use it."""

    id: int
    name: str
    sectors: tuple[str, ...]
    created_by: str
    created_at: int
    updated_at: int
    shared: bool

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {**asdict(self), "sectors": list(self.sectors)}


def known_sectors(store: Store) -> dict[str, str]:
    """Sector code -> name, from the sectors table."""
    return sector_table.names(store)


def check_name(name: str) -> str:
    """The zone name stripped, or ZoneError when it is empty, too long or holds control characters."""
    text = (name or "").strip()
    if not text:
        raise ZoneError(key="errors.zone_name_missing")
    if len(text) > NAME_MAX:
        raise ZoneError(key="errors.zone_name_too_long", length=len(text), limit=NAME_MAX)
    if not text.isprintable():
        raise ZoneError(key="errors.zone_name_invisible")
    return text


def check_sectors(store: Store, codes: Sequence[str]) -> tuple[str, ...]:
    """Known, deduplicated, sorted sector codes (1 up to every sector), or ZoneError."""
    known = known_sectors(store)
    wanted = tuple(sorted({str(c).strip() for c in codes if str(c).strip()}))
    if not wanted:
        raise ZoneError(key="errors.zone_no_sector")
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ZoneError(key="errors.zone_unknown_sectors", codes=" ".join(unknown[:10]))
    if len(wanted) > len(known):
        raise ZoneError(key="errors.zone_too_many_sectors", limit=len(known))
    return wanted


def toggle_sector(codes: Sequence[str], code: str) -> list[str]:
    """The selection after a click on `code`: added when absent, removed when present."""
    chosen = [c for c in codes if c != code]
    return sorted(chosen if len(chosen) < len(codes) else [*chosen, code])


def _zone_rows(store: Store, where: str, params: list[Any]) -> list[Zone]:
    """Zones matching a WHERE clause, with their sectors."""
    rows = store.query(f"SELECT id, name, created_by, created_at, updated_at, shared FROM zones WHERE {where} "
                       "ORDER BY name COLLATE NOCASE", params)
    members: dict[int, list[str]] = {}
    for r in store.query("SELECT zone_id, sector_code FROM zone_sectors ORDER BY sector_code"):
        members.setdefault(r["zone_id"], []).append(r["sector_code"])
    return [Zone(r["id"], r["name"], tuple(members.get(r["id"], ())), r["created_by"], r["created_at"],
                 r["updated_at"], bool(r["shared"])) for r in rows]


def list_zones(store: Store, username: str | None, *, admin: bool = False) -> list[Zone]:
    """Zones `username` may see: shared ones and their own private ones; every zone for an admin.

    username None (an API token, nobody in particular) sees the shared zones only.
    """
    if admin:
        return _zone_rows(store, "1", [])
    if username is None:
        return _zone_rows(store, "shared = 1", [])
    return _zone_rows(store, "shared = 1 OR created_by = ? COLLATE NOCASE", [username])


def get_zone(store: Store, name: str, username: str | None, *, admin: bool = False) -> Zone:
    """The zone named `name` (any case) visible to `username` (see list_zones), or ZoneNotFound."""
    for zone in list_zones(store, username, admin=admin):
        if zone.name.casefold() == (name or "").strip().casefold():
            return zone
    raise ZoneNotFound(key="errors.zone_not_found", name=(name or "").strip()[:NAME_MAX])


def _owned(zone_row: Mapping[str, Any], username: str, override_owner: bool) -> None:
    """Raise ZoneError when `username` may not change a zone made by someone else."""
    if not override_owner and str(zone_row["created_by"]).casefold() != username.casefold():
        raise ZoneError(key="errors.zone_not_yours", name=zone_row["name"], owner=zone_row["created_by"])


def _may_replace(existing: Sequence[Any], username: str, replace: bool, override_owner: bool) -> None:
    """Raise ZoneError unless `username` may replace the zone row (id, name, created_by, shared)."""
    hidden = not existing[3] and not override_owner and str(existing[2]).casefold() != username.casefold()
    if hidden:  # someone else's private zone: do not reveal its name or author
        raise ZoneError(key="errors.zone_name_taken")
    if not replace:
        raise ZoneError(key="errors.zone_exists", name=existing[1])
    _owned({"name": existing[1], "created_by": existing[2]}, username, override_owner)


def save_zone(store: Store, name: str, codes: Sequence[str], username: str, *, shared: bool | None = None,
              replace: bool = False, override_owner: bool = False) -> Zone:
    """Create a zone, or replace one of the same name (replace=True, own zone or override_owner).

    shared None: a new zone is shared, a replaced zone keeps its visibility (a private zone stays private).
    """
    text, sectors = check_name(name), check_sectors(store, codes)
    now = int(time.time())
    with store.write() as tx:
        existing = tx.execute("SELECT id, name, created_by, shared FROM zones WHERE name = ? COLLATE NOCASE",
                              [text]).fetchone()
        if existing is not None:
            _may_replace(existing, username, replace, override_owner)
            zone_id = existing[0]
            keep = bool(existing[3]) if shared is None else shared
            tx.execute("UPDATE zones SET name = ?, shared = ?, updated_at = ? WHERE id = ?",
                       [text, int(keep), now, zone_id])
            tx.execute("DELETE FROM zone_sectors WHERE zone_id = ?", [zone_id])
        else:
            zone_id = tx.execute("INSERT INTO zones(name, created_by, created_at, updated_at, shared) "
                                 "VALUES (?, ?, ?, ?, ?)", [text, username, now, now, int(shared is not False)]).lastrowid
        tx.conn.executemany("INSERT INTO zone_sectors(zone_id, sector_code) VALUES (?, ?)",
                            [(zone_id, c) for c in sectors])
    return get_zone(store, text, None, admin=True)


def delete_zone(store: Store, name: str, username: str, *, override_owner: bool = False) -> bool:
    """Delete a zone (its author, or anyone with override_owner); False when there is none."""
    with store.write() as tx:
        row = tx.execute("SELECT id, name, created_by FROM zones WHERE name = ? COLLATE NOCASE",
                         [(name or "").strip()]).fetchone()
        if row is None:
            return False
        _owned({"name": row[1], "created_by": row[2]}, username, override_owner)
        tx.execute("DELETE FROM zones WHERE id = ?", [row[0]])
    return True


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One zone count. `value` is exact and published only when every cell was published."""

    value: int | None
    lower: int | None
    status: str  # exact | partial (lower bound only) | withheld (nothing published) | no_data
    withheld_cells: int = 0
    missing_cells: int = 0
    withheld_sectors: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def shown(self) -> int | None:
        """The number to show: the exact value, else the lower bound."""
        return self.value if self.value is not None else self.lower


@dataclass(frozen=True)
class UniqueVisitors:
    """Distinct people of the zone over its local days: exact (provider) or bounds [low, high]."""

    kind: str  # exact | bounds | none
    value: int | None
    low: int | None
    high: int | None
    first_day: str
    last_day: str
    withheld_cells: int = 0
    missing_cells: int = 0
    withheld_sectors: tuple[str, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class SegmentMix:
    """Shares of residents / French tourists / foreign tourists / day visitors over the published cells."""

    shares: dict[str, float | None]
    people: int | None
    cells_used: int
    cells_left_out: int
    status: str  # exact | partial | no_data


@dataclass(frozen=True)
class SectorFigures:
    """One member sector over the period (same privacy rule, per sector)."""

    code: str
    name: str
    peak_present: Figure
    mean_present: Figure
    entries: Figure


@dataclass(frozen=True)
class ZoneComparison:
    """The same figures over an earlier period, and the relative change where both are exact."""

    label: str
    start: int
    end: int
    peak_present: Figure
    mean_present: Figure
    entries: Figure
    unique_visitors: UniqueVisitors
    changes: dict[str, float | None]


class SeriesPoint(TypedDict):
    """One slot of a zone's series: present and entries, None where withheld or missing."""

    slot: int
    present: int | None
    entries: int | None


@dataclass(frozen=True)
class ZoneResult:
    """Everything a zone query returns; every count has passed the privacy rule."""

    codes: tuple[str, ...]
    start: int
    end: int
    slot_minutes: int
    k: int
    unique_visitors: UniqueVisitors
    entries: Figure
    peak_present: Figure
    peak_slot: int | None
    mean_present: Figure
    segments: SegmentMix
    series: list[SeriesPoint]
    sectors: list[SectorFigures]
    comparisons: dict[str, ZoneComparison | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the API's answer)."""
        return asdict(self)


# -- query ---------------------------------------------------------------------------------------
def _sector_names(store: Store, codes: Sequence[str]) -> dict[str, str]:
    known = known_sectors(store)
    return {c: known[c] for c in codes}


def _listed(codes: Sequence[str], names: Mapping[str, str]) -> str:
    """'Arles (13004), ...' for at most LISTED_SECTORS sectors."""
    shown = ", ".join(f"{names.get(c, c)} ({c})" for c in codes[:LISTED_SECTORS])
    return shown + (f" et {len(codes) - LISTED_SECTORS} autre(s)" if len(codes) > LISTED_SECTORS else "")


def _reason(withheld: int, missing: int, sectors: Sequence[str], names: Mapping[str, str], k: int,
            partial: bool = True) -> str | None:
    """French explanation of a refused exact figure, with what to change."""
    parts = []
    if withheld:
        parts.append(f"{withheld} valeur(s) sous le secret statistique (< {k} personnes) dans "
                     f"{_listed(sectors, names)} : la valeur exacte n'est pas donnée (elle permettrait de "
                     "retrouver ces valeurs par différence). Retirez ces secteurs ou changez de période")
    if missing:
        parts.append(f"{missing} valeur(s) manquante(s) (pas de données reçues)")
    if not parts:
        return None
    tail = " — le nombre affiché est calculé sur les seules valeurs publiées (borne basse)." if partial else "."
    return "; ".join(parts) + tail


def _figure(total: int | float | None, exact: bool, withheld: int, missing: int, sectors: Sequence[str],
            names: Mapping[str, str], k: int) -> Figure:
    """A Figure from the sum over published cells; exact only when nothing was withheld or missing."""
    shown = privacy.suppress(None if total is None else round(total), k)
    if shown is None:
        status = "withheld" if withheld else "no_data"
        return Figure(None, None, status, withheld, missing, tuple(sectors),
                      _reason(withheld, missing, sectors, names, k, partial=False))
    if exact and not withheld and not missing:
        return Figure(shown, None, "exact")
    return Figure(None, shown, "partial", withheld, missing, tuple(sectors),
                  _reason(withheld, missing, sectors, names, k))


def _active_days(store: Store, codes: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """Season (MM-DD start, end) of each member sector; (None, None) = all year."""
    wanted = set(codes)
    return {s.code: (s.season_start, s.season_end) for s in sector_table.infos(store) if s.code in wanted}


def _is_active(season: tuple[str | None, str | None], day: date) -> bool:
    """True when a sector with this season is open on that local day."""
    lo, hi = season
    if not lo or not hi:
        return True
    today = f"{day.month:02d}-{day.day:02d}"
    return lo <= today <= hi if lo <= hi else (today >= lo or today <= hi)


def _expected_per_slot(store: Store, codes: Sequence[str], slots: range) -> dict[int, set[str]]:
    """Member sectors expected to report at each slot (seasonal sectors only in season)."""
    seasons = _active_days(store, codes)
    everyone = set(codes)
    if all(not lo for lo, _ in seasons.values()):
        return {s: everyone for s in slots}
    by_day: dict[date, set[str]] = {}
    out = {}
    for slot in slots:
        day = local_day(slot)
        if day not in by_day:
            by_day[day] = {c for c in codes if _is_active(seasons.get(c, (None, None)), day)}
        out[slot] = by_day[day]
    return out


_FULL = "min(present, residents, tourists_fr, tourists_intl, excursionists) >= :k"  # NULL when any is NULL
_AGG_SQL = (
    "SELECT {key}, count(*), coalesce(sum(CASE WHEN present >= :k THEN present END), 0), "
    "sum(CASE WHEN present >= :k THEN 0 ELSE 1 END), coalesce(max(CASE WHEN present >= :k THEN present END), 0), "
    "coalesce(sum(CASE WHEN entries >= :k THEN entries END), 0), sum(CASE WHEN entries >= :k THEN 0 ELSE 1 END){extra} "
    "FROM observations WHERE sector_code IN ({marks}) AND slot >= :start AND slot < :end GROUP BY {key}"
)
_SEGMENT_SUMS = (
    f", coalesce(sum(CASE WHEN {_FULL} THEN residents END), 0), coalesce(sum(CASE WHEN {_FULL} THEN tourists_fr END), 0), "
    f"coalesce(sum(CASE WHEN {_FULL} THEN tourists_intl END), 0), "
    f"coalesce(sum(CASE WHEN {_FULL} THEN excursionists END), 0), sum(CASE WHEN {_FULL} THEN 1 ELSE 0 END)"
)


@dataclass
class _Acc:
    """Sums over the published cells of one slot or one sector; withheld cells are only counted.

    The segment sums take only the cells whose present and four segments are all published.
    """

    seen: int = 0
    present: int = 0
    present_withheld: int = 0
    present_max: int = 0
    entries: int = 0
    entries_withheld: int = 0
    residents: int = 0
    tourists_fr: int = 0
    tourists_intl: int = 0
    excursionists: int = 0
    segment_cells: int = 0


def _params(codes: Sequence[str], start: int, end: int, k: int) -> tuple[str, dict[str, Any]]:
    """Named placeholders for the member codes, and every parameter of the aggregate queries."""
    params: dict[str, Any] = {f"c{i}": c for i, c in enumerate(codes)}
    params.update(k=k, start=start, end=end)
    return ",".join(f":c{i}" for i in range(len(codes))), params


def _aggregate(store: Store, codes: Sequence[str], start: int, end: int, k: int, key: str) -> dict[Any, _Acc]:
    """Published sums per slot (key='slot') or per sector (key='sector_code', with segments), by SQLite."""
    marks, params = _params(codes, start, end, k)
    extra = _SEGMENT_SUMS if key == "sector_code" else ""
    rows = store.db.execute(_AGG_SQL.format(key=key, marks=marks, extra=extra), params).fetchall()
    return {r[0]: _Acc(*r[1:]) for r in rows}


def _segment_totals(by_sector: Mapping[str, _Acc]) -> tuple[list[int], int]:
    """Segment totals over the fully published cells of every sector, and how many cells they cover."""
    totals = [sum(getattr(a, name) for a in by_sector.values()) for name in SEGMENTS]
    return totals, sum(a.segment_cells for a in by_sector.values())


def _withheld_sectors(by_sector: Mapping[str, _Acc], attribute: str) -> tuple[str, ...]:
    """Codes of the sectors with at least one withheld value (attribute: present_withheld...)."""
    return tuple(sorted(code for code, acc in by_sector.items() if getattr(acc, attribute)))


def _series(slots: range, by_slot: Mapping[int, _Acc], expected: Mapping[int, set[str]]) -> list[SeriesPoint]:
    """Zone present and entries per slot; None where a cell is withheld or missing."""
    out: list[SeriesPoint] = []
    for slot in slots:
        acc = by_slot.get(slot)
        complete = acc is not None and acc.seen == len(expected[slot]) and len(expected[slot]) > 0
        present = acc.present if complete and acc is not None and not acc.present_withheld else None
        entries = acc.entries if complete and acc is not None and not acc.entries_withheld else None
        out.append({"slot": slot, "present": present, "entries": entries})
    return out


def _presence(slots: range, by_slot: Mapping[int, _Acc], expected: Mapping[int, set[str]],
              withheld_codes: tuple[str, ...], names: Mapping[str, str], k: int) -> tuple[Figure, int | None, Figure]:
    """(peak, slot of the peak, mean) of the zone's presence over the period."""
    n_expected = sum(len(expected[s]) for s in slots)
    seen = sum(a.seen for a in by_slot.values())
    withheld = sum(a.present_withheld for a in by_slot.values())
    missing = max(0, n_expected - seen)
    if not by_slot or not len(slots):
        empty = _figure(None, False, withheld, missing, withheld_codes, names, k)
        return empty, None, empty
    peak_slot = max(sorted(by_slot), key=lambda s: by_slot[s].present)
    peak = by_slot[peak_slot].present
    mean = sum(a.present for a in by_slot.values()) / len(slots)
    exact = withheld == 0 and missing == 0
    return (_figure(peak, exact, withheld, missing, withheld_codes, names, k), peak_slot,
            _figure(mean, exact, withheld, missing, withheld_codes, names, k))


def _entries(by_slot: Mapping[int, _Acc], n_expected: int, withheld_codes: tuple[str, ...],
             names: Mapping[str, str], k: int) -> Figure:
    """Total entries of the zone (sum of its sectors' entries) over the period."""
    seen = sum(a.seen for a in by_slot.values())
    withheld = sum(a.entries_withheld for a in by_slot.values())
    total = sum(a.entries for a in by_slot.values()) if by_slot else None
    return _figure(total, True, withheld, max(0, n_expected - seen), withheld_codes, names, k)


def _segment_mix(segments: list[int], used: int, total_cells: int) -> SegmentMix:
    """Segment shares over the cells whose four segments are all published."""
    people = sum(segments)
    if not used or not people:
        return SegmentMix({s: None for s in SEGMENTS}, None, 0, total_cells, "no_data")
    shares: dict[str, float | None] = {name: value / people for name, value in zip(SEGMENTS, segments)}
    status = "exact" if used == total_cells else "partial"
    return SegmentMix(shares, people, used, total_cells - used, status)


def _sector_figures(codes: Sequence[str], by_sector: Mapping[str, _Acc], expected_cells: Mapping[str, int],
                    n_slots: int, names: Mapping[str, str], k: int) -> list[SectorFigures]:
    """Per-sector peak, mean and entries over the period."""
    out = []
    for code in codes:
        acc = by_sector.get(code, _Acc())
        missing = max(0, expected_cells.get(code, 0) - acc.seen)
        pw, ew = acc.present_withheld, acc.entries_withheld
        mine = (code,)
        has = acc.seen > 0
        out.append(SectorFigures(
            code, names.get(code, code),
            # A withheld cell holds fewer than k people, so it cannot be the peak of a sector
            # that has a published cell: the sector's peak is exact unless a cell is missing.
            _figure(acc.present_max if has else None, True, 0 if acc.present_max else pw, missing,
                    () if acc.present_max else mine, names, k),
            _figure(acc.present / n_slots if has and n_slots else None, True, pw, missing, mine if pw else (), names, k),
            _figure(acc.entries if has else None, True, ew, missing, mine if ew else (), names, k)))
    return out


# -- unique visitors -----------------------------------------------------------------------------
def period_days(start: int, end: int) -> list[str]:
    """Local days (YYYY-MM-DD) touched by [start, end)."""
    first, last = local_day(start), local_day(max(start, end - 1))
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _uv_cells(store: Store, codes: Sequence[str], days: Sequence[str]) -> list[tuple[str, str, int | None]]:
    marks = ",".join("?" * len(codes))
    return store.db.execute(
        f"SELECT sector_code, day, unique_visitors FROM unique_visitors WHERE sector_code IN ({marks}) "
        "AND day >= ? AND day <= ?", [*codes, days[0], days[-1]]).fetchall()


def _uv_bounds(store: Store, codes: Sequence[str], days: Sequence[str], names: Mapping[str, str], k: int,
               note: str | None = None) -> UniqueVisitors:
    """Bounds [largest published sector-day, sum of sector-days] from the unique_visitors table.

    Withheld cells count as k - 1 in the upper bound (a withheld cell holds fewer than k
    people) and are left out of the lower bound, so neither bound depends on them. With a
    missing sector-day the upper bound is unknown (None).
    """
    cells = _uv_cells(store, codes, days)
    published = [int(v) for _, _, v in cells if v is not None and not privacy.is_suppressed(v, k)]
    hidden = sorted({c for c, _, v in cells if privacy.is_suppressed(v, k)})
    withheld = len(cells) - len(published)
    missing = len(codes) * len(days) - len(cells)
    low = max(published) if published else None
    high = sum(published) + (k - 1) * withheld if not missing and cells else None
    if low is None and high is not None and high < k:
        high = None
    reasons = [note] if note else []
    if withheld:
        reasons.append(f"{withheld} valeur(s) journalière(s) sous le secret statistique dans {_listed(hidden, names)} : "
                       f"comptées {k - 1} au plus dans la borne haute")
    if missing:
        reasons.append(f"{missing} valeur(s) journalière(s) manquante(s) : borne haute inconnue")
    kind = "bounds" if low is not None or high is not None else "none"
    return UniqueVisitors(kind, None, low, high, days[0], days[-1], withheld, missing, tuple(hidden),
                          "; ".join(reasons) or None)


def sector_unique_visitors(provider: ZoneVisitorProvider, codes: Sequence[str], start: int,
                           end: int) -> dict[str, int | None]:
    """Each sector's own unique visitors over [start, end), asked of the provider in as few calls as it allows.

    A provider may offer `sector_unique_visitors(codes, start, end) -> {code: n}`; the
    simulator offers `unique_visitors(start, end)` (one value per `provider.codes`);
    otherwise each sector is asked as a zone of one.
    """
    per_sector = getattr(provider, "sector_unique_visitors", None)
    if callable(per_sector):
        values = per_sector(list(codes), start, end)
        return {c: values.get(c) for c in codes}
    array_api, order = getattr(provider, "unique_visitors", None), getattr(provider, "codes", None)
    if callable(array_api) and order is not None:
        index = {c: i for i, c in enumerate(order)}
        values = array_api(start, end)
        return {c: int(values[index[c]]) if c in index else None for c in codes}
    return {c: provider.zone_unique_visitors([c], start, end) for c in codes}


def _uv_exact(provider: ZoneVisitorProvider, codes: Sequence[str], start: int, end: int,
              k: int) -> tuple[int | None, str | None]:
    """The provider's exact zone answer, or (None, reason) when it cannot answer or the guard refuses."""
    try:
        total = provider.zone_unique_visitors(list(codes), start, end)
        singles = sector_unique_visitors(provider, codes, start, end) if total is not None else {}
    except (LookupError, ValueError) as exc:
        return None, f"le fournisseur ne peut pas répondre ({exc})"
    if total is None:
        return None, "le fournisseur ne donne pas de valeur exacte pour cette période"
    hidden = privacy.check_zone(singles, k).suppressed_sectors
    if hidden:
        return None, (f"valeur exacte refusée : {len(hidden)} secteur(s) ont moins de {k} visiteurs uniques sur "
                      "la période (la différence entre deux zones les révélerait)")
    shown = privacy.suppress(total, k)
    return shown, None if shown is not None else f"moins de {k} visiteurs uniques"


def unique_visitors(store: Store, codes: Sequence[str], start: int, end: int, k: int,
                    provider: ZoneVisitorProvider | None = None, names: Mapping[str, str] | None = None) -> UniqueVisitors:
    """Unique visitors of the zone over the local days of [start, end): exact when possible, else bounds."""
    names = names or _sector_names(store, codes)
    days = period_days(start, end)
    note = None
    # The provider is asked only about periods the store holds data for (not the future).
    if provider is not None and hasattr(provider, "zone_unique_visitors") and _has_data(store, codes, start, end):
        day_start = int(datetime.fromisoformat(days[0]).replace(tzinfo=PARIS).timestamp())
        day_end = int((datetime.fromisoformat(days[-1]) + timedelta(days=1)).replace(tzinfo=PARIS).timestamp())
        value, note = _uv_exact(provider, codes, day_start, day_end, k)
        if value is not None:
            return UniqueVisitors("exact", value, value, value, days[0], days[-1])
    return _uv_bounds(store, codes, days, names, k, note)


# -- the query -----------------------------------------------------------------------------------
def _check_period(start: int, end: int, settings: Settings) -> None:
    """ZoneError when the period is empty, reversed or longer than the limit."""
    if end <= start:
        raise ZoneError(key="errors.zone_period_order")
    max_days = settings.zone_query_max_days
    if end - start > max_days * 86400:
        raise ZoneError(key="errors.zone_period_too_long", days=(end - start) // 86400, limit=max_days)


def _has_data(store: Store, codes: Sequence[str], start: int, end: int) -> bool:
    """True when the store holds any observation or unique-visitor value of the zone in the period."""
    marks, params = _params(codes, start, end, 0)
    days = period_days(start, end)
    params.update(first=days[0], last=days[-1])
    return bool(store.scalar(
        f"SELECT EXISTS(SELECT 1 FROM observations WHERE sector_code IN ({marks}) AND slot >= :start AND slot < :end) "
        f"OR EXISTS(SELECT 1 FROM unique_visitors WHERE sector_code IN ({marks}) AND day BETWEEN :first AND :last)",
        params))


def _measure(store: Store, codes: tuple[str, ...], start: int, end: int, step_minutes: int, k: int,
             names: Mapping[str, str], provider: ZoneVisitorProvider | None) -> dict[str, Any]:
    """Every figure of the zone over [start, end) (no comparison)."""
    slots = slot_range(start, end, step_minutes)
    expected = _expected_per_slot(store, codes, slots)
    by_slot = _aggregate(store, codes, start, end, k, "slot")
    by_sector = _aggregate(store, codes, start, end, k, "sector_code")
    segments, segment_cells = _segment_totals(by_sector)
    present_codes = _withheld_sectors(by_sector, "present_withheld")
    peak, peak_slot, mean = _presence(slots, by_slot, expected, present_codes, names, k)
    per_sector_expected = {c: sum(1 for s in slots if c in expected[s]) for c in codes}
    n_expected = sum(per_sector_expected.values())
    return {
        "slots": slots, "rows": sum(a.seen for a in by_slot.values()), "expected": expected, "peak": peak,
        "peak_slot": peak_slot, "mean": mean,
        "entries": _entries(by_slot, n_expected, _withheld_sectors(by_sector, "entries_withheld"), names, k),
        "segments": _segment_mix(segments, segment_cells, n_expected),
        "by_slot": by_slot, "by_sector": by_sector, "per_sector_expected": per_sector_expected,
        "uv": unique_visitors(store, codes, start, end, k, provider, names),
    }


def shift_period(start: int, end: int, days: int) -> tuple[int, int]:
    """[start, end) moved `days` earlier in Europe/Paris wall-clock time (DST-safe)."""
    def back(ts: int) -> int:
        moment = to_local(ts).replace(tzinfo=None) - timedelta(days=days)
        return int(moment.replace(tzinfo=PARIS).timestamp())
    return back(start), back(end)


def _change(now: Figure | UniqueVisitors, then: Figure | UniqueVisitors) -> float | None:
    """Relative change between two exact figures, else None."""
    if now.value is None or then.value is None or then.value == 0:
        return None
    return (now.value - then.value) / then.value


def _compare(store: Store, codes: tuple[str, ...], start: int, end: int, step: int, k: int,
             names: Mapping[str, str], provider: ZoneVisitorProvider | None, label: str, days: int,
             current: Mapping[str, Any]) -> ZoneComparison | None:
    """The same figures `days` earlier, or None when there is no data then."""
    then_start, then_end = shift_period(start, end, days)
    if not _has_data(store, codes, then_start, then_end):
        return None
    then = _measure(store, codes, then_start, then_end, step, k, names, provider)
    changes = {name: _change(current[key], then[key]) for name, key in
               (("peak_present", "peak"), ("mean_present", "mean"), ("entries", "entries"), ("unique_visitors", "uv"))}
    return ZoneComparison(label, then_start, then_end, then["peak"], then["mean"], then["entries"], then["uv"], changes)


def query_zone(store: Store, codes: Sequence[str], start: int, end: int, settings: Settings,
               provider: ZoneVisitorProvider | None = None, *, compare: bool = True) -> ZoneResult:
    """Unique visitors, entries, peak/mean presence, segment mix and comparisons of a zone over [start, end)."""
    zone = check_sectors(store, codes)
    start, end = int(start), int(end)
    _check_period(start, end, settings)
    k, step = settings.privacy_k, settings.slot_minutes
    names = _sector_names(store, zone)
    now = _measure(store, zone, start, end, step, k, names, provider)
    comparisons = {label: _compare(store, zone, start, end, step, k, names, provider, label, days, now)
                   for label, days in COMPARISONS.items()} if compare else {}
    n_slots = len(now["slots"])
    return ZoneResult(
        zone, start, end, step, k, now["uv"], now["entries"], now["peak"],
        now["peak_slot"] if now["peak"].status != "no_data" else None, now["mean"], now["segments"],
        _series(now["slots"], now["by_slot"], now["expected"]),
        _sector_figures(zone, now["by_sector"], now["per_sector_expected"], n_slots, names, k), comparisons)


def audit_zone_query(store: Store, result: ZoneResult, username: str | None, *, address: str | None = None,
                     zone_name: str | None = None, action: str = "zone.query") -> None:
    """Append the audit line of a zone query (or export: action='zone.export')."""
    from vigie.identity import audit

    audit.record(store, action, username=username, address=address, zone=zone_name or "",
                 sectors=" ".join(result.codes[:40]) + (" ..." if len(result.codes) > 40 else ""),
                 count=len(result.codes), start=result.start, end=result.end)

