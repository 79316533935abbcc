"""content: the content library's coverage (stage × asset per product) and run-out."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from typing import Any

from cadence.content import RunningOut, StageCoverage, assets_running_out, stage_coverage
from cadence.model import ASSET_KINDS, Plan, Product
from cli.commands.common import CommandError, iso_date, read_plan

DEFAULT_WITHIN_DAYS = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "content",
        help="the content library: which stages lack assets, which assets run out soon",
        description="Coverage: for each product, the assets serving each stage and what each "
        "stage lacks. Run-out: the assets whose review_by falls within --within days of "
        "--today, with the touches that send them.",
    )
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--product", metavar="ID", help="only this product's coverage")
    p.add_argument(
        "--within",
        type=_days,
        default=DEFAULT_WITHIN_DAYS,
        metavar="DAYS",
        help=f"run-out window after --today, in days (default {DEFAULT_WITHIN_DAYS})",
    )
    p.add_argument("--today", type=iso_date, metavar="D", help="start of the run-out window")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_content)


def _days(text: str) -> int:
    """argparse type for a number of days ≥ 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 36_500:
        raise argparse.ArgumentTypeError(f"must be a whole number of days ≥ 0, got {text!r}")
    return value


def cmd_content(args: argparse.Namespace) -> int:
    from cli.clock import today

    plan = read_plan(args.plan)
    products = _products(plan, args.product)
    start = args.today or today()
    end = start + timedelta(days=args.within)
    coverage = {p.id: stage_coverage(plan, p) for p in products}
    running = assets_running_out(plan, start, end)
    if args.json:
        print(json.dumps(content_json(plan, coverage, running, start, end), ensure_ascii=False))
    else:
        print(render_content(plan, products, coverage, running, start, end))
    return 0


def _products(plan: Plan, product_id: str | None) -> list[Product]:
    if product_id is None:
        return list(plan.products)
    product = plan.product(product_id)
    if product is None:
        listed = ", ".join(p.id for p in plan.products) or "none"
        raise CommandError(f'unknown product "{product_id}" (products: {listed})', 2)
    return [product]


def _lacks(row: StageCoverage) -> str:
    if row.lacks == ("",):
        return "lacks an asset"
    return "lacks " + ", ".join(f'persona "{p}"' for p in row.lacks)


def render_content(
    plan: Plan,
    products: list[Product],
    coverage: dict[str, list[StageCoverage]],
    running: list[RunningOut],
    start: date,
    end: date,
) -> str:
    """The readable report: coverage per product, then the assets running out."""
    n = len(plan.content)
    lines = [f"Content library of {plan.name}: {n} asset{'s' if n != 1 else ''}"]
    for product in products:
        rows = coverage[product.id]
        covered = sum(1 for r in rows if r.covered)
        lines += ["", f"{product.name} ({product.id}): {covered} of {len(rows)} stages covered"]
        for r in rows:
            assets = ", ".join(r.assets) if r.assets else "—"
            lack = "" if r.covered else f"  ← {_lacks(r)}"
            lines.append(f"  {r.stage_name} ({r.stage}): {assets}{lack}")
    lines += ["", f"Running out (review by {start} … {end}):"]
    if not running:
        lines.append("  none")
    for item in running:
        a = item.asset
        team = plan.team(a.owner)
        used = ", ".join(f"{p}/{t}" for p, t in item.touches) or "no touch"
        lines.append(
            f'  {item.review_by}  "{a.title}" ({a.id}, {ASSET_KINDS[a.kind]}), '
            f"owner {team.name if team else a.owner}; sent by {used}"
        )
    return "\n".join(lines)


def content_json(
    plan: Plan,
    coverage: dict[str, list[StageCoverage]],
    running: list[RunningOut],
    start: date,
    end: date,
) -> dict[str, Any]:
    """What `content --json` prints."""
    return {
        "coverage": [
            {
                "product": pid,
                "stages": [
                    {
                        "stage": r.stage,
                        "name": r.stage_name,
                        "assets": list(r.assets),
                        "lacks": [p for p in r.lacks if p] if not r.covered else [],
                        "covered": r.covered,
                    }
                    for r in rows
                ],
            }
            for pid, rows in coverage.items()
        ],
        "running_out": {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "assets": [
                {
                    "id": item.asset.id,
                    "title": item.asset.title,
                    "kind": item.asset.kind,
                    "owner": item.asset.owner,
                    "review_by": item.review_by.isoformat(),
                    "touches": [{"product": p, "touch": t} for p, t in item.touches],
                }
                for item in running
            ],
        },
    }
