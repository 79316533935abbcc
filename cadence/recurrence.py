"""Broadcast recurrence rules (RRULE text, RFC 5545, read by dateutil).

One reading for validation and the engine: :func:`normalise_rrule` and
:func:`rrule_parts` look at the text, :func:`parse_rrule` reads it as dateutil
does, :func:`expand_rrule` gives its dates. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

from dateutil.rrule import rrule, rruleset, rrulestr

# Broadcasts happen on days; a time of day comes from their "time" field.
RRULE_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
RRULE_SUBDAILY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")


def normalise_rrule(text: str) -> str:
    """The rule without surrounding blanks and without an ``RRULE:`` prefix."""
    text = text.strip()
    return text[6:] if text.upper().startswith("RRULE:") else text


def rrule_parts(text: str) -> dict[str, str]:
    """The NAME=VALUE parts of a rule, names and values upper-cased
    (``"FREQ=weekly;byday=MO"`` → ``{"FREQ": "WEEKLY", "BYDAY": "MO"}``);
    parts without "=" are left out."""
    pairs = (p.split("=", 1) for p in text.split(";") if "=" in p)
    return {name.strip().upper(): value.strip().upper() for name, value in pairs}


def parse_rrule(rule: str, dtstart: date) -> rrule | rruleset:
    """Read an RRULE from midnight of ``dtstart``; raises ValueError for a bad rule.

    An ``UNTIL`` in UTC (``…Z``) needs an aware dtstart in dateutil, so such a
    rule is re-read from midnight UTC. Validation uses this too: one reading.
    """
    text = rule.strip()
    start = datetime.combine(dtstart, time())
    try:
        return rrulestr(text, dtstart=start)
    except ValueError:
        try:
            return rrulestr(text, dtstart=start.replace(tzinfo=UTC))
        except ValueError:
            pass
        raise


def expand_rrule(rule: str, dtstart: date) -> Iterator[date]:
    """The dates dateutil's rrule yields for ``rule`` from ``dtstart``, in order.

    A dtstart that does not match the rule is not an occurrence (dateutil's
    behaviour). An ``UNTIL`` given in UTC (``…Z``) is accepted: dateutil needs an
    aware dtstart then, so the rule is re-read from midnight UTC.
    """
    for moment in parse_rrule(rule, dtstart):
        yield moment.date()
