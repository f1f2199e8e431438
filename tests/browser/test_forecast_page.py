"""The sector page continues its chart into the next six hours and says the expected peak."""
from __future__ import annotations

from typing import Any


def test_sector_page_shows_the_forecast(session_factory: Any) -> None:
    s = session_factory("operator").login("/secteur/13022")
    s.page.wait_for_selector("#sector-series .main-svg", timeout=20_000)
    s.page.wait_for_function("() => document.querySelector('#sector-series').innerText.includes('Prévision')",
                             timeout=20_000)
    legend = s.page.inner_text("#sector-series")
    assert "Prévision, intervalle 80 %" in legend and "Présents" in legend
    facts = s.page.inner_text("#sector-facts") if s.page.query_selector("#sector-facts") else s.page.inner_text("body")
    assert "Prévision (6 h)" in facts and "par rapport à l'habituel" in facts
    assert s.errors == []
