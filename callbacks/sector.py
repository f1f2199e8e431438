"""Sector page: presence against the usual band and residents, segments, entries, events."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, html

from callbacks import secure_callback
from components import ids
from components.cards import definition_list
from callbacks._forecast import forecast_rows, view_forecast
from callbacks._scores import compared_with, score_help
from components.charts import add_forecast, bars_figure, presence_figure, segments_figure, wall_times
from server.context import view, vigie
from server.text import lang, num, t
from vigie.calendar.events import Event, load_events
from vigie.sectors import UnknownSector
from vigie.analysis.situation import sector_series
from vigie.feed.formats import SEGMENTS

RANGE_DAYS = {"48h": 2, "7d": 7, "30d": 30}


def separators() -> str:
    """Plotly number separators: decimal then thousands (French: comma and space)."""
    return ", " if lang() == "fr" else ".,"


def series_window(now: float, range_key: str, step: int) -> tuple[int, int]:
    end = int(now // step * step) + step
    return end - RANGE_DAYS.get(range_key, 7) * 86400, end


def _nan_to_none(values: pd.Series) -> list[float | None]:
    """A column as a JSON-ready list (NaN, i.e. withheld or missing, becomes a gap)."""
    return values.astype(object).where(values.notna(), None).tolist()


def _event_band(event: Event, start: int, end: int) -> tuple[str, str, str]:
    """(from, to, name) of an event within the shown window, as the presence chart draws it."""
    first, last = wall_times([max(event.start, start), min(event.end, end)])
    return first, last, event.name


def sector_figures(code: str, range_key: str) -> tuple[Any, ...]:
    """Title, key facts and the three figures of a sector page."""
    sector = vigie().catalogue.get(code)
    s = vigie().settings
    shown = view()
    start, end = series_window(shown.now, range_key, s.slot_minutes * 60)
    frame = sector_series(vigie().store, code, start, end, s, overlay=shown.overlay)
    times = wall_times(frame["slot"].tolist())
    events = [_event_band(e, start, end) for e in load_events(vigie().store, start, end) if code in e.sectors]
    withheld = [tm for tm, flag in zip(times, frame["suppressed"]) if flag]
    labels = {"title": t("sector.series_title"), "band": t("sector.band"), "usual": t("sector.usual"),
              "present": t("sector.present"), "residents": t("sector.residents", residents=num(sector.population)),
              "suppressed": t("sector.withheld")}
    presence = presence_figure(times, _nan_to_none(frame["present"]), _nan_to_none(frame["p10"]),
                               _nan_to_none(frame["p90"]), _nan_to_none(frame["usual"]), float(sector.population),
                               labels, events, withheld, separators())
    with_forecast(presence, code)
    segment_columns = {"residents": "residents_present", "tourists_fr": "tourists_fr",
                       "tourists_intl": "tourists_intl", "excursionists": "excursionists"}
    segments = segments_figure(times, {k: _nan_to_none(frame[c]) for k, c in segment_columns.items()},
                               {k: t(f"sector.segment_{k}") for k in SEGMENTS}, t("sector.segments_title"),
                               separators())
    entries = bars_figure(times, _nan_to_none(frame["entries"]), t("sector.entries"), t("sector.entries_title"),
                          separators())
    facts = definition_list([
        (t("sector.fact_code"), sector.code), (t("sector.fact_authority"), sector.authority),
        (t("sector.fact_residents"), num(sector.population)),
        (t("sector.fact_events"), ", ".join(name for _s, _e, name in events) or "–"),
        (t("sector.fact_compared"), compared_with(code) or "–"),
        *forecast_rows(code),
    ])
    return sector.name, html.Div([facts, score_help()], className="panel"), presence, segments, entries, None


def with_forecast(presence: dict[str, Any], code: str) -> dict[str, Any]:
    """The presence figure continued into the next six hours (the view's forecast, once per slot)."""
    forecast = view_forecast()
    row = forecast.get(code)
    if row is None or forecast.based_on is None:
        return presence
    labels = {"forecast": t("forecast.chart_expected"), "forecast_band": t("forecast.chart_band"),
              "now": t("forecast.chart_now")}
    return add_forecast(presence, wall_times([forecast.based_on])[0], wall_times(list(row.slots)), list(row.expected),
                        list(row.low), list(row.high), labels)


def unknown_sector(code: str) -> tuple[Any, ...]:
    empty: dict[str, Any] = {}
    return t("sector.unknown_title"), None, empty, empty, empty, dbc.Alert(t("sector.unknown", code=code),
                                                                           color="warning")


def register(app: Dash) -> None:
    @secure_callback(app, "display",
                     Output(ids.SEC_TITLE, "children"), Output(ids.SEC_FACTS, "children"),
                     Output(ids.SEC_SERIES, "figure"), Output(ids.SEC_SEGMENTS, "figure"),
                     Output(ids.SEC_ENTRIES, "figure"), Output(ids.SEC_ERROR, "children"),
                     Input(ids.SEC_CODE, "data"), Input(ids.SEC_RANGE, "value"), Input(ids.SEC_REFRESH, "n_intervals"))
    def _figures(code: Any, range_key: Any, _n: int) -> tuple[Any, ...]:
        code = str(code or "")
        try:
            return sector_figures(code, range_key if range_key in RANGE_DAYS else "7d")
        except UnknownSector:
            return unknown_sector(code[:12])
