"""Reading a previous export back (cadence.formats.ics_previous): UID → DTSTAMP, SEQUENCE
and content digest, the same whether an event has Cadence's own shape (read as written)
or any other (line by line), however it is folded, and whatever the size of the blocks
read."""

from __future__ import annotations

import io

import pytest

from cadence.formats import ics_previous
from cadence.formats.ics_previous import (
    PRODID,
    event_key,
    previous_events,
    previous_key,
    read_previous,
    read_previous_bytes,
)

HEAD = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n"
EVENT = (
    "BEGIN:VEVENT\r\n"
    "UID:t.p.a.20270301.0@cadence\r\n"
    "DTSTAMP:20270215T080000Z\r\n"
    "LAST-MODIFIED:20270215T080000Z\r\n"
    "SEQUENCE:2\r\n"
    "DTSTART;VALUE=DATE:20270301\r\n"
    "DTEND;VALUE=DATE:20270302\r\n"
    "SUMMARY:Welcome — Analytics · cohort 03-01\r\n"
    "DESCRIPTION:Welcome\\nProduct: Analytics\\nStage: Awareness\\nCohort: 2027-03-01 (40 ex\r\n"
    " pected leads)\\nChannel: Email\\nOwner: Marketing\\nAutomated\r\n"
    "STATUS:CONFIRMED\r\n"
    "END:VEVENT\r\n"
)
# Its content lines, unfolded, without DTSTAMP, LAST-MODIFIED and SEQUENCE.
CONTENT = [
    "UID:t.p.a.20270301.0@cadence",
    "DTSTART;VALUE=DATE:20270301",
    "DTEND;VALUE=DATE:20270302",
    "SUMMARY:Welcome — Analytics · cohort 03-01",
    "DESCRIPTION:Welcome\\nProduct: Analytics\\nStage: Awareness\\nCohort: 2027-03-01 (40 "
    "expected leads)\\nChannel: Email\\nOwner: Marketing\\nAutomated",
    "STATUS:CONFIRMED",
]
TAIL = "END:VCALENDAR\r\n"


def read(text: str, **options: bool) -> dict[str, tuple[str, int, str, str, str, str]]:
    events, cadence_export, bad_event = previous_events(io.BytesIO(text.encode()), **options)
    assert (cadence_export, bad_event) == (True, False)
    # The lines as written are kept only on request (read_previous(written=True)).
    assert all(event.written == b"" for event in events.values())
    return {uid: tuple(event)[:6] for uid, event in events.items()}  # type: ignore[misc]


def test_an_event_gives_its_stamp_sequence_digest_and_the_lines_a_cancellation_repeats():
    assert read(HEAD + EVENT + TAIL) == {
        "t.p.a.20270301.0@cadence": (
            event_key(CONTENT),
            2,
            "20270215T080000Z",
            "DTSTART;VALUE=DATE:20270301",
            "DTEND;VALUE=DATE:20270302",
            "SUMMARY:Welcome — Analytics · cohort 03-01",
        )
    }
    # The digest the writer compares with (blake2b-128 of the lines joined by CRLF).
    assert event_key(CONTENT) == "ff252bd5f16d44108bc112c6707a90c6"


def test_without_details_only_stamp_sequence_and_digest_are_kept():
    assert read(HEAD + EVENT + TAIL, details=False) == {
        "t.p.a.20270301.0@cadence": (event_key(CONTENT), 2, "20270215T080000Z", "", "", "")
    }


def test_another_shape_of_the_same_event_gives_the_same_digest():
    # Revision lines elsewhere, and the stamp with a parameter: read line by line.
    reordered = EVENT.replace(
        "DTSTAMP:20270215T080000Z\r\nLAST-MODIFIED:20270215T080000Z\r\nSEQUENCE:2\r\n", ""
    ).replace(
        "STATUS:CONFIRMED\r\n",
        "STATUS:CONFIRMED\r\nSEQUENCE:2\r\nDTSTAMP;VALUE=DATE-TIME:20270215T080000Z\r\n",
    )
    assert read(HEAD + reordered + TAIL) == read(HEAD + EVENT + TAIL)


def test_cancelled_events_are_left_out_and_the_first_status_counts():
    cancelled = EVENT.replace("STATUS:CONFIRMED", "STATUS:CANCELLED")
    assert read(HEAD + cancelled + TAIL) == {}
    second = EVENT.replace("STATUS:CONFIRMED", "STATUS:CONFIRMED\r\nSTATUS:CANCELLED")
    assert list(read(HEAD + second + TAIL)) == ["t.p.a.20270301.0@cadence"]


@pytest.mark.parametrize("block", [1, 2, 13, 64, 1 << 20])
def test_blocks_of_any_size_read_the_same_events(monkeypatch, block):
    other = EVENT.replace("20270301.0", "20270308.0").replace("SEQUENCE:2", "SEQUENCE:0")
    text = HEAD + EVENT + other + TAIL
    whole = read(text)
    monkeypatch.setattr(ics_previous, "READ_BLOCK", block)
    assert read(text) == whole
    assert sorted(whole) == ["t.p.a.20270301.0@cadence", "t.p.a.20270308.0@cadence"]


def test_a_long_text_without_events_is_not_held_whole(monkeypatch):
    monkeypatch.setattr(ics_previous, "READ_BLOCK", 64)
    monkeypatch.setattr(ics_previous, "MAX_HELD_BYTES", 1024)  # more than an event
    filler = "".join(f"X-FILLER-{n}:{'a' * 60}\r\n" for n in range(100))  # 7 500 bytes
    segments = list(ics_previous.event_segments(io.BytesIO((HEAD + filler).encode())))
    assert max(len(s) for s in segments) < 1024 + 128
    assert list(read(HEAD + filler + EVENT + TAIL)) == ["t.p.a.20270301.0@cadence"]


def test_a_prodid_in_the_first_line_or_inside_an_event_is_not_cadences():
    events, cadence_export, _ = previous_events(io.BytesIO(f"PRODID:{PRODID}\r\n".encode()))
    assert (events, cadence_export) == ({}, False)
    inside = EVENT.replace("STATUS:CONFIRMED", f"PRODID:{PRODID}")
    _, cadence_export, _ = previous_events(io.BytesIO(("BEGIN:VCALENDAR\r\n" + inside).encode()))
    assert cadence_export is False


def test_unusable_files_give_nothing_or_a_clear_error(tmp_path):
    foreign = tmp_path / "foreign.ics"
    foreign.write_bytes((HEAD.replace(PRODID, "-//Other//EN") + EVENT + TAIL).encode())
    assert read_previous(foreign) == {}
    with pytest.raises(Exception, match="PRODID differs"):
        read_previous(foreign, required=True)
    latin = tmp_path / "latin.ics"
    latin.write_bytes(HEAD.encode() + "SUMMARY:Café".encode("latin-1") + b"\r\n")
    with pytest.raises(Exception, match="not UTF-8 text"):
        read_previous(latin, required=True)
    no_uid = EVENT.replace("UID:t.p.a.20270301.0@cadence\r\n", "")
    assert read_previous_bytes((HEAD + no_uid + TAIL).encode()) == {}


def test_read_as_written_an_event_keeps_its_lines_and_its_digest_follows_from_them():
    # (The first event shares its text with the calendar's header: read line by line.)
    other = EVENT.replace("20270301.0", "20270308.0")
    events, cadence_export, _ = previous_events(
        io.BytesIO((HEAD + other + EVENT + TAIL).encode()), details=False, written=True
    )
    event = events["t.p.a.20270301.0@cadence"]
    assert (event.key, event.sequence, event.stamp) == ("", 2, "20270215T080000Z")
    as_written = (
        "DTSTART;VALUE=DATE:20270301\r\n"
        "DTEND;VALUE=DATE:20270302\r\n"
        "SUMMARY:Welcome — Analytics · cohort 03-01\r\n"
        "DESCRIPTION:Welcome\\nProduct: Analytics\\nStage: Awareness\\nCohort: 2027-03-01 (40 ex\r\n"
        " pected leads)\\nChannel: Email\\nOwner: Marketing\\nAutomated\r\n"
        "STATUS:CONFIRMED"
    )
    assert event.written == as_written.encode()
    assert previous_key("t.p.a.20270301.0@cadence", event) == "ff252bd5f16d44108bc112c6707a90c6"
    assert cadence_export is True


@pytest.mark.parametrize("written", [False, True])
def test_a_line_folded_after_a_few_octets_is_read_unfolded(written):
    # "STATUS:CANC" + "ELLED": once unfolded a cancellation, which leaves the event out;
    # "END:VEV" + "ENT": the end of the event. Neither shows in the lines as written.
    # (After a plain event: the first shares its text with the header, read line by line.)
    first = EVENT.replace("20270301.0", "20270222.0")
    cancelled = EVENT.replace("STATUS:CONFIRMED", "STATUS:CANC\r\n ELLED")
    other = EVENT.replace("20270301.0", "20270308.0").replace("END:VEVENT", "END:VEV\r\n ENT")
    text = HEAD + first + cancelled + other + TAIL
    events, _, bad = previous_events(io.BytesIO(text.encode()), details=False, written=written)
    assert (list(events), bad) == (["t.p.a.20270222.0@cadence", "t.p.a.20270308.0@cadence"], False)
    # Its digest is that of its content lines, whichever way it was read.
    content = ["UID:t.p.a.20270308.0@cadence", *CONTENT[1:]]
    assert previous_key("t.p.a.20270308.0@cadence", events["t.p.a.20270308.0@cadence"]) == (
        event_key(content)
    )


def _refolded(text: str, width: int) -> bytes:
    """``text`` with every line cut into pieces of ``width`` octets (a space before each
    continuation), also inside UTF-8 sequences — as a careless program might write it."""
    lines = text.encode().replace(b"\r\n ", b"").split(b"\r\n")
    out = []
    for line in lines:
        pieces = [line[i : i + width] for i in range(0, len(line), width)] or [b""]
        out.append(b"\r\n ".join(pieces))
    return b"\r\n".join(out)


@pytest.mark.parametrize("width", [1, 3, 10, 16, 17, 30, 74, 75, 200])
def test_any_folding_reads_the_same_events_whichever_way_they_are_kept(width):
    cancelled = EVENT.replace("20270301.0", "20270315.0").replace("CONFIRMED", "CANCELLED")
    other = EVENT.replace("20270301.0", "20270308.0").replace("SEQUENCE:2", "SEQUENCE:0")
    data = _refolded(HEAD + EVENT + other + cancelled + EVENT + TAIL, width)

    def kept(written: bool) -> dict[str, tuple[str, int, str]]:
        events, cadence_export, bad = previous_events(
            io.BytesIO(data), details=False, written=written
        )
        assert (cadence_export, bad) == (True, False)
        return {uid: (previous_key(uid, e), e.sequence, e.stamp) for uid, e in events.items()}

    expected = {
        "t.p.a.20270301.0@cadence": (event_key(CONTENT), 2, "20270215T080000Z"),
        "t.p.a.20270308.0@cadence": (
            event_key(["UID:t.p.a.20270308.0@cadence", *CONTENT[1:]]),
            0,
            "20270215T080000Z",
        ),
    }
    assert kept(written=False) == expected
    assert kept(written=True) == expected
