"""Import non-working days from an .ics file (a company holiday calendar) as blackouts.

What a holiday calendar exported from Outlook, Google or Apple Calendar holds:
all-day events (``VALUE=DATE``, exclusive DTEND), multi-day events, yearly
recurring ones (RRULE, with EXDATE and moved instances via RECURRENCE-ID), and
sometimes "all day" written as midnight-to-midnight date-times. Each becomes an
inclusive, named blackout range; recurring events are expanded inside the
plan's horizon. Timed events shorter than whole days are not days off and are
skipped (and counted). Cancelled events are ignored.

Parsing is lenient on what real files contain (icalendar) and strict on what we
need: a file that is not an iCalendar, or an event whose dates cannot be read,
is an :class:`IcsImportError` and nothing is imported.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cadence.model import Blackout, Plan
from cadence.validate import FIRST_DAY, LAST_DAY, MAX_ITEMS, MAX_NAME

DEFAULT_NAME = "Imported day off"
_DATE_PROPERTIES = frozenset(
    {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}
)
# A recurring event is expanded at most this many times (a daily rule without end).
MAX_INSTANCES = 5000
# Days off repeat daily at most: finer rules are not whole days (and would make
# dateutil step through every second since their DTSTART).
SUBDAILY = ("SECONDLY", "MINUTELY", "HOURLY")


class IcsImportError(ValueError):
    """The file cannot be imported; the message says where and why."""


@dataclass(frozen=True, slots=True)
class IcsImport:
    """What an import found, before it is merged into a plan."""

    blackouts: tuple[Blackout, ...]  # merged per name, sorted by start, end, name
    events: int  # VEVENTs read
    timed_skipped: int  # timed events that are not whole days
    cancelled: int
    outside: int  # events (or recurrence instances) entirely outside the horizon
    cut: int = 0  # recurring events with instances outside the horizon (left out)
    subdaily: int = 0  # rules repeating more often than daily: not days off, skipped


@dataclass(frozen=True, slots=True)
class MergeResult:
    plan: Plan
    added: tuple[Blackout, ...]
    already_there: tuple[Blackout, ...]


def _label(index: int, summary: str, uid: str) -> str:
    parts = [f"event {index}"]
    if summary:
        parts.append(f'"{summary}"')
    if uid:
        parts.append(f"(UID {uid})")
    return " ".join(parts)


def _decode_text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IcsImportError(
            f"not UTF-8 text (byte {exc.start}); iCalendar files are UTF-8"
        ) from None


def _check_envelope(text: str) -> None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0].upper() != "BEGIN:VCALENDAR":
        got = lines[0][:40] if lines else "an empty file"
        raise IcsImportError(
            f"not an iCalendar file: it must start with BEGIN:VCALENDAR, got {got!r}"
        )
    if lines[-1].upper() != "END:VCALENDAR":
        raise IcsImportError("the file is cut short: END:VCALENDAR is missing at its end")
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth += 1
        elif upper.startswith("END:"):
            depth -= 1
            if depth < 0:
                raise IcsImportError(f"line {number}: {line.strip()!r} closes nothing")
    if depth != 0:
        raise IcsImportError("BEGIN and END lines do not match: a component is not closed")


def _to_local(value: datetime, zone: ZoneInfo) -> datetime:
    """An aware date-time in the plan's zone; floating ones are taken as plan-local."""
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _days_of(start: date | datetime, finish: date | datetime | None, zone: ZoneInfo, label: str):
    """(first day, last day) of an event, or None when it is a part-day timed event."""
    if isinstance(start, datetime):
        begin = _to_local(start, zone)
        if finish is None:
            return None
        if not isinstance(finish, datetime):
            raise IcsImportError(f"{label}: DTSTART is a date-time but DTEND is a date")
        end = _to_local(finish, zone)
        if end < begin:
            raise IcsImportError(f"{label}: DTEND {end} is before DTSTART {begin}")
        if begin.time() == time(0) and end.time() == time(0) and end > begin:
            return begin.date(), end.date() - timedelta(days=1)
        return None
    if finish is None:
        return start, start
    if isinstance(finish, datetime):
        raise IcsImportError(f"{label}: DTSTART is a date but DTEND is a date-time")
    if finish < start:
        raise IcsImportError(
            f"{label}: DTEND {finish.isoformat()} is before DTSTART {start.isoformat()}"
        )
    # DTEND is exclusive; some exporters write DTEND = DTSTART for one day.
    return start, max(start, finish - timedelta(days=1))


def _property_dates(component, name: str, zone: ZoneInfo) -> list[date]:
    """Dates listed by EXDATE / RDATE / RECURRENCE-ID (any number of lines)."""
    raw = component.get(name)
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    out = []
    for value in values:
        items = getattr(value, "dts", None)
        moments = (
            [item.dt for item in items] if items is not None else [getattr(value, "dt", value)]
        )
        for moment in moments:
            if isinstance(moment, datetime):
                out.append(_to_local(moment, zone).date())
            elif isinstance(moment, date):
                out.append(moment)
    return out


# Allowed values of an RRULE's BY… parts (RFC 5545 §3.3.10); a sign is allowed where noted.
_RULE_RANGES: dict[str, tuple[int, int, bool]] = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}


def check_rule_values(rule_text: str) -> None:
    """Raise ValueError naming the first BY… value out of RFC 5545's range (``BYMONTH=13``).

    dateutil accepts such rules and expands them to nothing, which would read
    as "no days off" instead of a broken file.
    """
    for part in rule_text.split(";"):
        name, _, values = part.partition("=")
        bounds = _RULE_RANGES.get(name.strip().upper())
        if bounds is None:
            continue
        low, high, signed = bounds
        for value in values.split(","):
            try:
                number = int(value)
            except ValueError:
                raise ValueError(f"{name}={value} is not a number") from None
            size = abs(number) if signed else number
            if not low <= size <= high or (number < 0 and not signed):
                span = f"{low}…{high}" + (f" or -{high}…-{low}" if signed else "")
                raise ValueError(f"{name}={value} is out of range ({span})")


def _rdate_instances(
    ev, name: str, start: date, length: timedelta, first: date, last: date,
    zone: ZoneInfo, uid: str, overridden: set[tuple[str, date]],
) -> list[Blackout]:  # fmt: skip
    """An event with RDATE and no RRULE: DTSTART and every RDATE are instances
    (RFC 5545 §3.8.5.2), minus EXDATE and moved instances, inside the window."""
    skipped = set(_property_dates(ev, "EXDATE", zone))
    days = {start, *_property_dates(ev, "RDATE", zone)}
    return [
        Blackout(name, day, day + length)
        for day in sorted(days)
        if first - length <= day <= last and day not in skipped and (uid, day) not in overridden
    ]


def read_ics_blackouts(
    data: bytes | str,
    *,
    first: date,
    last: date,
    timezone: str = "UTC",
) -> IcsImport:
    """Read an .ics and return the named day ranges it blocks within ``first``…``last``.

    Single events outside that range are left out (counted in ``outside``);
    recurring ones are expanded inside it.
    """
    import icalendar
    from dateutil.rrule import rrulestr

    text = _decode_text(data)
    _check_envelope(text)
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError …
        raise IcsImportError(f"cannot parse the iCalendar data: {exc}") from None
    zone = ZoneInfo(timezone)
    events = [ev for cal in calendars for ev in cal.walk("VEVENT")]
    # Instances moved or cancelled one by one: (UID, original day) the master must not repeat.
    overridden: set[tuple[str, date]] = set()
    for ev in events:
        uid = str(ev.get("UID", ""))
        for day in _property_dates(ev, "RECURRENCE-ID", zone):
            overridden.add((uid, day))

    ranges: list[Blackout] = []
    timed = cancelled = outside = cut = subdaily = 0
    for index, ev in enumerate(events, 1):
        summary = _short(" ".join(str(ev.get("SUMMARY", "")[: MAX_NAME * 4]).split()))
        uid = str(ev.get("UID", ""))
        label = _label(index, summary, uid)
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            cancelled += 1
            continue
        if "DTSTART" not in ev:
            raise IcsImportError(f"{label}: has no DTSTART")
        for prop, problem in getattr(ev, "errors", ()):
            if prop in _DATE_PROPERTIES:
                raw = ev.get(prop)
                raise IcsImportError(f"{label}: unreadable {prop} {str(raw)!r} ({problem})")
        try:
            start = ev.decoded("DTSTART")
            finish = ev.decoded("DTEND") if "DTEND" in ev else None
            duration = ev.decoded("DURATION") if "DURATION" in ev else None
        except Exception as exc:
            raise IcsImportError(f"{label}: unreadable date ({exc})") from None
        if not isinstance(start, date):
            raise IcsImportError(f"{label}: unreadable DTSTART {str(start)!r}")
        if finish is None and duration is not None:
            if not isinstance(duration, timedelta):
                raise IcsImportError(f"{label}: DURATION is not a duration")
            if isinstance(start, datetime):
                finish = start + duration
            elif duration >= timedelta(days=1):
                finish = start + timedelta(days=duration.days)
        all_day_flag = str(ev.get("X-MICROSOFT-CDO-ALLDAYEVENT", "")).upper() == "TRUE"
        if isinstance(start, datetime) and all_day_flag and isinstance(finish, datetime):
            begin_day = _to_local(start, zone).date()
            end_local = _to_local(finish, zone)
            end_day = end_local.date() - timedelta(days=1 if end_local.time() == time(0) else 0)
            span: tuple[date, date] | None = (begin_day, max(begin_day, end_day))
        else:
            span = _days_of(start, finish, zone, label)
        if span is None:
            timed += 1
            continue
        name = summary or DEFAULT_NAME
        length = span[1] - span[0]
        if "RDATE" in ev and "RRULE" not in ev:
            ranges += _rdate_instances(
                ev, name, span[0], length, first, last, zone, uid, overridden
            )
            continue
        if "RRULE" in ev:
            try:
                rule_raw = ev["RRULE"].to_ical()
                rule_text = rule_raw.decode() if isinstance(rule_raw, bytes) else str(rule_raw)
            except Exception as exc:
                raise IcsImportError(f"{label}: unreadable RRULE ({exc})") from None
            if any(f"FREQ={freq}" in rule_text.upper() for freq in SUBDAILY):
                subdaily += 1  # repeats within a day: not days off
                continue
            earliest = _shift(first, -length.days) or date.min
            window_start = datetime.combine(earliest, time(0))
            window_end = datetime.combine(last, time(0))
            try:
                check_rule_values(rule_text)
                anchor = datetime.combine(span[0], time(0))
                rule = rrulestr(
                    f"RRULE:{rule_text}",
                    dtstart=_skip_ahead(rule_text, anchor, window_start),
                    ignoretz=True,
                )
            except Exception as exc:
                raise IcsImportError(f"{label}: unreadable RRULE ({exc})") from None
            skipped = set(_property_dates(ev, "EXDATE", zone))
            starts, beyond = _expand(rule, window_start, window_end, label)
            if anchor < window_start or beyond:
                cut += 1
            starts += [d for d in _property_dates(ev, "RDATE", zone) if earliest <= d <= last]
            for day in sorted(set(starts)):
                if day in skipped or (uid, day) in overridden:
                    continue
                end = _shift(day, length.days)
                if end is not None:
                    ranges.append(_bounded(Blackout(name, day, end)))
            _check_count(ranges)
            continue
        if span[1] < first or span[0] > last:
            outside += 1
            continue
        ranges.append(_bounded(Blackout(name, span[0], span[1])))
        _check_count(ranges)
    return IcsImport(
        blackouts=merge_ranges(ranges),
        events=len(events),
        timed_skipped=timed,
        cancelled=cancelled,
        outside=outside,
        cut=cut,
        subdaily=subdaily,
    )


def _expand(rule, window_start: datetime, window_end: datetime, label: str):
    """(start days of the rule's instances inside the window, whether any lie beyond it)."""
    starts: list[date] = []
    try:
        for moment in rule.xafter(window_start, count=MAX_INSTANCES, inc=True):
            if moment > window_end:
                return starts, True
            starts.append(moment.date())
    except (ValueError, OverflowError) as exc:  # a rule running past year 9999
        raise IcsImportError(f"{label}: the RRULE cannot be expanded ({exc})") from None
    return starts, len(starts) == MAX_INSTANCES


_STEP_DAYS = {"DAILY": 1, "WEEKLY": 7}


def _skip_ahead(rule_text: str, anchor: datetime, window_start: datetime) -> datetime:
    """A DTSTART for the rule, moved forward by whole periods to just before the window.

    A daily rule from year 1 would otherwise be stepped through 739,000 times before
    the plan's horizon. Moving DTSTART by whole intervals keeps every instance from the
    window on (a DAILY or WEEKLY rule's days are counted from DTSTART in steps of
    INTERVAL days or weeks); a COUNT counts from the real DTSTART, so such rules stay.
    """
    parts = dict(part.partition("=")[::2] for part in rule_text.upper().split(";"))
    step = _STEP_DAYS.get(parts.get("FREQ", ""))
    if step is None or "COUNT" in parts or anchor >= window_start:
        return anchor
    try:
        step *= max(1, int(parts.get("INTERVAL", "1")))
    except ValueError:
        return anchor
    periods = (window_start - anchor).days // step - 1
    return anchor + timedelta(days=max(0, periods) * step)


def _short(name: str) -> str:
    """A name cut to the length a plan allows (a blackout name is a name, not a document)."""
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def _shift(day: date, days: int) -> date | None:
    """``day`` moved by ``days``, or None beyond the calendar (year 1 … 9999)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


def _bounded(b: Blackout) -> Blackout:
    """A range kept within the years a plan may name (1900 … 2999)."""
    return Blackout(b.name, max(b.start, FIRST_DAY), min(b.end, LAST_DAY))


def _check_count(ranges: list[Blackout]) -> None:
    if len(ranges) > MAX_ITEMS:
        raise IcsImportError(
            f"more than {MAX_ITEMS:,} days off in the plan's horizon: "
            "not a holiday calendar; nothing was imported"
        )


def merge_ranges(ranges: Iterable[Blackout]) -> tuple[Blackout, ...]:
    """Join ranges of the same name that overlap or touch; sort by start, end, name."""
    by_name: dict[str, list[Blackout]] = {}
    for b in ranges:
        by_name.setdefault(b.name, []).append(b)
    out: list[Blackout] = []
    for name, items in by_name.items():
        items.sort(key=lambda b: (b.start, b.end))
        current = items[0]
        for b in items[1:]:
            if b.start <= current.end + timedelta(days=1):
                if b.end > current.end:
                    current = Blackout(name, current.start, b.end)
            else:
                out.append(current)
                current = b
        out.append(current)
    return tuple(sorted(out, key=lambda b: (b.start, b.end, b.name)))


def _name_key(name: str) -> str:
    """Names compared as people read them: spacing and case do not count."""
    return " ".join(name.split()).casefold()


class _Coverage:
    """Is a range inside one blackout of the same name? In O(log n), so importing
    20,000 events does not compare each with every other (that was quadratic).

    Ranges are added in order of start, so for added ones the widest end so far
    answers; the plan's own blackouts are looked up by start (sorted, with the
    greatest end among those starting at or before each)."""

    def __init__(self, existing: Iterable[Blackout]) -> None:
        by_name: dict[str, list[tuple[int, int]]] = {}
        for e in existing:
            by_name.setdefault(_name_key(e.name), []).append(
                (e.start.toordinal(), e.end.toordinal())
            )
        self._starts: dict[str, list[int]] = {}
        self._reach: dict[str, list[int]] = {}
        for key, spans in by_name.items():
            spans.sort()
            reach, best = [], -1
            for _, end in spans:
                best = max(best, end)
                reach.append(best)
            self._starts[key] = [start for start, _ in spans]
            self._reach[key] = reach
        self._added_reach: dict[str, int] = {}

    def covered(self, b: Blackout) -> bool:
        key = _name_key(b.name)
        start, end = b.start.toordinal(), b.end.toordinal()
        if self._added_reach.get(key, -1) >= end:
            return True
        starts = self._starts.get(key)
        if not starts:
            return False
        i = bisect_right(starts, start) - 1
        return i >= 0 and self._reach[key][i] >= end

    def add(self, b: Blackout) -> None:
        key = _name_key(b.name)
        self._added_reach[key] = max(self._added_reach.get(key, -1), b.end.toordinal())


def merge_blackouts(plan: Plan, imported: Iterable[Blackout]) -> MergeResult:
    """Add imported blackouts to a plan; one already covered by a blackout of the same name is not added.

    Existing blackouts keep their order; new ones follow, sorted. Re-importing
    the same file therefore changes nothing.
    """
    existing = list(plan.calendar.blackouts)
    covers = _Coverage(existing)
    added: list[Blackout] = []
    already: list[Blackout] = []
    for b in sorted(imported, key=lambda b: (b.start, b.end, b.name)):
        if covers.covered(b):
            already.append(b)
        else:
            added.append(b)
            covers.add(b)
    if not added:
        return MergeResult(plan, (), tuple(already))
    calendar = replace(plan.calendar, blackouts=(*existing, *added))
    return MergeResult(replace(plan, calendar=calendar), tuple(added), tuple(already))
