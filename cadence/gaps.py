"""Gap checks: where a plan lets a lead fall through the cracks.

``check(plan, schedule)`` returns every :class:`~cadence.model.Gap` of five
kinds — unowned, silence, handoff, spacing, capacity — sorted by start, kind,
product, cohort, stage, team. Pure: no I/O, no clock, no Qt. The exact rules
are in docs/scheduling.md.

The checks read each product's contacts in a compact table (:class:`Contacts`:
per intake cohort, integers ``day << 32 | n`` where ``n`` numbers the
occurrence), which the engine fills while it schedules; a schedule made of
plain occurrence objects is first indexed into the same tables. The work is
split per product (:func:`product_gaps`) plus a cheap cross-product merge
(:func:`capacity_gaps`), so that :class:`cadence.engine.Planner` can re-check
only the products that changed.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, time
from itertools import compress
from operator import not_, sub
from typing import Any, Generic, TypeVar

from cadence.model import GAP_KINDS, Gap, Occurrence, Plan, Product, Schedule

__all__ = [
    "BROADCAST",
    "BlockMerger",
    "BroadcastContacts",
    "CompactContacts",
    "Contacts",
    "HorizonDays",
    "Loads",
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

# A contact is ``day << 32 | n``, day being the index in the horizon (0: the plan's
# start): sorting contacts sorts them by day. ``n`` numbers a
# product's touch occurrence, or (with this bit set) a broadcast occurrence.
BROADCAST = 1 << 31
_LOW = (1 << 32) - 1


@dataclass(slots=True, eq=False)
class Contacts:
    """One product's touch occurrences inside the horizon, as the checks read them.

    ``by_cohort[c]`` holds the contacts (``day << 32 | n``, any order; ``day``
    counts days from the plan's start) of the c-th intake date of ``product``; occurrence ``n`` has the UID ``uids[n]``
    and is a send of touch ``keys[n] // divisor``, whose owner, name, time key
    and stage id are in the per-touch lists. ``weekly`` collects the expected
    leads of non-automated occurrences per (owner, Monday) for the loads.
    """

    product: Product
    by_cohort: list[list[int]]
    uids: list[str]
    keys: list[int]
    divisor: int
    owners: list[str]
    names: list[str]
    time_keys: list[int]
    stages: list[str | None]
    weekly: dict[tuple[str, int], list[float]] = field(default_factory=dict)

    def loads(self) -> Loads:
        return {k: math.fsum(v) for k, v in self.weekly.items()}


@dataclass(slots=True, eq=False)
class BroadcastContacts:
    """The sent broadcast occurrences inside the horizon, shared by every product.

    ``reaching[product id]`` lists, sorted, the contacts ``day << 32 | BROADCAST | i``
    of the occurrences that reach the product; ``i`` indexes the lists below.
    """

    reaching: dict[str, list[int]]
    uids: list[str]
    owners: list[str]
    names: list[str]
    time_keys: list[int]


@dataclass(frozen=True, slots=True, eq=False)
class CompactContacts:
    """What the engine hands the checks along with a schedule (see ``check``).

    ``key`` names the inputs it was computed from: (plan id, start, end,
    calendar, broadcasts).
    """

    key: tuple[Any, ...]
    products: Mapping[str, Contacts]
    broadcasts: BroadcastContacts


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
    compact = getattr(schedule.touches, "compact", None)
    key = (plan.id, plan.start, plan.end, plan.calendar, plan.broadcasts)
    if not (
        isinstance(compact, CompactContacts)
        and compact.key == key
        and all(_same(compact.products.get(p.id), p) for p in plan.products)
    ):
        compact = index_occurrences(plan, schedule.touches)
    horizon = HorizonDays(plan)
    # Products in id order append straight into the shared buckets: within a
    # bucket (start, kind) that is the report order (capacity has buckets of its own).
    buckets: dict[int, list[Gap]] = {}
    loads = []
    for p in sorted(plan.products, key=lambda p: p.id):
        contacts = compact.products[p.id]
        _product_gaps(plan, contacts, compact.broadcasts, horizon, buckets)
        loads.append(contacts.loads())
    for g in capacity_gaps(plan, loads):
        buckets.setdefault(gap_bucket(g), []).append(g)
    return [g for k in sorted(buckets) for g in buckets[k]]


def _same(contacts: Contacts | None, product: Product) -> bool:
    return contacts is not None and (contacts.product is product or contacts.product == product)


def index_occurrences(plan: Plan, occurrences: Iterable[Occurrence]) -> CompactContacts:
    """The contact tables of any sequence of occurrences (for example a hand-made schedule).

    Touches of unknown products, and days outside the horizon, are left out;
    touches of cohorts a product does not have count only for the loads.
    """
    origin, last = plan.start.toordinal(), plan.end.toordinal() - plan.start.toordinal()
    tables: dict[str, Contacts] = {}
    cohort_index: dict[str, dict[date, int]] = {}
    for p in plan.products:
        intake = p.cohorts.intake_dates()
        cohort_index[p.id] = {d: i for i, d in enumerate(intake)}
        tables[p.id] = Contacts(p, [[] for _ in intake], [], [], 1, [], [], [], [])
    by_id = {b.id: b for b in plan.broadcasts}
    sent: list[tuple[int, Occurrence]] = []
    for o in occurrences:
        day = o.date.toordinal() - origin
        if day < 0 or day > last:
            continue
        if o.product is None:
            if o.kind == "broadcast":
                sent.append((day, o))
            continue
        if o.kind != "touch":
            continue
        table = tables.get(o.product)
        if table is None:
            continue
        if not o.automated:
            ordinal = origin + day
            table.weekly.setdefault((o.owner, ordinal - (ordinal - 1) % 7), []).append(o.leads)
        ci = cohort_index[o.product].get(o.cohort)  # type: ignore[arg-type]
        if ci is None:
            continue
        n = len(table.uids)
        table.by_cohort[ci].append(day << 32 | n)
        table.uids.append(o.uid)
        table.keys.append(n)
        table.owners.append(o.owner)
        table.names.append(o.name)
        table.time_keys.append(time_key(o.time))
        table.stages.append(o.stage)
    casts = BroadcastContacts({p.id: [] for p in plan.products}, [], [], [], [])
    for i, (day, o) in enumerate(sent):
        casts.uids.append(o.uid)
        casts.owners.append(o.owner)
        casts.names.append(o.name)
        casts.time_keys.append(time_key(o.time))
        b = by_id.get(o.touch)
        if b is None:
            continue
        for pid in b.products if b.products is not None else casts.reaching:
            if pid in casts.reaching:
                casts.reaching[pid].append(day << 32 | BROADCAST | i)
    for packed in casts.reaching.values():
        packed.sort()
    key = (plan.id, plan.start, plan.end, plan.calendar, plan.broadcasts)
    return CompactContacts(key, tables, casts)


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


def time_key(t: time | None) -> int:
    """Order of a time of day within its date: all-day (None) first, then by the clock."""
    return 0 if t is None else 1 + t.hour * 3600 + t.minute * 60 + t.second


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


def product_gaps(
    plan: Plan,
    contacts: Contacts,
    broadcasts: BroadcastContacts,
    horizon: HorizonDays | None = None,
) -> ProductGaps:
    """The unowned, silence, handoff and spacing gaps of one product, and its weekly loads.

    ``contacts`` is the product's table (the engine's, or :func:`index_occurrences`'),
    ``broadcasts`` the plan's sent broadcasts. The loads feed :func:`capacity_gaps`.
    ``horizon`` may be shared between the products of one plan.
    """
    buckets: dict[int, list[Gap]] = {}
    _product_gaps(plan, contacts, broadcasts, horizon or HorizonDays(plan), buckets)
    return ProductGaps(contacts.product.id, buckets, contacts.loads())


def _product_gaps(
    plan: Plan,
    contacts: Contacts,
    broadcasts: BroadcastContacts,
    horizon: HorizonDays,
    buckets: dict[int, list[Gap]],
) -> None:
    """Append one product's gaps to ``buckets`` (key: :func:`gap_bucket`), in report order.

    Cohorts are visited in date order, so each bucket receives its gaps in
    report order, except spacing gaps of one cohort that start on the same
    day (sorted where they arise).
    """
    product = contacts.product
    journey = _Journey(product)
    rules = plan.rules
    origin = plan.start.toordinal()
    last = plan.end.toordinal() - origin  # days are indexes in the horizon: 0 … last
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
    quiet = min(allowed_known) + 1 if allowed_known else None  # an edge step longer is silence

    uids, keys, divisor = contacts.uids, contacts.keys, contacts.divisor
    owners, names, time_keys, touch_stage = (
        contacts.owners,
        contacts.names,
        contacts.time_keys,
        contacts.stages,
    )
    b_packed = broadcasts.reaching.get(pid, [])
    b_uids, b_owners, b_names, b_time_keys = (
        broadcasts.uids,
        broadcasts.owners,
        broadcasts.names,
        broadcasts.time_keys,
    )

    def owner_of(x: int) -> str:
        n = x & _LOW
        return b_owners[n ^ BROADCAST] if n & BROADCAST else owners[keys[n] // divisor]

    def name_of(n: int) -> str:
        return b_names[n ^ BROADCAST] if n & BROADCAST else names[keys[n] // divisor]

    def uid_of(n: int) -> str:
        return b_uids[n ^ BROADCAST] if n & BROADCAST else uids[n]

    def tie_key(x: int) -> tuple[int, str]:
        n = x & _LOW
        if n & BROADCAST:
            return b_time_keys[n ^ BROADCAST], b_uids[n ^ BROADCAST]
        return time_keys[keys[n] // divisor], uids[n]

    if spacing is not None:
        apart_text = [f"{_days(n)} apart; minimum {_days(spacing)}" for n in range(spacing)]
        too_close = spacing.__gt__
    stage_id_at = [stages[k].id for k in stage_at]  # the stage id of each day offset
    unowned_names: dict[tuple[int, int], str] = {}  # (first, last stage) → quoted names

    unowned_rank = _KIND_RANK["unowned"]
    silence_rank = _KIND_RANK["silence"]
    handoff_rank = _KIND_RANK["handoff"]
    spacing_rank = _KIND_RANK["spacing"]
    by_cohort = contacts.by_cohort

    for ci, cohort in enumerate(product.cohorts.intake_dates()):
        first = cohort.toordinal() - origin
        a, b = max(first, 0), min(first + cycle - 1, last)
        if a > b:
            continue

        for off0, off1 in journey.unowned:
            r0, r1 = max(first + off0, a), min(first + off1, b)
            if r0 > r1:
                continue
            k0, k1 = stage_at[r0 - first], stage_at[r1 - first]
            found = unowned_names.get((k0, k1))
            if found is None:
                found = unowned_names[k0, k1] = _quoted(s.name for s in stages[k0 : k1 + 1])
            t0, t1 = texts[r0], texts[r1]
            buckets.setdefault((origin + r0) * 8 + unowned_rank, []).append(
                make(
                    "unowned",
                    pid,
                    cohort,
                    stages[k0].id,
                    None,
                    dates[r0],
                    dates[r1],
                    f"no team owns the lead in {found} for {_days(r1 - r0 + 1)} ({t0} to {t1})",
                )
            )

        # The cohort's contacts: its touches and the broadcasts on its journey days.
        order = (
            by_cohort[ci]
            + b_packed[
                bisect_left(b_packed, first << 32) : bisect_left(b_packed, (first + cycle) << 32)
            ]
        )
        order.sort()
        days = [x >> 32 for x in order]

        if quiet is not None:
            # Silent runs lie between consecutive contact days inside [a, b].
            edges = days[bisect_left(days, a) : bisect_right(days, b)]
            edges.insert(0, a - 1)
            edges.append(b + 1)
            for i in compress(range(1, len(edges)), map(quiet.__lt__, map(sub, edges[1:], edges))):
                r0, r1 = edges[i - 1] + 1, edges[i] - 1
                k = stage_at[r0 - first]
                allowed = allowed_by_stage[k]
                length = r1 - r0 + 1
                if allowed is None or length <= allowed:
                    continue
                stage = stages[k]
                t0, t1 = texts[r0], texts[r1]
                buckets.setdefault((origin + r0) * 8 + silence_rank, []).append(
                    make(
                        "silence",
                        pid,
                        cohort,
                        stage.id,
                        stage.owner,
                        dates[r0],
                        dates[r1],
                        f'no contact for {_days(length)} ({t0} to {t1}) from "{stage.name}";'
                        f" allowed {allowed}",
                    )
                )

        if sla is not None:
            for k in journey.handoffs:
                d0 = first + journey.starts[k]
                if d0 < 0 or d0 > last:
                    continue
                d1 = min(d0 + sla, last)
                owner = stages[k].owner
                window = order[bisect_left(days, d0) : bisect_right(days, d1)]
                if any(owner_of(x) == owner for x in window):
                    continue
                team = team_names.get(owner or "", owner)
                t0, t1 = texts[d0], texts[d1]
                buckets.setdefault((origin + d0) * 8 + handoff_rank, []).append(
                    make(
                        "handoff",
                        pid,
                        cohort,
                        stages[k].id,
                        owner,
                        dates[d0],
                        dates[d1],
                        f'hand-off to {team} at "{stages[k].name}": no contact by {team}'
                        f" from {t0} to {t1} (within {_days(sla)})",
                    )
                )

        if spacing is None or len(order) < 2:
            continue
        steps = list(map(sub, days[1:], days))  # steps[i - 1]: days[i] - days[i - 1]
        close = list(compress(range(1, len(order)), map(too_close, steps)))
        if not close:
            continue
        # Contacts in order of date, time, uid: the packed sort has put them in
        # date order; runs of one day (ties) are put in order of time and uid.
        ties = list(compress(range(1, len(order)), map(not_, steps)))
        t = 0
        while t < len(ties):
            lo = ties[t] - 1  # one run of equal days covers order[lo:hi]
            while t + 1 < len(ties) and ties[t + 1] == ties[t] + 1:
                t += 1
            hi = ties[t] + 1
            t += 1
            order[lo:hi] = sorted(order[lo:hi], key=tie_key)
        pairs: list[Gap] = []
        for i in close:
            n0, n1 = order[i - 1] & _LOW, order[i] & _LOW
            d0, d1 = days[i - 1], days[i]
            offset = d1 - first
            stage_id: str | None
            if 0 <= offset < cycle:
                stage_id = stage_id_at[offset]
            else:  # a touch rolled past its journey's end
                stage_id = None if n1 & BROADCAST else touch_stage[keys[n1] // divisor]
            pairs.append(
                make(
                    "spacing",
                    pid,
                    cohort,
                    stage_id,
                    None,
                    dates[d0],
                    dates[d1],
                    f'"{name_of(n0)}" ({texts[d0]}) and "{name_of(n1)}"'
                    f" ({texts[d1]}) are {apart_text[d1 - d0]}",
                    None,
                    None,
                    (uid_of(n0), uid_of(n1)),
                )
            )
        if ties and len(pairs) > 1 and len({days[i - 1] for i in close}) < len(close):
            pairs.sort(key=gap_sort_key)  # pairs starting on one day: order them fully
        for g in pairs:
            buckets.setdefault(g.start.toordinal() * 8 + spacing_rank, []).append(g)


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
    for (team, monday), parts in sorted(total.items()):
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
