"""Wherever a z or the usual band is shown, one plain line says what it means and what it is compared with."""
from __future__ import annotations

from typing import Any

from components import ids
from tests.app.dash_calls import CODES, _history, _text, call
from vigie.store import Store

OUTPUTS = [(ids.SIT_GEOJSON, "hideout"), (ids.SIT_KPIS, "children"), (ids.SIT_DATA_TIME, "children"),
           (ids.SIT_MOVERS, "children"), (ids.SIT_EVENTS, "children"), (ids.SIT_CARD, "children")]
Z_LINE = "z : l'écart compté en écarts habituels de ce secteur à cette heure"
BAND_LINE = "Bande P10–P90 : la plage où tombent 8 comptages ordinaires sur 10."


def test_the_sector_card_gives_z_what_it_is_compared_with_and_what_z_means(client_as: Any, store: Store) -> None:
    _history(store)
    answer = call(client_as("operator"), OUTPUTS, [(ids.SIT_REFRESH, "n_intervals", 0),
                                                   (ids.SIT_INDICATOR, "value", "present"),
                                                   ("situation-selected", "data", CODES[0]),
                                                   (ids.SIT_AT, "data", None)])
    card = _text(answer[ids.SIT_CARD]["children"])
    assert "Score z" in card and "Comparé avec" in card and "habituel des " in card, card
    assert Z_LINE in card


def test_the_sector_page_says_what_its_band_and_usual_value_are(client_as: Any, store: Store) -> None:
    _history(store)
    outputs = [(ids.SEC_TITLE, "children"), (ids.SEC_FACTS, "children"), (ids.SEC_SERIES, "figure"),
               (ids.SEC_SEGMENTS, "figure"), (ids.SEC_ENTRIES, "figure"), (ids.SEC_ERROR, "children")]
    answer = call(client_as("operator"), outputs, [(ids.SEC_CODE, "data", CODES[0]), (ids.SEC_RANGE, "value", "7d"),
                                                   (ids.SEC_REFRESH, "n_intervals", 0),
                                                   (ids.SEC_COMPARE, "value", "none"),
                                                   (ids.SEC_COMPARE_DATE, "value", None), (ids.SEC_AT, "data", None)])
    facts = _text(answer[ids.SEC_FACTS]["children"])
    assert "Comparé avec (dernier créneau)" in facts and "habituel des " in facts, facts
    assert Z_LINE in facts and BAND_LINE in facts
