"""/rapport: the printable point de situation (HTML print view, or CSV with ?format=csv)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from server.auth import client_address, require_role
from server.context import lang, view, vigie
from vigie.analysis.exports import Column, to_csv
from vigie.identity import audit
from vigie.operations.plans import plan_texts
from vigie.i18n import authority_name, format_decimal, format_int, format_pct, format_time, translate
from vigie.operations.crisis import explanation_text, thresholds
from vigie.briefing.report import build_report, ranked_rows

bp = Blueprint("report", __name__)

CSV_COLUMNS = (("rank", "number"), ("code", "text"), ("name", "text"), ("present", "count"), ("usual", "count"),
               ("residents", "count"), ("excess", "number"), ("z", "number"), ("explanation", "text"))


def csv_columns(lang: str) -> list[Column]:
    """The columns of the report's CSV, headed in `lang` (report.csv_* messages)."""
    return [Column(key, translate(f"report.csv_{key}", lang), kind) for key, kind in CSV_COLUMNS]


def csv_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The report's rows as the CSV reader reads them (the explanation in their language)."""
    return [{**row, "explanation": explanation_text(str(row["explanation"]), lang)} for row in rows]


def _report() -> Any:
    shown = view()
    # The freshness of an exercise report is judged at the exercise clock, like its figures.
    return build_report(vigie().store, shown.at, vigie().settings, overlay=shown.overlay, exercise=shown.exercise,
                        now=None if shown.exercise is None else int(shown.now))


@bp.route("/rapport")
def report() -> Any:
    require_role("operator")
    data = _report()
    audit.record(vigie().store, "export.report", username=current_user.username,
                 address=client_address(), format=request.args.get("format", "html"), stamp=data.stamp or "live")
    language = lang()
    if request.args.get("format") == "csv":
        body = to_csv(csv_rows(ranked_rows(data), language), csv_columns(language), stamp=data.stamp or None,
                      k=vigie().settings.privacy_k, lang=language)
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=point-de-situation-{data.at}.csv"})
    summary, lines = plan_texts(data.decision["plan"], language) if data.decision else ("", [])
    return render_template(
        "report.html", r=data, lang=language, author=current_user.username, plan_summary=summary, plan_lines=lines,
        t=lambda key, **kw: translate(f"report.{key}", language, **kw),
        tf=lambda key, **kw: translate(f"forecast.{key}", language, **kw),
        hm=lambda ts: format_time(ts, language),
        n=lambda v: format_int(v, language), p=lambda v: format_pct(v, 0, language),
        d=lambda v: format_decimal(v, 1, language), area=lambda code: authority_name(code, language),
        ex=lambda text: explanation_text(text, language),
        z_help=translate("crisis.z_help", language, z=format_decimal(thresholds(vigie().settings).min_z, 1, language)),
        when=lambda ts: format_time(ts, language, with_date=True),
    )
