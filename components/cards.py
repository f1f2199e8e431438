"""KPI cards, the sector card and small tables."""
from __future__ import annotations

from typing import Any, Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.props import dash_props


def kpi(label: str, value: str, sub: str = "", tone: str = "", kpi_id: str | None = None) -> html.Div:
    """One headline figure: label, big value, one line of context."""
    extra = {"id": kpi_id} if kpi_id else {}
    return html.Div([
        html.Div(label, className="kpi-label"),
        html.Div(value, className=f"kpi-value {tone}".strip()),
        html.Div(sub, className="kpi-sub"),
    ], className="kpi", **dash_props(extra))


def kpi_row(cards: Sequence[html.Div]) -> dbc.Row:
    return dbc.Row([dbc.Col(card, xs=12, sm=6, className="mb-2") for card in cards], className="g-2")


def definition_list(rows: Sequence[tuple[str, str]]) -> html.Dl:
    items: list[Any] = []
    for term, value in rows:
        items += [html.Dt(term, className="col-6"), html.Dd(value, className="col-6")]
    return html.Dl(items, className="row mb-0")


def sector_card(title: str, rows: Sequence[tuple[str, str]], link_label: str | None = None,
                href: str | None = None, note: Any = None) -> html.Div:
    """A sector's key figures, an optional note under them (what a score means), a link to its page."""
    body: list[Any] = [html.H3(title, className="h5"), definition_list(rows)]
    if note is not None:
        body.append(note)
    if link_label and href:
        body.append(dcc.Link(link_label, href=href, className="btn btn-outline-info btn-sm mt-2"))
    return html.Div(body, className="panel sector-card", role="region", **dash_props({"aria-label": title}))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], caption: str | None = None,
          numeric: Sequence[int] = ()) -> html.Div:
    """A plain table; columns listed in `numeric` are right-aligned."""
    head = html.Thead(html.Tr([html.Th(h, scope="col", className="text-end" if i in numeric else "")
                               for i, h in enumerate(headers)]))
    body = html.Tbody([
        html.Tr([html.Td(cell, className="text-end" if i in numeric else "") for i, cell in enumerate(row)])
        for row in rows
    ])
    parts: list[Any] = [html.Caption(caption)] if caption else []
    return html.Div(dbc.Table(parts + [head, body], size="sm", striped=True, hover=True, className="vigie-table mb-0"),
                    className="table-responsive", tabIndex="0")   # a scrolling region the keyboard reaches


def panel(title: str, *children: Any, panel_id: str | None = None) -> html.Section:
    extra = {"id": panel_id} if panel_id else {}
    return html.Section([html.H2(title), *children], className="panel", **dash_props(extra))
