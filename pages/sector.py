"""Sector page (/secteur/<code>): the story of one sector around its usual band."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.charts import graph_config
from components.links import read_choice, read_date, read_time
from components.props import dash_props
from pages._layout import guarded, refresh_interval
from server.text import t

dash.register_page(__name__, path_template="/secteur/<code>", name="sector", title="Vigie — Secteur",
                   title_key="sector.nav", role="display")

RANGES = (("48h", 2), ("7d", 7), ("30d", 30))
COMPARISONS = ("none", "day", "week", "date")   # and "event:<id>", one per past event of the sector


def _compare_controls(compare: str, day: str | None) -> html.Div:
    """"Comparer avec": nothing, a day or a week before, a chosen date, a past event day of the sector."""
    options = [{"label": t(f"sector.compare_{key}"), "value": key} for key in COMPARISONS]
    if compare.startswith("event:"):
        options.append({"label": t("sector.compare_event_pending"), "value": compare})
    return html.Div([
        html.Div([html.Label(t("sector.compare"), htmlFor=ids.SEC_COMPARE, className="form-label mb-0"),
                  dbc.Select(id=ids.SEC_COMPARE, value=compare, options=options)]),
        html.Div([html.Label(t("sector.compare_date_label"), htmlFor=ids.SEC_COMPARE_DATE, className="form-label mb-0"),
                  dbc.Select(id=ids.SEC_COMPARE_DATE, value=day or "", placeholder=t("sector.compare_pick_day"),
                             options=[{"label": day, "value": day}] if day else [])],
                 id=ids.SEC_COMPARE_DATE_BOX, hidden=compare != "date"),
        html.Div([dbc.Button(t("situation.copy_link"), id=ids.SEC_COPY, color="secondary", outline=True, size="sm"),
                  html.Span(id=ids.SEC_COPIED, className="small ms-2", role="status",
                            **dash_props({"data-copied": t("situation.link_copied"),
                                          "data-failed": t("situation.link_failed")}))]),
        html.Div(id=ids.SEC_COMPARE_NOTE, className="small text-muted w-100", role="status"),
    ], className="compare-controls")


def _build(code: str, range_key: str = "7d", compare: str = "none", day: str | None = None,
           at: int | None = None) -> html.Div:
    picker = dbc.RadioItems(
        id=ids.SEC_RANGE, value=range_key, inline=True, className="btn-group", inputClassName="btn-check",
        labelClassName="btn btn-outline-info", labelCheckedClassName="active",
        options=[{"label": t(f"sector.range_{key}"), "value": key} for key, _days in RANGES],
    )
    config = graph_config()
    return html.Div([
        dcc.Store(id=ids.SEC_CODE, data=code),
        dcc.Store(id=ids.SEC_AT, data=at),
        dcc.Location(id=ids.SEC_URL, refresh=False),
        refresh_interval(ids.SEC_REFRESH),
        html.Div(id=ids.SEC_ERROR),
        html.Div(id=ids.SEC_REWOUND),
        dbc.Row([
            dbc.Col(html.H1(id=ids.SEC_TITLE, className="h3 mb-0"), md=6),
            dbc.Col(picker, md=6, className="text-md-end"),
        ], className="align-items-center mb-2 g-2"),
        html.Div(id=ids.SEC_FACTS, className="mb-2"),
        html.Div(_compare_controls(compare, day), className="panel mb-2"),
        html.Div(dcc.Graph(id=ids.SEC_SERIES, config=config), className="panel mb-2"),
        dbc.Row([
            dbc.Col(html.Div(dcc.Graph(id=ids.SEC_SEGMENTS, config=config), className="panel"), lg=6, className="mb-2"),
            dbc.Col(html.Div(dcc.Graph(id=ids.SEC_ENTRIES, config=config), className="panel"), lg=6, className="mb-2"),
        ], className="g-2"),
    ])


def layout(code: str = "", **query: str) -> object:
    """Time series of one sector (48 h, 7 days, 30 days): presence, usual band, an earlier period, segments, entries.

    A link's range, comparison (`compare`, `date`) and time (`t`, looking back) open it as they were."""
    range_key = read_choice(query.get("range"), [key for key, _days in RANGES], "7d")
    compare = query.get("compare") or "none"
    compare = compare if compare.startswith("event:") and len(compare) <= 80 else read_choice(compare, COMPARISONS,
                                                                                              "none")
    return guarded("display", lambda: _build(code, range_key, compare, read_date(query.get("date")),
                                             read_time(query.get("t"))))
