"""The crisis map's layers: where it zooms, one arrow per suggested move, the stations and what they keep."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import dash_leaflet as dl
from dash import html

from server.text import t
from vigie.operations.allocation import AllocationResult, Move, StationCover, vehicles_text
from vigie.operations.stations import RESOURCES, Station
from vigie.sectors import Catalogue

Bounds = tuple[float, float, float, float]  # south, west, north, east
# Readable on the dark and the light theme: a white arrow in a dark casing, whatever the sector colour below.
ARROW, CASING = "#ffffff", "#10161d"
LABELS = {r: r.upper() for r in RESOURCES}
LABEL_AT = 0.12   # share of the way from the station where an arrow's label sits


def _points(coordinates: Any) -> Iterable[tuple[float, float]]:
    """Every (lon, lat) of a GeoJSON geometry's nested coordinates."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        yield float(coordinates[0]), float(coordinates[1])
        return
    for part in coordinates or []:
        yield from _points(part)


@lru_cache(maxsize=4)
def sector_bounds(catalogue: Catalogue) -> dict[str, Bounds]:
    """(south, west, north, east) of each sector's polygons."""
    out: dict[str, Bounds] = {}
    for feature in catalogue.geojson()["features"]:
        points = list(_points(feature["geometry"]["coordinates"]))
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        out[str(feature["properties"]["code"])] = (min(lats), min(lons), max(lats), max(lons))
    return out


def focus_bounds(bounds: Mapping[str, Bounds], codes: Sequence[str],
                 points: Sequence[tuple[float, float]] = ()) -> list[list[float]] | None:
    """[[south, west], [north, east]] around the sectors in crisis and the (lat, lon) points given (the sending
    stations); None when no sector is in crisis: the map then shows the whole département."""
    boxes = [bounds[c] for c in codes if c in bounds]
    if not boxes:
        return None
    lats = [b[0] for b in boxes] + [b[2] for b in boxes] + [p[0] for p in points]
    lons = [b[1] for b in boxes] + [b[3] for b in boxes] + [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def sending_points(result: AllocationResult | None, stations: Sequence[Station]) -> list[tuple[float, float]]:
    """(lat, lon) of the stations that send vehicles in the plan."""
    if result is None:
        return []
    sending = {m.station_id for m in result.moves}
    return [(s.lat, s.lon) for s in stations if s.station_id in sending]


def arrow_label(moves: Sequence[Move]) -> str:
    """'2 VSAV, 1 FPT · 18 min': the vehicles of one station towards one sector, and the travel time."""
    counts = {r: sum(m.count for m in moves if m.resource == r) for r in RESOURCES}
    labels = {m.resource: m.label for m in moves}
    kept = {r: n for r, n in counts.items() if n}
    return t("crisis.arrow_label", vehicles=vehicles_text(kept, labels), minutes=max(m.minutes for m in moves))


def move_arrows(result: AllocationResult | None, stations: Sequence[Station],
                places: Mapping[str, tuple[float, float, float]]) -> list[Any]:
    """One arrow per (station, sector) of the plan, from the station to the sector's town hall, labelled with
    its vehicles and travel time; dashed when it arrives after the response-time target."""
    if result is None:
        return []
    where = {s.station_id: (s.lat, s.lon) for s in stations}
    pairs: dict[tuple[str, str], list[Move]] = {}
    for m in result.moves:
        pairs.setdefault((m.station_id, m.sector_code), []).append(m)
    layers: list[Any] = []
    for (station_id, code), moves in pairs.items():
        if station_id not in where or code not in places:
            continue
        lon, lat, _area = places[code]
        line = [list(where[station_id]), [lat, lon]]
        late = not all(m.within_target for m in moves)
        # The label sits near the station, where the arrows of a crowded plan are furthest apart; labels that
        # would cover another are hidden by assets/vigie-crisis.js (the arrow's own tooltip still says it).
        near = [line[0][0] + LABEL_AT * (lat - line[0][0]), line[0][1] + LABEL_AT * (lon - line[0][1])]
        layers += [
            dl.Polyline(positions=line, color=CASING, weight=7, opacity=0.8, interactive=False),
            dl.Polyline(positions=line, color=ARROW, weight=3, opacity=1, dashArray="8 6" if late else None,
                        className="crisis-arrow", children=dl.Tooltip(arrow_label(moves), sticky=True)),
            dl.CircleMarker(center=near, radius=1, opacity=0, fillOpacity=0, interactive=False,
                            children=dl.Tooltip(arrow_label(moves), permanent=True, direction="center",
                                                className="crisis-arrow-label")),
            dl.PolylineDecorator(positions=line, patterns=[{
                "offset": "100%", "endOffset": "0", "repeat": "0",
                "arrowHead": {"pixelSize": 14, "headAngle": 60, "polygon": True,
                              "pathOptions": {"stroke": True, "color": CASING, "weight": 1.5, "fill": True,
                                              "fillColor": ARROW, "fillOpacity": 1}}}]),
        ]
    return layers


def station_lines(s: Station, cover: StationCover | None) -> list[str]:
    """The station's tooltip: what it holds, and what it keeps once the plan's vehicles have left."""
    held = vehicles_text({r: s.available(r) for r in RESOURCES}, LABELS)
    lines = [t("crisis.station_holds", name=s.name, vehicles=held)]
    if cover is not None:
        lines.append(t("crisis.station_after", kept=cover.vehicles()))
    return lines


def station_markers(stations: Sequence[Station], result: AllocationResult | None) -> list[Any]:
    """One marker per station; a sending station is larger and says what it keeps. Tooltips are text children
    (escaped by React)."""
    covers = {k.station_id: k for k in (result.kept if result is not None else [])}
    markers = []
    for s in stations:
        cover = covers.get(s.station_id)
        markers.append(dl.CircleMarker(
            center=[s.lat, s.lon], radius=8 if cover else 5, color=CASING if cover else "#ffffff",
            weight=2 if cover else 1, fillColor="#e4572e", fillOpacity=0.95,
            children=dl.Tooltip([html.Div(line) for line in station_lines(s, cover)])))
    return markers
