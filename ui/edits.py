"""Plan edits the window offers: thin adapters over the core's operations (cadence.ops).

The operations live in ``cadence.ops`` (plan in, new plan and what changed out),
shared with the command line. The views call these names to build the plan they
want, then hand it to ``DocumentController.apply``, which validates it and makes
it one undo step. What is left here is display text about cohorts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cadence import ops
from cadence.model import Plan, Product, Team
from cadence.ops import (
    default_cohorts,
    stage_ranges,
    touch_at_day,
    unique_id,
    unique_name,
)
from cadence.ops import product_add_stage as add_stage
from cadence.ops import product_delete_stage as delete_stage
from cadence.ops import product_delete_touch as delete_touch
from cadence.ops import product_duplicate_touch as duplicate_touch
from cadence.ops import product_move_stage as move_stage
from cadence.ops import product_set_stage as set_stage
from cadence.ops import product_set_touch as set_touch

__all__ = [
    "add_product",
    "add_stage",
    "add_touch",
    "cohort_span",
    "default_cohorts",
    "delete_product",
    "delete_stage",
    "delete_touch",
    "duplicate_product",
    "duplicate_touch",
    "first_cohort",
    "journey_end",
    "move_product",
    "move_stage",
    "new_team",
    "rename_product",
    "set_stage",
    "set_touch",
    "stage_ranges",
    "touch_at_day",
    "unique_id",
    "unique_name",
    "with_product",
]


def with_product(plan: Plan, product: Product) -> Plan:
    """The plan with the product of the same id replaced."""
    return ops.set_product(plan, product).plan


def add_product(plan: Plan, name: str = "New product") -> tuple[Plan, str]:
    op = ops.add_product(plan, name)
    assert op.created is not None
    return op.plan, op.created


def rename_product(plan: Plan, product_id: str, name: str) -> Plan:
    return ops.rename_product(plan, product_id, name).plan


def duplicate_product(plan: Plan, product_id: str) -> tuple[Plan, str]:
    op = ops.duplicate_product(plan, product_id)
    assert op.created is not None
    return op.plan, op.created


def delete_product(plan: Plan, product_id: str) -> Plan:
    """Without the product, its requests, and its id in broadcasts' product lists."""
    return ops.delete_product(plan, product_id).plan


def move_product(plan: Plan, product_id: str, to_index: int) -> Plan:
    return ops.move_product(plan, product_id, to_index).plan


def add_touch(
    plan: Plan, product: Product, stage_id: str | None = None, offset_days: int = 0
) -> tuple[Product, str]:
    return ops.product_add_touch(plan, product, stage_id, offset_days)


def new_team(plan_teams: Any, name: str, color: str) -> Team:
    teams = list(plan_teams)
    return Team(id=unique_id(name, (t.id for t in teams), "team"), name=name, color=color)


def first_cohort(product: Product) -> Any:
    dates = product.cohorts.intake_dates()
    return dates[0] if dates else None


def cohort_span(product: Product) -> str:
    """'40 weekly cohorts × 80 leads · 04 Jan – 04 Oct 2027'."""
    c = product.cohorts
    dates = c.intake_dates()
    if not dates:
        return "no intake cohorts"
    n = len(dates)
    every = (
        "weekly"
        if c.every_days == 7
        else "daily"
        if c.every_days == 1
        else f"{c.every_days}-day"
        if c.every_days
        else ""
    )
    if c.dates is not None:
        every = "dated"
    last = dates[-1]
    if n == 1:
        return f"1 cohort of {c.size} leads on {dates[0]:%d %b %Y}"
    span = f"{dates[0]:%d %b} – {last:%d %b %Y}"
    return f"{n} {every} cohorts × {c.size} leads · {span}"


def journey_end(product: Product, cohort: Any) -> Any:
    return cohort + timedelta(days=product.cycle_days - 1)
