"""Crisis page: ranking, the map zoomed on the crisis with the moves as arrows, the suggested plan (with
what-if), its validation by a commander, and the main courante (validated plans and free-text entries)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html, no_update

from callbacks import clientside, map_styler, secure_callback
from callbacks._crisis_map import focus_bounds, move_arrows, sector_bounds, sending_points, station_markers
from callbacks._scores import score_help
from components import ids
from components.cards import table
from components.hideout import SCALES, build_hideout
from server.context import username, view, vigie
from server.text import dec, lang, num, pct, signed, t
from vigie.identity import audit
from vigie.operations.allocation import (AllocationError, AllocationProblem, AllocationResult, Ratios,
                                         default_ratios_path, demand_points, load_ratios)
from vigie.operations.crisis import CrisisLists, RankedSector, crisis_lists, explanation_text, thresholds
from vigie.operations.overlays import sector_massif_levels
from vigie.operations.plans import plan_fingerprint, plan_record, plan_texts
from vigie.training.control import (AlreadyLogged, ExerciseError, LogError, add_log_entry, main_courante,
                                    record_decision)
from vigie.forecast import exercise_key
from vigie.operations.horizon import HORIZONS, AheadSector, rank_ahead
from vigie.i18n import format_time
from vigie.operations.stations import Station, load_stations, stations_are_demo
from vigie.slots import to_local

MAX_ROWS = 25


def lists(authority: str, groupement: str, min_excess: Any) -> tuple[int, CrisisLists]:
    """Both crisis lists at the slot on view."""
    shown = view()
    threshold = int(min_excess) if isinstance(min_excess, (int, float)) and 0 <= min_excess <= 10**7 else None
    found = crisis_lists(vigie().store, shown.at, vigie().settings,
                         authority=authority if authority in ("SDIS13", "BMPM") else None,
                         groupement=None if groupement in ("", "all") else groupement, min_excess=threshold,
                         overlay=shown.overlay)
    return shown.at, found


def ranking(authority: str, groupement: str, min_excess: Any) -> tuple[int, list[RankedSector]]:
    at, found = lists(authority, groupement, min_excess)
    return at, found.above


def ranking_on(horizon: str, authority: str, groupement: str, min_excess: Any) -> tuple[int, list[AheadSector]]:
    """The ranking on a forecast horizon (1h, 2h, 3h, peak) at the view's slot."""
    shown = view()
    threshold = int(min_excess) if isinstance(min_excess, (int, float)) and 0 <= min_excess <= 10**7 else None
    key = None if shown.exercise is None else exercise_key(vigie().store, shown.exercise.id)
    ranked = rank_ahead(vigie().store, shown.at, vigie().settings, horizon,
                        authority=authority if authority in ("SDIS13", "BMPM") else None,
                        groupement=None if groupement in ("", "all") else groupement, min_excess=threshold,
                        overlay=shown.overlay, overlay_key=key)
    return shown.at, ranked


def crossing_text(r: AheadSector) -> str:
    """'franchit le seuil vers 17:30', or 'au-dessus du seuil maintenant'."""
    if r.significant_now:
        return t("forecast.above_now")
    return t("forecast.crosses_at", time=format_time(r.crosses_at, lang()))


def ahead_table(ranked: list[AheadSector]) -> Any:
    """The ranking on a horizon: expected figures at each sector's peak, when it is, when it crosses."""
    if not ranked:
        return html.P(t("crisis.nothing"), className="mb-0")
    language = lang()
    rows = [[str(r.rank), r.name, num(r.present), num(r.usual), signed(r.excess), pct(r.pct), dec(r.z, 1),
             format_time(r.moment, language), crossing_text(r), event_text(r.explanation)] for r in ranked[:MAX_ROWS]]
    headers = ["#", t("crisis.col_sector"), t("forecast.report_col_peak"), t("crisis.col_usual"),
               t("crisis.col_excess"), t("crisis.col_pct"), t("crisis.col_z"), t("forecast.report_col_when"),
               t("forecast.horizon_label"), t("crisis.col_event")]
    return table(headers, rows, numeric=(0, 2, 3, 4, 5, 6))


def demand_basis_note() -> Any:
    """Which people the plan counts as extra (usual value or residents), explained on screen."""
    return html.P(t(f"forecast.basis_{vigie().settings.allocation_demand_basis}"), className="small text-muted mb-1")


def moment_note(sector_code: str, moments: dict[str, int] | None) -> str:
    """' — pour 17:30': the moment a move is meant for (empty on the horizon 'now')."""
    if not moments or sector_code not in moments:
        return ""
    return " — " + t("forecast.move_for", time=format_time(moments[sector_code], lang()))


def event_text(explanation: str) -> str:
    """The known events of a ranked sector, or "aucun événement connu" in the reader's language."""
    return explanation_text(explanation, lang())


def _explained(r: RankedSector) -> Any:
    """The event (or "aucun événement connu"), then what the sector is compared with."""
    text = event_text(r.explanation) + (" " + t("crisis.holding") if r.holding else "")
    return html.Span([text, html.Br(), html.Small(r.compared_with or "", className="text-muted")])


def ranking_table(ranked: list[RankedSector], min_excess: Any = None) -> Any:
    limits = thresholds(vigie().settings, int(min_excess) if isinstance(min_excess, (int, float)) else None)
    if not ranked:
        return html.Div([html.P(t("crisis.nothing", z=dec(limits.min_z, 1), entry=limits.entry_slots,
                                  excess=num(limits.min_excess)), className="mb-0"), score_help()])
    rows = [[str(r.rank), r.name, num(r.present), num(r.usual), signed(r.excess), pct(r.pct),
             dec(r.z, 1), signed(r.trend), _explained(r)] for r in ranked[:MAX_ROWS]]
    headers = ["#", t("crisis.col_sector"), t("crisis.col_present"), t("crisis.col_usual"), t("crisis.col_excess"),
               t("crisis.col_pct"), t("crisis.col_z"), t("crisis.col_trend"), t("crisis.col_event")]
    return html.Div([table(headers, rows, numeric=(0, 2, 3, 4, 5, 6, 7)), score_help()])


def below_table(below: list[RankedSector]) -> Any:
    """The second list: sectors far below their usual value."""
    limits = thresholds(vigie().settings)
    if not below:
        return html.P(t("crisis.below_nothing", z=dec(limits.min_z, 1), deficit=num(limits.min_deficit)),
                      className="mb-0")
    rows = [[str(r.rank), r.name, num(r.present), num(r.usual), signed(r.excess), pct(r.pct), dec(r.z, 1),
             _explained(r)] for r in below[:MAX_ROWS]]
    headers = ["#", t("crisis.col_sector"), t("crisis.col_present"), t("crisis.col_usual"), t("crisis.col_deficit"),
               t("crisis.col_pct"), t("crisis.col_z"), t("crisis.col_basis")]
    return table(headers, rows, numeric=(0, 2, 3, 4, 5, 6))


def ranking_hideout(ranked: list[RankedSector], below: list[RankedSector] | None = None) -> dict[str, Any]:
    below = below or []
    values: dict[str, float | None] = {r.code: r.z for r in ranked}
    values.update({r.code: r.z for r in below})
    labels = {r.code: t("crisis.tooltip", rank=r.rank, excess=signed(r.excess), event=event_text(r.explanation)) for r in ranked}
    labels.update({r.code: t("crisis.tooltip_below", deficit=signed(r.excess), event=r.compared_with or "")
                   for r in below})
    return build_hideout(values, SCALES["z"], labels, highlight=[r.code for r in ranked],
                         below=[r.code for r in below])


def what_if_ratios(vsav: Any, fpt: Any) -> Ratios:
    """The planning ratios with the what-if values (people per VSAV / FPT) applied."""
    base = load_ratios(default_ratios_path(vigie().settings.reference_dir))
    wanted = {"vsav": vsav, "fpt": fpt}
    resources = tuple(
        dataclasses.replace(r, people_per_unit=float(wanted[r.key]))
        if isinstance(wanted.get(r.key), (int, float)) and 1000 <= wanted[r.key] <= 200_000 else r
        for r in base.resources
    )
    return dataclasses.replace(base, resources=resources)


def plan_minutes(target: Any) -> int:
    """The what-if response target (5-120 min), else the setting."""
    if isinstance(target, (int, float)) and 5 <= target <= 120:
        return int(target)
    return vigie().settings.response_target_minutes


def plan_day(at: int) -> date:
    """The day on view (the exercise's day in an exercise): the day whose massif levels the plan uses."""
    return to_local(at).date()


def solve_plan(ranked: list[Any], target: Any, vsav: Any, fpt: Any, at: int,
               stations: list[Station] | None = None) -> AllocationResult:
    """The plan the server computes for this ranking and these what-if values (raises AllocationError); CCF
    are asked where the sector's massif level that day is listed in the ratios."""
    s = vigie().settings
    tuned = dataclasses.replace(s, response_target_minutes=plan_minutes(target))
    problem = AllocationProblem.from_situation(ranked, load_stations(vigie().store, s) if stations is None else stations,
                                               tuned, ratios=what_if_ratios(vsav, fpt),
                                               sector_levels=sector_massif_levels(vigie().store, plan_day(at)))
    return problem.solve()


def plan_parameters(params: dict[str, Any]) -> dict[str, Any]:
    """The filters and what-if values as the server applies them (out-of-range values fall back)."""
    ratios = {r.key: r.people_per_unit for r in what_if_ratios(params.get("vsav"), params.get("fpt")).resources}
    min_excess = params.get("min_excess")
    return {"authority": params.get("authority") if params.get("authority") in ("SDIS13", "BMPM") else "all",
            "groupement": str(params.get("groupement") or "all")[:80],
            "min_excess": int(min_excess) if isinstance(min_excess, (int, float)) and 0 <= min_excess <= 10**7 else None,
            "horizon": params.get("horizon") if params.get("horizon") in HORIZONS else "now",
            "demand_basis": vigie().settings.allocation_demand_basis,
            "target_minutes": plan_minutes(params.get("target")),
            "people_per_vsav": ratios.get("vsav"), "people_per_fpt": ratios.get("fpt")}


def plan_request(at: int, result: AllocationResult, ranked: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    """What the browser keeps to ask for validation: the slot, the what-if values, a fingerprint of the figures."""
    record = plan_record(result, ranked, at, plan_parameters(params))
    return {"at": at, **params, "moments": record["moments"], "fingerprint": plan_fingerprint(record)}


def plan(ranked: list[Any], target: Any, vsav: Any, fpt: Any, at: int, stations: list[Station] | None = None,
         moments: dict[str, int] | None = None) -> tuple[Any, AllocationResult | None]:
    """The plan panel and the plan the server computed (None when it cannot be computed); on a forecast
    horizon each sector says the moment its moves are meant for."""
    try:
        result = solve_plan(ranked, target, vsav, fpt, at, stations)
    except AllocationError as exc:
        return dbc.Alert(exc.message(lang()), color="warning"), None
    return plan_body(result, moments), result


def plan_body(result: AllocationResult, moments: dict[str, int] | None = None) -> Any:
    """The plan as a commander reads it: the headline, then each destination sector once (its extra people) with
    the vehicles sent to it, what each sending station keeps, and what stays uncovered."""
    language = lang()
    body: list[Any] = [html.P(result.summary(language), className="fw-bold plan-summary"), demand_basis_note()]
    groups = result.by_sector()
    if groups:
        body.append(html.H3(t("crisis.moves" if result.moves else "crisis.on_site"), className="h6"))
    for g in groups:
        head = t("crisis.sector_head", sector=g.sector_name, people=g.people) + moment_note(g.sector_code, moments)
        body += [html.H4(head, className="h6 mb-1 plan-sector"),
                 html.Ul([html.Li(part.render(language)) for part in g.parts()], className="plan-moves")]
    if result.kept:
        body += [html.H3(t("crisis.station_cover"), className="h6"),
                 html.Ul([html.Li(k.message().render(language)) for k in result.kept], className="plan-kept")]
    if result.shortfalls:
        body += [html.H3(t("crisis.shortfalls"), className="h6"),
                 html.Ul([html.Li(f.text(language)) for f in result.shortfalls], className="plan-shortfalls")]
    return html.Div(body)


def validate_state(result: AllocationResult | None) -> tuple[bool, str]:
    """(disabled, why) of « Valider le plan »: a plan without a move cannot be validated."""
    if result is None:
        return True, ""
    if not result.moves:
        return True, t("crisis.plan_empty")
    return False, ""


def demo_note() -> Any:
    """Demonstration stations are said so, for the commander; how to import the service's list is in the docs."""
    if stations_are_demo(vigie().store):
        return dbc.Alert(t("crisis.demo_stations"), color="secondary", className="py-1")
    return None


def groupement_options() -> list[dict[str, str]]:
    """The SDIS 13's groupements (the BMPM is an authority, chosen in the authority filter, not a groupement)."""
    names = sorted({s.groupement for s in load_stations(vigie().store, vigie().settings) if s.authority == "SDIS13"})
    return [{"label": t("crisis.groupement_all"), "value": "all"}] + [{"label": g, "value": g} for g in names]


def log_text(row: dict[str, Any], language: str) -> str:
    """What a line of the main courante says: the plan's headline, or the entry as written (a text child)."""
    if row["kind"] == "plan":
        return t("crisis.logged_plan", summary=plan_texts(row["plan"], language)[0])
    return str(row["text"])


def decisions_table() -> Any:
    """The main courante, newest first: validated plans and free-text entries, by whom, at the time of the view
    (the exercise time in an exercise, the real time live)."""
    exercise = view().exercise
    rows = main_courante(vigie().store, None if exercise is None else exercise.id)[-15:]
    if not rows:
        return html.P(t("crisis.no_decision"), className="mb-0")
    language = lang()
    body = [[format_time(r["view_time"], language, with_date=True), r["username"], log_text(r, language)]
            for r in reversed(rows)]
    when = t("crisis.col_when_exercise" if exercise is not None else "crisis.col_when")
    return table([when, t("crisis.col_who"), t("crisis.col_entry")], body)


def add_entry(text: Any) -> tuple[Any, Any]:
    """Write a free-text entry (its author, the time of the view); (status, new text of the box)."""
    exercise = view().exercise
    try:
        add_log_entry(vigie().store, username() or "?", str(text or ""),
                      exercise_id=None if exercise is None else exercise.id)
    except (LogError, ExerciseError) as exc:
        return dbc.Alert(exc.message(lang()), color="warning", className="py-1 mb-0"), no_update
    return dbc.Alert(t("crisis.entry_added"), color="success", className="py-1 mb-0"), ""


PARAMS = ("authority", "groupement", "min_excess", "target", "vsav", "fpt", "horizon")


def ranked_for(params: dict[str, Any]) -> tuple[int, list[Any]]:
    """The ranking a plan stands on: now, or on a forecast horizon (the sectors' expected peaks)."""
    authority, groupement = str(params.get("authority") or "all"), str(params.get("groupement") or "")
    horizon = params.get("horizon")
    if horizon in HORIZONS and horizon != "now":
        return ranking_on(str(horizon), authority, groupement, params.get("min_excess"))
    return ranking(authority, groupement, params.get("min_excess"))


def recompute(request: dict[str, Any]) -> tuple[int, list[Any], AllocationResult] | str:
    """The server's own plan for the slot and what-if values of a validation request, or why it moved on."""
    params = {k: request.get(k) for k in PARAMS}
    at, ranked = ranked_for(params)
    if request.get("at") != at:
        return t("crisis.plan_moved_on")
    try:
        result = solve_plan(ranked, params["target"], params["vsav"], params["fpt"], at)
    except AllocationError as exc:
        return exc.message(lang())
    expected = plan_request(at, result, ranked, params)["fingerprint"]
    if not isinstance(request.get("fingerprint"), str) or request["fingerprint"] != expected:
        return t("crisis.plan_moved_on")
    return at, ranked, result


def validate(request: dict[str, Any] | None) -> Any:
    """Record the plan the server recomputes (never what the browser sends), if its figures still match, it moves
    something, and it is not in the main courante yet (a double tap logs it once)."""
    if not request:
        return dbc.Alert(t("crisis.no_plan"), color="warning")
    found = recompute(request)
    if isinstance(found, str):
        return dbc.Alert(found, color="warning")
    at, ranked, result = found
    if not result.moves:
        return dbc.Alert(t("crisis.plan_empty"), color="warning")
    record = plan_record(result, ranked, at, plan_parameters(request))
    exercise = view().exercise
    fingerprint = plan_fingerprint(record)
    snapshot = {"at": at, "ranked": record["ranked"], "fingerprint": fingerprint}
    try:
        record_decision(vigie().store, username() or "?", record, snapshot,
                        exercise_id=None if exercise is None else exercise.id, fingerprint=fingerprint)
    except AlreadyLogged as exc:
        return dbc.Alert(exc.message(lang()), color="info")
    except ExerciseError as exc:
        return dbc.Alert(exc.message(lang()), color="danger")
    audit.record(vigie().store, "plan.validate", username=username(), exercise=exercise.id if exercise else "live",
                 summary=record["summary"])
    return dbc.Alert(t("crisis.validated"), color="success")


def map_digest(result: AllocationResult | None, stations: list[Station]) -> str:
    """What the stations and arrows are drawn from, in the reader's language: the same digest, the same layers."""
    moves = [] if result is None else [(m.station_id, m.sector_code, m.resource, m.count, m.minutes, m.within_target)
                                       for m in result.moves]
    kept = [] if result is None else [(k.station_id, sorted(k.kept.items())) for k in result.kept]
    held = [(s.station_id, s.lat, s.lon, s.vsav, s.fpt, s.ccf) for s in stations]
    text = json.dumps([lang(), moves, kept, held], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def page_outputs(at: int, ranked: list[Any], shown: Any, below: list[RankedSector], params: dict[str, Any],
                 moments: dict[str, int] | None = None, drawn: Any = None) -> tuple[Any, ...]:
    """Everything a refresh shows for a ranking: the table, the map (colours, stations, arrows, where it zooms),
    the time line, the plan and what validation needs. Stations and arrows already drawn (`drawn`, the digest
    the page keeps) are left as they are: redrawn every minute, their labels would flicker."""
    settings = vigie().settings
    stations = load_stations(vigie().store, settings)
    panel, result = plan(ranked, params["target"], params["vsav"], params["fpt"], at, stations, moments)
    data = None if result is None else plan_request(at, result, ranked, params)
    when = t("crisis.data_time", time=format_time(at + settings.slot_minutes * 60, lang(), with_date=True))
    focus = focus_bounds(sector_bounds(vigie().catalogue), [r.code for r in ranked], sending_points(result, stations))
    disabled, why = validate_state(result)
    digest = map_digest(result, stations)
    if digest == drawn:
        markers: Any = no_update
        arrows: Any = no_update
    else:
        markers = station_markers(stations, result)
        arrows = move_arrows(result, stations, demand_points(settings.reference_dir, settings.dept))
    return (shown, ranking_hideout(ranked, below), when, panel, data, below_table(below), markers, arrows, focus,
            disabled, why, digest)


def refresh_ahead(params: dict[str, Any], drawn: Any = None) -> tuple[Any, ...]:
    """The crisis page on a forecast horizon: ranking, map, time line, plan pre-positioned for the peaks."""
    at, ranked = ranked_for(params)
    _at, found = lists(str(params["authority"] or "all"), str(params["groupement"] or ""), params["min_excess"])
    return page_outputs(at, ranked, ahead_table(ranked), found.below, params, {r.code: r.moment for r in ranked},
                        drawn)


def refresh(params: dict[str, Any], drawn: Any = None) -> tuple[Any, ...]:
    """The crisis page now, or on the forecast horizon chosen."""
    if params["horizon"] != "now":
        return refresh_ahead(params, drawn)
    at, found = lists(str(params["authority"] or "all"), str(params["groupement"] or ""), params["min_excess"])
    return page_outputs(at, found.above, ranking_table(found.above, params["min_excess"]), found.below, params,
                        drawn=drawn)


FOCUS_JS = "function(bounds) { return window.vigie.crisis.focus(bounds || null); }"


def register(app: Dash) -> None:
    map_styler(app, ids.CRI_GEOJSON)
    clientside(app, "display", FOCUS_JS, Output(ids.CRI_FOCUS_APPLIED, "title"), Input(ids.CRI_FOCUS, "data"))
    filters = (Input(ids.CRI_REFRESH, "n_intervals"), Input(ids.CRI_AUTHORITY, "value"),
               Input(ids.CRI_GROUPEMENT, "value"), Input(ids.CRI_MIN_EXCESS, "value"))

    @secure_callback(app, "display", Output(ids.CRI_TABLE, "children"), Output(ids.CRI_GEOJSON, "hideout"),
                     Output(ids.CRI_DATA_TIME, "children"), Output(ids.CRI_PLAN, "children"),
                     Output(ids.CRI_PLAN_STORE, "data"), Output(ids.CRI_BELOW, "children"),
                     Output(ids.CRI_STATIONS, "children"), Output(ids.CRI_MOVES, "children"),
                     Output(ids.CRI_FOCUS, "data"), Output(ids.CRI_VALIDATE, "disabled"),
                     Output(ids.CRI_VALIDATE_WHY, "children"), Output(ids.CRI_MAP_DRAWN, "data"), *filters,
                     Input(ids.CRI_TARGET, "value"), Input(ids.CRI_VSAV_RATIO, "value"), Input(ids.CRI_FPT_RATIO, "value"),
                     Input(ids.CRI_HORIZON, "value"), State(ids.CRI_MAP_DRAWN, "data"))
    def _refresh(_n: int, authority: str, groupement: str, min_excess: Any, target: Any, vsav: Any,
                 fpt: Any, horizon: Any, drawn: Any) -> tuple[Any, ...]:
        return refresh(dict(zip(PARAMS, (authority, groupement, min_excess, target, vsav, fpt,
                                         horizon if horizon in HORIZONS else "now"))), drawn)

    @secure_callback(app, "display", Output(ids.CRI_GROUPEMENT, "options"), Output(ids.CRI_DEMO_NOTE, "children"),
                     Input(ids.CRI_STATIONS, "id"))
    def _stations(_id: str) -> tuple[Any, ...]:
        return groupement_options(), demo_note()

    @secure_callback(app, "display", Output(ids.CRI_DECISIONS, "children"), Input(ids.CRI_VALIDATED, "children"),
                     Input(ids.CRI_ENTRY_DONE, "children"), Input(ids.CRI_REFRESH, "n_intervals"))
    def _decisions(_validated: Any, _entry: Any, _n: int) -> Any:
        return decisions_table()

    @secure_callback(app, "commander", Output(ids.CRI_VALIDATED, "children"),
                     Input(ids.CRI_VALIDATE_CONFIRM, "submit_n_clicks"), State(ids.CRI_PLAN_STORE, "data"),
                     prevent_initial_call=True)
    def _validate(clicks: int | None, plan_data: Any) -> Any:
        if not clicks:
            return no_update
        return validate(plan_data if isinstance(plan_data, dict) else None)

    @secure_callback(app, "operator", Output(ids.CRI_ENTRY_DONE, "children"), Output(ids.CRI_ENTRY, "value"),
                     Input(ids.CRI_ENTRY_ADD, "n_clicks"), State(ids.CRI_ENTRY, "value"), prevent_initial_call=True)
    def _add_entry(clicks: int | None, text: Any) -> tuple[Any, Any]:
        if not clicks:
            return no_update, no_update
        return add_entry(text)
