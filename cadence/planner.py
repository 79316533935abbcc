"""Incremental re-planning: after an edit, recompute only what the edit touched.

``Planner().update(plan)`` returns the same schedule and gaps as
``engine.schedule(plan)`` and ``gaps.check(plan, schedule)`` (a property test
checks this after random edits), keeping per product:

* its occurrences (:func:`cadence.engine.product_schedule`), reused while the
  product is equal and the plan id, horizon and calendar are unchanged (the last
  few versions of each product are kept: an undo finds its results again), and
  renamed when only names changed (:func:`cadence.engine.renamed_schedule`);
* its gaps and weekly loads (:func:`cadence.gaps.product_gaps`), which also need
  the same rules, teams and broadcasts.

Broadcast leads are re-summed on every update (they depend on every product);
the capacity gaps are kept per team and week (:class:`CapacityWeeks`): an edit
re-sums only the weeks the changed products' loads touch. The calendar and the
gap list are merged from the per-product pieces when first read (their lengths
are known at once).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Generic, TypeVar

from cadence import engine, gaps
from cadence.gcpause import gc_paused
from cadence.model import Gap, Occurrence, Plan, Product, Schedule, Skipped

__all__ = ["Planner", "Replan"]


@dataclass(frozen=True, slots=True)
class Replan:
    """What :meth:`Planner.update` returns."""

    schedule: Schedule
    # Every gap in report order; put in order when first read (its length at once).
    gaps: Sequence[Gap]
    # Ids of the products whose occurrences changed since the last update (added, edited,
    # removed, or brought back as they were before: an undo).
    rescheduled: tuple[str, ...] = ()
    # Ids of the products whose gaps changed since the last update.
    rechecked: tuple[str, ...] = ()
    # The gaps of each product id (None: the plan-wide capacity gaps), in report order.
    gaps_by_product: Mapping[str | None, Sequence[Gap]] = field(default_factory=dict)
    # How many gaps of each kind (summed from the products' counts, no gap is read).
    kind_counts: Mapping[str, int] = field(default_factory=dict)


T = TypeVar("T")


Sources = Sequence[tuple[Hashable, Mapping[int, list[T]]]]


def merge_sources(sources: Sources[T]) -> list[T]:
    """Every entry of ``sources`` ((id, {key: entries}) in source order) in merged order."""
    return engine.merge_by_key([mapping for _, mapping in sources])


class KeyedMerge(Generic[T]):
    """The merged order of many sources (see :func:`merge_sources`), kept per key.

    After an edit only the keys of the sources whose mapping is a different
    object are rebuilt, and only when the entries are read: re-planning one
    product touches only its days, not the whole calendar. Mappings must not be
    changed once given.

    With ``group`` (a function of a key: the calendar's slot → its day), the
    entries of one group are read alone (:meth:`group`), merged from the sources'
    keys in that group: a calendar showing a month reads its 42 days, and an edit
    forgets only the groups of the sources it changed.
    """

    def __init__(self, group: Callable[[int], int] | None = None) -> None:
        self._sources: list[tuple[Hashable, Mapping[int, list[T]]]] = []
        self._merged: dict[int, list[T]] = {}
        self._stale: set[int] = set()
        self._flat: list[T] | None = None
        self.group_of = group
        # id(mapping) -> (mapping, {group: its keys}); the mapping is held so its id stays its own
        self._groups_of: dict[int, tuple[Mapping[int, list[T]], dict[int, list[int]]]] = {}
        self._grouped: dict[int, list[T]] = {}  # group -> its merged entries, once read
        self.version = 0

    def update(self, sources: Sources[T]) -> int:
        """Take the sources' new mappings; returns the new version."""
        before = dict(self._sources)
        now = dict(sources)
        if [sid for sid, _ in sources if sid in before] != [
            sid for sid, _ in self._sources if sid in now
        ]:  # the sources' order changed: start over
            before, self._merged, self._stale, self._grouped = {}, {}, set(), {}
        changed: list[Mapping[int, list[T]]] = []
        for sid, mapping in sources:
            old = before.get(sid)
            if old is not mapping:
                self._stale.update(mapping)
                self._stale.update(old or ())
                changed += [mapping, old] if old is not None else [mapping]
        for sid, mapping in before.items():
            if sid not in now:
                self._stale.update(mapping)
                changed.append(mapping)
        if self.group_of is not None:
            self._forget_groups(changed, [m for _, m in sources])
        self._sources = list(sources)
        self._flat = None
        self.version += 1
        return self.version

    def entries(self) -> list[T]:
        """Every entry in order (rebuilding the keys changed since the last read)."""
        if self._flat is None:
            merged = self._merged
            stale = self._stale
            found: dict[int, list[T]] = {}
            for _, mapping in self._sources:  # in source order: each key's entries in order
                for key in mapping.keys() & stale:  # walks the smaller of the two
                    found.setdefault(key, []).extend(mapping[key])
            for key in stale:
                if key in found:
                    merged[key] = found[key]
                else:
                    merged.pop(key, None)
            self._stale = set()
            flat: list[T] = []
            for key in sorted(merged):
                flat += merged[key]
            self._flat = flat
        return self._flat

    def _groups(self, mapping: Mapping[int, list[T]]) -> dict[int, list[int]]:
        """A source's keys by group (found once per mapping)."""
        kept = self._groups_of.get(id(mapping))
        if kept is None or kept[0] is not mapping:
            group_of = self.group_of
            assert group_of is not None
            by_group: dict[int, list[int]] = {}
            for key in mapping:
                by_group.setdefault(group_of(key), []).append(key)
            kept = (mapping, by_group)
            self._groups_of[id(mapping)] = kept
        return kept[1]

    def _forget_groups(
        self, changed: list[Mapping[int, list[T]]], current: list[Mapping[int, list[T]]]
    ) -> None:
        """Forget the merged groups the changed mappings had or have, and the group
        indexes of the mappings no longer given (nothing to index while no group was
        read: a calendar never shown costs an edit nothing here)."""
        if self._grouped:
            for mapping in changed:
                for group in self._groups(mapping):
                    self._grouped.pop(group, None)
        alive = {id(m) for m in current}
        for key in [k for k in self._groups_of if k not in alive]:
            del self._groups_of[key]

    def group(self, group: int) -> list[T]:
        """The entries of one group in order (needs ``group`` at construction): the
        sources' keys in that group, merged as :func:`merge_sources` merges them.
        The list is kept: read it, don't change it."""
        entries = self._grouped.get(group)
        if entries is None:
            pieces: list[Mapping[int, list[T]]] = []
            for _, mapping in self._sources:
                keys = self._groups(mapping).get(group)
                if keys:
                    pieces.append({key: mapping[key] for key in keys})
            entries = engine.merge_by_key(pieces)
            self._grouped[group] = entries
        return entries

    def group_range(self) -> tuple[int, int] | None:
        """The first and last group that has entries; None when there are none."""
        ends = [
            (min(groups), max(groups))
            for _, mapping in self._sources
            if (groups := self._groups(mapping))
        ]
        if not ends:
            return None
        return min(first for first, _ in ends), max(last for _, last in ends)


class MergedEntries(Sequence[T]):
    """A read-only sequence equal to the tuple of one version of a :class:`KeyedMerge`.

    Its length is known at once; the entries are put in order on first read (a
    status bar counting the calendar never merges it). A view read after the merge
    moved on merges its own sources.
    """

    def __init__(self, merge: KeyedMerge[T], sources: Sources[T], length: int) -> None:
        self._merge = merge
        self._version = merge.version
        self._sources = sources
        self._length = length
        self._items: tuple[T, ...] | None = None

    def items(self) -> tuple[T, ...]:
        if self._items is None:
            if self._merge.version == self._version:
                self._items = tuple(self._merge.entries())
            else:
                self._items = tuple(merge_sources(self._sources))
        return self._items

    def __len__(self) -> int:
        return self._length

    @property
    def grouped(self) -> bool:
        """Whether one group's entries can be read alone (:meth:`group`)."""
        return self._merge.group_of is not None

    def group(self, group: int) -> Sequence[T]:
        """The entries of one group (the calendar's: one day, by its ordinal), in order,
        without merging the others (see :meth:`KeyedMerge.group`)."""
        group_of = self._merge.group_of
        if group_of is None:
            raise TypeError("these entries are not grouped")
        if self._merge.version == self._version:
            return self._merge.group(group)
        own = [
            (sid, {k: v for k, v in m.items() if group_of(k) == group}) for sid, m in self._sources
        ]
        return merge_sources(own)

    def group_range(self) -> tuple[int, int] | None:
        """The first and last group that has entries (None: no entries)."""
        group_of = self._merge.group_of
        if group_of is None:
            raise TypeError("these entries are not grouped")
        if self._merge.version == self._version:
            return self._merge.group_range()
        keys = [k for _, m in self._sources for k in m]
        return (group_of(min(keys)), group_of(max(keys))) if keys else None

    def __getitem__(self, index: Any) -> Any:
        return self.items()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MergedEntries):
            return self.items() == other.items()
        if isinstance(other, (tuple, list)):
            return len(other) == self._length and self.items() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.items())

    def __repr__(self) -> str:
        return f"MergedEntries({self._length} entries)"


class CapacityWeeks:
    """The capacity gaps (:func:`cadence.gaps.capacity_gap`), kept per (team, week).

    The products' weekly loads are indexed by week; after an edit only the weeks in
    the loads of the products whose loads changed (before or after the edit) are
    summed and checked again; a change of the teams or the calendar checks every
    week. The gap list and its buckets stay the same objects while no week's gap
    changed (views compare them by identity).
    """

    def __init__(self) -> None:
        self._key: Any = None
        self._loads: dict[str, gaps.Loads] = {}
        # (team id, Monday's ordinal) -> product id -> that product's leads that week
        self._by_week: dict[tuple[str, int], dict[str, list[float]]] = {}
        self._weeks: dict[tuple[str, int], Gap] = {}
        self.gaps: list[Gap] = []
        self.buckets: dict[int, list[Gap]] = {}

    def update(self, plan: Plan, loads: dict[str, gaps.Loads]) -> list[Gap]:
        """The capacity gaps of ``plan`` given each product's weekly loads (by product id)."""
        key = (engine.calendar_key(plan), plan.teams)
        changed = key != self._key
        if changed:
            self._key, self._loads, self._by_week, self._weeks = key, {}, {}, {}
        weeks = self._index(loads)
        teams = gaps.capacity_teams(plan)
        for week in weeks if not changed else list(self._by_week):
            team = teams.get(week[0])
            gap = None
            if team is not None and week in self._by_week:
                leads = chain.from_iterable(self._by_week[week].values())
                gap = gaps.capacity_gap(plan, team, week[1], leads)
            if gap != self._weeks.get(week):
                changed = True
                if gap is None:
                    del self._weeks[week]
                else:
                    self._weeks[week] = gap
        if changed:
            self.gaps = [self._weeks[week] for week in sorted(self._weeks)]
            self.buckets = {}
            for g in self.gaps:
                self.buckets.setdefault(gaps.gap_bucket(g), []).append(g)
        return self.gaps

    def _index(self, loads: dict[str, gaps.Loads]) -> set[tuple[str, int]]:
        """Index the loads of the products whose loads are other objects than last time;
        returns the weeks they had or have."""
        weeks: set[tuple[str, int]] = set()
        for pid in {*loads, *self._loads}:
            before, after = self._loads.get(pid), loads.get(pid)
            if before is after or before == after:  # e.g. a rename: the same leads
                continue
            for week in before or ():
                weeks.add(week)
                del self._by_week[week][pid]
                if not self._by_week[week]:
                    del self._by_week[week]
            for week, leads in (after or {}).items():
                weeks.add(week)
                self._by_week.setdefault(week, {})[pid] = leads
        self._loads = loads
        return weeks


@dataclass
class _Cached:
    key: Any
    product: Product
    value: Any


def _same(a: Product, b: Product) -> bool:
    return a is b or a == b


#: results kept per product: the current one and the ones before (an undo brings a
#: product back as it was, and finds its schedule and gaps still here)
KEEP = 3


def _lookup(kept: list[_Cached], key: Any, product: Product) -> _Cached | None:
    """The kept result computed for ``product`` under ``key``, if any."""
    for cached in kept:
        if cached.key == key and _same(cached.product, product):
            return cached
    return None


def _keep(kept: list[_Cached] | None, cached: _Cached) -> list[_Cached]:
    """``cached`` first, then the others kept before it (at most KEEP in all)."""
    rest = [c for c in kept or () if c is not cached]
    return [cached, *rest[: KEEP - 1]]


def _other_objects(before: Mapping[str, object], after: Mapping[str, object]) -> bool:
    """Whether ``after`` holds other keys, or other objects, than ``before``."""
    return before.keys() != after.keys() or any(before[k] is not v for k, v in after.items())


def _product_schedule(
    plan: Plan, product: Product, kept: list[_Cached], key: Any
) -> engine.ProductSchedule:
    """The product's occurrences: when only names changed since its latest kept ones
    (a stage or touch renamed), those renamed (:func:`cadence.engine.renamed_schedule`);
    else the engine's."""
    if kept and kept[0].key == key:
        renamed = engine.renamed_schedule(kept[0].value, product)
        if renamed is not None:
            return renamed
    return engine.product_schedule(plan, product)


class Planner:
    """Keeps each product's schedule and gaps between updates. Not thread-safe."""

    def __init__(self) -> None:
        # Per product id, its latest results first (see KEEP).
        self._schedules: dict[str, list[_Cached]] = {}
        self._calendar: KeyedMerge[Occurrence] = KeyedMerge(group=engine.slot_day)
        self._skipped: KeyedMerge[Skipped] = KeyedMerge()
        self._gap_list: KeyedMerge[Gap] = KeyedMerge()
        self._leads: dict[str, _Cached] = {}
        self._gaps: dict[str, list[_Cached]] = {}
        self._broadcast_key: Any = None
        self._broadcast_dates: tuple[engine.BroadcastDate, ...] = ()
        # The broadcasts' schedule, with the key and the products' leads it was made of.
        self._sent: tuple[Any, dict[str, dict[int, float]], engine.BroadcastSchedule] | None = None
        self._capacity = CapacityWeeks()
        # Per product id: its current schedule and its teams' weeks (gaps.team_weeks).
        self._team_weeks: dict[str, tuple[engine.ProductSchedule, gaps.TeamWeeks]] = {}

    def team_weeks(self, team: str) -> dict[int, tuple[list[float], list[float]]]:
        """One team's weeks in the last updated plan (Monday's ordinal -> leads of its
        manual touches, leads of its automated ones; see :func:`cadence.gaps.team_weeks`),
        over every product. Each product's weeks are found once per schedule of it: after
        an edit, only the edited product's touches are walked."""
        out: dict[int, tuple[list[float], list[float]]] = {}
        kept: dict[str, tuple[engine.ProductSchedule, gaps.TeamWeeks]] = {}
        for pid, cached in self._schedules.items():
            piece = cached[0].value
            found = self._team_weeks.get(pid)
            if found is None or found[0] is not piece:
                found = (piece, gaps.team_weeks(piece.occurrences()))
            kept[pid] = found
            for monday, (manual, automated) in found[1].get(team, {}).items():
                week = out.setdefault(monday, ([], []))
                week[0].extend(manual)
                week[1].extend(automated)
        self._team_weeks = kept
        return out

    def update(self, plan: Plan, *, with_gaps: bool = True) -> Replan:
        """Re-plan ``plan``: its schedule and gaps (``with_gaps=False``: no checks, gaps empty)."""
        with gc_paused():
            return self._update(plan, with_gaps)

    def _update(self, plan: Plan, with_gaps: bool) -> Replan:
        if plan.end < plan.start:
            self._schedules, self._leads, self._gaps, self._sent = {}, {}, {}, None
            self._capacity = CapacityWeeks()
            return Replan(Schedule(()), ())
        products = sorted(plan.products, key=lambda p: p.id)
        pieces, rescheduled = self._product_schedules(plan, products)
        sent = self._broadcasts(plan, products)
        result = self._calendar_of(products, pieces, sent)
        if not with_gaps:
            return Replan(result, (), rescheduled)
        parts, rechecked = self._product_gaps(plan, products, pieces, sent)
        loads = {p.id: part.loads for p, part in zip(products, parts, strict=True)}
        capacity = self._capacity.update(plan, loads)
        return self._gap_result(result, products, parts, capacity, rescheduled, rechecked)

    def _product_schedules(
        self, plan: Plan, products: list[Product]
    ) -> tuple[list[engine.ProductSchedule], tuple[str, ...]]:
        """Each product's own occurrences (recomputed when it or the calendar changed)."""
        cal_key = engine.calendar_key(plan)
        rescheduled = {pid for pid in self._schedules if plan.product(pid) is None}
        schedules: dict[str, list[_Cached]] = {}
        for p in products:
            kept = self._schedules.get(p.id, [])
            cached = _lookup(kept, cal_key, p)
            if cached is None:
                cached = _Cached(cal_key, p, _product_schedule(plan, p, kept, cal_key))
            if not kept or cached is not kept[0]:
                rescheduled.add(p.id)
            schedules[p.id] = _keep(kept, cached)
        self._schedules = schedules
        return [schedules[p.id][0].value for p in products], tuple(sorted(rescheduled))

    def _broadcasts(self, plan: Plan, products: list[Product]) -> engine.BroadcastSchedule:
        """The broadcasts' occurrences; their leads sum over the products they reach."""
        b_key = (engine.calendar_key(plan), plan.broadcasts)
        if self._broadcast_key != b_key:
            self._broadcast_dates = engine.broadcast_dates(plan)
            self._broadcast_key = b_key
        dates = self._broadcast_dates
        leads: dict[str, _Cached] = {}
        for p in products:
            cached = self._leads.get(p.id)
            if cached is None or cached.key != b_key or not _same(cached.product, p):
                value = engine.leads_on(p, engine.broadcast_days(dates, p.id))
                if cached is not None and cached.key == b_key and cached.value == value:
                    value = cached.value  # e.g. a rename: the same leads, kept as they were
                cached = _Cached(b_key, p, value)
            leads[p.id] = cached
        values = {pid: c.value for pid, c in leads.items()}
        # Made again when the broadcasts, the calendar, the products' order (the order
        # of each sum) or any product's leads changed.
        key = (b_key, tuple(p.id for p in plan.products))
        kept = self._sent
        if kept is None or kept[0] != key or _other_objects(kept[1], values):
            kept = (key, values, engine.broadcast_schedule(plan, dates, values))
        self._leads, self._sent = leads, kept
        return kept[2]

    def _calendar_of(
        self,
        products: list[Product],
        pieces: list[engine.ProductSchedule],
        sent: engine.BroadcastSchedule,
    ) -> Schedule:
        """The schedule, merged from the pieces (in order when first read)."""
        ids = [p.id for p in products]
        sources = [("", sent.by_slot), *zip(ids, (piece.by_slot for piece in pieces), strict=True)]
        self._calendar.update(sources)
        count = len(sent.sent) + sum(piece.count for piece in pieces)
        skipped_sources = [
            ("", sent.skipped_by_slot),
            *zip(ids, (piece.skipped_by_slot for piece in pieces), strict=True),
        ]
        self._skipped.update(skipped_sources)
        skipped_count = sum(map(len, sent.skipped_by_slot.values()))
        skipped_count += sum(piece.skipped_count for piece in pieces)
        return Schedule(
            MergedEntries(self._calendar, sources, count),
            MergedEntries(self._skipped, skipped_sources, skipped_count),
        )

    def _product_gaps(
        self,
        plan: Plan,
        products: list[Product],
        pieces: list[engine.ProductSchedule],
        sent: engine.BroadcastSchedule,
    ) -> tuple[list[gaps.ProductGaps], tuple[str, ...]]:
        """Each product's gaps (recomputed when it, the calendar, the broadcasts, the
        rules, the teams or the content library changed)."""
        g_key = (engine.calendar_key(plan), plan.broadcasts, plan.rules, plan.teams, plan.content)
        checked: dict[str, list[_Cached]] = {}
        rechecked = []
        for p, piece in zip(products, pieces, strict=True):
            kept = self._gaps.get(p.id, [])
            cached = _lookup(kept, g_key, p)
            if cached is None:
                own = list(piece.occurrences())
                cached = _Cached(g_key, p, gaps.product_gaps(plan, p, own, sent.sent))
            if not kept or cached is not kept[0]:
                rechecked.append(p.id)
            checked[p.id] = _keep(kept, cached)
        self._gaps = checked
        return [checked[p.id][0].value for p in products], tuple(rechecked)

    def _gap_result(
        self,
        result: Schedule,
        products: list[Product],
        parts: list[gaps.ProductGaps],
        capacity: list[Gap],
        rescheduled: tuple[str, ...],
        rechecked: tuple[str, ...],
    ) -> Replan:
        """The gap list merged from the products' and the capacity gaps, with the counts."""
        ids = [p.id for p in products]
        sources: Sources[Gap] = [
            ("", self._capacity.buckets),
            *zip(ids, (part.buckets for part in parts), strict=True),
        ]
        self._gap_list.update(sources)
        by_product: dict[str | None, Sequence[Gap]] = {
            pid: part.gaps for pid, part in zip(ids, parts, strict=True) if part.gaps
        }
        if capacity:
            by_product[None] = capacity
        kinds = {"capacity": len(capacity)} if capacity else {}
        for part in parts:
            for kind, n in part.kinds.items():
                kinds[kind] = kinds.get(kind, 0) + n
        count = len(capacity) + sum(len(part.gaps) for part in parts)
        found = MergedEntries(self._gap_list, sources, count)
        return Replan(result, found, rescheduled, rechecked, by_product, kinds)
