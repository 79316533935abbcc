"""export, calendar import-ics: the plan's calendar out to .ics/.csv, days off in from .ics."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cadence.formats.export_common import INCLUDE_CHOICES, ExportError, parse_include
from cadence.model import Gap, Plan, Schedule
from cli.clock import stamp_now
from cli.commands.common import (
    CommandError,
    announce_work,
    check_output,
    iso_date,
    read_plan,
    update_plan,
)

FORMATS = ("ics", "csv")


def _schedule_and_gaps(plan: Plan, with_gaps: bool) -> tuple[Schedule, list[Gap]]:
    try:
        from cadence.engine import schedule
    except ModuleNotFoundError as exc:
        if exc.name != "cadence.engine":
            raise
        raise CommandError(
            "export: the scheduling engine (cadence.engine) is not available"
        ) from None
    planned = schedule(plan)
    if not with_gaps:
        return planned, []
    from cadence.gaps import check

    return planned, list(check(plan, planned))


def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if args.output == "-":
        return "ics"
    raise CommandError(
        f"{args.output}: cannot tell the format from the extension "
        f"(use .ics or .csv, or --format {'|'.join(FORMATS)})"
    )


def cmd_export(args: argparse.Namespace) -> int:
    # One pass that builds a few hundred thousand acyclic objects on a large plan
    # (occurrences, gaps, the previous export's events, event texts): the cyclic
    # collector, resumed between the steps, walked them again and again and found
    # nothing to free (~0.4 s of a 3 s export over a previous one, 40 products).
    from cadence.gcpause import gc_paused

    with gc_paused():
        return _export(args)


def _export(args: argparse.Namespace) -> int:
    from cadence.formats.csv_export import export_csv
    from cadence.formats.ical import export_ics

    fmt = _format_of(args)
    try:
        include = parse_include(args.include)
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    check_output(args.output, args.plan)
    plan = read_plan(args.plan)
    to_stdout = args.output == "-"
    target = sys.stdout.buffer if to_stdout else Path(args.output)
    try:
        # Check the filter before the (longer) planning run.
        from cadence.formats.export_common import ExportFilter

        ExportFilter(args.team, args.product, args.start, args.end, include).check(plan)
        announce_work(plan)
        planned, gaps = _schedule_and_gaps(plan, "gaps" in include)
        options = dict(team=args.team, product=args.product, start=args.start, end=args.end)
        if fmt == "csv":
            _only_for_ics(args)
            if args.signed_off_only:
                from cadence.signoff import signed_off_gaps, signed_off_schedule

                planned, gaps = signed_off_schedule(plan, planned), signed_off_gaps(plan, gaps)
            result = export_csv(
                plan, planned, gaps, target, include=include, bom=args.bom, **options
            )
        else:
            result = export_ics(
                plan, planned, gaps, target, include=include, name=args.name,
                keep_sequence=not args.no_sequence, **_ics_options(args), **options,
                only_products=_signed_off_products(plan) if args.signed_off_only else None,
                plan_gaps=gaps if "gaps" in include else None,  # the agendas need not check again
            )  # fmt: skip
        if to_stdout:
            sys.stdout.buffer.flush()
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        if to_stdout:  # standard output on a full device or a closed pipe
            _drop_stdout()
            raise CommandError(f"cannot write to standard output ({exc.strerror or exc})") from None
        # full disk, I/O error: the export keeps any old file intact
        raise CommandError(
            f"{args.output}: cannot write ({exc.strerror or exc}); nothing was written"
        ) from None
    if args.changes_since is not None and not to_stdout:
        print(
            f"Wrote {args.output}: {result.changed} new or changed events and "
            f"{result.cancelled} cancelled since {args.changes_since} — {result.calendar_name}"
        )
        return 0
    if not to_stdout:
        parts = [f"{result.touches} touches", f"{result.broadcasts} broadcasts"]
        if "requests" in include:
            parts.append(f"{result.requests} request entries")
        if "gaps" in include:
            parts.append(f"{result.gaps} gaps")
        noun = "rows" if fmt == "csv" else "events"
        print(
            f"Wrote {args.output}: {result.events} {noun} ({', '.join(parts)}) — {result.calendar_name}"
        )
    return 0


def _signed_off_products(plan: Plan) -> tuple[str, ...]:
    """``--signed-off-only``: the products signed off by both roles and unchanged since."""
    from cadence.signoff import signed_off_products

    signed = signed_off_products(plan)
    if not signed:
        print("--signed-off-only: no product is signed off; only broadcasts are exported",
              file=sys.stderr)  # fmt: skip
    return signed


def _ics_options(args: argparse.Namespace) -> dict[str, Any]:
    """The .ics-only options: revision time, change file, reminders, holiday language."""
    from cadence.formats.ical import parse_alarm

    options: dict[str, Any] = {
        # The clock is read here, at the edge: new and changed events are stamped now.
        "now": datetime.now(UTC).replace(microsecond=0),
        "holiday_language": args.holiday_language,
    }
    if args.alarm is not None:
        options["alarm"] = parse_alarm(args.alarm)
    if args.changes_since is not None:
        if args.output != "-" and Path(args.output).resolve() == Path(args.changes_since).resolve():
            raise ExportError(
                f"--changes-since {args.changes_since}: write the change file elsewhere "
                "(-o would replace the export it compares with)"
            )
        options["changes_since"] = args.changes_since
    return options


def _only_for_ics(args: argparse.Namespace) -> None:
    for option, value in (
        ("--changes-since", args.changes_since),
        ("--alarm", args.alarm),
        ("--holiday-language", args.holiday_language),
    ):
        if value is not None:
            raise ExportError(f"{option}: only for .ics exports, not .csv")


def _drop_stdout() -> None:
    """Point standard output at /dev/null so the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def cmd_import_ics(args: argparse.Namespace) -> int:
    from cadence.formats.ics_import import IcsImportError, merge_blackouts, read_ics_blackouts

    source = Path(args.ics)
    data = _read_ics(source)
    results: list[tuple[Any, Any]] = []

    def add_days_off(plan: Plan) -> Plan | None:
        """The plan as stored now with the imported blackouts added (None: nothing new)."""
        try:
            found = read_ics_blackouts(
                data, first=plan.start, last=plan.end, timezone=plan.timezone
            )
        except IcsImportError as exc:
            raise CommandError(f"{source}: {exc} — the plan was not changed") from None
        merged = merge_blackouts(plan, found.blackouts)
        results.append((found, merged))
        if args.dry_run or not merged.added:
            return None
        # The plan changed now: exports take DTSTAMP from this time.
        return stamp_now(merged.plan)

    if args.dry_run:
        add_days_off(read_plan(args.plan))
    else:
        update_plan(args.plan, add_days_off)
    found, merged = results[-1]
    for b in merged.added:
        print(f"  + {b.start.isoformat()} – {b.end.isoformat()}  {b.name}")
    notes = []
    if merged.already_there:
        notes.append(f"{len(merged.already_there)} already in the plan")
    if found.timed_skipped:
        notes.append(f"{_events(found.timed_skipped, 'timed ')} skipped (not whole days)")
    if found.subdaily:
        notes.append(
            f"{_events(found.subdaily)} repeating more often than daily skipped (not whole days)"
        )
    if found.cancelled:
        notes.append(f"{_events(found.cancelled, 'cancelled ')} skipped")
    if found.outside:
        notes.append(f"{_events(found.outside)} outside the plan's horizon")
    if found.cut:
        horizon = f"{merged.plan.start.isoformat()} – {merged.plan.end.isoformat()}"
        notes.append(f"{_events(found.cut, 'recurring ')} cut to the plan's horizon {horizon}")
    tail = f" ({'; '.join(notes)})" if notes else ""
    count = len(merged.added)
    noun = "blackout" if count == 1 else "blackouts"
    if args.dry_run:
        print(f"Would add {count} {noun} to {args.plan}{tail}; nothing written (--dry-run)")
        return 0
    print(f"Added {count} {noun} to {args.plan}{tail}")
    return 0


# An .ics file bigger than this is not a holiday calendar (and reading it would
# take the memory of the machine).
MAX_ICS_BYTES = 50_000_000


def _read_ics(source: Path) -> bytes:
    """The bytes of a regular .ics file of a sane size, or CommandError."""
    import os
    import stat

    try:
        info = os.stat(source)
        if not stat.S_ISREG(info.st_mode):
            raise CommandError(f"{source}: not a regular file; give an .ics file")
        if info.st_size > MAX_ICS_BYTES:
            raise CommandError(
                f"{source}: {info.st_size} bytes, more than the {MAX_ICS_BYTES} an .ics "
                "import reads — the plan was not changed"
            )
        with open(source, "rb") as fh:
            return fh.read(MAX_ICS_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"{source}: cannot read ({exc.strerror or exc})") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export the calendar as .ics (Outlook, Google, Apple, Thunderbird) or .csv",
        description=(
            "Export the plan's calendar. The format follows the extension of -o "
            "(.ics or .csv); '-o -' writes iCalendar to standard output."
        ),
    )
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("-o", "--output", required=True, help="file to write (.ics or .csv), or -")
    p.add_argument("--format", choices=FORMATS, help="override the format given by the extension")
    p.add_argument(
        "--team", metavar="ID", help="only entries owned by this team (and meetings it joins)"
    )
    p.add_argument(
        "--signed-off-only",
        action="store_true",
        help="only the touches of products signed off by marketing and sales, unchanged since",
    )
    p.add_argument("--product", metavar="ID", help="only entries of this product")
    p.add_argument(
        "--from", dest="start", type=iso_date, metavar="D", help="first day (YYYY-MM-DD)"
    )
    p.add_argument("--to", dest="end", type=iso_date, metavar="D", help="last day (YYYY-MM-DD)")
    p.add_argument(
        "--include",
        default="touches,broadcasts,requests",
        metavar="LIST",
        help=f"comma-separated parts: {','.join(INCLUDE_CHOICES)} (default: touches,broadcasts,requests)",
    )
    p.add_argument("--name", help="calendar name (.ics; default: plan name and filter)")
    p.add_argument(
        "--no-sequence",
        action="store_true",
        help="(.ics) do not read the previous export at -o for SEQUENCE numbers",
    )
    p.add_argument(
        "--changes-since",
        metavar="PREVIOUS.ics",
        help="(.ics) write only what changed since this earlier export: new and changed "
        "events (SEQUENCE + 1) and removed ones as STATUS:CANCELLED",
    )
    p.add_argument(
        "--alarm",
        metavar="BEFORE",
        help="(.ics) remind the owner this long before each manual touch (30m, 2h, 1d)",
    )
    p.add_argument(
        "--holiday-language",
        metavar="LANG",
        help="(.ics) language of holiday names in descriptions, e.g. de, en_US "
        "(default: English where the country has it; never the system locale)",
    )
    p.add_argument("--bom", action="store_true", help="(.csv) start with a UTF-8 BOM for Excel")
    p.set_defaults(func=cmd_export)

    cal = sub.add_parser("calendar", help="working calendar: import days off")
    cal_sub = cal.add_subparsers(dest="calendar_command", metavar="SUB")
    p = cal_sub.add_parser(
        "import-ics",
        help="add the events of an .ics (e.g. a company holiday calendar) as blackouts",
    )
    p.add_argument("plan", help="plan file to change (.json or .cadence)")
    p.add_argument(
        "ics", metavar="FILE.ics", help="iCalendar file with all-day or multi-day events"
    )
    p.add_argument(
        "--as",
        dest="mode",
        choices=("blackouts",),
        default="blackouts",
        help="what the events become (blackouts: named non-working ranges)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be added, write nothing")
    p.set_defaults(func=cmd_import_ics)
    cal.set_defaults(func=lambda _args: _calendar_usage(cal))


def _calendar_usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    print("calendar: name a sub-command (import-ics)", file=sys.stderr)
    return 2


def _events(count: int, kind: str = "") -> str:
    """ "1 timed event", "3 timed events"."""
    return f"{count} {kind}event{'' if count == 1 else 's'}"
