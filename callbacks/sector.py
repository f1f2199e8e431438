"""Sector page: presence against the usual band and residents, segments, entries, events."""
from __future__ import annotations

from typing import Any

from datetime import date, timedelta

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, dcc, html

from callbacks import clientside, secure_callback
from callbacks.situation import COPY_LINK, as_slot, authority_name, time_words
from components import ids
from components.cards import definition_list
from callbacks._forecast import forecast_rows, view_forecast
from callbacks._scores import compared_with, score_help
from components.charts import (add_comparison, add_forecast, bars_figure, presence_figure, segments_figure,
                               shifted_times, wall_times)
from components.links import query_string, read_date, time_param
from server.context import live_view, look_back, view, vigie
from server.text import lang, num, t
from vigie.calendar.events import Event, load_events
from vigie.sectors import UnknownSector
from vigie.analysis.situation import earlier_series, sector_series
from vigie.feed.formats import SEGMENTS
from vigie.slots import local_day, to_local
from vigie.training.view import history_start

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


def sector_figures(code: str, range_key: str, compare: str = "none", day: str | None = None,
                   at: int | None = None) -> tuple[Any, ...]:
    """Title, key facts and the three figures of a sector page (as it stood at `at`, when a link looks back)."""
    sector = vigie().catalogue.get(code)
    s = vigie().settings
    shown = look_back(at)
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
    with_comparison(presence, code, compare, day, start, end)
    segment_columns = {"residents": "residents_present", "tourists_fr": "tourists_fr",
                       "tourists_intl": "tourists_intl", "excursionists": "excursionists"}
    segments = segments_figure(times, {k: _nan_to_none(frame[c]) for k, c in segment_columns.items()},
                               {k: t(f"sector.segment_{k}") for k in SEGMENTS}, t("sector.segments_title"),
                               separators())
    entries = bars_figure(times, _nan_to_none(frame["entries"]), t("sector.entries"), t("sector.entries_title"),
                          separators())
    facts = definition_list([
        (t("sector.fact_code"), sector.code), (t("sector.fact_authority"), authority_name(sector.authority)),
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


def anchor_day() -> date:
    """The day the chart ends on (today live, the exercise's day, the day looked back to)."""
    return local_day(view().at)


def past_events(code: str) -> list[Event]:
    """The sector's events that started on a day before the view's, within the stored history, newest first."""
    first = history_start(vigie().store)
    if first is None:
        return []
    found = [e for e in load_events(vigie().store, first, int(view().now))
             if code in e.sectors and local_day(e.start) < anchor_day()]
    return sorted(found, key=lambda e: (-e.start, e.event_id))[:40]


def comparison(code: str, compare: str, day: str | None) -> tuple[int, str] | None:
    """(days back, name with its date) of the chosen earlier period, or None (none, or not in the history)."""
    today = anchor_day()
    if compare in ("day", "week"):
        days = 1 if compare == "day" else 7
        return days, t(f"sector.compare_name_{compare}", date=(today - timedelta(days=days)).strftime("%d/%m"))
    if compare == "date":
        chosen = read_date(day)
        wanted = None if chosen is None else date.fromisoformat(chosen)
        name = "" if wanted is None else t("sector.compare_name_date", date=wanted.strftime("%d/%m/%Y"))
    elif compare.startswith("event:"):
        event = next((e for e in past_events(code) if e.event_id == compare[6:]), None)
        wanted = None if event is None else local_day(event.start)
        name = "" if event is None else t("sector.compare_name_event", name=event.name,
                                           date=local_day(event.start).strftime("%d/%m/%Y"))
    else:
        return None
    first = history_start(vigie().store)
    if wanted is None or first is None or not local_day(first) <= wanted < today:
        return None
    return (today - wanted).days, name


def with_comparison(presence: dict[str, Any], code: str, compare: str, day: str | None, start: int,
                    end: int) -> dict[str, Any]:
    """The earlier period's presence on the same chart, moved onto the current time axis (withheld stays withheld)."""
    chosen = comparison(code, compare, day)
    if chosen is None:
        return presence
    days, name = chosen
    earlier = earlier_series(vigie().store, code, start, end, days, vigie().settings, overlay=view().overlay)
    return add_comparison(presence, shifted_times(earlier["slot"].tolist(), days), _nan_to_none(earlier["present"]),
                          name)


def compare_controls(code: str, compare: str, day: Any, at: int | None) -> tuple[Any, ...]:
    """The "Comparer avec" choices (with the sector's past events), the stored days to choose from, what it says."""
    look_back(at)
    options = [{"label": t(f"sector.compare_{key}"), "value": key} for key in ("none", "day", "week", "date")]
    options += [{"label": t("sector.compare_event", name=e.name, date=local_day(e.start).strftime("%d/%m/%Y")),
                 "value": f"event:{e.event_id}"} for e in past_events(code)]
    first = history_start(vigie().store)
    note = ""
    if compare != "none" and comparison(code, compare, day) is None:
        note = t("sector.compare_unavailable", first=to_local(first).strftime("%d/%m/%Y") if first else "–")
    return options, stored_days(first), compare != "date", note, rewound_banner(code, at)


DAYS_OFFERED = 400


def stored_days(first: int | None) -> list[dict[str, str]]:
    """The days a comparison can reach, newest first, in words ('mar. 25/11/2026'): the stored history only."""
    if first is None:
        return []
    oldest, day = local_day(first), anchor_day() - timedelta(days=1)
    options: list[dict[str, str]] = []
    while day >= oldest and len(options) < DAYS_OFFERED:
        options.append({"label": f"{t(f'situation.weekday_{day.weekday()}')} {day.strftime('%d/%m/%Y')}",
                        "value": day.isoformat()})
        day -= timedelta(days=1)
    return options


def rewound_banner(code: str, at: int | None) -> Any:
    """'Vue du mar. 02/12 14:30 — pas le direct' and the way back, when a link looks back in time."""
    if view() is live_view():
        return None
    return html.Div([html.Strong(t("sector.rewound", when=time_words(view().at, False)), className="me-2"),
                     dcc.Link(t("situation.back_to_live"), href=f"/secteur/{code}", className="btn btn-warning btn-sm")],
                    className="lookback-rewound mb-2", role="status")


def address(range_key: Any, compare: Any, day: Any, at: Any) -> str:
    """The query string of the sector view: range, comparison and time looked back to, when not the defaults."""
    slot = as_slot(at)
    compare = compare if isinstance(compare, str) and (compare in ("day", "week", "date")
                                                        or compare.startswith("event:")) else None
    return query_string({"range": range_key if range_key in RANGE_DAYS and range_key != "7d" else None,
                         "compare": compare, "date": read_date(day) if compare == "date" else None,
                         "t": time_param(slot) if slot is not None else None})


def unknown_sector(code: str) -> tuple[Any, ...]:
    empty: dict[str, Any] = {}
    return t("sector.unknown_title"), None, empty, empty, empty, dbc.Alert(t("sector.unknown", code=code),
                                                                           color="warning")


def register(app: Dash) -> None:
    @secure_callback(app, "display",
                     Output(ids.SEC_TITLE, "children"), Output(ids.SEC_FACTS, "children"),
                     Output(ids.SEC_SERIES, "figure"), Output(ids.SEC_SEGMENTS, "figure"),
                     Output(ids.SEC_ENTRIES, "figure"), Output(ids.SEC_ERROR, "children"),
                     Input(ids.SEC_CODE, "data"), Input(ids.SEC_RANGE, "value"), Input(ids.SEC_REFRESH, "n_intervals"),
                     Input(ids.SEC_COMPARE, "value"), Input(ids.SEC_COMPARE_DATE, "value"), Input(ids.SEC_AT, "data"))
    def _figures(code: Any, range_key: Any, _n: int, compare: Any, day: Any, at: Any) -> tuple[Any, ...]:
        code = str(code or "")
        try:
            return sector_figures(code, range_key if range_key in RANGE_DAYS else "7d",
                                  compare if isinstance(compare, str) else "none", read_date(day), as_slot(at))
        except UnknownSector:
            return unknown_sector(code[:12])

    @secure_callback(app, "display",
                     Output(ids.SEC_COMPARE, "options"), Output(ids.SEC_COMPARE_DATE, "options"),
                     Output(ids.SEC_COMPARE_DATE_BOX, "hidden"),
                     Output(ids.SEC_COMPARE_NOTE, "children"), Output(ids.SEC_REWOUND, "children"),
                     Input(ids.SEC_CODE, "data"), Input(ids.SEC_COMPARE, "value"), Input(ids.SEC_COMPARE_DATE, "value"),
                     Input(ids.SEC_AT, "data"))
    def _compare(code: Any, compare: Any, day: Any, at: Any) -> tuple[Any, ...]:
        return compare_controls(str(code or ""), compare if isinstance(compare, str) else "none", day, as_slot(at))

    @secure_callback(app, "display", Output(ids.SEC_URL, "search"),
                     Input(ids.SEC_RANGE, "value"), Input(ids.SEC_COMPARE, "value"), Input(ids.SEC_COMPARE_DATE, "value"),
                     Input(ids.SEC_AT, "data"), prevent_initial_call=True)
    def _address(range_key: Any, compare: Any, day: Any, at: Any) -> str:
        return address(range_key, compare, day, at)

    clientside(app, "display", COPY_LINK % ids.SEC_COPIED, Output(ids.SEC_COPIED, "children"),
               Input(ids.SEC_COPY, "n_clicks"))
