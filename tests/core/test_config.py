from __future__ import annotations

from pathlib import Path

import pytest

from vigie.config import SETTINGS, InvalidSetting, ensure_secret_key, load_settings


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
