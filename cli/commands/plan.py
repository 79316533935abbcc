"""validate, convert, demo: commands on whole plan files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cadence.model import Plan
from cli.commands.common import CommandError, check_output, read_plan, write_plan


def summary(plan: Plan) -> str:
    n = len(plan.products)
    return (
        f"{plan.name} — {n} product{'s' if n != 1 else ''}, "
        f"{plan.stage_count} stages, {plan.touch_count} touches"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from cadence.validate import MAX_OCCURRENCES, estimate_occurrences

    plan = read_plan(args.plan)
    print(f"OK: {summary(plan)}")
    print(
        f"About {estimate_occurrences(plan):,} occurrences in the horizon "
        f"(a plan may ask for {MAX_OCCURRENCES:,})"
    )
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    src, dst = Path(args.input), Path(args.output)
    if src.resolve() == dst.resolve():
        raise CommandError(f"{dst}: the output must be another file than the input")
    check_output(dst, src)
    if dst.exists() and not args.force:
        raise CommandError(f"{dst} exists already (use --force to replace it)")
    plan = read_plan(src)
    write_plan(plan, dst)
    print(f"Wrote {dst}: {summary(plan)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.output)
    check_output(out)
    if out.exists() and not args.force:
        raise CommandError(f"{out} exists already (use --force to replace it)")
    from cadence.demo import demo_plan

    plan = demo_plan()
    write_plan(plan, out)
    print(f"Wrote {out}: {summary(plan)}", file=sys.stdout)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a plan file and summarise it")
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("convert", help="convert a plan between .json and .cadence")
    p.add_argument("input", help="plan file to read (.json or .cadence)")
    p.add_argument("output", help="plan file to write (.json or .cadence)")
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("demo", help="write the bundled demo plan")
    p.add_argument("-o", "--output", required=True, help="file to write (.json or .cadence)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=cmd_demo)
