"""CSV export: literal rows, formula-injection neutralised, same filters as iCal."""

from __future__ import annotations

import csv
import io
import os
from datetime import date

import pytest

from cadence.formats.csv_export import COLUMNS, export_csv, neutralise
from cadence.formats.export_common import ExportCancelled, ExportError
from cadence.model import Schedule
from tests.core.test_ical_export import GAPS, OCCURRENCES, PLAN, SCHEDULE


def rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def export(schedule: Schedule = SCHEDULE, **options: object) -> bytes:
    buffer = io.BytesIO()
    export_csv(PLAN, schedule, GAPS, buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_header_and_literal_rows():
    data = export()
    assert data.startswith(
        b"date,time,product,cohort,stage,touch,channel,owner,automated,uid,"
        b"kind,name,end,nominal,leads,product_id,stage_id,touch_id,channel_id,owner_id\r\n"
    )
    table = rows(data)
    assert table[0] == list(COLUMNS)
    assert len(table) == 1 + 9
    # Names where a planner reads them, the ids in their own columns at the end.
    assert table[1] == [
        "2027-03-02", "10:00", "", "", "", "Monthly newsletter", "Newsletter", "Marketing",
        "yes", "t.broadcast.newsletter.0@cadence", "broadcast", "Monthly newsletter", "",
        "2027-03-02", "0", "", "", "newsletter", "newsletter", "mkt",
    ]  # fmt: skip
    assert table[6] == [
        "2027-03-30", "10:00", "Analytics", "2027-03-15", "Nurture", "Discovery call", "Call",
        "Sales, development", "no", "t.analytics.call.20270315.0@cadence", "touch",
        "Discovery call", "", "2027-03-29", "80", "analytics", "nurture", "call", "call", "sdr",
    ]  # fmt: skip


def test_utf8_and_newlines_survive_quoting():
    table = rows(export())
    evil = next(r for r in table if r[17] == "evil")
    assert evil[11] == 'Evil, "quoted"; back\\slash\nBEGIN:VEVENT\r\nUID:injected\u2028END:VEVENT'
    welcome = next(r for r in table if r[17] == "welcome")
    assert "🎉" in welcome[11] and "persönlicher" in welcome[11]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Plain", "Plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(cell, safe):
    assert neutralise(cell) == safe


def test_formula_names_are_neutralised_in_the_file():
    hostile = OCCURRENCES[1]._replace(name="=cmd|' /C calc'!A0")
    table = rows(export(Schedule((hostile,))))
    assert table[1][11] == "'=cmd|' /C calc'!A0"


def test_filters_and_gap_rows():
    table = rows(export(team="sdr"))
    assert [r[9] for r in table[1:]] == ["t.analytics.call.20270315.0@cadence"]
    table = rows(export(include={"gaps"}))
    assert table[1:] == [
        [
            "2027-04-12", "", "Analytics", "2027-03-15", "Qualification", "Unowned", "", "", "",
            "t.gap.unowned.analytics.20270315.qualify.-.20270412@cadence", "gap",
            "no team owns the lead in Qualification for 10 days", "2027-04-21", "", "",
            "analytics", "qualify", "unowned", "", "",
        ]
    ]  # fmt: skip
    with pytest.raises(ExportError, match="unknown product"):
        export(product="nope")
    table = rows(export(start=date(2027, 4, 6)))
    assert [r[0] for r in table[1:]] == ["2027-04-06", "2027-04-07"]


def test_bom_for_excel():
    assert export(bom=True).startswith(b"\xef\xbb\xbfdate,time,")
    assert not export().startswith(b"\xef\xbb\xbf")


def test_file_is_written_atomically_and_cancel_keeps_the_old_one(tmp_path):
    path = tmp_path / "plan.csv"
    result = export_csv(PLAN, SCHEDULE, (), path)
    assert result.events == 9 and result.touches == 7 and result.broadcasts == 2
    original = path.read_bytes()
    big = Schedule(OCCURRENCES * 300)
    with pytest.raises(ExportCancelled):
        export_csv(PLAN, big, (), path, cancel=lambda: True)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["plan.csv"]


def test_same_export_twice_is_identical(tmp_path):
    export_csv(PLAN, SCHEDULE, GAPS, tmp_path / "a.csv", include={"touches", "gaps"})
    export_csv(PLAN, SCHEDULE, GAPS, tmp_path / "b.csv", include={"touches", "gaps"})
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
