"""schedule, gaps, bench: the communications calendar, its gaps, and the engine's speed."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, time
from functools import cache
from typing import Any

from cadence.formats.json_stream import write_json_lists
from cadence.model import GAP_KINDS, Gap, Occurrence, Plan, Skipped
from cli.commands.common import (
    CommandError,
    announce_work,
    gap_json,
    iso_date,
    positive_int,
    read_plan,
)

# Exit code of `gaps --fail-on-gaps` when the plan has gaps.
EXIT_GAPS = 3


# A plan's entries share a few hundred days and a few times of day: each is written
# once (125 k entries: 0.15 s less than formatting every one).
@cache
def _text(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


@cache
def _clock(t: time | None) -> str | None:
    return f"{t.hour:02d}:{t.minute:02d}" if t is not None else None


def occurrence_json(o: Occurrence) -> dict[str, Any]:
    """One calendar entry as `schedule --json` prints it."""
    return {
        "uid": o.uid,
        "date": _text(o.date),
        "time": _clock(o.time),
        "product": o.product,
        "cohort": _text(o.cohort),
        "stage": o.stage,
        "touch": o.touch,
        "name": o.name,
        "channel": o.channel,
        "owner": o.owner,
        "automated": o.automated,
        "leads": round(o.leads, 2),
        "nominal": _text(o.nominal),
    }


def skipped_json(s: Skipped) -> dict[str, Any]:
    """One occurrence not sent (roll policy skip): the touch fields, date null, a reason."""
    return {
        "uid": s.uid,
        "date": None,
        "time": _clock(s.time),
        "product": s.product,
        "cohort": _text(s.cohort),
        "stage": s.stage,
        "touch": s.touch,
        "name": s.name,
        "channel": s.channel,
        "owner": s.owner,
        "automated": s.automated,
        "leads": round(s.leads, 2),
        "nominal": s.nominal.isoformat(),
        "reason": s.reason,
    }


# --- schedule -------------------------------------------------------------------------


def _check_choice(kind: str, value: str | None, known: Sequence[str]) -> None:
    if value is not None and value not in known:
        listed = ", ".join(known) or "none"
        raise CommandError(f'unknown {kind} "{value}" ({kind}s: {listed})', 2)


def _reaches(plan: Plan, broadcast_id: str, product_id: str) -> bool:
    for b in plan.broadcasts:
        if b.id == broadcast_id:
            return b.products is None or product_id in b.products
    return False


def select(
    plan: Plan,
    entries: Iterable[Occurrence | Skipped],
    first: date | None,
    last: date | None,
    team: str | None,
    product: str | None,
) -> list[Any]:
    """The entries matching the filters (dates: the sent date, or the nominal one if skipped).

    ``product`` keeps that product's touches and the broadcasts reaching its leads.
    """
    out = []
    participants = {b.id: b.participants for b in plan.broadcasts}
    for e in entries:
        day = e.date if isinstance(e, Occurrence) else e.nominal
        if first is not None and day < first:
            continue
        if last is not None and day > last:
            continue
        if team is not None and e.owner != team:
            if e.kind != "broadcast" or team not in participants.get(e.touch, ()):
                continue
        if product is not None and e.product != product:
            if e.kind != "broadcast" or not _reaches(plan, e.touch, product):
                continue
        out.append(e)
    return out


def _table(rows: list[list[str]], right: Iterable[int] = ()) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    aligned = set(right)
    lines = []
    for r in rows:
        cells = [
            c.rjust(widths[i]) if i in aligned else c.ljust(widths[i]) for i, c in enumerate(r)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _leads(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def render_schedule(touches: Sequence[Occurrence], skipped: Sequence[Skipped]) -> str:
    """The readable table of `schedule`."""
    lines = []
    if touches:
        rows = [["Date", "Time", "Product", "Cohort", "Stage", "Touch", "Channel", "Owner"]]
        rows[0] += ["Leads", "Note"]
        for o in touches:
            note = f"rolled from {o.nominal}" if o.date != o.nominal else ""
            rows.append(
                [
                    o.date.isoformat(),
                    _clock(o.time) or "all day",
                    o.product or "(broadcast)",
                    _text(o.cohort) or "-",
                    o.stage or "-",
                    o.name,
                    o.channel,
                    o.owner,
                    _leads(o.leads),
                    note,
                ]
            )
        lines += _table(rows, right=(8,))
    n = len(touches)
    lines.append(f"{n} occurrence{'s' if n != 1 else ''}, {len(skipped)} skipped")
    if skipped:
        lines.append("")
        lines.append("Skipped (not sent: roll policy skip)")
        rows = [["Nominal", "Product", "Cohort", "Stage", "Touch", "Owner", "Reason"]]
        for s in skipped:
            rows.append(
                [
                    s.nominal.isoformat(),
                    s.product or "(broadcast)",
                    _text(s.cohort) or "-",
                    s.stage or "-",
                    s.name,
                    s.owner,
                    s.reason,
                ]
            )
        lines += _table(rows)
    return "\n".join(lines)


def cmd_schedule(args: argparse.Namespace) -> int:
    from cadence.engine import schedule

    plan = read_plan(args.plan)
    _check_choice("team", args.team, [t.id for t in plan.teams])
    _check_choice("product", args.product, [p.id for p in plan.products])
    if args.first and args.last and args.first > args.last:
        raise CommandError(f"--from ({args.first}) must not be after --to ({args.last})", 2)
    announce_work(plan)
    result = schedule(plan)
    filters = (args.first, args.last, args.team, args.product)
    touches = select(plan, result.touches, *filters)
    skipped = select(plan, result.skipped, *filters)
    if args.json:  # written as produced: no list of 125 k dicts, no giant text
        touches_json = (occurrence_json(o) for o in touches)
        skipped_json_ = (skipped_json(s) for s in skipped)
        write_json_lists(sys.stdout, {"touches": touches_json, "skipped": skipped_json_})
        sys.stdout.write("\n")
    else:
        print(render_schedule(touches, skipped))
    return 0


# --- gaps -----------------------------------------------------------------------------


def _counts(found: Sequence[Gap]) -> str:
    counts = Counter(g.kind for g in found)
    return ", ".join(f"{kind} {counts[kind]}" for kind in GAP_KINDS if counts[kind])


def render_gaps(plan: Plan, found: Sequence[Gap]) -> str:
    """The readable report of `gaps`: by product (then plan-wide), by kind, with counts."""
    if not found:
        return f"No gaps in {plan.name}."
    groups: dict[str | None, list[Gap]] = {}
    for g in found:
        groups.setdefault(g.product, []).append(g)
    order: list[str | None] = [p.id for p in plan.products if p.id in groups]
    order += [k for k in groups if k not in order and k is not None]
    if None in groups:
        order.append(None)
    lines = []
    for key in order:
        members = groups[key]
        product = plan.product(key)
        title = f"{product.name} ({product.id})" if product else (key or "Teams (capacity)")
        lines.append(f"{title}: {len(members)} gap{'s' if len(members) != 1 else ''}")
        for kind in GAP_KINDS:
            of_kind = [g for g in members if g.kind == kind]
            if not of_kind:
                continue
            lines.append(f"  {kind} ({len(of_kind)})")
            for g in of_kind:
                # Messages name their days; capacity ones name the week, so add its dates.
                where = f"cohort {g.cohort}" if g.cohort else f"{g.start} to {g.end}"
                lines.append(f"    {where}: {g.message}")
        lines.append("")
    n = len(found)
    lines.append(f"{n} gap{'s' if n != 1 else ''}: {_counts(found)}")
    return "\n".join(lines)


def cmd_gaps(args: argparse.Namespace) -> int:
    from cadence.planner import Planner

    plan = read_plan(args.plan)
    announce_work(plan)
    found = Planner().update(plan).gaps
    if args.actuals is not None:
        found = (*found, *_drift_gaps(plan, args))
    if args.json:
        print(json.dumps({"gaps": [gap_json(g) for g in found]}, ensure_ascii=False))
    else:
        print(render_gaps(plan, found))
    return EXIT_GAPS if args.fail_on_gaps and found else 0


def _drift_gaps(plan: Plan, args: argparse.Namespace) -> list[Gap]:
    """Gaps of kind "drift": where the CRM export (``--actuals``) departs from the plan."""
    from cadence.actuals import actuals_report, drift_gaps
    from cli.commands.actuals import load_export

    crm = argparse.Namespace(crm=args.actuals, map=[], stage_map=[], dayfirst=args.dayfirst)
    return drift_gaps(plan, actuals_report(plan, load_export(crm, plan)))


# --- bench ----------------------------------------------------------------------------


def cmd_bench(args: argparse.Namespace) -> int:
    from cadence import bench

    return bench.run(args.json, args.products, args.runs, args.export)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schedule", help="the dated calendar of touches and broadcasts")
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--json", action="store_true", help='print {"touches": [...], "skipped": [...]}')
    p.add_argument("--from", dest="first", type=iso_date, metavar="D", help="from this date")
    p.add_argument("--to", dest="last", type=iso_date, metavar="D", help="up to this date")
    p.add_argument("--team", metavar="ID", help="only entries owned by this team")
    p.add_argument(
        "--product",
        metavar="ID",
        help="only this product's touches and the broadcasts that reach its leads",
    )
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("gaps", help="where the plan lets a lead fall through the cracks")
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--json", action="store_true", help='print {"gaps": [...]}')
    p.add_argument(
        "--fail-on-gaps",
        action="store_true",
        help=f"exit with {EXIT_GAPS} when any gap is found (for scripts)",
    )
    p.add_argument(
        "--actuals",
        metavar="CRM.csv",
        help="also list drift: where this CRM export departs from the plan (see `actuals`)",
    )
    p.add_argument(
        "--dayfirst", action="store_true", help="with --actuals: read 03/04/2027 as 3 April"
    )
    p.set_defaults(func=cmd_gaps)

    p = sub.add_parser("bench", help="time the engine and the checks on a large generated plan")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument(
        "--products", type=positive_int, default=50, help="products in the plan (default 50)"
    )
    p.add_argument("--runs", type=positive_int, default=3, help="timed runs, best kept (default 3)")
    p.add_argument(
        "--no-export", dest="export", action="store_false", help="skip the export figures"
    )
    p.set_defaults(func=cmd_bench)
