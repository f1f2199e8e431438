"""The admin page sets an idle time per role within bounds, says why it refuses, and audits every change."""
from __future__ import annotations

import json
from typing import Any

from components import ids
from tests.app.dash_calls import _text, call
from vigie.identity import idle
from vigie.store import Store

OUTPUTS = [(ids.ADM_IDLE_RESULT, "children"), (ids.ADM_IDLE_TABLE, "children")]


def _press(client: Any, button: str, role: str, minutes: Any) -> tuple[str, str]:
    """Press Save or Reset of the idle panel; (the alert, the table) as text."""
    answer = call(client, OUTPUTS, [(ids.ADM_IDLE_SAVE, "n_clicks", 1), (ids.ADM_IDLE_RESET, "n_clicks", 1)],
                  [(ids.ADM_IDLE_ROLE, "value", role), (ids.ADM_IDLE_MINUTES, "value", minutes)],
                  changed=f"{button}.n_clicks")
    return _text(answer[ids.ADM_IDLE_RESULT]["children"]), _text(answer[ids.ADM_IDLE_TABLE]["children"])


def _audit(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT username, outcome, detail FROM audit WHERE action = 'session.idle' ORDER BY id")
    return [{"username": r["username"], "outcome": r["outcome"], **json.loads(r["detail"])} for r in rows]


def test_the_panel_lists_every_role_with_its_idle_time(client_as: Any) -> None:
    answer = call(client_as("admin"), OUTPUTS, [(ids.ADM_IDLE_SAVE, "n_clicks", None),
                                                (ids.ADM_IDLE_RESET, "n_clicks", None)],
                  [(ids.ADM_IDLE_ROLE, "value", "operator"), (ids.ADM_IDLE_MINUTES, "value", None)], changed="")
    table = _text(answer[ids.ADM_IDLE_TABLE]["children"])
    assert answer[ids.ADM_IDLE_RESULT]["children"] is None
    assert "Opérateur" in table and "30 min" in table and "réglage par défaut" in table
    assert "Écran mural" in table and "aucune" in table and "30 jours" in table
    assert "12 h après la connexion" in table


def test_an_admin_gives_the_ops_room_consoles_a_longer_idle_time(client_as: Any, store: Store) -> None:
    alert, table = _press(client_as("admin"), ids.ADM_IDLE_SAVE, "operator", 240)
    assert "Durée d'inactivité du rôle Opérateur : 240 min" in alert
    assert "240 min" in table and "admin, le " in table
    assert idle.chosen_seconds(store) == {"operator": 240 * 60}
    assert _audit(store) == [{"username": "admin", "outcome": "ok", "role": "operator", "minutes": "240"}]


def test_out_of_bounds_is_refused_with_a_clear_error_and_audited(client_as: Any, store: Store) -> None:
    admin = client_as("admin")
    for minutes in (4, 721, None, "soixante", 30.5):
        alert, _table = _press(admin, ids.ADM_IDLE_SAVE, "operator", minutes)
        assert "\"color\": \"danger\"" in alert
        assert "un nombre entier de minutes entre 5 et 720 (12 h)" in alert, alert
    alert, _table = _press(admin, ids.ADM_IDLE_SAVE, "display", 600)
    assert "les écrans muraux (display) n'ont pas de délai d'inactivité" in alert
    assert idle.choices(store) == {}
    assert [line["outcome"] for line in _audit(store)] == ["refused"] * 6


def test_reset_takes_a_role_back_to_the_setting(client_as: Any, store: Store) -> None:
    admin = client_as("admin")
    _press(admin, ids.ADM_IDLE_SAVE, "commander", 90)
    alert, table = _press(admin, ids.ADM_IDLE_RESET, "commander", None)
    assert "Le rôle Commandement reprend le réglage par défaut (30 min)" in alert
    assert idle.choices(store) == {} and "90 min" not in table
    assert _audit(store)[-1] == {"username": "admin", "outcome": "ok", "role": "commander", "minutes": "default"}


def test_only_an_admin_may_change_an_idle_time(client_as: Any, store: Store) -> None:
    payload = {"output": f"..{ids.ADM_IDLE_RESULT}.children...{ids.ADM_IDLE_TABLE}.children..",
               "inputs": [], "changedPropIds": [f"{ids.ADM_IDLE_SAVE}.n_clicks"]}
    for role in ("operator", "commander", "trainer"):
        assert client_as(role).post("/_dash-update-component", json=payload).status_code == 403
    assert idle.choices(store) == {}
