from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from vigie.config import (SETTINGS, SHIPPED_DATA_DIR, InvalidSetting, Settings, ensure_secret_key, load_settings,
                          settings_markdown)
from vigie.privacy import DEFAULT_K
from vigie.slots import DEFAULT_SLOT_MINUTES

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_then_environment_then_overrides() -> None:
    assert load_settings(environ={}).slot_minutes == 30
    assert load_settings(environ={"VIGIE_SLOT_MINUTES": "15"}).slot_minutes == 15
    assert load_settings({"slot_minutes": 60}, environ={"VIGIE_SLOT_MINUTES": "15"}).slot_minutes == 60


def test_bad_values_say_which_variable() -> None:
    with pytest.raises(InvalidSetting, match="VIGIE_PRIVACY_K"):
        load_settings(environ={"VIGIE_PRIVACY_K": "twenty"})
    with pytest.raises(InvalidSetting, match="VIGIE_FEED"):
        load_settings(environ={"VIGIE_FEED": "kafka"})
    with pytest.raises(InvalidSetting, match="unknown setting"):
        load_settings({"no_such_thing": 1}, environ={})
    with pytest.raises(InvalidSetting, match="VIGIE_SECURE_COOKIES"):
        load_settings(environ={"VIGIE_SECURE_COOKIES": "maybe"})


@pytest.mark.parametrize("environ", [{"VIGIE_SESSION_WARNING_SECONDS": "5"}, {"VIGIE_SESSION_WARNING_SECONDS": "300"},
                                     {"VIGIE_SESSION_IDLE_MINUTES": "0"}])
def test_session_warning_and_idle_times_are_bounded(environ: dict[str, str]) -> None:
    with pytest.raises(InvalidSetting, match=next(iter(environ))):
        load_settings(environ=environ)
    assert load_settings(environ={"VIGIE_SESSION_WARNING_SECONDS": "240"}).session_warning_seconds == 240


def test_feed_accepts_csv_folder() -> None:
    assert load_settings(environ={"VIGIE_FEED": "csv:/srv/drop"}).feed == "csv:/srv/drop"


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": str(tmp_path)}, environ={})
    first = ensure_secret_key(settings)
    assert len(first) == 64 and ensure_secret_key(settings) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_every_setting_has_help_and_a_unique_name() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(s.help.endswith(".") or s.help.endswith(")") for s in SETTINGS)


# -- the typed dataclass --------------------------------------------------------------------------------------
def test_fields_are_exactly_the_settings_table_with_one_default_each() -> None:
    assert [f.name for f in dataclasses.fields(Settings)] == [s.name for s in SETTINGS]
    defaults = load_settings(environ={})
    assert defaults == Settings()
    assert all(getattr(defaults, s.name) == s.default for s in SETTINGS)
    assert defaults.privacy_k == DEFAULT_K and defaults.slot_minutes == DEFAULT_SLOT_MINUTES
    assert defaults.reference_dir == SHIPPED_DATA_DIR == ROOT / "data"


def test_settings_are_frozen_and_typed() -> None:
    settings = load_settings(environ={"VIGIE_SLOT_MINUTES": "15", "VIGIE_CRISIS_MIN_Z": "3", "VIGIE_DEBUG": "yes",
                                      "VIGIE_REFERENCE_DIR": "/srv/vigie/data"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.slot_minutes = 60  # type: ignore[misc]
    assert settings.slot_minutes == 15 and settings.crisis_min_z == 3.0 and isinstance(settings.crisis_min_z, float)
    assert settings.debug is True and settings.reference_dir == Path("/srv/vigie/data")
    assert all(isinstance(getattr(settings, s.name), s.kind) for s in SETTINGS)
    assert {s.kind for s in SETTINGS} == {str, int, float, bool, Path}
    assert load_settings({"reference_dir": "/srv/other"}, environ={}).reference_dir == Path("/srv/other")


@pytest.mark.parametrize("environ, expected", [
    ({"VIGIE_SLOT_MINUTES": "half an hour"}, r"VIGIE_SLOT_MINUTES \(slot_minutes\) must be a whole number .*'half an hour'"),
    ({"VIGIE_CRISIS_MIN_Z": "high"}, r"VIGIE_CRISIS_MIN_Z \(crisis_min_z\) must be a number .*'high'"),
    ({"VIGIE_MUTUAL_AID": "2"}, r"VIGIE_MUTUAL_AID \(mutual_aid\) must be true or false .*'2'"),
    ({"VIGIE_REFERENCE_DIR": ""}, r"VIGIE_REFERENCE_DIR \(reference_dir\) must be a folder path"),
])
def test_a_wrong_type_in_the_environment_names_the_variable_and_what_it_must_be(environ: dict[str, str],
                                                                                expected: str) -> None:
    with pytest.raises(InvalidSetting, match=expected):
        load_settings(environ=environ)


@pytest.mark.parametrize("overrides, expected", [
    ({"slot_minutes": "abc"}, r"VIGIE_SLOT_MINUTES \(slot_minutes\) must be a whole number \(e\.g\. 30\), not 'abc'"),
    ({"privacy_k": 20.0}, r"VIGIE_PRIVACY_K \(privacy_k\) must be a whole number"),
    ({"history_weeks": True}, r"VIGIE_HISTORY_WEEKS \(history_weeks\) must be a whole number .*True"),
    ({"secure_cookies": "true"}, r"VIGIE_SECURE_COOKIES \(secure_cookies\) must be true or false .*'true'"),
    ({"crisis_min_z": "4"}, r"VIGIE_CRISIS_MIN_Z \(crisis_min_z\) must be a number"),
    ({"dept": 13}, r"VIGIE_DEPT \(dept\) must be text, not 13"),
])
def test_a_wrong_type_in_the_overrides_is_refused(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(InvalidSetting, match=expected):
        load_settings(overrides, environ={})


def test_an_int_is_taken_for_a_float() -> None:
    settings = load_settings({"crisis_min_z": 3}, environ={})
    assert settings.crisis_min_z == 3.0 and isinstance(settings.crisis_min_z, float)


def test_replace_gives_checked_new_settings() -> None:
    base = load_settings(environ={})
    tuned = dataclasses.replace(base, response_target_minutes=35, crisis_min_excess=500)
    assert (tuned.response_target_minutes, tuned.crisis_min_excess) == (35, 500)
    assert (base.response_target_minutes, base.crisis_min_excess) == (20, 1000)
    assert dataclasses.replace(tuned, response_target_minutes=20, crisis_min_excess=1000) == base
    with pytest.raises(InvalidSetting, match="VIGIE_SLOT_MINUTES must divide a day"):
        dataclasses.replace(base, slot_minutes=7)
    with pytest.raises(InvalidSetting, match="VIGIE_FEED must be simulator, none or csv:DIR"):
        dataclasses.replace(base, feed="kafka")
    with pytest.raises(InvalidSetting, match=r"VIGIE_MAX_UPLOAD_MB \(max_upload_mb\) must be a whole number"):
        dataclasses.replace(base, max_upload_mb="20")


def test_settings_markdown_shows_the_shipped_folder_not_a_machine_path() -> None:
    table = settings_markdown()
    assert "| `VIGIE_REFERENCE_DIR` | `data/` |" in table and str(SHIPPED_DATA_DIR) not in table
    assert table.count("\n") == len(SETTINGS) + 1


# -- no second default anywhere ---------------------------------------------------------------------------------
CODE = sorted([ROOT / "app.py", *(p for folder in ("vigie", "server", "callbacks", "components", "pages", "bench",
                                                    "scripts", "deploy", "tests") for p in (ROOT / folder).rglob("*.py"))])
# Parameters that stand for a setting under a shorter name.
ALIASES = {"k": "privacy_k", "keep": "backup_keep", "max_failures": "login_max_failures",
           "target_minutes": "response_target_minutes"}


def _trees() -> list[tuple[str, ast.AST]]:
    return [(str(p.relative_to(ROOT)), ast.parse(p.read_text(encoding="utf-8"))) for p in CODE]


def _is_settings(node: ast.AST) -> bool:
    """`settings`, `x.settings`, `settings()`, `settings_from_ctx(ctx)` or `config["VIGIE_SETTINGS"]`."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "VIGIE_SETTINGS"
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name in {"settings", "settings_from_ctx", "SETTINGS"}


def test_settings_are_read_as_attributes_only() -> None:
    setting_names = {s.name for s in SETTINGS}
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
                key = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
                if _is_settings(node.func.value) or (key in setting_names and len(node.args) == 2):
                    found.append(f"{path}:{node.lineno}: .get({key!r}, ...)")
            elif isinstance(node, ast.Subscript) and _is_settings(node.value) and not _is_settings(node):
                found.append(f"{path}:{node.lineno}: settings[...]")
            elif isinstance(node, ast.Dict) and any(k is None and _is_settings(v) for k, v in zip(node.keys, node.values)):
                found.append(f"{path}:{node.lineno}: {{**settings, ...}} (use dataclasses.replace)")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Settings" \
                    and node.args:
                found.append(f"{path}:{node.lineno}: Settings(<a dict>) (use load_settings or dataclasses.replace)")
    assert found == []


def _defaults(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, ast.expr]]:
    positional = node.args.posonlyargs + node.args.args
    pairs = list(zip(positional[len(positional) - len(node.args.defaults):], node.args.defaults))
    pairs += [(a, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None]
    return [(a.arg, d) for a, d in pairs]


def test_no_parameter_repeats_a_setting_default() -> None:
    """A parameter named after a setting may not default to a copy of its value (a module constant that is the
    setting's own default, such as privacy.DEFAULT_K, is one default, not two); `settings` and `dept` have none.
    Empty defaults ("" or False: no tile layer, no mutual aid) state an absence, not a second value."""
    defaults = {s.name: s.default for s in SETTINGS}
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for name, default in _defaults(node):
                setting = ALIASES.get(name, name)
                copied = isinstance(default, ast.Constant) and default.value \
                    and type(default.value) is type(defaults.get(setting)) and default.value == defaults[setting]
                if copied or name in {"settings", "dept"}:
                    found.append(f"{path}:{node.lineno}: {node.name}({name}={ast.unparse(default)})")
    assert found == []


def test_only_config_locates_the_shipped_data() -> None:
    """vigie.config finds data/ from the package (`vigie.__file__`); no other module of the core looks for it."""
    users = [f"{path}:{node.lineno}" for path, tree in _trees() if path.startswith("vigie/")
             for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in {"__file__", "REPO_ROOT"}]
    assert users == []
