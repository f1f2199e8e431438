"""The forecast seen by a view (live or exercise clock), computed once per slot, and its wording."""
from __future__ import annotations


from server.context import view, vigie
from server.text import lang, num, pct, signed, t
from vigie.forecast import Forecast, SectorForecast, cached_forecast, exercise_key
from vigie import i18n
from vigie.i18n import format_time

MAP_HOURS = (1, 2, 3)


def view_forecast() -> Forecast:
    """Every sector's forecast at the time of this view (from observations up to it only)."""
    shown = view()
    key = None if shown.exercise is None else exercise_key(vigie().store, int(shown.exercise.id))
    s = vigie().settings
    return cached_forecast(vigie().store, shown.at, k=s.privacy_k, slot_minutes=s.slot_minutes,
                           overlay=shown.overlay, overlay_key=key)


def excess_in(forecast: Forecast, hours: int) -> dict[str, int | None]:
    """Expected excess over usual per sector `hours` ahead (None when withheld)."""
    i = hours * 2 - 1
    return {row.code: row.excess(i) if i < len(row.slots) else None for row in forecast.sectors}


def half_life_text(minutes: int) -> str:
    """90 -> '90 min', 720 -> '12 h'."""
    if minutes < 120:
        return t("forecast.half_life_min", minutes=minutes)
    return t("forecast.half_life_h", hours=num(minutes / 60))


def forecast_line(row: SectorForecast | None) -> str:
    """'prévu 38 000 à 18:00 (+14 000 par rapport à l'habituel)' at the expected peak of excess."""
    peak = None if row is None else row.peak()
    if row is None or peak is None:
        return t("forecast.card_none")
    return t("forecast.card_line", expected=num(row.expected[peak]), time=format_time(row.slots[peak], lang()),
             excess=signed(row.excess(peak)))


def forecast_why(row: SectorForecast | None) -> str:
    """'+40 % maintenant, demi-vie 90 min': why the forecast says what it says."""
    if row is None or row.ratio is None:
        return ""
    return t("forecast.card_why", pct=("+" if row.ratio >= 1 else "") + pct(row.ratio - 1),
             half_life=half_life_text(row.half_life_minutes))


def forecast_rows(code: str) -> list[tuple[str, str]]:
    """The forecast lines of a sector card."""
    row = view_forecast().get(code)
    why = forecast_why(row)
    return [(t("forecast.card_label"), forecast_line(row) + (f" — {why}" if why else ""))]


def tooltip_lines(forecast: Forecast, hours: int, language: str) -> dict[str, str]:
    """Tooltip per sector for the 'dans N h' indicator: 'dans 2 h : prévu 38 000 (+14 000)'."""
    i = hours * 2 - 1
    out: dict[str, str] = {}
    for row in forecast.sectors:
        if i < len(row.slots) and row.expected[i] is not None:
            out[row.code] = i18n.translate("forecast.tooltip", language, hours=hours,
                                           expected=i18n.format_int(row.expected[i], language),
                                           excess=i18n.format_signed(row.excess(i), language))
    return out
