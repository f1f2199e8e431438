"""Wall display: one data refresh for every view; the rotation itself runs in the browser.

The wall only shows what crosses a threshold: the curves and the map labels are those of the crisis
ranking, and with nothing ranked the wall says « RAS » with the totals and the data time.
"""
from __future__ import annotations

import re
from typing import Any

from dash import Dash, Input, Output, State, dcc, html

from callbacks import clientside, map_styler, secure_callback
from callbacks.crisis import ranking, ranking_table
from callbacks.sector import _nan_to_none, separators
from callbacks.situation import (authority_name, current_situation, data_time_line, events_panel, map_hideout,
                                 map_legend, todays_events)
from components import ids
from components.charts import presence_figure, wall_times
from server.context import view, vigie
from server.text import num, signed, t
from vigie.analysis.situation import Situation, sector_series
from vigie.operations.crisis import RankedSector

SERIES_COUNT = 3
MAP_TAGS = 12  # at most this many sector names on the wall map (the ranking's first ones)

# The wall's type scale, for a 3840 px-wide wall read from 5 m (docs/operations.md, "The wall").
# assets/vigie.css holds the same sizes as vw custom properties (--wall-text ...); Plotly needs pixels,
# so the figures get these, scaled to the width the browser reports (WALL_DESIGN_WIDTH is 1).
WALL_DESIGN_WIDTH = 3840
WALL_TEXT_PX = 64     # the smallest text: sub-figures, labels, badge, legend, axis ticks
WALL_TITLE_PX = 80    # view titles, the EXERCICE banner
WALL_CLOCK_PX = 96    # the clock
WALL_FIGURE_PX = 128  # the main figures (readable from 10 m, the back of the room)
MIN_CHART_PX = 14     # never under the desktop's chart text, whatever the screen


def chart_px(size: int, scale: Any) -> int:
    """A type-scale size for a Plotly figure on a screen `scale` times the design width."""
    ratio = float(scale) if isinstance(scale, (int, float)) and 0 < scale <= 4 else 1.0
    return max(MIN_CHART_PX, round(size * ratio))


def short_name(name: str) -> str:
    """A sector name short enough for a wall label ("Marseille 3e Arrondissement" -> "Marseille 3e")."""
    return re.sub(r"\s+Arrondissement$", "", name)


def series_graphs(codes: list[tuple[str, str, int]], scale: Any = 1.0) -> list[Any]:
    """24-hour presence curves of the ranked sectors (none: the series view leaves the rotation)."""
    s = vigie().settings
    shown = view()
    step = s.slot_minutes * 60
    end = int(shown.now // step * step) + step
    text, title = chart_px(WALL_TEXT_PX, scale), chart_px(WALL_TITLE_PX, scale)
    graphs = []
    for code, name, residents in codes[:SERIES_COUNT]:
        frame = sector_series(vigie().store, code, end - 86400, end, s, overlay=shown.overlay)
        labels = {"title": name, "band": t("sector.band"), "usual": t("sector.usual"), "present": t("sector.present"),
                  "residents": t("sector.residents", residents=num(residents)), "suppressed": t("sector.withheld")}
        figure = presence_figure(wall_times(frame["slot"].tolist()), _nan_to_none(frame["present"]),
                                 _nan_to_none(frame["p10"]), _nan_to_none(frame["p90"]), _nan_to_none(frame["usual"]),
                                 float(residents), labels, separators=separators())
        wall_chart_layout(figure["layout"], text, title)
        graphs.append(dcc.Graph(figure=figure, config={"staticPlot": True, "responsive": True},
                                className="wall-graph", style={"height": "100%"}))
    return graphs


def wall_chart_layout(layout: dict[str, Any], text: int, title: int) -> None:
    """Chart text at the wall's sizes: few ticks, hours only, the legend under the plot."""
    layout.pop("height", None)
    layout.update(autosize=True, font={"color": "#eef2f6", "size": text},
                  margin={"l": round(text * 3.2), "r": round(text * .5), "t": round(title * 1.6), "b": round(text * 6)})
    layout["title"] = {**layout.get("title", {}), "font": {"size": title}}
    layout["xaxis"] = {**layout.get("xaxis", {}), "tickformat": "%H:%M", "nticks": 4, "tickfont": {"size": text}}
    layout["yaxis"] = {**layout.get("yaxis", {}), "nticks": 4, "tickfont": {"size": text}, "tickformat": "~s"}
    # at the foot of the figure, under the hours, whatever the plot's height
    layout["legend"] = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
                        "font": {"size": text}}
    for note in layout.get("annotations", []):
        note["font"] = {**note.get("font", {}), "size": text}


def wall_kpis(situation: Situation) -> html.Div:
    """The totals of the département and of each authority: one big figure, residents and difference under it."""
    cards = []
    for key in ["department"] + sorted(k for k in situation.totals if k != "department"):
        total = situation.totals[key]
        counted = bool(total.get("counted"))
        delta = total["delta_residents"] if counted else None
        label = t("situation.kpi_department") if key == "department" else t("situation.kpi_area", authority=authority_name(key))
        tone = "kpi-up" if (delta or 0) > 0 else "kpi-down"
        cards.append(html.Div([
            html.Div(label, className="kpi-label"),
            html.Div(num(total["present"] if counted else None), className="kpi-value"),
            html.Div([html.Span(t("wall.kpi_residents", residents=num(total["residents_all"]))),
                      html.Span(t("wall.kpi_delta", delta=signed(delta)), className=tone)], className="kpi-sub"),
        ], className="kpi", id=f"wall-kpi-{key.lower()}"))
    return html.Div(cards, className="wall-kpi-row")


def calm_view(situation: Situation) -> html.Div:
    """« RAS »: nothing crosses a threshold; the département's figures and the data time say it is live."""
    total = situation.totals["department"]
    counted = bool(total.get("counted"))
    return html.Div([
        html.P(t("wall.ras"), className="wall-ras-mark"),
        html.P(t("wall.ras_text"), className="wall-ras-text"),
        html.P(t("wall.ras_totals", present=num(total["present"] if counted else None),
                 residents=num(total["residents_all"])), className="wall-ras-totals"),
        html.P(data_time_line(situation), className="wall-ras-time"),
    ], className="wall-ras", role="status")


def wall_hideout(situation: Situation, ranked: list[RankedSector]) -> dict[str, Any]:
    """The map's colours, and names on the ranked sectors only (in rank order: the first win a collision)."""
    hideout = map_hideout(situation, "pct_usual", None, todays_events(situation))
    hideout["tags"] = [[r.code, short_name(r.name)] for r in ranked[:MAP_TAGS]]
    return hideout


def rotation(ranked: list[RankedSector]) -> list[str]:
    """The views the wall turns through: no curves without a ranked sector."""
    return [name for name in ids.WALL_VIEW_NAMES if name != "series" or ranked]


def wall_data(scale: Any = 1.0) -> tuple[Any, ...]:
    situation = current_situation()
    _at, ranked = ranking("all", "", None)
    focus = [(r.code, r.name, r.residents) for r in ranked]
    return (wall_kpis(situation), wall_hideout(situation, ranked), map_legend("pct_usual"),
            ranking_table(ranked) if ranked else calm_view(situation), series_graphs(focus, scale),
            events_panel(todays_events(situation)), rotation(ranked))


def register(app: Dash) -> None:
    map_styler(app, ids.WALL_MAP_GEOJSON)
    names = list(ids.WALL_VIEW_NAMES)
    clientside(
        app, "display",
        f"""function(n, shown) {{
            var all = {names!r}, turn = (shown && shown.length) ? shown : all;
            return 'wall-views wall-active-' + all.indexOf(turn[n % turn.length]);
        }}""",
        Output(ids.WALL_VIEWS, "className"), Input(ids.WALL_ROTATE, "n_intervals"), State(ids.WALL_ROTATION, "data"),
    )
    # The screen's width against the design width: Plotly's text is in pixels, the CSS scale in vw.
    clientside(
        app, "display",
        f"function(_id) {{ return window.innerWidth / {WALL_DESIGN_WIDTH}; }}",
        Output(ids.WALL_SCALE, "data"), Input(ids.WALL_VIEWS, "id"),
    )

    @secure_callback(app, "display", Output(ids.WALL_KPIS, "children"), Output(ids.WALL_MAP_GEOJSON, "hideout"),
                     Output(ids.WALL_LEGEND, "children"), Output(ids.WALL_RANKING, "children"),
                     Output(ids.WALL_SERIES, "children"), Output(ids.WALL_EVENTS, "children"),
                     Output(ids.WALL_ROTATION, "data"),
                     Input(ids.WALL_REFRESH, "n_intervals"), Input(ids.WALL_SCALE, "data"))
    def _refresh(_n: int, scale: Any) -> tuple[Any, ...]:
        return wall_data(scale)
