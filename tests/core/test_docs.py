"""The README carries the settings table generated from vigie/config.py, and every CLI command is documented."""
from __future__ import annotations

from pathlib import Path

from vigie.config import settings_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_is_current() -> None:
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    assert settings_markdown() in readme, "README settings table is stale: paste `python -m vigie settings-doc`"


def test_readme_gives_the_two_commands() -> None:
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme


def test_every_cli_command_is_in_the_readme() -> None:
    import click

    from cli import main

    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    missing = []
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            missing += [f"{name} {sub}" for sub in command.commands if f"{name} {sub}" not in readme]
        elif f"vigie {name}" not in readme:
            missing.append(name)
    assert missing == []
