"""Vigie's domain core (docs/architecture.md draws its rooms)."""
from vigie import i18n as _i18n  # noqa: F401  (registers the catalogue that renders keyed errors)
