"""The crisis page as a commander uses it (issue 17, item 5), through the real Dash endpoint and a real database:
the map zooms on the crisis and draws the moves, the plan is worded as spoken, an empty plan or a second
validation of the same plan is refused, the main courante takes free-text entries at the exercise time."""
from __future__ import annotations

import json
import time
from typing import Any

from components import ids
from server.context import vigie
from tests.app.dash_calls import _text, call
from tests.app.crisis_calls import FILTERS, _post, _shown_plan, _validate, surge
from vigie.identity import accounts
from vigie.operations.overlays import import_massif_levels
from vigie.slots import to_local
from vigie.training import control
from vigie.training.control import MAX_ENTRY, list_decisions, list_log_entries

MARSEILLE_8 = "13208"


def _refresh(client: Any, app: Any, drawn: str | None = None, **changes: Any) -> dict[str, Any]:
    """Every output of the crisis page's refresh, as the browser receives them (`drawn`: the map's digest)."""
    inputs = [{"id": "crisis-refresh", "property": "n_intervals", "value": 1}] + [
        {"id": k, "property": "value", "value": changes.get(k, v)} for k, v in FILTERS.items()]
    answer = _post(client, app, "crisis-plan-store", inputs,
                   [{"id": "crisis-map-drawn", "property": "data", "value": drawn}])
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return answer.get_json()["response"]  # type: ignore[no-any-return]


def _log(client: Any) -> str:
    answer = call(client, [(ids.CRI_DECISIONS, "children")],
                  [(ids.CRI_VALIDATED, "children", None), (ids.CRI_ENTRY_DONE, "children", None),
                   (ids.CRI_REFRESH, "n_intervals", 1)])
    return _text(answer[ids.CRI_DECISIONS]["children"])


def _add(client: Any, text: str) -> Any:
    return call(client, [(ids.CRI_ENTRY_DONE, "children"), (ids.CRI_ENTRY, "value")],
                [(ids.CRI_ENTRY_ADD, "n_clicks", 1)], [(ids.CRI_ENTRY, "value", text)])


def test_the_map_zooms_on_the_crisis_and_draws_each_move(seeded: Any, client_as: Any, store: Any) -> None:
    client = client_as("commander")
    calm = _refresh(client, seeded, **{"crisis-min-excess": 10**7})   # nothing ranks: the whole département
    assert calm["crisis-focus"]["data"] is None and calm["crisis-moves"]["children"] == []
    assert calm["crisis-validate"]["disabled"] is True
    surge(seeded, store, MARSEILLE_8, 250_000)
    shown = _refresh(client, seeded)
    (south, west), (north, east) = shown["crisis-focus"]["data"]
    lon, lat = vigie(seeded.server).catalogue.get(MARSEILLE_8).centroid
    assert south < lat < north and west < lon < east
    assert north - south < 0.5 and east - west < 0.6          # the département spans 0.8° by 1.6°
    arrows = _text(shown["crisis-moves"]["children"])
    assert "PolylineDecorator" in arrows and "arrowHead" in arrows
    labels = [c["props"]["children"]["props"]["children"] for c in shown["crisis-moves"]["children"]
              if c["type"] == "CircleMarker" and c["props"]["children"]["props"].get("className") == "crisis-arrow-label"]
    assert labels and all(" VSAV" in label or " FPT" in label for label in labels)
    assert all(label.endswith(" min") and " · " in label for label in labels)
    stations = _text(shown["crisis-stations"]["children"])
    assert "Après le plan : garde" in stations
    plan = _text(shown["crisis-plan"]["children"])
    assert "Marseille 8e" in plan and "garde" in plan and "sapeurs-pompiers" in plan
    assert plan.count("Marseille 8e") == 1 and "hors objectif" not in plan and "pour +" not in plan
    assert shown["crisis-validate"]["disabled"] is False
    again = _refresh(client, seeded, drawn=shown["crisis-map-drawn"]["data"])   # the next minute, nothing moved
    assert "crisis-moves" not in again and "crisis-stations" not in again and again["crisis-focus"]["data"]


def test_an_empty_plan_cannot_be_validated(seeded: Any, client_as: Any, store: Any) -> None:
    client = client_as("commander")
    shown = _refresh(client, seeded, **{"crisis-min-excess": 10**7})
    assert shown["crisis-validate"]["disabled"] is True
    assert "Rien à valider" in _text(shown["crisis-validate-why"]["children"])
    plan = shown["crisis-plan-store"]["data"]   # the server recomputes it: no sector, no move
    assert "Rien à valider : le plan ne propose aucun mouvement" in _validate(client, seeded, plan)
    assert list_decisions(store) == []


def test_a_double_tap_logs_the_plan_once(seeded: Any, client_as: Any, store: Any) -> None:
    surge(seeded, store)
    client = client_as("commander")
    plan = _shown_plan(client, seeded)
    assert "Plan validé" in _validate(client, seeded, plan)
    second = _validate(client_as("commander"), seeded, plan)
    assert "déjà dans la main courante" in second and "Plan validé" not in second
    assert len(list_decisions(store)) == 1
    assert store.scalar("SELECT count(*) FROM audit WHERE action = 'plan.validate'") == 1
    assert "Plan validé — " in _log(client)


def test_the_main_courante_takes_free_text_entries(seeded: Any, client_as: Any, store: Any, client: Any) -> None:
    operator = client_as("operator")
    hostile = "<img src=x onerror=alert(1)> Appel du maire : fermeture des calanques"
    assert "Entrée ajoutée" in _text(_add(operator, hostile))
    [row] = list_log_entries(store)
    assert (row["username"], row["text"]) == ("operator", hostile)
    shown = _log(client_as("display"))
    assert hostile in shown and '"operator"' in shown   # a text child: React escapes it
    too_long = _text(_add(operator, "x" * (MAX_ENTRY + 1)))
    assert f"{MAX_ENTRY} caractères au plus" in too_long and len(list_log_entries(store)) == 1
    refused = client_as("display").post("/_dash-update-component", json={
        "output": "..crisis-entry-done.children...crisis-entry.value..",
        "outputs": [{"id": ids.CRI_ENTRY_DONE, "property": "children"}, {"id": ids.CRI_ENTRY, "property": "value"}],
        "inputs": [{"id": ids.CRI_ENTRY_ADD, "property": "n_clicks", "value": 1}],
        "state": [{"id": ids.CRI_ENTRY, "property": "value", "value": "display"}],
        "changedPropIds": [f"{ids.CRI_ENTRY_ADD}.n_clicks"]})
    assert refused.status_code == 403 and len(list_log_entries(store)) == 1


def test_in_an_exercise_the_log_shows_and_keeps_the_exercise_time(seeded: Any, client_as: Any, store: Any) -> None:
    start = int(store.scalar("SELECT max(slot) FROM observations")) - 3 * 86400
    exercise = control.create_exercise(store, "Exercice main courante", start, 1, "trainer")
    control.start(store, exercise.id, "trainer")
    control.join(store, exercise.id, accounts.get_user(store, "operator").id)
    operator = client_as("operator")
    _add(operator, "Point de situation demandé par la préfecture")
    [row] = list_log_entries(store, exercise.id)
    assert abs(row["view_time"] - start) < 120 and abs(row["at"] - time.time()) < 120
    shown = _log(operator)
    assert "Heure d'exercice" in shown and to_local(row["view_time"]).strftime("%d/%m/%Y %H:%M") in shown
    assert list_log_entries(store) == [] and "Main courante vide" in _log(client_as("commander"))  # live log apart


def test_groupements_are_the_sdis_ones_and_the_demo_note_shows_no_command(seeded: Any, client_as: Any) -> None:
    answer = call(client_as("operator"), [(ids.CRI_GROUPEMENT, "options"), (ids.CRI_DEMO_NOTE, "children")],
                  [(ids.CRI_STATIONS, "id", ids.CRI_STATIONS)])
    labels = [o["label"] for o in answer[ids.CRI_GROUPEMENT]["options"]]
    assert labels == ["Tous les groupements", "Centre", "Est", "Nord", "Ouest", "Sud"]
    note = _text(answer[ids.CRI_DEMO_NOTE]["children"])
    assert "démonstration" in note and "administrateur" in note
    assert "python" not in note and "vigie " not in note and "/" not in note


def test_the_api_plan_asks_for_ccf_under_a_red_massif_level(seeded: Any, client_as: Any, store: Any) -> None:
    surge(seeded, store, "13022", 80_000)   # Cassis, in the Calanques
    client = client_as("operator")
    plain = client.get("/api/v1/allocation").get_json()
    assert plain["demand"]["13022"]["ccf"] == 0
    day = to_local(int(store.scalar("SELECT max(slot) FROM observations"))).date().isoformat()
    import_massif_levels(store, f"massif_id,day,level\ncalanques,{day},rouge\n".encode(), "prefecture")
    red = client.get("/api/v1/allocation").get_json()
    assert red["demand"]["13022"]["ccf"] >= 2
    assert "sapeurs-pompiers" in red["summary"]["fr"] and "firefighters" in red["summary"]["en"]
    assert any(line.startswith("Cassis (+") for line in red["texts"]["fr"]) and red["kept"]
    assert [m for m in red["moves"] + red["on_site"] if m["resource"] == "ccf" and m["sector_code"] == "13022"]
    page = _refresh(client_as("commander"), seeded)
    assert "CCF" in json.dumps(page["crisis-plan"]["children"], ensure_ascii=False)
