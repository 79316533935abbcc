"""Reading a previous export back one line at a time (RFC 5545 folding undone)."""

import io

from cadence.formats.ical import unfolded_lines


def lines_of(data: bytes) -> list[str]:
    return list(unfolded_lines(io.BytesIO(data)))


def test_folded_lines_are_joined():
    data = "BEGIN:VEVENT\r\nSUMMARY:Café wel\r\n come\r\n\tcall\r\nEND:VEVENT\r\n".encode()
    assert lines_of(data) == ["BEGIN:VEVENT", "SUMMARY:Café welcomecall", "END:VEVENT"]


def test_a_bare_line_feed_stays_inside_its_line():
    assert lines_of(b"A:x\ny\r\nB:z\r\n") == ["A:x\ny", "B:z"]


def test_the_last_line_needs_no_line_end():
    assert lines_of(b"A:1\r\nB:2\r\n 3") == ["A:1", "B:23"]


def test_blocks_split_anywhere_give_the_same_lines(monkeypatch):
    from cadence.formats import ics_previous

    data = "BEGIN:VEVENT\r\nSUMMARY:Café wel\r\n come\r\n\tcall\r\nUID:a\r\nEND:VEVENT\r\n".encode()
    whole = lines_of(data)
    for size in range(1, 12):
        monkeypatch.setattr(ics_previous, "READ_BLOCK", size)
        assert lines_of(data) == whole
    assert whole == ["BEGIN:VEVENT", "SUMMARY:Café welcomecall", "UID:a", "END:VEVENT"]
