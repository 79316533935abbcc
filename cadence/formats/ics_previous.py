"""Reading a previous Cadence export back: what the next export needs of each event.

An export keeps DTSTAMP and SEQUENCE of every event whose content did not change
(:mod:`cadence.formats.ical`), so it reads the file it replaces first. That file
holds a hundred thousand events on a large plan: it is read a block
(:data:`READ_BLOCK`) at a time, never whole, and of each event only its UID,
DTSTAMP, SEQUENCE and a digest of its content lines are kept (and, for change
files, the DTSTART/DTEND/SUMMARY lines a cancellation repeats) — or, for the
export that replaces the file, its content lines as written (:func:`written_event`),
which the writer compares with its own without a digest.

The steps, one function each: :func:`line_blocks` (bytes → blocks cut at line ends),
:func:`plain_folded_blocks` (a block folded oddly — a short line continued — has its
folding undone, so no line hides behind a fold), :func:`event_segments` (→ text cut
after ``END:VEVENT`` lines, so no event spans two), :func:`previous_events` (each
segment's events: an event as Cadence writes it is read from its lines as they are,
:func:`written_event`; anything else with folding undone, line by line,
:func:`event_bodies` and :func:`_event_of_lines`, with the same result).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple, cast

from cadence.formats.export_common import ExportError
from cadence.gcpause import gc_paused

# What names a calendar exported by Cadence (a file with another PRODID is never read).
PRODID = "-//Cadence//Cadence nurture planner//EN"
# DTSTAMP when nothing says when the plan was revised (the core never reads the clock).
EPOCH_STAMP = "19700101T000000Z"
#: bytes read at a time from a previous export
READ_BLOCK = 1 << 20
#: bytes held at most while looking for the end of an event (memory stays bounded on a
#: large file without events; a Cadence event is a few kilobytes)
MAX_HELD_BYTES = 16 << 20


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
    # Its content lines after SEQUENCE as written (folded, CRLF between them), kept by
    # read_previous(written=True) instead of the digest (key ""): see previous_key().
    written: bytes = b""


# Lines that record when and how often an event was revised, not what it says.
_REVISION_PREFIXES = ("DTSTAMP:", "DTSTAMP;", "LAST-MODIFIED:", "LAST-MODIFIED;", "SEQUENCE:")


def content_key(content: str) -> str:
    """Digest of an event's content: its unfolded lines joined by CRLF, revision lines
    left out (what :func:`event_key` digests, given as one text)."""
    return hashlib.blake2b(content.encode("utf-8"), digest_size=16).hexdigest()


def written_key(uid: str, written: bytes) -> str:
    """The digest (:func:`content_key`) of an event read with its lines as written: its UID
    line, then those lines with folding undone."""
    unfolded = _unfold(b"\r\n" + written)  # CRLF before each line
    return hashlib.blake2b(b"UID:" + uid.encode("utf-8") + unfolded, digest_size=16).hexdigest()


def previous_key(uid: str, event: PreviousEvent) -> str:
    """The digest of a previous event's content, whichever way it was read."""
    return event.key or written_key(uid, event.written)


def event_key(lines: Iterable[str]) -> str:
    """Digest of an event's unfolded content lines (revision lines left out).

    Two exports of an event with the same key say the same thing; any change of
    text, dates, colour or alarm gives another key.
    """
    return content_key(
        "\r\n".join(line for line in lines if not line.startswith(_REVISION_PREFIXES))
    )


# --- reading -------------------------------------------------------------------------


def read_previous(
    path: str | os.PathLike[str],
    *,
    required: bool = False,
    details: bool = True,
    written: bool = False,
) -> dict[str, PreviousEvent]:
    """UID → :class:`PreviousEvent` of a previous Cadence export (cancelled events left out).

    Missing or foreign files (another PRODID) give {} — the state is a
    convenience and never blocks an export — unless ``required``, where they
    raise ExportError (``--changes-since`` needs the file it compares with).
    ``details``: keep each event's DTSTART, DTEND and SUMMARY lines (only a change
    file needs them, to cancel what is gone); without, less memory.
    ``written``: of an event as Cadence writes it keep its lines as written and no
    digest (the export over the file compares them as they are: faster; the lines
    take the file's size in memory).
    """

    def unusable(why: str) -> dict[str, PreviousEvent]:
        if required:
            raise ExportError(f"--changes-since {path}: {why}")
        return {}

    try:
        with Path(path).open("rb") as file, gc_paused():  # 100 k tuples, no cycles
            out, cadence_export, bad_event = previous_events(file, details=details, written=written)
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


def read_previous_bytes(
    raw: bytes, *, details: bool = True, written: bool = False
) -> dict[str, PreviousEvent]:
    """:func:`read_previous` of an export held in memory ({} when foreign or unusable)."""
    try:
        with gc_paused():  # 100 k tuples on a large plan, no cycles (see cadence.gcpause)
            out, cadence_export, bad_event = previous_events(
                io.BytesIO(raw), details=details, written=written
            )
    except UnicodeDecodeError:
        return {}
    return out if cadence_export and not bad_event else {}


def read_sequences(path: str | os.PathLike[str]) -> dict[str, int]:
    """UID → SEQUENCE of a previous Cadence export ({} when missing or foreign)."""
    return {uid: event.sequence for uid, event in read_previous(path, details=False).items()}


def previous_events(
    file: BinaryIO, *, details: bool = True, written: bool = False, at_file_start: bool = True
) -> tuple[dict[str, PreviousEvent], bool, bool]:
    """(UID → event, whether a line outside the events names Cadence's PRODID, whether
    an event was unusable) of an .ics file, read a block at a time (``written``: see
    :func:`read_previous`; ``at_file_start`` False: ``file`` is the rest of one, after
    an event)."""
    out: dict[str, PreviousEvent] = {}
    cadence_export = bad_event = False
    for segment in event_segments(file):
        pieces = segment.split(_END)  # each but the last: text up to an END:VEVENT line
        for piece in pieces[:-1]:
            event = written_event(piece, details, written)
            if event is not None:
                out[event[0]] = event[1]
            else:  # the header before the first event, or another shape: line by line
                found, bad = _other_events(_unfold(piece + _END), at_file_start, details, out)
                cadence_export, bad_event = cadence_export or found, bad_event or bad
            at_file_start = False
        if pieces[-1] or at_file_start:  # the text after the last event
            found, bad = _other_events(_unfold(pieces[-1]), at_file_start, details, out)
            cadence_export, bad_event = cadence_export or found, bad_event or bad
            at_file_start = False
    return out, cadence_export, bad_event


def _other_events(
    text: bytes, at_file_start: bool, details: bool, out: dict[str, PreviousEvent]
) -> tuple[bool, bool]:
    """Read the events of ``text`` (whole lines, none in an unfinished event) line by line
    into ``out``; (whether a line outside them names Cadence's PRODID, whether one is
    unusable)."""
    cadence_export = bad_event = False
    for outside, body in event_bodies(text, at_file_start):
        cadence_export = cadence_export or names_cadence(outside)
        if body is None:
            continue
        decoded = body.decode("utf-8")
        event = _event_of_lines(decoded.split("\r\n") if decoded else [], details)
        if event is None:
            bad_event = True
        elif not event[2]:  # cancelled events are left out
            out[event[0]] = event[1]
    return cadence_export, bad_event


_PRODID_LINE = f"\r\nPRODID:{PRODID}\r\n".encode()


def names_cadence(outside: bytes) -> bool:
    """Whether text outside the events (CRLF before each line but the file's first) has
    Cadence's PRODID line before a ``BEGIN:VEVENT`` line (after one is an event's)."""
    text = outside + b"\r\n"
    if text.startswith(b"BEGIN:VEVENT\r\n"):
        return False  # the file's first line
    first_event = text.find(b"\r\nBEGIN:VEVENT\r\n")
    if first_event >= 0:
        text = text[: first_event + 2]
    return _PRODID_LINE in text


# --- blocks and lines -------------------------------------------------------------------


def line_blocks(file: BinaryIO) -> Iterator[bytes]:
    """The bytes of an .ics file a block at a time, as they are (folded); every block
    ends with a CRLF that ends a line for sure (the next block does not start with a
    continuation; one is added after the file's last line when it has none).

    Bytes, not text: a UTF-8 sequence never holds a CR or LF byte, so cutting, unfolding
    and splitting at them is the same on either, and the digests take bytes.
    """
    tail = b""  # bytes whose last line may still continue in the next block
    while block := file.read(READ_BLOCK):
        data = tail + block
        cut = _last_line_end(data)
        if cut < 0:
            tail = data
            continue
        yield data[: cut + 2]
        tail = data[cut + 2 :]
    yield tail if not tail or tail.endswith(b"\r\n") else tail + b"\r\n"


def unfolded_blocks(file: BinaryIO) -> Iterator[bytes]:
    """:func:`line_blocks` with folding undone (each CRLF followed by a space or a tab
    removed, RFC 5545). Raises UnicodeDecodeError when the text is not UTF-8."""
    for block in line_blocks(file):
        yield _checked_utf8(_unfold(block))


# A continuation of a line of at most 16 octets (the CRLF before it included): unfolded,
# that line may start or be one the readers look for (``STATUS:CANCELLED`` has 16) that
# does not show as written.
_ODD_FOLD = re.compile(rb"\r\n[ \t](?<![^\r\n]{17}\r\n[ \t])")


def plain_folded_blocks(file: BinaryIO) -> Iterator[bytes]:
    """:func:`line_blocks`, each as it is when every continued line is longer than 16
    octets (as Cadence folds, at 75) and it is UTF-8 text, else with folding undone (a
    fold may cut a UTF-8 sequence): in what is handed on, every line that is, or starts
    with, one of the words the readers look for (``END:VEVENT``, ``SEQUENCE``…) is such
    a line once unfolded, and the reverse. Raises UnicodeDecodeError when the unfolded
    text is not UTF-8."""
    for block in line_blocks(file):
        if _ODD_FOLD.search(b"\r\n" + block) is None and _is_utf8(block):
            yield block
        else:
            yield _checked_utf8(_unfold(block))


def _is_utf8(data: bytes) -> bool:
    try:
        _checked_utf8(data)
    except UnicodeDecodeError:
        return False
    return True


def _checked_utf8(data: bytes) -> bytes:
    """``data``, once it decodes as UTF-8 (else UnicodeDecodeError)."""
    if not data.isascii():
        data.decode("utf-8")
    return data


def unfolded_lines(file: BinaryIO) -> Iterator[str]:
    """The content lines of an .ics file, read a block at a time (see
    :func:`unfolded_blocks`); the file's last CRLF ends a line, it does not start one."""
    for block in unfolded_blocks(file):
        lines = block.decode("utf-8").split("\r\n")
        if lines[-1] == "":
            del lines[-1]
        yield from lines


def _last_line_end(data: bytes) -> int:
    """Where the last CRLF of ``data`` is that ends a line for sure (the bytes after it
    show it is not folded: no space or tab follows), or -1."""
    cut = data.rfind(b"\r\n")
    while cut >= 0 and data[cut + 2 : cut + 3] in (b"", b" ", b"\t"):
        cut = data.rfind(b"\r\n", 0, cut)
    return cut


def _unfold(data: bytes) -> bytes:
    return data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")


# --- events ------------------------------------------------------------------------------

_END = b"\r\nEND:VEVENT\r\n"
_BEGIN = b"BEGIN:VEVENT"


def event_segments(file: BinaryIO) -> Iterator[bytes]:
    """The text of an .ics file (:func:`plain_folded_blocks`) in segments, each cut
    right after an ``END:VEVENT`` line (the last: the rest), so that no event spans two;
    text without one is handed on every :data:`MAX_HELD_BYTES`, so it is never held
    whole."""
    held: list[bytes] = []  # blocks since the last END:VEVENT line
    held_bytes = 0
    for block in plain_folded_blocks(file):
        # Blocks end with a CRLF: an END:VEVENT line may start the next one.
        end = (b"\r\n" + block).rfind(_END)
        if end < 0:
            held.append(block)
            held_bytes += len(block)
            if held_bytes > MAX_HELD_BYTES:  # no event is that long: a file of no events
                yield b"".join(held)
                held, held_bytes = [], 0
            continue
        cut = end - 2 + len(_END)
        held.append(block[:cut])
        yield b"".join(held)
        held = [block[cut:]]
        held_bytes = len(held[0])
    yield b"".join(held)


def event_bodies(text: bytes, at_file_start: bool) -> Iterator[tuple[bytes, bytes | None]]:
    """(text outside events before it, body) of each event of ``text`` (unfolded lines);
    the body is the event's lines between ``BEGIN:VEVENT`` and ``END:VEVENT``, joined by
    CRLF (a nested BEGIN:VEVENT starts the event again). The last pair has body None:
    the text after the last event. Outside texts start with a CRLF unless they start the
    file."""
    pieces = text.split(_END)
    line_end = b"" if at_file_start else b"\r\n"
    for piece in pieces[:-1]:
        outside, body = _split_event(piece)
        yield line_end + outside, body
        line_end = b"\r\n"
    yield line_end + pieces[-1], None


def _event_start(data: bytes) -> int:
    """Where the last ``BEGIN:VEVENT`` line of ``data`` starts, or -1."""
    at = data.rfind(_BEGIN)
    while at >= 0:
        after = data[at + len(_BEGIN) : at + len(_BEGIN) + 2]
        if (at == 0 or data[at - 2 : at] == b"\r\n") and after in (b"\r\n", b""):
            return at
        at = data.rfind(_BEGIN, 0, at)
    return -1


def _split_event(piece: bytes) -> tuple[bytes, bytes | None]:
    """(outside, body) of the text before an ``END:VEVENT`` line (body None: no BEGIN)."""
    if piece.startswith(b"BEGIN:VEVENT\r\n") and piece.find(_BEGIN, 14) < 0:
        return b"", piece[14:]  # the usual event, right after the previous one
    begin = _event_start(piece)
    if begin < 0:
        return piece, None
    return piece[:begin], piece[begin + len(_BEGIN) + 2 :]


# The first lines of an event as Cadence writes it: UID, DTSTAMP, LAST-MODIFIED and
# SEQUENCE, up to the CRLF before a content line (not a continuation).
_WRITTEN_HEAD = re.compile(
    rb"BEGIN:VEVENT\r\nUID:([^\r\n]+)\r\nDTSTAMP:([0-9]{8}T[0-9]{6}Z)\r\n"
    rb"LAST-MODIFIED:[^\r\n]*\r\nSEQUENCE:([0-9]+)(?=\r\n[^ \t])"
)
# A content line that makes an event another shape: a revision line after the first
# four, a cancellation, the start of another event.
_NOT_CONTENT_LINE = re.compile(
    rb"\r\n(?:DTSTAMP|LAST-MODIFIED|SEQUENCE|(?:STATUS:CANCELLED|BEGIN:VEVENT)(?:\r\n|\Z))"
)


def written_event(piece: bytes, details: bool, keep: bool) -> tuple[str, PreviousEvent] | None:
    """(UID, what we keep of it) of an event as Cadence writes it — UID, DTSTAMP,
    LAST-MODIFIED and SEQUENCE first, then content lines none of which is another
    revision line, a cancellation or the start of another event — read from ``piece``,
    its text up to the CRLF before ``END:VEVENT`` (as :func:`plain_folded_blocks` hands
    it on). None: another shape, read line by line (:func:`_event_of_lines`).
    ``keep``: keep the content lines as written instead of their digest."""
    head = _WRITTEN_HEAD.match(piece)
    if head is None or _NOT_CONTENT_LINE.search(piece, head.end()):
        return None
    written = piece[head.end() + 2 :]
    uid = head[1].decode("utf-8")
    key = "" if keep else written_key(uid, written)
    stamp = sys.intern(head[2].decode("ascii"))
    event = PreviousEvent(key, int(head[3]), stamp, "", "", "", written if keep else b"")
    if details:
        own = _unfold(b"\r\n" + written).partition(b"\r\nBEGIN:VALARM")[0].decode("utf-8")
        start, end = _first_line(own, "DTSTART"), _first_line(own, "DTEND")
        event = event._replace(start=start, end=end, summary=_first_line(own, "SUMMARY"))
    return uid, event


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


# --- reading in step with the next export ---------------------------------------------


class RereadPrevious(Exception):  # noqa: N818 (a signal, not an error)
    """An answer :class:`PreviousInStep` gave can no longer stand (the file turned out
    unusable as a whole, or a UID it answered for comes again later, where the last one
    counts): the export starts again with :func:`read_previous`'s reading."""


# The first lines of an event as Cadence writes them (_WRITTEN_HEAD, with the UID line as
# written, folded or not): the content lines follow.
_IN_STEP_HEAD = re.compile(
    rb"BEGIN:VEVENT\r\n(UID:[^\r\n]*(?:\r\n [^\r\n]*)*)\r\nDTSTAMP:([0-9]{8}T[0-9]{6}Z)\r\n"
    rb"LAST-MODIFIED:[^\r\n]*\r\nSEQUENCE:([0-9]+)\r\n"
)
# Bytes held beyond an event's content lines before comparing (its first lines, the end).
_HEAD_ROOM = 1024
_CONTINUED = (ord(" "), ord("\t"))


def _event_alone(piece: bytes) -> tuple[str, PreviousEvent | None]:
    """(UID, what is kept; None when it is cancelled) of one event read line by line,
    ``piece`` being its text from ``BEGIN:VEVENT`` to the CRLF before ``END:VEVENT``,
    with no fold after a short line (as :func:`_other_events` reads it). Raises
    :class:`RereadPrevious` when it is not usable (no UID, a SEQUENCE that is no number,
    another event in it): the file is then unusable as a whole, or read otherwise."""
    body = piece[len(b"BEGIN:VEVENT\r\n") :]
    if _NESTED_EVENT.search(body):
        raise RereadPrevious("another event inside an event")
    decoded = _unfold(body).decode("utf-8")
    event = _event_of_lines(decoded.split("\r\n") if decoded else [], False)
    if event is None:
        raise RereadPrevious("an event without UID or with a SEQUENCE that is no number")
    uid, previous, cancelled = event
    return uid, None if cancelled else previous


_NESTED_EVENT = re.compile(rb"(?:^|\r\n)BEGIN:VEVENT(?:\r\n|$)")


#: events read one at a time looking for an event not where the file is at, before the
#: rest of the file is read whole (an event moved far, or new)
SCAN_AHEAD = 256


class _Joined(io.RawIOBase):
    """Bytes held, then the rest of a file: read as one file."""

    def __init__(self, held: bytes, file: BinaryIO) -> None:
        super().__init__()
        self._held, self._file = held, file

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._held:
            out, self._held = self._held, b""
            return out
        return self._file.read(size)


class PreviousInStep:
    """The previous export at ``path`` read in step with the export that replaces it.

    An export of an unchanged plan writes its events in the order of the file it
    replaces, so each event is looked for where the file is at (:meth:`lookup`). There, an
    event that says exactly what the new one says — its UID line, then DTSTAMP,
    LAST-MODIFIED and SEQUENCE, then the same content lines as written, then END:VEVENT
    — is compared as it is, with one byte comparison, and nothing else of it is read.
    Anything else is read as :func:`read_previous` reads it (:func:`written_event`, or
    line by line), and events passed over are kept until asked for: a changed event is
    found where it is, one moved a little later by reading on; one not among the next
    :data:`SCAN_AHEAD` (moved far, or new) has the rest of the file read whole at once
    (the cost of :func:`read_previous`, paid only then), and so has the end
    (:meth:`finish`).

    The answers are the ones :func:`read_previous` gives (``details=False,
    written=True``) for every file: when the file turns out unusable as a whole (an
    event without UID, a foreign PRODID, text that is not UTF-8) or a UID answered for
    comes again later in the file, :meth:`lookup` or :meth:`finish` raises
    :class:`RereadPrevious` and the export starts over with :func:`read_previous`.
    A block (:data:`READ_BLOCK`) is held at a time, plus the events passed over.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self._file: BinaryIO | None = None
        self._buffer = b""
        self._at = 0  # where the next event (or the text after the last) starts
        self._read_all = False  # the file is read to its end
        self._passed: dict[str, PreviousEvent] = {}  # read over, not asked for yet
        self._asked: set[str] = set()  # UIDs answered from the file
        self._stamp = (b"", "")  # the last DTSTAMP read, as bytes and as text
        # (DTSTAMP, SEQUENCE) of the last event found unchanged (:meth:`holds`)
        self.last: tuple[str, int] | None = None
        self.usable = self._open()

    # -- the file ---------------------------------------------------------------------

    def _open(self) -> bool:
        """Open the file and read up to its first event; False when it is missing, a
        folder, unreadable or not (visibly) Cadence's: then :func:`read_previous` decides,
        and the caller uses it."""
        try:
            self._file = Path(self.path).open("rb")  # noqa: SIM115 (closed by finish/close)
        except OSError:
            return False
        while (first := self._event_line(0)) < 0 and len(self._buffer) < MAX_HELD_BYTES:
            if not self._more():
                break
        header = self._buffer[: max(first, 0)] if first >= 0 else self._buffer
        try:
            found, bad = _other_events(_checked_utf8(_unfold(header)), True, False, {})
        except UnicodeDecodeError:
            return False
        if first < 0 or not found or bad or _ODD_FOLD.search(b"\r\n" + header):
            return False
        self._at = first
        return True

    def _event_line(self, start: int) -> int:
        """Where the first ``BEGIN:VEVENT`` line at or after ``start`` begins, or -1."""
        at = self._buffer.find(b"BEGIN:VEVENT\r\n", start)
        while at > 0 and self._buffer[at - 2 : at] != b"\r\n":
            at = self._buffer.find(b"BEGIN:VEVENT\r\n", at + 1)
        return at

    def _more(self) -> bool:
        """Read the next block after what is held (what was read over is let go)."""
        if self._read_all or self._file is None:
            return False
        block = self._file.read(READ_BLOCK)
        if not block:
            self._read_all = True
            return False
        self._buffer = self._buffer[self._at :] + block
        self._at = 0
        return True

    def _have(self, size: int) -> bool:
        """Whether ``size`` bytes from where the file is at are held (reading on)."""
        while len(self._buffer) - self._at < size:
            if not self._more():
                return False
        return True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- events -----------------------------------------------------------------------

    def lookup(self, uid: str, uid_line: str, lines: str) -> tuple[PreviousEvent | None, bool]:
        """(the previous event ``uid``, whether it is known to say exactly ``lines``): its
        UID line as written (``uid_line``, folded) and its content lines after SEQUENCE
        as written. (None, False): the file had no such event."""
        if uid in self._asked:
            raise RereadPrevious(self.path)  # asked twice: both get the file's last one
        before = self._passed.pop(uid, None)
        if before is None:
            same = self._unchanged_here(uid_line, lines.encode("utf-8", "replace"))
            if same is not None:
                self._asked.add(uid)
                return same, True
            before = self._read_on_to(uid)
        self._asked.add(uid)
        return before, False

    def _read_on_to(self, uid: str) -> PreviousEvent | None:
        """Read on to the event ``uid``, keeping the events passed over; when it is not
        among the next :data:`SCAN_AHEAD` events, read the rest of the file whole (None:
        the file has no such event)."""
        for _ in range(SCAN_AHEAD):
            found = self._read_event()
            if found is None:
                break  # the rest is read
            if found[1] is None:
                continue  # cancelled: read_previous leaves it out
            if found[0] == uid:
                return found[1]
            self._passed[found[0]] = found[1]
        else:
            self._read_rest()  # far ahead, or a new event: the rest read whole at once
        return self._passed.pop(uid, None)

    def holds(self, uid: str, event: bytes) -> bool:
        """Whether the file holds exactly ``event`` (an event as written, UID ``uid``)
        where it is at; then it is past it. The cheap check of an unchanged event:
        :meth:`lookup` answers for any other."""
        if uid in self._asked:
            return False  # lookup() says why
        at = self._at
        if len(self._buffer) - at <= len(event) and not self._read_all:
            self._have(len(event) + 1)
            at = self._at
        buffer = self._buffer
        end = at + len(event)
        if not buffer.startswith(event, at) or buffer[end : end + 1] in (b" ", b"\t"):
            return False  # another event, or END:VEVENT continued (not an end)
        self._at = end
        self._asked.add(uid)
        return True

    def _unchanged_here(self, uid_line: str, content: bytes) -> PreviousEvent | None:
        """The event where the file is at, when it is ``uid_line`` and says ``content``
        exactly as written (None otherwise: nothing is consumed)."""
        if len(self._buffer) - self._at < len(content) + _HEAD_ROOM and not self._read_all:
            self._have(len(content) + _HEAD_ROOM)  # (up to the file's end)
        buffer = self._buffer
        head = _IN_STEP_HEAD.match(buffer, self._at)
        if head is None or head[1] != uid_line.encode("utf-8", "replace"):
            return None
        end = head.end() + len(content)
        if not (
            buffer.startswith(content, head.end())
            and buffer.startswith(b"\r\nEND:VEVENT\r\n", end)
            and (end + 14 < len(buffer) or self._read_all)
            and buffer[end + 14 : end + 15] not in (b" ", b"\t")  # END:VEVENT not continued
        ):
            return None
        self._at = end + 14
        stamp, number = head[2], head[3]
        if stamp != self._stamp[0]:
            self._stamp = (stamp, sys.intern(stamp.decode("ascii")))
        self.last = (self._stamp[1], int(number))
        return PreviousEvent("", self.last[1], self.last[0])

    def _read_event(self) -> tuple[str, PreviousEvent | None] | None:
        """The next event of the file read as :func:`read_previous` reads it (its UID and
        what is kept; None: it is cancelled), or None at the end of the events (the rest
        is then read and checked). Raises :class:`RereadPrevious` when
        :func:`read_previous` would read the file otherwise."""
        while (end := self._buffer.find(_END, self._at)) < 0 and self._more():
            pass
        buffer, at = self._buffer, self._at
        if end < 0 or not buffer.startswith(b"BEGIN:VEVENT\r\n", at):
            self._read_rest()
            return None
        piece = buffer[at : end + 2]
        if _ODD_FOLD.search(piece) or not _is_utf8(piece):
            raise RereadPrevious(self.path)  # read whole, as read_previous does
        event: tuple[str, PreviousEvent | None] | None = written_event(buffer[at:end], False, True)
        if event is None:  # another shape (a folded UID line…): line by line
            event = _event_alone(buffer[at:end])
        if event[0] in self._asked and event[1] is not None:
            raise RereadPrevious(self.path)  # a UID answered for comes again: the last counts
        self._at = end + len(_END)
        if self._at < len(buffer) and buffer[self._at] in _CONTINUED:
            raise RereadPrevious(self.path)  # END:VEVENT continued: not an end
        return event

    def _read_rest(self) -> None:
        """Read the rest of the file from where it is at (usually just ``END:VCALENDAR``)
        as :func:`read_previous` does, a block at a time; its events are kept as passed."""
        held, self._buffer, self._at = self._buffer[self._at :], b"", 0
        self.last = None  # no more events to compare where the file is at
        if self._read_all or self._file is None:
            rest: BinaryIO = io.BytesIO(held)
        else:
            rest = cast(BinaryIO, _Joined(held, self._file))
        self._read_all = True
        try:
            events, _, bad = previous_events(rest, details=False, written=True, at_file_start=False)
        except UnicodeDecodeError:
            raise RereadPrevious(self.path) from None
        if bad or not self._asked.isdisjoint(events):
            raise RereadPrevious(self.path)
        self._passed.update(events)

    def finish(self) -> None:
        """Read the rest of the file (events no longer exported, the end), so that any
        answer given stands as :func:`read_previous` would have given it; raises
        :class:`RereadPrevious` otherwise."""
        try:
            self._read_rest()
        finally:
            self.close()
