"""The RRULE builder's logic (no Qt): the common cases as a spec, text both ways.

Broadcasts repeat by an RFC 5545 RRULE. Planners mostly need three shapes —
weekly on some weekdays, monthly on the Nth weekday, monthly on a day of the
month — and anything else can be typed raw. :func:`parse` recognises the
three shapes (else ``mode="custom"``), :func:`build` writes them back,
:func:`describe` says them in words and :func:`preview` lists the next dates
exactly as the engine will expand them (dateutil).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import islice

DAY_CODES: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES: dict[str, str] = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
NTH_NAMES: dict[int, str] = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
MODES: tuple[str, ...] = ("weekly", "monthly_nth", "monthly_day", "custom")


@dataclass(frozen=True)
class RuleSpec:
    mode: str = "weekly"
    interval: int = 1
    weekdays: tuple[str, ...] = ("MO",)  # weekly
    nth: int = 1  # monthly_nth: 1–4 or -1 (last)
    weekday: str = "TU"  # monthly_nth
    monthday: int = 1  # monthly_day: 1–31
    raw: str = ""  # custom


def _parts(text: str) -> dict[str, str] | None:
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part:
            continue
        if "=" not in part:
            return None
        key, _, value = part.partition("=")
        out[key.strip().upper()] = value.strip().upper()
    return out


def parse(text: str) -> RuleSpec:
    """The builder's view of an RRULE: one of the common shapes, or custom."""
    parts = _parts(text)
    custom = RuleSpec(mode="custom", raw=text.strip())
    if not parts:
        return custom
    try:
        interval = int(parts.get("INTERVAL", "1"))
    except ValueError:
        return custom
    if interval < 1:
        return custom
    keys = set(parts) - {"INTERVAL"}
    freq = parts.get("FREQ")
    if freq == "WEEKLY" and keys == {"FREQ", "BYDAY"}:
        days = tuple(parts["BYDAY"].split(","))
        if days and all(d in DAY_CODES for d in days):
            ordered = tuple(d for d in DAY_CODES if d in days)
            return RuleSpec(mode="weekly", interval=interval, weekdays=ordered)
    if freq == "MONTHLY" and keys == {"FREQ", "BYDAY"}:
        by = parts["BYDAY"]
        if "," not in by and len(by) >= 3 and by[-2:] in DAY_CODES:
            try:
                nth = int(by[:-2])
            except ValueError:
                return custom
            if nth in NTH_NAMES:
                return RuleSpec(mode="monthly_nth", interval=interval, nth=nth, weekday=by[-2:])
    if freq == "MONTHLY" and keys == {"FREQ", "BYMONTHDAY"}:
        try:
            day = int(parts["BYMONTHDAY"])
        except ValueError:
            return custom
        if 1 <= day <= 31:
            return RuleSpec(mode="monthly_day", interval=interval, monthday=day)
    return custom


def build(spec: RuleSpec) -> str:
    """The RRULE text of a spec (custom: its raw text)."""
    every = f";INTERVAL={spec.interval}" if spec.interval > 1 else ""
    if spec.mode == "weekly":
        days = ",".join(d for d in DAY_CODES if d in spec.weekdays) or "MO"
        return f"FREQ=WEEKLY{every};BYDAY={days}"
    if spec.mode == "monthly_nth":
        return f"FREQ=MONTHLY{every};BYDAY={spec.nth}{spec.weekday}"
    if spec.mode == "monthly_day":
        return f"FREQ=MONTHLY{every};BYMONTHDAY={spec.monthday}"
    return spec.raw.strip()


def describe(text: str) -> str:
    """The rule in words: "Every week on Monday", "Monthly on the first Tuesday"."""
    spec = parse(text)
    if spec.mode == "weekly":
        names = [DAY_NAMES[d] for d in spec.weekdays]
        days = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        unit = "week" if spec.interval == 1 else f"{spec.interval} weeks"
        return f"Every {unit} on {days}"
    if spec.mode == "monthly_nth":
        unit = "Monthly" if spec.interval == 1 else f"Every {spec.interval} months"
        return f"{unit} on the {NTH_NAMES[spec.nth]} {DAY_NAMES[spec.weekday]}"
    if spec.mode == "monthly_day":
        unit = "Monthly" if spec.interval == 1 else f"Every {spec.interval} months"
        return f"{unit} on day {spec.monthday}"
    return f"Custom rule {spec.raw}"


def preview(text: str, dtstart: date, count: int = 6) -> list[date] | str:
    """The first ``count`` dates of the rule from ``dtstart``, or the parser's error
    (read by the engine's own reader, so an UNTIL in UTC previews as it schedules)."""
    from cadence.recurrence import expand_rrule

    try:
        return list(islice(expand_rrule(text, dtstart), count))
    except (ValueError, TypeError) as exc:
        return f"not a valid RRULE: {exc}"
