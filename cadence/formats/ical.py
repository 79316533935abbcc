"""iCalendar (RFC 5545) export of a schedule that real calendar programs accept.

A fast serializer written for our few event shapes, proven against libical, `icalendar`,
`ical` (strict), `vobject` and ical.js in the test suite:

* CRLF line endings; lines folded at 75 octets, never inside a UTF-8 sequence.
* TEXT escaped (``\\ ; , newline``); other line breaks a parser might split on
  (CR, U+2028, U+2029, NEL, VT, FF) become ``\\n`` and control characters are
  dropped, so no title can start a property of its own.
* Timed entries carry ``TZID`` of the plan's zone and a ``VTIMEZONE`` built from
  zoneinfo's transitions over the years the export needs (never floating; UTC
  plans use ``Z``); all-day entries use ``VALUE=DATE`` with an exclusive DTEND.
* UID = the engine's occurrence UID. No METHOD: RFC 5546 PUBLISH requires an
  ORGANIZER, and a plan's calendar is a plain calendar object, not an iTIP message.
* DTSTAMP, LAST-MODIFIED and SEQUENCE follow each event's content against the
  previous export (:class:`Revision`): unchanged events keep theirs (an
  unchanged plan exports identical bytes), changed ones get SEQUENCE + 1 and
  a stamp that never goes back (see docs/export.md).
"""

from __future__ import annotations

import calendar as calendar_module
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cadence.formats.export_common import (
    DEFAULT_INCLUDE,
    PROGRESS_EVERY,
    CancelCheck,
    ExportCancelled,
    ExportError,
    ExportFilter,
    ProgressCallback,
    atomic_output,
    entries_for,
    gap_uid,
    parse_include,
)
from cadence.formats.ics_previous import (  # noqa: F401 (callers import the reader from here too)
    EPOCH_STAMP,
    PRODID,
    PreviousEvent,
    PreviousInStep,
    RereadPrevious,
    content_key,
    event_key,
    previous_key,
    read_previous,
    read_previous_bytes,
    read_sequences,
    unfolded_lines,
)
from cadence.gcpause import gc_paused
from cadence.model import CHANNEL_LABELS, Gap, Occurrence, Plan, Schedule

if TYPE_CHECKING:
    from cadence.calendar import WorkingDays

CRLF = "\r\n"
# Zones that are UTC under another name: their times are written with "Z".
UTC_ZONES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
)
# How often subscribing clients should refresh (RFC 7986 and the older X- form).
REFRESH_INTERVAL = "PT12H"

# Length of a timed entry by channel, in minutes (a call blocks half an hour).
DEFAULT_MINUTES: dict[str, int] = {
    "email": 15,
    "newsletter": 15,
    "call": 30,
    "meeting": 60,
    "event": 120,
    "content": 30,
    "social": 15,
    "direct_mail": 30,
    "other": 30,
}
# Timed entries of these channels take a person's time: shown busy (OPAQUE).
BUSY_CHANNELS = frozenset({"call", "meeting", "event"})
GAP_COLOR = "orangered"
GAP_LABELS: dict[str, str] = {
    "unowned": "Unowned",
    "silence": "Silence",
    "handoff": "Hand-off",
    "spacing": "Spacing",
    "capacity": "Over capacity",
    "drift": "Drift",
    "content": "Content",
    "coverage": "Coverage",
}

# --- text ---------------------------------------------------------------------------

_LINE_BREAKS = "\n\r\u2028\u2029\x85\x0b\x0c"
_TEXT_TABLE: dict[int, str | None] = {
    ord("\\"): "\\\\",
    ord(";"): "\\;",
    ord(","): "\\,",
}
for _ch in _LINE_BREAKS:
    _TEXT_TABLE[ord(_ch)] = "\\n"
for _code in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F]:
    _TEXT_TABLE[_code] = None  # control characters are not allowed in TEXT
del _ch, _code


# Any character escape_text changes (most texts have none: they are returned as they are).
_NEEDS_ESCAPE = re.compile("[" + "".join(re.escape(chr(code)) for code in _TEXT_TABLE) + "]")
# The ones other than backslash, semicolon, comma and newline (rare in real text).
_NEEDS_TABLE = re.compile(
    "[" + "".join(re.escape(chr(code)) for code in _TEXT_TABLE if chr(code) not in "\\;,\n") + "]"
)


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): one line, ``\\ ; ,`` and line breaks escaped."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    if _NEEDS_TABLE.search(value) is None:
        # Only the four common ones: four replaces are ~10x faster than translate()
        # with a table (a meeting's agenda is tens of kB). Backslashes go first.
        return (
            value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n")
        )  # fmt: skip
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    return value.translate(_TEXT_TABLE)


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with a space).

    Cuts fall between UTF-8 sequences, never inside one.
    """
    if line.isascii():
        if len(line) <= 75:
            return line
        # A plain loop: most lines fold into two or three parts, fewer than a
        # comprehension's own cost pays for.
        parts = [line[:75]]
        for begin in range(75, len(line), 74):
            parts.append(line[begin : begin + 74])
        return "\r\n ".join(parts)
    data = line.encode("utf-8", "replace")
    if len(data) <= 75:
        return line
    out = []
    begin, limit = 0, 75
    while len(data) - begin > limit:
        cut = begin + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: back off to a lead byte
            cut -= 1
        out.append(data[begin:cut].decode("utf-8"))
        begin, limit = cut, 74
    out.append(data[begin:].decode("utf-8"))
    return "\r\n ".join(out)


# --- colours ------------------------------------------------------------------------

# CSS3 colour keywords: RFC 7986 COLOR takes a name, not a hex triplet.
CSS_COLORS: tuple[tuple[str, int], ...] = (
    ("aliceblue", 0xF0F8FF), ("antiquewhite", 0xFAEBD7), ("aqua", 0x00FFFF),
    ("aquamarine", 0x7FFFD4), ("azure", 0xF0FFFF), ("beige", 0xF5F5DC), ("bisque", 0xFFE4C4),
    ("black", 0x000000), ("blanchedalmond", 0xFFEBCD), ("blue", 0x0000FF),
    ("blueviolet", 0x8A2BE2), ("brown", 0xA52A2A), ("burlywood", 0xDEB887),
    ("cadetblue", 0x5F9EA0), ("chartreuse", 0x7FFF00), ("chocolate", 0xD2691E),
    ("coral", 0xFF7F50), ("cornflowerblue", 0x6495ED), ("cornsilk", 0xFFF8DC),
    ("crimson", 0xDC143C), ("darkblue", 0x00008B), ("darkcyan", 0x008B8B),
    ("darkgoldenrod", 0xB8860B), ("darkgray", 0xA9A9A9), ("darkgreen", 0x006400),
    ("darkkhaki", 0xBDB76B), ("darkmagenta", 0x8B008B), ("darkolivegreen", 0x556B2F),
    ("darkorange", 0xFF8C00), ("darkorchid", 0x9932CC), ("darkred", 0x8B0000),
    ("darksalmon", 0xE9967A), ("darkseagreen", 0x8FBC8F), ("darkslateblue", 0x483D8B),
    ("darkslategray", 0x2F4F4F), ("darkturquoise", 0x00CED1), ("darkviolet", 0x9400D3),
    ("deeppink", 0xFF1493), ("deepskyblue", 0x00BFFF), ("dimgray", 0x696969),
    ("dodgerblue", 0x1E90FF), ("firebrick", 0xB22222), ("floralwhite", 0xFFFAF0),
    ("forestgreen", 0x228B22), ("fuchsia", 0xFF00FF), ("gainsboro", 0xDCDCDC),
    ("ghostwhite", 0xF8F8FF), ("gold", 0xFFD700), ("goldenrod", 0xDAA520), ("gray", 0x808080),
    ("green", 0x008000), ("greenyellow", 0xADFF2F), ("honeydew", 0xF0FFF0),
    ("hotpink", 0xFF69B4), ("indianred", 0xCD5C5C), ("indigo", 0x4B0082), ("ivory", 0xFFFFF0),
    ("khaki", 0xF0E68C), ("lavender", 0xE6E6FA), ("lavenderblush", 0xFFF0F5),
    ("lawngreen", 0x7CFC00), ("lemonchiffon", 0xFFFACD), ("lightblue", 0xADD8E6),
    ("lightcoral", 0xF08080), ("lightcyan", 0xE0FFFF), ("lightgoldenrodyellow", 0xFAFAD2),
    ("lightgray", 0xD3D3D3), ("lightgreen", 0x90EE90), ("lightpink", 0xFFB6C1),
    ("lightsalmon", 0xFFA07A), ("lightseagreen", 0x20B2AA), ("lightskyblue", 0x87CEFA),
    ("lightslategray", 0x778899), ("lightsteelblue", 0xB0C4DE), ("lightyellow", 0xFFFFE0),
    ("lime", 0x00FF00), ("limegreen", 0x32CD32), ("linen", 0xFAF0E6), ("maroon", 0x800000),
    ("mediumaquamarine", 0x66CDAA), ("mediumblue", 0x0000CD), ("mediumorchid", 0xBA55D3),
    ("mediumpurple", 0x9370DB), ("mediumseagreen", 0x3CB371), ("mediumslateblue", 0x7B68EE),
    ("mediumspringgreen", 0x00FA9A), ("mediumturquoise", 0x48D1CC),
    ("mediumvioletred", 0xC71585), ("midnightblue", 0x191970), ("mintcream", 0xF5FFFA),
    ("mistyrose", 0xFFE4E1), ("moccasin", 0xFFE4B5), ("navajowhite", 0xFFDEAD),
    ("navy", 0x000080), ("oldlace", 0xFDF5E6), ("olive", 0x808000), ("olivedrab", 0x6B8E23),
    ("orange", 0xFFA500), ("orangered", 0xFF4500), ("orchid", 0xDA70D6),
    ("palegoldenrod", 0xEEE8AA), ("palegreen", 0x98FB98), ("paleturquoise", 0xAFEEEE),
    ("palevioletred", 0xDB7093), ("papayawhip", 0xFFEFD5), ("peachpuff", 0xFFDAB9),
    ("peru", 0xCD853F), ("pink", 0xFFC0CB), ("plum", 0xDDA0DD), ("powderblue", 0xB0E0E6),
    ("purple", 0x800080), ("red", 0xFF0000), ("rosybrown", 0xBC8F8F), ("royalblue", 0x4169E1),
    ("saddlebrown", 0x8B4513), ("salmon", 0xFA8072), ("sandybrown", 0xF4A460),
    ("seagreen", 0x2E8B57), ("seashell", 0xFFF5EE), ("sienna", 0xA0522D), ("silver", 0xC0C0C0),
    ("skyblue", 0x87CEEB), ("slateblue", 0x6A5ACD), ("slategray", 0x708090), ("snow", 0xFFFAFA),
    ("springgreen", 0x00FF7F), ("steelblue", 0x4682B4), ("tan", 0xD2B48C), ("teal", 0x008080),
    ("thistle", 0xD8BFD8), ("tomato", 0xFF6347), ("turquoise", 0x40E0D0), ("violet", 0xEE82EE),
    ("wheat", 0xF5DEB3), ("white", 0xFFFFFF), ("whitesmoke", 0xF5F5F5), ("yellow", 0xFFFF00),
    ("yellowgreen", 0x9ACD32),
)  # fmt: skip


@lru_cache(maxsize=256)
def css_color_name(hex_color: str) -> str | None:
    """The CSS3 colour name nearest to ``#rrggbb`` (None when it is not such a colour)."""
    text = hex_color.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        value = int(text, 16)
    except ValueError:
        return None
    if len(text) != 6:
        return None
    r, g, b = value >> 16, (value >> 8) & 0xFF, value & 0xFF

    def distance(entry: tuple[str, int]) -> int:
        v = entry[1]
        return (r - (v >> 16)) ** 2 + (g - ((v >> 8) & 0xFF)) ** 2 + (b - (v & 0xFF)) ** 2

    return min(CSS_COLORS, key=distance)[0]


# --- time zones ---------------------------------------------------------------------


def _utc_offset_text(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


@dataclass(frozen=True, slots=True)
class _Transition:
    local: datetime  # naive wall-clock time just before the change (in the old offset)
    utc: datetime
    dst: bool
    offset_from: timedelta
    offset_to: timedelta
    name: str


def _state(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, timedelta, str]:
    """(UTC offset, DST amount, abbreviation) at an instant."""
    local = instant.astimezone(zone)
    return (local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or "")


def zone_transitions(zone_name: str, first: datetime, last: datetime) -> list[_Transition]:
    """Every change of offset, DST flag or abbreviation between two UTC instants."""
    zone = ZoneInfo(zone_name)
    out = []
    step = timedelta(days=1)
    before = first
    state_before = _state(zone, before)
    while before < last:
        after = min(before + step, last)
        state_after = _state(zone, after)
        if state_after != state_before:
            lo, hi = before, after  # state(lo) = before-state, state(hi) = new
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if _state(zone, mid) == state_before:
                    lo = mid
                else:
                    hi = mid
            offset_from = state_before[0]
            if bool(state_before[1]) != bool(state_after[1]):
                # A switch between summer and winter time: summer is the larger
                # offset, also where tzdata calls winter a negative DST (Dublin).
                daylight = state_after[0] > offset_from
            else:
                daylight = state_after[1] > timedelta(0)
            out.append(
                _Transition(
                    local=(hi + offset_from).replace(tzinfo=None),
                    utc=hi,
                    dst=daylight,
                    offset_from=offset_from,
                    offset_to=state_after[0],
                    name=state_after[2],
                )
            )
        before, state_before = after, state_after
    return out


def _yearly_rule(locals_: Sequence[datetime]) -> str | None:
    """``BYMONTH=..;BYDAY=..`` when these yearly instants follow one rule, else None."""
    first = locals_[0]
    for i, moment in enumerate(locals_):
        if (
            moment.year != first.year + i
            or moment.month != first.month
            or moment.weekday() != first.weekday()
            or moment.time() != first.time()
        ):
            return None
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[first.weekday()]
    if all(m.day + 7 > calendar_module.monthrange(m.year, m.month)[1] for m in locals_):
        return f"BYMONTH={first.month};BYDAY=-1{weekday}"
    nth = {(m.day - 1) // 7 + 1 for m in locals_}
    if len(nth) == 1 and (n := nth.pop()) <= 4:
        return f"BYMONTH={first.month};BYDAY={n}{weekday}"
    return None


def _local_text(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%S}"


@lru_cache(maxsize=32)
def vtimezone(zone_name: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """A VTIMEZONE (unfolded lines) valid for every instant of the given years.

    Transitions come from zoneinfo, from the start of the year before
    ``first_year`` (so an observance precedes every entry) to the end of
    ``last_year``. Transitions that repeat yearly on one rule become one
    observance with an RRULE (what Outlook and Google write themselves), with
    UNTIL (UTC) when the rule stops inside the period; irregular ones are
    listed with RDATE. A zone without transitions gets one observance.
    """
    zone = ZoneInfo(zone_name)
    begin = datetime(first_year - 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    transitions = zone_transitions(zone_name, begin, end)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{escape_text(zone_name)}"]
    entries_from = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    if not transitions or transitions[0].utc > entries_from:
        offset, dst, name = _state(zone, begin)
        kind = "DAYLIGHT" if dst > timedelta(0) else "STANDARD"
        text = _utc_offset_text(offset)
        lines += [
            f"BEGIN:{kind}",
            f"TZNAME:{escape_text(name)}",
            f"TZOFFSETFROM:{text}",
            f"TZOFFSETTO:{text}",
            "DTSTART:19700101T000000",
            f"END:{kind}",
        ]
    groups: dict[tuple[bool, timedelta, timedelta, str], list[_Transition]] = {}
    for t in transitions:
        groups.setdefault((t.dst, t.offset_from, t.offset_to, t.name), []).append(t)
    for (daylight, offset_from, offset_to, name), members in sorted(
        groups.items(), key=lambda item: item[1][0].utc
    ):
        kind = "DAYLIGHT" if daylight else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            f"TZNAME:{escape_text(name)}",
            f"TZOFFSETFROM:{_utc_offset_text(offset_from)}",
            f"TZOFFSETTO:{_utc_offset_text(offset_to)}",
            f"DTSTART:{_local_text(members[0].local)}",
        ]
        if len(members) > 1:
            rule = _yearly_rule([m.local for m in members])
            if rule is not None:
                until = ""
                if members[-1].local.year < last_year:
                    # A day after the last onset: still before the next year's,
                    # and safe for readers that compare UNTIL with local time.
                    stop = members[-1].utc + timedelta(days=1)
                    until = f";UNTIL={stop:%Y%m%dT%H%M%SZ}"
                lines.append(f"RRULE:FREQ=YEARLY;{rule}{until}")
            else:
                lines.append("RDATE:" + ",".join(_local_text(m.local) for m in members[1:]))
        lines.append(f"END:{kind}")
    lines.append("END:VTIMEZONE")
    return tuple(lines)


def check_zone(zone_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExportError(f"unknown time zone {zone_name!r}") from None


# --- the writer ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    events: int
    touches: int = 0
    broadcasts: int = 0
    requests: int = 0
    gaps: int = 0
    calendar_name: str = ""
    path: Path | None = None
    changed: int = 0  # new or changed since the previous export
    cancelled: int = 0  # removed since the previous export (change files)

    @classmethod
    def of(
        cls,
        occurrences: Sequence[Occurrence],
        gaps: Sequence[Gap],
        total: int,
        calendar_name: str,
        path: Path | None,
    ) -> ExportResult:
        """The counts an export reports for what it wrote."""
        kinds = [o.kind for o in occurrences]  # counted by list.count: 100 000 in ~5 ms
        return cls(
            events=total,
            touches=kinds.count("touch"),
            broadcasts=kinds.count("broadcast"),
            requests=kinds.count("request"),
            gaps=len(gaps),
            calendar_name=calendar_name,
            path=path,
        )


def utc_stamp(moment: datetime) -> str:
    """A UTC DATE-TIME value (``20270215T080000Z``); a naive value is taken as UTC."""
    if moment.tzinfo is None:  # never as local time
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def calendar_name(plan: Plan, selection: ExportFilter) -> str:
    """X-WR-CALNAME: the plan's name and the filter, e.g. "Plan 2027 — Marketing · gaps"."""
    parts = []
    team = plan.team(selection.team)
    if team is not None:
        parts.append(team.name)
    product = plan.product(selection.product)
    if product is not None:
        parts.append(product.name)
    if selection.start is not None or selection.end is not None:
        parts.append(f"{selection.start or plan.start} – {selection.end or plan.end}")
    if selection.include == frozenset({"gaps"}):
        parts.append("gaps")
    return plan.name if not parts else f"{plan.name} — {' · '.join(parts)}"


def _format_leads(leads: float) -> str:
    text = f"{round(leads, 2):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def parse_alarm(text: str) -> timedelta:
    """``--alarm`` text (``30m``, ``2h``, ``1d``, ``1h30m``) → how long before the start."""
    match = re.fullmatch(r"\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*", text.lower())
    if not text.strip() or match is None:
        raise ExportError(
            f"--alarm: cannot read {text!r} (use minutes, hours or days, e.g. 30m, 2h, 1d)"
        )
    days, hours, minutes = (int(part or 0) for part in match.groups())
    before = timedelta(days=days, hours=hours, minutes=minutes)
    if before <= timedelta(0) or before > timedelta(days=28):
        raise ExportError(f"--alarm: {text!r} must be more than 0 and at most 28 days")
    return before


def _trigger(before: timedelta) -> str:
    """TRIGGER value of an alarm this long before the start (``-PT30M``, ``-P1D``)."""
    minutes = int(before.total_seconds()) // 60
    if minutes % 1440 == 0:
        return f"-P{minutes // 1440}D"
    if minutes % 60 == 0:
        return f"-PT{minutes // 60}H"
    return f"-PT{minutes}M"


@dataclass(frozen=True, slots=True)
class Revision:
    """What decides DTSTAMP, LAST-MODIFIED and SEQUENCE of each event.

    ``previous``: the events of the last export (read back from it); an event
    whose content is unchanged keeps its stamp and SEQUENCE, a changed one gets
    SEQUENCE + 1 and a new stamp, a new one SEQUENCE 0. ``now``: the time of
    this export (the command line reads the clock; the core never does).
    ``changes_only``: write only new and changed events, and the previous
    events that are gone as ``STATUS:CANCELLED``. ``in_step``: the previous export
    read in step with this one (then ``previous`` is not used; not with
    ``changes_only``).
    """

    previous: Mapping[str, PreviousEvent] = field(default_factory=dict)
    now: datetime | None = None
    changes_only: bool = False
    in_step: PreviousInStep | None = None


class _Lines(NamedTuple):
    """Content lines that many events share: as digested (unfolded, CRLF between them)
    and as written (folded)."""

    text: str
    folded: str


def _lines(*lines: str) -> _Lines:
    return _Lines(CRLF.join(lines), CRLF.join(fold(line) for line in lines))


class _EntryText(NamedTuple):
    """Escaped text shared by every occurrence of one touch (or broadcast, request)."""

    summary: str  # SUMMARY value (a touch adds its cohort)
    about: str  # "DESCRIPTION:" and what comes before the occurrence's own details
    how: str  # the DESCRIPTION after them, from its line break on
    tail: _Lines  # CATEGORIES, COLOR, TRANSP and STATUS
    minutes: int  # length of a timed entry (DEFAULT_MINUTES of its channel)


class _IcsWriter:
    """Serializes one calendar, an event at a time.

    The text that repeats across events is made once and kept: per touch (names,
    team, channel: :meth:`_static`), per day (dates, why a day is not a working day),
    per cohort, per number of leads. What varies per event is joined into one
    string by :meth:`_event`, which also decides its revision lines.
    """

    def __init__(
        self,
        plan: Plan,
        name: str,
        revision: Revision,
        team_color: str | None,
        alarm: timedelta | None = None,
        holiday_language: str | None = None,
        agendas: Mapping[str, str] | None = None,
    ) -> None:
        self.plan = plan
        # Agenda text of each internal meeting's occurrence, by UID (cadence.agenda).
        self.agendas = agendas or {}
        self.name = name
        self.previous = revision.previous
        self.in_step = revision.in_step
        self.changes_only = revision.changes_only
        self.plan_stamp = utc_stamp(plan.updated) if plan.updated is not None else None
        self.now_stamp = utc_stamp(revision.now) if revision.now is not None else None
        self.team_color = team_color
        self.alarm = _trigger(alarm) if alarm is not None else None
        self.holiday_language = holiday_language
        self.zone_name = plan.timezone or "UTC"
        self.zone = check_zone(self.zone_name)
        self.utc = self.zone_name in UTC_ZONES
        # UIDs of this export the previous one had (a change file cancels the others).
        self.written: set[str] = set()
        self.new_stamp = self._revised(None)  # DTSTAMP of an event not exported before
        self.changed = 0  # new or changed events
        self.teams = {t.id: t for t in plan.teams}
        self.products = {p.id: p for p in plan.products}
        self.stage_names = {(p.id, s.id): s.name for p in plan.products for s in p.stages}
        self.broadcasts = {b.id: b for b in plan.broadcasts}
        self._statics: dict[tuple[object, ...], _EntryText] = {}
        self._times: dict[tuple[date, time | None, date | None, int], _Lines] = {}
        self._dates: dict[date, str] = {}
        self._reasons: dict[date, str] = {}
        self._moves: dict[tuple[date, date], str] = {}
        self._cohorts: dict[tuple[date, float], tuple[str, str]] = {}
        self._leads: dict[float, str] = {}
        self._gap_tails: dict[str, _Lines] = {}
        self._working: WorkingDays | None = None

    # -- header -------------------------------------------------------------------

    def header(self, first: date, last: date, timed: bool) -> list[str]:
        name = escape_text(self.name)
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            f"X-WR-CALNAME:{name}",
            f"NAME:{name}",
            f"X-WR-TIMEZONE:{escape_text(self.zone_name)}",
            f"X-WR-CALDESC:{escape_text(f'Nurture calendar of {self.plan.name}, exported by Cadence')}",
            f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}",
            f"X-PUBLISHED-TTL:{REFRESH_INTERVAL}",
        ]
        if self.team_color:
            css = css_color_name(self.team_color)
            if css:
                lines.append(f"COLOR:{css}")
            lines.append(f"X-APPLE-CALENDAR-COLOR:{escape_text(self.team_color)}")
        if timed and not self.utc:
            lines.extend(vtimezone(self.zone_name, first.year, last.year))
        return [fold(line) for line in lines]

    # -- dates ----------------------------------------------------------------------

    def _date(self, d: date) -> str:
        text = self._dates.get(d)
        if text is None:
            text = self._dates[d] = f"{d:%Y%m%d}"
        return text

    def _when(self, d: date, t: time | None, last: date | None, minutes: int) -> _Lines:
        """The DTSTART and DTEND lines of an entry (made once per day, time and length)."""
        key = (d, t, last, minutes)
        lines = self._times.get(key)
        if lines is not None:
            return lines
        if t is None:
            lines = _lines(
                f"DTSTART;VALUE=DATE:{self._date(d)}",
                f"DTEND;VALUE=DATE:{self._date((last or d) + timedelta(days=1))}",
            )
        else:
            start = datetime.combine(d, t)
            # The length is elapsed time: across a DST change the wall clock differs.
            aware = datetime.combine(last or d, t, tzinfo=self.zone)
            finish_utc = aware.astimezone(UTC) + timedelta(minutes=minutes)
            if self.utc:
                lines = _lines(
                    f"DTSTART:{start:%Y%m%dT%H%M%S}Z",
                    f"DTEND:{finish_utc:%Y%m%dT%H%M%S}Z",
                )
            else:
                finish = finish_utc.astimezone(self.zone).replace(tzinfo=None)
                tzid = f";TZID={self.zone_name}"
                lines = _lines(
                    f"DTSTART{tzid}:{start:%Y%m%dT%H%M%S}",
                    f"DTEND{tzid}:{finish:%Y%m%dT%H%M%S}",
                )
        self._times[key] = lines
        return lines

    # -- occurrences ----------------------------------------------------------------

    def _team_name(self, team_id: str | None) -> str:
        team = self.teams.get(team_id or "")
        return team.name if team else (team_id or "no team")

    def _color(self, team_id: str | None) -> str | None:
        team = self.teams.get(team_id or "")
        return css_color_name(team.color) if team else None

    def _static(self, occ: Occurrence) -> _EntryText:
        """Escaped text shared by every occurrence of one touch (or broadcast, request)."""
        key = (occ.kind, occ.product, occ.stage, occ.touch, occ.name, occ.channel, occ.owner,
               occ.automated, occ.time is None)  # fmt: skip
        cached = self._statics.get(key)
        if cached is not None:
            return cached
        channel = CHANNEL_LABELS.get(occ.channel, occ.channel.replace("_", " ").capitalize())
        owner = self._team_name(occ.owner)
        product = self.products.get(occ.product or "")
        product_name = product.name if product else (occ.product or "")
        stage_name = self.stage_names.get((occ.product or "", occ.stage or ""), occ.stage or "")
        if occ.kind == "broadcast":
            broadcast = self.broadcasts.get(occ.touch)
            reaches = broadcast.products if broadcast is not None else None
            if reaches is None:
                audience = "Reaches: leads of every product"
            elif not reaches:
                audience = "Internal: reaches no lead"
            else:
                names = [self.products[p].name if p in self.products else p for p in reaches]
                audience = "Reaches: leads of " + ", ".join(names)
            summary = escape_text(occ.name)
            about = [occ.name, "Broadcast", audience]
            if broadcast is not None and broadcast.participants:
                joined = [self._team_name(t) for t in broadcast.participants]
                about.append("Participants: " + ", ".join([owner, *joined]))
        elif occ.kind == "request":
            summary = escape_text(f"{occ.name} — {product_name}" if product_name else occ.name)
            about = [occ.name, "Ad-hoc request"]
            if product_name:
                about.append(f"Product: {product_name}")
            if stage_name:
                about.append(f"Stage: {stage_name}")
        else:
            summary = escape_text(f"{occ.name} — {product_name}")
            about = [occ.name, f"Product: {product_name}", f"Stage: {stage_name}"]
        how = [
            f"Channel: {channel}",
            f"Owner: {owner}",
            "Automated" if occ.automated else "Manual (done by a person)",
        ]
        color = self._color(occ.owner)
        busy = occ.time is not None and occ.channel in BUSY_CHANNELS
        tail = [f"CATEGORIES:{escape_text(channel)},{escape_text(owner)}"]
        if color:
            tail.append(f"COLOR:{color}")
        tail += ["TRANSP:OPAQUE" if busy else "TRANSP:TRANSPARENT", "STATUS:CONFIRMED"]
        text = _EntryText(
            summary,
            "DESCRIPTION:" + escape_text("\n".join(about)),
            "\\n" + escape_text("\n".join(how)),
            _lines(*tail),
            DEFAULT_MINUTES.get(occ.channel, 30),
        )
        self._statics[key] = text
        return text

    def _why(self, day: date) -> str:
        """Escaped reason a nominal date was not a working day ("holiday: Easter Monday")."""
        text = self._reasons.get(day)
        if text is None:
            reason = None
            try:
                if self._working is None:
                    from cadence.calendar import WorkingDays

                    self._working = WorkingDays(
                        self.plan.calendar,
                        self.plan.start,
                        self.plan.end,
                        holiday_language=self.holiday_language,
                    )
                reason = self._working.reason(day)
            except (ValueError, KeyError, NotImplementedError):
                pass  # outside the calendar's window, or an unknown holiday country
            text = self._reasons[day] = escape_text(reason or "not a working day")
        return text

    def _moved(self, nominal: date, day: date) -> str:
        """The DESCRIPTION's line on a rolled occurrence (escaped, made once per pair of days)."""
        text = self._moves.get((nominal, day))
        if text is None:
            way = "later" if day > nominal else "earlier"
            text = self._moves[(nominal, day)] = (
                f"\\nPlanned for {nominal.isoformat()} ({self._why(nominal)})\\, "
                f"moved {way} to {day.isoformat()}"
            )
        return text

    def _cohort(self, cohort: date, leads: float) -> tuple[str, str]:
        """The SUMMARY's end and the DESCRIPTION's line of a touch's cohort with its
        expected leads (made once per cohort and number of leads)."""
        texts = self._cohorts.get((cohort, leads))
        if texts is None:
            texts = self._cohorts[(cohort, leads)] = (
                f" · cohort {cohort:%m-%d}",
                f"\\nCohort: {cohort.isoformat()} ({self._leads_text(leads)} expected leads)",
            )
        return texts

    def _leads_text(self, leads: float) -> str:
        """Expected leads as written ("12.5"), made once per number."""
        text = self._leads.get(leads)
        if text is None:
            text = self._leads[leads] = _format_leads(leads)
        return text

    def _details(self, occ: Occurrence, cohort_line: str) -> str:
        """What an occurrence's DESCRIPTION says of it alone (escaped): a touch's
        ``cohort_line`` (:meth:`_cohort`), a broadcast's expected leads and a meeting's
        agenda, the days it spans, why it moved."""
        if occ.kind == "touch":
            details = cohort_line
        elif occ.kind == "broadcast":
            details = f"\\nExpected leads: {self._leads_text(occ.leads)}" if occ.leads else ""
            agenda = self.agendas.get(occ.uid)
            if agenda:  # a changed agenda changes the event: SEQUENCE + 1
                details += "\\n\\n" + escape_text(agenda)
        else:
            details = ""
        if occ.end is not None and occ.end != occ.date:
            details += f"\\nFrom {occ.date.isoformat()} to {occ.end.isoformat()}"
        if occ.date != occ.nominal:
            details += self._moved(occ.nominal, occ.date)
        return details

    # -- revisions ------------------------------------------------------------------

    def _revised(self, before: PreviousEvent | None) -> str:
        """DTSTAMP of a new or changed event: when the plan was revised, never going back.

        The plan's own ``updated`` when it is later than the previous stamp (so a
        plan that records its changes exports the same bytes anywhere), else the
        time of this export, else one second after the previous stamp.
        """
        floor = before.stamp if before is not None else ""
        for candidate in (self.plan_stamp, self.now_stamp):
            if candidate is not None and candidate > floor:
                return candidate
        if before is None:
            return EPOCH_STAMP
        moment = datetime.strptime(before.stamp, "%Y%m%dT%H%M%SZ") + timedelta(seconds=1)
        return f"{moment:%Y%m%dT%H%M%S}Z"

    def _revision(
        self,
        uid: str,
        before: PreviousEvent | None,
        lines: str,
        content: Callable[[], str],
        same: bool = False,
    ) -> tuple[str, int] | None:
        """(DTSTAMP, SEQUENCE) of an event ``uid`` with these content ``lines`` (after the
        revision lines, as written, CRLF between them) that the previous export had as
        ``before``: kept when
        the content is the same (``same``: known to be; else :meth:`_same_content`), else
        a new stamp and SEQUENCE + 1. None: unchanged, and a change file leaves it out."""
        if before is None:
            self.changed += 1
            return self.new_stamp, 0
        if same or self._same_content(uid, before, lines, content):
            return None if self.changes_only else (before.stamp, before.sequence)
        self.changed += 1
        return self._revised(before), before.sequence + 1

    @staticmethod
    def _same_content(
        uid: str, before: PreviousEvent, lines: str, content: Callable[[], str]
    ) -> bool:
        """Whether an event says what the previous export's ``before`` said: the same
        lines as written (compared as they are), else the same digest of its unfolded
        content lines (``content()``, as :func:`event_key` digests them: the previous
        file may fold them otherwise)."""
        if before.written and before.written == lines.encode("utf-8", "replace"):
            return True
        return content_key(content()) == previous_key(uid, before)

    def _event(
        self, uid: str, when: _Lines, summary: str, description: str, tail: _Lines, alarm: str = ""
    ) -> bytes:
        """The VEVENT of these content lines (unfolded; ``alarm``: a VALARM's lines, or ""),
        with the revision lines :meth:`_revision` decides, as written (UTF-8); b"" when a
        change file leaves it out."""
        uid_line = f"UID:{uid}"
        folded_uid = fold(uid_line)
        folded_alarm = "".join(CRLF + fold(line) for line in alarm.split(CRLF)) if alarm else ""
        # The content lines after the revision lines, as written (CRLF between them).
        lines = (
            f"{when.folded}\r\n{fold(summary)}\r\n{fold(description)}\r\n{tail.folded}"
            f"{folded_alarm}"
        )
        in_step = self.in_step
        if in_step is not None and in_step.last is not None:
            # Over the previous file, most events are the same, written with the stamp and
            # SEQUENCE of the event before: then the file holds these very bytes where it is at.
            event = _vevent(folded_uid, *in_step.last, lines)
            if in_step.holds(uid, event):
                return event
        if in_step is not None:  # looked for where the previous file is at
            before, same = in_step.lookup(uid, folded_uid, lines)
        else:
            before, same = self.previous.get(uid), False
        if before is not None and self.changes_only:
            self.written.add(uid)

        def content() -> str:
            unfolded = CRLF.join((uid_line, when.text, summary, description, tail.text))
            return unfolded + CRLF + alarm if alarm else unfolded

        revision = self._revision(uid, before, lines, content, same)
        if revision is None:
            return b""
        return _vevent(folded_uid, *revision, lines)

    def cancellations(self) -> list[bytes]:
        """``STATUS:CANCELLED`` events for the previous export's events that are gone."""
        out = []
        for uid, before in self.previous.items():
            if uid in self.written:
                continue
            stamp = self._revised(before)
            lines = [
                "BEGIN:VEVENT",
                fold(f"UID:{uid}"),
                f"DTSTAMP:{stamp}",
                f"LAST-MODIFIED:{stamp}",
                f"SEQUENCE:{before.sequence + 1}",
                *[fold(line) for line in (before.start, before.end, before.summary) if line],
                "STATUS:CANCELLED",
                "END:VEVENT",
                "",
            ]
            out.append(CRLF.join(lines).encode("utf-8", "replace"))
        return out

    # -- events ---------------------------------------------------------------------

    def occurrence(self, occ: Occurrence) -> bytes:
        """The VEVENT of a touch, broadcast or request entry."""
        text = self._static(occ)
        when = self._when(occ.date, occ.time, occ.end, text.minutes)
        summary = text.summary
        cohort_line = ""
        if occ.kind == "touch" and occ.cohort is not None:
            cohort_end, cohort_line = self._cohort(occ.cohort, occ.leads)
            summary += cohort_end  # " · cohort 03-01"
        description = text.about + self._details(occ, cohort_line) + text.how
        alarm = ""
        if self.alarm is not None and occ.kind == "touch" and not occ.automated:
            alarm = (
                f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:{summary}\r\n"
                f"TRIGGER:{self.alarm}\r\nEND:VALARM"
            )
        uid = escape_text(occ.uid)
        return self._event(uid, when, f"SUMMARY:{summary}", description, text.tail, alarm)

    def _gap_tail(self, label: str) -> _Lines:
        tail = self._gap_tails.get(label)
        if tail is None:
            tail = self._gap_tails[label] = _lines(
                f"CATEGORIES:Gap,{escape_text(label)}",
                f"COLOR:{GAP_COLOR}",
                "TRANSP:TRANSPARENT",
                "STATUS:CONFIRMED",
            )
        return tail

    def gap(self, gap: Gap, uid: str) -> bytes:
        """The VEVENT of a gap (all day, over the days it covers)."""
        product = self.products.get(gap.product or "")
        product_name = product.name if product else (gap.product or "")
        stage_name = self.stage_names.get((gap.product or "", gap.stage or ""), gap.stage or "")
        label = GAP_LABELS.get(gap.kind, gap.kind.capitalize())
        team_name = self._team_name(gap.team) if gap.team else ""
        cohort = f"cohort {gap.cohort.isoformat()}" if gap.cohort else ""
        if gap.kind == "capacity":
            year, week, _ = gap.start.isocalendar()
            load = _format_leads(gap.load or 0)
            summary = f"⚠ {label}: {team_name} — week {year}-W{week:02d} ({load}/{gap.capacity})"
        else:
            what = stage_name
            if gap.kind == "handoff" and team_name:
                what = f"{stage_name} (to {team_name})"
            heading = f"{label} {gap.days} days" if gap.kind in ("silence", "unowned") else label
            where = ", ".join(part for part in (product_name, cohort) if part)
            summary = f"⚠ {heading}: {what}" + (f" — {where}" if where else "")
        facts = [gap.message, f"Kind: {label}"]
        if product_name:
            facts.append(f"Product: {product_name}")
        if stage_name:
            facts.append(f"Stage: {stage_name}")
        if gap.cohort:
            facts.append(f"Cohort: {gap.cohort.isoformat()}")
        if team_name:
            facts.append(f"Team: {team_name}")
        facts.append(f"Days: {gap.start.isoformat()} – {gap.end.isoformat()} ({gap.days})")
        return self._event(
            escape_text(uid),
            self._when(gap.start, None, gap.end, 0),
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(chr(10).join(facts))}",
            self._gap_tail(label),
        )


def _vevent(uid_line: str, stamp: str, sequence: int, lines: str) -> bytes:
    """An event as written: its UID line (folded), its revision lines, its content
    ``lines`` (folded, CRLF between them)."""
    return (
        f"BEGIN:VEVENT\r\n{uid_line}\r\n"
        f"DTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\nSEQUENCE:{sequence}\r\n"
        f"{lines}\r\nEND:VEVENT\r\n"
    ).encode("utf-8", "replace")


def check_holiday_language(plan: Plan, language: str | None) -> None:
    """Raise ExportError when the plan's holiday country has no names in ``language``."""
    rule = plan.calendar.holidays
    if language is None or rule is None:
        return
    import holidays as holidays_pkg

    table = holidays_pkg.country_holidays(rule.country, years=())
    offered = tuple(getattr(table, "supported_languages", None) or ())
    if language not in offered:
        choices = ", ".join(offered) or "only its own"
        raise ExportError(
            f"--holiday-language: {language!r} is not offered for {rule.country} ({choices})"
        )


def _previous_dates(previous: Iterable[PreviousEvent]) -> tuple[list[date], bool]:
    """Days of cancelled events (for the VTIMEZONE's years) and whether any is timed."""
    days, timed = [], False
    for event in previous:
        value = event.start.rpartition(":")[2]
        try:
            days.append(date(int(value[:4]), int(value[4:6]), int(value[6:8])))
        except ValueError:
            continue
        timed = timed or "T" in value
    return days, timed


def write_ics(
    plan: Plan,
    occurrences: Sequence[Occurrence],
    gaps: Sequence[Gap],
    stream: IO[bytes],
    *,
    name: str | None = None,
    revision: Revision | None = None,
    team_color: str | None = None,
    alarm: timedelta | None = None,
    holiday_language: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    agendas: Mapping[str, str] | None = None,
) -> tuple[int, int, int]:
    """Write one VCALENDAR of these entries to a binary stream.

    Returns (events written, of them new or changed, cancellations). Low level:
    no filtering and no atomic file handling (see :func:`export_ics`).
    """
    revision = revision or Revision()
    writer = _IcsWriter(
        plan, name or plan.name, revision, team_color, alarm, holiday_language, agendas
    )
    dates = [o.date for o in occurrences] + [o.end for o in occurrences if o.end]
    dates += [g.start for g in gaps] + [g.end for g in gaps]
    timed = any(o.time is not None for o in occurrences)
    if revision.changes_only:
        gone_days, gone_timed = _previous_dates(revision.previous.values())
        dates += gone_days
        timed = timed or gone_timed
    first = min(dates, default=plan.start)
    last = max(dates, default=plan.end)
    head = CRLF.join(writer.header(min(first, plan.start), max(last, plan.end), timed)) + CRLF
    stream.write(head.encode("utf-8"))
    total = len(occurrences) + len(gaps)
    done = 0
    chunk: list[bytes] = []
    if progress is not None:
        progress(0, total)
    occurrence = writer.occurrence
    # Paused: the texts and their cache keys form no cycles, and a full collection would
    # walk every occurrence and gap the caller holds (see cadence.gcpause).
    with gc_paused():
        for start in range(0, len(occurrences), PROGRESS_EVERY):
            if cancel is not None and cancel():
                raise ExportCancelled()
            chunk = [occurrence(o) for o in occurrences[start : start + PROGRESS_EVERY]]
            stream.write(b"".join(chunk))
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    seen: dict[str, int] = {}
    chunk = [writer.gap(g, gap_uid(plan, g, seen)) for g in gaps]
    if cancel is not None and cancel():
        raise ExportCancelled()
    cancelled = writer.cancellations() if revision.changes_only else []
    chunk += cancelled
    chunk.append(b"END:VCALENDAR\r\n")
    stream.write(b"".join(chunk))
    if progress is not None:
        progress(total, total)
    written = writer.changed + len(cancelled) if revision.changes_only else total
    return written, writer.changed, len(cancelled)


def export_ics(
    plan: Plan,
    schedule: Schedule,
    gaps: Sequence[Gap],
    target: str | os.PathLike[str] | IO[bytes],
    *,
    team: str | None = None,
    product: str | None = None,
    start: date | None = None,
    end: date | None = None,
    include: str | Iterable[str] = DEFAULT_INCLUDE,
    name: str | None = None,
    keep_sequence: bool = True,
    now: datetime | None = None,
    changes_since: str | os.PathLike[str] | Mapping[str, PreviousEvent] | None = None,
    previous: Mapping[str, PreviousEvent] | None = None,
    alarm: timedelta | None = None,
    holiday_language: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
    only_products: Iterable[str] | None = None,
    plan_gaps: Sequence[Gap] | None = None,
) -> ExportResult:
    """Export the schedule (filtered) as an .ics file or to a binary stream.

    Safe to call from a worker thread: ``progress(done, total)`` is called every
    few hundred entries and ``cancel()`` returning True stops the export with
    :class:`ExportCancelled`. A path is written through a temporary file in the
    same folder and replaced at the end, so a failed or cancelled export leaves
    the previous file untouched.

    Revisions (RFC 5545 DTSTAMP, LAST-MODIFIED, SEQUENCE): with ``keep_sequence``
    the previous export at that path (or ``previous``, events read back by
    :func:`read_previous`) says what each event was; an event whose content
    changed in any way gets SEQUENCE + 1 and the revision time — the plan's
    ``updated`` when later, else ``now`` (pass the clock; the core never reads
    it). ``changes_since`` (a previous export, or its events) writes only what
    changed since, plus removed events as ``STATUS:CANCELLED``. ``alarm`` adds a
    reminder that long before each manual touch. ``holiday_language`` names
    the holidays that moved a touch ("en_US"; default: the country's language).
    ``only_products`` keeps only these products' touches (``--signed-off-only``).
    Each internal meeting's occurrence carries its agenda (:mod:`cadence.agenda`), made
    from ``plan_gaps``: every gap of the plan (:func:`cadence.gaps.check`) when the
    caller has them (None: checked here, only when meetings are exported).
    """
    selection = ExportFilter(team, product, start, end, parse_include(include))
    selection.check(plan)
    check_zone(plan.timezone or "UTC")
    check_holiday_language(plan, holiday_language)
    occurrences, chosen_gaps = entries_for(plan, schedule, gaps, selection)
    if only_products is not None:  # --signed-off-only: other products' touches stay out
        kept = set(only_products)
        occurrences = [o for o in occurrences if o.kind != "touch" or o.product in kept]
        chosen_gaps = [g for g in chosen_gaps if g.product is None or g.product in kept]
    title = name or calendar_name(plan, selection)
    selected_team = plan.team(team)
    color = selected_team.color if selected_team else None
    if changes_since is not None:
        if isinstance(changes_since, str | os.PathLike):
            changes_since = read_previous(changes_since, required=True)
        revision = Revision(changes_since, now, changes_only=True)
    elif previous is not None:
        revision = Revision(previous, now)
    elif keep_sequence and isinstance(target, str | os.PathLike) and not Path(target).is_dir():
        revision = _over_previous(target, now)
    else:
        revision = Revision({}, now)
    from cadence.agenda import agenda_descriptions

    options = dict(
        name=title, revision=revision, team_color=color, alarm=alarm,
        holiday_language=holiday_language, progress=progress, cancel=cancel,
        agendas=agenda_descriptions(plan, schedule, occurrences, plan_gaps),
    )  # fmt: skip

    def result(counts: tuple[int, int, int], path: Path | None) -> ExportResult:
        written, changed, cancelled = counts
        return replace(
            ExportResult.of(occurrences, chosen_gaps, written, title, path),
            changed=changed,
            cancelled=cancelled,
        )

    if not isinstance(target, str | os.PathLike):
        return result(write_ics(plan, occurrences, chosen_gaps, target, **options), None)  # type: ignore[arg-type]
    path = Path(target)
    in_step = revision.in_step
    try:
        with atomic_output(path) as handle:
            try:
                counts = write_ics(plan, occurrences, chosen_gaps, handle, **options)  # type: ignore[arg-type]
                if in_step is not None:
                    in_step.finish()  # the rest of the file: any answer given still stands
            except RereadPrevious:  # it does not (a rare file): as read_previous reads it
                handle.seek(0)
                handle.truncate()
                options["revision"] = Revision(
                    read_previous(path, details=False, written=True), now
                )
                counts = write_ics(plan, occurrences, chosen_gaps, handle, **options)  # type: ignore[arg-type]
    finally:
        if in_step is not None:
            in_step.close()
    return result(counts, path)


def _over_previous(path: str | os.PathLike[str], now: datetime | None) -> Revision:
    """The revision of an export over the file at ``path``: its events read in step with
    the export (:class:`PreviousInStep`) when it is visibly a Cadence export, else as
    :func:`read_previous` reads it (lines as written: compared as they are, no digest
    on either side)."""
    in_step = PreviousInStep(path)
    if in_step.usable:
        return Revision({}, now, in_step=in_step)
    in_step.close()
    return Revision(read_previous(path, details=False, written=True), now)


def ics_bytes(
    plan: Plan,
    schedule: Schedule,
    gaps: Sequence[Gap] = (),
    **options: object,
) -> bytes:
    """The .ics an export would write, as bytes (tests, previews, feeds)."""
    buffer = io.BytesIO()
    export_ics(plan, schedule, gaps, buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()
