"""Edit operations: plan in, new plan and what changed out (cadence.ops)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence import ops
from cadence.formats.plan_json import load_plan_json
from cadence.model import Plan

PLANS = Path(__file__).parent / "plans"


def plan() -> Plan:
    return load_plan_json(PLANS / "engine_broadcasts.json")


def test_set_stage_changes_one_product_and_says_so():
    p = plan()
    op = ops.set_stage(p, "app", p.products[0].stages[0].id, days=30)
    assert op.plan.products[0].stages[0].days == 30
    assert op.plan.products[1] is p.products[1]
    assert op.changes == ops.Changes(products=frozenset({"app"}))
    assert op.changes == ops.diff_plans(p, op.plan)
    assert not op.changes.replan_all and op.created is None


def test_add_and_duplicate_return_the_new_ids():
    p = plan()
    added = ops.add_product(p, "Mobile")
    assert added.created == "mobile"
    assert [x.id for x in added.plan.products] == ["app", "web", "mobile"]
    assert added.changes == ops.Changes(products=frozenset({"mobile"}), product_order=True)
    copy = ops.duplicate_product(p, "app")
    assert copy.created == "app-copy"
    assert [x.name for x in copy.plan.products][:2] == [
        p.products[0].name,
        f"{p.products[0].name} (copy)",
    ]
    touch = ops.add_touch(p, "web")
    assert touch.created == "new-touch"
    assert touch.changes.products == frozenset({"web"})


def test_delete_product_takes_it_out_of_broadcasts_and_requests():
    p = plan()
    op = ops.delete_product(p, "web")
    assert [x.id for x in op.plan.products] == ["app"]
    assert op.changes.removed_products == frozenset({"web"})
    assert op.changes == ops.diff_plans(p, op.plan)


def test_move_and_delete_stage():
    p = plan()
    first, second = (s.id for s in p.products[0].stages[:2])
    moved = ops.move_stage(p, "app", first, 1)
    assert [s.id for s in moved.plan.products[0].stages][:2] == [second, first]
    gone = ops.delete_stage(p, "app", first)
    assert all(t.stage != first for t in gone.plan.products[0].touches)
    assert ops.move_product(p, "web", 0).changes == ops.Changes(product_order=True)


def test_unknown_ids_raise_key_error():
    with pytest.raises(KeyError):
        ops.set_stage(plan(), "nope", "s", days=3)
    with pytest.raises(KeyError):
        ops.duplicate_touch(plan(), "app", "nope")


def test_add_team_makes_an_id_from_the_name():
    op = ops.add_team(plan(), "Sales Ops", "#123456")
    assert op.created == "sales-ops" and op.changes == ops.Changes(teams=True)
