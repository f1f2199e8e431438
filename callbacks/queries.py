"""Zone queries: build a zone (map clicks or list), run it over a period, export it; every query is audited."""
from __future__ import annotations

from datetime import date
from typing import Any

import re
import unicodedata

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from callbacks import map_styler, secure_callback
from components import ids
from components.cards import kpi, kpi_row, panel, table
from components.charts import bars_figure, wall_times
from server.context import user, username, view, vigie
from server.text import lang, num, pct, t
from vigie.analysis import zones
from vigie.analysis.exports import zone_csv
from vigie.feed.providers import zone_provider
from vigie.training.control import stamp
from vigie.i18n import format_time
from vigie.slots import local_day_bounds, to_local

ZONE_COLORS = ["#3b4a59", "#ffb300"]
MAX_SECTORS = 134


def is_admin() -> bool:
    """Admins see every saved zone, private ones included."""
    found = user()
    return found is not None and found.has_role("admin")


def period(start_date: Any, end_date: Any) -> tuple[int, int]:
    """[start of the first local day, end of the last) from the two date fields (ISO dates)."""
    try:
        first, last = date.fromisoformat(str(start_date)[:10]), date.fromisoformat(str(end_date)[:10])
    except ValueError as exc:
        raise zones.ZoneError(t("queries.bad_period")) from exc
    if last < first or first.year < 1970 or last.year > 2099:
        raise zones.ZoneError(t("queries.bad_period"))
    return local_day_bounds(first)[0], local_day_bounds(last)[1]


def provider() -> Any:
    """The feed's zone provider answers unique-visitor queries exactly; without one, bounds."""
    return zone_provider(vigie().settings)


def zone_hideout(codes: list[str]) -> dict[str, Any]:
    chosen = set(codes)
    names = {s.code: s.name for s in vigie().catalogue}
    return {"classes": {code: int(code in chosen) for code in names}, "colors": ZONE_COLORS,
            "labels": {code: t("queries.in_zone") if code in chosen else t("queries.click_to_add") for code in names},
            "selected": None, "highlight": sorted(chosen)}


def toggled(codes: list[str] | None, click: dict[str, Any] | None) -> list[str] | Any:
    code = ((click or {}).get("properties") or {}).get("code")
    if not isinstance(code, str) or code not in vigie().catalogue:
        return no_update
    return zones.toggle_sector(list(codes or []), code)


def uv_card(uv: zones.UniqueVisitors) -> html.Div:
    if uv.kind == "exact" and uv.value is not None:
        return kpi(t("queries.uv"), num(uv.value), t("queries.uv_exact"))
    if uv.kind == "bounds" and uv.low is not None:
        high = num(uv.high) if uv.high is not None else "?"
        return kpi(t("queries.uv"), f"{num(uv.low)} – {high}", uv.reason or t("queries.uv_bounds"))
    return kpi(t("queries.uv"), "–", uv.reason or t("queries.no_data"))


def figure_card(label: str, figure: zones.Figure, sub: str = "") -> html.Div:
    value = num(figure.shown) if figure.shown is not None else "–"
    if figure.status == "partial":
        value = "≥ " + value
    return kpi(label, value, figure.reason or sub)


def result_view(result: zones.ZoneResult) -> html.Div:
    language = lang()
    peak_when = format_time(result.peak_slot, language, with_date=True) if result.peak_slot else ""
    cards = kpi_row([uv_card(result.unique_visitors), figure_card(t("queries.entries"), result.entries),
                     figure_card(t("queries.peak"), result.peak_present, peak_when),
                     figure_card(t("queries.mean"), result.mean_present)])
    mix = [[t(f"sector.segment_{key}"), pct(share)] for key, share in result.segments.shares.items()]
    comparisons = [[t(f"queries.compare_{label}"), num(c.peak_present.shown), num(c.entries.shown),
                    pct(c.changes.get("peak_present")), pct(c.changes.get("entries"))]
                   for label, c in result.comparisons.items() if c is not None]
    times = wall_times([p["slot"] for p in result.series])
    series = bars_figure(times, [p["present"] for p in result.series], t("queries.present"),
                         t("queries.series_title"), ", " if language == "fr" else ".,", color="#ffb300")
    members = [[f.name, num(f.peak_present.shown), num(f.mean_present.shown), num(f.entries.shown)]
               for f in result.sectors]
    return html.Div([
        cards,
        dbc.Row([
            dbc.Col(panel(t("queries.mix"), table([t("queries.segment"), t("queries.share")], mix, numeric=(1,))), md=4),
            dbc.Col(panel(t("queries.compare"), table(
                [t("queries.period"), t("queries.peak"), t("queries.entries"), t("queries.change_peak"),
                 t("queries.change_entries")], comparisons, numeric=(1, 2, 3, 4)) if comparisons
                else html.P(t("queries.no_compare"))), md=8),
        ], className="g-2 mb-2"),
        html.Div(dcc.Graph(figure=series, config={"displaylogo": False}), className="panel mb-2"),
        panel(t("queries.members"), table([t("queries.sector"), t("queries.peak"), t("queries.mean"),
                                           t("queries.entries")], members, numeric=(1, 2, 3))),
    ])


def _zone_name(saved: Any, codes: list[str]) -> str | None:
    """The saved zone's name when the sectors queried are exactly that zone's."""
    if not isinstance(saved, str) or not saved:
        return None
    try:
        zone = zones.get_zone(vigie().store, saved, username())
    except zones.ZoneError:
        return None
    return zone.name if set(zone.sectors) == set(codes) else None


def run(codes: list[str], start_date: Any, end_date: Any, saved: Any = None) -> tuple[Any, Any, Any]:
    """(result view, stored query, message)."""
    from flask import request

    try:
        start, end = period(start_date, end_date)
        result = zones.query_zone(vigie().store, codes, start, end, vigie().settings, provider())
    except zones.ZoneError as exc:
        return no_update, no_update, dbc.Alert(exc.message(lang()), color="warning")
    zones.audit_zone_query(vigie().store, result, username(), address=request.remote_addr)
    query = {"codes": list(result.codes), "start": start, "end": end, "name": _zone_name(saved, list(result.codes))}
    return result_view(result), query, None


TABLES = ("summary", "sectors", "series")


def export_name(query: dict[str, Any], table: str) -> str:
    """vigie-<zone>-<first day>_<last day>-<table>.csv: what a spreadsheet user looks for."""
    zone = str(query.get("name") or "-".join(query["codes"][:4]) + ("-etc" if len(query["codes"]) > 4 else ""))
    slug = re.sub(r"[^0-9A-Za-z]+", "-", unicodedata.normalize("NFKD", zone).encode("ascii", "ignore").decode())
    first = to_local(int(query["start"])).date().isoformat()
    last = to_local(int(query["end"]) - 1).date().isoformat()
    return f"vigie-{slug.strip('-')[:60] or 'zone'}-{first}_{last}-{table}.csv"


def export(query: dict[str, Any] | None, table: str = "summary") -> Any:
    from flask import request

    if not query:
        return no_update
    table = table if table in TABLES else "summary"
    store = vigie().store
    result = zones.query_zone(store, query["codes"], int(query["start"]), int(query["end"]), vigie().settings,
                              provider())
    zones.audit_zone_query(store, result, username(), address=request.remote_addr, action="zone.export")
    body = zone_csv(result, table, stamp=stamp(view().exercise) or None)
    return dcc.send_bytes(body, export_name(query, table))


def save(name: str, codes: list[str]) -> Any:
    try:
        zone = zones.save_zone(vigie().store, name, codes, username() or "?", replace=True)
    except zones.ZoneError as exc:
        return dbc.Alert(exc.message(lang()), color="danger")
    return dbc.Alert(t("queries.saved_ok", name=zone.name), color="success")


def register(app: Dash) -> None:
    map_styler(app, ids.QRY_GEOJSON)
    @secure_callback(app, "operator", Output(ids.QRY_SECTORS, "options"), Output(ids.QRY_SAVED, "options"),
                     Input(ids.QRY_SECTORS, "id"), Input(ids.QRY_MESSAGE, "children"))
    def _options(_id: str, _message: Any) -> tuple[Any, Any]:
        sectors = [{"label": f"{s.name} ({s.code})", "value": s.code} for s in vigie().catalogue]
        found = zones.list_zones(vigie().store, username(), admin=is_admin())
        saved = [{"label": z.name, "value": z.name} for z in found]
        return sectors, saved

    @secure_callback(app, "operator", Output(ids.QRY_SECTORS, "value"), Input(ids.QRY_GEOJSON, "clickData"),
                     Input(ids.QRY_SAVED, "value"), State(ids.QRY_SECTORS, "value"), prevent_initial_call=True)
    def _pick(click: Any, saved: Any, codes: Any) -> Any:
        if ctx.triggered_id == ids.QRY_SAVED and isinstance(saved, str):
            try:
                return list(zones.get_zone(vigie().store, saved, username(), admin=is_admin()).sectors)
            except zones.ZoneError:
                return no_update
        return toggled(codes if isinstance(codes, list) else [], click)

    @secure_callback(app, "operator", Output(ids.QRY_GEOJSON, "hideout"), Input(ids.QRY_SECTORS, "value"))
    def _highlight(codes: Any) -> dict[str, Any]:
        return zone_hideout([c for c in (codes or []) if isinstance(c, str)][:MAX_SECTORS])

    @secure_callback(app, "operator", Output(ids.QRY_MESSAGE, "children"), Input(ids.QRY_SAVE, "n_clicks"),
                     State(ids.QRY_NAME, "value"), State(ids.QRY_SECTORS, "value"), prevent_initial_call=True)
    def _save(_n: Any, name: Any, codes: Any) -> Any:
        return save(str(name or ""), [c for c in (codes or []) if isinstance(c, str)])

    @secure_callback(app, "operator", Output(ids.QRY_RESULT, "children"), Output(ids.QRY_STORE, "data"),
                     Output(ids.QRY_MESSAGE, "children", allow_duplicate=True), Input(ids.QRY_RUN, "n_clicks"),
                     State(ids.QRY_SECTORS, "value"), State(ids.QRY_FROM, "value"),
                     State(ids.QRY_TO, "value"), State(ids.QRY_SAVED, "value"), prevent_initial_call=True)
    def _run(_n: Any, codes: Any, start_date: Any, end_date: Any, saved: Any) -> tuple[Any, Any, Any]:
        return run([c for c in (codes or []) if isinstance(c, str)], start_date, end_date, saved)

    @secure_callback(app, "operator", Output(ids.QRY_DOWNLOAD, "data"), Input(ids.QRY_EXPORT, "n_clicks"),
                     State(ids.QRY_STORE, "data"), State(ids.QRY_EXPORT_TABLE, "value"), prevent_initial_call=True)
    def _export(_n: Any, query: Any, table: Any) -> Any:
        return export(query if isinstance(query, dict) else None, str(table or "summary"))
