"""The clock, read here at the command line's edge and nowhere in the core."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from cadence.model import Plan


def today() -> date:
    """Today's date, for defaults such as a request's --on."""
    return date.today()


def stamp_now(plan: Plan) -> Plan:
    """The plan marked as changed now (UTC, whole seconds): exports use it as DTSTAMP,
    so calendar subscribers see the change."""
    return replace(plan, updated=datetime.now(UTC).replace(microsecond=0))
