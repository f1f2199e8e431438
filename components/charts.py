"""Plotly figures as plain dicts: no figure object, no validation, no deep copies.

go.Figure validates and deep-copies every trace (over 100 ms for a 7-day sector page);
a dict of lists is what the browser receives anyway, so the figures are built as such.
Times are local wall-clock strings ("2026-07-14 18:00", Europe/Paris), which Plotly reads
as dates without any time-zone shift.

Plotly reads titles, names and annotations as a subset of HTML (links, bold, styles), so every
label goes through `plain` here: outside text (event, sector, station names) shows as typed.
"""
from __future__ import annotations

from html import escape
from typing import Any, Sequence

from dash import dcc

PAPER = "#18212b"
GRID = "#2e3b49"
TEXT = "#eef2f6"
SEGMENT_COLORS = {"residents": "#4e79a7", "tourists_fr": "#f28e2b", "tourists_intl": "#e15759",
                  "excursionists": "#76b7b2"}
Figure = dict[str, Any]


def plain(text: str) -> str:
    """Text for a Plotly label: `&`, `<` and `>` escaped, so no markup or link is interpreted."""
    return escape(str(text), quote=False)


# The mode bar takes the top strip of a chart (top right); the title sits under it, so a long title on a
# narrow chart is never covered.
MODEBAR_STRIP = 30
MODEBAR_KEEP_OUT = ("select2d", "lasso2d", "toggleSpikelines", "hoverClosestCartesian", "hoverCompareCartesian")


def graph_config() -> dcc.Graph.Config:
    """dcc.Graph config of interactive charts: a short mode bar (zoom, pan, reset, image), no scroll zoom.

    Charts open with dragmode off (see `_layout`): on a touch screen a finger dragging over a chart
    scrolls the page; on a desktop the mode bar's zoom and pan turn dragging back on. Small screens
    hide the mode bar (assets/vigie-lookback.css)."""
    return {"displaylogo": False, "responsive": True, "scrollZoom": False,
            "modeBarButtonsToRemove": list(MODEBAR_KEEP_OUT)}


def _layout(title: str, height: int, separators: str) -> dict[str, Any]:
    return {
        "title": {"text": plain(title), "x": 0.01, "xanchor": "left", "xref": "paper", "yref": "container", "y": 1,
                  "yanchor": "top", "pad": {"t": MODEBAR_STRIP}, "font": {"size": 16}},
        "height": height, "separators": separators, "dragmode": False,
        "paper_bgcolor": PAPER, "plot_bgcolor": PAPER, "font": {"color": TEXT, "size": 13},
        "margin": {"l": 60, "r": 20, "t": 40 + MODEBAR_STRIP, "b": 40}, "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.15, "x": 0},
        # Day/month numbers and 24-hour times: no English month names in a French interface.
        "xaxis": {"type": "date", "gridcolor": GRID, "linecolor": GRID, "tickformat": "%d/%m\n%H:%M",
                  "hoverformat": "%d/%m %H:%M"},
        "yaxis": {"gridcolor": GRID, "linecolor": GRID, "rangemode": "tozero"},
        "shapes": [], "annotations": [],
    }


def _line(x: Sequence[str], y: Sequence[float | None], name: str, **style: Any) -> dict[str, Any]:
    return {"type": "scatter", "mode": "lines", "x": list(x), "y": list(y), "name": plain(name), **style}


def presence_figure(times: Sequence[str], present: Sequence[float | None], p10: Sequence[float | None],
                    p90: Sequence[float | None], usual: Sequence[float | None], residents: float | None,
                    labels: dict[str, str], events: Sequence[tuple[str, str, str]] = (),
                    suppressed: Sequence[str] = (), separators: str = ", ") -> Figure:
    """Present people against the usual band (P10–P90), the usual median and the residents line."""
    data = [
        _line(times, p90, "", line={"width": 0}, hoverinfo="skip", showlegend=False),
        _line(times, p10, labels["band"], fill="tonexty", fillcolor="rgba(120,144,156,0.35)", line={"width": 0},
              hoverinfo="skip"),
        _line(times, usual, labels["usual"], line={"color": "#b0bec5", "dash": "dot", "width": 2}),
        _line(times, present, labels["present"], line={"color": "#ffb300", "width": 3}, connectgaps=False),
    ]
    if suppressed:
        data.append({"type": "scatter", "mode": "markers+text", "x": list(suppressed), "y": [0] * len(suppressed),
                     "text": [plain(labels["suppressed"])] * len(suppressed), "textposition": "top center",
                     "marker": {"symbol": "x", "color": "#e0e0e0"}, "name": plain(labels["suppressed"])})
    layout = _layout(labels["title"], 380, separators)
    if residents is not None:
        layout["shapes"].append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": residents, "y1": residents,
                                 "line": {"color": "#64b5f6", "dash": "dash", "width": 2}})
        layout["annotations"].append({"xref": "paper", "x": 0, "y": residents, "yanchor": "bottom", "xanchor": "left",
                                      "text": plain(labels["residents"]), "showarrow": False,
                                      "font": {"color": "#64b5f6"}})
    for start, end, name in events:
        layout["shapes"].append({"type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0,
                                 "y1": 1, "fillcolor": "rgba(228,87,46,0.18)", "line": {"width": 0},
                                 "layer": "below"})
        layout["annotations"].append({"xref": "x", "yref": "paper", "x": start, "y": 1, "xanchor": "left",
                                      "yanchor": "top", "text": plain(name), "showarrow": False, "font": {"size": 12}})
    return {"data": data, "layout": layout}


def segments_figure(times: Sequence[str], segments: dict[str, Sequence[float | None]], names: dict[str, str],
                    title: str, separators: str = ", ") -> Figure:
    """The four segments of presence, stacked."""
    data = [_line(times, values, names[key], stackgroup="seg", line={"width": 0.5, "color": SEGMENT_COLORS.get(key)})
            for key, values in segments.items()]
    return {"data": data, "layout": _layout(title, 300, separators)}


def bars_figure(times: Sequence[str], values: Sequence[float | None], name: str, title: str,
                separators: str = ", ", color: str = "#26a69a") -> Figure:
    return {"data": [{"type": "bar", "x": list(times), "y": list(values), "name": plain(name), "marker": {"color": color}}],
            "layout": _layout(title, 260, separators)}


def wall_times(slots: Sequence[int]) -> list[str]:
    """Epoch seconds as Europe/Paris wall-clock strings, the x values of every time chart."""
    from vigie.slots import to_local

    return [to_local(int(s)).strftime("%Y-%m-%d %H:%M") for s in slots]


FORECAST_COLOR = "#ce93d8"


def add_forecast(figure: Figure, now: str, times: Sequence[str], expected: Sequence[float | None],
                 low: Sequence[float | None], high: Sequence[float | None], labels: dict[str, str]) -> Figure:
    """Continue a presence figure into the next hours: dashed expected line, hatched 80 % band, a 'now' mark."""
    figure["data"] += [
        _line(times, high, "", line={"width": 0}, hoverinfo="skip", showlegend=False),
        _line(times, low, labels["forecast_band"], fill="tonexty", fillcolor="rgba(206,147,216,0.22)",
              fillpattern={"shape": "/", "fgcolor": "rgba(206,147,216,0.55)"}, line={"width": 0}, hoverinfo="skip"),
        _line(times, expected, labels["forecast"], line={"color": FORECAST_COLOR, "dash": "dash", "width": 3},
              mode="lines+markers", marker={"symbol": "circle-open", "size": 6}),
    ]
    figure["layout"]["shapes"].append({"type": "line", "xref": "x", "yref": "paper", "x0": now, "x1": now, "y0": 0,
                                       "y1": 1, "line": {"color": FORECAST_COLOR, "dash": "dot", "width": 1}})
    figure["layout"]["annotations"].append({"xref": "x", "yref": "paper", "x": now, "y": 1, "xanchor": "right",
                                            "yanchor": "top", "text": labels["now"], "showarrow": False,
                                            "font": {"color": FORECAST_COLOR, "size": 12}})
    return figure


COMPARE_COLOR = "#81c784"   # green: apart from the blue residents line, also dashed


def shifted_times(slots: Sequence[int], days: int) -> list[str]:
    """Wall-clock strings of earlier slots moved `days` days later: an earlier period on today's time axis."""
    from datetime import timedelta

    from vigie.slots import to_local

    return [(to_local(int(s)).replace(tzinfo=None) + timedelta(days=days)).strftime("%Y-%m-%d %H:%M") for s in slots]


def add_comparison(figure: Figure, times: Sequence[str], present: Sequence[float | None], name: str) -> Figure:
    """Draw an earlier period's presence on a presence figure: dashed, under the present line, named with its date."""
    trace = _line(times, present, name, line={"color": COMPARE_COLOR, "dash": "dash", "width": 2}, connectgaps=False)
    data = figure["data"]
    at = next((i for i, d in enumerate(data) if d.get("line", {}).get("color") == "#ffb300"), len(data))
    data.insert(at, trace)
    return figure
