"""Gap checks: where a plan lets a lead fall through the cracks.

``check(plan, schedule)`` returns every :class:`~cadence.model.Gap` of five
kinds — unowned, silence, handoff, spacing, capacity — sorted by start, kind,
product, cohort, stage, team. Pure: no I/O, no clock, no Qt. The exact rules
are in docs/scheduling.md.

The work is split per product (:func:`product_gaps`, which also returns the
product's weekly loads per team) plus a cheap cross-product merge
(:func:`capacity_gaps`), so that :class:`cadence.engine.Planner` can re-check
only the products that changed.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, time
from typing import Any, Generic, TypeVar

from cadence.model import GAP_KINDS, Gap, Occurrence, Plan, Product, Schedule

__all__ = [
    "BlockMerger",
    "Loads",
    "HorizonDays",
    "ProductGaps",
    "bucket_gaps",
    "capacity_gaps",
    "check",
    "gap_bucket",
    "gap_sort_key",
    "gap_source",
    "gc_paused",
    "merge_gaps",
    "product_gaps",
    "sort_gaps",
]

# Weekly load of non-automated touches: (team id, ordinal of the ISO week's Monday) → leads.
Loads = dict[tuple[str, int], float]


@dataclass(frozen=True, slots=True)
class ProductGaps:
    """One product's gaps, bucketed by :func:`gap_bucket` in report order, and its loads."""

    product: str
    buckets: dict[int, list[Gap]]
    loads: Loads

    @property
    def gaps(self) -> list[Gap]:
        return [g for key in sorted(self.buckets) for g in self.buckets[key]]


def check(plan: Plan, schedule: Schedule) -> list[Gap]:
    """Every gap of ``plan`` given its ``schedule`` (as returned by ``engine.schedule``)."""
    with gc_paused():
        return _check(plan, schedule)


def _check(plan: Plan, schedule: Schedule) -> list[Gap]:
    # One pass over the whole calendar sorts every touch into its product's
    # index (see _index_touches for why one pass); broadcasts are kept aside.
    indexes: dict[str | None, _TouchIndex] = {p.id: ({}, {}) for p in plan.products}
    start, end = plan.start.toordinal(), plan.end.toordinal()
    broadcasts = _index_touches(schedule.touches, indexes, start, end)
    by_id = {b.id: b for b in plan.broadcasts}
    horizon = HorizonDays(plan)
    parts = []
    for p in plan.products:
        reaching = []
        for o in broadcasts:
            b = by_id.get(o.touch)
            if b is not None and (b.products is None or p.id in b.products):
                reaching.append(o)
        parts.append(_product_gaps(plan, p, indexes[p.id], reaching, horizon))
    return merge_gaps(parts, capacity_gaps(plan, [part.loads for part in parts]))


# --- machinery shared with the engine ------------------------------------------------


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Why: every 700 allocations trigger a collection that walks the young
    objects, and a growing heap triggers full collections; for 100 k
    occurrences or gaps that costs about as much as building them. Nothing
    built here forms a cycle, and the previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


T = TypeVar("T")


class BlockMerger(Generic[T]):
    """Entries from many sources kept in one order, per integer key.

    Each source (a product id, or "" for plan-wide entries) gives its entries
    as ``{key: [entries in order]}``. The merged order is: key, then source id,
    then the source's own order. Within a key one source's entries are
    contiguous, so replacing a source bisects for its block instead of
    re-sorting everything: re-planning one product touches only its keys.
    """

    def __init__(self, source_of: Callable[[T], str]) -> None:
        self._source_of = source_of
        self.by_key: dict[int, list[T]] = {}

    def build(self, sources: Iterable[tuple[str, Mapping[int, Sequence[T]]]]) -> None:
        by_key: dict[int, list[T]] = {}
        for _, buckets in sorted(sources, key=lambda source: source[0]):
            for key, entries in buckets.items():
                current = by_key.get(key)
                if current is None:
                    by_key[key] = list(entries)
                else:
                    current.extend(entries)
        self.by_key = by_key

    def replace(
        self,
        source: str,
        old: Mapping[int, Sequence[T]] | None,
        new: Mapping[int, Sequence[T]] | None,
    ) -> None:
        """Swap one source's entries: ``old`` as given before, ``new`` (None: removed)."""
        by_key = self.by_key
        for key in set(old or ()) | set(new or ()):
            entries = new.get(key) if new else None
            current = by_key.get(key)
            if current is None:
                if entries:
                    by_key[key] = list(entries)
                continue
            lo = bisect_left(current, source, key=self._source_of)
            hi = bisect_right(current, source, lo, key=self._source_of)
            current[lo:hi] = entries or ()
            if not current:
                del by_key[key]

    def flatten(self) -> list[T]:
        out: list[T] = []
        extend = out.extend
        by_key = self.by_key
        for key in sorted(by_key):
            extend(by_key[key])
        return out


def gap_source(g: Gap) -> str:
    """The block a gap belongs to in a :class:`BlockMerger`: its product ("" = plan-wide)."""
    return g.product or ""


_KIND_RANK = {kind: rank for rank, kind in enumerate(sorted(GAP_KINDS))}


def gap_bucket(g: Gap) -> int:
    """Merge key of a gap: its start, then its kind (the first two sort fields)."""
    return g.start.toordinal() * 8 + _KIND_RANK[g.kind]


def bucket_gaps(found: Iterable[Gap]) -> dict[int, list[Gap]]:
    """Gaps of one source (a product, or the plan-wide ones) bucketed for a BlockMerger."""
    buckets: dict[int, list[Gap]] = {}
    for g in sort_gaps(found):
        buckets.setdefault(gap_bucket(g), []).append(g)
    return buckets


def merge_gaps(parts: Iterable[ProductGaps], others: Iterable[Gap] = ()) -> list[Gap]:
    """All products' gaps and the plan-wide ``others`` (capacity), in report order."""
    merger: BlockMerger[Gap] = BlockMerger(gap_source)
    merger.build([("", bucket_gaps(others))] + [(part.product, part.buckets) for part in parts])
    return merger.flatten()


def gap_sort_key(g: Gap) -> tuple[Any, ...]:
    """Report order: start, kind, product, cohort, stage, team; then end, message, uids."""
    return (
        g.start,
        g.kind,
        g.product or "",
        g.cohort or date.min,
        g.stage or "",
        g.team or "",
        g.end,
        g.message,
        g.uids,
    )


def sort_gaps(found: Iterable[Gap]) -> list[Gap]:
    """Gaps in report order (see :func:`gap_sort_key`)."""
    return sorted(found, key=gap_sort_key)


# --- fast Gap construction (see cadence.engine._OccurrenceDraft for why) ------------

_GAP_FIELDS = tuple(f.name for f in fields(Gap))


class _GapDraft:
    __slots__ = _GAP_FIELDS

    def __init__(
        self,
        kind: str,
        product: str | None,
        cohort: date | None,
        stage: str | None,
        team: str | None,
        start: date,
        end: date,
        message: str,
        load: float | None = None,
        capacity: int | None = None,
        uids: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.product = product
        self.cohort = cohort
        self.stage = stage
        self.team = team
        self.start = start
        self.end = end
        self.message = message
        self.load = load
        self.capacity = capacity
        self.uids = uids
        self.__class__ = Gap  # type: ignore[assignment]


def _pick_gap_factory() -> Callable[..., Gap]:
    sample = ("spacing", "p", date(2027, 1, 4), "s", None, date(2027, 1, 4), date(2027, 1, 5), "m")
    try:
        fast: Any = _GapDraft(*sample, uids=("a", "b"))
    except TypeError:  # layouts differ (Gap changed): use the real constructor
        return Gap
    if type(fast) is Gap and fast == Gap(*sample, uids=("a", "b")):
        return _GapDraft  # type: ignore[return-value]
    return Gap


_make_gap: Callable[..., Gap] = _pick_gap_factory()


# --- one product -----------------------------------------------------------------


def _time_key(t: time | None) -> int:
    return 0 if t is None else 1 + t.hour * 3600 + t.minute * 60 + t.second


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


class _Journey:
    """A product's stages laid out in day offsets from the intake date."""

    def __init__(self, product: Product) -> None:
        self.stages = product.stages
        self.starts: list[int] = []
        stage_at: list[int] = []
        offset = 0
        for k, s in enumerate(product.stages):
            self.starts.append(offset)
            stage_at.extend([k] * s.days)
            offset += s.days
        self.cycle = offset
        self.stage_at = stage_at  # stage index of each day offset
        # Maximal runs of day offsets in stages without an owner: (first, last).
        self.unowned: list[tuple[int, int]] = []
        for k, s in enumerate(product.stages):
            if s.owner is not None:
                continue
            first, last = self.starts[k], self.starts[k] + s.days - 1
            if self.unowned and self.unowned[-1][1] == first - 1:
                first = self.unowned.pop()[0]
            self.unowned.append((first, last))
        # Stages whose owner takes over from a different (or no) owner: a hand-off.
        self.handoffs = [
            k
            for k in range(1, len(product.stages))
            if product.stages[k].owner is not None
            and product.stages[k].owner != product.stages[k - 1].owner
        ]


class HorizonDays:
    """Date objects and ISO texts of every day of a plan's horizon, made once."""

    def __init__(self, plan: Plan) -> None:
        self.start = plan.start.toordinal()
        count = max(0, plan.end.toordinal() - self.start + 1)
        self.dates = [date.fromordinal(self.start + i) for i in range(count)]
        self.texts = [d.isoformat() for d in self.dates]


# A product's touches by cohort, with their day ordinals (cohort → (occurrences,
# ordinals), in the order given), and the expected leads of its non-automated
# touches per (owner, ordinal of the ISO week's Monday).
_TouchIndex = tuple[
    dict[date | None, tuple[list[Occurrence], list[int]]], dict[tuple[str, int], list[float]]
]


def _index_touches(
    occurrences: Iterable[Occurrence],
    indexes: Mapping[str | None, _TouchIndex],
    start: int,
    end: int,
) -> list[Occurrence]:
    """Sort touch occurrences into the index of their product; return the broadcasts.

    Only days inside the horizon (ordinals ``start``…``end``) count. Touches of a
    product without an index are ignored. Why one loop does it all: 100 k+
    occurrences lie scattered in memory, and each pass over them costs about
    as much in cache misses as the work done per occurrence.
    """
    broadcasts: list[Occurrence] = []
    for o in occurrences:
        index = indexes.get(o.product)  # None for broadcasts
        if index is None:
            if o.product is None and o.kind == "broadcast":
                day = o.date.toordinal()
                if start <= day <= end:
                    broadcasts.append(o)
            continue
        if o.kind != "touch":
            continue
        day = o.date.toordinal()
        if day < start or day > end:
            continue
        by_cohort, weekly = index
        group = by_cohort.get(o.cohort)
        if group is None:
            group = by_cohort[o.cohort] = ([], [])
        group[0].append(o)
        group[1].append(day)
        if not o.automated:
            weekly.setdefault((o.owner, day - (day - 1) % 7), []).append(o.leads)
    return broadcasts


def product_gaps(
    plan: Plan,
    product: Product,
    touches: Sequence[Occurrence],
    broadcasts: Sequence[Occurrence],
    horizon: HorizonDays | None = None,
) -> ProductGaps:
    """The unowned, silence, handoff and spacing gaps of one product, and its weekly loads.

    ``touches`` are the product's touch occurrences, ``broadcasts`` the sent
    broadcast occurrences that reach the product (dates inside the horizon);
    both as the engine emits them. Touches dated outside the horizon are
    ignored. The loads feed :func:`capacity_gaps`. ``horizon`` may be shared
    between the products of one plan.
    """
    index: _TouchIndex = ({}, {})
    start, end = plan.start.toordinal(), plan.end.toordinal()
    _index_touches(touches, {product.id: index}, start, end)
    return _product_gaps(plan, product, index, broadcasts, horizon)


def _product_gaps(
    plan: Plan,
    product: Product,
    index: _TouchIndex,
    broadcasts: Sequence[Occurrence],
    horizon: HorizonDays | None,
) -> ProductGaps:
    journey = _Journey(product)
    rules = plan.rules
    start, end = plan.start.toordinal(), plan.end.toordinal()
    horizon = horizon or HorizonDays(plan)
    dates, texts = horizon.dates, horizon.texts
    team_names = {t.id: t.name for t in plan.teams}
    stages = product.stages
    stage_at = journey.stage_at
    cycle = journey.cycle
    spacing = rules.min_spacing_days or None  # 0 flags nothing
    sla = rules.handoff_sla_days
    pid = product.id
    make = _make_gap
    # The shortest silence any stage allows: shorter runs need no closer look.
    allowed_by_stage = [
        s.max_silence_days if s.max_silence_days is not None else rules.max_silence_days
        for s in stages
    ]
    allowed_known = [x for x in allowed_by_stage if x is not None]
    least_allowed = min(allowed_known) if allowed_known else None

    own, weekly = index
    loads: Loads = {k: math.fsum(v) for k, v in weekly.items()}

    b_sorted = sorted(broadcasts, key=lambda o: o.date)
    b_days = [o.date.toordinal() for o in b_sorted]

    if spacing is not None:
        apart_text = [f"{_days(n)} apart; minimum {_days(spacing)}" for n in range(spacing)]
    stage_id_at = [stages[k].id for k in stage_at]  # the stage id of each day offset
    unowned_names: dict[tuple[int, int], str] = {}  # (first, last stage) → quoted names

    # Gaps go straight into their merge buckets (start, kind). Cohorts are visited in
    # date order, so each bucket is already in report order except for spacing
    # gaps of one cohort that start on the same day (sorted where they arise).
    buckets: dict[int, list[Gap]] = {}
    unowned_rank = _KIND_RANK["unowned"]
    silence_rank = _KIND_RANK["silence"]
    handoff_rank = _KIND_RANK["handoff"]
    spacing_rank = _KIND_RANK["spacing"]
    no_contacts: tuple[list[Occurrence], list[int]] = ([], [])

    for cohort in product.cohorts.intake_dates():
        first = cohort.toordinal()
        a, b = max(first, start), min(first + cycle - 1, end)
        if a > b:
            continue

        for off0, off1 in journey.unowned:
            r0, r1 = max(first + off0, a), min(first + off1, b)
            if r0 > r1:
                continue
            k0, k1 = stage_at[r0 - first], stage_at[r1 - first]
            names = unowned_names.get((k0, k1))
            if names is None:
                names = unowned_names[k0, k1] = _quoted(s.name for s in stages[k0 : k1 + 1])
            t0, t1 = texts[r0 - start], texts[r1 - start]
            buckets.setdefault(r0 * 8 + unowned_rank, []).append(
                make(
                    "unowned",
                    pid,
                    cohort,
                    stages[k0].id,
                    None,
                    dates[r0 - start],
                    dates[r1 - start],
                    f"no team owns the lead in {names} for {_days(r1 - r0 + 1)} ({t0} to {t1})",
                )
            )

        own_contacts, own_days = own.get(cohort, no_contacts)
        b_lo = bisect_left(b_days, first)
        b_hi = bisect_right(b_days, first + cycle - 1)
        contacts = own_contacts + b_sorted[b_lo:b_hi]
        days = own_days + b_days[b_lo:b_hi]
        n = len(contacts)
        # Contacts in order of date, time, uid: a stable sort by day, then the
        # contacts that share a day (a tie) are put in order of time and uid.
        order = sorted(range(n), key=days.__getitem__)
        sorted_days = [days[x] for x in order]
        ties = [i for i in range(1, n) if sorted_days[i] == sorted_days[i - 1]]
        t = 0
        while t < len(ties):
            # One run of equal days covers order[lo:hi]; its ties are consecutive.
            lo = ties[t] - 1
            while t + 1 < len(ties) and ties[t + 1] == ties[t] + 1:
                t += 1
            hi = ties[t] + 1
            t += 1
            order[lo:hi] = sorted(
                order[lo:hi], key=lambda x: (_time_key(contacts[x].time), contacts[x].uid)
            )

        if least_allowed is not None:
            # Silent runs lie between consecutive contact days inside [a, b].
            edges = sorted_days[bisect_left(sorted_days, a) : bisect_right(sorted_days, b)]
            edges.insert(0, a - 1)
            edges.append(b + 1)
            for i in [
                i for i in range(1, len(edges)) if edges[i] - edges[i - 1] > least_allowed + 1
            ]:
                r0, r1 = edges[i - 1] + 1, edges[i] - 1
                k = stage_at[r0 - first]
                allowed = allowed_by_stage[k]
                length = r1 - r0 + 1
                if allowed is None or length <= allowed:
                    continue
                stage = stages[k]
                t0, t1 = texts[r0 - start], texts[r1 - start]
                buckets.setdefault(r0 * 8 + silence_rank, []).append(
                    make(
                        "silence",
                        pid,
                        cohort,
                        stage.id,
                        stage.owner,
                        dates[r0 - start],
                        dates[r1 - start],
                        f'no contact for {_days(length)} ({t0} to {t1}) from "{stage.name}";'
                        f" allowed {allowed}",
                    )
                )

        if sla is not None:
            for k in journey.handoffs:
                d0 = first + journey.starts[k]
                if d0 < start or d0 > end:
                    continue
                d1 = min(d0 + sla, end)
                owner = stages[k].owner
                lo, hi = bisect_left(sorted_days, d0), bisect_right(sorted_days, d1)
                if any(contacts[x].owner == owner for x in order[lo:hi]):
                    continue
                team = team_names.get(owner or "", owner)
                t0, t1 = texts[d0 - start], texts[d1 - start]
                buckets.setdefault(d0 * 8 + handoff_rank, []).append(
                    make(
                        "handoff",
                        pid,
                        cohort,
                        stages[k].id,
                        owner,
                        dates[d0 - start],
                        dates[d1 - start],
                        f'hand-off to {team} at "{stages[k].name}": no contact by {team}'
                        f" from {t0} to {t1} (within {_days(sla)})",
                    )
                )

        if spacing is not None:
            close = [i for i in range(1, n) if sorted_days[i] - sorted_days[i - 1] < spacing]
            if not close:
                continue
            pairs: list[Gap] = []
            for i in close:
                earlier, later = contacts[order[i - 1]], contacts[order[i]]
                d0, d1 = sorted_days[i - 1], sorted_days[i]
                offset = d1 - first
                pairs.append(
                    make(
                        "spacing",
                        pid,
                        cohort,
                        stage_id_at[offset] if 0 <= offset < cycle else later.stage,
                        None,
                        earlier.date,
                        later.date,
                        f'"{earlier.name}" ({texts[d0 - start]}) and "{later.name}"'
                        f" ({texts[d1 - start]}) are {apart_text[d1 - d0]}",
                        None,
                        None,
                        (earlier.uid, later.uid),
                    )
                )
            starts = [sorted_days[i - 1] for i in close]
            if len(set(starts)) < len(starts):  # pairs of one day: order them fully
                pairs.sort(key=gap_sort_key)
            for g in pairs:
                buckets.setdefault(g.start.toordinal() * 8 + spacing_rank, []).append(g)

    return ProductGaps(pid, buckets, loads)


# --- across products ---------------------------------------------------------------


def capacity_gaps(plan: Plan, loads: Iterable[Loads]) -> list[Gap]:
    """Per team and ISO week: load of non-automated touches above the team's weekly capacity."""
    capacity = {t.id: t.weekly_capacity for t in plan.teams if t.weekly_capacity is not None}
    names = {t.id: t.name for t in plan.teams}
    total: dict[tuple[str, int], list[float]] = {}
    for product_loads in loads:
        for key, load in product_loads.items():
            if key[0] in capacity:
                total.setdefault(key, []).append(load)
    found = []
    for (team, monday), parts in total.items():
        load = round(math.fsum(parts), 2)
        cap = capacity[team]
        if load <= cap:
            continue
        first = date.fromordinal(monday)
        year, week, _ = first.isocalendar()
        found.append(
            Gap(
                "capacity",
                None,
                None,
                None,
                team,
                first,
                date.fromordinal(monday + 6),
                f"{names.get(team, team)}: {load:g} leads in week {year}-W{week:02d},"
                f" capacity {cap}",
                load=load,
                capacity=cap,
            )
        )
    return found
