"""Re-planning after an edit: schedule + gaps, recomputing only what changed.

A thin adapter between the controller and the core's engine (``cadence.engine``)
and checks (``cadence.gaps``). It keeps no Qt state so it can be timed alone.
"""

from __future__ import annotations

import time as _time
from typing import TYPE_CHECKING, Any

from cadence.model import Gap, Plan, Schedule

if TYPE_CHECKING:
    from cadence.store import Changes


def _engine() -> tuple[Any, Any]:
    try:
        from cadence import engine, gaps
    except ImportError:  # the core's engine not installed yet: nothing to schedule
        return None, None
    return engine, gaps


class Replanner:
    """Keeps the last schedule and re-plans incrementally when the engine allows it."""

    def __init__(self) -> None:
        self._engine, self._gaps = _engine()
        self._planner: Any = None
        self.reset()

    def reset(self) -> None:
        planner_cls = getattr(self._engine, "Planner", None)
        self._planner = planner_cls() if planner_cls is not None else None

    def update(self, plan: Plan, changes: Changes | None) -> tuple[Schedule, list[Gap], float]:
        """(schedule, gaps, milliseconds) for ``plan``; ``changes`` None = from scratch."""
        started = _time.perf_counter()
        if self._engine is None:
            schedule, gaps = Schedule(()), []
        elif self._planner is not None:
            schedule, gaps = self._incremental(plan, changes)
        else:
            schedule = self._engine.schedule(plan)
            gaps = list(self._gaps.check(plan, schedule)) if self._gaps is not None else []
        return schedule, gaps, (_time.perf_counter() - started) * 1000

    def _incremental(self, plan: Plan, changes: Changes | None) -> tuple[Schedule, list[Gap]]:
        result = self._planner.update(plan)
        schedule = getattr(result, "schedule", None)
        gaps = getattr(result, "gaps", None)
        if schedule is None and isinstance(result, tuple):
            schedule, gaps = result[0], result[1]
        return schedule, list(gaps or [])
