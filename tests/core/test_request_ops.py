"""Editing and deleting submitted requests; handing a team's work to another team."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from cadence.demo import demo_plan
from cadence.request_ops import delete_request, edit_request, reassign_team
from cadence.requests import DraftInvalid, RequestError, UnknownRequest


def test_edit_request_fixes_a_typo_and_keeps_id_status_and_booking():
    plan = demo_plan()
    before = plan.request("fleet-one-pager")
    assert before is not None
    edited = edit_request(plan, before.id, replace(before, title="  Fleet one-pager v2 ", id="x"))
    after = edited.request("fleet-one-pager")
    assert after is not None
    assert (after.title, after.id, after.status, after.start) == (
        "Fleet one-pager v2",
        before.id,
        before.status,
        before.start,
    )
    assert [q.id for q in edited.requests] == [q.id for q in plan.requests]


def test_edit_request_refuses_bad_fields_naming_them():
    plan = demo_plan()
    request = plan.requests[0]
    with pytest.raises(DraftInvalid) as caught:
        edit_request(plan, request.id, replace(request, title="", production_days=0))
    assert [e.path for e in caught.value.errors] == ["title", "production_days"]


def test_delete_request_and_unknown_ids():
    plan = demo_plan()
    ids = [q.id for q in plan.requests]
    smaller = delete_request(plan, ids[1])
    assert [q.id for q in smaller.requests] == [ids[0], ids[2]]
    with pytest.raises(UnknownRequest):
        delete_request(plan, "nope")


def test_reassign_team_moves_stages_touches_broadcasts_requests_and_studio():
    plan = demo_plan()
    assert plan.studio is not None
    old = plan.studio.team
    new = next(t.id for t in plan.teams if t.id != old)
    moved = reassign_team(plan, old, new)
    assert not any(s.owner == old for p in moved.products for s in p.stages)
    assert not any(t.owner == old for p in moved.products for t in p.touches)
    assert not any(b.owner == old for b in moved.broadcasts)
    assert not any(q.requested_by == old for q in moved.requests)
    assert moved.studio is not None and moved.studio.team == new
    with pytest.raises(RequestError, match='unknown team "ghost"'):
        reassign_team(plan, old, "ghost")
    with pytest.raises(RequestError, match="to itself"):
        reassign_team(plan, old, old)


def test_requested_dates_in_demo_are_what_the_tests_assume():
    assert demo_plan().start <= date(2027, 3, 1)
