"""Wall display: one data refresh for every view; the rotation itself runs in the browser."""
from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html

from callbacks import clientside, map_styler, secure_callback
from callbacks.crisis import ranking, ranking_table
from callbacks.sector import _nan_to_none, separators
from callbacks.situation import current_situation, events_panel, headline, map_hideout, map_legend, todays_events
from components import ids
from components.charts import presence_figure, wall_times
from server.context import view, vigie
from server.text import num, t
from vigie.analysis.situation import sector_series, top_movers

SERIES_COUNT = 3


def series_graphs(codes: list[tuple[str, str, int]]) -> list[Any]:
    """24-hour presence curves of the sectors most above usual."""
    s = vigie().settings
    shown = view()
    step = s.slot_minutes * 60
    end = int(shown.now // step * step) + step
    graphs = []
    for code, name, residents in codes[:SERIES_COUNT]:
        frame = sector_series(vigie().store, code, end - 86400, end, s, overlay=shown.overlay)
        labels = {"title": name, "band": t("sector.band"), "usual": t("sector.usual"), "present": t("sector.present"),
                  "residents": t("sector.residents", residents=num(residents)), "suppressed": t("sector.withheld")}
        figure = presence_figure(wall_times(frame["slot"].tolist()), _nan_to_none(frame["present"]),
                                 _nan_to_none(frame["p10"]), _nan_to_none(frame["p90"]), _nan_to_none(frame["usual"]),
                                 float(residents), labels, separators=separators())
        figure["layout"].update(height=300, font={"color": "#eef2f6", "size": 18})
        graphs.append(dcc.Graph(figure=figure, config={"staticPlot": True}))
    return graphs or [html.P(t("wall.no_series"))]


def wall_data() -> tuple[Any, ...]:
    situation = current_situation()
    _at, ranked = ranking("all", "", None)
    focus = [(r.code, r.name, r.residents) for r in ranked] or \
            [(s.code, s.name, s.residents) for s in top_movers(situation, SERIES_COUNT).above_usual]
    return (headline(situation), map_hideout(situation, "pct_usual", None), map_legend("pct_usual"),
            ranking_table(ranked), series_graphs(focus), events_panel(todays_events(situation)))


def register(app: Dash) -> None:
    map_styler(app, ids.WALL_MAP_GEOJSON)
    clientside(
        app, "display",
        f"function(n) {{ return 'wall-views wall-active-' + (n % {len(ids.WALL_VIEW_NAMES)}); }}",
        Output(ids.WALL_VIEWS, "className"), Input(ids.WALL_ROTATE, "n_intervals"),
    )

    @secure_callback(app, "display", Output(ids.WALL_KPIS, "children"), Output(ids.WALL_MAP_GEOJSON, "hideout"),
                     Output(ids.WALL_LEGEND, "children"), Output(ids.WALL_RANKING, "children"),
                     Output(ids.WALL_SERIES, "children"), Output(ids.WALL_EVENTS, "children"),
                     Input(ids.WALL_REFRESH, "n_intervals"))
    def _refresh(_n: int) -> tuple[Any, ...]:
        return wall_data()


