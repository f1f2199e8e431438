"""Props that Dash components take only through their untyped **kwargs."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def dash_props(props: Mapping[str, str]) -> dict[str, Any]:
    """`props` (data-*, aria-*, an optional id) typed as the **kwargs of a Dash component."""
    return dict(props)
