"""Situation page: the map's colours (hideout only), headline figures, movers, events, sector card."""
from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update

from callbacks import clientside, map_styler, secure_callback
from callbacks._forecast import MAP_HOURS, excess_in, forecast_rows, tooltip_lines, view_forecast
from callbacks._scores import score_help
from components import ids
from components.cards import kpi, kpi_row, panel, sector_card, table
from components.hideout import SCALES, build_hideout
from components.links import query_string, time_param
from components.sector_map import legend
from server.context import live_view, look_back, view, vigie
from server.text import dec, lang, num, pct, signed, t
from vigie.calendar.events import Event, load_events
from vigie.i18n import authority_name as i18n_authority_name, format_time
from vigie.analysis.situation import SectorSituation, Situation, shared_situation_at, situation_at
from vigie.slots import floor_slot, to_local
from vigie.training.view import look_back_window

# indicator -> (scale, attribute of SectorSituation)
INDICATORS = {
    "present": ("population", "present"),
    "residents": ("population", "residents"),
    "delta_residents": ("delta_residents", "delta_residents"),
    "pct_usual": ("pct_usual", "pct"),
    "z": ("z", "z"),
}
FORMATTERS = {"population": num, "delta_residents": signed, "pct_usual": lambda v: pct(v), "z": lambda v: dec(v, 0),
              "forecast_excess": signed}
# indicator -> hours ahead: the expected excess over usual (vigie.forecast), same classes as delta_residents
FORECAST_INDICATORS = {f"forecast_{h}h": h for h in MAP_HOURS}


def current_situation(at: int | None = None) -> Situation:
    """The situation at the time of this view (live, or the exercise clock), or as it stood at `at`.

    Looking back goes through the same view and the same `situation_at`: the same privacy rule."""
    shown = look_back(at)
    if shown.overlay is None:
        return shared_situation_at(vigie().store, shown.at, vigie().settings)
    return situation_at(vigie().store, shown.at, vigie().settings, overlay=shown.overlay, now=int(shown.now))


def sector_label(s: SectorSituation) -> str:
    """Tooltip lines for a sector (plain text; the map escapes it)."""
    if s.present is None:
        return t("situation.tooltip_withheld", residents=num(s.residents))
    lines = [t("situation.tooltip_present", present=num(s.present), residents=num(s.residents))]
    if s.usual is not None:
        lines.append(t("situation.tooltip_usual", usual=num(s.usual), pct=pct(s.pct)))
    return "\n".join(lines)


def open_events(situation: Situation, events: list[Event] | None) -> list[Event]:
    """The events open during the slot on view (a six-week market by day, not through its nights)."""
    step = situation.slot_minutes * 60
    return [e for e in events or [] if e.open_during(situation.at, situation.at + step)]


def map_hideout(situation: Situation, indicator: str, selected: str | None,
                events: list[Event] | None = None) -> dict[str, Any]:
    """Colours and tooltips; sectors with an event under way are outlined and name it."""
    scale_name, attribute = INDICATORS.get(indicator, INDICATORS["present"])
    values = {s.code: getattr(s, attribute) for s in situation.sectors}
    labels = {s.code: sector_label(s) for s in situation.sectors}
    current = open_events(situation, events)
    for event in current:
        for code in event.sectors:
            if code in labels:
                labels[code] += "\n" + t("situation.tooltip_event", name=event.name)
    highlight = sorted({code for e in current for code in e.sectors})
    return build_hideout(values, SCALES[scale_name], labels, selected=selected, highlight=highlight)


def forecast_hideout(situation: Situation, hours: int, selected: str | None,
                     events: list[Event] | None = None) -> dict[str, Any]:
    """The map coloured by the expected excess over usual `hours` ahead (forecast computed once per slot).

    Tooltips carry the forecast line (and the event under way) only, so the payload stays that of the other
    indicators."""
    forecast = view_forecast()
    labels = tooltip_lines(forecast, hours, lang())
    current = open_events(situation, events)
    for event in current:
        for code in event.sectors:
            labels[code] = labels.get(code, "") + "\n" + t("situation.tooltip_event", name=event.name)
    highlight = sorted({code for e in current for code in e.sectors if code in labels})
    return build_hideout(excess_in(forecast, hours), SCALES["forecast_excess"], labels, selected=selected,
                         highlight=highlight)


def map_legend(indicator: str) -> html.Div:
    if indicator in FORECAST_INDICATORS:
        scale = SCALES["forecast_excess"]
        return legend(t(f"forecast.indicator_{FORECAST_INDICATORS[indicator]}h"), list(scale.colors),
                      scale.labels(signed), t("situation.legend_no_data"), t("situation.legend_event"))
    scale_name, _ = INDICATORS.get(indicator, INDICATORS["present"])
    scale = SCALES[scale_name]
    return legend(t(f"situation.indicator_{indicator}"), list(scale.colors), scale.labels(FORMATTERS[scale_name]),
                  t("situation.legend_no_data"), t("situation.legend_event"))


def authority_name(code: str) -> str:
    """'SDIS 13', 'BMPM (Marseille)': an authority code (as data and the API keep it) as people write it."""
    return i18n_authority_name(code, lang())


def headline(situation: Situation) -> dbc.Row:
    """'INSEE says N residents, M people are here now' for the département and the SDIS area."""
    keys = ["department"] + sorted(k for k in situation.totals if k.startswith("SDIS"))
    cards = []
    for key in keys:
        total = situation.totals[key]
        counted = bool(total.get("counted"))
        present = total["present"] if counted else None
        delta = total["delta_residents"] if counted else None
        tone = "kpi-up" if (delta or 0) > 0 else "kpi-down"
        has_usual = counted and total.get("usual_missing", 0) < total["counted"]
        sub = t("situation.kpi_sub", residents=num(total["residents_all"]), delta=signed(delta),
                usual=num(total["usual"] if has_usual else None))
        label = t("situation.kpi_department") if key == "department" else t("situation.kpi_area",
                                                                               authority=authority_name(key))
        cards.append(kpi(label, num(present), sub, tone, kpi_id=f"situation-kpi-{key.lower()}"))
    return kpi_row(cards)


def data_time_line(situation: Situation) -> str:
    if situation.data_time is None:
        return t("situation.no_data")
    step = situation.slot_minutes * 60
    return t("situation.data_time", start=format_time(situation.data_time, lang()),
             end=format_time(situation.data_time + step, lang()))


WATCH_Z = 2.0
WATCH_ROWS = 3


def above_usual(situation: Situation) -> tuple[list[SectorSituation], list[SectorSituation]]:
    """(sectors over the crisis thresholds, sectors to watch: z >= WATCH_Z and the excess floor), by excess."""
    from vigie.operations.crisis import thresholds

    limits = thresholds(vigie().settings)
    ranked = sorted((s for s in situation.sectors if s.excess is not None and s.z is not None),
                    key=lambda s: (-(s.excess or 0), s.code))
    over = [s for s in ranked if limits.significant(s.excess, s.z)]
    watch = [s for s in ranked if s not in over and (s.z or 0) >= WATCH_Z and (s.excess or 0) >= limits.min_excess]
    return over, watch[:WATCH_ROWS]


def movers_panel(situation: Situation) -> html.Section:
    """Only what crosses the crisis thresholds (as /crise, by excess), then a few sectors to watch, muted."""
    over, watch = above_usual(situation)
    headers = [t("situation.col_sector"), t("situation.col_present"), t("situation.col_excess"),
               t("situation.col_pct"), t("situation.col_z")]

    def rows(sectors: list[SectorSituation]) -> list[list[str]]:
        return [[s.name, num(s.present), signed(s.excess), pct(s.pct), dec(s.z, 1)] for s in sectors]

    body: list[Any] = [table(headers, rows(over), numeric=(1, 2, 3, 4)) if over
                       else html.P(t("situation.nothing_above"), className="mb-1")]
    if watch:
        body += [html.H3(t("alert_screen.watch"), className="h6 text-muted mt-2 mb-1"),
                 html.Div(table(headers, rows(watch), numeric=(1, 2, 3, 4)), className="movers-watch")]
    if over or watch:
        body.append(score_help(band=False))
    return panel(t("situation.movers"), *body)


def events_panel(events: list[Event]) -> html.Section:
    if not events:
        return panel(t("situation.events"), html.P(t("situation.no_events")))
    language = lang()
    rows = [[e.name, f"{format_time(e.start, language)} – {format_time(e.end, language)}",
             num(e.expected_attendance)] for e in events[:8]]
    return panel(t("situation.events"), table([t("situation.col_event"), t("situation.col_when"),
                                              t("situation.col_attendance")], rows, numeric=(2,)))


def todays_events(situation: Situation) -> list[Event]:
    from vigie.slots import local_day, local_day_bounds

    start, end = local_day_bounds(local_day(situation.at))
    return load_events(vigie().store, start, end)


LEVEL_CLASSES = {"vert": "success", "jaune": "warning", "orange": "warning", "rouge": "danger", "noir": "dark"}


def risks_panel(situation: Situation) -> html.Section:
    """Massif access levels and flood vigilance of the day, and the people present under red/black massifs."""
    from vigie.operations.overlays import flood_sections_on, list_massifs, massif_levels_on, population_under_massif_level
    from vigie.slots import local_day

    day = local_day(situation.at)
    levels = massif_levels_on(vigie().store, day)
    under = population_under_massif_level(vigie().store, situation, day, k=vigie().settings.privacy_k)
    body: list[Any] = [kpi(t("situation.under_red_massifs"), num(under["present"]) if under["sectors"] else "0",
                           t("situation.under_red_sub", sectors=under["sectors"], withheld=under["withheld"]),
                           "kpi-up" if under["sectors"] else "", kpi_id="situation-kpi-massifs")]
    if levels:
        names = {m.massif_id: m.name for m in list_massifs(vigie().store)}
        body.append(html.Ul([html.Li([dbc.Badge(t(f"situation.level_{lvl}"), color=LEVEL_CLASSES.get(lvl, "secondary"),
                                                className="me-2"), names.get(m, m)])
                             for m, lvl in sorted(levels.items())], className="list-unstyled mb-1 mt-2"))
    else:
        body.append(html.P(t("situation.no_massif_levels"), className="mt-2 mb-1"))
    floods = [f for f in flood_sections_on(vigie().store, day) if f["level"] != "vert"]
    if floods:
        body.append(html.Ul([html.Li([dbc.Badge(t(f"situation.level_{f['level']}"),
                                                color=LEVEL_CLASSES.get(f["level"], "secondary"), className="me-2"),
                                      t("situation.flood", name=f["name"])]) for f in floods],
                            className="list-unstyled mb-0"))
    return panel(t("situation.risks"), *body)


def card_for(situation: Situation, code: str | None, at: int | None = None) -> Any:
    if not code:
        return html.P(t("situation.click_hint"), className="text-muted")
    s = situation.by_code().get(code)
    if s is None:
        return dbc.Alert(t("situation.unknown_sector"), color="warning")
    sector = vigie().catalogue.get(code)
    rows = [
        (t("situation.card_code"), s.code),
        (t("situation.card_authority"), authority_name(s.authority)),
        (t("situation.card_residents"), num(s.residents)),
        (t("situation.card_present"), num(s.present) if s.present is not None else t("situation.withheld")),
        (t("situation.card_usual"), num(s.usual) if s.usual is not None else (s.reason or "–")),
        (t("situation.card_excess"), f"{signed(s.excess)} ({pct(s.pct)})"),
        (t("situation.card_z"), dec(s.z, 1) if s.z is not None else "–"),
        (t("situation.card_compared"), s.compared_with or "–"),
        (t("situation.card_trend"), signed(s.trend)),
        (t("situation.card_area"), f"{dec(sector.area_km2, 1)} km²"),
        *forecast_rows(code),
    ]
    href = f"/secteur/{code}" + query_string({"t": time_param(at)})   # the sector page looks back with the map
    return sector_card(s.name, rows, t("situation.open_sector"), href, note=score_help(band=False))


def refresh(indicator: str, selected: str | None, at: int | None = None) -> tuple[Any, ...]:
    situation = current_situation(at)
    at = None if view() is live_view() else view().at
    events = todays_events(situation)
    hours = FORECAST_INDICATORS.get(indicator)
    colours = (map_hideout(situation, indicator, selected, events) if hours is None
               else forecast_hideout(situation, hours, selected, events))
    return (colours, headline(situation),
            data_time_line(situation), movers_panel(situation),
            html.Div([events_panel(events), html.Div(risks_panel(situation), className="mt-2")]),
            card_for(situation, selected, at))


def as_slot(value: Any) -> int | None:
    """A slot as a browser sends it back (a number, or the text of a range input); None if it is neither."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        return None


def known_code(code: Any) -> str | None:
    """`code` when it names a sector of the catalogue (a link may carry anything)."""
    return code if isinstance(code, str) and code in vigie().catalogue else None


def chosen_slot(trigger: str, value: Any, at: Any, window: tuple[int, int]) -> int | None:
    """The slot to look back to (None: direct) after `trigger`: the slider, "Revenir au direct" or a refresh.

    The newest slot is direct, so "direct" follows new data; a slot looked back to stays while the
    page refreshes, until it leaves the 48 h window (then direct again).
    """
    oldest, newest = window
    if trigger == ids.SIT_LIVE:
        return None
    wanted = as_slot(value if trigger == ids.SIT_TIME else at)
    if wanted is None:
        return None
    step = vigie().settings.slot_minutes
    slot = floor_slot(wanted, step)
    if trigger == ids.SIT_TIME:
        slot = max(oldest, slot)
    return None if slot >= newest or slot < oldest else slot


def time_words(slot: int, direct: bool) -> str:
    """'Vue du mar. 02/12 14:30', or 'Direct · mar. 02/12 14:30'."""
    moment = to_local(slot)
    words = {"day": t(f"situation.weekday_{moment.weekday()}"), "date": moment.strftime("%d/%m"),
             "time": moment.strftime("%H:%M")}
    return t("situation.time_direct_at", **words) if direct else t("situation.time_view_of", **words)


def time_control(trigger: str, value: Any, at: Any) -> tuple[Any, ...]:
    """The slider (value, min, max, step), the slot looked back to, its time in words and the not-live marker."""
    window = look_back_window(live_view(), vigie().settings.slot_minutes)
    slot = chosen_slot(trigger, value, at, window)
    shown = window[1] if slot is None else slot
    changed = slot != as_slot(at) or (slot is None and at is not None)
    # The slider's own move is not sent back: an answer arriving while keys are still pressed would undo them.
    value = no_update if trigger == ids.SIT_TIME else shown
    return (value, window[0], window[1], vigie().settings.slot_minutes * 60, slot if changed else no_update,
            time_words(shown, slot is None), slot is None)


def address(indicator: Any, at: Any, selected: Any) -> str:
    """The query string of the view: what differs from the defaults (indicator, sector, time looked back to)."""
    known = indicator in INDICATORS or indicator in FORECAST_INDICATORS
    slot = as_slot(at)
    return query_string({"indicator": indicator if known and indicator != "present" else None,
                         "sector": known_code(selected), "t": time_param(slot) if slot is not None else None})


COPY_LINK = "function(n) { return window.vigie.lookback.copy(n, %r); }"


def clicked_code(click: dict[str, Any] | None) -> str | None:
    """The sector code of a map click, validated against the catalogue."""
    code = ((click or {}).get("properties") or {}).get("code")
    return code if isinstance(code, str) and code in vigie().catalogue else None


def register(app: Dash) -> None:
    map_styler(app, ids.SIT_GEOJSON)
    @secure_callback(app, "display",
                     Output(ids.SIT_GEOJSON, "hideout"), Output(ids.SIT_KPIS, "children"), Output(ids.SIT_DATA_TIME, "children"),
                     Output(ids.SIT_MOVERS, "children"), Output(ids.SIT_EVENTS, "children"),
                     Output(ids.SIT_CARD, "children"),
                     Input(ids.SIT_REFRESH, "n_intervals"), Input(ids.SIT_INDICATOR, "value"),
                     Input(ids.SIT_SELECTED, "data"), Input(ids.SIT_AT, "data"))
    def _refresh(_n: int, indicator: str, selected: str | None, at: Any) -> tuple[Any, ...]:
        known = indicator in INDICATORS or indicator in FORECAST_INDICATORS
        return refresh(indicator if known else "present", known_code(selected), as_slot(at))

    # The slider's window follows the live view (or the exercise clock); a refresh keeps a slot looked back to.
    @secure_callback(app, "display",
                     Output(ids.SIT_TIME, "value"), Output(ids.SIT_TIME, "min"), Output(ids.SIT_TIME, "max"),
                     Output(ids.SIT_TIME, "step"), Output(ids.SIT_AT, "data"), Output(ids.SIT_TIME_TEXT, "children"),
                     Output(ids.SIT_REWOUND, "hidden"),
                     Input(ids.SIT_REFRESH, "n_intervals"), Input(ids.SIT_TIME, "value"), Input(ids.SIT_LIVE, "n_clicks"),
                     State(ids.SIT_AT, "data"))
    def _time(_n: int, value: Any, _live: int | None, at: Any) -> tuple[Any, ...]:
        return time_control(str(ctx.triggered_id or ""), value, at)

    @secure_callback(app, "display", Output(ids.SIT_URL, "search"),
                     Input(ids.SIT_INDICATOR, "value"), Input(ids.SIT_AT, "data"), Input(ids.SIT_SELECTED, "data"),
                     prevent_initial_call=True)
    def _address(indicator: Any, at: Any, selected: Any) -> str:
        return address(indicator, at, selected)

    clientside(app, "display", COPY_LINK % ids.SIT_COPIED, Output(ids.SIT_COPIED, "children"),
               Input(ids.SIT_COPY, "n_clicks"))

    # The legend changes with the indicator only: it is not resent at every refresh.
    @secure_callback(app, "display", Output(ids.SIT_LEGEND, "children"), Input(ids.SIT_INDICATOR, "value"))
    def _legend(indicator: str) -> Any:
        known = indicator in INDICATORS or indicator in FORECAST_INDICATORS
        return map_legend(indicator if known else "present")

    @secure_callback(app, "display", Output(ids.SIT_SELECTED, "data"), Input(ids.SIT_GEOJSON, "clickData"),
                     State(ids.SIT_SELECTED, "data"), prevent_initial_call=True)
    def _select(click: dict[str, Any] | None, current: str | None) -> Any:
        code = clicked_code(click)
        return code if code is not None else no_update


