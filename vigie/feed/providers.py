"""What a feed provider answers besides its batches: today, exact unique visitors of a zone.

A zone's unique visitors cannot be summed from its sectors (one person seen in two sectors
counts once). The operator's API answers them for any union of sectors; the embedded simulator
is one such provider, a real operator's client will be another. The rest of Vigie asks
`zone_provider(settings)` and never names a provider.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vigie.config import Settings


class ZoneVisitorProvider(Protocol):
    """A source that answers unique visitors of a union of sectors exactly."""

    def zone_unique_visitors(self, codes: Sequence[str], start: int, end: int) -> int | None:
        """Distinct people seen in any of `codes` during [start, end); None when it cannot say."""
        ...


def zone_provider(settings: Settings) -> ZoneVisitorProvider | None:
    """The configured feed's zone provider; None when the feed cannot answer (zone figures are then bounds)."""
    if settings.feed != "simulator":
        return None
    from vigie.feed.simulator import Simulator

    return Simulator.from_settings(settings)
