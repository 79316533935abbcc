"""agenda, actions: what an internal meeting discusses, and the action items it agrees."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import TYPE_CHECKING

from cadence.model import ActionItem, Gap, Plan
from cli.clock import stamp_now, today
from cli.commands.common import (
    CommandError,
    announce_work,
    iso_date,
    plan_label,
    read_plan,
    update_plan,
)

if TYPE_CHECKING:
    from cadence.agenda import AgendaBook


def _drift(plan: Plan, args: argparse.Namespace) -> list[Gap]:
    if args.actuals is None:
        return []
    from cli.commands.scheduling import _drift_gaps

    return _drift_gaps(plan, args)


def build_book(plan: Plan, drift: list[Gap] | None = None) -> AgendaBook:
    """The plan's agendas, over its schedule and gaps (and drift, when given)."""
    from cadence.agenda import AgendaBook
    from cadence.planner import Planner

    planned = Planner().update(plan)
    return AgendaBook(plan, planned.schedule, planned.gaps, drift or [])


def _check_team(plan: Plan, team: str) -> None:
    if plan.team(team) is None:
        known = ", ".join(t.id for t in plan.teams) or "none"
        raise CommandError(f'--owner: unknown team "{team}" (teams: {known})')


def cmd_agenda(args: argparse.Namespace) -> int:
    from cadence.agenda import AgendaError, agenda_json, agenda_markdown
    from cadence.ops import add_action_item

    plan = read_plan(args.plan)
    if args.add_action is not None:
        if args.owner is None or args.due is None:
            raise CommandError("--add-action needs --owner TEAM and --due D")
        _check_team(plan, args.owner)
        if not args.save:
            raise CommandError("--add-action: add --save to write it into the plan")
    announce_work(plan)
    book = build_book(plan, _drift(plan, args))
    try:
        book.agenda(args.meeting, args.date)  # check the meeting and date first
    except AgendaError as exc:
        raise CommandError(str(exc)) from None
    if args.add_action is not None:

        def add(current: Plan) -> Plan:
            op = add_action_item(
                current, args.add_action.strip(), args.owner, args.due, args.meeting, args.date
            )
            return stamp_now(op.plan)

        saved = update_plan(args.plan, add)
        assert saved is not None
        book = build_book(saved, _drift(saved, args))
        added = saved.action_items[-1]
        note = f"Added action item {added.id} to {plan_label(args.plan)}"
    else:
        note = ""
    agenda = book.agenda(args.meeting, args.date)
    if args.json:
        print(json.dumps(agenda_json(agenda), ensure_ascii=False))
    else:
        print(agenda_markdown(agenda, book.plan), end="")
    if note:
        import sys

        print(note, file=sys.stderr)
    return 0


def _action_line(plan: Plan, item: ActionItem) -> str:
    team = plan.team(item.owner)
    done = f" on {item.done_on.isoformat()}" if item.done_on else ""
    status = f"{item.status}{done}"
    return (
        f"{item.id}  [{status}]  {item.text} — {team.name if team else item.owner}, "
        f"due {item.due.isoformat()} (from {item.meeting} {item.meeting_date.isoformat()})"
    )


def cmd_actions(args: argparse.Namespace) -> int:
    from cadence.ops import mark_action_done, reopen_action_item

    if args.done is not None or args.reopen is not None:
        item_id = args.done or args.reopen
        on: date = args.on or today()

        def change(current: Plan) -> Plan:
            try:
                if args.done is not None:
                    op = mark_action_done(current, item_id, on)
                else:
                    op = reopen_action_item(current, item_id)
            except KeyError:
                known = ", ".join(a.id for a in current.action_items) or "none"
                raise CommandError(
                    f'unknown action item "{item_id}" (action items: {known})'
                ) from None
            return stamp_now(op.plan)

        saved = update_plan(args.plan, change)
        assert saved is not None
        found = next(a for a in saved.action_items if a.id == item_id)
        print(_action_line(saved, found))
        return 0
    plan = read_plan(args.plan)
    items = [a for a in plan.action_items if args.all or a.status == "open"]
    if args.meeting is not None:
        items = [a for a in items if a.meeting == args.meeting]
    if args.json:
        from cadence.formats.plan_json import action_item_to_dict

        print(json.dumps({"action_items": [action_item_to_dict(a) for a in items]}))
        return 0
    for item in items:
        print(_action_line(plan, item))
    print(f"{len(items)} action item{'s' if len(items) != 1 else ''}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "agenda", help="the agenda of an internal meeting's occurrence, built from the plan"
    )
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--meeting", required=True, metavar="ID", help="an internal broadcast's id")
    p.add_argument(
        "--date", required=True, type=iso_date, metavar="D", help="the occurrence's date"
    )
    p.add_argument("--json", action="store_true", help="print the agenda as one JSON object")
    p.add_argument(
        "--actuals", metavar="CRM.csv", help="also list drift between the plan and this CRM export"
    )
    p.add_argument(
        "--dayfirst", action="store_true", help="with --actuals: read 03/04/2027 as 3 April"
    )
    p.add_argument("--add-action", metavar="TEXT", help="add an action item to this occurrence")
    p.add_argument("--owner", metavar="TEAM", help="with --add-action: the team that does it")
    p.add_argument("--due", type=iso_date, metavar="D", help="with --add-action: due date")
    p.add_argument("--save", action="store_true", help="with --add-action: write it to the plan")
    p.set_defaults(func=cmd_agenda)

    p = sub.add_parser("actions", help="the meetings' action items: list, mark done, reopen")
    p.add_argument("plan", help="plan file (.json or .cadence)")
    p.add_argument("--meeting", metavar="ID", help="only this meeting's action items")
    p.add_argument("--all", action="store_true", help="list done ones too")
    p.add_argument("--json", action="store_true", help='print {"action_items": [...]}')
    p.add_argument("--done", metavar="ID", help="mark this action item done (saved)")
    p.add_argument("--reopen", metavar="ID", help="mark this action item open again (saved)")
    p.add_argument(
        "--on", type=iso_date, metavar="D", help="with --done: the day it was done (default today)"
    )
    p.set_defaults(func=cmd_actions)
