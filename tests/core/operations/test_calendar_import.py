"""Events calendar management: CSV and iCalendar imports (time zones!), edits and flagged days."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from vigie.operations import imports as ci
from vigie.calendar.events import InvalidEvents, load_events
from vigie.operations.overlays import ImportRefused
from vigie.slots import parse_instant
from vigie.store import Store
from tests.factories import ROOT


def flags(store: Store) -> set[tuple[str, str, str]]:
    return {(r["sector_code"], r["day"], r["reason"]) for r in store.query("SELECT * FROM reference_exclusions")}


def ics(*events: str, extra: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Vigie tests//FR\r\n{extra}{body}END:VCALENDAR\r\n".encode()


def one(store: Store, event: str, **kw: object) -> ci.Event:
    return ci.import_icalendar(store, ics(event), "alice", **kw).events[0]  # type: ignore[arg-type]


# -- CSV ----------------------------------------------------------------------------------------------
CSV = ("event_id,name,sectors,start,end,expected_attendance,category,source\n"
       "feria-arles,Feria de Pâques,13004,2026-04-03T10:00:00+02:00,2026-04-07T02:00:00+02:00,500000,feria,mairie\n"
       "expo,\"Exposition, photos\",13004 13096,2026-07-01T10:00:00+02:00,2026-09-20T19:00:00+02:00,30000,fair,\n")


def test_csv_import_saves_user_events_and_flags_their_days(empty_calendar: Store) -> None:
    report = ci.import_events_csv(empty_calendar, CSV.encode(), "alice")
    assert [e.event_id for e in report.events] == ["feria-arles", "expo"]
    saved = {e.event_id: e for e in load_events(empty_calendar)}
    assert saved["feria-arles"].origin == "user" and saved["feria-arles"].created_by == "alice"
    assert saved["expo"].name == "Exposition, photos" and saved["expo"].sectors == ("13004", "13096")
    assert {day for code, day, _ in flags(empty_calendar)} == {"2026-04-03", "2026-04-04", "2026-04-05", "2026-04-06", "2026-04-07"}
    assert report.flagged == 5 and report.not_flagged == ["expo"]  # 30 000 visits over 82 days: too diffuse


def test_csv_semicolons_and_bom_are_accepted(empty_calendar: Store) -> None:
    data = "\ufeff" + CSV.replace(",", ";").replace(";photos", ",photos").replace("\"Exposition; photos\"", "Expo photos")
    assert len(ci.import_events_csv(empty_calendar, data.encode(), "alice").events) == 2


def test_a_bad_csv_is_refused_whole(empty_calendar: Store) -> None:
    bad = CSV + ("x1,Sans fin,13004,2026-05-01T10:00:00+02:00,2026-05-01T09:00:00+02:00,10,feria,\n"
                 "x2,Inconnu,99999,2026-05-01T10:00:00+02:00,2026-05-01T12:00:00+02:00,10,feria,\n"
                 "x3,Naïf,13004,2026-05-01T10:00:00,2026-05-01T12:00:00+02:00,10,feria,\n"
                 "x4,Négatif,13004,2026-05-01T10:00:00+02:00,2026-05-01T12:00:00+02:00,-5,feria,\n"
                 "x5,Catégorie,13004,2026-05-01T10:00:00+02:00,2026-05-01T12:00:00+02:00,5,bal,\n"
                 "feria-arles,Doublon,13004,2026-05-01T10:00:00+02:00,2026-05-01T12:00:00+02:00,5,feria,\n"
                 "x6,,13004,2026-05-01T10:00:00+02:00,2026-05-01T12:00:00+02:00,5,feria,\n")
    with pytest.raises(ImportRefused) as info:
        ci.import_events_csv(empty_calendar, bad.encode(), "alice")
    problems = info.value.problems
    assert [p.line for p in problems] == [4, 5, 6, 7, 8, 9, 10]
    assert "fin" in problems[0].fr and "99999" in problems[1].fr and "offset" in problems[2].en
    assert "entier" in problems[3].fr and "bal" in problems[4].en and "déjà utilisé" in problems[5].fr
    assert "name" in problems[6].fr
    assert load_events(empty_calendar) == [] and flags(empty_calendar) == set()


def test_the_projects_own_events_file_imports(empty_calendar: Store) -> None:
    report = ci.import_events_csv(empty_calendar, (ROOT / "data/events/13.csv").read_bytes(), "alice")
    assert len(report.events) == len(load_events(empty_calendar)) > 100


# -- iCalendar: time zones -------------------------------------------------------------------------------
def test_tzid_europe_paris_across_the_spring_change(empty_calendar: Store) -> None:
    event = one(empty_calendar, "UID:n1\r\nSUMMARY:Nuit\r\nDTSTART;TZID=Europe/Paris:20260328T220000\r\n"
                       "DTEND;TZID=Europe/Paris:20260329T040000\r\nLOCATION:Arles")
    assert event.start == parse_instant("2026-03-28T22:00:00+01:00")
    assert event.end == parse_instant("2026-03-29T04:00:00+02:00")
    assert event.end - event.start == 5 * 3600  # six hours on the clock, five elapsed


def test_tzid_europe_paris_across_the_autumn_change(empty_calendar: Store) -> None:
    event = one(empty_calendar, "UID:n2\r\nSUMMARY:Nuit\r\nDTSTART;TZID=Europe/Paris:20261024T220000\r\n"
                       "DTEND;TZID=Europe/Paris:20261025T040000\r\nX-VIGIE-SECTORS:13004")
    assert event.end - event.start == 7 * 3600


def test_a_vtimezone_of_the_file_is_used(empty_calendar: Store) -> None:
    vtimezone = ("BEGIN:VTIMEZONE\r\nTZID:Romance Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000\r\n"
                 "TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
                 "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
                 "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")
    data = ics("UID:o1\r\nSUMMARY:Outlook\r\nDTSTART;TZID=Romance Standard Time:20260714T200000\r\n"
               "DTEND;TZID=Romance Standard Time:20260714T230000\r\nLOCATION:Arles", extra=vtimezone)
    event = ci.import_icalendar(empty_calendar, data, "alice").events[0]
    assert event.start == parse_instant("2026-07-14T20:00:00+02:00")


def test_utc_floating_and_all_day_values(empty_calendar: Store) -> None:
    report = ci.import_icalendar(empty_calendar, ics(
        "UID:u\r\nSUMMARY:UTC\r\nDTSTART:20260714T180000Z\r\nDTEND:20260714T210000Z\r\nLOCATION:Arles",
        "UID:f\r\nSUMMARY:Flottant\r\nDTSTART:20260714T200000\r\nDURATION:PT3H\r\nLOCATION:Arles",
        "UID:d\r\nSUMMARY:Pèlerinage\r\nDTSTART;VALUE=DATE:20260524\r\nDTEND;VALUE=DATE:20260526\r\n"
        "LOCATION:Saintes-Maries-de-la-Mer\r\nCATEGORIES:pèlerinage",
        "UID:d1\r\nSUMMARY:Un jour\r\nDTSTART;VALUE=DATE:20261025\r\nLOCATION:Arles",
        "UID:p\r\nSUMMARY:Nominal\r\nDTSTART;TZID=Europe/Paris:20260328T120000\r\nDURATION:P1D\r\nLOCATION:Arles"),
        "alice")
    by_id = {e.event_id: e for e in report.events}
    assert by_id["ics-u"].start == parse_instant("2026-07-14T20:00:00+02:00")
    assert (by_id["ics-f"].start, by_id["ics-f"].end) == (by_id["ics-u"].start, by_id["ics-u"].end)
    day = by_id["ics-d"]
    assert (day.start, day.end) == (parse_instant("2026-05-24T00:00:00+02:00"), parse_instant("2026-05-26T00:00:00+02:00"))
    assert day.sectors == ("13096",) and day.category == "pilgrimage"
    assert by_id["ics-d1"].end - by_id["ics-d1"].start == 25 * 3600  # the autumn change day lasts 25 hours
    assert by_id["ics-p"].end == parse_instant("2026-03-29T12:00:00+02:00")  # P1D: same clock time, 23 h later


# -- iCalendar: sectors and refusals -----------------------------------------------------------------------
@pytest.mark.parametrize("lines, sectors", [
    ("LOCATION:Arènes d'Arles\\, Rond-point des Arènes\\, 13200 Arles", ("13004",)),
    ("LOCATION:Place de l'église\\, Plan-d'Orgon", ("13076",)),
    ("LOCATION:Stade Vélodrome\\, 3 boulevard Michelet\\, 13008 Marseille", ("13208",)),
    ("LOCATION:Marseille 2e", ("13202",)),
    ("X-VIGIE-SECTORS:13004 13096\r\nLOCATION:Marseille 2e", ("13004", "13096")),
    ("CATEGORIES:feria,13004,Saintes-Maries-de-la-Mer", ("13004", "13096")),
])
def test_sectors_from_the_event(empty_calendar: Store, lines: str, sectors: tuple[str, ...]) -> None:
    event = one(empty_calendar, f"UID:s\r\nSUMMARY:x\r\nDTSTART:20260714T180000Z\r\nDTEND:20260714T210000Z\r\n{lines}")
    assert event.sectors == sectors


def test_a_bad_calendar_is_refused_whole(empty_calendar: Store) -> None:
    data = ics("UID:ok\r\nSUMMARY:Bon\r\nDTSTART:20260714T180000Z\r\nDTEND:20260714T210000Z\r\nLOCATION:Arles",
               "UID:r\r\nSUMMARY:Chaque mardi\r\nDTSTART:20260714T180000Z\r\nDTEND:20260714T210000Z\r\n"
               "RRULE:FREQ=WEEKLY\r\nLOCATION:Arles",
               "UID:m\r\nSUMMARY:Marseille entière\r\nDTSTART:20260714T180000Z\r\nDTEND:20260714T210000Z\r\n"
               "LOCATION:Marseille",
               "UID:e\r\nSUMMARY:Sans fin\r\nDTSTART:20260714T180000Z\r\nLOCATION:Arles",
               "UID:b\r\nSUMMARY:À l'envers\r\nDTSTART:20260714T210000Z\r\nDTEND:20260714T180000Z\r\nLOCATION:Arles",
               "UID:z\r\nSUMMARY:Date cassée\r\nDTSTART:2026xx\r\nDTEND:20260714T180000Z\r\nLOCATION:Arles",
               "UID:ok\r\nSUMMARY:Doublon\r\nDTSTART:20260714T180000Z\r\nDTEND:20260714T210000Z\r\nLOCATION:Arles")
    with pytest.raises(ImportRefused) as info:
        ci.import_icalendar(empty_calendar, data, "alice")
    text_fr, text_en = info.value.message("fr"), info.value.message("en")
    for expected in ("récurrent", "aucun secteur", "DTEND ou DURATION", "fin", "DTSTART", "UID en double"):
        assert expected in text_fr
    assert "recurring" in text_en and "duplicate UID" in text_en
    assert load_events(empty_calendar) == []


@pytest.mark.parametrize("data", [b"not a calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", b"\xff\xfe"])
def test_unusable_calendars(empty_calendar: Store, data: bytes) -> None:
    with pytest.raises(ImportRefused):
        ci.import_icalendar(empty_calendar, data, "alice")


ICS_LINES = st.lists(st.sampled_from([
    "BEGIN:VCALENDAR", "END:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT", "UID:a", "SUMMARY:x", "DTSTART:20260714T180000Z",
    "DTEND:20260714T210000Z", "DTSTART;VALUE=DATE:20260714", "DTSTART;TZID=Nowhere/Zone:20260714T180000",
    "DURATION:P1D", "DURATION:garbage", "LOCATION:Arles", "X-VIGIE-SECTORS:13004", "X-VIGIE-ATTENDANCE:-3",
    "RRULE:FREQ=DAILY", "DTEND;VALUE=DATE:20260713", "BEGIN:VTIMEZONE", "TZID:x", "END:VTIMEZONE", ":", ";;;"]),
    max_size=25)


@hsettings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ICS_LINES)
def test_any_calendar_is_parsed_or_refused_cleanly(shared_calendar: Store, lines: list[str]) -> None:
    known = {"13004"}
    try:
        parsed = ci.parse_icalendar("\r\n".join(lines).encode(), ci.SectorNameResolver({"13004": "Arles"}), known, "x")
    except ImportRefused as exc:
        assert exc.problems and all(p.fr and p.en for p in exc.problems)
    else:
        assert parsed and all(e.end > e.start and set(e.sectors) <= known for e in parsed)


# -- add, edit, delete ---------------------------------------------------------------------------------------
def test_add_edit_delete_keep_the_flags_right(empty_calendar: Store) -> None:
    event = ci.add_event(empty_calendar, "alice", name="Fête votive", sectors=["13004"], start="2026-08-01T10:00:00+02:00",
                         end="2026-08-02T23:00:00+02:00", expected_attendance=20000, category="festival")
    assert event.event_id.startswith("user-fete-votive-2026-08-01") and event.created_by == "alice"
    reason = f"event:{event.event_id}"
    assert flags(empty_calendar) == {("13004", "2026-08-01", reason), ("13004", "2026-08-02", reason)}
    other = ci.add_event(empty_calendar, "bob", name="Concert", sectors=["13004"], start="2026-08-02T20:00:00+02:00",
                         end="2026-08-02T23:00:00+02:00", expected_attendance=5000, category="concert")
    moved = ci.update_event(empty_calendar, event.event_id, "bob", start="2026-08-08T10:00:00+02:00",
                            end="2026-08-08T23:00:00+02:00")
    assert moved.created_by == "bob" and moved.start == parse_instant("2026-08-08T10:00:00+02:00")
    days = {(day, why) for _, day, why in flags(empty_calendar)}
    assert ("2026-08-01", reason) not in days and ("2026-08-08", reason) in days
    assert ("2026-08-02", f"event:{other.event_id}") in days  # still covered by the concert
    assert ci.delete_event(empty_calendar, event.event_id) and not ci.delete_event(empty_calendar, event.event_id)
    assert {day for _, day, _ in flags(empty_calendar)} == {"2026-08-02"}


@pytest.mark.parametrize("changes, message", [
    ({"sectors": ["99999"]}, "unknown sector"),
    ({"end": "2026-08-01T09:00:00+02:00"}, "after start"),
    ({"expected_attendance": -1}, "whole number"),
    ({"category": "bal"}, "category"),
    ({"origin": "file"}, "cannot change"),
])
def test_edits_are_checked(empty_calendar: Store, changes: dict[str, object], message: str) -> None:
    event = ci.add_event(empty_calendar, "alice", name="Fête", sectors=["13004"], start="2026-08-01T10:00:00+02:00",
                         end="2026-08-01T23:00:00+02:00")
    with pytest.raises(InvalidEvents, match=message):
        ci.update_event(empty_calendar, event.event_id, "alice", **changes)
    assert ci.get_event(empty_calendar, event.event_id) == event


@pytest.mark.parametrize("changes, french", [
    ({"end": "2026-08-01T09:00:00+02:00"}, "fin : date-heure ISO 8601 avec décalage, après le début"),
    ({"sectors": ["99999"]}, "secteurs : codes INSEE du catalogue, séparés par des espaces"),
    ({"origin": "file"}, "champs non modifiables : origin"),
])
def test_a_refused_edit_reads_in_french_on_the_events_page(empty_calendar: Store, changes: dict[str, object],
                                                          french: str) -> None:
    event = ci.add_event(empty_calendar, "alice", name="Fête", sectors=["13004"], start="2026-08-01T10:00:00+02:00",
                         end="2026-08-01T23:00:00+02:00")
    with pytest.raises(InvalidEvents) as caught:
        ci.update_event(empty_calendar, event.event_id, "alice", **changes)
    assert caught.value.message("fr").startswith(french) and "field" not in caught.value.message("fr")
    assert "field" in caught.value.message("en") or "cannot change" in caught.value.message("en")


def test_add_refuses_a_nameless_or_duplicate_event(empty_calendar: Store) -> None:
    with pytest.raises(InvalidEvents):
        ci.add_event(empty_calendar, "alice", name=" ", sectors=["13004"], start="2026-08-01T10:00:00+02:00",
                     end="2026-08-01T23:00:00+02:00")
    ci.add_event(empty_calendar, "alice", name="A", sectors=["13004"], start="2026-08-01T10:00:00+02:00",
                 end="2026-08-01T23:00:00+02:00", event_id="a")
    with pytest.raises(InvalidEvents, match="already exists"):
        ci.add_event(empty_calendar, "alice", name="B", sectors=["13004"], start="2026-08-01T10:00:00+02:00",
                     end="2026-08-01T23:00:00+02:00", event_id="a")


def test_tzid_in_the_skipped_spring_hour_reads_the_offset_before_the_change(empty_calendar: Store) -> None:
    event = one(empty_calendar, "UID:g\r\nSUMMARY:Trou\r\nDTSTART;TZID=Europe/Paris:20260329T023000\r\nDURATION:PT1H\r\n"
                       "X-VIGIE-SECTORS:13004")
    assert event.start == parse_instant("2026-03-29T01:30:00Z")


def test_cli_events_import_and_list(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    runner = CliRunner(env={"VIGIE_DATA_DIR": str(tmp_path / "instance"), "VIGIE_FEED": "none"})
    calendar = tmp_path / "feria.ics"
    # a date the département's events file leaves free (its days are not flagged yet)
    calendar.write_bytes(ics("UID:f\r\nSUMMARY:Feria\r\nDTSTART;TZID=Europe/Paris:20260210T100000\r\n"
                             "DTEND;TZID=Europe/Paris:20260213T020000\r\nLOCATION:Arles\r\nX-VIGIE-ATTENDANCE:500000"))
    imported = runner.invoke(main, ["events", "import", str(calendar)])
    assert imported.exit_code == 0 and "1 événement(s) importé(s), 4 jour(s)-secteur(s)" in imported.output
    listed = runner.invoke(main, ["events", "list", "--from", "2026-02-01", "--to", "2026-02-20"])
    assert "ics-f\t2026-02-10T09:00:00Z" in listed.output
    calendar.write_bytes(b"nothing")
    assert runner.invoke(main, ["events", "import", str(calendar)]).exit_code == 1
