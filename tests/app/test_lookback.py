"""Looking back, comparing, sharing: the callbacks as the renderer posts them, on a real database."""
from __future__ import annotations

from typing import Any

from components import ids
from components.links import read_time, time_param
from tests.app.dash_calls import CODES, HISTORY_END, STEP, _history, _text, call
from tests.factories import put
from vigie.slots import to_local
from vigie.store import Store

REFRESH = [(ids.SIT_GEOJSON, "hideout"), (ids.SIT_KPIS, "children"), (ids.SIT_DATA_TIME, "children"),
           (ids.SIT_MOVERS, "children"), (ids.SIT_EVENTS, "children"), (ids.SIT_CARD, "children")]
TIME = [(ids.SIT_TIME, "value"), (ids.SIT_TIME, "min"), (ids.SIT_TIME, "max"), (ids.SIT_TIME, "step"),
        (ids.SIT_AT, "data"), (ids.SIT_TIME_TEXT, "children"), (ids.SIT_REWOUND, "hidden")]
NEWEST = HISTORY_END - STEP          # what "direct" shows: the newest slot of the flat history
BACK = NEWEST - 10 * STEP            # five hours earlier


def _refresh(client: Any, at: Any, selected: str | None = CODES[0]) -> Any:
    return call(client, REFRESH, [(ids.SIT_REFRESH, "n_intervals", 1), (ids.SIT_INDICATOR, "value", "present"),
                                  (ids.SIT_SELECTED, "data", selected), (ids.SIT_AT, "data", at)])


def _time(client: Any, changed: str, value: Any = None, at: Any = None) -> Any:
    return call(client, TIME, [(ids.SIT_REFRESH, "n_intervals", 3), (ids.SIT_TIME, "value", value),
                               (ids.SIT_LIVE, "n_clicks", 1 if changed == ids.SIT_LIVE else None)],
                state=[(ids.SIT_AT, "data", at)], changed=f"{changed}.{'n_clicks' if changed == ids.SIT_LIVE else 'value' if changed == ids.SIT_TIME else 'n_intervals'}")


def test_a_rewound_refresh_shows_the_chosen_slot_with_the_same_privacy_rule(client_as: Any, store: Store) -> None:
    _history(store)
    put(store, CODES[0], [BACK], 55_555)
    put(store, CODES[1], [BACK], 12)                      # below k = 20 at that slot only
    client = client_as("display")
    back = _refresh(client, BACK)
    labels = back[ids.SIT_GEOJSON]["hideout"]["labels"]
    assert "55\u00a0555 présents" in labels[CODES[0]] and "< 20" in labels[CODES[1]], labels
    card = _text(back[ids.SIT_CARD]["children"])
    assert "55\u00a0555" in card and f"/secteur/{CODES[0]}?t={time_param(BACK).replace(':', '%3A')}" in card
    assert to_local(BACK).strftime("%H:%M") in _text(back[ids.SIT_DATA_TIME]["children"])
    live = _refresh(client, None)
    assert "20\u00a0000 présents" in live[ids.SIT_GEOJSON]["hideout"]["labels"][CODES[1]]
    assert "55\u00a0555" not in _text(live[ids.SIT_CARD]["children"]) and "?t=" not in _text(live[ids.SIT_CARD])
    assert "BMPM (Marseille)" in _text(live[ids.SIT_CARD])
    assert "secteur SDIS 13" in _text(live[ids.SIT_KPIS]) and "SDIS13" not in _text(live[ids.SIT_KPIS])


def test_the_slider_looks_back_a_refresh_keeps_it_and_direct_comes_back(client_as: Any, store: Store) -> None:
    _history(store)
    client = client_as("display")
    moved = _time(client, ids.SIT_TIME, value=str(BACK + 60))
    oldest = NEWEST - 95 * STEP
    assert [moved[ids.SIT_TIME][p] for p in ("min", "max", "step")] == [oldest, NEWEST, STEP]
    assert "value" not in moved[ids.SIT_TIME]            # the slider's own move is not sent back to it
    assert moved[ids.SIT_AT]["data"] == BACK and moved[ids.SIT_REWOUND]["hidden"] is False
    assert moved[ids.SIT_TIME_TEXT]["children"] == "Vue du dim. " + to_local(BACK).strftime("%d/%m %H:%M")
    tick = _time(client, ids.SIT_REFRESH, value=BACK, at=BACK)
    assert ids.SIT_AT not in tick and tick[ids.SIT_TIME]["value"] == BACK   # the refresh stays where it was
    live = _time(client, ids.SIT_LIVE, value=BACK, at=BACK)
    assert live[ids.SIT_AT]["data"] is None and live[ids.SIT_TIME]["value"] == NEWEST
    assert live[ids.SIT_REWOUND]["hidden"] is True and live[ids.SIT_TIME_TEXT]["children"].startswith("Direct · ")
    newest = _time(client, ids.SIT_TIME, value=NEWEST, at=BACK)                              # the newest slot is direct
    assert newest[ids.SIT_AT]["data"] is None and newest[ids.SIT_REWOUND]["hidden"] is True
    assert _time(client, ids.SIT_REFRESH, at=oldest - STEP)[ids.SIT_AT]["data"] is None   # an old link: direct
    for bad in ("abc", [1], {"x": 1}, True):
        assert _time(client, ids.SIT_TIME, value=bad)[ids.SIT_REWOUND]["hidden"] is True


def test_the_address_holds_the_view_and_a_bad_link_opens_the_defaults(client_as: Any, store: Store) -> None:
    _history(store)
    client = client_as("display")
    address = call(client, [(ids.SIT_URL, "search")], [(ids.SIT_INDICATOR, "value", "z"), (ids.SIT_AT, "data", BACK),
                                                         (ids.SIT_SELECTED, "data", CODES[0])])
    search = address[ids.SIT_URL]["search"]
    assert search == f"?indicator=z&sector={CODES[0]}&t={time_param(BACK).replace(':', '%3A')}"
    assert read_time(time_param(BACK)) == BACK
    none = call(client, [(ids.SIT_URL, "search")], [(ids.SIT_INDICATOR, "value", "<x>"), (ids.SIT_AT, "data", "t"),
                                                      (ids.SIT_SELECTED, "data", "99999")])
    assert none[ids.SIT_URL]["search"] == ""
    pages = [("_pages_content", "children"), ("_pages_store", "data")]
    for path, search in (("/", "?indicator=%3Cscript%3E&sector=../x&t=2026-13-45T99:99"),
                         ("/", f"?indicator=z&sector={CODES[0]}&t={time_param(BACK)}"),
                         (f"/secteur/{CODES[0]}", "?range=1y&compare=drop&date=31/02/2026&t=yesterday"),
                         (f"/secteur/{CODES[0]}", "?range=48h&compare=week&t=" + time_param(BACK))):
        page = _text(call(client, pages, [("_pages_location", "pathname", path),
                                          ("_pages_location", "search", search)]))
        assert "<script>" not in page and "Traceback" not in page
        if "indicator=z" in search:
            assert '"value": "z"' in page and f'"data": {BACK}' in page and f'"data": "{CODES[0]}"' in page
        if "range=48h" in search:
            assert '"value": "48h"' in page and '"value": "week"' in page


SECTOR = [(ids.SEC_TITLE, "children"), (ids.SEC_FACTS, "children"), (ids.SEC_SERIES, "figure"),
          (ids.SEC_SEGMENTS, "figure"), (ids.SEC_ENTRIES, "figure"), (ids.SEC_ERROR, "children")]


def _sector(client: Any, compare: str, day: str | None = None, at: Any = None) -> Any:
    return call(client, SECTOR, [(ids.SEC_CODE, "data", CODES[0]), (ids.SEC_RANGE, "value", "48h"),
                                 (ids.SEC_REFRESH, "n_intervals", 1), (ids.SEC_COMPARE, "value", compare),
                                 (ids.SEC_COMPARE_DATE, "value", day), (ids.SEC_AT, "data", at)])


def test_the_sector_chart_draws_an_earlier_period_dashed_on_the_same_hours(client_as: Any, store: Store) -> None:
    _history(store)
    at = NEWEST - STEP                                     # the chart ends on this slot (a link looking back)
    week_before = at - 7 * 86400
    put(store, CODES[0], [week_before - STEP], 31_313)
    put(store, CODES[0], [week_before], 5)                 # withheld then: stays withheld on the chart
    client = client_as("display")

    def x(slot: int) -> str:
        return to_local(slot).strftime("%Y-%m-%d %H:%M")

    figure = _sector(client, "week", at=at)["sector-series"]["figure"]
    earlier = [d for d in figure["data"] if d["name"].startswith("Semaine précédente (")]
    assert len(earlier) == 1 and earlier[0]["line"]["dash"] == "dash", [d["name"] for d in figure["data"]]
    assert earlier[0]["name"] == "Semaine précédente (" + to_local(week_before).strftime("%d/%m") + ")"
    present = next(d for d in figure["data"] if d["name"] == "Présents")
    assert present["x"][-1] == x(at) and earlier[0]["x"] == present["x"]     # moved onto the same time axis
    by_time = dict(zip(earlier[0]["x"], earlier[0]["y"]))
    assert by_time[x(at)] is None and by_time[x(at - STEP)] == 31_313 and by_time[x(at - 2 * STEP)] == 20_000
    plain = _sector(client, "none", at=at)["sector-series"]["figure"]
    assert len(plain["data"]) == len(figure["data"]) - 1
    assert "BMPM (Marseille)" in _text(_sector(client, "none", at=at)["sector-facts"])
    day = to_local(at - 3 * 86400).date().isoformat()
    chosen = _sector(client, "date", day, at=at)["sector-series"]["figure"]
    assert any(d["name"] == "Le " + to_local(at - 3 * 86400).strftime("%d/%m/%Y") for d in chosen["data"])
    for bad in ("date", "event:nope", "<b>"):                     # no date, an unknown event: nothing drawn
        assert len(_sector(client, bad, "1999-01-01", at=at)["sector-series"]["figure"]["data"]) == len(plain["data"])


def test_the_comparison_offers_the_sectors_past_events_and_the_stored_days(client_as: Any, store: Store) -> None:
    from vigie.calendar.events import make_event, save_user_event

    _history(store)
    start = NEWEST - 4 * 86400
    save_user_event(store, make_event("concert", "Concert au Vieux-Port", [CODES[0]], start, start + 7200, 5000,
                                      "concert"), "operator")
    outputs = [(ids.SEC_COMPARE, "options"), (ids.SEC_COMPARE_DATE, "options"), (ids.SEC_COMPARE_DATE_BOX, "hidden"), (ids.SEC_COMPARE_NOTE, "children"), (ids.SEC_REWOUND, "children")]
    client = client_as("display")
    answer = call(client, outputs, [(ids.SEC_CODE, "data", CODES[0]), (ids.SEC_COMPARE, "value", "date"),
                                    (ids.SEC_COMPARE_DATE, "value", "1999-01-01"), (ids.SEC_AT, "data", BACK)])
    values = [o["value"] for o in answer[ids.SEC_COMPARE]["options"]]
    assert values[:4] == ["none", "day", "week", "date"] and "event:concert" in values
    days = answer[ids.SEC_COMPARE_DATE]["options"]              # the stored days only, newest first, in French
    assert days[0] == {"label": "sam. 30/05/2026", "value": "2026-05-30"}
    assert days[-1] == {"label": "lun. 04/05/2026", "value": "2026-05-04"} and len(days) == 27
    assert answer[ids.SEC_COMPARE_DATE_BOX]["hidden"] is False and "04/05/2026" in answer[ids.SEC_COMPARE_NOTE]["children"]
    assert "ce n'est pas le direct" in _text(answer[ids.SEC_REWOUND]["children"])
    figure = _sector(client, "event:concert", at=BACK)["sector-series"]["figure"]
    assert any(d["name"] == "Concert au Vieux-Port (" + to_local(start).strftime("%d/%m/%Y") + ")"
               for d in figure["data"])
    sector_address = call(client, [(ids.SEC_URL, "search")], [(ids.SEC_RANGE, "value", "30d"),
                                                                (ids.SEC_COMPARE, "value", "date"),
                                                                (ids.SEC_COMPARE_DATE, "value", "2026-05-20"),
                                                                (ids.SEC_AT, "data", None)])
    assert sector_address[ids.SEC_URL]["search"] == "?range=30d&compare=date&date=2026-05-20"
