"""Gap checks on small hand-made plans: each kind firing and not firing at its boundary."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cadence import engine, gaps
from cadence.formats.plan_json import load_plan_json
from cadence.model import Gap, Plan, Schedule
from cadence.planner import Planner

PLANS = Path(__file__).parent / "plans"


def plan(name: str) -> Plan:
    return load_plan_json(PLANS / f"{name}.json")


def check(p: Plan) -> list[Gap]:
    sched = engine.schedule(p)
    found = list(gaps.check(p, sched))
    assert list(Planner().update(p).gaps) == found
    # The same gaps from plain occurrence objects (no compact tables from the engine).
    plain = Schedule(tuple(sched.touches), tuple(sched.skipped))
    assert list(gaps.check(p, plain)) == found
    return found


def rows(found: list[Gap], kind: str | None = None) -> list[tuple]:
    return [
        (
            g.kind,
            g.cohort.isoformat() if g.cohort else None,
            g.stage,
            g.team,
            g.start.isoformat(),
            g.end.isoformat(),
        )
        for g in found
        if kind is None or g.kind == kind
    ]


# --- silence ---------------------------------------------------------------------


def test_silence_of_exactly_the_allowed_days_is_fine_one_more_is_a_gap():
    # Cohort 2027-01-04: contacts 01-04, 01-10, 01-17, 01-21; journey ends 01-25.
    # 01-05…01-09 is 5 days (allowed 5): fine; 01-11…01-16 is 6: a gap.
    # Evaluation allows 3: 01-18…01-20 fine, the final run 01-22…01-25 (4) a gap.
    # Cohort 2026-12-28: the run from the horizon start 01-04…01-09 (6) is a gap.
    # Cohort 2027-01-20: its last run is cut at the horizon end (5 days, fine).
    assert rows(check(plan("gaps_silence"))) == [
        ("silence", "2026-12-28", "a", "mkt", "2027-01-04", "2027-01-09"),
        ("silence", "2027-01-04", "a", "mkt", "2027-01-11", "2027-01-16"),
        ("silence", "2026-12-28", "b", "mkt", "2027-01-15", "2027-01-18"),
        ("silence", "2027-01-04", "b", "mkt", "2027-01-22", "2027-01-25"),
    ]


def test_silence_message():
    found = check(plan("gaps_silence"))
    assert found[1].message == (
        'no contact for 6 days (2027-01-11 to 2027-01-16) from "Awareness"; allowed 5'
    )
    assert found[1].days == 6


def test_a_stage_limit_applies_when_the_plan_rule_is_off():
    p = plan("gaps_silence")
    off = replace(p, rules=replace(p.rules, max_silence_days=None))
    assert rows(check(off)) == [
        ("silence", "2026-12-28", "b", "mkt", "2027-01-15", "2027-01-18"),
        ("silence", "2027-01-04", "b", "mkt", "2027-01-22", "2027-01-25"),
    ]


def test_a_broadcast_counts_as_a_contact_on_journey_days():
    p = plan("gaps_silence")
    weekly = plan("gaps_spacing").broadcasts[0]  # Mondays from 2027-01-04
    with_news = replace(p, broadcasts=(replace(weekly, rrule="FREQ=WEEKLY;BYDAY=WE"),))
    # Wednesdays 01-06 and 01-13 break the Awareness runs; 01-20 and 01-27 fall after
    # the journeys of the first two cohorts, so their Evaluation runs stay gaps.
    assert rows(check(with_news)) == [
        ("silence", "2026-12-28", "b", "mkt", "2027-01-15", "2027-01-18"),
        ("silence", "2027-01-04", "b", "mkt", "2027-01-22", "2027-01-25"),
    ]


# --- unowned -----------------------------------------------------------------------


def test_unowned_runs_join_consecutive_stages_and_are_cut_to_the_horizon():
    found = check(plan("gaps_unowned"))
    # No lead desk: each gap names the previous owner (Attract: mkt, Decide: sdr).
    assert rows(found) == [
        ("unowned", "2026-12-27", "c", "mkt", "2027-01-04", "2027-01-07"),
        ("unowned", "2026-12-31", "b", "mkt", "2027-01-05", "2027-01-11"),
        ("unowned", "2027-01-04", "b", "mkt", "2027-01-09", "2027-01-15"),
        ("unowned", "2026-12-27", "e", "sdr", "2027-01-13", "2027-01-14"),
        ("unowned", "2026-12-31", "e", "sdr", "2027-01-17", "2027-01-18"),
        ("unowned", "2027-01-04", "e", "sdr", "2027-01-21", "2027-01-21"),
    ]
    assert [g.message for g in found[1:3]] == [
        'no team owns the lead in "Browse", "Compare" for 7 days (2027-01-05 to 2027-01-11)',
        'no team owns the lead in "Browse", "Compare" for 7 days (2027-01-09 to 2027-01-15)',
    ]
    assert found[5].message == (
        'no team owns the lead in "Evaluate" for 1 day (2027-01-21 to 2027-01-21)'
    )


def test_no_unowned_gap_when_every_stage_has_an_owner():
    p = plan("gaps_unowned")
    stages = tuple(replace(s, owner=s.owner or "sdr") for s in p.products[0].stages)
    owned = replace(p, products=(replace(p.products[0], stages=stages),))
    assert check(owned) == []


# --- hand-off ------------------------------------------------------------------------


def test_handoff_window_is_day_zero_to_the_sla_inclusive():
    # Qualify (sdr, after an unowned stage) starts 2027-01-12; the intro call on day 2 meets it.
    # Onboarding (cs) starts 01-22: the marketing survey that day does not count, the
    # kickoff on day 3 is too late. 2026-12-20's Qualify starts before the horizon: not
    # checked; 2027-02-20's window is cut at the horizon end.
    assert rows(check(plan("gaps_handoff")), "handoff") == [
        ("handoff", "2026-12-20", "onboard", "cs", "2027-01-07", "2027-01-09"),
        ("handoff", "2027-01-04", "onboard", "cs", "2027-01-22", "2027-01-24"),
        ("handoff", "2027-02-20", "qualify", "sdr", "2027-02-28", "2027-02-28"),
    ]


def test_handoff_message():
    found = [g for g in check(plan("gaps_handoff")) if g.kind == "handoff"]
    assert found[1].message == (
        'hand-off to Customer success at "Onboarding": no contact by Customer success'
        " from 2027-01-22 to 2027-01-24 (within 2 days)"
    )


def test_one_more_day_of_sla_meets_the_late_kickoff():
    p = plan("gaps_handoff")
    relaxed = replace(p, rules=replace(p.rules, handoff_sla_days=3))
    assert rows(check(relaxed), "handoff") == [
        ("handoff", "2027-02-20", "qualify", "sdr", "2027-02-28", "2027-02-28"),
    ]


def test_no_handoff_check_when_the_rule_is_off():
    p = plan("gaps_handoff")
    off = replace(p, rules=replace(p.rules, handoff_sla_days=None))
    assert rows(check(off), "handoff") == []


# --- spacing -------------------------------------------------------------------------


def test_spacing_compares_consecutive_contacts_of_a_cohort():
    found = check(plan("gaps_spacing"))
    # Contacts: 01-04 Welcome (all day) and Newsletter (10:00), 01-06 Call, 01-07 Guide
    # (all day) and Webinar (09:00), 01-09 Tips, 01-10 Offer, 01-11 and 01-18 Newsletter.
    assert [(g.start.isoformat(), g.end.isoformat(), g.stage, g.uids) for g in found] == [
        (
            "2027-01-04",
            "2027-01-04",
            "x",
            ("space.app.a.20270104.0@cadence", "space.broadcast.news.0@cadence"),
        ),
        (
            "2027-01-06",
            "2027-01-07",
            "x",
            ("space.app.b.20270104.0@cadence", "space.app.c.20270104.0@cadence"),
        ),
        (
            "2027-01-07",
            "2027-01-07",
            "x",
            ("space.app.c.20270104.0@cadence", "space.app.d.20270104.0@cadence"),
        ),
        (
            "2027-01-09",
            "2027-01-10",
            "y",  # the cohort's stage on the later date
            ("space.app.e.20270104.0@cadence", "space.app.f.20270104.0@cadence"),
        ),
        (
            "2027-01-10",
            "2027-01-11",
            "y",
            ("space.app.f.20270104.0@cadence", "space.broadcast.news.1@cadence"),
        ),
    ]
    assert {g.team for g in found} == {None}
    assert found[0].message == (
        '"Welcome" (2027-01-04) and "Newsletter" (2027-01-04) are 0 days apart; minimum 2 days'
    )
    assert found[1].message == (
        '"Call" (2027-01-06) and "Guide" (2027-01-07) are 1 day apart; minimum 2 days'
    )


def test_spacing_of_one_day_flags_only_same_day_contacts():
    p = plan("gaps_spacing")
    one = replace(p, rules=replace(p.rules, min_spacing_days=1))
    assert [(g.start.isoformat(), g.end.isoformat()) for g in check(one)] == [
        ("2027-01-04", "2027-01-04"),
        ("2027-01-07", "2027-01-07"),
    ]


def test_skipped_touches_are_not_contacts():
    p = plan("gaps_spacing")
    weekdays = replace(p.calendar, workdays=("mon", "tue", "wed", "thu", "fri"))
    product = p.products[0]
    touches = tuple(replace(t, roll="skip") if t.id in ("e", "f") else t for t in product.touches)
    skipping = replace(p, calendar=weekdays, products=(replace(product, touches=touches),))
    sched = engine.schedule(skipping)
    assert [s.touch for s in sched.skipped] == ["e", "f"]  # Saturday and Sunday
    assert [(g.start.isoformat(), g.end.isoformat()) for g in check(skipping)] == [
        ("2027-01-04", "2027-01-04"),
        ("2027-01-06", "2027-01-07"),
        ("2027-01-07", "2027-01-07"),
    ]


# --- capacity ------------------------------------------------------------------------


def test_capacity_counts_leads_of_non_automated_touches_per_iso_week():
    found = check(plan("gaps_capacity"))
    # Week 1: discovery calls for three cohorts of 20 = 60. Week 2: two calls (40) and a
    # review call for 10 leads = 50. Week 3: 30. Emails and the broadcast do not count.
    assert [
        (g.kind, g.team, g.start.isoformat(), g.end.isoformat(), g.load, g.capacity) for g in found
    ] == [
        ("capacity", "sdr", "2027-01-04", "2027-01-10", 60.0, 40),
        ("capacity", "sdr", "2027-01-11", "2027-01-17", 50.0, 40),
    ]
    assert {(g.product, g.cohort, g.stage) for g in found} == {(None, None, None)}
    assert found[0].message == "Sales development: 60 leads in week 2027-W01, capacity 40"


def test_a_load_equal_to_the_capacity_is_fine():
    p = plan("gaps_capacity")
    teams = tuple(replace(t, weekly_capacity=50) if t.id == "sdr" else t for t in p.teams)
    assert rows(check(replace(p, teams=teams))) == [
        ("capacity", None, None, "sdr", "2027-01-04", "2027-01-10"),
    ]


def test_unlimited_capacity_never_flags():
    p = plan("gaps_capacity")
    teams = tuple(replace(t, weekly_capacity=None) for t in p.teams)
    assert check(replace(p, teams=teams)) == []


# --- order and the merge machinery --------------------------------------------------------


def test_gaps_are_sorted_by_start_kind_product_cohort_stage_team():
    found = check(plan("gaps_handoff"))
    assert [(g.start.isoformat(), g.kind) for g in found] == [
        ("2027-01-07", "handoff"),
        ("2027-01-09", "unowned"),
        ("2027-01-22", "handoff"),
        ("2027-02-25", "unowned"),
        ("2027-02-28", "handoff"),
    ]
    assert found == gaps.sort_gaps(reversed(found))
