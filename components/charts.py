"""Plotly figures built with go.Figure and no template (a few ms each, unlike px.*)."""
from __future__ import annotations

from typing import Any, Sequence

import plotly.graph_objects as go

PAPER = "#18212b"
GRID = "#2e3b49"
TEXT = "#eef2f6"
SEGMENT_COLORS = {"residents": "#4e79a7", "tourists_fr": "#f28e2b", "tourists_intl": "#e15759",
                  "excursionists": "#76b7b2"}


def _layout(fig: go.Figure, title: str, height: int, separators: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 16}}, height=height, separators=separators,
        paper_bgcolor=PAPER, plot_bgcolor=PAPER, font={"color": TEXT, "size": 13},
        margin={"l": 60, "r": 20, "t": 40, "b": 40}, hovermode="x unified",
        legend={"orientation": "h", "y": -0.15, "x": 0},
        # Day/month numbers and 24-hour times: no English month names in a French interface.
        xaxis={"gridcolor": GRID, "linecolor": GRID, "tickformat": "%d/%m\n%H:%M", "hoverformat": "%d/%m %H:%M"},
        yaxis={"gridcolor": GRID, "linecolor": GRID, "rangemode": "tozero"},
    )
    return fig


def presence_figure(times: Sequence[Any], present: Sequence[float | None], p10: Sequence[float | None],
                    p90: Sequence[float | None], usual: Sequence[float | None], residents: float | None,
                    labels: dict[str, str], events: Sequence[tuple[Any, Any, str]] = (),
                    suppressed: Sequence[Any] = (), separators: str = ", ") -> go.Figure:
    """Present people against the usual band (P10–P90), the usual median and the residents line."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(times), y=list(p90), line={"width": 0}, hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=list(times), y=list(p10), fill="tonexty", fillcolor="rgba(120,144,156,0.35)",
                             line={"width": 0}, name=labels["band"], hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=list(times), y=list(usual), name=labels["usual"],
                             line={"color": "#b0bec5", "dash": "dot", "width": 2}))
    fig.add_trace(go.Scatter(x=list(times), y=list(present), name=labels["present"],
                             line={"color": "#ffb300", "width": 3}, connectgaps=False))
    if residents is not None:
        fig.add_hline(y=residents, line={"color": "#64b5f6", "dash": "dash", "width": 2},
                      annotation_text=labels["residents"], annotation_position="top left")
    if suppressed:
        fig.add_trace(go.Scatter(x=list(suppressed), y=[0] * len(suppressed), mode="markers+text",
                                 text=[labels["suppressed"]] * len(suppressed), textposition="top center",
                                 marker={"symbol": "x", "color": "#e0e0e0"}, name=labels["suppressed"]))
    for start, end, name in events:
        fig.add_vrect(x0=start, x1=end, fillcolor="rgba(228,87,46,0.18)", line_width=0,
                      annotation_text=name, annotation_position="top left", annotation_font_size=12)
    return _layout(fig, labels["title"], 380, separators)


def segments_figure(times: Sequence[Any], segments: dict[str, Sequence[float | None]], names: dict[str, str],
                    title: str, separators: str = ", ") -> go.Figure:
    """The four segments of presence, stacked."""
    fig = go.Figure()
    for key, values in segments.items():
        fig.add_trace(go.Scatter(x=list(times), y=list(values), name=names[key], stackgroup="seg",
                                 line={"width": 0.5, "color": SEGMENT_COLORS.get(key)}))
    return _layout(fig, title, 300, separators)


def bars_figure(times: Sequence[Any], values: Sequence[float | None], name: str, title: str,
                separators: str = ", ", color: str = "#26a69a") -> go.Figure:
    fig = go.Figure(go.Bar(x=list(times), y=list(values), name=name, marker={"color": color}))
    return _layout(fig, title, 260, separators)
