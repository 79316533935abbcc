"""Command-line entry point: `cadence SUB …` or `python main.py SUB …`.

Each sub-command lives in a module of :mod:`cli.commands` that exposes
``register(subparsers)``, listed once in :data:`COMMAND_MODULES`; handlers return
the exit code (0 success, 2 invalid input or usage, 3 gaps found). The clock is
read in :mod:`cli.clock`, at this edge, never in the core.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cli.commands import (
    actuals,
    agenda,
    content,
    diff,
    export,
    feeds,
    plan,
    print_pdf,
    publish,
    requests,
    scheduling,
    shared,
    signoff,
)
from cli.commands.common import CommandError

# The one registry of sub-commands: each module has ``register(subparsers)``; the
# order is the order of --help.
COMMAND_MODULES = (
    plan,  # validate, convert, demo
    scheduling,  # schedule, gaps, bench
    export,  # export, calendar import-ics
    requests,  # request, requests, request-status
    actuals,  # actuals (plan versus a CRM export)
    content,  # content (the content library: coverage and run-out)
    agenda,  # agenda, actions (internal meetings and their action items)
    signoff,  # signoff (marketing and sales sign off products' touches)
    diff,  # diff (what-if: plan A against plan B)
    feeds,  # serve, feeds (subscription feeds over HTTP)
    publish,  # publish (to a CalDAV server)
    shared,  # share, pull, db init, db grant (plans on PostgreSQL)
    print_pdf,  # print (pages laid out by the app's printing code, Qt loaded on use)
)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="cadence",
        description="Plan the touches a company sends its leads, and flag the gaps.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def cache_folder() -> Path | None:
    """The user's cache folder for Cadence: ``$XDG_CACHE_HOME/Cadence/Cadence`` (else
    ``~/.cache/…``), where the app keeps its caches on Linux; None without a home."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory to find
            return None
    return Path(base) / "Cadence" / "Cadence"


def keep_holiday_facts() -> None:
    """Keep the holiday facts between runs in the cache folder, as the app does
    (:mod:`cadence.holiday_cache`): a plan with holidays then needs no import of the
    `holidays` package's ~250 country modules (~0.1 s of every command on it)."""
    from cadence import holiday_cache

    holiday_cache.use_folder(cache_folder())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; ``argv`` None: the program's own command line, which also keeps
    the holiday facts in the user's cache folder (a call from Python keeps nothing)."""
    if argv is None:
        keep_holiday_facts()
    parser = build_parser()
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
