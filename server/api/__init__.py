"""The REST API under /api/v1: every route declares its role and token scope (server.auth.api_route).

Each module of this package adds routes to `bp`; they are imported here so that importing
the package registers them all.
"""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
