"""Events and risks: calendar listing, add/edit/delete, CSV/iCalendar import, massif and flood imports."""
from __future__ import annotations

import base64
import time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update

from callbacks import secure_callback
from components import ids
from components.cards import table
from server.context import username, vigie
from server.text import lang, num, t
from vigie.calendar.events import InvalidEvents, load_events
from vigie.errors import error_message
from vigie.identity import audit
from vigie.operations import imports as calendar_import, overlays
from vigie.i18n import format_time
from vigie.slots import local_day, parse_instant, to_local

WINDOW_BEFORE, WINDOW_AFTER = 7 * 86400, 60 * 86400
UPLOADS = (ids.EVT_UPLOAD, ids.EVT_MASSIF_UPLOAD, ids.EVT_FLOOD_UPLOAD)


def calendar_rows() -> tuple[Any, list[dict[str, str]]]:
    """The events from a week ago to two months ahead, and the picker's options."""
    now = int(time.time())
    events = load_events(vigie().store, now - WINDOW_BEFORE, now + WINDOW_AFTER)
    language = lang()
    names = {s.code: s.name for s in vigie().catalogue}
    rows = [[format_time(e.start, language, with_date=True), format_time(e.end, language, with_date=True), e.name,
             ", ".join(names.get(c, c) for c in e.sectors), num(e.expected_attendance),
             t("events.origin_user") if e.origin == "user" else t("events.origin_file")] for e in events]
    listing = table([t("events.start"), t("events.end"), t("events.name"), t("events.sectors"),
                     t("events.attendance"), t("events.origin")], rows, numeric=(4,)) if rows else html.P(t("events.none"))
    options = [{"label": t("events.new"), "value": ""}] + [
        {"label": f"{format_time(e.start, language, with_date=True)} — {e.name}", "value": e.event_id} for e in events]
    return listing, options


def form_values(event_id: str) -> tuple[Any, ...]:
    event = calendar_import.get_event(vigie().store, event_id) if event_id else None
    if event is None:
        return "", "other", [], None, None, 0
    return (event.name, event.category, list(event.sectors), datetime_local(event.start), datetime_local(event.end),
            event.expected_attendance)


def datetime_local(ts: int) -> str:
    """The value of an <input type=datetime-local> (Paris wall time)."""
    return to_local(ts).strftime("%Y-%m-%dT%H:%M")


def save_or_delete(action: str, event_id: str, name: str, category: str, sectors: list[str], start: Any, end: Any,
                   attendance: Any) -> Any:
    who = username() or "?"
    try:
        if action == ids.EVT_DELETE:
            if not event_id:
                return dbc.Alert(t("events.pick_first"), color="warning")
            calendar_import.delete_event(vigie().store, event_id)
            audit.record(vigie().store, "event.delete", username=who, event=event_id)
            return dbc.Alert(t("events.deleted"), color="info")
        start_at, end_at, expected = parse_instant(str(start)), parse_instant(str(end)), int(attendance or 0)
        if event_id:
            event = calendar_import.update_event(vigie().store, event_id, who, name=name, sectors=sectors,
                                                 start=start_at, end=end_at, expected_attendance=expected,
                                                 category=category)
        else:
            event = calendar_import.add_event(vigie().store, who, name=name, sectors=sectors, start=start_at,
                                              end=end_at, expected_attendance=expected, category=category)
        audit.record(vigie().store, "event.save", username=who, event=event.event_id)
        return dbc.Alert(t("events.saved", name=event.name), color="success")
    except (InvalidEvents, ValueError, TypeError) as exc:
        return dbc.Alert(t("events.refused", reason=error_message(exc, lang())), color="danger")


def _decode(contents: str) -> bytes:
    """The bytes of a dcc.Upload data URL."""
    return base64.b64decode(contents.split(",", 1)[1] if "," in contents else contents)


def import_upload(which: str, contents: str, filename: str) -> Any:
    who, store = username() or "?", vigie().store
    name = (filename or "fichier")[-120:]
    try:
        data = _decode(contents)
        if which == ids.EVT_UPLOAD:
            report = calendar_import.import_events_file(store, name, data, who)
            done = t("events.imported_events", count=len(report.events))
        elif which == ids.EVT_MASSIF_UPLOAD:
            done = t("events.imported_rows", count=overlays.import_massif_levels(store, data, f"upload:{name}").rows)
        else:
            done = t("events.imported_rows", count=overlays.import_flood_vigilance(store, data, f"upload:{name}").rows)
    except overlays.ImportRefused as exc:
        audit.record(store, "overlay.import", username=who, outcome="refused", file=name)
        return dbc.Alert(exc.message(lang()), color="danger", style={"whiteSpace": "pre-wrap"})
    except (InvalidEvents, ValueError) as exc:
        audit.record(store, "event.import", username=who, outcome="refused", file=name)
        return dbc.Alert(t("events.refused", reason=error_message(exc, lang())), color="danger",
                         style={"whiteSpace": "pre-wrap"})
    audit.record(store, "event.import" if which == ids.EVT_UPLOAD else "overlay.import", username=who, file=name)
    return dbc.Alert(done, color="success")


def risks() -> Any:
    day = local_day(time.time())
    levels = overlays.massif_levels_on(vigie().store, day)
    names = {m.massif_id: m.name for m in overlays.list_massifs(vigie().store)}
    rows = [[names.get(m, m), t(f"situation.level_{lvl}")] for m, lvl in sorted(levels.items())]
    rows += [[t("situation.flood", name=f["name"]), t(f"situation.level_{f['level']}")]
             for f in overlays.flood_sections_on(vigie().store, day)]
    return table([t("events.risk"), t("events.level")], rows) if rows else html.P(t("situation.no_massif_levels"))


def register(app: Dash) -> None:
    @secure_callback(app, "operator", Output(ids.EVT_TABLE, "children"), Output(ids.EVT_PICK, "options"),
                     Output(ids.EVT_SECTORS, "options"), Output(ids.EVT_RISKS, "children"),
                     Input(ids.EVT_RESULT, "children"), Input(ids.EVT_TABLE, "id"))
    def _listing(_result: Any, _id: str) -> tuple[Any, ...]:
        listing, options = calendar_rows()
        sectors = [{"label": f"{s.name} ({s.code})", "value": s.code} for s in vigie().catalogue]
        return listing, options, sectors, risks()

    @secure_callback(app, "operator", Output(ids.EVT_NAME, "value"), Output(ids.EVT_CATEGORY, "value"),
                     Output(ids.EVT_SECTORS, "value"), Output(ids.EVT_START, "value"), Output(ids.EVT_END, "value"),
                     Output(ids.EVT_ATTENDANCE, "value"), Input(ids.EVT_PICK, "value"), prevent_initial_call=True)
    def _pick(event_id: Any) -> tuple[Any, ...]:
        return form_values(str(event_id or ""))

    @secure_callback(app, "operator", Output(ids.EVT_RESULT, "children"), Input(ids.EVT_SAVE, "n_clicks"),
                     Input(ids.EVT_DELETE, "n_clicks"), State(ids.EVT_PICK, "value"), State(ids.EVT_NAME, "value"),
                     State(ids.EVT_CATEGORY, "value"), State(ids.EVT_SECTORS, "value"), State(ids.EVT_START, "value"),
                     State(ids.EVT_END, "value"), State(ids.EVT_ATTENDANCE, "value"), prevent_initial_call=True)
    def _save(_s: Any, _d: Any, event_id: Any, name: Any, category: Any, sectors: Any, start: Any, end: Any,
              attendance: Any) -> Any:
        if ctx.triggered_id not in (ids.EVT_SAVE, ids.EVT_DELETE):
            return no_update
        return save_or_delete(str(ctx.triggered_id), str(event_id or ""), str(name or ""), str(category or "other"),
                              [c for c in (sectors or []) if isinstance(c, str)], start, end, attendance)

    @secure_callback(app, "operator", Output(ids.EVT_RESULT, "children", allow_duplicate=True),
                     *[Input(u, "contents") for u in UPLOADS], *[State(u, "filename") for u in UPLOADS],
                     prevent_initial_call=True)
    def _upload(*args: Any) -> Any:
        which = ctx.triggered_id
        if which not in UPLOADS:
            return no_update
        index = UPLOADS.index(which)
        contents, filename = args[index], args[len(UPLOADS) + index]
        if not isinstance(contents, str):
            return no_update
        return import_upload(which, contents, str(filename or ""))
