"""Forecasts of the next six hours per sector (see docs/methods.md, "Forecast").

`forecast_at` is the forecast at an instant from observations up to it only;
`cached_forecast` computes it once per newest slot for the views that refresh.
"""
from __future__ import annotations

from vigie.forecast.live import (Forecast, ForecastError, SectorForecast, cached_forecast, check_horizon,
                                 clear_cache, exercise_key, forecast_at, model_for, newest_slot, save_model)
from vigie.forecast.model import HORIZON, ForecastModel

__all__ = ["HORIZON", "Forecast", "ForecastError", "ForecastModel", "SectorForecast", "cached_forecast",
           "check_horizon", "clear_cache", "exercise_key", "forecast_at", "model_for", "newest_slot", "save_model"]
