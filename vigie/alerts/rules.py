"""Alert rules: what opens an alert, stored in alert_rules, narrowed to a zone, an authority or a groupement.

Kinds and their condition at slot t (each returns the findings: sector, summary):
* crisis: the sector is in the crisis ranking (vigie.operations.crisis.crisis_lists: its thresholds, entry
  rule and hysteresis; `min_excess` replaces crisis_min_excess);
* below_usual: the sector is in the below-usual list of the same function (z <= -min_z and a
  shortfall of at least min_excess people, by default crisis_min_z and crisis_min_deficit, with
  the same entry rule and hysteresis);
* feed_stopped: no data for longer than the red threshold (vigie.feed.health), live only;
* forecast: the forecast crosses the crisis thresholds within the next hours (see forecast_adapter).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from vigie.identity import audit
from vigie.alerts.model import KINDS, SEVERITIES, AlertError
from vigie.store import Store
from vigie import sectors as sector_table

RULE_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
PARAMS = {"crisis": {"min_excess"}, "below_usual": {"min_excess", "min_z"}, "feed_stopped": set(),
          "forecast": {"horizon_slots", "min_excess"}}
AUTHORITIES = ("SDIS13", "BMPM")


@dataclass(frozen=True)
class Rule:
    """One stored rule."""

    id: str
    kind: str
    severity: str
    zone_id: int | None
    authority: str | None
    groupement: str | None
    params: tuple[tuple[str, float], ...]
    enabled: bool

    def param(self, name: str, default: float) -> float:
        """A kind-specific threshold, or `default` when the rule does not set it."""
        return float(dict(self.params).get(name, default))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"id": self.id, "kind": self.kind, "severity": self.severity, "zone_id": self.zone_id,
                "authority": self.authority, "groupement": self.groupement, "params": dict(self.params),
                "enabled": self.enabled}


def _rule(row: dict[str, Any]) -> Rule:
    params = tuple(sorted((k, float(v)) for k, v in json.loads(row["params"] or "{}").items()))
    return Rule(row["id"], row["kind"], row["severity"], row["zone_id"], row["authority"], row["groupement"],
                params, bool(row["enabled"]))


def load_rules(store: Store, *, enabled_only: bool = False) -> list[Rule]:
    """Every stored rule (or only the enabled ones), by id."""
    where = " WHERE enabled = 1" if enabled_only else ""
    return [_rule(r) for r in store.query(f"SELECT * FROM alert_rules{where} ORDER BY id")]


def get_rule(store: Store, rule_id: str) -> Rule:
    """The rule `rule_id`, or AlertError naming the rules there are."""
    rows = store.query("SELECT * FROM alert_rules WHERE id = ?", [rule_id])
    if not rows:
        known = ", ".join(r.id for r in load_rules(store))
        raise AlertError(f"no rule {rule_id!r}; rules: {known}")
    return _rule(rows[0])


def _check(store: Store, rule: Rule) -> None:
    """Refuse a rule Vigie could not evaluate, saying what to fix."""
    if not rule.id or set(rule.id) - RULE_ID_CHARS or len(rule.id) > 40:
        raise AlertError(f"rule id {rule.id!r}: 1 to 40 lower-case letters, digits, - or _")
    if rule.kind not in KINDS:
        raise AlertError(f"kind must be one of {', '.join(KINDS)}, not {rule.kind!r}")
    if rule.severity not in SEVERITIES:
        raise AlertError(f"severity must be one of {', '.join(SEVERITIES)}, not {rule.severity!r}")
    unknown = {name for name, _ in rule.params} - PARAMS[rule.kind]
    if unknown:
        allowed = ", ".join(sorted(PARAMS[rule.kind])) or "none"
        raise AlertError(f"a {rule.kind} rule has no parameter {', '.join(sorted(unknown))} (allowed: {allowed})")
    if any(value < 0 for _, value in rule.params):
        raise AlertError("rule parameters must be zero or more")
    if rule.authority is not None and rule.authority not in AUTHORITIES:
        raise AlertError(f"authority must be {' or '.join(AUTHORITIES)}, not {rule.authority!r}")
    if rule.zone_id is not None and store.scalar("SELECT 1 FROM zones WHERE id = ?", [rule.zone_id]) is None:
        raise AlertError(f"no zone with id {rule.zone_id}")
    if rule.kind == "feed_stopped" and (rule.zone_id or rule.authority or rule.groupement):
        raise AlertError("a feed_stopped rule is about the whole feed: it cannot be narrowed")


def save_rule(store: Store, rule: Rule, username: str) -> Rule:
    """Create or replace a rule (checked first), with an audit line."""
    _check(store, rule)
    with store.write() as tx:
        tx.execute("INSERT INTO alert_rules(id, kind, severity, zone_id, authority, groupement, params, enabled, "
                   "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                   "kind = excluded.kind, severity = excluded.severity, zone_id = excluded.zone_id, "
                   "authority = excluded.authority, groupement = excluded.groupement, params = excluded.params, "
                   "enabled = excluded.enabled, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                   [rule.id, rule.kind, rule.severity, rule.zone_id, rule.authority, rule.groupement,
                    json.dumps(dict(rule.params), sort_keys=True), int(rule.enabled), username, int(time.time())])
        audit.record(store, "alert.rule", username=username, rule=rule.id, kind=rule.kind, severity=rule.severity,
                     enabled=rule.enabled, scope=f"{rule.zone_id or ''}/{rule.authority or ''}/{rule.groupement or ''}")
    return get_rule(store, rule.id)


def rule_sectors(store: Store, rule: Rule, groupements: dict[str, str]) -> set[str] | None:
    """The sector codes a rule is narrowed to, or None when it covers every sector."""
    if rule.zone_id is None and rule.authority is None and rule.groupement is None:
        return None
    codes = sector_table.authorities(store)
    keep = set(codes)
    if rule.zone_id is not None:
        keep &= {r["sector_code"] for r in store.query("SELECT sector_code FROM zone_sectors WHERE zone_id = ?",
                                                       [rule.zone_id])}
    if rule.authority is not None:
        keep = {c for c in keep if codes[c] == rule.authority}
    if rule.groupement is not None:
        keep = {c for c in keep if groupements.get(c) == rule.groupement}
    return keep


def crisis_limits(rule: Rule) -> dict[str, Any]:
    """The settings a crisis rule replaces in the crisis ranking (none: the ranking of /crise itself)."""
    params = dict(rule.params)
    return {} if "min_excess" not in params else {"crisis_min_excess": int(params["min_excess"])}


def below_usual_limits(rule: Rule) -> dict[str, Any]:
    """The settings a below_usual rule replaces in the below-usual list (none: the list of /crise itself).

    Its `min_z` is the z-score to reach downwards (crisis_min_z), its `min_excess` the smallest
    shortfall in people (crisis_min_deficit).
    """
    params = dict(rule.params)
    out: dict[str, Any] = {}
    if "min_z" in params:
        out["crisis_min_z"] = float(params["min_z"])
    if "min_excess" in params:
        out["crisis_min_deficit"] = int(params["min_excess"])
    return out
