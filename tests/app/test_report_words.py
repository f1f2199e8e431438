"""The point de situation reads like the screens (issue 17, item 9): "SDIS 13", z with the reader's decimal
mark and explained, "aucun événement connu" in the reader's language, in the HTML and the CSV."""
from __future__ import annotations

from html import unescape
from typing import Any

import pytest

from tests.app.crisis_calls import surge
from vigie.identity import accounts
from vigie.store import Store


@pytest.fixture
def crowd(seeded: Any, store: Store) -> Any:
    """The seeded history, then 900 000 people in Gardanne (no known event) for the two newest slots."""
    surge(seeded, store, "13041", 900_000)
    return seeded


def _speaking(store: Store, username: str, language: str) -> None:
    accounts.set_language(store, accounts.get_user(store, username).id, language)


def _ranking_row(html: str, name: str) -> str:
    body = html.split('id="report-ranking"', 1)[1].split("</table>", 1)[0]
    return next(row for row in body.split("<tr>") if name in row)


def test_the_report_names_the_authorities_and_writes_z_as_the_reader_does(crowd: Any, client_as: Any,
                                                                         store: Store) -> None:
    french = client_as("operator").get("/rapport").get_data(as_text=True)
    assert "<th>SDIS 13</th>" in french and "<th>SDIS13</th>" not in french
    row = _ranking_row(french, "Gardanne")
    cells = [c.split("</td>", 1)[0] for c in row.split("<td>")[1:]]
    z = cells[5]
    assert "," in z and "." not in z, f"z reads {z!r} in French"
    assert cells[6] == "aucun événement connu"
    assert "z : l'écart compté en écarts habituels" in unescape(french)
    _speaking(store, "operator", "en")
    english = client_as("operator").get("/rapport").get_data(as_text=True)
    cells = [c.split("</td>", 1)[0] for c in _ranking_row(english, "Gardanne").split("<td>")[1:]]
    assert "." in cells[5] and cells[6] == "no known event"
    assert "z: the difference counted in" in unescape(english)


def test_the_report_csv_explains_in_the_readers_language(crowd: Any, client_as: Any, store: Store) -> None:
    _speaking(store, "operator", "en")
    english = client_as("operator").get("/rapport?format=csv").get_data(as_text=True)
    line = next(row for row in english.splitlines() if "Gardanne" in row)
    assert line.endswith(";no known event"), line
