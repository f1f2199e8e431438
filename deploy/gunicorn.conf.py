"""Gunicorn settings for Vigie in production: `gunicorn -c deploy/gunicorn.conf.py app:server`.

Values come from the environment (the systemd unit reads /etc/vigie/vigie.env), so the
same file serves every installation. Logs go to stderr (journald collects them) through
Vigie's own handler: JSON lines when VIGIE_LOG_JSON is true, control characters and
secrets stripped (see vigie/logs.py), access lines included.
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # the settings and the log handler below come from vigie before the app is loaded
    sys.path.insert(0, ROOT)
chdir = ROOT

from vigie.config import load_settings  # noqa: E402 (needs ROOT on the path)

_settings = load_settings()

bind = os.environ.get("VIGIE_BIND", "127.0.0.1:8050")
proc_name = "vigie-web"

# Threads, not processes, carry the concurrency: callbacks mostly wait on SQLite reads,
# which release the GIL. Two workers keep the service up while one restarts.
worker_class = "gthread"
workers = int(os.environ.get("VIGIE_WORKERS", "2"))
threads = int(os.environ.get("VIGIE_THREADS", "8"))
timeout = 60
graceful_timeout = 30
keepalive = 5

# Recycle each worker after about 2000 requests (jitter: never all at once) to bound any slow
# memory growth of a long-running Dash process.
max_requests = 2000
max_requests_jitter = 1000  # workers must not recycle together (a boot takes ~3 s)

# No preload: each worker must open its own SQLite connections (and build its own app).
# With preload_app the app — and the connections create_app opens — would be created in the
# master and inherited across fork(); an SQLite connection must never be used in a child of
# the process that opened it (locks are per process, and the file can be corrupted).
preload_app = False

# Only the proxy on this host may set X-Forwarded-Proto (https) for gunicorn.
forwarded_allow_ips = os.environ.get("VIGIE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Heartbeat files in memory: a slow disk must not make the master kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

# No gunicornc control socket: it would be created under $HOME, which the hardened unit keeps
# read-only; restart and reload go through systemctl.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = _settings.log_level.lower()
# The path without its query string, the status, the size and the time taken (microseconds).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus "%(a)s"'

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "vigie": {"()": "vigie.logs.make_handler", "json_lines": _settings.log_json},
    },
    "root": {"level": loglevel.upper(), "handlers": ["vigie"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    },
}
