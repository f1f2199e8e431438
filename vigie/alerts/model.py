"""Alerts as stored: the Alert record, its API form, and the read functions."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vigie.errors import VigieError
from vigie.i18n import format_decimal, format_int, format_signed, format_time, translate
from vigie.slots import iso_z
from vigie.store import Store

STATES = ("open", "acknowledged", "closed")
FILTERS = (*STATES, "active", "all")
KINDS = ("crisis", "below_usual", "feed_stopped", "forecast")
SEVERITIES = ("info", "warning", "critical")
EVENTS = ("opened", "acknowledged", "closed")
API_FIELDS = ("id", "rule", "kind", "sector", "severity", "opened_at", "state", "acknowledged_by",
              "acknowledged_at", "comment", "closed_at", "exercise_id", "summary")
COLUMNS = ("id, rule, kind, sector, severity, state, slot, opened_at, last_seen_at, last_seen_slot, acknowledged_by, "
            "acknowledged_at, comment, closed_at, closed_by, close_reason, exercise_id, summary_key, summary_params, "
            "version, reopened")


class AlertError(VigieError, ValueError):
    """An alert action cannot be done; the message says why and what to do."""


class AlertNotFound(AlertError):
    """No alert has this id (or it belongs to another exercise)."""


@dataclass(frozen=True)
class Summary:
    """A message key of vigie/locales/alerts.json and its parameters; the edge renders it.

    `held` marks the figures of a sector only held by the ranking's hysteresis (back under the
    threshold): they do not replace the figures an open alert already shows.
    """

    key: str
    params: tuple[tuple[str, Any], ...] = ()
    held: bool = False

    def text(self, lang: str = "fr", **defaults: Any) -> str:
        """The summary in `lang`, numbers and times in its format; `defaults` fill absent parameters."""
        values = {**defaults, **dict(self.params)}
        shown = {name: _format(name, value, lang) for name, value in values.items()}
        return translate(f"alerts.{self.key}", lang, **shown)

    def as_dict(self) -> dict[str, Any]:
        """{"key", "params"} (JSON-ready)."""
        return {"key": self.key, "params": dict(self.params)}


def _format(name: str, value: Any, lang: str) -> str:
    """A summary parameter as text: signed counts, z with one decimal, local times."""
    if value is None:
        return "?"
    if name in ("excess", "delta"):
        return format_signed(value, lang)
    if name in ("present", "usual", "minutes", "deficit"):
        return format_int(value, lang)
    if name == "z":
        return format_decimal(float(value), 1, lang)
    if name in ("since", "slot"):
        return format_time(float(value), lang)
    return str(value)


@dataclass(frozen=True)
class Alert:
    """One alert with its state; times are UTC epoch seconds (wall time), `slot` the data time."""

    id: int
    rule: str
    kind: str
    sector: str | None
    severity: str
    state: str
    slot: int
    opened_at: int
    last_seen_at: int
    last_seen_slot: int
    acknowledged_by: str | None
    acknowledged_at: int | None
    comment: str | None
    closed_at: int | None
    closed_by: str | None
    close_reason: str | None
    exercise_id: int | None
    summary: Summary
    version: int
    reopened: int

    @property
    def is_open(self) -> bool:
        """True while not closed (open or acknowledged)."""
        return self.state != "closed"

    @property
    def duration_seconds(self) -> int | None:
        """How long the alert lasted (None while it is not closed)."""
        return None if self.closed_at is None else self.closed_at - self.opened_at

    def as_api(self, lang: str = "fr") -> dict[str, Any]:
        """The API fields, times in ISO 8601 UTC, summary as text in `lang`."""
        record: dict[str, Any] = {name: getattr(self, name) for name in API_FIELDS if name != "summary"}
        for name in ("opened_at", "acknowledged_at", "closed_at"):
            record[name] = None if record[name] is None else iso_z(record[name])
        record["summary"] = self.summary.text(lang, since=self.slot)
        return record


def alert_from_row(row: dict[str, Any]) -> Alert:
    """An Alert from a row of the alerts table."""
    params = json.loads(row["summary_params"] or "{}")
    values = {k: row[k] for k in row if k not in ("summary_key", "summary_params")}
    return Alert(**values, summary=Summary(row["summary_key"], tuple(sorted(params.items()))))


def get_alert(store: Store, alert_id: int, exercise_id: int | None = None) -> Alert:
    """The alert `alert_id` of the live view (exercise_id None) or of that exercise."""
    rows = store.query(f"SELECT {COLUMNS} FROM alerts WHERE id = ? AND exercise_id IS ?", [int(alert_id), exercise_id])
    if not rows:
        raise not_found(alert_id, exercise_id)
    return alert_from_row(rows[0])


def not_found(alert_id: int, exercise_id: int | None) -> AlertNotFound:
    """The refusal of an alert id that names no alert (of this exercise, when one is given)."""
    if exercise_id is None:
        return AlertNotFound(key="errors.alert_not_found", alert_id=alert_id)
    return AlertNotFound(key="errors.alert_not_found_in_exercise", alert_id=alert_id, exercise_id=exercise_id)


def list_alerts(store: Store, *, state: str = "open", exercise_id: int | None = None, since: int | None = None,
                sector: str | None = None, limit: int = 1000) -> list[Alert]:
    """Alerts newest first in one state ("open" = ouverte, not yet acknowledged), "active" (not closed) or "all".

    Without exercise_id only live alerts are listed; with it, only that exercise's.
    `since` keeps alerts opened at or after it, or still open then.
    """
    if state not in FILTERS:
        raise AlertError(key="errors.alert_state_filter", allowed=", ".join(FILTERS), state=repr(state))
    where: list[str] = ["exercise_id IS ?"]
    params: list[Any] = [exercise_id]
    if state == "active":
        where.append("state != 'closed'")
    elif state != "all":
        where.append("state = ?")
        params.append(state)
    if since is not None:
        where.append("(opened_at >= ? OR closed_at IS NULL OR closed_at >= ?)")
        params += [int(since), int(since)]
    if sector is not None:
        where.append("sector = ?")
        params.append(sector)
    sql = f"SELECT {COLUMNS} FROM alerts WHERE {' AND '.join(where)} ORDER BY opened_at DESC, id DESC LIMIT ?"
    return [alert_from_row(r) for r in store.query(sql, [*params, int(limit)])]


def open_alert_count(store: Store, exercise_id: int | None = None) -> int:
    """How many alerts are open (ouverte: nobody acknowledged them yet), live or in one exercise."""
    return int(store.scalar("SELECT count(*) FROM alerts WHERE exercise_id IS ? AND state = 'open'", [exercise_id]))


def active_alert_count(store: Store, exercise_id: int | None = None) -> int:
    """How many alerts are not closed (open or acknowledged)."""
    return int(store.scalar("SELECT count(*) FROM alerts WHERE exercise_id IS ? AND state != 'closed'", [exercise_id]))
