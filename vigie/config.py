"""Every setting of Vigie in one table: defaults, then VIGIE_* environment, then overrides.

The README's settings table is generated from SETTINGS (tests/core/test_docs.py keeps
them in sync): add a setting here and run `python -m vigie settings-doc`.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from vigie.errors import VigieError

ENV_PREFIX = "VIGIE_"


class InvalidSetting(VigieError, ValueError):
    """A setting has a value Vigie cannot use."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise InvalidSetting(f"expected true/false, got {raw!r}")


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", "instance", "Folder holding the database, the secret key and backups.", str),
    Setting("dept", "13", "Département whose sector catalogue is loaded (data/sectors/NN.geojson).", str),
    Setting("feed", "simulator", "Feed source: `simulator` (embedded operator), `none`, or `csv:DIR` (drop folder).", str),
    Setting("history_weeks", 8, "Weeks of simulated history generated on first start (simulator feed).", int),
    Setting("simulator_seed", 13, "Seed of the embedded simulated operator (same seed, same numbers).", int),
    Setting("slot_minutes", 30, "Length of an observation slot in minutes.", int),
    Setting("privacy_k", 20, "Smallest count ever shown, exported or served; smaller counts read `< k`.", int),
    Setting("secret_key", "", "Flask session key; generated and kept in DATA_DIR/secret_key when empty.", str),
    Setting("refresh_seconds", 60, "How often the situation views refresh themselves, in seconds.", int),
    Setting("wall_rotation_seconds", 20, "How long the wall display (/mur) shows each view before the next.", int),
    Setting("alert_sound_on_display", False, "Alert sound on by default on `display` accounts (wall screens); each device may still turn it off.", _bool),
    Setting("tile_url", "", "Map tile URL template (e.g. a local tile server); empty draws the sectors on a plain background.", str),
    Setting("tile_attribution", "", "Attribution text shown for the map tiles.", str),
    Setting("session_idle_minutes", 30, "A session ends after this many minutes without a user action.", int),
    Setting("session_absolute_hours", 12, "A session ends this many hours after login, whatever happens.", int),
    Setting("display_session_days", 30, "Absolute session length of read-only `display` accounts (wall screens), in days.", int),
    Setting("login_max_failures", 5, "Failed logins per account and address before the login is refused.", int),
    Setting("login_lockout_minutes", 15, "Window and lockout length of the login throttle, in minutes.", int),
    Setting("secure_cookies", False, "Mark the session cookie Secure (set true behind TLS).", _bool),
    Setting("max_upload_mb", 20, "Largest feed batch accepted by the API or the drop folder, in MB.", int),
    Setting("future_tolerance_minutes", 5, "How far in the future a slot may start and still be accepted.", int),
    Setting("stale_amber_slots", 2, "Data older than this many slots turns the freshness indicator amber.", int),
    Setting("stale_red_minutes", 60, "Data older than this many minutes turns the freshness indicator red.", int),
    Setting("crisis_min_z", 4.0, "Crisis ranking: smallest z-score of a significant excess.", float),
    Setting("crisis_min_excess", 1000, "Crisis ranking: smallest excess (people over the usual value).", int),
    Setting("crisis_entry_slots", 2, "Crisis ranking: consecutive significant slots before a sector enters the list.", int),
    Setting("crisis_min_deficit", 2000, "Below-usual list: smallest shortfall (people under the usual value).", int),
    Setting("crisis_hysteresis_slots", 2, "Crisis ranking: slots under the threshold before a sector leaves the list.", int),
    Setting("alert_reopen_minutes", 60, "Alerts: a condition back within this many minutes of its alert closing reopens that alert.", int),
    Setting("alert_recipients", "", "Alerts: comma-separated e-mail addresses that receive every live alert.", str),
    Setting("alert_rule_recipients", "", "Alerts: recipients per rule, `rule=a@x b@y; rule2=c@z` (added to VIGIE_ALERT_RECIPIENTS).", str),
    Setting("alert_webhooks", "", "Alerts: comma-separated webhook URLs that receive every live alert (JSON POST, signed).", str),
    Setting("webhook_secret", "", "Alerts: key of the `X-Vigie-Signature` HMAC-SHA256 of each webhook body (required with webhooks).", str),
    Setting("alert_exercise_recipients", "", "Alerts: e-mail addresses that receive exercise alerts (none by default: exercises stay inside Vigie).", str),
    Setting("alert_exercise_webhooks", "", "Alerts: webhook URLs that receive exercise alerts (none by default).", str),
    Setting("alert_poll_seconds", 1.0, "Alert sender: how often it looks for notifications to send and rules to evaluate, in seconds.", float),
    Setting("alert_retry_base_seconds", 5.0, "Alert sender: first retry delay after a failed delivery; doubled at each failure.", float),
    Setting("alert_retry_max_seconds", 120.0, "Alert sender: longest delay between two attempts (deliveries are retried until they succeed).", float),
    Setting("alert_lease_seconds", 60.0, "Alert sender: how long a delivery being sent is reserved before another sender may retry it.", float),
    Setting("alert_send_timeout_seconds", 10.0, "Alert sender: timeout of one SMTP or webhook exchange, in seconds.", float),
    Setting("smtp_host", "", "Alert e-mail: SMTP server (empty: no e-mail is sent).", str),
    Setting("smtp_port", 587, "Alert e-mail: SMTP port.", int),
    Setting("smtp_starttls", True, "Alert e-mail: upgrade the SMTP connection with STARTTLS (refuse to send without it).", _bool),
    Setting("smtp_ca_file", "", "Alert e-mail: CA bundle that signs the SMTP server certificate (empty: the system's).", str),
    Setting("smtp_user", "", "Alert e-mail: SMTP login (empty: no authentication).", str),
    Setting("smtp_password", "", "Alert e-mail: SMTP password.", str),
    Setting("smtp_sender", "vigie@localhost", "Alert e-mail: From address.", str),
    Setting("response_target_minutes", 20, "Allocation: response-time target (SDACR), in minutes.", int),
    Setting("mutual_aid", False, "Allocation: allow SDIS and BMPM resources to cross into each other's sectors.", _bool),
    Setting("allocation_demand_basis", "usual", "Allocation: extra people counted against the `usual` value (default) or the INSEE `residents` (a resort full every summer day calls for reinforcement).", str),
    Setting("zone_query_max_days", 400, "Longest period a zone query may cover, in days.", int),
    Setting("retention_days", 400, "Observations older than this are deleted by `vigie retention` (0 keeps all).", int),
    Setting("backup_keep", 7, "How many backups `vigie backup` keeps.", int),
    Setting("language", "fr", "Default interface language (`fr` or `en`); each user may choose their own.", str),
    Setting("behind_proxy", False, "Trust one reverse-proxy hop (X-Forwarded-For/-Proto) for the client address; set true behind the TLS proxy.", _bool),
    Setting("log_level", "INFO", "Log level: DEBUG, INFO, WARNING or ERROR.", str),
    Setting("debug", False, "Dash/Flask debug mode. Never in production.", _bool),
    Setting("log_json", True, "Write logs as JSON lines.", _bool),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class Settings(dict):
    """Resolved settings: attribute access over a plain dict."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc

    @property
    def data_path(self) -> Path:
        return Path(self["data_dir"])

    @property
    def db_path(self) -> Path:
        return self.data_path / "vigie.db"


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve settings: defaults, then VIGIE_* environment variables, then overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        values[setting.name] = setting.default
        if setting.env in env:
            try:
                values[setting.name] = setting.parse(env[setting.env])
            except (ValueError, InvalidSetting) as exc:
                raise InvalidSetting(f"{setting.env}: {exc}") from exc
    for name, value in (overrides or {}).items():
        if name not in _BY_NAME:
            raise InvalidSetting(f"unknown setting {name!r}")
        values[name] = value
    _check(values)
    return Settings(values)


def _check(values: Mapping[str, Any]) -> None:
    feed = str(values["feed"])
    if feed not in {"simulator", "none"} and not feed.startswith("csv:"):
        raise InvalidSetting(f"VIGIE_FEED must be simulator, none or csv:DIR, not {feed!r}")
    if 1440 % int(values["slot_minutes"]):
        raise InvalidSetting("VIGIE_SLOT_MINUTES must divide a day (e.g. 15, 30, 60)")
    if int(values["privacy_k"]) < 1:
        raise InvalidSetting("VIGIE_PRIVACY_K must be at least 1")
    if str(values["log_level"]).upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise InvalidSetting("VIGIE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    if values["language"] not in {"fr", "en"}:
        raise InvalidSetting("VIGIE_LANGUAGE must be fr or en")
    if values["allocation_demand_basis"] not in {"usual", "residents"}:
        raise InvalidSetting("VIGIE_ALLOCATION_DEMAND_BASIS must be usual or residents")
    _check_alerts(values)


def split_list(raw: str) -> list[str]:
    """Items of a comma-separated setting, blanks dropped."""
    return [item.strip() for item in str(raw).split(",") if item.strip()]


def rule_recipients(raw: str) -> dict[str, list[str]]:
    """VIGIE_ALERT_RULE_RECIPIENTS as {rule: [addresses]}."""
    out: dict[str, list[str]] = {}
    for part in str(raw).split(";"):
        if not part.strip():
            continue
        rule, sep, addresses = part.partition("=")
        if not sep or not rule.strip():
            raise InvalidSetting(f"VIGIE_ALERT_RULE_RECIPIENTS: expected rule=a@x b@y, got {part.strip()!r}")
        out[rule.strip()] = addresses.replace(",", " ").split()
    return out


def _check_alerts(values: Mapping[str, Any]) -> None:
    """Webhook URLs are http(s) and signed; addresses look like addresses."""
    for name in ("alert_webhooks", "alert_exercise_webhooks"):
        for url in split_list(values[name]):
            if not url.startswith(("http://", "https://")):
                raise InvalidSetting(f"VIGIE_{name.upper()}: {url!r} is not an http:// or https:// URL")
    if (split_list(values["alert_webhooks"]) or split_list(values["alert_exercise_webhooks"])) and not values["webhook_secret"]:
        raise InvalidSetting("VIGIE_WEBHOOK_SECRET must be set when webhooks are: receivers check the signature with it")
    addresses = [*split_list(values["alert_recipients"]), *split_list(values["alert_exercise_recipients"])]
    addresses += [a for group in rule_recipients(values["alert_rule_recipients"]).values() for a in group]
    for address in addresses:
        if "@" not in address or any(ch.isspace() or ch in "<>" for ch in address):
            raise InvalidSetting(f"alert recipients: {address!r} is not an e-mail address")
    if float(values["alert_poll_seconds"]) <= 0 or float(values["alert_retry_base_seconds"]) <= 0:
        raise InvalidSetting("VIGIE_ALERT_POLL_SECONDS and VIGIE_ALERT_RETRY_BASE_SECONDS must be more than 0")


def ensure_secret_key(settings: Settings) -> str:
    """Return the session key, creating DATA_DIR/secret_key (mode 600) on first use."""
    if settings["secret_key"]:
        return str(settings["secret_key"])
    path = settings.data_path / "secret_key"
    if not path.exists():
        settings.data_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def settings_markdown() -> str:
    """Render the settings table for the README."""
    lines = ["| variable | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = "" if s.default in ("", None) else f"`{s.default}`"
        lines.append(f"| `{s.env}` | {default} | {s.help} |")
    return "\n".join(lines)
