"""Incremental re-planning: after an edit, recompute only what the edit touched.

``Planner().update(plan)`` returns the same schedule and gaps as
``engine.schedule(plan)`` and ``gaps.check(plan, schedule)`` (a property test
checks this after random edits), keeping per product:

* its occurrences (:func:`cadence.engine.product_schedule`), reused while the
  product is equal and the plan id, horizon and calendar are unchanged;
* its gaps and weekly loads (:func:`cadence.gaps.product_gaps`), which also need
  the same rules, teams and broadcasts.

Broadcast leads and capacity gaps are re-summed on every update (they are
cheap and depend on every product); the calendar and the gap list are merged
from the per-product pieces.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cadence import engine, gaps
from cadence.gcpause import gc_paused
from cadence.model import Gap, Occurrence, Plan, Product, Schedule

__all__ = ["Planner", "Replan"]


@dataclass(frozen=True, slots=True)
class Replan:
    """What :meth:`Planner.update` returns."""

    schedule: Schedule
    gaps: tuple[Gap, ...]
    # Ids of the products whose occurrences were recomputed (added, edited or removed).
    rescheduled: tuple[str, ...] = ()
    # Ids of the products whose gaps were recomputed.
    rechecked: tuple[str, ...] = ()
    # The gaps of each product id (None: the plan-wide capacity gaps), in report order.
    gaps_by_product: Mapping[str | None, Sequence[Gap]] = field(default_factory=dict)
    # How many gaps of each kind (summed from the products' counts, no gap is read).
    kind_counts: Mapping[str, int] = field(default_factory=dict)


T = TypeVar("T")


class KeyedMerge(Generic[T]):
    """Entries of many sources in one order: by integer key, then source, then the
    source's own order (how the calendar and the gap list are ordered).

    Each source gives ``{key: [entries in order]}``. Merging again after an edit
    rebuilds only the keys of the sources whose mapping is a different object,
    so re-planning one product touches only its days, not the whole calendar.
    """

    def __init__(self) -> None:
        self._sources: list[tuple[Hashable, Mapping[int, list[T]]]] = []
        self._merged: dict[int, list[T]] = {}

    def merge(self, sources: Sequence[tuple[Hashable, Mapping[int, list[T]]]]) -> list[T]:
        """Every entry in order; ``sources`` are (id, mapping) in source order."""
        before = dict(self._sources)
        if [sid for sid, _ in sources if sid in before] != [
            sid for sid, _ in self._sources if sid in dict(sources)
        ]:
            before, self._merged = {}, {}  # the sources' order changed: start over
        stale: set[int] = set()
        for sid, mapping in sources:
            if before.get(sid) is not mapping:
                stale.update(mapping)
                stale.update(before.get(sid, ()))
        gone = dict(sources)
        for sid, mapping in before.items():
            if sid not in gone:
                stale.update(mapping)
        merged = self._merged
        for key in stale:
            entries = [e for _, mapping in sources for e in mapping.get(key, ())]
            if entries:
                merged[key] = entries
            else:
                merged.pop(key, None)
        self._sources = list(sources)
        out: list[T] = []
        for key in sorted(merged):
            out += merged[key]
        return out


@dataclass
class _Cached:
    key: Any
    product: Product
    value: Any


def _same(a: Product, b: Product) -> bool:
    return a is b or a == b


class Planner:
    """Keeps each product's schedule and gaps between updates. Not thread-safe."""

    def __init__(self) -> None:
        self._schedules: dict[str, _Cached] = {}
        self._calendar: KeyedMerge[Occurrence] = KeyedMerge()
        self._gap_list: KeyedMerge[Gap] = KeyedMerge()
        self._leads: dict[str, _Cached] = {}
        self._gaps: dict[str, _Cached] = {}
        self._broadcast_key: Any = None
        self._broadcast_dates: list[engine.BroadcastDate] = []

    def update(self, plan: Plan, *, with_gaps: bool = True) -> Replan:
        """Re-plan ``plan``: its schedule and gaps (``with_gaps=False``: no checks, gaps empty)."""
        with gc_paused():
            return self._update(plan, with_gaps)

    def _update(self, plan: Plan, with_gaps: bool) -> Replan:
        if plan.end < plan.start:
            self._schedules, self._leads, self._gaps = {}, {}, {}
            return Replan(Schedule(()), ())
        products = sorted(plan.products, key=lambda p: p.id)
        cal_key = engine.calendar_key(plan)

        # Each product's own occurrences.
        rescheduled = {pid for pid in self._schedules if plan.product(pid) is None}
        schedules: dict[str, _Cached] = {}
        for p in products:
            cached = self._schedules.get(p.id)
            if cached is None or cached.key != cal_key or not _same(cached.product, p):
                cached = _Cached(cal_key, p, engine.product_schedule(plan, p))
                rescheduled.add(p.id)
            schedules[p.id] = cached
        self._schedules = schedules

        # The broadcasts, whose leads sum over the products they reach.
        b_key = (cal_key, plan.broadcasts)
        if self._broadcast_key != b_key:
            self._broadcast_dates = engine.broadcast_dates(plan)
            self._broadcast_key = b_key
        dates = self._broadcast_dates
        leads: dict[str, _Cached] = {}
        for p in products:
            cached = self._leads.get(p.id)
            if cached is None or cached.key != b_key or not _same(cached.product, p):
                days = engine.broadcast_days(dates, p.id)
                cached = _Cached(b_key, p, engine.leads_on(p, days))
            leads[p.id] = cached
        self._leads = leads
        sent = engine.broadcast_schedule(plan, dates, {pid: c.value for pid, c in leads.items()})
        pieces = [schedules[p.id].value for p in products]
        touches = self._calendar.merge(
            [
                ("", sent.by_slot),
                *((p.id, piece.by_slot) for p, piece in zip(products, pieces, strict=True)),
            ]
        )
        skipped = [*sent.skipped, *(s for piece in pieces for s in piece.skipped)]
        skipped.sort(key=engine.skipped_sort_key)
        result = Schedule(tuple(touches), tuple(skipped))
        if not with_gaps:
            return Replan(result, (), tuple(sorted(rescheduled)))

        # Each product's gaps, then the plan-wide capacity gaps.
        g_key = (b_key, plan.rules, plan.teams)
        checked: dict[str, _Cached] = {}
        rechecked = []
        for p in products:
            cached = self._gaps.get(p.id)
            if cached is None or cached.key != g_key or not _same(cached.product, p):
                touches = list(schedules[p.id].value.occurrences())
                cached = _Cached(g_key, p, gaps.product_gaps(plan, p, touches, sent.sent))
                rechecked.append(p.id)
            checked[p.id] = cached
        self._gaps = checked
        parts = [checked[p.id].value for p in products]
        capacity = gaps.capacity_gaps(plan, [part.loads for part in parts])
        wide: dict[int, list[Gap]] = {}
        for g in capacity:
            wide.setdefault(gaps.gap_bucket(g), []).append(g)
        found = tuple(
            self._gap_list.merge(
                [
                    ("", wide),
                    *((p.id, part.buckets) for p, part in zip(products, parts, strict=True)),
                ]
            )
        )
        by_product: dict[str | None, Sequence[Gap]] = {
            p.id: part.gaps for p, part in zip(products, parts, strict=True) if part.gaps
        }
        if capacity:
            by_product[None] = capacity
        kinds = {"capacity": len(capacity)} if capacity else {}
        for part in parts:
            for kind, n in part.kinds.items():
                kinds[kind] = kinds.get(kind, 0) + n
        return Replan(
            result, found, tuple(sorted(rescheduled)), tuple(rechecked), by_product, kinds
        )
