"""Ad-hoc collateral requests: `request`, `requests`, `request-status`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from cadence.content import reuse_offer
from cadence.formats.plan_json import request_to_dict
from cadence.model import REQUEST_STATUSES, Plan, Request
from cadence.requests import (
    DraftInvalid,
    Proposal,
    RequestError,
    RequestsPlan,
    Slot,
    add_request,
    move_status,
    plan_requests,
    propose,
)
from cli.clock import stamp_now, today
from cli.commands.common import (
    CommandError,
    iso_date,
    plan_label,
    read_plan,
    update_plan,
)

# Draft fields as the user typed them on the command line.
OPTION_OF = {
    "product": "--product",
    "stage": "--stage",
    "title": "--title",
    "requested_by": "--requested-by",
    "requested_on": "--on",
    "needed_by": "--needed-by",
    "production_days": "--days",
}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "request",
        help="ask the studio for an ad-hoc piece: fits or late, with options",
        description="Answer a collateral request with a production slot (fits) or "
        "the earliest delivery and what would fit instead (late).",
    )
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--product", required=True, help="product id")
    p.add_argument("--stage", required=True, help="stage id of that product")
    p.add_argument("--title", required=True, help="what to produce")
    p.add_argument("--requested-by", required=True, help="team id of the requester")
    p.add_argument("--needed-by", required=True, type=iso_date, help="deadline (YYYY-MM-DD)")
    p.add_argument("--days", required=True, type=int, help="production working days (≥ 1)")
    p.add_argument("--on", type=iso_date, help="date of the request (default: today)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--save",
        action="store_true",
        help="add it to the plan (scheduled when it fits, requested when late)",
    )
    p.set_defaults(func=cmd_request)

    q = sub.add_parser("requests", help="the studio's request queue with computed slots")
    q.add_argument("plan", help="plan file (.json or .cadence)")
    q.add_argument("--status", choices=REQUEST_STATUSES, help="only requests with this status")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=cmd_requests)

    s = sub.add_parser(
        "request-status",
        help="move a request through its workflow",
        description="requested → scheduled → in_production → delivered; any "
        "non-final status → declined (with --note).",
    )
    s.add_argument("plan", help="plan file (.json or .cadence)")
    s.add_argument("id", help="request id")
    s.add_argument("status", choices=REQUEST_STATUSES, help="the new status")
    s.add_argument("--note", help="why (required to decline)")
    s.set_defaults(func=cmd_request_status)


# --- request --------------------------------------------------------------------------


def cmd_request(args: argparse.Namespace) -> int:
    draft = Request(
        id="",
        title=args.title,
        product=args.product,
        stage=args.stage,
        requested_by=args.requested_by,
        requested_on=args.on or today(),
        needed_by=args.needed_by,
        production_days=args.days,
    )
    answered: list[tuple[Plan, Proposal]] = []

    def answer(plan: Plan) -> Plan | None:
        """The proposal on the plan as stored now; with --save, the plan with it added."""
        try:
            proposal = propose(plan, draft)
            saved = add_request(plan, draft) if args.save else None
        except DraftInvalid as exc:
            lines = [f"{OPTION_OF.get(e.path, e.path)}: {e.message}" for e in exc.errors]
            raise CommandError("\n".join(lines)) from None
        except RequestError as exc:
            raise CommandError(exc.message) from None
        answered.append((plan, proposal))
        return stamp_now(saved) if saved is not None else None

    if args.save:
        # Read, answer and write under the plan's lock: concurrent saves all keep theirs.
        saved = update_plan(args.plan, answer)
    else:
        saved = answer(read_plan(args.plan))
    plan, proposal = answered[-1]
    if args.json:
        out = answer_json(proposal.slot)
        out["reuse"] = [{"id": a.id, "title": a.title, "kind": a.kind} for a in proposal.reuse]
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(describe_proposal(plan, proposal))
    if saved is not None:
        new = saved.requests[-1]
        where = f" from {new.start}" if new.start else ""
        # With --json stdout stays one JSON object.
        message = f"Saved as {new.id} ({new.status}{where}) in {plan_label(args.plan)}"
        print(message, file=sys.stderr if args.json else sys.stdout)
    return 0


def answer_json(slot: Slot) -> dict[str, Any]:
    """The JSON answer of a slot, with exactly the keys of the `request` command."""
    return {
        "status": slot.outcome,
        "start": slot.start.isoformat(),
        "delivery": slot.delivery.isoformat(),
        "slack_days": slot.slack_days,
        "days_late": slot.days_late,
        "max_days_for_deadline": slot.max_days_for_deadline,
        "cohorts_in_stage": slot.cohorts_in_stage,
    }


def _day(d: date) -> str:
    return f"{d:%a} {d.isoformat()}"


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def describe_proposal(plan: Plan, proposal: Proposal) -> str:
    """The readable answer: fits or late, the options, the cohorts it serves."""
    slot, draft = proposal.slot, proposal.draft
    production = f"production {_day(slot.start)} → {_day(slot.delivery)} ({_n(len(slot.days), 'working day')})"
    lines = []
    if slot.fits:
        assert slot.slack_days is not None
        lines.append(
            f"Fits: {production}, delivery {_day(slot.delivery)}, "
            f"{_n(slot.slack_days, 'working day')} to spare before {_day(draft.needed_by)}."
        )
    else:
        assert slot.days_late is not None
        lines.append(
            f"Late: {production}, earliest delivery {_day(slot.delivery)}, "
            f"{_n(slot.days_late, 'working day')} after the deadline {_day(draft.needed_by)}."
        )
        lines.append("Options:")
        if slot.max_days_for_deadline:
            lines.append(
                f"  - cut production to {_n(slot.max_days_for_deadline, 'working day')} "
                f"to meet {_day(draft.needed_by)}"
            )
        else:
            lines.append(
                f"  - no shorter production meets {_day(draft.needed_by)}: "
                "the studio has no free working day before it"
            )
        lines.append(
            f"  - move the deadline to {_day(slot.earliest_needed_by)} (what the queue allows)"
        )
        lines += [f"  - {reuse_offer(a)}" for a in proposal.reuse]
    product = plan.product(draft.product)
    stage = product.stage(draft.stage) if product else None
    if product and stage:
        lines.append(
            f"Serves {_n(slot.cohorts_in_stage, 'cohort')} of {product.name} "
            f"in {stage.name} during production."
        )
    if proposal.displaced:
        lines.append(f"Would make late: {', '.join(proposal.displaced)}.")
    return "\n".join(lines)


# --- requests -------------------------------------------------------------------------


def queue_order(plan: Plan, queue: RequestsPlan) -> list[Request]:
    """Requests in the order a planner reads the queue: by production start, declined last."""

    def key(q: Request) -> tuple[bool, date, str]:
        slot = queue.slot(q.id)
        return (slot is None, slot.start if slot else q.needed_by, q.id)

    return sorted(plan.requests, key=key)


def cmd_requests(args: argparse.Namespace) -> int:
    plan = read_plan(args.plan)
    try:
        queue = plan_requests(plan)
    except RequestError as exc:
        raise CommandError(exc.message) from None
    shown = [q for q in queue_order(plan, queue) if args.status in (None, q.status)]
    if args.json:
        listed: list[dict[str, Any]] = []
        for q in shown:
            slot = queue.slot(q.id)
            listed.append({**request_to_dict(q), "slot": answer_json(slot) if slot else None})
        out = {
            "studio": {
                "team": queue.studio.team,
                "capacity_per_day": queue.studio.capacity_per_day,
                "min_lead_days": queue.studio.min_lead_days,
            },
            "requests": listed,
            "load": [
                {
                    "date": d.date.isoformat(),
                    "booked": d.booked,
                    "capacity": d.capacity,
                    "requests": list(d.requests),
                }
                for d in queue.load
            ],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0

    team = plan.team(queue.studio.team)
    print(
        f"Studio: {team.name if team else queue.studio.team} ({queue.studio.team}), "
        f"{_n(queue.studio.capacity_per_day, 'request')} per working day, "
        f"lead time {_n(queue.studio.min_lead_days, 'working day')}"
    )
    if not shown:
        print("No requests." if args.status is None else f"No {args.status} requests.")
        return 0
    header = ("ID", "STATUS", "BY", "PRODUCT/STAGE", "NEEDED BY", "START", "DELIVERY", "ANSWER")
    rows = [header]
    for q in shown:
        slot = queue.slot(q.id)
        rows.append(
            (
                q.id,
                q.status,
                q.requested_by,
                f"{q.product}/{q.stage}",
                q.needed_by.isoformat(),
                slot.start.isoformat() if slot else "—",
                slot.delivery.isoformat() if slot else "—",
                _answer(slot),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    for d in queue.overbooked:
        print(
            f"Overbooked: {d.date.isoformat()} ({d.booked} of {d.capacity}: {', '.join(d.requests)})"
        )
    return 0


def _answer(slot: Slot | None) -> str:
    if slot is None:
        return "—"
    if slot.fits:
        assert slot.slack_days is not None
        return f"fits, {_n(slot.slack_days, 'working day')} to spare"
    assert slot.days_late is not None
    text = f"late by {_n(slot.days_late, 'working day')}"
    if slot.max_days_for_deadline:
        text += f" ({slot.max_days_for_deadline} would fit)"
    return text


# --- request-status -------------------------------------------------------------------


def cmd_request_status(args: argparse.Namespace) -> int:
    before: list[Request] = []

    def move(plan: Plan) -> Plan:
        try:
            moved = move_status(plan, args.id, args.status, args.note)
        except RequestError as exc:
            raise CommandError(exc.message) from None
        found = plan.request(args.id)
        assert found is not None
        before.append(found)
        return stamp_now(moved)

    moved = update_plan(args.plan, move)
    assert moved is not None
    after = moved.request(args.id)
    assert after is not None
    detail = f" (start {after.start.isoformat()})" if after.start and not before[-1].start else ""
    print(f"{args.id}: {before[-1].status} → {after.status}{detail}")
    return 0
