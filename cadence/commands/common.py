"""What every sub-command shares: reading a plan argument, dates, errors."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from cadence.model import Plan


class CommandError(Exception):
    """Ends a command with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def read_plan(path: str | Path) -> Plan:
    """Load a .json or .cadence plan, or raise CommandError listing every problem."""
    from cadence.formats.plan_io import PlanFileError, read_plan_file

    try:
        return read_plan_file(Path(path))
    except PlanFileError as exc:
        raise CommandError(str(exc), 2) from None


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write a plan as .json or .cadence by the file's extension (atomically)."""
    from cadence.formats.plan_io import PlanFileError, write_plan_file

    try:
        write_plan_file(plan, Path(path))
    except PlanFileError as exc:
        raise CommandError(str(exc), 2) from None


def iso_date(text: str) -> date:
    """argparse type for YYYY-MM-DD dates with a clear message."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (expected YYYY-MM-DD, e.g. 2027-03-01)"
        ) from None


def positive_int(text: str) -> int:
    """argparse type for a count of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text!r}")
    return value
