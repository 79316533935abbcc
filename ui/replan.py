"""Re-planning after an edit: schedule + gaps, recomputing only what changed.

A thin adapter between the controller and the core's incremental planner
(``cadence.planner.Planner``, which caches per product and re-plans only the
products that differ). It keeps no Qt state so it can be timed alone.
"""

from __future__ import annotations

import time as _time
from dataclasses import replace
from datetime import date

from cadence import engine, gaps
from cadence.model import Cohorts, Gap, Plan, Product
from cadence.planner import Planner, Replan


class Replanner:
    """Keeps the engine's planner (its per-product cache) between edits."""

    def __init__(self) -> None:
        self._planner = Planner()
        self.rescheduled: tuple[str, ...] = ()

    def reset(self) -> None:
        """Forget every cached product (another document was opened)."""
        self._planner = Planner()

    def team_weeks(self, team: str) -> dict[int, tuple[list[float], list[float]]]:
        """One team's weekly leads in the last updated plan (``Planner.team_weeks``)."""
        return self._planner.team_weeks(team)

    def update(self, plan: Plan) -> tuple[Replan, float]:
        """The planner's result for ``plan`` and the milliseconds it took."""
        started = _time.perf_counter()
        result = self._planner.update(plan)
        self.rescheduled = result.rescheduled
        return result, (_time.perf_counter() - started) * 1000


def preview_gaps(plan: Plan, product: Product, cohort: date) -> list[Gap]:
    """The gaps of one cohort of one product of ``plan`` (a drag's intermediate position).

    Only that cohort is scheduled and checked (with the plan's broadcasts): the
    unowned, silence, hand-off and spacing rules look at one cohort at a time.
    Nothing is saved and the planner's caches are not touched.
    """
    alone = replace(product, cohorts=Cohorts(dates=(cohort,), size=product.cohorts.size))
    plan = replace(plan, products=(alone,))
    dates = [d for d in engine.broadcast_dates(plan) if engine.reaches(d.broadcast, product.id)]
    sent = engine.broadcast_schedule(plan, dates, {product.id: {}})
    touches = list(engine.product_schedule(plan, alone).occurrences())
    found = gaps.product_gaps(plan, alone, touches, sent.sent).gaps
    return [g for g in found if g.cohort == cohort]  # not the product-wide coverage gaps
