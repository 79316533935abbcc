"""signoff: marketing and sales sign off products' touches; what changed since."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from cadence.model import SIGNOFF_ROLES, Plan
from cli.clock import stamp_now
from cli.commands.common import CommandError, plan_label, read_plan, update_plan


def _status_json(plan: Plan) -> dict[str, Any]:
    from cadence.signoff import changes_since_signoff, signoff_status

    out = []
    for p in plan.products:
        status = signoff_status(plan, p)
        out.append(
            {
                "product": p.id,
                "state": status.state,
                "signed": [
                    {"by": s.by, "role": s.role, "at": s.at.isoformat().replace("+00:00", "Z")}
                    for s in status.latest
                ],
                "missing": list(status.missing),
                "in_review": (
                    {
                        "by": status.review.by,
                        "at": status.review.at.isoformat().replace("+00:00", "Z"),
                    }
                    if status.review is not None
                    else None
                ),
                "changes": [c.text for c in changes_since_signoff(plan, p)],
            }
        )
    return {"products": out}


def render_status(plan: Plan) -> str:
    """One line per product (its sign-off state), then what changed since a sign-off."""
    from cadence.signoff import changes_since_signoff, signoff_status

    lines = []
    for p in plan.products:
        status = signoff_status(plan, p)
        lines.append(f"{p.id}: {status.label}")
        for change in changes_since_signoff(plan, p):
            lines.append(f"    {change.text}")
    return "\n".join(lines)


def _submit(args: argparse.Namespace) -> int:
    """``--submit``: ask marketing and sales to sign off (recorded with the time, UTC)."""
    from cadence.ops import submit_for_review
    from cadence.signoff import SignoffError

    if args.by is None or not args.save:
        raise CommandError("--submit: give --by NAME and --save")
    at = datetime.now(UTC).replace(microsecond=0)  # the clock is read here, at the edge

    def submit(current: Plan) -> Plan:
        try:
            return stamp_now(submit_for_review(current, args.by, at, args.product).plan)
        except SignoffError as exc:
            raise CommandError(str(exc)) from None

    saved = update_plan(args.plan, submit)
    assert saved is not None
    what = args.product or "every product"
    print(f"Submitted {what} for review by {args.by.strip()} in {plan_label(args.plan)}")
    print(render_status(saved))
    return 0


def cmd_signoff(args: argparse.Namespace) -> int:
    from cadence.ops import sign_off_product
    from cadence.signoff import SignoffError

    if args.submit:
        return _submit(args)
    if args.status or args.by is None:
        if args.by is None and not args.status:
            raise CommandError("signoff: give --by NAME --role ROLE --save, or --status")
        plan = read_plan(args.plan)
        if args.json:
            print(json.dumps(_status_json(plan), ensure_ascii=False))
        else:
            print(render_status(plan))
        return 0
    if args.role is None:
        raise CommandError(f"--role: required with --by ({' or '.join(SIGNOFF_ROLES)})")
    if not args.save:
        raise CommandError("signoff: add --save to record the sign-off in the plan")
    # The clock is read here, at the edge: the sign-off's time in UTC.
    at = datetime.now(UTC).replace(microsecond=0)

    def sign(current: Plan) -> Plan:
        try:
            op = sign_off_product(current, args.by, args.role, at, args.product)
        except SignoffError as exc:
            raise CommandError(str(exc)) from None
        return stamp_now(op.plan)

    saved = update_plan(args.plan, sign)
    assert saved is not None
    what = args.product or "every product"
    print(f"Signed off {what} by {args.by.strip()} ({args.role}) in {plan_label(args.plan)}")
    print(render_status(saved))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "signoff",
        help="marketing and sales sign off products' touches; --status: where each stands",
    )
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--product", metavar="ID", help="the product to sign off (default: every one)")
    p.add_argument("--by", metavar="NAME", help="the person signing off")
    p.add_argument("--role", choices=SIGNOFF_ROLES, help="the role they sign for")
    p.add_argument(
        "--submit",
        action="store_true",
        help="submit the product (default: every one) for review: marketing and sales sign off",
    )
    p.add_argument("--save", action="store_true", help="record the sign-off in the plan")
    p.add_argument(
        "--status", action="store_true", help="each product: signed off, awaiting, or changed since"
    )
    p.add_argument("--json", action="store_true", help="with --status: one JSON object")
    p.set_defaults(func=cmd_signoff)
