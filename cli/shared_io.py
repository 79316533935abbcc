"""Reading and writing a shared plan for one command-line run.

A command reads its plan, computes, and may write it back: the write must be based
on exactly what was read (the revisions of that read), so the plan stays open
between the two calls, keyed by its URL, until the process ends.
"""

from __future__ import annotations

import atexit

from cadence.model import Plan
from cadence.store.shared.plans import SharedError, SharedPlan, open_shared_plan
from cadence.validate import PlanInvalid

_open: dict[str, SharedPlan] = {}


def _shared(url: str) -> SharedPlan:
    if url not in _open:
        _open[url] = open_shared_plan(url)
    return _open[url]


def read_url_plan(url: str) -> Plan:
    """Load the plan at ``url``; SharedError (with the URL, no password) when it cannot."""
    shared = _shared(url)
    try:
        return shared.load()
    except PlanInvalid as exc:
        raise _invalid(shared, exc) from None


def _invalid(shared: SharedPlan, exc: PlanInvalid) -> SharedError:
    lines = "\n".join(f"  {e}" for e in exc.errors)
    count = len(exc.errors)
    return SharedError(
        f"{shared.location.label}: {count} error{'s' if count != 1 else ''}\n{lines}"
    )


def write_url_plan(plan: Plan, url: str) -> None:
    """Save ``plan`` to ``url`` based on what this process read from it (Conflict if stale)."""
    shared = _shared(url)
    if shared._plan is None:
        raise SharedError(f"{shared.location.label}: read the plan before writing it")
    try:
        shared.save(plan)
    except PlanInvalid as exc:
        raise _invalid(shared, exc) from None


def close_all() -> None:
    for shared in _open.values():
        shared.close()
    _open.clear()


atexit.register(close_all)
