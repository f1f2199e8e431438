"""The Leaflet sector map: geometry fetched once from a URL, colours through `hideout`."""
from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import html

from components.props import dash_props

# Bouches-du-Rhône: the first view; assets/vigie-map.js then fits the polygons of any département.
DEFAULT_CENTER = [43.52, 5.08]
DEFAULT_ZOOM = 9
DEFAULT_BOUNDS = [[43.15, 4.23], [43.93, 5.82]]

# Colour-blind-safe scales (viridis-like sequential; blue-red diverging), light to dark.
SEQUENTIAL = ["#fde725", "#a0da39", "#4ac16d", "#1fa187", "#277f8e", "#365c8d", "#46327e"]
DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"]
NO_DATA = "#5b6570"


def applied_id(geojson_id: str) -> str:
    """Id of the hidden element the map-styling clientside callback writes to."""
    return f"{geojson_id}-applied"


def sector_map(map_id: str, geojson_id: str, geojson_url: str, hideout: dict[str, Any],
               tile_url: str = "", attribution: str = "", height: str = "100%",
               extra_layers: list[Any] | None = None, controls: bool = True,
               on_each_feature: str = "vigie.map.onEachFeature") -> html.Div:
    """A map of the sectors; without a tile URL the polygons sit on the dark map background.

    Without `controls` (the wall: watched, not touched) the map has no zoom buttons and ignores the wheel.
    `on_each_feature` names the script each polygon goes through (the crisis map's wraps vigie.map's).
    """
    layers: list[Any] = []
    if tile_url:
        layers.append(dl.TileLayer(url=tile_url, attribution=attribution or None))
    layers.append(dl.GeoJSON(
        id=geojson_id, url=geojson_url, hideout=hideout,
        style={"variable": "vigie.map.style"},
        onEachFeature={"variable": on_each_feature},
        hoverStyle={"variable": "vigie.map.hoverStyle"},
    ))
    layers += extra_layers or []
    leaflet = dl.Map(layers, id=map_id, center=DEFAULT_CENTER, zoom=DEFAULT_ZOOM, minZoom=7, maxZoom=14,
                     zoomSnap=0.25, viewport={"bounds": DEFAULT_BOUNDS, "transition": "fitBounds"},
                     style={"height": height, "width": "100%"}, className="vigie-map",
                     attributionControl=bool(tile_url), zoomControl=controls, scrollWheelZoom=controls)
    return html.Div([leaflet, html.Span(id=applied_id(geojson_id), hidden=True)], className="vigie-map-box")


def legend(title: str, colors: list[str], labels: list[str], no_data_label: str,
           outline_label: str | None = None) -> html.Div:
    """A legend with a swatch and a number range per class (readable without colour)."""
    rows = [html.Li([html.Span(className="legend-swatch", style={"background": c}), html.Span(label)])
            for c, label in zip(colors, labels)]
    rows.append(html.Li([html.Span(className="legend-swatch legend-nodata", style={"background": NO_DATA}),
                         html.Span(no_data_label)]))
    if outline_label:
        rows.append(html.Li([html.Span(className="legend-swatch legend-outline"), html.Span(outline_label)]))
    return html.Div([html.Div(title, className="legend-title"), html.Ul(rows, className="legend-list")],
                    className="vigie-legend", role="figure", **dash_props({"aria-label": title}))
