"""calendar import-ics: RDATE-only events and RRULE values out of range (each failed before)."""

from __future__ import annotations

from datetime import date

import pytest

from cadence.formats.ics_import import IcsImportError, check_rule_values, read_ics_blackouts
from cadence.model import Blackout


def _calendar(*event_lines: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN", "BEGIN:VEVENT",
             "UID:a@example.com", "DTSTAMP:20270101T000000Z", *event_lines,
             "END:VEVENT", "END:VCALENDAR", ""]  # fmt: skip
    return "\r\n".join(lines)


def test_rdate_only_event_keeps_its_extra_dates():
    data = _calendar(
        "SUMMARY:Inventory",
        "DTSTART;VALUE=DATE:20270301",
        "DTEND;VALUE=DATE:20270302",
        "RDATE;VALUE=DATE:20270405,20270510",
        "RDATE;VALUE=DATE:20270607",
        "EXDATE;VALUE=DATE:20270510",
    )
    found = read_ics_blackouts(data, first=date(2027, 1, 1), last=date(2027, 12, 31))
    assert found.blackouts == (
        Blackout("Inventory", date(2027, 3, 1), date(2027, 3, 1)),
        Blackout("Inventory", date(2027, 4, 5), date(2027, 4, 5)),
        Blackout("Inventory", date(2027, 6, 7), date(2027, 6, 7)),
    )


def test_rdate_only_event_outside_the_horizon_keeps_the_dates_inside():
    data = _calendar(
        "SUMMARY:Offsite",
        "DTSTART;VALUE=DATE:20261201",
        "DTEND;VALUE=DATE:20261203",
        "RDATE;VALUE=DATE:20270301",
    )
    found = read_ics_blackouts(data, first=date(2027, 1, 1), last=date(2027, 12, 31))
    assert found.blackouts == (Blackout("Offsite", date(2027, 3, 1), date(2027, 3, 2)),)


def test_bymonth_13_is_an_error_not_zero_blackouts():
    data = _calendar(
        "SUMMARY:Never",
        "DTSTART;VALUE=DATE:20270101",
        "RRULE:FREQ=YEARLY;BYMONTH=13",
    )
    with pytest.raises(IcsImportError) as caught:
        read_ics_blackouts(data, first=date(2027, 1, 1), last=date(2027, 12, 31))
    assert str(caught.value) == (
        'event 1 "Never" (UID a@example.com): unreadable RRULE (BYMONTH=13 is out of range (1…12))'
    )


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32 is out of range (1…31 or -31…-1)"),
        ("FREQ=MONTHLY;BYMONTHDAY=-0", "BYMONTHDAY=-0 is out of range (1…31 or -31…-1)"),
        ("FREQ=YEARLY;BYMONTH=0", "BYMONTH=0 is out of range (1…12)"),
        ("FREQ=DAILY;BYHOUR=24", "BYHOUR=24 is out of range (0…23)"),
        ("FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO=54 is out of range (1…53 or -53…-1)"),
        ("FREQ=YEARLY;BYMONTH=x", "BYMONTH=x is not a number"),
    ],
)
def test_rule_values_out_of_range(rule, message):
    with pytest.raises(ValueError) as caught:
        check_rule_values(rule)
    assert str(caught.value) == message


def test_rule_values_in_range_pass():
    check_rule_values("FREQ=YEARLY;BYMONTH=1,12;BYMONTHDAY=-1,31;BYSETPOS=-1;BYDAY=MO")
