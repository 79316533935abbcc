"""The slot finder against a plain day-by-day reading of the rules (hypothesis).

The finder jumps over fully booked stretches and counts working days by index;
this reference walks the calendar one day at a time, exactly as the rules in
docs/requests.md read, and both must agree on every queue.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cadence.calendar import WorkingDays
from cadence.model import REQUEST_STATUSES, Plan, Request, Studio
from cadence.requests import FIXED_STATUSES, add_request, plan_requests, propose
from cadence.validate import build_plan

PLAN = build_plan(
    json.loads((Path(__file__).parent / "plans" / "requests_studio.json").read_text())
)
CAL = WorkingDays(PLAN.calendar, date(2027, 1, 1), date(2028, 12, 31))
ONE = timedelta(days=1)


def run_from(day: date, count: int) -> list[date]:
    days = [CAL.next_working(day)]
    while len(days) < count:
        days.append(CAL.next_working(days[-1] + ONE))
    return days


def reference(plan: Plan) -> dict[str, tuple[date, date, int | None, int | None, int | None]]:
    """request id → (start, delivery, slack_days, days_late, max_days_for_deadline)."""
    assert plan.studio is not None
    cap, lead = plan.studio.capacity_per_day, plan.studio.min_lead_days
    load: Counter[date] = Counter()
    out = {}
    active = [q for q in plan.requests if q.status != "declined"]
    for q in active:
        if q.status in FIXED_STATUSES and q.start is not None:
            days = run_from(q.start, q.production_days)
            load.update(days)
            out[q.id] = (days[0], days[-1], None)
    waiting = [q for q in active if q.id not in out]
    for q in sorted(waiting, key=lambda q: (q.needed_by, q.requested_on, q.id)):
        earliest = CAL.add_working_days(q.requested_on, lead)
        best = run = 0
        for d in CAL.working_days(earliest, q.needed_by):
            run = run + 1 if load[d] < cap else 0
            best = max(best, run)
        start = earliest
        while True:
            days = run_from(start, q.production_days)
            if all(load[d] < cap for d in days):
                break
            start = CAL.next_working(start + ONE)
        load.update(days)
        out[q.id] = (days[0], days[-1], best or None)
    result = {}
    for q in active:
        start, delivery, best = out[q.id]
        fits = delivery <= q.needed_by
        result[q.id] = (
            start,
            delivery,
            CAL.working_days_between(delivery, q.needed_by) if fits else None,
            None if fits else CAL.working_days_between(q.needed_by, delivery),
            best,
        )
    return result


DAY0 = date(2027, 2, 22)  # a window over March 2027 with Easter's holidays in it


@st.composite
def requests(draw: st.DrawFn) -> Request:
    on = DAY0 + timedelta(days=draw(st.integers(0, 40)))
    status = draw(st.sampled_from(REQUEST_STATUSES))
    start = None
    if status in FIXED_STATUSES or draw(st.booleans()):
        start = on + timedelta(days=draw(st.integers(0, 20)))
    return Request(
        id="",
        title="",
        product="analytics",
        stage=draw(st.sampled_from(["aware", "close"])),
        requested_by="ae",
        requested_on=on,
        needed_by=on + timedelta(days=draw(st.integers(0, 25))),
        production_days=draw(st.integers(1, 5)),
        status=status,
        start=start,
    )


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    queue = draw(st.lists(requests(), max_size=10))
    queue = [replace(q, id=f"r{i}", title=f"R{i}") for i, q in enumerate(queue)]
    studio = Studio("mkt", draw(st.integers(1, 3)), draw(st.integers(0, 3)))
    return replace(PLAN, studio=studio, requests=tuple(queue))


@settings(max_examples=300, deadline=None)
@given(plans())
def test_the_finder_agrees_with_the_rules_read_day_by_day(plan: Plan) -> None:
    queue = plan_requests(plan)
    found = {
        s.request: (s.start, s.delivery, s.slack_days, s.days_late, s.max_days_for_deadline)
        for s in queue.slots
    }
    expected = reference(plan)
    # Fixed requests report no options.
    for q in plan.requests:
        if q.id in expected and q.status in FIXED_STATUSES:
            expected[q.id] = (*expected[q.id][:4], None)
    assert found == expected
    # The load is the sum of the production days, never over capacity except
    # where fixed requests overbook on their own.
    assert sum(d.booked for d in queue.load) == sum(len(s.days) for s in queue.slots)
    fixed_load = Counter(d for s in queue.slots if s.fixed for d in s.days)
    cap = plan.studio.capacity_per_day  # type: ignore[union-attr]
    for d in queue.load:
        assert d.booked <= max(cap, fixed_load[d.date])


@settings(max_examples=150, deadline=None)
@given(plans(), requests())
def test_saving_a_proposal_keeps_the_promised_slot(plan: Plan, draft: Request) -> None:
    draft = replace(draft, id="", title="Draft", status="requested", start=None)
    answer = propose(plan, draft)
    saved = add_request(plan, draft)
    after = plan_requests(saved)
    slot = after.slot(answer.draft.id)
    assert slot is not None
    assert slot.days == answer.slot.days
    # Every other request gets what the proposal said it would.
    for s in after.slots:
        promised = answer.queue.slot(s.request)
        assert promised is not None and promised.days == s.days
