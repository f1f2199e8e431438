"""Issue 12, item 1 through the real API: a withheld count pushed by the operator feeds no served statistic."""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from vigie.slots import same_time_weeks_before
from vigie.slots import parse_instant
from vigie.identity.tokens import create_token

HEADER = "sector_id,slot_start,present,residents,tourists_fr,tourists_intl,excursionists,entries"
TARGET = parse_instant("2026-11-29T10:00:00Z")
WEEKS = [14, 779, 790, 800, 810, 820]  # 1..6 weeks before TARGET, same local wall time


def _bearer(store: Any, scope: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(store, f'{scope}{int(time.time() * 1e6)}', scope)}"}


def _iso(slot: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(slot))


def test_series_band_is_not_built_from_a_withheld_count(app: Any, store: Any) -> None:
    client = app.server.test_client()
    lags = same_time_weeks_before(TARGET, 6)
    lines = [HEADER] + [f"13090,{_iso(slot)},{v},{v},0,0,0,3" for slot, v in zip(lags, WEEKS)]
    assert lines[1] == "13090,2026-11-22T10:00:00Z,14,14,0,0,0,3", "the row of the issue"
    lines.append(f"13090,{_iso(TARGET)},779,779,0,0,0,3")
    pushed = client.post("/api/v1/observations", data="\n".join(lines) + "\n", content_type="text/csv",
                         headers=_bearer(store, "ingest"))
    assert pushed.status_code == 200, pushed.get_json()
    read = _bearer(store, "read")

    def served() -> tuple[Any, ...]:
        point = client.get(f"/api/v1/sectors/13090/series?from={_iso(TARGET)}&to={_iso(TARGET + 1800)}",
                           headers=read).get_json()["points"][0]
        sector = next(s for s in client.get(f"/api/v1/situation?at={_iso(TARGET)}", headers=read).get_json()["sectors"]
                      if s["code"] == "13090")
        assert (sector["usual"], sector["p10"], sector["p90"]) == (point["usual"], point["p10"], point["p90"])
        return point["usual"], point["p10"], point["p90"], sector["z"], sector["excess"]

    first = served()
    assert first[0] is not None and first[1] != 396, "2 x 396 - 779 = 13 gives the withheld 14 back"
    # An attacker's best try: what is served must not move when the withheld count moves.
    corrected = client.post("/api/v1/observations", content_type="text/csv", headers=_bearer(store, "ingest"),
                            data=f"{HEADER}\n13090,{_iso(lags[0])},3,3,0,0,0,3\n")
    assert corrected.status_code == 200, corrected.get_json()
    assert served() == first
    week_before = client.get(f"/api/v1/sectors/13090/series?from={_iso(lags[0])}&to={_iso(lags[0] + 1800)}",
                             headers=read).get_json()["points"][0]
    assert week_before["suppressed"] and week_before["present"] is None
