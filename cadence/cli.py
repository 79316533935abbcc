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
    "actuals",  # actuals (plan versus a CRM export)
    "diff",  # diff (what-if: plan A against plan B)
    "feeds",  # serve, feeds (subscription feeds over HTTP)
    "publish",  # publish (to a CalDAV server)
    "shared",  # share, pull, db init, db grant (plans on PostgreSQL)
    "agenda",  # agenda, actions (internal meetings and their action items)
    "signoff",  # signoff (marketing and sales sign off products' touches)
)


# The clock is read here, at the edge, and nowhere in the core.


def today() -> date:
    """Today's date, for defaults such as a request's --on."""
    return date.today()


def stamp_now(plan: Plan) -> Plan:
    """The plan marked as changed now (UTC, whole seconds): exports use it as DTSTAMP,
    so calendar subscribers see the change."""
    return replace(plan, updated=datetime.now(UTC).replace(microsecond=0))


def build_parser(extra_modules: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser of every sub-command; ``extra_modules`` (full module names, each with
    ``register(subparsers)``) add commands from outside the core, e.g. the app's ``print``."""
    parser = argparse.ArgumentParser(
        prog="cadence",
        description="Plan the touches a company sends its leads, and flag the gaps.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [f"cadence.commands.{name}" for name in COMMAND_MODULES] + list(extra_modules):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command module not written yet
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, extra_modules: Sequence[str] = ()) -> int:
    parser = build_parser(extra_modules)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk under stdout shows here, not at exit
        return code
    except CommandError as exc:
        if exc.message:
            print(exc.message, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except OSError as exc:  # writing the answer failed: a full disk, an I/O error
        _drop_stdout()
        where = f" {exc.filename}" if exc.filename else " to standard output"
        print(f"cannot write{where} ({exc.strerror or exc})", file=sys.stderr)
        return 2


def _drop_stdout() -> None:
    """Send what is left of stdout nowhere, so the interpreter's final flush of a
    broken or full stdout does not print its own error."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a file (tests capture it): nothing to flush at exit


if __name__ == "__main__":
    sys.exit(main())
