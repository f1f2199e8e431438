"""Deployment files: gunicorn settings (and a real gunicorn serving JSON logs), systemd units, env example, docs."""
from __future__ import annotations

import configparser
import json
import os
import re
import runpy
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click
import pytest

from tests.faults.support import ROOT, cli_env
from cli import main
from vigie.config import SETTINGS, load_settings

DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"


def gunicorn_settings(**env: str) -> dict[str, Any]:
    """The module-level values of deploy/gunicorn.conf.py under an environment."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name)
    return parser


def exec_lines(name: str) -> list[str]:
    text = (UNITS / name).read_text(encoding="utf-8")
    return re.findall(r"^Exec(?:Start|StartPre)=(.+)$", text, re.MULTILINE)


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "vigie.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_gunicorn_settings() -> None:
    conf = gunicorn_settings()
    assert conf["bind"] == "127.0.0.1:8050"
    assert (conf["worker_class"], conf["workers"], conf["threads"]) == ("gthread", 2, 8)
    assert (conf["timeout"], conf["graceful_timeout"], conf["accesslog"]) == (60, 30, "-")
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["preload_app"] is False
    assert gunicorn_settings(VIGIE_BIND="0.0.0.0:9000")["bind"] == "0.0.0.0:9000"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_gunicorn_serves_with_json_logs_and_masks_enrolment_links(tmp_path: Path) -> None:
    port = _free_port()
    env = cli_env(tmp_path / "instance", VIGIE_BIND=f"127.0.0.1:{port}", VIGIE_WORKERS="1", VIGIE_LOG_JSON="true",
                  VIGIE_SECRET_KEY="deploy-test-key")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "app:server"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, status = time.monotonic() + 40, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200
        assert _get(f"http://127.0.0.1:{port}/enrol/Secr3tEnrolmentToken") == 403
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=40)
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert out == "" and records, err
    assert {"time", "level", "logger", "message"} <= set(records[0])
    access = [r["message"] for r in records if r["logger"] == "gunicorn.access"]
    assert any('"GET /healthz" 200' in m for m in access), access
    assert any("/enrol/[redacted]" in m for m in access) and "Secr3tEnrolmentToken" not in err


def test_systemd_units() -> None:
    web = unit("vigie-web.service")["Service"]
    assert web["ExecStart"].endswith("gunicorn -c deploy/gunicorn.conf.py app:server")
    for service in ("vigie-web.service", "vigie-feed.service", "vigie-backup.service"):
        section = unit(service)["Service"]
        assert section["User"] == "vigie" and section["EnvironmentFile"] == "/etc/vigie/vigie.env", service
        assert (section["NoNewPrivileges"], section["ProtectSystem"], section["PrivateTmp"]) == ("true", "strict", "true")
        assert section["ReadWritePaths"] == "/var/lib/vigie", service
    assert "-m vigie feed run" in unit("vigie-feed.service")["Service"]["ExecStart"]
    assert unit("vigie-backup.service")["Service"]["Type"] == "oneshot"
    timer = unit("vigie-backup.timer")["Timer"]
    assert timer["OnCalendar"].startswith("*-*-* ") and timer["Unit"] == "vigie-backup.service"
    assert timer["Persistent"] == "true"


def _vigie_command(args: list[str]) -> click.Command | None:
    """The CLI command `python -m vigie ARGS` names (None when it does not exist)."""
    command: click.Command = main
    for word in args:
        if word.startswith("-") or not isinstance(command, click.Group):
            break
        if word not in command.commands:
            return None
        command = command.commands[word]
    return command


def test_every_command_the_units_run_exists() -> None:
    for name in ("vigie-web.service", "vigie-feed.service", "vigie-backup.service"):
        for line in exec_lines(name):
            words = shlex.split(line)
            if "vigie" in words and "-m" in words:
                assert _vigie_command(words[words.index("vigie") + 1:]) is not None, line


def test_every_command_in_the_operations_guide_exists() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    commands = re.findall(r"python -m vigie ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", guide)
    assert len(commands) > 10
    missing = sorted({c for c in commands if _vigie_command(c.split()) is None})
    assert missing == []


def test_env_example_lists_every_setting_and_loads() -> None:
    example = env_example()
    missing = [s.env for s in SETTINGS if s.env not in example]
    assert missing == [], "a new setting? add it, with a comment, to deploy/vigie.env.example"
    settings = load_settings(environ=example)
    assert settings.secure_cookies is True and settings.debug is False and settings.log_json is True
    assert str(settings.data_dir) == "/var/lib/vigie"


def test_nginx_body_limit_matches_the_upload_limit() -> None:
    nginx = (DEPLOY / "nginx" / "vigie.conf").read_text(encoding="utf-8")
    size = re.search(r"client_max_body_size (\d+)m;", nginx)
    assert size and size.group(1) == env_example()["VIGIE_MAX_UPLOAD_MB"]
    assert "proxy_pass http://vigie;" in nginx and "server 127.0.0.1:8050;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx and "Strict-Transport-Security" in nginx
    assert re.search(r"^\s*gzip off;", nginx, re.MULTILINE)


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for p in DEPLOY.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
def test_deploy_files_name_no_path_of_a_workstation(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert not re.search(r"/(?:home|root|tmp|work)/", text), path
