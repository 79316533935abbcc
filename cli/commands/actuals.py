"""actuals: the plan beside what a CRM export of lead stage history says; --adopt its numbers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from cadence.actuals import (
    STAGE_COLUMNS,
    ActualsReport,
    Adoption,
    CrmExport,
    CrmFormatError,
    DriftRule,
    StageActual,
    actuals_report,
    adopt,
    drift_gaps,
    parse_column_map,
    parse_stage_map,
    read_crm,
    stage_cells,
)
from cadence.model import Plan
from cli.commands.common import CommandError, gap_json, positive_int, read_plan, write_plan

# Malformed rows listed before "… and N more".
MAX_PROBLEMS_SHOWN = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "actuals",
        help="the plan beside a CRM export: conversion and days per stage, drift, --adopt",
        description="Read a CRM export of lead stage history (CSV: lead_id, product, stage, "
        "entered_on, left_on, outcome, quality) and compare each stage with the plan.",
    )
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("crm", help="CRM export (CSV, UTF-8)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--adopt",
        action="store_true",
        help="write the actual conversions and rounded stage lengths into the plan file",
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=column",
        help="read the CRM's HEADER as that column (repeatable), e.g. stage_name=stage",
    )
    p.add_argument(
        "--stage-map",
        action="append",
        default=[],
        metavar="NAME=stage_id",
        help="the CRM's stage NAME is the plan's stage_id (repeatable), e.g. 'Demo booked=demo'",
    )
    p.add_argument(
        "--dayfirst", action="store_true", help="read 03/04/2027 as 3 April (default: 4 March)"
    )
    p.add_argument(
        "--min-leads",
        type=positive_int,
        default=DriftRule().min_leads,
        metavar="N",
        help=f"leads a measure needs for drift and --adopt (default {DriftRule().min_leads})",
    )
    p.set_defaults(func=cmd_actuals)


def read_export_text(path: str) -> str:
    """The CSV file's text (UTF-8, with or without a byte-order mark), or a CommandError."""
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text (export or save it as UTF-8 CSV)") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror or exc})") from None


def load_export(args: argparse.Namespace, plan: Plan) -> CrmExport:
    """The CRM export read against the plan; malformed rows end the command (exit 2)."""
    text = read_export_text(args.crm)
    try:
        export = read_crm(
            text,
            plan,
            renames=parse_column_map(args.map),
            stage_names=parse_stage_map(args.stage_map),
            dayfirst=args.dayfirst,
        )
    except CrmFormatError as exc:
        raise CommandError(f"{args.crm}: {exc}") from None
    if export.problems:
        n = len(export.problems)
        lines = [f"{args.crm}: {n} malformed row{'s' if n != 1 else ''} (nothing was read)"]
        lines += [f"  {p}" for p in export.problems[:MAX_PROBLEMS_SHOWN]]
        if n > MAX_PROBLEMS_SHOWN:
            lines.append(f"  … and {n - MAX_PROBLEMS_SHOWN} more")
        raise CommandError("\n".join(lines))
    return export


def cmd_actuals(args: argparse.Namespace) -> int:
    from cli.clock import stamp_now

    plan = read_plan(args.plan)
    report = actuals_report(plan, load_export(args, plan))
    rule = DriftRule(min_leads=args.min_leads)
    adopted: list[Adoption] | None = None
    if args.adopt:
        new_plan, adopted = adopt(plan, report, rule)
        if adopted:
            check_valid(new_plan)
            write_plan(stamp_now(new_plan), args.plan)
    if args.json:
        print(json.dumps(report_json(plan, report, adopted, rule), ensure_ascii=False, indent=2))
        return 0
    print(render_report(plan, report, rule))
    if adopted is not None:
        print()
        print(render_adopted(plan, adopted, args.plan))
    return 0


def check_valid(plan: Plan) -> None:
    """Refuse to write an adopted plan the validation layer would refuse."""
    from cadence.formats.plan_json import plan_to_dict
    from cadence.validate import PlanInvalid, build_plan

    try:
        build_plan(plan_to_dict(plan))
    except PlanInvalid as exc:
        listed = "\n".join(f"  {e}" for e in exc.errors)
        raise CommandError(f"the adopted plan is invalid; nothing was written\n{listed}") from None


# --- text -----------------------------------------------------------------------------


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
    return lines


def render_report(plan: Plan, report: ActualsReport, rule: DriftRule | None = None) -> str:
    """The readable report: a table per product, the drift, the names not in the plan."""
    lines = [f"Plan versus actual: {plan.name} ({report.rows} CRM rows)"]
    for product in plan.products:
        rows = [list(STAGE_COLUMNS)] + [
            stage_cells(s) for s in report.stages if s.product == product.id
        ]
        lines += ["", f"{product.name} ({product.id})"]
        lines += [f"  {line}" for line in _table(rows)]
    found = drift_gaps(plan, report, rule)
    lines.append("")
    if found:
        lines.append(f"Drift ({len(found)}):")
        for g in found:
            of = plan.product(g.product)
            lines.append(f"  {of.name if of else g.product} · {g.message}")
    else:
        lines.append("No drift.")
    if report.unknown_products:
        listed = ", ".join(f"{name} ({_rows(n)})" for name, n in report.unknown_products)
        lines.append(f"Not in the plan, not read: products {listed}")
    if report.unknown_stages:
        listed = ", ".join(f"{p}: {name} ({_rows(n)})" for p, name, n in report.unknown_stages)
        lines.append(f"Not in the plan, not read: stages {listed} (map them with --stage-map)")
    return "\n".join(lines)


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"


def render_adopted(plan: Plan, adopted: list[Adoption], path: str) -> str:
    """What --adopt wrote, one line per number."""
    if not adopted:
        return f"Nothing to adopt: no stage measured on enough leads differs from the plan ({path} unchanged)."
    lines = [f"Adopted into {path}:"]
    for a in adopted:
        product = plan.product(a.product)
        stage = product.stage(a.stage) if product else None
        name = f"{product.name if product else a.product} · {stage.name if stage else a.stage}"
        what = (
            f"conversion {a.old:g} → {a.new:g}"
            if a.measure == "conversion"
            else f"days {a.old:g} → {a.new:g}"
        )
        lines.append(f"  {name}: {what}" + (f" ({a.note})" if a.note else ""))
    return "\n".join(lines)


# --- JSON -----------------------------------------------------------------------------


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def stage_json(s: StageActual) -> dict[str, Any]:
    """One stage of `actuals --json`."""
    return {
        "product": s.product,
        "stage": s.stage,
        "name": s.stage_name,
        "leads": s.leads,
        "entered": s.entered,
        "advanced": s.advanced,
        "in_stage": s.in_stage,
        "conversion": _round(s.conversion, 4),
        "planned_conversion": s.planned_conversion,
        "conversion_deviation": _round(s.conversion_deviation, 4),
        "days_measured": s.days_measured,
        "median_days": s.median_days,
        "p80_days": s.p80_days,
        "planned_days": s.planned_days,
        "days_deviation": _round(s.days_deviation, 4),
        "quality": _round(s.quality, 2),
    }


def report_json(
    plan: Plan,
    report: ActualsReport,
    adopted: list[Adoption] | None,
    rule: DriftRule | None = None,
) -> dict[str, Any]:
    """The whole answer of `actuals --json` (``adopted`` only with --adopt)."""
    out: dict[str, Any] = {
        "rows": report.rows,
        "stages": [stage_json(s) for s in report.stages],
        "drift": [gap_json(g) for g in drift_gaps(plan, report, rule)],
        "unknown_products": [{"name": n, "rows": c} for n, c in report.unknown_products],
        "unknown_stages": [
            {"product": p, "name": n, "rows": c} for p, n, c in report.unknown_stages
        ],
    }
    if adopted is not None:
        out["adopted"] = [
            {
                "product": a.product,
                "stage": a.stage,
                "measure": a.measure,
                "old": a.old,
                "new": a.new,
                "note": a.note,
            }
            for a in adopted
        ]
    return out
