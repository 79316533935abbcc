"""iCal export: the bytes, and what three independent parsers read from them.

The sample plan is small and hand-made; its occurrences are written out here
literally (what the engine gives for it is checked in test_ical_engine.py), so
these tests pin the serializer alone.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from dateutil import tz as dateutil_tz
from ical.calendar_stream import IcsCalendarStream

from cadence.formats.export_common import (
    ExportCancelled,
    ExportError,
    ExportFilter,
    parse_include,
    select_occurrences,
)
from cadence.formats.ical import (
    css_color_name,
    escape_text,
    export_ics,
    fold,
    ics_bytes,
    read_sequences,
    vtimezone,
)
from cadence.model import Gap, Occurrence, Schedule
from cadence.validate import build_plan

BERLIN = ZoneInfo("Europe/Berlin")
LONG_TITLE = (
    "Willkommen bei Analytics — Ihr persönlicher Einstieg 🎉 in die Plattform für Entscheider"
)
EVIL_TITLE = 'Evil, "quoted"; back\\slash\nBEGIN:VEVENT\r\nUID:injected\u2028END:VEVENT'

RAW_PLAN = {
    "cadence": 1,
    "id": "t",
    "name": "Test plan; Q1, 2027",
    "timezone": "Europe/Berlin",
    "start": "2027-03-01",
    "end": "2027-04-30",
    "updated": "2027-02-15T08:00:00Z",
    "calendar": {"holidays": {"country": "DE", "subdivision": "BE"}},
    "teams": [
        {"id": "mkt", "name": "Marketing", "color": "#2b7bb9"},
        {"id": "sdr", "name": "Sales, development", "color": "#e67e22"},
    ],
    "products": [
        {
            "id": "analytics",
            "name": "Analytics",
            "stages": [
                {"id": "nurture", "name": "Nurture", "days": 28, "owner": "mkt"},
                {"id": "qualify", "name": "Qualification", "days": 10, "owner": None},
            ],
            "touches": [
                {"id": "welcome", "name": LONG_TITLE, "channel": "email", "owner": "mkt",
                 "stage": "nurture", "offset_days": 0},
                {"id": "digest", "name": "Blog digest", "channel": "email", "owner": "mkt",
                 "stage": "nurture", "offset_days": 2, "every_days": 7, "time": "09:30"},
                {"id": "evil", "name": EVIL_TITLE, "channel": "social", "owner": "mkt",
                 "stage": "nurture", "offset_days": 4},
                {"id": "call", "name": "Discovery call", "channel": "call", "owner": "sdr",
                 "stage": "nurture", "offset_days": 14, "time": "10:00", "automated": False},
            ],
            "cohorts": {"dates": ["2027-03-15"], "size": 80},
        }
    ],
    "broadcasts": [
        {"id": "newsletter", "name": "Monthly newsletter", "channel": "newsletter",
         "owner": "mkt", "rrule": "FREQ=MONTHLY;BYDAY=1TU", "dtstart": "2027-03-02",
         "time": "10:00", "products": ["analytics"]},
    ],
}  # fmt: skip

PLAN = build_plan(RAW_PLAN)
COHORT = date(2027, 3, 15)


def _touch(touch: str, name: str, day: date, at: time | None, channel: str, owner: str,
           repeat: int = 0, nominal: date | None = None, automated: bool = True) -> Occurrence:  # fmt: skip
    return Occurrence(
        uid=f"t.analytics.{touch}.20270315.{repeat}@cadence",
        date=day,
        time=at,
        product="analytics",
        cohort=COHORT,
        stage="nurture",
        touch=touch,
        name=name,
        channel=channel,
        owner=owner,
        automated=automated,
        leads=80.0,
        nominal=nominal or day,
        repeat=repeat,
    )


def _newsletter(index: int, day: date) -> Occurrence:
    return Occurrence(
        uid=f"t.broadcast.newsletter.{index}@cadence",
        date=day,
        time=time(10, 0),
        product=None,
        cohort=None,
        stage=None,
        touch="newsletter",
        name="Monthly newsletter",
        channel="newsletter",
        owner="mkt",
        automated=True,
        leads=0.0 if index == 0 else 80.0,  # on 2 March no cohort has started yet
        nominal=day,
        repeat=index,
        kind="broadcast",
    )


T930, T1000 = time(9, 30), time(10, 0)
OCCURRENCES = (
    _newsletter(0, date(2027, 3, 2)),
    _touch("welcome", LONG_TITLE, date(2027, 3, 15), None, "email", "mkt"),
    _touch("digest", "Blog digest", date(2027, 3, 17), T930, "email", "mkt", 0),
    _touch("evil", EVIL_TITLE, date(2027, 3, 19), None, "social", "mkt"),
    _touch("digest", "Blog digest", date(2027, 3, 24), T930, "email", "mkt", 1),
    # Easter Monday (29 March 2027) is a holiday in Germany: rolled forward a day.
    _touch(
        "call",
        "Discovery call",
        date(2027, 3, 30),
        T1000,
        "call",
        "sdr",
        nominal=date(2027, 3, 29),
        automated=False,
    ),  # fmt: skip
    _touch("digest", "Blog digest", date(2027, 3, 31), T930, "email", "mkt", 2),
    _newsletter(1, date(2027, 4, 6)),
    _touch("digest", "Blog digest", date(2027, 4, 7), T930, "email", "mkt", 3),
)
SCHEDULE = Schedule(OCCURRENCES)
GAPS = (
    Gap(
        kind="unowned",
        product="analytics",
        cohort=COHORT,
        stage="qualify",
        team=None,
        start=date(2027, 4, 12),
        end=date(2027, 4, 21),
        message="no team owns the lead in Qualification for 10 days",
    ),
)

# What every parser must read: UID, start (UTC instant or date), end, summary.
EXPECTED = [
    ("t.broadcast.newsletter.0@cadence", datetime(2027, 3, 2, 9, 0, tzinfo=UTC),
     datetime(2027, 3, 2, 9, 15, tzinfo=UTC), "Monthly newsletter"),
    ("t.analytics.welcome.20270315.0@cadence", date(2027, 3, 15), date(2027, 3, 16),
     f"{LONG_TITLE} — Analytics · cohort 03-15"),
    ("t.analytics.digest.20270315.0@cadence", datetime(2027, 3, 17, 8, 30, tzinfo=UTC),
     datetime(2027, 3, 17, 8, 45, tzinfo=UTC), "Blog digest — Analytics · cohort 03-15"),
    ("t.analytics.evil.20270315.0@cadence", date(2027, 3, 19), date(2027, 3, 20),
     'Evil, "quoted"; back\\slash\nBEGIN:VEVENT\nUID:injected\nEND:VEVENT'
     " — Analytics · cohort 03-15"),
    ("t.analytics.digest.20270315.1@cadence", datetime(2027, 3, 24, 8, 30, tzinfo=UTC),
     datetime(2027, 3, 24, 8, 45, tzinfo=UTC), "Blog digest — Analytics · cohort 03-15"),
    # After the change to summer time (28 March): 09:30 in Berlin is 07:30 UTC.
    ("t.analytics.call.20270315.0@cadence", datetime(2027, 3, 30, 8, 0, tzinfo=UTC),
     datetime(2027, 3, 30, 8, 30, tzinfo=UTC), "Discovery call — Analytics · cohort 03-15"),
    ("t.analytics.digest.20270315.2@cadence", datetime(2027, 3, 31, 7, 30, tzinfo=UTC),
     datetime(2027, 3, 31, 7, 45, tzinfo=UTC), "Blog digest — Analytics · cohort 03-15"),
    ("t.broadcast.newsletter.1@cadence", datetime(2027, 4, 6, 8, 0, tzinfo=UTC),
     datetime(2027, 4, 6, 8, 15, tzinfo=UTC), "Monthly newsletter"),
    ("t.analytics.digest.20270315.3@cadence", datetime(2027, 4, 7, 7, 30, tzinfo=UTC),
     datetime(2027, 4, 7, 7, 45, tzinfo=UTC), "Blog digest — Analytics · cohort 03-15"),
]  # fmt: skip
EXPECTED_GAP = (
    "t.gap.unowned.analytics.20270315.qualify.-.20270412@cadence",
    date(2027, 4, 12),
    date(2027, 4, 22),
    "⚠ Unowned 10 days: Qualification — Analytics, cohort 2027-03-15",
)


def sample(**options: object) -> bytes:
    return ics_bytes(PLAN, SCHEDULE, GAPS, **options)


def _norm(value: date | datetime) -> date | datetime:
    """A timed value as its UTC instant; a date stays a date."""
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"floating time {value}"
        return value.astimezone(UTC)
    return value


# --- three parsers ------------------------------------------------------------------


def parse_icalendar(data: bytes) -> list[tuple]:
    cal = icalendar.Calendar.from_ical(data)
    out = []
    for ev in cal.walk("VEVENT"):
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        if isinstance(start, datetime):
            assert str(ev["DTSTART"].params["TZID"]) == "Europe/Berlin"
        out.append((str(ev["UID"]), _norm(start), _norm(end), str(ev["SUMMARY"])))
    return out


def parse_ical(data: bytes) -> list[tuple]:
    cal = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    out = []
    for ev in cal.events:
        if isinstance(ev.dtstart, datetime):
            assert ev.dtstart.tzinfo is not None
            assert str(ev.dtstart.tzinfo) == "Europe/Berlin"
        out.append((ev.uid, _norm(ev.dtstart), _norm(ev.dtend), ev.summary))
    return out


def parse_vobject(data: bytes) -> list[tuple]:
    # vobject turns our VTIMEZONE itself into a tzinfo: this checks the VTIMEZONE.
    cal = vobject.readOne(data.decode("utf-8"))
    out = []
    for ev in cal.vevent_list:
        out.append((ev.uid.value, _norm(ev.dtstart.value), _norm(ev.dtend.value), ev.summary.value))
    return out


PARSERS = [parse_icalendar, parse_ical, parse_vobject]


@pytest.mark.parametrize("parse", PARSERS, ids=["icalendar", "ical", "vobject"])
def test_three_parsers_read_exactly_the_events_meant(parse):
    events = parse(sample())
    assert len(events) == 9
    assert events == EXPECTED


@pytest.mark.parametrize("parse", PARSERS, ids=["icalendar", "ical", "vobject"])
def test_three_parsers_read_gap_events(parse):
    events = parse(sample(include={"touches", "broadcasts", "gaps"}))
    assert len(events) == 10
    assert events[:9] == EXPECTED
    assert events[9] == EXPECTED_GAP


def test_only_gaps_calendar():
    data = sample(include={"gaps"})
    assert parse_icalendar(data) == [EXPECTED_GAP]
    assert b"BEGIN:VTIMEZONE" not in data  # all-day only: no zone needed
    assert b"X-WR-CALNAME:Test plan\\; Q1\\, 2027 \xe2\x80\x94 gaps\r\n" in data


def test_calendar_properties():
    cal = icalendar.Calendar.from_ical(sample())
    assert str(cal["PRODID"]) == "-//Cadence//Cadence nurture planner//EN"
    # No METHOD: RFC 5546 PUBLISH requires an ORGANIZER; a plain calendar file has none.
    assert "METHOD" not in cal
    assert str(cal["VERSION"]) == "2.0"
    # X- and RFC 7986 NAME values are TEXT, so escaped; icalendar keeps them raw,
    # vobject unescapes them.
    assert str(cal["X-WR-CALNAME"]) == "Test plan\\; Q1\\, 2027"
    assert str(cal["NAME"]) == "Test plan\\; Q1\\, 2027"
    assert vobject.readOne(sample().decode()).x_wr_calname.value == "Test plan; Q1, 2027"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    strict = IcsCalendarStream.calendar_from_ics(sample().decode())
    assert [tz.tz_id for tz in strict.timezones] == ["Europe/Berlin"]
    assert strict.prodid == "-//Cadence//Cadence nurture planner//EN"


def test_event_details_description_categories_color():
    cal = icalendar.Calendar.from_ical(sample())
    call = next(e for e in cal.walk("VEVENT") if "call" in str(e["UID"]))
    assert str(call["DESCRIPTION"]) == (
        "Discovery call\nProduct: Analytics\nStage: Nurture\nCohort: 2027-03-15 (80 expected leads)\n"
        "Planned for 2027-03-29 (holiday: Easter Monday), moved later to 2027-03-30\n"
        "Channel: Call\nOwner: Sales, development\nManual (done by a person)"
    )
    assert [str(c) for c in call["CATEGORIES"].cats] == ["Call", "Sales, development"]
    assert str(call["COLOR"]) == "chocolate"  # nearest CSS3 name to #e67e22
    assert str(call["TRANSP"]) == "OPAQUE"
    assert int(call["SEQUENCE"]) == 0
    assert call.decoded("DTSTAMP") == datetime(2027, 2, 15, 8, 0, tzinfo=UTC)
    assert call.decoded("LAST-MODIFIED") == datetime(2027, 2, 15, 8, 0, tzinfo=UTC)
    welcome = next(e for e in cal.walk("VEVENT") if "welcome" in str(e["UID"]))
    assert str(welcome["COLOR"]) == "steelblue"  # #2b7bb9
    assert str(welcome["TRANSP"]) == "TRANSPARENT"
    assert "Automated" in str(welcome["DESCRIPTION"])


def test_broadcast_description_names_its_audience():
    cal = icalendar.Calendar.from_ical(sample())
    first = next(e for e in cal.walk("VEVENT") if "newsletter.0" in str(e["UID"]))
    assert str(first["DESCRIPTION"]) == (
        "Monthly newsletter\nBroadcast\nReaches: leads of Analytics\n"
        "Channel: Newsletter\nOwner: Marketing\nAutomated"
    )
    second = next(e for e in cal.walk("VEVENT") if "newsletter.1" in str(e["UID"]))
    assert "\nReaches: leads of Analytics\nExpected leads: 80\n" in str(second["DESCRIPTION"])


# --- the bytes ----------------------------------------------------------------------


def test_lines_end_in_crlf_and_fold_within_75_octets():
    data = sample(include={"touches", "broadcasts", "gaps"})
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # every physical line is whole UTF-8: no split sequence


def test_injection_title_stays_one_property():
    data = sample()
    unfolded = data.replace(b"\r\n ", b"")
    lines = unfolded.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == 9
    assert not any(line.startswith(b"UID:injected") for line in lines)
    assert not any(line.startswith(b"END:VEVENT") and line != b"END:VEVENT" for line in lines)
    assert (
        b'SUMMARY:Evil\\, "quoted"\\; back\\\\slash\\nBEGIN:VEVENT\\nUID:injected'
        b"\\nEND:VEVENT \xe2\x80\x94 Analytics \xc2\xb7 cohort 03-15" in lines
    )


def test_long_utf8_title_is_folded_between_characters():
    data = sample()
    summary_start = data.index(b"SUMMARY:Willkommen")
    physical = data[summary_start:].split(b"\r\n")
    assert len(physical[0]) <= 75 and len(physical[1]) <= 75
    assert physical[1].startswith(b" ")
    assert physical[0].decode("utf-8") and physical[1].decode("utf-8")
    joined = (physical[0] + physical[1][1:] + physical[2][1:]).decode("utf-8")
    assert joined.startswith(f"SUMMARY:{LONG_TITLE} — Analytics")


def test_fold_literal_cases():
    assert fold("A" * 75) == "A" * 75
    assert fold("A" * 76) == "A" * 75 + "\r\n " + "A"
    assert fold("A" * 75 + "B" * 74 + "C") == "A" * 75 + "\r\n " + "B" * 74 + "\r\n C"
    # 74 ASCII octets and a 4-octet emoji: the emoji moves whole to the next line.
    assert fold("x" * 74 + "🎉") == "x" * 74 + "\r\n 🎉"
    # 73 octets + 'é' (2 octets) = 75: fits on one line.
    assert fold("y" * 73 + "é") == "y" * 73 + "é"
    assert fold("y" * 74 + "é") == "y" * 74 + "\r\n é"


def test_escape_text_literal_cases():
    assert escape_text("a,b;c\\d") == "a\\,b\\;c\\\\d"
    assert escape_text("one\r\ntwo\nthree\rfour") == "one\\ntwo\\nthree\\nfour"
    assert escape_text("x\u2028y\u2029z\x85w") == "x\\ny\\nz\\nw"
    assert escape_text("bell\x07null\x00tab\tok") == "bellnulltab\tok"
    assert escape_text("🎉 ünï") == "🎉 ünï"


def test_escape_text_changes_exactly_the_characters_of_its_table():
    assert escape_text("Touch 1 — Product 1 · cohort 03-01") == "Touch 1 — Product 1 · cohort 03-01"
    assert escape_text("tab\tstays") == "tab\tstays"
    assert escape_text("v\x0bf\x0c") == "v\\nf\\n"
    assert escape_text("del\x7f") == "del"


def test_escape_text_of_the_four_common_characters_alone_and_with_a_rare_one():
    # Backslash, semicolon, comma and newline alone take the replace path; one rare
    # character (CR, a control character) sends the same text through the table.
    assert escape_text("a\\;b,\nc\\\\n") == "a\\\\\\;b\\,\\nc\\\\\\\\n"
    assert escape_text("a\\;b,\nc\x07\r") == "a\\\\\\;b\\,\\nc\\n"
    assert escape_text("agenda:\n- one, two\n" * 3) == "agenda:\\n- one\\, two\\n" * 3


def test_css_color_name():
    assert css_color_name("#2b7bb9") == "steelblue"
    assert css_color_name("#ff0000") == "red"
    assert css_color_name("#fff") == "white"
    assert css_color_name("not a colour") is None


# --- re-export and SEQUENCE ---------------------------------------------------------


def test_reexport_of_unchanged_plan_is_byte_identical(tmp_path):
    path = tmp_path / "plan.ics"
    export_ics(PLAN, SCHEDULE, GAPS, path)
    first = path.read_bytes()
    export_ics(PLAN, SCHEDULE, GAPS, path)
    assert path.read_bytes() == first
    assert sample() == first  # the stream form writes the same bytes


def test_dtstamp_without_updated_is_the_export_time_never_the_plan_start():
    from dataclasses import replace

    now = datetime(2026, 12, 6, 21, 0, 5, tzinfo=UTC)
    data = ics_bytes(replace(PLAN, updated=None), SCHEDULE, now=now)
    assert b"DTSTAMP:20261206T210005Z\r\nLAST-MODIFIED:20261206T210005Z\r\n" in data
    assert b"DTSTAMP:20270301T000000Z" not in data  # the plan's start, in the future
    # Without a clock and without `updated`: the epoch, still never the future.
    assert b"DTSTAMP:19700101T000000Z\r\n" in ics_bytes(replace(PLAN, updated=None), SCHEDULE)


def test_sequence_grows_only_for_moved_events(tmp_path):

    path = tmp_path / "plan.ics"
    export_ics(PLAN, SCHEDULE, (), path)
    moved = tuple(
        o._replace(date=o.date + timedelta(days=1)) if o.touch == "evil" else o for o in OCCURRENCES
    )
    export_ics(PLAN, Schedule(moved), (), path)
    sequences = read_sequences(path)
    assert sequences["t.analytics.evil.20270315.0@cadence"] == 1
    assert sequences["t.analytics.welcome.20270315.0@cadence"] == 0
    # Exporting again without change keeps SEQUENCE 1 (and the bytes).
    before = path.read_bytes()
    export_ics(PLAN, Schedule(moved), (), path)
    assert path.read_bytes() == before
    # Moved back: the date changed again, so SEQUENCE goes on growing.
    export_ics(PLAN, SCHEDULE, (), path)
    assert read_sequences(path)["t.analytics.evil.20270315.0@cadence"] == 2
    # Without keeping state, every event is SEQUENCE 0.
    export_ics(PLAN, SCHEDULE, (), path, keep_sequence=False)
    assert set(read_sequences(path).values()) == {0}


def test_text_only_change_bumps_sequence_and_stamp_and_never_goes_back(tmp_path):

    path = tmp_path / "plan.ics"
    export_ics(PLAN, SCHEDULE, (), path)  # stamps: the plan's updated, 2027-02-15 08:00
    renamed = tuple(
        o._replace(name="Discovery call (30 min)") if o.touch == "call" else o for o in OCCURRENCES
    )
    # Edited without recording `updated`: the export time stamps the changed event,
    # but an export time before the previous stamp never moves it back.
    export_ics(PLAN, Schedule(renamed), (), path, now=datetime(2027, 1, 1, tzinfo=UTC))
    events = {
        str(e["UID"]): e for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    }
    call = events["t.analytics.call.20270315.0@cadence"]
    assert int(call["SEQUENCE"]) == 1
    assert call.decoded("DTSTAMP") == datetime(2027, 2, 15, 8, 0, 1, tzinfo=UTC)
    assert call.decoded("LAST-MODIFIED") == datetime(2027, 2, 15, 8, 0, 1, tzinfo=UTC)
    welcome = events["t.analytics.welcome.20270315.0@cadence"]
    assert (int(welcome["SEQUENCE"]), welcome.decoded("DTSTAMP")) == (
        0,
        datetime(2027, 2, 15, 8, 0, tzinfo=UTC),
    )
    # A later edit at a later time: the new time, SEQUENCE 2.
    again = tuple(o._replace(name="Discovery call") if o.touch == "call" else o for o in renamed)
    export_ics(PLAN, Schedule(again), (), path, now=datetime(2027, 3, 2, 9, 30, tzinfo=UTC))
    call = next(
        e for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        if str(e["UID"]) == "t.analytics.call.20270315.0@cadence"
    )  # fmt: skip
    assert int(call["SEQUENCE"]) == 2
    assert call.decoded("DTSTAMP") == datetime(2027, 3, 2, 9, 30, tzinfo=UTC)


def test_a_previous_file_folded_otherwise_keeps_unchanged_events(tmp_path):
    # Another program re-folded every line at 40 octets (the same content lines): the
    # lines as written differ, their digests do not — only the moved event changed.
    path = tmp_path / "plan.ics"
    export_ics(PLAN, SCHEDULE, (), path)
    ours = path.read_bytes()
    lines = ours.replace(b"\r\n ", b"").split(b"\r\n")  # (cut inside UTF-8 sequences too)
    path.write_bytes(b"\r\n".join(line[:40] + b"\r\n " + line[40:] if len(line) > 40 else line
                                  for line in lines))  # fmt: skip
    assert path.read_bytes() != ours
    moved = tuple(
        o._replace(date=o.date + timedelta(days=1)) if o.touch == "evil" else o for o in OCCURRENCES
    )
    export_ics(PLAN, Schedule(moved), (), path, now=datetime(2027, 3, 2, 9, 30, tzinfo=UTC))
    data = path.read_bytes()
    assert b"SEQUENCE:1\r\n" in data and data.count(b"SEQUENCE:1\r\n") == 1
    assert read_sequences(path)["t.analytics.evil.20270315.0@cadence"] == 1
    assert read_sequences(path)["t.analytics.welcome.20270315.0@cadence"] == 0
    assert data.count(b"DTSTAMP:20270302T093000Z\r\n") == 1  # only the moved one


def test_foreign_previous_file_is_ignored_for_sequence(tmp_path):
    path = tmp_path / "plan.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//Other//EN\r\nEND:VCALENDAR\r\n")
    assert read_sequences(path) == {}
    export_ics(PLAN, SCHEDULE, (), path)
    assert b"SEQUENCE:1" not in path.read_bytes()


# --- filters ------------------------------------------------------------------------


def _uids(data: bytes) -> list[str]:
    return [str(e["UID"]) for e in icalendar.Calendar.from_ical(data).walk("VEVENT")]


def test_filter_by_team():
    assert _uids(sample(team="sdr")) == ["t.analytics.call.20270315.0@cadence"]
    assert b"X-WR-CALNAME:Test plan\\; Q1\\, 2027 \xe2\x80\x94 Sales\\, development\r\n" in (
        sample(team="sdr")
    )
    assert b"X-APPLE-CALENDAR-COLOR:#e67e22\r\n" in sample(team="sdr")


def test_filter_by_range_and_product():
    assert _uids(sample(start=date(2027, 3, 24), end=date(2027, 3, 31))) == [
        "t.analytics.digest.20270315.1@cadence",
        "t.analytics.call.20270315.0@cadence",
        "t.analytics.digest.20270315.2@cadence",
    ]
    # A product's calendar keeps the broadcasts that reach its leads.
    assert len(_uids(sample(product="analytics"))) == 9


def test_filter_include_only_broadcasts():
    assert _uids(sample(include={"broadcasts"})) == [
        "t.broadcast.newsletter.0@cadence",
        "t.broadcast.newsletter.1@cadence",
    ]


def test_select_occurrences_is_reusable_by_the_gui():
    chosen = select_occurrences(PLAN, OCCURRENCES, ExportFilter(team="mkt", end=date(2027, 3, 15)))
    assert [o.uid for o in chosen] == [
        "t.broadcast.newsletter.0@cadence",
        "t.analytics.welcome.20270315.0@cadence",
    ]


def test_bad_filters_say_what_is_wrong():
    with pytest.raises(ExportError, match=r"--team: unknown team 'ops' \(teams: mkt, sdr\)"):
        sample(team="ops")
    with pytest.raises(ExportError, match=r"--product: unknown product 'crm'"):
        sample(product="crm")
    with pytest.raises(ExportError, match=r"--to 2027-03-01 is before --from 2027-03-05"):
        sample(start=date(2027, 3, 5), end=date(2027, 3, 1))
    with pytest.raises(ExportError, match=r"--include: unknown part 'tasks'"):
        parse_include("touches,tasks")
    assert parse_include(" Touches , gaps ") == frozenset({"touches", "gaps"})


def test_empty_selection_is_a_valid_calendar():
    data = sample(start=date(2027, 4, 20), end=date(2027, 4, 30))
    assert _uids(data) == []
    assert len(IcsCalendarStream.calendar_from_ics(data.decode()).events) == 0


# --- time zones ---------------------------------------------------------------------


def test_vtimezone_berlin_literal():
    # From the year before (so an observance precedes every entry); yearly rules
    # as Outlook and Google write them.
    assert vtimezone("Europe/Berlin", 2027, 2027) == (
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "TZNAME:CEST",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "DTSTART:20260329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZNAME:CET",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "DTSTART:20261025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    )


def test_vtimezone_rule_that_stops_gets_until_and_irregular_dates_get_rdate():
    sao_paulo = vtimezone("America/Sao_Paulo", 2019, 2027)
    assert "RRULE:FREQ=YEARLY;BYMONTH=2;BYDAY=3SU;UNTIL=20190218T020000Z" in sao_paulo
    assert vtimezone("Asia/Kolkata", 2027, 2027) == (
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Kolkata",
        "BEGIN:STANDARD",
        "TZNAME:IST",
        "TZOFFSETFROM:+0530",
        "TZOFFSETTO:+0530",
        "DTSTART:19700101T000000",
        "END:STANDARD",
        "END:VTIMEZONE",
    )
    assert any(line.startswith("RDATE:") for line in vtimezone("Africa/Casablanca", 2019, 2020))


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",  # southern hemisphere: summer time across the new year
    "Asia/Kolkata",  # +05:30, no DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Europe/Dublin",  # tzdata calls winter time a negative DST
    "America/Sao_Paulo",  # DST abolished in 2019: a rule with UNTIL
    "Pacific/Apia",  # DST abolished in 2021
    "America/Santiago",  # irregular dates: RDATE
    "Africa/Casablanca",  # Ramadan changes
]


def _instants(zone_name: str, first_year: int, last_year: int) -> list[datetime]:
    """Twice a day, and around every change the zone makes (found by a plain scan)."""
    zone = ZoneInfo(zone_name)
    out = []
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    before = moment.astimezone(zone).utcoffset()
    while moment < datetime(last_year + 1, 1, 1, tzinfo=UTC):
        out.append(moment)
        offset = moment.astimezone(zone).utcoffset()
        if offset != before:  # a change in the last 12 hours: look every 5 minutes
            out += [moment - timedelta(minutes=m) for m in range(5, 12 * 60, 5)]
            before = offset
        moment += timedelta(hours=12)
    return out


@pytest.mark.parametrize("zone_name", ZONES)
def test_vtimezone_matches_zoneinfo_every_hour(zone_name):
    """icalendar builds a tzinfo from our VTIMEZONE alone: same offsets as zoneinfo."""
    text = "\r\n".join(vtimezone(zone_name, 2019, 2027)) + "\r\n"
    built = icalendar.Timezone.from_ical(text).to_tz()
    zone = ZoneInfo(zone_name)
    wrong = [
        m
        for m in _instants(zone_name, 2019, 2027)
        if m.astimezone(built).utcoffset() != m.astimezone(zone).utcoffset()
    ]
    assert wrong == []


@pytest.mark.parametrize("zone_name", [z for z in ZONES if z != "Africa/Casablanca"])
def test_vtimezone_matches_zoneinfo_in_dateutil(zone_name):
    # dateutil's tzical is a second, independent reader of VTIMEZONE rules
    # (it misreads one ambiguous hour of Casablanca's irregular 2019 rules).
    text = (
        "BEGIN:VCALENDAR\r\n"
        + "\r\n".join(vtimezone(zone_name, 2019, 2027))
        + "\r\nEND:VCALENDAR\r\n"
    )
    built = dateutil_tz.tzical(io.StringIO(text)).get(zone_name)
    zone = ZoneInfo(zone_name)
    wrong = [
        m
        for m in _instants(zone_name, 2019, 2027)
        if m.astimezone(built).utcoffset() != m.astimezone(zone).utcoffset()
    ]
    assert wrong == []


def test_vtimezone_has_no_comment_and_no_floating_times():
    data = sample()
    block = data[data.index(b"BEGIN:VTIMEZONE") : data.index(b"END:VTIMEZONE")]
    assert b"COMMENT" not in block
    in_event = False
    for line in data.split(b"\r\n"):
        in_event = line == b"BEGIN:VEVENT" or (in_event and line != b"END:VEVENT")
        if in_event and line.startswith((b"DTSTART", b"DTEND")):
            assert line.startswith(
                (b"DTSTART;VALUE=DATE:", b"DTEND;VALUE=DATE:", b"DTSTART;TZID=Europe/Berlin:",
                 b"DTEND;TZID=Europe/Berlin:")
            ), line  # fmt: skip


def test_utc_plan_writes_z_times_and_no_vtimezone():
    from dataclasses import replace

    data = ics_bytes(replace(PLAN, timezone="UTC"), SCHEDULE)
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20270317T093000Z\r\n" in data
    assert b"DTEND:20270317T094500Z\r\n" in data


def test_timed_entry_length_is_elapsed_time_across_the_dst_night():

    # A call at 01:45 on the night clocks go forward lasts 30 real minutes:
    # it ends at 03:15 summer time.
    night = OCCURRENCES[5]._replace(date=date(2027, 3, 28), time=time(1, 45))
    data = ics_bytes(PLAN, Schedule((night,)))
    assert b"DTSTART;TZID=Europe/Berlin:20270328T014500\r\n" in data
    assert b"DTEND;TZID=Europe/Berlin:20270328T031500\r\n" in data


def test_request_entries_are_multi_day_all_day_events(monkeypatch):
    production = Occurrence(
        uid="t.request.deck.production@cadence",
        date=date(2027, 3, 22),
        time=None,
        product="analytics",
        cohort=None,
        stage="nurture",
        touch="deck",
        name="Production: Pitch deck",
        channel="content",
        owner="mkt",
        automated=False,
        leads=0.0,
        nominal=date(2027, 3, 22),
        kind="request",
        end=date(2027, 3, 24),
    )
    import cadence.formats.export_common as common

    monkeypatch.setattr(common, "request_entries", lambda plan: (production,))
    data = sample(include={"requests"})
    assert parse_icalendar(data) == [
        (
            "t.request.deck.production@cadence",
            date(2027, 3, 22),
            date(2027, 3, 25),
            "Production: Pitch deck — Analytics",
        )
    ]
    both = _uids(sample(include={"touches", "requests"}))
    assert both.index("t.request.deck.production@cadence") == 3  # merged by date


# --- writing files ------------------------------------------------------------------


def test_progress_is_reported_and_cancel_leaves_no_file(tmp_path):
    from cadence.formats import export_common

    many = Schedule(OCCURRENCES * 500)  # 4500 entries: five progress steps
    calls: list[tuple[int, int]] = []
    path = tmp_path / "big.ics"
    export_ics(
        PLAN, many, (), path, progress=lambda d, t: calls.append((d, t)), keep_sequence=False
    )
    assert calls[0] == (0, 4500) and calls[-1] == (4500, 4500)
    assert len(calls) >= 5 and export_common.PROGRESS_EVERY == 1000
    original = path.read_bytes()

    def cancel_after_two() -> bool:
        return len(calls) > 2

    calls.clear()
    with pytest.raises(ExportCancelled):
        export_ics(
            PLAN,
            many,
            (),
            path,
            progress=lambda d, t: calls.append((d, t)),
            cancel=cancel_after_two,
        )
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["big.ics"]  # no temporary file left


def test_failure_midway_leaves_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "plan.ics"
    path.write_bytes(b"previous")
    import cadence.formats.ical as ical_module

    def broken(self, occ):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ical_module._IcsWriter, "occurrence", broken)
    with pytest.raises(RuntimeError):
        export_ics(PLAN, SCHEDULE, (), path)
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["plan.ics"]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        export_ics(PLAN, SCHEDULE, (), tmp_path / "nope" / "plan.ics")


def test_new_file_gets_normal_permissions(tmp_path):
    path = tmp_path / "plan.ics"
    export_ics(PLAN, SCHEDULE, (), path)
    umask = os.umask(0)
    os.umask(umask)
    assert Path(path).stat().st_mode & 0o777 == 0o666 & ~umask


def test_gap_uids_are_unique_and_stable():
    from cadence.formats.export_common import gap_uid

    pair = [
        Gap("spacing", "analytics", COHORT, "nurture", None, date(2027, 3, 17), date(2027, 3, 17),
            "too close", uids=("a@cadence", other))
        for other in ("b@cadence", "c@cadence")
    ]  # fmt: skip
    first = [gap_uid(PLAN, g, {}) for g in pair]
    assert first[0] != first[1]
    # The pair of touches names a spacing gap (a digest of their UIDs).
    assert first[0] == "t.gap.spacing.analytics.20270315.nurture.-.20270317.e0221abd67@cadence"
    seen: dict[str, int] = {}
    twins = [gap_uid(PLAN, GAPS[0], seen), gap_uid(PLAN, GAPS[0], seen)]
    assert twins == [
        "t.gap.unowned.analytics.20270315.qualify.-.20270412@cadence",
        "t.gap.unowned.analytics.20270315.qualify.-.20270412.2@cadence",
    ]
