"""diff: what changes from plan A to plan B (entries, gaps, load, expected leads)."""

from __future__ import annotations

import argparse
import json
from datetime import date, time
from typing import TYPE_CHECKING, Any

from cadence.model import GAP_KINDS, Gap, Plan
from cli.commands.common import CommandError, gap_json, read_plan

if TYPE_CHECKING:
    from cadence.plan_diff import EntryChange, PlanDiff

# Exit code of `diff --exit-code` when the plans differ (as `git diff --exit-code`).
EXIT_DIFFERENT = 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diff",
        help="what-if: what changes from plan A to plan B",
        description="Compare two plans: calendar entries added, removed and moved (by UID), "
        "gaps opened and closed, each team's weekly load, expected leads per stage.",
    )
    p.add_argument("a", metavar="A", help="the plan as it is (.json or .cadence)")
    p.add_argument("b", metavar="B", help="the plan as it would be (.json or .cadence)")
    p.add_argument("--team", metavar="ID", help="only what concerns this team")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--exit-code",
        action="store_true",
        help=f"exit with {EXIT_DIFFERENT} when the plans differ (for scripts)",
    )
    p.set_defaults(func=cmd_diff)


def cmd_diff(args: argparse.Namespace) -> int:
    a, b = read_plan(args.a), read_plan(args.b)
    if args.team is not None:
        known = sorted({t.id for t in a.teams} | {t.id for t in b.teams})
        if args.team not in known:
            raise CommandError(f'unknown team "{args.team}" (teams: {", ".join(known) or "none"})')
    from cadence.plan_diff import diff_plans  # on use: every other command starts sooner

    found = diff_plans(a, b, args.team)
    if args.json:
        print(json.dumps(diff_json(found), ensure_ascii=False, indent=2))
    else:
        print(render_diff(a, b, found))
    return EXIT_DIFFERENT if args.exit_code and not found.empty else 0


# --- text -----------------------------------------------------------------------------


def _when(d: date | None, t: time | None) -> str:
    if d is None:
        return ""
    return d.isoformat() + (f" {t.hour:02d}:{t.minute:02d}" if t is not None else "")


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def entry_line(e: EntryChange) -> str:
    """One added, removed or moved entry: when, what, its UID."""
    if e.change == "moved":
        when = f"{_when(e.old, e.old_time)} → {_when(e.new, e.new_time)}"
    elif e.change == "added":
        when = _when(e.new, e.new_time)
    else:
        when = _when(e.old, e.old_time)
    what = e.name
    if e.product is not None:
        cohort = f", cohort {e.cohort.isoformat()}" if e.cohort else ""
        what += f" ({e.product}{cohort})"
    return f"{e.week}  {e.change:<7}  {when}  {what}  {e.uid}"


def _team_order(plans: tuple[Plan, Plan], teams: set[str]) -> list[str]:
    order = [t.id for plan in reversed(plans) for t in plan.teams]
    order = list(dict.fromkeys(order))
    return [t for t in order if t in teams] + sorted(teams - set(order))


def _team_name(plans: tuple[Plan, Plan], team: str | None) -> str:
    for plan in reversed(plans):
        t = plan.team(team)
        if t is not None:
            return f"{t.name} ({t.id})"
    return team or "no team"


def _gap_line(g: Gap) -> str:
    where = f"cohort {g.cohort}" if g.cohort else f"{g.start} to {g.end}"
    return f"{where}: {g.message}"


def _gap_lines(title: str, found: tuple[Gap, ...]) -> list[str]:
    lines = []
    kinds = list(GAP_KINDS) + sorted({g.kind for g in found} - set(GAP_KINDS))
    for kind in kinds:
        of_kind = [g for g in found if g.kind == kind]
        if of_kind:
            lines.append(f"  {title} {kind} ({len(of_kind)})")
            lines += [f"    {_gap_line(g)}" for g in of_kind]
    return lines


def render_diff(a: Plan, b: Plan, d: PlanDiff) -> str:
    """The readable diff, or "no changes"."""
    if d.empty:
        return "no changes"
    plans = (a, b)
    lines = [d.summary()]
    if d.entries:
        lines += ["", "Calendar entries (by team and ISO week):"]
        for team in _team_order(plans, {e.team for e in d.entries}):
            lines.append(f"  {_team_name(plans, team)}")
            mine = sorted((e for e in d.entries if e.team == team), key=lambda e: e.week)
            lines += [f"    {entry_line(e)}" for e in mine]
    if d.gaps_opened or d.gaps_closed:
        lines += ["", "Gaps:"]
        lines += _gap_lines("opened", d.gaps_opened)
        lines += _gap_lines("closed", d.gaps_closed)
    if d.load:
        lines += ["", "Load (expected leads of manual touches, per team and ISO week):"]
        for c in d.load:
            cap = f" (capacity {c.capacity})" if c.capacity is not None else ""
            over = "  over capacity" if c.capacity is not None and c.after > c.capacity else ""
            lines.append(f"  {c.team} {c.week}: {_num(c.before)} → {_num(c.after)}{cap}{over}")
    if d.leads:
        lines += ["", "Expected leads entering each stage (all cohorts):"]
        for leads in d.leads:
            lines.append(
                f"  {leads.product}/{leads.stage}: {_num(leads.before)} → {_num(leads.after)}"
            )
    return "\n".join(lines)


# --- JSON -----------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _clock(t: time | None) -> str | None:
    return f"{t.hour:02d}:{t.minute:02d}" if t is not None else None


def entry_json(e: EntryChange) -> dict[str, Any]:
    return {
        "change": e.change,
        "uid": e.uid,
        "team": e.team,
        "week": e.week,
        "name": e.name,
        "product": e.product,
        "cohort": _iso(e.cohort),
        "old": _iso(e.old),
        "new": _iso(e.new),
        "old_time": _clock(e.old_time),
        "new_time": _clock(e.new_time),
    }


def diff_json(d: PlanDiff) -> dict[str, Any]:
    """The whole answer of `diff --json`."""
    return {
        "equal": d.empty,
        "touches": [entry_json(e) for e in d.entries],
        "gaps": {
            "opened": [gap_json(g) for g in d.gaps_opened],
            "closed": [gap_json(g) for g in d.gaps_closed],
        },
        "capacity": [
            {
                "team": c.team,
                "week": c.week,
                "week_start": c.week_start.isoformat(),
                "before": c.before,
                "after": c.after,
                "capacity": c.capacity,
            }
            for c in d.load
        ],
        "leads": [
            {"product": c.product, "stage": c.stage, "before": c.before, "after": c.after}
            for c in d.leads
        ],
    }
