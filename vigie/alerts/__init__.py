"""Alerts: rules evaluated after every accepted batch, states, and notifications through an outbox.

Stable entry points (the screens build on them): `list_alerts`, `get_alert`, `acknowledge`,
`close`, `open_alert_count`, `active_alert_count`, and `Alert` with its `as_api()` form.
"""
from __future__ import annotations

from vigie.alerts.model import (
    API_FIELDS,
    EVENTS,
    FILTERS,
    KINDS,
    SEVERITIES,
    STATES,
    Alert,
    AlertError,
    AlertNotFound,
    Summary,
    active_alert_count,
    get_alert,
    list_alerts,
    open_alert_count,
)
from vigie.alerts.states import acknowledge, close

__all__ = ["API_FIELDS", "EVENTS", "FILTERS", "KINDS", "SEVERITIES", "STATES", "Alert", "AlertError", "AlertNotFound",
           "Summary", "acknowledge", "active_alert_count", "close", "get_alert", "list_alerts", "open_alert_count"]
