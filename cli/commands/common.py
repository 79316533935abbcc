"""What every sub-command shares: reading a plan argument, dates, errors."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from cadence.model import Gap, Plan


class CommandError(Exception):
    """Ends a command with a message on stderr and an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def read_plan(path: str | Path) -> Plan:
    """Load a .json or .cadence plan (or a postgresql:// URL), or raise CommandError."""
    from cadence.formats.plan_io import PlanFileError, read_plan_file

    if _is_url(path):  # a shared plan on a server (cadence.store.shared)
        return _read_url(str(path))

    try:
        return read_plan_file(Path(path))
    except PlanFileError as exc:
        raise CommandError(str(exc), 2) from None


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write a plan as .json or .cadence by the file's extension (atomically, under its
    lock), or to a shared plan's URL."""
    from cadence.formats.plan_io import PlanFileError, write_plan_file
    from cadence.store.lock import default_wait

    if _is_url(path):
        return _write_url(plan, str(path))

    try:
        write_plan_file(plan, Path(path), wait=default_wait())
    except PlanFileError as exc:
        raise CommandError(str(exc), 2) from None


def update_plan(path: str | Path, change: Callable[[Plan], Plan | None]) -> Plan | None:
    """Read-modify-write a plan file under its lock so no concurrent change is lost.

    ``change`` gets the plan as stored now and returns the new plan (or None to
    write nothing); it may raise CommandError. Returns the plan written (or None).
    Nothing is acknowledged before it is written: print after this returns.
    """
    from cadence.formats.plan_io import PlanFileError, update_plan_file
    from cadence.store.lock import default_wait

    if _is_url(path):  # a shared plan: its revisions refuse a stale write as a conflict
        new = change(_read_url(str(path)))
        if new is not None:
            _write_url(new, str(path))
        return new
    try:
        _old, new = update_plan_file(Path(path), change, wait=default_wait())
    except PlanFileError as exc:
        raise CommandError(str(exc), 2) from None
    return new


def check_output(output: str | Path, *inputs: str | Path) -> None:
    """Refuse an output that is not a regular file (device, pipe, folder) or that is
    one of the inputs (the same file, also through a symbolic or hard link)."""
    import os
    import stat

    from cadence.formats.plan_io import kind_of

    if str(output) == "-":
        return
    target = Path(output)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CommandError(f"{target}: cannot write ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise CommandError(
            f"{target}: is {kind_of(mode)}; write to a regular file (or - for standard output)"
        )
    for source in inputs:
        try:
            same = os.path.samefile(target, source)
        except OSError:
            same = False
        if same:
            raise CommandError(
                f"{target}: that is the input {source} itself; choose another output file "
                "(nothing was written)"
            )


def gap_json(g: Gap) -> dict[str, Any]:
    """One gap as `gaps --json` prints it (load/capacity for capacity, uids for spacing)."""
    out: dict[str, Any] = {
        "kind": g.kind,
        "product": g.product,
        "cohort": g.cohort.isoformat() if g.cohort is not None else None,
        "stage": g.stage,
        "team": g.team,
        "start": g.start.isoformat(),
        "end": g.end.isoformat(),
        "message": g.message,
    }
    if g.kind == "capacity":
        out["load"] = g.load
        out["capacity"] = g.capacity
    if g.uids:
        out["uids"] = list(g.uids)
    return out


# From this many occurrences on, a command says what it is about to compute.
ANNOUNCE_FROM = 200_000


def announce_work(plan: Plan) -> None:
    """Before a long run, say on stderr how many occurrences the plan asks for."""
    import sys

    from cadence.validate import estimate_occurrences

    count = estimate_occurrences(plan)
    if count >= ANNOUNCE_FROM:
        print(f"Planning about {count:,} occurrences…", file=sys.stderr, flush=True)


# --- shared plans: postgresql:// URLs (docs/shared-plans.md) ---------------------------


def _is_url(path: str | Path) -> bool:
    return isinstance(path, str) and path.lower().startswith(("postgresql://", "postgres://"))


def plan_label(path: str | Path) -> str:
    """A plan argument for messages: a URL loses its password."""
    if _is_url(path):
        from cadence.store.shared.url import redact

        return redact(str(path))
    return str(path)


def _read_url(url: str) -> Plan:
    from cadence.store.shared.plans import SharedError
    from cli.shared_io import read_url_plan

    try:
        return read_url_plan(url)
    except SharedError as exc:
        raise CommandError(str(exc), 2) from None


def _write_url(plan: Plan, url: str) -> None:
    from cadence.store.shared.plans import SharedError
    from cli.shared_io import write_url_plan

    try:
        write_url_plan(plan, url)
    except SharedError as exc:
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
