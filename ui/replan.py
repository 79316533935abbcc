"""Re-planning after an edit: schedule + gaps, recomputing only what changed.

A thin adapter between the controller and the core's incremental planner
(``cadence.planner.Planner``, which caches per product and re-plans only the
products that differ). It keeps no Qt state so it can be timed alone.
"""

from __future__ import annotations

import time as _time

from cadence.model import Gap, Plan, Schedule
from cadence.planner import Planner


class Replanner:
    """Keeps the engine's planner (its per-product cache) between edits."""

    def __init__(self) -> None:
        self._planner = Planner()
        self.rescheduled: tuple[str, ...] = ()

    def reset(self) -> None:
        """Forget every cached product (another document was opened)."""
        self._planner = Planner()

    def update(self, plan: Plan) -> tuple[Schedule, list[Gap], float]:
        """(schedule, gaps, milliseconds) for ``plan``, re-planning only changed products."""
        started = _time.perf_counter()
        result = self._planner.update(plan)
        self.rescheduled = result.rescheduled
        return result.schedule, list(result.gaps), (_time.perf_counter() - started) * 1000
