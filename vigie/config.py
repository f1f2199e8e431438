"""Every setting of Vigie, declared once: defaults, then VIGIE_* environment, then overrides.

`Settings` is a frozen dataclass: each field is one setting, with its one default and its
help line. SETTINGS, the table of those fields, generates the README's settings table
(tests/core/test_docs.py keeps them in sync): add a field here and run
`python -m vigie settings-doc`. Values are checked when settings are built (a wrong type,
an unknown feed...): build them with `load_settings`, change one with `dataclasses.replace`.
"""
from __future__ import annotations

import os
import secrets
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import vigie
from vigie.privacy import DEFAULT_K
from vigie.slots import DEFAULT_SLOT_MINUTES

from vigie.errors import VigieError

ENV_PREFIX = "VIGIE_"
# The data/ folder beside the vigie package (a checkout or a release): the default reference data.
SHIPPED_DATA_DIR = Path(vigie.__file__).resolve().parent.parent / "data"
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}
EXPECTED = {str: "text", int: "a whole number (e.g. 30)", float: "a number (e.g. 1.5)",
            bool: "true or false (1/0, yes/no, on/off)", Path: "a folder path"}


class InvalidSetting(VigieError, ValueError):
    """A setting has a value Vigie cannot use."""


def _setting(default: Any, help: str, *, shown: str | None = None) -> Any:
    """A field of Settings: its default, its help line and (for a folder) how the README shows its default."""
    return field(default=default, metadata={"help": help, "shown": shown})


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one Vigie installation (build them with load_settings)."""

    data_dir: str = _setting("instance", "Folder holding the database, the secret key and backups.")
    reference_dir: Path = _setting(SHIPPED_DATA_DIR, "Folder of the département's reference data, laid out as the "
                                   "`data/` folder shipped with Vigie: sectors/, stations/, massifs/, events/, "
                                   "scenarios/, allocation/.", shown="data/")
    dept: str = _setting("13", "Département whose sector catalogue is loaded (sectors/NN.geojson of the reference "
                               "data).")
    feed: str = _setting("simulator", "Feed source: `simulator` (embedded operator), `none`, or `csv:DIR` (drop "
                                      "folder).")
    history_weeks: int = _setting(8, "Weeks of simulated history generated on first start (simulator feed).")
    simulator_seed: int = _setting(13, "Seed of the embedded simulated operator (same seed, same numbers).")
    slot_minutes: int = _setting(DEFAULT_SLOT_MINUTES, "Length of an observation slot in minutes.")
    privacy_k: int = _setting(DEFAULT_K, "Smallest count ever shown, exported or served; smaller counts read `< k`.")
    secret_key: str = _setting("", "Flask session key; generated and kept in DATA_DIR/secret_key when empty.")
    refresh_seconds: int = _setting(60, "How often the situation views refresh themselves, in seconds.")
    wall_rotation_seconds: int = _setting(20, "How long the wall display (/mur) shows each view before the next.")
    alert_sound_on_display: bool = _setting(False, "Alert sound on by default on `display` accounts (wall screens); "
                                                   "each device may still turn it off.")
    tile_url: str = _setting("", "Map tile URL template (e.g. a local tile server); empty draws the sectors on a plain "
                                 "background.")
    tile_attribution: str = _setting("", "Attribution text shown for the map tiles.")
    session_idle_minutes: int = _setting(30, "A session ends after this many minutes without a user action (an admin "
                                             "may give a role its own idle time on /admin; wall displays have none).")
    session_warning_seconds: int = _setting(120, "How long before a session ends every page warns and offers "
                                                 "\"Rester connecté\", in seconds (10 to 240).")
    session_absolute_hours: int = _setting(12, "A session ends this many hours after login, whatever happens.")
    display_session_days: int = _setting(30, "Absolute session length of read-only `display` accounts (wall screens), "
                                             "in days.")
    login_max_failures: int = _setting(5, "Failed logins per account and address before the login is refused.")
    login_lockout_minutes: int = _setting(15, "Window and lockout length of the login throttle, in minutes.")
    secure_cookies: bool = _setting(False, "Mark the session cookie Secure (set true behind TLS).")
    max_upload_mb: int = _setting(20, "Largest feed batch accepted by the API or the drop folder, in MB.")
    future_tolerance_minutes: int = _setting(5, "How far in the future a slot may start and still be accepted.")
    stale_amber_slots: int = _setting(2, "Data older than this many slots turns the freshness indicator amber.")
    stale_red_minutes: int = _setting(60, "Data older than this many minutes turns the freshness indicator red.")
    crisis_min_z: float = _setting(4.0, "Crisis ranking: smallest z-score of a significant excess.")
    crisis_min_excess: int = _setting(1000, "Crisis ranking: smallest excess (people over the usual value).")
    crisis_entry_slots: int = _setting(2, "Crisis ranking: consecutive significant slots before a sector enters the "
                                          "list.")
    crisis_min_deficit: int = _setting(2000, "Below-usual list: smallest shortfall (people under the usual value).")
    crisis_hysteresis_slots: int = _setting(2, "Crisis ranking: slots under the threshold before a sector leaves the "
                                               "list.")
    alert_reopen_minutes: int = _setting(60, "Alerts: a condition back within this many minutes of its alert closing "
                                             "reopens that alert.")
    alert_recipients: str = _setting("", "Alerts: comma-separated e-mail addresses that receive every live alert.")
    alert_rule_recipients: str = _setting("", "Alerts: recipients per rule, `rule=a@x b@y; rule2=c@z` (added to "
                                              "VIGIE_ALERT_RECIPIENTS).")
    alert_webhooks: str = _setting("", "Alerts: comma-separated webhook URLs that receive every live alert (JSON POST, "
                                       "signed).")
    webhook_secret: str = _setting("", "Alerts: key of the `X-Vigie-Signature` HMAC-SHA256 of each webhook body "
                                       "(required with webhooks).")
    alert_exercise_recipients: str = _setting("", "Alerts: e-mail addresses that receive exercise alerts (none by "
                                                  "default: exercises stay inside Vigie).")
    alert_exercise_webhooks: str = _setting("", "Alerts: webhook URLs that receive exercise alerts (none by default).")
    alert_poll_seconds: float = _setting(1.0, "Alert sender: how often it looks for notifications to send and rules to "
                                              "evaluate, in seconds.")
    alert_retry_base_seconds: float = _setting(5.0, "Alert sender: first retry delay after a failed delivery; doubled "
                                                    "at each failure.")
    alert_retry_max_seconds: float = _setting(120.0, "Alert sender: longest delay between two attempts (deliveries are "
                                                     "retried until they succeed).")
    alert_lease_seconds: float = _setting(60.0, "Alert sender: how long a delivery being sent is reserved before "
                                                "another sender may retry it.")
    alert_send_timeout_seconds: float = _setting(10.0, "Alert sender: timeout of one SMTP or webhook exchange, in "
                                                       "seconds.")
    smtp_host: str = _setting("", "Alert e-mail: SMTP server (empty: no e-mail is sent).")
    smtp_port: int = _setting(587, "Alert e-mail: SMTP port.")
    smtp_starttls: bool = _setting(True, "Alert e-mail: upgrade the SMTP connection with STARTTLS (refuse to send "
                                         "without it).")
    smtp_ca_file: str = _setting("", "Alert e-mail: CA bundle that signs the SMTP server certificate (empty: the "
                                     "system's).")
    smtp_user: str = _setting("", "Alert e-mail: SMTP login (empty: no authentication).")
    smtp_password: str = _setting("", "Alert e-mail: SMTP password.")
    smtp_sender: str = _setting("vigie@localhost", "Alert e-mail: From address.")
    response_target_minutes: int = _setting(20, "Allocation: response-time target (SDACR), in minutes.")
    mutual_aid: bool = _setting(False, "Allocation: allow SDIS and BMPM resources to cross into each other's sectors.")
    allocation_demand_basis: str = _setting("usual", "Allocation: extra people counted against the `usual` value "
                                                     "(default) or the INSEE `residents` (a resort full every summer "
                                                     "day calls for reinforcement).")
    zone_query_max_days: int = _setting(400, "Longest period a zone query may cover, in days.")
    retention_days: int = _setting(400, "Observations older than this are deleted by `vigie retention` (0 keeps all).")
    backup_keep: int = _setting(7, "How many backups `vigie backup` keeps.")
    language: str = _setting("fr", "Default interface language (`fr` or `en`); each user may choose their own.")
    behind_proxy: bool = _setting(False, "Trust one reverse-proxy hop (X-Forwarded-For/-Proto) for the client address; "
                                         "set true behind the TLS proxy.")
    log_level: str = _setting("INFO", "Log level: DEBUG, INFO, WARNING or ERROR.")
    debug: bool = _setting(False, "Dash/Flask debug mode. Never in production.")
    log_json: bool = _setting(True, "Write logs as JSON lines.")

    def __post_init__(self) -> None:
        """Refuse a value of the wrong type or an inconsistent combination (InvalidSetting says which)."""
        for setting in SETTINGS:
            object.__setattr__(self, setting.name, setting.coerce(getattr(self, setting.name)))
        _check(self)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def db_path(self) -> Path:
        return self.data_path / "vigie.db"


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: a field of Settings, its VIGIE_* variable and its type."""

    name: str
    default: Any
    help: str
    kind: type
    shown: str | None = None

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    def parse(self, raw: str) -> Any:
        """The value of a VIGIE_* environment variable, as this setting's type (a folder: see coerce)."""
        try:
            if self.kind is bool:
                return _bool(raw)
            return self.kind(raw.strip()) if self.kind in (int, float) else raw
        except ValueError:
            raise self.refused(raw) from None

    def coerce(self, value: Any) -> Any:
        """The value as this setting's type (a float from an int, a folder from a str), else InvalidSetting."""
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if self.kind is Path and isinstance(value, str) and value:
            return Path(value)
        if isinstance(value, self.kind) and (self.kind is bool or not isinstance(value, bool)):
            return value
        raise self.refused(value)

    def refused(self, value: Any) -> InvalidSetting:
        """The error for a value of the wrong type: which variable, what it must be."""
        return InvalidSetting(f"{self.env} ({self.name}) must be {EXPECTED[self.kind]}, not {value!r}")


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE or value in FALSE:
        return value in TRUE
    raise ValueError(raw)


_TYPES = typing.get_type_hints(Settings)
SETTINGS: tuple[Setting, ...] = tuple(Setting(f.name, f.default, f.metadata["help"], _TYPES[f.name],
                                              f.metadata["shown"]) for f in fields(Settings))
_BY_NAME = {s.name: s for s in SETTINGS}


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve settings: defaults, then VIGIE_* environment variables, then overrides (typed values)."""
    env = os.environ if environ is None else environ
    values = {s.name: s.parse(env[s.env]) for s in SETTINGS if s.env in env}
    for name, value in (overrides or {}).items():
        if name not in _BY_NAME:
            raise InvalidSetting(f"unknown setting {name!r}")
        values[name] = value
    return Settings(**values)


def _check(settings: Settings) -> None:
    feed = settings.feed
    if feed not in {"simulator", "none"} and not feed.startswith("csv:"):
        raise InvalidSetting(f"VIGIE_FEED must be simulator, none or csv:DIR, not {feed!r}")
    if settings.slot_minutes < 1 or 1440 % settings.slot_minutes:
        raise InvalidSetting("VIGIE_SLOT_MINUTES must divide a day (e.g. 15, 30, 60)")
    if settings.privacy_k < 1:
        raise InvalidSetting("VIGIE_PRIVACY_K must be at least 1")
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise InvalidSetting("VIGIE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    if settings.language not in {"fr", "en"}:
        raise InvalidSetting("VIGIE_LANGUAGE must be fr or en")
    if settings.allocation_demand_basis not in {"usual", "residents"}:
        raise InvalidSetting("VIGIE_ALLOCATION_DEMAND_BASIS must be usual or residents")
    if settings.session_idle_minutes < 1:
        raise InvalidSetting("VIGIE_SESSION_IDLE_MINUTES must be at least 1")
    if not 10 <= settings.session_warning_seconds <= 240:
        raise InvalidSetting("VIGIE_SESSION_WARNING_SECONDS must be between 10 and 240 (less than the shortest idle "
                             "time an admin may choose, 5 minutes)")
    _check_alerts(settings)


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


def _check_alerts(settings: Settings) -> None:
    """Webhook URLs are http(s) and signed; addresses look like addresses."""
    for name in ("alert_webhooks", "alert_exercise_webhooks"):
        for url in split_list(getattr(settings, name)):
            if not url.startswith(("http://", "https://")):
                raise InvalidSetting(f"VIGIE_{name.upper()}: {url!r} is not an http:// or https:// URL")
    webhooks = split_list(settings.alert_webhooks) or split_list(settings.alert_exercise_webhooks)
    if webhooks and not settings.webhook_secret:
        raise InvalidSetting("VIGIE_WEBHOOK_SECRET must be set when webhooks are: receivers check the signature with it")
    addresses = [*split_list(settings.alert_recipients), *split_list(settings.alert_exercise_recipients)]
    addresses += [a for group in rule_recipients(settings.alert_rule_recipients).values() for a in group]
    for address in addresses:
        if "@" not in address or any(ch.isspace() or ch in "<>" for ch in address):
            raise InvalidSetting(f"alert recipients: {address!r} is not an e-mail address")
    if settings.alert_poll_seconds <= 0 or settings.alert_retry_base_seconds <= 0:
        raise InvalidSetting("VIGIE_ALERT_POLL_SECONDS and VIGIE_ALERT_RETRY_BASE_SECONDS must be more than 0")


def ensure_secret_key(settings: Settings) -> str:
    """Return the session key, creating DATA_DIR/secret_key (mode 600) on first use."""
    if settings.secret_key:
        return settings.secret_key
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
        shown = s.default if s.shown is None else s.shown
        default = "" if shown == "" else f"`{shown}`"
        lines.append(f"| `{s.env}` | {default} | {s.help} |")
    return "\n".join(lines)
