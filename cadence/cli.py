"""Command-line entry point: `cadence SUB …` or `python main.py SUB …`.

Each sub-command lives in a module of :mod:`cadence.commands` that exposes
``register(subparsers)``; handlers return the exit code (0 success, 2 invalid
input or usage, 3 gaps found).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from cadence.commands.common import CommandError
from cadence.model import Plan

# Modules under cadence.commands, in the order their commands are listed in --help.
COMMAND_MODULES = (
    "plan",  # validate, convert, demo
    "scheduling",  # schedule, gaps, bench
    "export",  # export, calendar import-ics
    "requests",  # request, requests, request-status
    "print_cmd",  # print (lays pages out with Qt: ui.printing, imported when it runs)
)


# The clock is read here, at the edge, and nowhere in the core.


def today() -> date:
    """Today's date, for defaults such as a request's --on."""
    return date.today()


def stamp_now(plan: Plan) -> Plan:
    """The plan marked as changed now (UTC, whole seconds): exports use it as DTSTAMP,
    so calendar subscribers see the change."""
    return replace(plan, updated=datetime.now(UTC).replace(microsecond=0))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cadence",
        description="Plan the touches a company sends its leads, and flag the gaps.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"cadence.commands.{name}")
        except ModuleNotFoundError as exc:  # a command module not written yet
            if exc.name == f"cadence.commands.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        if exc.message:
            print(exc.message, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
