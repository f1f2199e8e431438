"""`python -m vigie ingest | simulate | feed run | feed status | tokens ...`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner, Result

from cli import main
from vigie.feed.simulator import Simulator
from vigie.slots import parse_instant
from vigie.store import Store
from vigie.identity.tokens import verify_token
from tests.factories import FEED_FIXTURES, ROOT, make_settings


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_ingest_exit_codes_and_reasons(env: dict[str, str]) -> None:
    good = _run(env, "ingest", str(FEED_FIXTURES / "valid.csv"), str(FEED_FIXTURES / "unique_visitors.csv"))
    assert good.exit_code == 0 and "batch accepted: 3 rows" in good.output
    again = _run(env, "ingest", str(FEED_FIXTURES / "valid.csv"))
    assert again.exit_code == 0 and "already received" in again.output
    bad = _run(env, "ingest", "--lang", "fr", str(FEED_FIXTURES / "valid.json"), str(FEED_FIXTURES / "negative.csv"))
    assert bad.exit_code != 0
    assert "ligne 3, excursionists: « -25 » : un effectif ne peut pas être négatif." in bad.output
    assert "1 of 2 file(s) refused" in bad.output


def test_simulate_round_trips_through_ingest(env: dict[str, str], tmp_path: Path) -> None:
    out, uv = tmp_path / "sim.csv", tmp_path / "uv.csv"
    made = _run(env, "simulate", "--from", "2026-03-29T00:00:00+01:00", "--to", "2026-03-30T00:00:00+02:00",
                "--out", str(out), "--unique-visitors", str(uv))
    assert made.exit_code == 0 and "6164 observation rows" in made.output  # 46 slots x 134
    assert _run(env, "ingest", str(out), str(uv)).exit_code == 0
    store = Store(Path(env["VIGIE_DATA_DIR"]) / "vigie.db")
    table = Simulator.from_settings(make_settings()).generate(
        parse_instant("2026-03-29T00:00:00+01:00"), parse_instant("2026-03-30T00:00:00+02:00"))
    stored = store.db.execute("SELECT sector_code, slot, present, residents, tourists_fr, tourists_intl, excursionists, "
                              "entries FROM observations ORDER BY slot, sector_code").fetchall()
    assert stored == sorted(zip(table.sectors, table.slots.tolist(), *table.counts.T.tolist()), key=lambda r: (r[1], r[0]))
    assert store.scalar("SELECT count(*) FROM unique_visitors WHERE day = '2026-03-29'") == 134
    bad = _run(env, "simulate", "--from", "yesterday", "--to", "2026-03-30T00:00:00Z", "--out", str(out))
    assert bad.exit_code != 0 and "not an ISO 8601 date-time" in bad.output


def test_tokens_lifecycle(env: dict[str, str]) -> None:
    created = _run(env, "tokens", "create", "operator-1", "--scope", "ingest")
    assert created.exit_code == 0
    token = created.output.strip().splitlines()[-1]
    store = Store(Path(env["VIGIE_DATA_DIR"]) / "vigie.db")
    found = verify_token(store, token)
    assert found is not None and (found.name, found.scope) == ("operator-1", "ingest")
    listed = _run(env, "tokens", "list")
    assert "operator-1\tingest\tlive" in listed.output and token not in listed.output
    assert _run(env, "tokens", "revoke", "operator-1").exit_code == 0
    assert verify_token(store, token) is None
    again = _run(env, "tokens", "revoke", "operator-1")
    assert again.exit_code != 0 and "aucun jeton actif nommé 'operator-1'" in again.output  # the language setting
    in_english = _run({**env, "VIGIE_LANGUAGE": "en"}, "tokens", "revoke", "operator-1")
    assert in_english.exit_code != 0 and "no live token named 'operator-1'" in in_english.output
    assert _run(env, "tokens", "create", "bad name!", "--scope", "read").exit_code != 0


def test_feed_status(env: dict[str, str]) -> None:
    empty = _run(env, "feed", "status")
    assert empty.exit_code == 0 and "database: ok" in empty.output and "feed: none" in empty.output
    _run(env, "ingest", str(FEED_FIXTURES / "valid.csv"))
    stale = _run(env, "feed", "status", "--json")
    assert stale.exit_code == 1 and '"feed": "down"' in stale.output


def test_feed_run_stops_cleanly_on_sigterm(env: dict[str, str]) -> None:
    process_env = {**os.environ, **env, "VIGIE_FEED": "simulator", "VIGIE_HISTORY_WEEKS": "0", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "vigie", "feed", "run"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=process_env, cwd=ROOT)
    assert proc.stdout is not None
    assert "running" in proc.stdout.readline()
    store = Store(Path(env["VIGIE_DATA_DIR"]) / "vigie.db")
    deadline = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < deadline:
        if store.scalar("SELECT count(*) FROM feed_health WHERE source = 'simulator'"):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "feed stopped" in out
    assert store.scalar("SELECT count(*) FROM observations") > 0
