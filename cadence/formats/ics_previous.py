"""Reading a previous Cadence export back: what the next export needs of each event.

An export keeps DTSTAMP and SEQUENCE of every event whose content did not change
(:mod:`cadence.formats.ical`), so it reads the file it replaces first. That file
holds a hundred thousand events on a large plan: it is read a block
(:data:`READ_BLOCK`) at a time, never whole, and of each event only its UID,
DTSTAMP, SEQUENCE and a digest of its content lines are kept (and, for change
files, the DTSTART/DTEND/SUMMARY lines a cancellation repeats).

The steps, one function each: :func:`unfolded_blocks` (bytes → text blocks with
RFC 5545 folding undone, cut at line ends), :func:`event_bodies` (blocks → the
text between each ``BEGIN:VEVENT`` and ``END:VEVENT``, and the text outside
events), :func:`previous_event` (one body → :class:`PreviousEvent`).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from cadence.formats.export_common import ExportError

# What names a calendar exported by Cadence (a file with another PRODID is never read).
PRODID = "-//Cadence//Cadence nurture planner//EN"
# DTSTAMP when nothing says when the plan was revised (the core never reads the clock).
EPOCH_STAMP = "19700101T000000Z"
#: bytes read at a time from a previous export
READ_BLOCK = 1 << 20


class PreviousEvent(NamedTuple):
    """One event of a previous Cadence export, as far as the next export needs it.

    A named tuple: an export of a large plan reads a hundred thousand of them, and a
    tuple is built several times faster than a frozen dataclass.
    """

    key: str  # digest of its content lines, without DTSTAMP, LAST-MODIFIED and SEQUENCE
    sequence: int
    stamp: str  # its DTSTAMP value
    start: str = ""  # its DTSTART line (a cancellation repeats it)
    end: str = ""  # its DTEND line
    summary: str = ""  # its SUMMARY line


# Lines that record when and how often an event was revised, not what it says.
_REVISION_PREFIXES = ("DTSTAMP:", "DTSTAMP;", "LAST-MODIFIED:", "LAST-MODIFIED;", "SEQUENCE:")


def content_key(content: str) -> str:
    """Digest of an event's content: its unfolded lines joined by CRLF, revision lines
    left out (what :func:`event_key` digests, given as one text)."""
    return hashlib.blake2b(content.encode("utf-8"), digest_size=16).hexdigest()


def event_key(lines: Iterable[str]) -> str:
    """Digest of an event's unfolded content lines (revision lines left out).

    Two exports of an event with the same key say the same thing; any change of
    text, dates, colour or alarm gives another key.
    """
    return content_key("\r\n".join(line for line in lines if not line.startswith(_REVISION_PREFIXES)))


# --- reading -------------------------------------------------------------------------


def read_previous(
    path: str | os.PathLike[str], *, required: bool = False, details: bool = True
) -> dict[str, PreviousEvent]:
    """UID → :class:`PreviousEvent` of a previous Cadence export (cancelled events left out).

    Missing or foreign files (another PRODID) give {} — the state is a
    convenience and never blocks an export — unless ``required``, where they
    raise ExportError (``--changes-since`` needs the file it compares with).
    ``details``: keep each event's DTSTART, DTEND and SUMMARY lines (only a change
    file needs them, to cancel what is gone); without, less memory.
    """

    def unusable(why: str) -> dict[str, PreviousEvent]:
        if required:
            raise ExportError(f"--changes-since {path}: {why}")
        return {}

    try:
        with Path(path).open("rb") as file:
            out, cadence_export, bad_event = previous_events(file, details=details)
    except IsADirectoryError:
        return unusable("is a folder, not an .ics file")
    except OSError as exc:
        return unusable(f"cannot read ({exc.strerror or exc})")
    except UnicodeDecodeError:
        return unusable("not UTF-8 text")
    if not cadence_export:
        return unusable("not a calendar exported by Cadence (PRODID differs)")
    if bad_event:
        return unusable("an event has no UID or a SEQUENCE that is not a number")
    return out


def read_previous_bytes(raw: bytes) -> dict[str, PreviousEvent]:
    """:func:`read_previous` of an export held in memory ({} when foreign or unusable)."""
    try:
        out, cadence_export, bad_event = previous_events(io.BytesIO(raw))
    except UnicodeDecodeError:
        return {}
    return out if cadence_export and not bad_event else {}


def read_sequences(path: str | os.PathLike[str]) -> dict[str, int]:
    """UID → SEQUENCE of a previous Cadence export ({} when missing or foreign)."""
    return {uid: event.sequence for uid, event in read_previous(path, details=False).items()}


def previous_events(
    file: BinaryIO, *, details: bool = True
) -> tuple[dict[str, PreviousEvent], bool, bool]:
    """(UID → event, whether a line outside the events names Cadence's PRODID, whether
    an event was unusable) of an .ics file, read a block at a time."""
    out: dict[str, PreviousEvent] = {}
    cadence_export = bad_event = False
    for outside, body in event_bodies(unfolded_blocks(file)):
        if not cadence_export and names_cadence(outside):
            cadence_export = True
        if body is None:
            continue
        event = previous_event(body, details)
        if event is None:
            bad_event = True
            continue
        uid, previous, cancelled = event
        if not cancelled:
            out[uid] = previous
    return out, cadence_export, bad_event


_PRODID_LINE = f"\r\nPRODID:{PRODID}\r\n"


def names_cadence(outside: str) -> bool:
    """Whether text outside the events (CRLF before each line but the file's first) has
    Cadence's PRODID line before a ``BEGIN:VEVENT`` line (after one is an event's)."""
    text = outside + "\r\n"
    if text.startswith("BEGIN:VEVENT\r\n"):
        return False  # the file's first line
    first_event = text.find("\r\nBEGIN:VEVENT\r\n")
    if first_event >= 0:
        text = text[: first_event + 2]
    return _PRODID_LINE in text


# --- blocks and lines -------------------------------------------------------------------


def unfolded_blocks(file: BinaryIO) -> Iterator[str]:
    """The text of an .ics file a block at a time, folding undone (each CRLF followed by
    a space or a tab removed, RFC 5545); every block ends with a CRLF that ends a line
    (one is added after the file's last line when it has none). Raises UnicodeDecodeError when the text is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    tail = ""  # text whose last line may still continue in the next block
    while block := file.read(READ_BLOCK):
        text = tail + decoder.decode(block)
        cut = _last_line_end(text)
        if cut < 0:
            tail = text
            continue
        yield _unfold(text[: cut + 2])
        tail = text[cut + 2 :]
    last = _unfold(tail + decoder.decode(b"", final=True))
    yield last if not last or last.endswith("\r\n") else last + "\r\n"


def unfolded_lines(file: BinaryIO) -> Iterator[str]:
    """The content lines of an .ics file, read a block at a time (see
    :func:`unfolded_blocks`); the file's last CRLF ends a line, it does not start one."""
    for block in unfolded_blocks(file):
        lines = block.split("\r\n")
        if lines[-1] == "":
            del lines[-1]
        yield from lines


def _last_line_end(text: str) -> int:
    """Where the last CRLF of ``text`` is that ends a line for sure (the text after it
    shows it is not folded: no space or tab follows), or -1."""
    cut = text.rfind("\r\n")
    while cut >= 0 and text[cut + 2 : cut + 3] in ("", " ", "\t"):
        cut = text.rfind("\r\n", 0, cut)
    return cut


def _unfold(text: str) -> str:
    return text.replace("\r\n ", "").replace("\r\n\t", "")


# --- events ------------------------------------------------------------------------------

_END = "\r\nEND:VEVENT\r\n"
_BEGIN = "BEGIN:VEVENT"


def event_bodies(blocks: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """(text outside events before it, body) of each event of unfolded ``blocks``; the body
    is the event's lines between ``BEGIN:VEVENT`` and ``END:VEVENT``, joined by CRLF (a
    nested BEGIN:VEVENT starts the event again). The last pair has body None: the text
    after the last event. Outside texts start with a CRLF except the file's first."""
    pending = ""  # from the start of a line: an event not ended yet, and what precedes it
    line_end = ""  # the CRLF before the next outside text ("" at the start of the file)
    for block in blocks:
        pieces = (pending + block).split(_END)
        pending = pieces.pop()
        for piece in pieces:
            outside, body = _split_event(piece)
            yield line_end + outside, body
            line_end = "\r\n"
        # What precedes the unfinished event is outside: hand it over now.
        begin = _event_start(pending)
        if begin < 0 and pending:
            yield line_end + pending, None
            line_end, pending = "\r\n", "\r\n"  # an END:VEVENT line may start the next block
        elif begin > 0:
            yield line_end + pending[:begin], None
            line_end, pending = "\r\n", pending[begin:]
    yield line_end + pending, None


def _event_start(text: str) -> int:
    """Where the last ``BEGIN:VEVENT`` line of ``text`` starts, or -1."""
    at = text.rfind(_BEGIN)
    while at >= 0:
        after = text[at + len(_BEGIN) : at + len(_BEGIN) + 2]
        if (at == 0 or text[at - 2 : at] == "\r\n") and after in ("\r\n", ""):
            return at
        at = text.rfind(_BEGIN, 0, at)
    return -1


def _split_event(piece: str) -> tuple[str, str | None]:
    """(outside, body) of the text before an ``END:VEVENT`` line (body None: no BEGIN)."""
    if piece.startswith("BEGIN:VEVENT\r\n") and piece.find(_BEGIN, 14) < 0:
        return "", piece[14:]  # the usual event, right after the previous one
    begin = _event_start(piece)
    if begin < 0:
        return piece, None
    return piece[:begin], piece[begin + len(_BEGIN) + 2 :]


# A Cadence export starts each event with its UID and revision lines.
_CADENCE_HEAD = re.compile(
    r"UID:([^\r\n]+)\r\nDTSTAMP:([0-9]{8}T[0-9]{6}Z)\r\n"
    r"LAST-MODIFIED:[^\r\n]*\r\nSEQUENCE:([0-9]+)(?=\r\n|\Z)"
)


def previous_event(body: str, details: bool = True) -> tuple[str, PreviousEvent, bool] | None:
    """(UID, what we keep of it, cancelled?) of one event's body, None if unusable.

    An event as Cadence writes it (UID, DTSTAMP, LAST-MODIFIED, SEQUENCE first, no
    other revision line) is read from its text; any other shape line by line
    (:func:`_event_of_lines`), with the same result.
    """
    head = _CADENCE_HEAD.match(body)
    rest = body[head.end() :] if head is not None else ""  # CRLF, the lines after SEQUENCE
    if head is None or _has_revision_line(rest):
        return _event_of_lines(body.split("\r\n") if body else [], details)
    uid = head[1]
    key = hashlib.blake2b(f"UID:{uid}{rest}".encode(), digest_size=16).hexdigest()
    # One string per distinct stamp: most events of an export share one.
    stamp = sys.intern(head[2])
    if "\r\nSTATUS:CANCELLED" not in rest and not details:
        return uid, PreviousEvent(key, int(head[3]), stamp), False
    own = rest.partition("\r\nBEGIN:VALARM")[0]  # the alarm's lines are not the event's
    previous = PreviousEvent(key, int(head[3]), stamp)
    if details:
        start, end = _first_line(own, "DTSTART"), _first_line(own, "DTEND")
        previous = PreviousEvent(key, int(head[3]), stamp, start, end, _first_line(own, "SUMMARY"))
    return uid, previous, _first_line(own, "STATUS") == "STATUS:CANCELLED"


def _has_revision_line(lines: str) -> bool:
    """Whether ``lines`` (each after a CRLF) may hold a DTSTAMP, LAST-MODIFIED or SEQUENCE."""
    return "\r\nDTSTAMP" in lines or "\r\nLAST-MODIFIED" in lines or "\r\nSEQUENCE:" in lines


def _property_name(line: str) -> str:
    return line.partition(":")[0].partition(";")[0]


def _first_line(lines: str, name: str) -> str:
    """The first of ``lines`` (each after a CRLF) that is property ``name``, or ""."""
    at = lines.find("\r\n" + name)
    while at >= 0:
        end = lines.find("\r\n", at + 2)
        line = lines[at + 2 : end if end >= 0 else len(lines)]
        if _property_name(line) == name:
            return line
        at = end if end < 0 else lines.find("\r\n" + name, end)
    return ""


# The properties of a previous event the next export needs.
_KEPT_FIELDS = frozenset({"UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "STATUS"})


def _event_of_lines(body: list[str], details: bool) -> tuple[str, PreviousEvent, bool] | None:
    """:func:`previous_event` of any event's unfolded lines, one line at a time."""
    fields: dict[str, str] = {}
    for line in body:
        if line.startswith("BEGIN:VALARM"):
            break  # the alarm's lines are content, not the event's own fields
        name = _property_name(line)
        if name in _KEPT_FIELDS:
            fields.setdefault(name, line)
    uid = fields.get("UID", "")[4:]
    try:
        sequence = int(fields.get("SEQUENCE", "SEQUENCE:0")[9:])
    except ValueError:
        return None
    if not uid:
        return None
    previous = PreviousEvent(
        key=event_key(body),
        sequence=sequence,
        stamp=sys.intern(fields.get("DTSTAMP", "").rpartition(":")[2] or EPOCH_STAMP),
    )
    if details:
        previous = PreviousEvent(
            previous.key,
            previous.sequence,
            previous.stamp,
            start=fields.get("DTSTART", ""),
            end=fields.get("DTEND", ""),
            summary=fields.get("SUMMARY", ""),
        )
    return uid, previous, fields.get("STATUS") == "STATUS:CANCELLED"
