"""The studio's slot finder and the request workflow (issue 8), with literal dates.

The plan (plans/requests_studio.json): German public holidays, Mon–Fri, one
request per day, a lead time of 2 working days. March 2027: Mon 1, Fri 5,
Mon 8 …; Fri 26 (Good Friday) and Mon 29 (Easter Monday) are holidays.
Product "analytics": stage aware (days 0–13), close (days 14–33); weekly
cohorts from Mon 2027-01-04 to Mon 2027-03-22.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cadence.model import Blackout, Plan, Request, Studio
from cadence.requests import (
    DraftInvalid,
    IllegalMove,
    NoStudio,
    RequestError,
    UnknownRequest,
    add_request,
    allowed_moves,
    calendar_entries,
    cohorts_in_stage,
    draft_errors,
    earliest_start,
    move_status,
    new_request_id,
    plan_requests,
    propose,
)
from cadence.validate import build_plan

PLANS = Path(__file__).parent / "plans"


def D(text: str) -> date:
    return date.fromisoformat(text)


def days(*texts: str) -> tuple[date, ...]:
    return tuple(D(t) for t in texts)


@pytest.fixture(scope="module")
def base() -> Plan:
    return build_plan(json.loads((PLANS / "requests_studio.json").read_text()))


def req(
    rid: str,
    on: str,
    needed: str,
    production_days: int = 1,
    status: str = "requested",
    start: str | None = None,
    title: str | None = None,
) -> Request:
    return Request(
        id=rid,
        title=title or rid.upper(),
        product="analytics",
        stage="close",
        requested_by="ae",
        requested_on=D(on),
        needed_by=D(needed),
        production_days=production_days,
        status=status,
        start=D(start) if start else None,
    )


def draft(on: str, needed: str, production_days: int, title: str = "Case study") -> Request:
    return replace(req("", on, needed, production_days), title=title)


def with_requests(plan: Plan, *requests: Request) -> Plan:
    return replace(plan, requests=requests)


# --- the literal cases of the issue ---------------------------------------------------


def test_fits_on_an_empty_queue(base: Plan) -> None:
    answer = propose(base, draft("2027-03-01", "2027-03-10", 2))

    assert answer.outcome == "fits"
    assert answer.slot.earliest == D("2027-03-03")  # Mon + 2 working days
    assert answer.slot.days == days("2027-03-03", "2027-03-04")
    assert answer.slot.start == D("2027-03-03")
    assert answer.slot.delivery == D("2027-03-04")
    assert answer.slot.slack_days == 4  # Fri 5, Mon 8, Tue 9, Wed 10
    assert answer.slot.days_late is None
    assert answer.slot.max_days_for_deadline == 6  # Wed 3 … Wed 10
    assert answer.slot.cohorts_in_stage == 3  # intakes Feb 1, 8, 15 are in "close"
    assert answer.displaced == ()
    assert answer.draft.id == "case-study"
    assert answer.draft.status == "requested"


def test_lead_time_skips_a_weekend(base: Plan) -> None:
    # Requested on a Friday: Mon 8 is 1 working day after, Tue 9 is 2.
    answer = propose(base, draft("2027-03-05", "2027-03-19", 1))
    assert answer.slot.start == D("2027-03-09")
    assert earliest_start(base, D("2027-03-05")) == D("2027-03-09")


def test_lead_time_skips_a_weekend_and_holidays(base: Plan) -> None:
    # Requested Thu 25 March: Good Friday, the weekend and Easter Monday are not
    # working days, so Tue 30 is 1 working day after and Wed 31 is 2.
    answer = propose(base, draft("2027-03-25", "2027-04-09", 1))
    assert answer.slot.start == D("2027-03-31")
    assert answer.slot.delivery == D("2027-03-31")
    assert answer.slot.slack_days == 7  # Apr 1, 2, 5, 6, 7, 8, 9


def test_the_studio_works_by_its_teams_own_calendar(base: Plan) -> None:
    # The studio team (mkt) is off Wed 3 – Fri 5 March (its own blackout; the plan's
    # other teams work): lead time and production count only the studio's days.
    studio_team = "mkt"
    off = (Blackout("Studio offsite", D("2027-03-03"), D("2027-03-05")),)
    teams = tuple(replace(t, blackouts=off) if t.id == studio_team else t for t in base.teams)
    plan = replace(base, teams=teams)
    assert plan.studio is not None and plan.studio.team == studio_team
    answer = propose(plan, draft("2027-03-01", "2027-03-12", 2))
    assert answer.slot.earliest == D("2027-03-08")  # Mon 1 + Tue 2, then the offsite
    assert answer.slot.days == days("2027-03-08", "2027-03-09")
    assert answer.slot.slack_days == 3  # Wed 10, Thu 11, Fri 12
    # Another team's blackout does not stop the studio.
    others = tuple(replace(t, blackouts=off) if t.id != studio_team else t for t in base.teams)
    assert propose(replace(base, teams=others), draft("2027-03-01", "2027-03-12", 2)).slot.days == (
        days("2027-03-03", "2027-03-04")
    )


def test_lead_time_zero_starts_on_the_next_working_day(base: Plan) -> None:
    plan = replace(base, studio=Studio("mkt", 1, 0))
    assert propose(plan, draft("2027-03-26", "2027-04-09", 1)).slot.start == D("2027-03-30")
    assert propose(plan, draft("2027-03-24", "2027-04-09", 1)).slot.start == D("2027-03-24")


def test_capacity_one_later_deadline_moves_after_the_earlier_one(base: Plan) -> None:
    # b was asked first and could start on Tue 2, but a has the earlier deadline:
    # a takes Wed 3 – Fri 5, and b needs two consecutive free days after it.
    b = req("b", "2027-02-26", "2027-03-12", 2)
    a = req("a", "2027-03-01", "2027-03-10", 3)
    queue = plan_requests(with_requests(base, b, a))

    slot_a, slot_b = queue.slot("a"), queue.slot("b")
    assert slot_a is not None and slot_b is not None
    assert slot_a.days == days("2027-03-03", "2027-03-04", "2027-03-05")
    assert slot_a.slack_days == 3
    assert slot_b.earliest == D("2027-03-02")
    assert slot_b.days == days("2027-03-08", "2027-03-09")
    assert slot_b.slack_days == 3
    assert slot_b.max_days_for_deadline == 5  # Mon 8 … Fri 12 are free
    assert [s.request for s in queue.slots] == ["b", "a"]  # plan order
    assert [(d.date, d.requests) for d in queue.load] == [
        (D("2027-03-03"), ("a",)),
        (D("2027-03-04"), ("a",)),
        (D("2027-03-05"), ("a",)),
        (D("2027-03-08"), ("b",)),
        (D("2027-03-09"), ("b",)),
    ]
    assert queue.overbooked == ()


def test_capacity_two_runs_side_by_side(base: Plan) -> None:
    plan = replace(base, studio=Studio("mkt", 2, 2))
    queue = plan_requests(
        with_requests(
            plan, req("b", "2027-02-26", "2027-03-12", 2), req("a", "2027-03-01", "2027-03-10", 3)
        )
    )
    assert queue.slot("a").days == days("2027-03-03", "2027-03-04", "2027-03-05")  # type: ignore[union-attr]
    assert queue.slot("b").days == days("2027-03-02", "2027-03-03")  # type: ignore[union-attr]
    assert queue.load_on(D("2027-03-03")) == 2


def test_a_fixed_scheduled_request_blocks_its_days(base: Plan) -> None:
    # f is booked Wed 3 – Fri 5; r has the earlier deadline but cannot push it.
    f = req("f", "2027-02-22", "2027-03-31", 3, status="scheduled", start="2027-03-03")
    r = req("r", "2027-03-01", "2027-03-05", 1)
    queue = plan_requests(with_requests(base, f, r))

    slot_f, slot_r = queue.slot("f"), queue.slot("r")
    assert slot_f is not None and slot_r is not None
    assert slot_f.fixed and slot_f.days == days("2027-03-03", "2027-03-04", "2027-03-05")
    assert slot_f.max_days_for_deadline is None
    assert not slot_r.fixed
    assert slot_r.outcome == "late"
    assert slot_r.days == days("2027-03-08")
    assert slot_r.days_late == 1
    assert slot_r.max_days_for_deadline is None  # not one free day before the deadline


def test_late_request_with_both_options(base: Plan) -> None:
    f = req("f", "2027-02-22", "2027-03-31", 2, status="in_production", start="2027-03-03")
    plan = with_requests(base, f)
    answer = propose(plan, draft("2027-03-01", "2027-03-08", 3, title="ROI sheet"))

    assert answer.outcome == "late"
    assert answer.slot.days == days("2027-03-05", "2027-03-08", "2027-03-09")
    assert answer.slot.days_late == 1
    assert answer.slot.slack_days is None
    # Option 1: Fri 5 and Mon 8 are free before the deadline → 2 days would fit.
    assert answer.slot.max_days_for_deadline == 2
    # Option 2: the deadline the queue allows for 3 days.
    assert answer.slot.earliest_needed_by == D("2027-03-09")
    # Check option 1 really fits:
    assert propose(plan, draft("2027-03-01", "2027-03-08", 2)).outcome == "fits"


def test_declined_frees_capacity(base: Plan) -> None:
    f = req("f", "2027-02-22", "2027-03-31", 2, status="declined", start="2027-03-03")
    plan = with_requests(base, f)
    answer = propose(plan, draft("2027-03-01", "2027-03-08", 3))

    assert answer.outcome == "fits"
    assert answer.slot.days == days("2027-03-03", "2027-03-04", "2027-03-05")
    assert answer.slot.slack_days == 1
    queue = plan_requests(plan)
    assert queue.slot("f") is None
    assert queue.load == ()


def test_illegal_status_move_is_refused_naming_the_allowed_ones(base: Plan) -> None:
    plan = with_requests(
        base,
        req("r", "2027-03-01", "2027-03-10"),
        req("d", "2027-02-01", "2027-02-10", status="delivered", start="2027-02-03"),
    )
    with pytest.raises(IllegalMove) as exc:
        move_status(plan, "r", "delivered")
    assert str(exc.value) == (
        'request "r" cannot move from requested to delivered (allowed from requested: scheduled, declined)'
    )
    assert exc.value.allowed == ("scheduled", "declined")

    with pytest.raises(IllegalMove) as exc:
        move_status(plan, "d", "scheduled")
    assert str(exc.value) == (
        'request "d" cannot move from delivered to scheduled (none allowed: delivered is final)'
    )
    with pytest.raises(IllegalMove):
        move_status(plan, "r", "requested")


def test_declining_needs_a_note(base: Plan) -> None:
    plan = with_requests(base, replace(req("r", "2027-03-01", "2027-03-10"), note="for Acme"))
    with pytest.raises(RequestError, match='declining request "r" needs a note'):
        move_status(plan, "r", "declined", "  ")
    declined = move_status(plan, "r", "declined", "deal lost")
    r = declined.request("r")
    assert r is not None
    assert r.status == "declined"
    assert r.note == "for Acme\ndeal lost"
    assert plan.request("r").status == "requested"  # type: ignore[union-attr]  # plans are immutable


def test_workflow_books_the_slot_when_scheduled(base: Plan) -> None:
    plan = with_requests(
        base,
        req("f", "2027-02-22", "2027-03-31", 1, status="scheduled", start="2027-03-03"),
        req("r", "2027-03-01", "2027-03-10", 2),
    )
    plan = move_status(plan, "r", "scheduled")
    assert plan.request("r").start == D("2027-03-04")  # type: ignore[union-attr]
    plan = move_status(plan, "r", "in_production")
    plan = move_status(plan, "r", "delivered", "sent to Acme")
    r = plan.request("r")
    assert r is not None
    assert (r.status, r.start, r.note) == ("delivered", D("2027-03-04"), "sent to Acme")
    assert allowed_moves("delivered") == ()
    assert allowed_moves("in_production") == ("delivered", "declined")


def test_unknown_request_and_status(base: Plan) -> None:
    plan = with_requests(base, req("r", "2027-03-01", "2027-03-10"))
    with pytest.raises(UnknownRequest, match=r'unknown request "x" \(requests: r\)'):
        move_status(plan, "x", "scheduled")
    with pytest.raises(RequestError, match='unknown status "done"'):
        move_status(plan, "r", "done")


# --- proposals and adding -------------------------------------------------------------


def test_a_draft_with_an_earlier_deadline_displaces_a_queued_request(base: Plan) -> None:
    b = req("b", "2027-03-01", "2027-03-05", 3)  # fits exactly: Wed 3 – Fri 5
    plan = with_requests(base, b)
    assert plan_requests(plan).slot("b").fits  # type: ignore[union-attr]

    answer = propose(plan, draft("2027-03-01", "2027-03-04", 2))
    assert answer.outcome == "fits"
    assert answer.slot.days == days("2027-03-03", "2027-03-04")
    assert answer.displaced == ("b",)
    assert answer.queue.slot("b").days == days("2027-03-05", "2027-03-08", "2027-03-09")  # type: ignore[union-attr]


def test_add_request_schedules_a_fitting_draft(base: Plan) -> None:
    plan = add_request(base, draft("2027-03-01", "2027-03-10", 2))
    assert plan.requests == (
        Request(
            id="case-study",
            title="Case study",
            product="analytics",
            stage="close",
            requested_by="ae",
            requested_on=D("2027-03-01"),
            needed_by=D("2027-03-10"),
            production_days=2,
            status="scheduled",
            start=D("2027-03-03"),
        ),
    )
    assert base.requests == ()
    # The saved request is now fixed and gets the slot it was promised.
    assert plan_requests(plan).slot("case-study").days == days("2027-03-03", "2027-03-04")  # type: ignore[union-attr]


def test_add_request_keeps_a_late_draft_requested(base: Plan) -> None:
    plan = add_request(base, draft("2027-03-01", "2027-03-04", 2))
    plan = add_request(plan, draft("2027-03-01", "2027-03-04", 2))
    first, second = plan.requests
    assert (first.id, first.status, first.start) == ("case-study", "scheduled", D("2027-03-03"))
    assert (second.id, second.status, second.start) == ("case-study-2", "requested", None)


def test_new_request_ids_are_slugs_unique_in_the_plan(base: Plan) -> None:
    plan = with_requests(base, req("roi-sheet", "2027-03-01", "2027-03-10"))
    assert new_request_id(plan, "ROI sheet") == "roi-sheet-2"
    plan = with_requests(base, *plan.requests, req("roi-sheet-2", "2027-03-01", "2027-03-10"))
    assert new_request_id(plan, "ROI sheet") == "roi-sheet-3"
    assert new_request_id(base, "Fallstudie für Müller GmbH!") == "fallstudie-fur-muller-gmbh"
    assert new_request_id(base, "  ") == "request"
    assert new_request_id(base, "x" * 60) == "x" * 40


def test_draft_errors_name_the_field_and_the_choices(base: Plan) -> None:
    bad = replace(
        draft("2027-03-10", "2027-03-01", 0, title=""),
        product="mobile",
        requested_by="legal",
    )
    assert [str(e) for e in draft_errors(base, bad)] == [
        "title: must not be empty",
        'product: unknown product "mobile" (products: analytics)',
        'requested_by: unknown team "legal" (teams: mkt, sdr, ae)',
        "needed_by: must not be before the request date (2027-03-10)",
        "production_days: must be an integer ≥ 1, got 0",
    ]
    # A form gets its answer before the title is typed; saving needs one.
    untitled = draft("2027-03-01", "2027-03-10", 1, title="")
    assert propose(base, untitled).draft.id == "request"
    with pytest.raises(DraftInvalid, match="title: must not be empty"):
        add_request(base, untitled)
    with pytest.raises(DraftInvalid) as exc:
        propose(base, replace(draft("2027-03-01", "2027-03-10", 1), stage="win"))
    assert [str(e) for e in exc.value.errors] == [
        'stage: unknown stage "win" (stages: aware, close)'
    ]


def test_no_studio_is_a_clear_error(base: Plan) -> None:
    plan = replace(base, studio=None, requests=(req("r", "2027-03-01", "2027-03-10"),))
    with pytest.raises(NoStudio, match="the plan has no studio"):
        plan_requests(plan)
    with pytest.raises(DraftInvalid, match="studio: the plan has no studio"):
        propose(plan, draft("2027-03-01", "2027-03-10", 1))
    assert calendar_entries(plan) == ()


# --- rules at the edges ---------------------------------------------------------------


def test_ties_are_broken_by_requested_on_then_id(base: Plan) -> None:
    plan = with_requests(
        base,
        req("z", "2027-03-01", "2027-03-12"),
        req("m", "2027-02-26", "2027-03-12"),
        req("a", "2027-03-01", "2027-03-12"),
    )
    queue = plan_requests(plan)
    # m was requested first (earliest Tue 2); then a before z on the same day.
    assert {s.request: s.start for s in queue.slots} == {
        "m": D("2027-03-02"),
        "a": D("2027-03-03"),
        "z": D("2027-03-04"),
    }
    # The answer does not depend on the order of the list.
    shuffled = plan_requests(with_requests(base, *reversed(plan.requests)))
    assert {s.request: s.days for s in shuffled.slots} == {s.request: s.days for s in queue.slots}


def test_fixed_requests_keep_their_start_even_when_overbooked(base: Plan) -> None:
    plan = with_requests(
        base,
        req("f1", "2027-02-22", "2027-03-31", 1, status="scheduled", start="2027-03-03"),
        req("f2", "2027-02-22", "2027-03-31", 2, status="delivered", start="2027-03-03"),
        # A start on a Saturday: production begins on the next working day.
        req("f3", "2027-02-22", "2027-03-31", 1, status="scheduled", start="2027-03-06"),
    )
    queue = plan_requests(plan)
    assert queue.slot("f3").days == days("2027-03-08")  # type: ignore[union-attr]
    over = queue.overbooked
    assert [(d.date, d.requests, d.booked, d.capacity) for d in over] == [
        (D("2027-03-03"), ("f1", "f2"), 2, 1)
    ]


def test_production_may_run_across_a_weekend_and_past_the_horizon(base: Plan) -> None:
    answer = propose(base, draft("2027-12-22", "2028-01-14", 4))
    # Dec 24 is no German public holiday, Dec 25/26 are (weekend anyway), Jan 1 too.
    assert answer.slot.days == days("2027-12-24", "2027-12-27", "2027-12-28", "2027-12-29")
    assert answer.slot.cohorts_in_stage == 0


def test_a_long_production_runs_years_past_the_horizon(base: Plan) -> None:
    # 1000 working days from Wed 2027-03-03 (German holidays): beyond the year of
    # margin the working-day table used to end at, which raised "no working days left".
    answer = propose(base, draft("2027-03-01", "2027-03-10", 1000))
    assert (answer.slot.start, answer.slot.delivery) == (D("2027-03-03"), D("2031-02-12"))


def test_a_multi_year_blackout_moves_production_after_it(base: Plan) -> None:
    # Issue 13: the finder used to answer "no working day" after a freeze of several
    # years, and then every default export of the plan failed.
    frozen = Blackout("Freeze", D("2020-01-01"), D("2035-12-31"))
    plan = replace(base, calendar=replace(base.calendar, blackouts=(frozen,)))
    answer = propose(plan, draft("2027-03-01", "2027-03-10", 1))
    assert (answer.slot.start, answer.slot.delivery, answer.slot.outcome) == (
        D("2036-01-03"),
        D("2036-01-03"),
        "late",
    )


def test_draft_dates_outside_the_supported_years(base: Plan) -> None:
    assert [str(e) for e in draft_errors(base, draft("0001-01-01", "9999-12-31", 36501))] == [
        "requested_on: must be a date from 1900-01-01 to 2999-12-31, got 0001-01-01",
        "needed_by: must be a date from 1900-01-01 to 2999-12-31, got 9999-12-31",
        "production_days: must be at most 36500, got 36501",
    ]


def test_cohorts_in_stage_counts_overlapping_cohorts(base: Plan) -> None:
    # close of intake S covers S+14 … S+33.
    assert cohorts_in_stage(base, "analytics", "close", D("2027-01-18"), D("2027-01-18")) == 1
    assert cohorts_in_stage(base, "analytics", "close", D("2027-01-17"), D("2027-01-17")) == 0
    assert (
        cohorts_in_stage(base, "analytics", "aware", D("2027-03-22"), D("2027-03-22")) == 2
    )  # Mar 15, 22
    assert cohorts_in_stage(base, "analytics", "close", D("2027-03-31"), D("2027-03-31")) == 3
    assert cohorts_in_stage(base, "nope", "close", D("2027-03-31"), D("2027-03-31")) == 0


def test_same_plan_same_answer(base: Plan) -> None:
    plan = with_requests(
        base, req("b", "2027-02-26", "2027-03-12", 2), req("a", "2027-03-01", "2027-03-10", 3)
    )
    assert plan_requests(plan) == plan_requests(plan)
    d = draft("2027-03-01", "2027-03-09", 2)
    assert propose(plan, d) == propose(plan, d)


# --- the calendar ---------------------------------------------------------------------


def test_calendar_entries_for_booked_requests(base: Plan) -> None:
    plan = with_requests(
        base,
        req(
            "cs",
            "2027-02-22",
            "2027-03-31",
            2,
            status="scheduled",
            start="2027-03-04",
            title="Case study",
        ),
        req("r", "2027-03-01", "2027-03-10", 1),  # requested: not in the calendar
        req("x", "2027-03-01", "2027-03-10", 1, status="declined", start="2027-03-03"),
    )
    entries = calendar_entries(plan)
    assert [(e.uid, e.date, e.end, e.owner, e.name) for e in entries] == [
        (
            "studio-test.request.cs.production@cadence",
            D("2027-03-04"),
            D("2027-03-05"),
            "mkt",
            "Production: Case study",
        ),
        (
            "studio-test.request.cs.delivery@cadence",
            D("2027-03-05"),
            None,
            "ae",
            "Delivery: Case study",
        ),
    ]
    for e in entries:
        assert (e.kind, e.product, e.stage, e.cohort, e.channel, e.automated, e.leads, e.time) == (
            "request",
            "analytics",
            "close",
            None,
            "content",
            False,
            0.0,
            None,
        )
        assert e.touch == "cs"
        assert e.nominal == e.date
