"""Working days (rules.count_days), teams' own calendars and the lead desk, with literal
results (docs/scheduling.md, "Working days of a team, and the lead desk")."""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cadence import engine, gaps
from cadence.demo import demo_plan
from cadence.formats.plan_json import load_plan_json
from cadence.model import Blackout, Gap, HolidayRule, Plan
from cadence.planner import Planner
from cadence.validate import PlanInvalid, build_plan
from cli.main import main

PLANS = Path(__file__).parent / "plans"
EXAMPLE = PLANS / "rules_example.json"


def check(plan: Plan) -> list[Gap]:
    found = gaps.check(plan, engine.schedule(plan))
    assert list(Planner().update(plan).gaps) == found
    return found


def kinds(found: list[Gap]) -> dict[str, int]:
    return dict(Counter(g.kind for g in found))


def example(**rules: object) -> Plan:
    plan = load_plan_json(EXAMPLE)
    return replace(plan, rules=replace(plan.rules, **rules))


def rows(found: list[Gap]) -> list[tuple[str, str | None, str | None, str, str]]:
    return [(g.kind, g.stage, g.team, g.start.isoformat(), g.end.isoformat()) for g in found]


# --- working days on the demo ----------------------------------------------------------


def test_demo_working_day_sla_drops_most_weekend_handoffs():
    plan = demo_plan()
    assert plan.rules.handoff_sla_days == 2
    before = check(plan)
    assert kinds(before) == {
        "spacing": 97, "unowned": 45, "handoff": 29, "silence": 9, "capacity": 3,
        "content": 7, "coverage": 4,
    }  # fmt: skip
    after = check(replace(plan, rules=replace(plan.rules, count_days="working")))
    assert kinds(after) == {
        "spacing": 97, "unowned": 45, "handoff": 7, "capacity": 3, "content": 7, "coverage": 4,
    }  # fmt: skip
    first = next(g for g in after if g.kind == "handoff")
    assert (first.product, first.cohort, first.start, first.end) == (
        "mobile", date(2027, 2, 22), date(2027, 4, 3), date(2027, 4, 6),
    )  # fmt: skip
    assert first.message == (
        'hand-off to Sales development at "Sales qualified": no contact by Sales development'
        " from 2027-04-03 to 2027-04-06 (within 2 working days)"
    )


# --- the documented example ------------------------------------------------------------


def test_example_counts_working_days_of_the_answering_team():
    assert rows(check(example())) == [
        ("unowned", "qualify", "desk", "2027-11-20", "2027-11-22"),
        ("capacity", None, "us", "2027-11-22", "2027-11-28"),
    ]


def test_example_in_calendar_days_has_the_silence_and_handoff_gaps():
    found = check(example(count_days="calendar", lead_desk=None))
    assert rows(found) == [
        ("silence", "aware", "mkt", "2027-11-16", "2027-11-24"),
        ("unowned", "qualify", "mkt", "2027-11-20", "2027-11-22"),
        ("capacity", None, "us", "2027-11-22", "2027-11-28"),
        ("handoff", "close", "us", "2027-11-23", "2027-11-25"),
    ]
    assert found[0].message == (
        'no contact for 9 days (2027-11-16 to 2027-11-24) from "Awareness"; allowed 7'
    )


def test_silence_in_working_days_says_so():
    found = check(example(max_silence_days=6))
    silence = [g for g in found if g.kind == "silence"]
    assert [(g.team, g.start, g.end) for g in silence] == [
        ("mkt", date(2027, 11, 16), date(2027, 11, 24))
    ]
    assert silence[0].message == (
        'no contact for 7 working days (2027-11-16 to 2027-11-24) from "Awareness"; allowed 6'
    )


def test_handoff_sla_zero_in_working_days_waits_for_the_next_working_day():
    # Closing starts Tuesday 11-23, a working day: the window is that day alone.
    found = check(example(handoff_sla_days=0))
    assert [(g.start, g.end) for g in found if g.kind == "handoff"] == [
        (date(2027, 11, 23), date(2027, 11, 23))
    ]


# --- a team's own calendar -------------------------------------------------------------


def test_us_team_touch_rolls_past_thanksgiving_german_team_touch_does_not():
    plan = example()
    by_touch = {o.touch: (o.date, o.nominal) for o in engine.schedule(plan).touches}
    assert by_touch["call"] == (date(2027, 11, 26), date(2027, 11, 25))  # US sales
    assert by_touch["follow"] == (date(2027, 11, 25), date(2027, 11, 25))  # Berlin calendar
    # Give Marketing German holidays of its own: Thanksgiving is still a working day.
    german = replace(plan.teams[0], holidays=HolidayRule("DE"))
    plan = replace(plan, teams=(german, *plan.teams[1:]))
    by_touch = {o.touch: o.date for o in engine.schedule(plan).touches}
    assert by_touch == {
        "welcome": date(2027, 11, 15), "follow": date(2027, 11, 25), "call": date(2027, 11, 26),
    }  # fmt: skip


def test_skipped_touch_names_the_team_holiday():
    plan = example()
    product = plan.products[0]
    touches = tuple(replace(t, roll="skip") if t.id == "call" else t for t in product.touches)
    plan = replace(plan, products=(replace(product, touches=touches),))
    skipped = engine.schedule(plan).skipped
    assert [(s.touch, s.nominal, s.reason) for s in skipped] == [
        ("call", date(2027, 11, 25), "holiday: Thanksgiving Day")
    ]


def test_team_blackouts_replace_the_plan_blackouts():
    plan = example()
    freeze = (Blackout("Freeze", date(2027, 11, 25), date(2027, 11, 26)),)
    plan = replace(plan, calendar=replace(plan.calendar, blackouts=freeze))
    # Marketing follows the plan: its e-mail rolls past the freeze to Monday 11-29.
    # US sales has its own (empty) blackouts: its call only skips Thanksgiving.
    us = replace(plan.teams[1], blackouts=())
    plan = replace(plan, teams=(plan.teams[0], us, plan.teams[2]))
    by_touch = {o.touch: o.date for o in engine.schedule(plan).touches}
    assert by_touch["follow"] == date(2027, 11, 29)
    assert by_touch["call"] == date(2027, 11, 26)


def test_capacity_week_skips_the_team_holidays():
    found = [g for g in check(example()) if g.kind == "capacity"]
    assert [(g.team, g.start, g.load, g.capacity) for g in found] == [
        ("us", date(2027, 11, 22), 10.0, 9.6)
    ]
    assert found[0].message == "US sales: 10 leads in week 2027-W47, capacity 9.6"
    # The same team on the plan's (Berlin) calendar has a full week of 12.
    plan = example()
    us = replace(plan.teams[1], holidays=None)
    plan = replace(plan, teams=(plan.teams[0], us, plan.teams[2]))
    assert [g for g in check(plan) if g.kind == "capacity"] == []


def test_team_time_off_lowers_its_capacity_week():
    plan = example()
    off = (Blackout("Time off", date(2027, 11, 22), date(2027, 11, 23)),)
    us = replace(plan.teams[1], blackouts=off, weekly_capacity=20)
    plan = replace(plan, teams=(plan.teams[0], us, plan.teams[2]))
    # 20 a week = 4 a working day; Thanksgiving and two days off leave 2 days: 8.
    found = [g for g in check(plan) if g.kind == "capacity"]
    assert [(g.load, g.capacity) for g in found] == [(10.0, 8)]


# --- the lead desk -------------------------------------------------------------------


def test_unowned_gaps_name_the_lead_desk_else_the_previous_owner_else_nobody():
    assert [g.team for g in check(example()) if g.kind == "unowned"] == ["desk"]
    no_desk = example(lead_desk=None)
    assert [g.team for g in check(no_desk) if g.kind == "unowned"] == ["mkt"]
    product = no_desk.products[0]
    first_unowned = (replace(product.stages[0], owner=None), *product.stages[1:])
    nobody = replace(no_desk, products=(replace(product, stages=first_unowned),))
    assert [(g.stage, g.team) for g in check(nobody) if g.kind == "unowned"] == [("aware", None)]


def test_lead_desk_gaps_reach_its_calendar_export(tmp_path, capsys):
    out = tmp_path / "desk.ics"
    args = ["export", str(EXAMPLE), "-o", str(out), "--team", "desk", "--include", "gaps"]
    assert main(args) == 0
    capsys.readouterr()
    text = out.read_bytes().decode()
    assert text.count("BEGIN:VEVENT") == 1
    assert "UID:rules.gap.unowned.app.20271115.qualify.desk.20271120@cadence" in text
    assert "Team: Lead desk" in text


# --- validation ----------------------------------------------------------------------


def _errors(raw: dict) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        build_plan(raw)
    return [str(e) for e in info.value.errors]


def test_bad_rules_and_team_calendars_are_named_with_their_value():
    raw = json.loads(EXAMPLE.read_text())
    bad = copy.deepcopy(raw)
    bad["rules"]["count_days"] = "weekdays"
    bad["rules"]["lead_desk"] = "frontdesk"
    bad["teams"][1]["holidays"] = {"country": "XX"}
    bad["teams"][0]["blackouts"] = [{"name": "Off", "start": "2027-11-10", "end": "2027-11-01"}]
    assert _errors(bad) == [
        'rules.count_days: unknown day count "weekdays" (one of: calendar, working)',
        "teams[0].blackouts[0].end: must not be before start (2027-11-10)",
        'teams[1].holidays.country: unknown country "XX"',
        'rules.lead_desk: unknown team "frontdesk" (teams: mkt, us, desk)',
    ]
