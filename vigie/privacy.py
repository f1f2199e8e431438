"""What may leave the server: small-count suppression and the differencing guard.

One rule, k = settings.privacy_k (20): no count below k is shown, exported or served,
nor any value computed from such a count (ratio, delta, rank, zone total). A count the
operator already suppressed (NULL in the database) is treated the same way.

Differencing attack: if the total of zone {A, B} and the value of A were both published
while B itself is below k, anyone could compute B = total - A. `zone_total` therefore
refuses a zone total as soon as one member sector is suppressed, even when the total
itself is large. Zone queries must go through it (or through `check_zone`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from vigie.errors import VigieError
from vigie.i18n import NBSP, format_int

DEFAULT_K = 20
SUPPRESSED_FIELD = "suppressed"


class ZoneTotalRefused(VigieError, ValueError):
    """A zone total would reveal a suppressed sector by subtraction."""

    def __init__(self, sectors: Sequence[str], k: int) -> None:
        listed = ", ".join(sectors[:10]) + (" ..." if len(sectors) > 10 else "")
        super().__init__(
            f"zone total refused: sector(s) {listed} have fewer than {k} people or were suppressed; "
            "remove them from the zone or choose a longer period"
        )
        self.sectors = list(sectors)
        self.k = k


def is_suppressed(value: int | float | None, k: int = DEFAULT_K) -> bool:
    """True when the count may not leave the server (missing or below k)."""
    return value is None or value < k


def suppress(value: int | float | None, k: int = DEFAULT_K) -> int | None:
    """The count as an int when it may be shown, else None."""
    if is_suppressed(value, k):
        return None
    return int(value)  # type: ignore[arg-type]


def display(value: int | float | None, lang: str = "fr", k: int = DEFAULT_K) -> str:
    """Text for a count: the formatted number, or "< k" when suppressed."""
    shown = suppress(value, k)
    if shown is None:
        return f"<{NBSP}{k}" if lang == "fr" else f"< {k}"
    return format_int(shown, lang)


def safe_ratio(num: int | float | None, den: int | float | None, k: int = DEFAULT_K) -> float | None:
    """num / den, or None when either count is suppressed (the denominator is then >= k > 0)."""
    if is_suppressed(num, k) or is_suppressed(den, k):
        return None
    return float(num) / float(den)  # type: ignore[arg-type]


def safe_delta(value: int | float | None, reference: int | float | None, k: int = DEFAULT_K) -> int | None:
    """value - reference, or None when either count is suppressed."""
    if is_suppressed(value, k) or is_suppressed(reference, k):
        return None
    return int(value) - int(reference)  # type: ignore[arg-type]


def redact_rows(rows: Iterable[Mapping[str, Any]], fields: Sequence[str], k: int = DEFAULT_K) -> list[dict[str, Any]]:
    """Copies of rows whose suppressed `fields` are None, listed under the key "suppressed"."""
    out = []
    for row in rows:
        clean = dict(row)
        hidden = [name for name in fields if is_suppressed(clean.get(name), k)]
        for name in hidden:
            clean[name] = None
        clean[SUPPRESSED_FIELD] = hidden
        out.append(clean)
    return out


@dataclass(frozen=True)
class ZoneCheck:
    """Outcome of the differencing guard for one zone."""

    total: int | None
    suppressed_sectors: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return self.total is not None


def check_zone(values: Mapping[str, int | float | None], k: int = DEFAULT_K) -> ZoneCheck:
    """Sum a zone's sector counts unless a member is suppressed or the sum is below k."""
    hidden = tuple(sorted(code for code, value in values.items() if is_suppressed(value, k)))
    if hidden or not values:
        return ZoneCheck(None, hidden)
    total = sum(int(v) for v in values.values() if v is not None)
    return ZoneCheck(suppress(total, k), hidden)


def zone_total(values: Mapping[str, int | float | None], k: int = DEFAULT_K) -> int | None:
    """The zone total, or None when any member sector is suppressed (differencing guard)."""
    return check_zone(values, k).total


def require_zone_total(values: Mapping[str, int | float | None], k: int = DEFAULT_K) -> int:
    """The zone total, or raise ZoneTotalRefused naming the sectors to remove."""
    result = check_zone(values, k)
    if result.total is None:
        raise ZoneTotalRefused(list(result.suppressed_sectors) or list(values), k)
    return result.total
