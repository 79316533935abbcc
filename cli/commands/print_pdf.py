"""print: the month grid or the agenda of a plan as a text PDF, as File ▸ Print makes it.

``python main.py print PLAN --month 2027-03 [--team ID] -o march.pdf`` and
``python main.py print PLAN --agenda 2027-03-01 2027-03-31 -o agenda.pdf``.
The pages are laid out by Qt (the printing code of the app, ``ui.printing``),
imported here only when the command runs, on Qt's offscreen platform when no
display is set, so the rest of the command line stays free of Qt.
"""

from __future__ import annotations

import argparse
import os
import re
from datetime import date, timedelta
from pathlib import Path

from cli.commands.common import CommandError, iso_date, read_plan


def month_arg(text: str) -> date:
    """argparse type for YYYY-MM: the first day of that month."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"not a month: {text!r} (expected YYYY-MM, e.g. 2027-03)")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_last_day(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _qt_application() -> object:
    """A QApplication for laying out pages (offscreen unless a display is there)."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["cadence-print"])


def cmd_print(args: argparse.Namespace) -> int:
    if (args.month is None) == (args.agenda is None):
        raise CommandError("print: give either --month YYYY-MM or --agenda FROM TO")
    if Path(args.output).suffix.lower() != ".pdf":
        raise CommandError(f"print: -o {args.output}: the output must be a .pdf file")
    plan = read_plan(args.plan)
    if args.team is not None and plan.team(args.team) is None:
        listing = ", ".join(t.id for t in plan.teams) or "none defined"
        raise CommandError(f'print: unknown team "{args.team}" (teams: {listing})')
    if args.month is not None:
        kind, first, last = "month", args.month, month_last_day(args.month)
    else:
        kind, (first, last) = "agenda", args.agenda
        if last < first:
            raise CommandError(f"print: --agenda ends ({last}) before it starts ({first})")
    app = _qt_application()
    from ui._cal_common import CalendarFilter
    from ui.printing import plan_document, plan_occurrences, write_pdf

    selection = CalendarFilter(teams=frozenset({args.team})) if args.team else CalendarFilter()
    doc = plan_document(plan, plan_occurrences(plan), kind, first, last, selection)
    try:
        path = write_pdf(doc, args.output, kind)
    except OSError as exc:
        raise CommandError(f"print: cannot write {args.output}: {exc}") from None
    del app
    print(f"Wrote the {kind} {first} – {last} to {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("print", help="the month grid or the agenda as a PDF (as File ▸ Print)")
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--month", type=month_arg, metavar="YYYY-MM", help="one month's grid")
    p.add_argument(
        "--agenda",
        nargs=2,
        type=iso_date,
        metavar=("FROM", "TO"),
        help="every entry from FROM to TO (YYYY-MM-DD), day by day",
    )
    p.add_argument("--team", metavar="ID", help="only entries owned by this team")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf", help="the PDF to write")
    p.set_defaults(func=cmd_print)
