"""`calendar import-ics`: company holiday calendars (Google, Outlook) become blackouts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cadence.formats.ics_import import (
    IcsImportError,
    merge_blackouts,
    merge_ranges,
    read_ics_blackouts,
)
from cadence.formats.plan_io import read_plan_file, write_plan_file
from cadence.model import Blackout
from cadence.validate import build_plan
from cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"

RAW_PLAN = {
    "cadence": 1,
    "id": "imp",
    "name": "Import test",
    "timezone": "Europe/Berlin",
    "start": "2027-01-04",
    "end": "2027-12-31",
    "calendar": {
        "blackouts": [{"name": "Year-end freeze", "start": "2027-12-20", "end": "2027-12-31"}]
    },
    "teams": [{"id": "mkt", "name": "Marketing", "color": "#2b7bb9"}],
    "products": [
        {
            "id": "p",
            "name": "Product",
            "stages": [{"id": "s", "name": "Stage", "days": 7, "owner": "mkt"}],
            "touches": [
                {"id": "t", "name": "Touch", "channel": "email", "owner": "mkt", "stage": "s"}
            ],
            "cohorts": {"dates": ["2027-01-04"]},
        }
    ],
}


def read(name: str, **kwargs: object):
    return read_ics_blackouts(
        (FIXTURES / name).read_bytes(),
        first=date(2027, 1, 4),
        last=date(2027, 12, 31),
        timezone="Europe/Berlin",
    )


def test_google_holiday_calendar():
    found = read("holidays_google.ics")
    assert found.blackouts == (
        Blackout("Bridge day (after Ascension)", date(2027, 5, 14), date(2027, 5, 14)),
        # A yearly event whose 2027 instance was moved a day earlier (RECURRENCE-ID).
        Blackout("Summer party", date(2027, 7, 2), date(2027, 7, 2)),
        # Multi-day: DTEND 2028-01-01 is exclusive.
        Blackout("Christmas break", date(2027, 12, 24), date(2027, 12, 31)),
    )
    assert (found.events, found.cancelled, found.outside, found.timed_skipped) == (6, 1, 1, 0)


def test_outlook_holiday_calendar():
    found = read("holidays_outlook.ics")
    assert found.blackouts == (
        Blackout("Betriebsausflug – Büro geschlossen", date(2027, 6, 16), date(2027, 6, 17)),
        # Outlook's all-day written as midnight to midnight in a Windows zone.
        Blackout("Works council day", date(2027, 11, 5), date(2027, 11, 5)),
    )
    assert found.timed_skipped == 1  # the half-day town hall is not a day off


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "not_a_calendar.ics",
            "not an iCalendar file: it must start with BEGIN:VCALENDAR, got '<!DOCTYPE html>'",
        ),
        ("malformed_truncated.ics", "the file is cut short: END:VCALENDAR is missing at its end"),
        (
            "malformed_dates.ics",
            "event 2 \"Nonsense day\" (UID bad-date): unreadable DTSTART '20271345' "
            "(Wrong date format 20271345)",
        ),
        (
            "malformed_backwards.ics",
            'event 1 "Summer closure" (UID backwards): DTEND 2027-08-05 is before DTSTART 2027-08-10',
        ),
    ],
)
def test_malformed_files_give_clear_errors(name, message):
    with pytest.raises(IcsImportError) as err:
        read(name)
    assert str(err.value) == message


def test_not_utf8_and_unbalanced_components():
    with pytest.raises(IcsImportError, match=r"not UTF-8 text \(byte 25\)"):
        read_ics_blackouts(
            b"BEGIN:VCALENDAR\r\nSUMMARY:\xff\xfe\r\nEND:VCALENDAR\r\n",
            first=date(2027, 1, 1),
            last=date(2027, 12, 31),
        )
    with pytest.raises(IcsImportError, match="a component is not closed"):
        read_ics_blackouts(
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",
            first=date(2027, 1, 1),
            last=date(2027, 12, 31),
        )


def test_recurring_daily_rule_is_expanded_only_inside_the_horizon():
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:r\r\n"
        "DTSTART;VALUE=DATE:20200106\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20270125T000000Z\r\n"
        "SUMMARY:Monday off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    found = read_ics_blackouts(data, first=date(2027, 1, 4), last=date(2027, 12, 31))
    assert [b.start for b in found.blackouts] == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]


def test_merge_ranges_joins_touching_days_of_one_name():
    days = [Blackout("Break", date(2027, 12, d), date(2027, 12, d)) for d in (27, 24, 28, 25)]
    assert merge_ranges(days) == (
        Blackout("Break", date(2027, 12, 24), date(2027, 12, 25)),
        Blackout("Break", date(2027, 12, 27), date(2027, 12, 28)),
    )


def test_merge_blackouts_adds_no_duplicates():
    plan = build_plan(RAW_PLAN)
    new = (
        Blackout("Christmas break", date(2027, 12, 24), date(2027, 12, 31)),
        Blackout("year-end  FREEZE", date(2027, 12, 21), date(2027, 12, 22)),  # covered
    )
    merged = merge_blackouts(plan, new)
    assert merged.added == (new[0],)
    assert merged.already_there == (new[1],)
    assert merged.plan.calendar.blackouts == (
        Blackout("Year-end freeze", date(2027, 12, 20), date(2027, 12, 31)),
        Blackout("Christmas break", date(2027, 12, 24), date(2027, 12, 31)),
    )
    again = merge_blackouts(merged.plan, new)
    assert again.added == () and again.plan is merged.plan


# --- the command --------------------------------------------------------------------


@pytest.fixture
def plan_json(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(RAW_PLAN, indent=2), encoding="utf-8")
    return path


def test_cli_import_into_json_then_reimport_changes_nothing(plan_json, capsys):
    ics = str(FIXTURES / "holidays_google.ics")
    assert main(["calendar", "import-ics", str(plan_json), ics, "--as", "blackouts"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "  + 2027-05-14 – 2027-05-14  Bridge day (after Ascension)",
        "  + 2027-07-02 – 2027-07-02  Summer party",
        "  + 2027-12-24 – 2027-12-31  Christmas break",
        f"Added 3 blackouts to {plan_json} (1 cancelled event skipped; "
        "1 event outside the plan's horizon; "
        "1 recurring event cut to the plan's horizon 2027-01-04 – 2027-12-31)",
    ]
    plan = read_plan_file(plan_json)
    assert [b.name for b in plan.calendar.blackouts] == [
        "Year-end freeze",
        "Bridge day (after Ascension)",
        "Summer party",
        "Christmas break",
    ]
    assert plan.updated is not None  # the plan changed: exports get a new DTSTAMP
    after_first = plan_json.read_bytes()
    assert main(["calendar", "import-ics", str(plan_json), ics]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Added 0 blackouts to {plan_json} (3 already in the plan; 1 cancelled event skipped; "
        "1 event outside the plan's horizon; "
        "1 recurring event cut to the plan's horizon 2027-01-04 – 2027-12-31)"
    )
    assert plan_json.read_bytes() == after_first


def test_cli_import_into_cadence_document(plan_json, tmp_path, capsys):
    doc = tmp_path / "plan.cadence"
    write_plan_file(read_plan_file(plan_json), doc)
    assert main(["calendar", "import-ics", str(doc), str(FIXTURES / "holidays_outlook.ics")]) == 0
    blackouts = read_plan_file(doc).calendar.blackouts
    assert blackouts[1:] == (
        Blackout("Betriebsausflug – Büro geschlossen", date(2027, 6, 16), date(2027, 6, 17)),
        Blackout("Works council day", date(2027, 11, 5), date(2027, 11, 5)),
    )


@pytest.mark.parametrize(
    "name",
    [
        "not_a_calendar.ics",
        "malformed_truncated.ics",
        "malformed_dates.ics",
        "malformed_backwards.ics",
    ],
)
def test_cli_malformed_file_exits_2_and_changes_nothing(plan_json, name, capsys):
    before = plan_json.read_bytes()
    assert main(["calendar", "import-ics", str(plan_json), str(FIXTURES / name)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{FIXTURES / name}: ")
    assert err.rstrip().endswith("— the plan was not changed")
    assert plan_json.read_bytes() == before
    assert sorted(p.name for p in plan_json.parent.iterdir()) == ["plan.json"]


def test_cli_dry_run_and_missing_file(plan_json, capsys):
    before = plan_json.read_bytes()
    ics = str(FIXTURES / "holidays_outlook.ics")
    assert main(["calendar", "import-ics", str(plan_json), ics, "--dry-run"]) == 0
    assert "Would add 2 blackouts" in capsys.readouterr().out
    assert plan_json.read_bytes() == before
    assert main(["calendar", "import-ics", str(plan_json), "nope.ics"]) == 2
    assert "nope.ics: cannot read (No such file or directory)" in capsys.readouterr().err


def test_a_daily_rule_from_year_one_is_cut_to_the_horizon_and_says_so(plan_json, tmp_path, capsys):
    source = tmp_path / "forever.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:d\r\n"
        "DTSTART;VALUE=DATE:00010101\r\nRRULE:FREQ=DAILY;INTERVAL=3\r\n"
        "SUMMARY:Every third day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    found = read_ics_blackouts(source.read_bytes(), first=date(2027, 1, 4), last=date(2027, 12, 31))
    # 0001-01-01 is ordinal 1; every third day from it: 2027-01-06 is 739,987 = 1 + 3 × 246,662.
    assert found.blackouts[:2] == (
        Blackout("Every third day", date(2027, 1, 6), date(2027, 1, 6)),
        Blackout("Every third day", date(2027, 1, 9), date(2027, 1, 9)),
    )
    assert (len(found.blackouts), found.cut) == (120, 1)
    assert main(["calendar", "import-ics", str(plan_json), str(source), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Would add 120 blackouts to {plan_json} (1 recurring event cut to the plan's "
        "horizon 2027-01-04 – 2027-12-31); nothing written (--dry-run)"
    )


def test_an_all_day_rule_repeating_every_second_since_1970_is_skipped_at_once(
    plan_json, tmp_path, capsys
):
    source = tmp_path / "seconds.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:s\r\n"
        "DTSTART;VALUE=DATE:19700101\r\nRRULE:FREQ=SECONDLY\r\n"
        "SUMMARY:Tick\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    assert main(["calendar", "import-ics", str(plan_json), str(source)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Added 0 blackouts to {plan_json} (1 event repeating more often than daily skipped "
        "(not whole days))"
    ]
