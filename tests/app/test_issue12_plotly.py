"""Issue 12, item 9: text from outside reaches Plotly labels as text, never as markup."""
from __future__ import annotations

import time
from typing import Any, Iterator

from components.charts import bars_figure, plain, presence_figure, segments_figure

EVIL = '<a href="https://evil.example/">CLICK ME</a> <b>bold</b> <span style="font-size:90px;fill:red">x</span> & co'
SHOWN = ('&lt;a href="https://evil.example/"&gt;CLICK ME&lt;/a&gt; &lt;b&gt;bold&lt;/b&gt; '
         '&lt;span style="font-size:90px;fill:red"&gt;x&lt;/span&gt; &amp; co')


def _strings(node: Any) -> Iterator[str]:
    """Every string value inside a figure (labels, titles, names, annotations)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in ("x", "x0", "x1"):
                yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_plain_escapes_markup_characters_only() -> None:
    assert plain(EVIL) == SHOWN
    assert plain("Marseille 1er — l'Estaque") == "Marseille 1er — l'Estaque"


def test_every_label_of_every_figure_is_escaped() -> None:
    times = ["2026-07-14 18:00", "2026-07-14 18:30"]
    labels = dict.fromkeys(("title", "band", "usual", "present", "residents", "suppressed"), EVIL)
    figures = [
        presence_figure(times, [100, 120], [80, 90], [130, 140], [100, 110], 500.0, labels,
                        events=[(times[0], times[1], EVIL)], suppressed=[times[1]]),
        segments_figure(times, {"residents": [1, 2]}, {"residents": EVIL}, EVIL),
        bars_figure(times, [1, 2], EVIL, EVIL),
    ]
    for figure in figures:
        texts = list(_strings(figure))
        assert SHOWN in texts
        assert not any("<" in text or ">" in text for text in texts), texts
    annotation = figures[0]["layout"]["annotations"][-1]
    assert annotation["text"] == SHOWN


def test_an_event_name_reaches_the_sector_chart_as_text(client_as: Any, store: Any) -> None:
    from vigie.calendar.events import make_event, save_user_event

    now = int(time.time())
    save_user_event(store, make_event("evil", EVIL, ["13201"], now - 3600, now + 3600, 1000, "other"), "operator")
    body = {"output": "..sector-title.children...sector-facts.children...sector-series.figure..."
                      "sector-segments.figure...sector-entries.figure...sector-error.children..",
            "outputs": [{"id": i, "property": p} for i, p in (
                ("sector-title", "children"), ("sector-facts", "children"), ("sector-series", "figure"),
                ("sector-segments", "figure"), ("sector-entries", "figure"), ("sector-error", "children"))],
            "inputs": [{"id": "sector-code", "property": "data", "value": "13201"},
                       {"id": "sector-range", "property": "value", "value": "1d"},
                       {"id": "sector-refresh", "property": "n_intervals", "value": 0},
                       {"id": "sector-compare", "property": "value", "value": "none"},
                       {"id": "sector-compare-date", "property": "value", "value": None},
                       {"id": "sector-at", "property": "data", "value": None}],
            "changedPropIds": ["sector-code.data"], "state": []}
    response = client_as("operator").post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    figure = response.get_json()["response"]["sector-series"]["figure"]
    assert SHOWN in [a["text"] for a in figure["layout"]["annotations"]]
    assert not any("<" in text for text in _strings(figure))
