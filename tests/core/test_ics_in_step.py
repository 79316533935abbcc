"""An export over its previous file reads that file in step with the events it writes
(cadence.formats.ics_previous.PreviousInStep): whatever the file holds, the bytes written
are the ones the whole-file reading (read_previous) gives — unchanged, edited, reordered,
refolded, foreign, broken or duplicated events alike, whatever the size of the blocks read.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cadence.demo import demo_plan
from cadence.engine import schedule
from cadence.formats import ics_previous
from cadence.formats.ical import PreviousInStep, export_ics, ics_bytes
from cadence.formats.ics_previous import read_previous
from cadence.gaps import check

PLAN = demo_plan()
SCHEDULE = schedule(PLAN)
GAPS = check(PLAN, SCHEDULE)
NOW = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)
OPTIONS = dict(include="touches,broadcasts,requests,gaps", now=NOW)
# The first export, stamped a day earlier than the exports over it.
FIRST = ics_bytes(PLAN, SCHEDULE, GAPS, **{**OPTIONS, "now": NOW - timedelta(days=1)})
EVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.DOTALL)


def _edited_plan_export() -> bytes:
    """The export of the demo plan with its first product's stages one day longer and
    its second product gone (events moved, changed, removed and added), stamped a day
    before the exports over it."""
    first, _second, *rest = PLAN.products
    longer = replace(first, stages=tuple(replace(s, days=s.days + 1) for s in first.stages))
    plan = replace(PLAN, products=(longer, *rest))
    planned = schedule(plan)
    return ics_bytes(
        plan, planned, check(plan, planned), **{**OPTIONS, "now": NOW - timedelta(days=1)}
    )


def _events(data: bytes) -> list[bytes]:
    return EVENT.findall(data)


def _with_events(data: bytes, events: list[bytes]) -> bytes:
    """``data`` with its events replaced by ``events`` (header and end kept)."""
    found = list(EVENT.finditer(data))
    return data[: found[0].start()] + b"".join(events) + data[found[-1].end() :]


def _refolded(data: bytes, width: int) -> bytes:
    lines = data.replace(b"\r\n ", b"").split(b"\r\n")
    out = []
    for line in lines:
        parts = [line[i : i + width] for i in range(0, len(line), width)] or [b""]
        out.append(b"\r\n ".join(parts))
    return b"\r\n".join(out)


def _restamped(event: bytes, stamp: bytes, sequence: bytes) -> bytes:
    event = re.sub(rb"DTSTAMP:\d{8}T\d{6}Z", b"DTSTAMP:" + stamp, event)
    return re.sub(rb"SEQUENCE:\d+", b"SEQUENCE:" + sequence, event)


def _variants() -> dict[str, bytes]:
    events = _events(FIRST)
    middle = len(events) // 2
    edited = _edited_plan_export()
    summary = events[3].replace(b"SUMMARY:", b"SUMMARY:Renamed ", 1)
    return {
        "the same": FIRST,
        "an edited plan's": edited,
        "edited, then refolded at 30 octets": _refolded(edited, 30),
        "refolded at 74 octets (UTF-8 cut)": _refolded(FIRST, 74),
        "one summary changed": _with_events(FIRST, [*events[:3], summary, *events[4:]]),
        "stamps and sequences varied": _with_events(
            FIRST,
            [
                _restamped(e, b"2027011%dT080000Z" % (i % 7), b"%d" % (i % 4))
                for i, e in enumerate(events)
            ],
        ),
        "LAST-MODIFIED not the stamp": FIRST.replace(
            b"LAST-MODIFIED:20270301T093000Z", b"LAST-MODIFIED:20270101T000000Z", 5
        ),
        "events reversed": _with_events(FIRST, events[::-1]),
        "first and last swapped": _with_events(FIRST, [events[-1], *events[1:-1], events[0]]),
        "half removed": _with_events(FIRST, events[::2]),
        "an event twice, the second changed": _with_events(FIRST, [*events, summary]),
        "an event twice, the same": _with_events(FIRST, [*events[:10], events[3], *events[10:]]),
        "an event without UID": _with_events(
            FIRST,
            [
                *events[:middle],
                re.sub(rb"UID:[^\r]*\r\n", b"", events[middle]),
                *events[middle + 1 :],
            ],
        ),
        "a SEQUENCE that is no number": FIRST.replace(b"SEQUENCE:0\r\n", b"SEQUENCE:x\r\n", 1),
        "a cancelled event": _with_events(
            FIRST,
            [
                *events[:middle],
                events[middle].replace(b"STATUS:CONFIRMED", b"STATUS:CANCELLED"),
                *events[middle + 1 :],
            ],
        ),  # fmt: skip
        "an event again later, cancelled": _with_events(
            FIRST, [*events, summary.replace(b"STATUS:CONFIRMED", b"STATUS:CANCELLED")]
        ),
        "a line folded after 3 octets": FIRST.replace(
            b"\r\nSTATUS:CONFIRMED", b"\r\nSTA\r\n TUS:CONFIRMED", 1
        ),
        "END:VEVENT continued": FIRST.replace(b"END:VEVENT\r\n", b"END:VEVENT\r\n x\r\n", 1),
        "not UTF-8 in an event": FIRST.replace(b"SUMMARY:", b"SUMMARY:\xff", 1),
        "text between events": _with_events(
            FIRST, [*events[:5], b"X-NOTE:between\r\n", *events[5:]]
        ),
        "cut in the middle of an event": FIRST[: len(FIRST) // 2],
        "no end": FIRST[: FIRST.rindex(b"END:VCALENDAR")],
        "a foreign PRODID": FIRST.replace(b"PRODID:-//Cadence", b"PRODID:-//Other", 1),
        "the header only": FIRST[: FIRST.index(b"BEGIN:VEVENT")],
        "LF line ends": FIRST.replace(b"\r\n", b"\n"),
        "empty": b"",
    }


VARIANTS = _variants()


@pytest.mark.parametrize(("block", "ahead"), [(97, 1), (4096, 256), (ics_previous.READ_BLOCK, 3)])
@pytest.mark.parametrize("name", list(VARIANTS))
def test_an_export_over_any_previous_file_writes_what_the_whole_reading_gives(
    tmp_path, monkeypatch, name, block, ahead
):
    monkeypatch.setattr(ics_previous, "READ_BLOCK", block)
    monkeypatch.setattr(ics_previous, "SCAN_AHEAD", ahead)
    previous = tmp_path / "previous.ics"
    previous.write_bytes(VARIANTS[name])
    expected = ics_bytes(
        PLAN, SCHEDULE, GAPS, previous=read_previous(previous, details=False, written=True),
        **OPTIONS,
    )  # fmt: skip
    path = tmp_path / "plan.ics"
    path.write_bytes(VARIANTS[name])
    export_ics(PLAN, SCHEDULE, GAPS, path, **OPTIONS)
    assert path.read_bytes() == expected


def test_an_unchanged_export_keeps_every_stamp_and_sequence_and_reads_no_event_whole(
    tmp_path, monkeypatch
):
    path = tmp_path / "plan.ics"
    path.write_bytes(FIRST)
    read = []
    real = ics_previous.written_event
    monkeypatch.setattr(
        ics_previous, "written_event", lambda *args: read.append(args) or real(*args)
    )
    export_ics(PLAN, SCHEDULE, GAPS, path, **OPTIONS)
    assert path.read_bytes() == FIRST
    assert read == []  # every event compared as written, none parsed


def test_the_export_over_an_edited_plan_counts_what_changed(tmp_path):
    path = tmp_path / "plan.ics"
    path.write_bytes(_edited_plan_export())
    result = export_ics(PLAN, SCHEDULE, GAPS, path, **OPTIONS)
    data = path.read_bytes()
    assert (result.events, result.changed) == (1088, 862)
    stamps = re.findall(rb"DTSTAMP:(\w+)\r\nLAST-MODIFIED:\w+\r\nSEQUENCE:(\d+)", data)
    assert Counter(stamps) == {
        (b"20270301T093000Z", b"0"): 226,  # unchanged
        (b"20270302T093000Z", b"1"): 506,  # changed (moved, or an agenda that changed)
        (b"20270302T093000Z", b"0"): 356,  # new: the second product's
    }


def test_a_file_that_is_not_cadences_is_not_read_in_step(tmp_path):
    missing = PreviousInStep(tmp_path / "none.ics")
    assert missing.usable is False
    folder = PreviousInStep(tmp_path)
    assert folder.usable is False
    foreign = tmp_path / "foreign.ics"
    foreign.write_bytes(VARIANTS["a foreign PRODID"])
    assert PreviousInStep(foreign).usable is False
    ours = tmp_path / "ours.ics"
    ours.write_bytes(FIRST)
    in_step = PreviousInStep(ours)
    assert in_step.usable is True
    in_step.close()
