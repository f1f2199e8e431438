"""Two devices joined to one exercise follow the trainer's clock; EXERCICE is on every page, and only there."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from vigie.slots import PARIS


def last_saturday_afternoon() -> datetime:
    today = datetime.now(PARIS).replace(hour=14, minute=0, second=0, microsecond=0)
    return today - timedelta(days=(today.weekday() - 5) % 7 or 7)


def clock(session: Any) -> str:
    return str(session.page.inner_text("#shell-clock"))


def test_two_devices_follow_one_exercise(session_factory: Any, seeded_data_dir: Any) -> None:
    try:
        _play(session_factory, seeded_data_dir)
    finally:  # the other browser tests use the same accounts live
        from vigie.identity import accounts
        from vigie.training import control
        from vigie.store import Store

        store = Store(seeded_data_dir / "vigie.db")
        for name in ("trainer", "operator"):
            control.leave(store, accounts.get_user(store, name).id)


def _play(session_factory: Any, seeded_data_dir: Any) -> None:
    from vigie.training.control import list_exercises
    from vigie.store import Store

    trainer = session_factory("trainer").login("/exercice")
    page = trainer.page
    page.wait_for_selector("#exercise-scenario option[value='cote-bleue-feu.yaml']", state="attached", timeout=20_000)
    page.select_option("#exercise-scenario", "cote-bleue-feu.yaml")  # fills in name, start and speed ...
    page.wait_for_function("() => document.querySelector('#exercise-name').value.length > 0", timeout=10_000)
    assert "Côte Bleue" in page.inner_text("#exercise-scenario-info")     # ... and shows its description
    page.fill("#exercise-name", "Feu Côte Bleue — test")                   # which the trainer may change
    page.fill("#exercise-start", last_saturday_afternoon().strftime("%Y-%m-%dT%H:%M"))
    page.fill("#exercise-speed", "60")
    page.click("#exercise-create")
    page.wait_for_selector("#exercise-result .alert-success", timeout=20_000)
    exercise = next(e for e in list_exercises(Store(seeded_data_dir / "vigie.db")) if e.name == "Feu Côte Bleue — test")

    page.select_option("#exercise-join-select", str(exercise.id))
    page.click("#exercise-join")
    page.wait_for_selector("#shell-exercise-banner:not([hidden])", timeout=20_000)
    operator = session_factory("operator").login(f"/exercice?code={exercise.join_code}")
    operator.page.wait_for_selector("#shell-exercise-banner:not([hidden])", timeout=20_000)
    assert "Feu Côte Bleue — test" in operator.page.inner_text("#shell-exercise-banner")

    trainer.page.select_option("#exercise-target", str(exercise.id))
    trainer.page.click("#exercise-play")
    trainer.page.wait_for_selector("#exercise-result .alert-success", timeout=10_000)
    trainer.page.click("#exercise-pause")
    operator.page.wait_for_timeout(4000)  # the devices poll the exercise clock every 3 s
    assert clock(trainer) == clock(operator)

    target = last_saturday_afternoon() + timedelta(hours=3)
    trainer.page.fill("#exercise-jump-to", target.strftime("%Y-%m-%dT%H:%M"))
    trainer.page.click("#exercise-jump")
    for device in (operator, trainer):  # both follow the jump at their next poll of the exercise clock
        device.page.wait_for_function("() => document.querySelector('#shell-clock').innerText.startsWith('17:00')",
                                      timeout=15_000)

    for path, proof in (("/", "#situation-kpis .kpi"), ("/crise", "#crisis-ranking-table"), ("/mur", "#wall-kpis")):
        operator.goto(path)
        operator.page.wait_for_selector(proof, timeout=20_000)
        assert operator.page.is_visible("#shell-exercise-banner"), path
        assert "EXERCICE" in operator.page.inner_text("#shell-exercise-banner")
    operator.screenshot("exercise-situation-desktop")
    # Badge, clock and figures speak of the exercise time; the banner shares the header's sticky box.
    assert operator.page.inner_text("#shell-freshness").startswith("Exercice — données")
    assert operator.page.evaluate("""() => { const b = document.querySelector('#shell-exercise-banner');
        return b.parentElement.classList.contains('shell-header')
            && getComputedStyle(b.parentElement).position === 'sticky'
            && b.parentElement.contains(document.querySelector('#shell-freshness')); }""")

    trainer.goto("/exercice")
    trainer.page.wait_for_selector(f"#exercise-target option[value='{exercise.id}']", state="attached", timeout=20_000)
    trainer.page.select_option("#exercise-target", str(exercise.id))
    trainer.page.once("dialog", lambda dialog: dialog.accept())       # "Terminer" asks for confirmation
    trainer.page.click("#exercise-end")
    # Every open page leaves the exercise at its next poll of the exercise clock, and says so.
    operator.page.wait_for_selector("#shell-notice:not([hidden])", timeout=10_000)
    assert "est terminé" in operator.page.inner_text("#shell-notice")
    assert operator.page.is_hidden("#shell-exercise-banner")
    assert not operator.page.inner_text("#shell-freshness").startswith("Exercice")

    live = session_factory("commander").login("/")
    live.page.wait_for_selector("#situation-kpis .kpi", timeout=20_000)
    assert live.page.is_hidden("#shell-exercise-banner")
    assert trainer.errors == [] and operator.errors == [] and live.errors == []
