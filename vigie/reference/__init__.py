"""Usual values: what a sector holds at this local time on this kind of day, in this season.

The model (vigie.reference.model, docs/methods.md) compares each day with past days of the
same type (Sundays with public holidays and bridges, school holidays as their own regime,
Christmas week...), scales that profile by the sector's recent level, and estimates the
spread and band from the residuals pooled over the last four weeks. Flagged sector-days
(events, crises) are left out; when that leaves too few days of the same type, more
distant or pooled days stand in and the value says so (`describe`).
"""
from __future__ import annotations

from vigie.reference.compute import (INSUFFICIENT_HISTORY, RebuildReport, Usual, compute_reference,
                                     mark_batches_refreshed, read_reference, rebuild_reference, refreshed_batch,
                                     sector_codes, update_reference)
from vigie.reference.explain import describe
from vigie.reference.flags import (EVENT_MIN_DAILY_ATTENDANCE, InvalidExclusion, event_days, flag_day,
                                   flag_events, list_flags, unflag_day)
from vigie.reference.model import MAD_SCALE

__all__ = ["EVENT_MIN_DAILY_ATTENDANCE", "INSUFFICIENT_HISTORY", "InvalidExclusion", "MAD_SCALE", "RebuildReport",
           "Usual", "compute_reference", "describe", "mark_batches_refreshed", "event_days", "flag_day", "flag_events", "list_flags",
           "read_reference", "rebuild_reference", "refreshed_batch", "sector_codes", "unflag_day", "update_reference"]
