"""Gap checks: where a plan lets a lead fall through the cracks.

``check(plan, schedule)`` returns every :class:`~cadence.model.Gap` of five
kinds — unowned, silence, handoff, spacing, capacity — sorted by start, kind,
product, cohort, stage, team. Pure: no I/O, no clock, no Qt. The exact rules
are in docs/scheduling.md.

The checks read each product's contacts in a compact table (:class:`Contacts`:
per intake cohort, one integer per contact whose order is the contacts' order,
see :func:`touch_contact`), which the engine fills while it schedules; a schedule made of
plain occurrence objects is first indexed into the same tables. The work is
split per product (:func:`product_gaps`) plus a cheap cross-product merge
(:func:`capacity_gaps`), so that :class:`cadence.engine.Planner` can re-check
only the products that changed.
"""

from __future__ import annotations

import gc
import math
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, time
from functools import lru_cache
from itertools import compress
from operator import sub
from typing import Any, Generic, TypeVar

from cadence.model import GAP_KINDS, Gap, Occurrence, Plan, Product, Schedule
from cadence.records import Records

__all__ = [
    "DAY_BITS",
    "DAY_MASK",
    "MAX_OCCURRENCES",
    "N_SHIFT",
    "BlockMerger",
    "BroadcastContacts",
    "CompactContacts",
    "Contacts",
    "GapTable",
    "HorizonDays",
    "Loads",
    "ProductGaps",
    "capacity_gaps",
    "check",
    "gap_bucket",
    "gap_records",
    "gap_sort_key",
    "gc_paused",
    "index_occurrences",
    "plan_wide_gaps",
    "product_gaps",
    "sort_gaps",
    "time_key",
    "too_many",
    "touch_contact",
]

# Weekly load of non-automated touches: (team id, ordinal of the ISO week's Monday) → leads.
Loads = dict[tuple[str, int], float]

# A contact is one integer; sorting a product's contacts sorts them by cohort, day
# and, within a day, by time and UID (the order the spacing check walks):
#
#     ((c << 23 | day) << B | n) << 24 | (1 << 24) - 1    touch occurrence n
#     ((c << 23 | day) << B | p) << 24 | i << 1           broadcast occurrence i,
#                                                          placed before touch p
#
# ``c`` is the cohort's index, ``day`` counts days from the plan's start; B is the
# bits of n (per product, see Contacts.n_bits), which keeps the integers small.
# The engine numbers a product's occurrences n in order of (time key, touch id,
# cohort, repeat), which within a day and cohort is the order of time and UID (see
# Contacts.exact); a broadcast's p is where its time and UID fall among the
# product's touches, and i its rank by (time, UID).
N_SHIFT = 24
_TOUCH_LOW = (1 << N_SHIFT) - 1
_B_MASK = (1 << (N_SHIFT - 1)) - 1
DAY_BITS = 23  # every date Python knows is within 1 << 22 days of any other
DAY_MASK = (1 << DAY_BITS) - 1
_CROSS = 1 << (DAY_BITS - 1)  # cohort days this far apart belong to two cohorts
MAX_N_BITS = 40
MAX_OCCURRENCES = 1 << MAX_N_BITS  # occurrence numbers per product
MAX_BROADCASTS = 1 << (N_SHIFT - 1)  # broadcast occurrences per horizon
_LOW = (1 << 32) - 1  # gap references: slot << 32 | index
PAIR = 1 << 31  # an index of a spacing pair (see GapTable)


def touch_contact(cohort: int, day: int, n: int, n_bits: int = MAX_N_BITS) -> int:
    """The contact integer of touch occurrence ``n`` of the cohort with index ``cohort``
    on ``day`` (an index in the horizon)."""
    return ((cohort << DAY_BITS | day) << n_bits | n) << N_SHIFT | _TOUCH_LOW


def too_many(what: str, count: int, limit: int) -> ValueError:
    """The error for more occurrences than the integer layout numbers (never in practice)."""
    return ValueError(f"{what}: {count} occurrences to number, at most {limit - 1}")


@dataclass(slots=True, eq=False)
class Contacts:
    """One product's touch occurrences inside the horizon, as the checks read them.

    ``packed`` holds the contacts (see :func:`touch_contact`; any order) of
    the product's cohorts (by index in intake order). Occurrence ``n`` has the UID
    ``uids[n]`` and is a send of touch ``n // divisor``, whose owner,
    name, time key and stage id are in the per-touch lists. ``weekly`` collects
    the expected leads of non-automated occurrences per (owner, Monday) for the loads.

    ``exact``: the numbering follows time and UID within a day and cohort, so
    sorting the integers is enough; otherwise a day's contacts are re-sorted by
    (time, UID). ``starts`` gives, in numbering order, (time key, first n) of
    each touch, to place the broadcasts among them. Every n is below
    ``end``, and ``end`` below ``1 << n_bits``.
    """

    product: Product
    packed: list[int]
    uids: dict[int, str]
    divisor: int
    owners: list[str]
    names: list[str]
    time_keys: list[int]
    stages: list[str | None]
    weekly: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    exact: bool = False
    starts: list[tuple[int, int]] = field(default_factory=list)
    n_bits: int = MAX_N_BITS
    end: int = 0

    @property
    def day_shift(self) -> int:
        return N_SHIFT + self.n_bits

    @property
    def n_mask(self) -> int:
        return (1 << self.n_bits) - 1

    def loads(self) -> Loads:
        return {k: math.fsum(v) for k, v in self.weekly.items()}


@dataclass(slots=True, eq=False)
class BroadcastContacts:
    """The sent broadcast occurrences inside the horizon, in order of time and UID.

    ``reach[i]`` is the product ids occurrence ``i`` reaches (None: all);
    ``days[i]`` its day as an index in the horizon.
    """

    days: list[int] = field(default_factory=list)
    reach: list[tuple[str, ...] | None] = field(default_factory=list)
    uids: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    time_keys: list[int] = field(default_factory=list)

    @classmethod
    def of(
        cls, sent: Iterable[tuple[int, Occurrence, tuple[str, ...] | None]]
    ) -> BroadcastContacts:
        """From (day, occurrence, products reached) triples; raises ValueError when too many."""
        table = cls()
        for day, o, reach in sorted(sent, key=lambda s: (time_key(s[1].time), s[1].uid)):
            table.days.append(day)
            table.reach.append(reach)
            table.uids.append(o.uid)
            table.owners.append(o.owner)
            table.names.append(o.name)
            table.time_keys.append(time_key(o.time))
        if len(table.uids) >= MAX_BROADCASTS:
            raise too_many("the plan's broadcasts", len(table.uids), MAX_BROADCASTS)
        return table

    def for_product(self, contacts: Contacts) -> tuple[list[int], bool]:
        """The contacts of the broadcasts reaching a product (for cohort 0), sorted; and
        whether they are placed exactly among its touches (False: a day's contacts
        need re-sorting)."""
        pid = contacts.product.id
        # Touch UIDs read "<plan>.<product>.…", broadcast UIDs "<plan>.broadcast.…":
        # at an equal time, the first differing character decides.
        mine, theirs = f"{pid}.", "broadcast."
        exact = not (mine.startswith(theirs) or theirs.startswith(mine))
        before = theirs < mine
        starts, total, n_bits = contacts.starts, contacts.end, contacts.n_bits
        place: dict[int, int] = {}  # time key → p
        out = []
        for i, reach in enumerate(self.reach):
            if reach is not None and pid not in reach:
                continue
            tk = self.time_keys[i]
            p = place.get(tk)
            if p is None:
                p = place[tk] = next(
                    (n for t, n in starts if t > tk or (t == tk and before)), total
                )
            out.append((self.days[i] << n_bits | p) << N_SHIFT | i << 1)  # cohort 0
        out.sort()
        return out, exact


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
    """One source's gaps: a product's (slot ≥ 1) or the plan-wide ones (slot 0).

    ``buckets`` maps :func:`gap_bucket` keys to references ``slot << 32 | i``
    into ``table``, in report order; ``loads`` are the product's weekly loads.
    """

    product: str
    slot: int
    buckets: dict[int, list[int]]
    loads: Loads
    table: GapTable

    @property
    def gaps(self) -> list[Gap]:
        return [self.table.gap(r & _LOW) for key in sorted(self.buckets) for r in self.buckets[key]]


def check(plan: Plan, schedule: Schedule) -> Sequence[Gap]:
    """Every gap of ``plan`` given its ``schedule`` (as returned by ``engine.schedule``).

    The result is an immutable sequence (``==`` to the list of the same gaps);
    spacing gaps, often tens of thousands, are built when read.
    """
    with gc_paused():
        return _check(plan, schedule)


def _check(plan: Plan, schedule: Schedule) -> Records[Gap]:
    compact = getattr(schedule.touches, "compact", None)
    key = (plan.id, plan.start, plan.end, plan.calendar, plan.broadcasts)
    if not (
        isinstance(compact, CompactContacts)
        and compact.key == key
        and all(_same(compact.products.get(p.id), p) for p in plan.products)
    ):
        compact = index_occurrences(plan, schedule.touches)
    horizon = HorizonDays.of(plan)
    # Products in id order (slots 1, 2, …) append straight into the shared buckets:
    # within a bucket (start, kind) that is the report order; the capacity gaps
    # (slot 0) have buckets of their own.
    buckets: dict[int, list[int]] = {}
    spacing_days: list[list[int]] = [[] for _ in horizon.dates]
    tables: dict[int, GapTable] = {}
    loads = []
    for slot, p in enumerate(sorted(plan.products, key=lambda p: p.id), 1):
        contacts = compact.products[p.id]
        checker = _ProductChecker(plan, contacts, compact.broadcasts, horizon)
        tables[slot] = checker.run(slot, buckets, spacing_days)
        loads.append(contacts.loads())
    buckets.update(spacing_buckets(plan, spacing_days))
    wide = plan_wide_gaps(plan, loads)
    tables[0] = wide.table
    buckets.update(wide.buckets)
    refs: list[int] = []
    for start_kind in sorted(buckets):
        refs += buckets[start_kind]
    return gap_records(refs, tables)


def _same(contacts: Contacts | None, product: Product) -> bool:
    return contacts is not None and (contacts.product is product or contacts.product == product)


def index_occurrences(plan: Plan, occurrences: Iterable[Occurrence]) -> CompactContacts:
    """The contact tables of any sequence of occurrences (for example a hand-made schedule).

    Touches of unknown products, and days outside the horizon, are left out;
    touches of cohorts a product does not have count only for the loads.
    Raises ValueError when a product has more occurrences than the tables hold.
    """
    origin, last = plan.start.toordinal(), plan.end.toordinal() - plan.start.toordinal()
    tables: dict[str, Contacts] = {}
    cohort_index: dict[str, dict[date, int]] = {}
    for p in plan.products:
        intake = p.cohorts.intake_dates()
        cohort_index[p.id] = {d: i for i, d in enumerate(intake)}
        tables[p.id] = Contacts(p, [], {}, 1, [], [], [], [])
    by_id = {b.id: b for b in plan.broadcasts}
    sent: list[tuple[int, Occurrence, tuple[str, ...] | None]] = []
    for o in occurrences:
        day = o.date.toordinal() - origin
        if day < 0 or day > last:
            continue
        if o.product is None:
            b = by_id.get(o.touch)
            if o.kind == "broadcast" and b is not None:
                sent.append((day, o, b.products))
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
        if n + 1 >= MAX_OCCURRENCES:
            raise too_many(f"product {o.product!r}", n + 1, MAX_OCCURRENCES)
        table.packed.append(touch_contact(ci, day, n))  # n_bits: the widest
        table.uids[n] = o.uid
        table.end = n + 1
        table.owners.append(o.owner)
        table.names.append(o.name)
        table.time_keys.append(time_key(o.time))
        table.stages.append(o.stage)
    key = (plan.id, plan.start, plan.end, plan.calendar, plan.broadcasts)
    return CompactContacts(key, tables, BroadcastContacts.of(sent))


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

    Each source (a product's id or slot; "" or 0 for plan-wide entries) gives
    its entries as ``{key: [entries in order]}``. The merged order is: key,
    then source, then the source's own order. Within a key one source's entries are
    contiguous, so replacing a source bisects for its block instead of
    re-sorting everything: re-planning one product touches only its keys.
    """

    def __init__(self, source_of: Callable[[T], Any]) -> None:
        self._source_of = source_of
        self.by_key: dict[int, list[T]] = {}

    def build(self, sources: Iterable[tuple[Any, Mapping[int, Sequence[T]]]]) -> None:
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
        source: Any,
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


_KIND_RANK = {kind: rank for rank, kind in enumerate(sorted(GAP_KINDS))}


def gap_bucket(g: Gap) -> int:
    """Merge key of a gap: its start, then its kind (the first two sort fields)."""
    return g.start.toordinal() * 8 + _KIND_RANK[g.kind]


def gap_sort_key(g: Gap) -> tuple[Any, ...]:
    """Report order: start, kind, product, cohort, stage, team, then end.

    Gaps still tied are spacing pairs of one cohort on one day: ``check`` lists
    them in the order of their contacts (date, time, UID of the earlier one).
    """
    return (
        g.start,
        g.kind,
        g.product or "",
        g.cohort or date.min,
        g.stage or "",
        g.team or "",
        g.end,
    )


def sort_gaps(found: Iterable[Gap]) -> list[Gap]:
    """Gaps in report order (see :func:`gap_sort_key`); a stable sort keeps tied gaps' order."""
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
    """Date objects and ISO texts of every day from ``start`` to ``end``, made once.

    ``HorizonDays.of(plan)`` shares one per horizon between calls.
    """

    def __init__(self, start: date, end: date) -> None:
        self.start = start.toordinal()
        count = max(0, end.toordinal() - self.start + 1)
        self.dates = [date.fromordinal(self.start + i) for i in range(count)]
        self.texts = [d.isoformat() for d in self.dates]

    @staticmethod
    def of(plan: Plan) -> HorizonDays:
        return _horizon_days(plan.start, plan.end)

    @staticmethod
    def of_days(start: date, end: date) -> HorizonDays:
        return _horizon_days(start, end)


@lru_cache(maxsize=16)
def _horizon_days(start: date, end: date) -> HorizonDays:
    return HorizonDays(start, end)


class GapTable:
    """One source's gaps (a product's, or the plan-wide ones), each built when first read.

    ``entries[i]`` is a :class:`Gap`, or an integer for an unowned run (see
    ``_ProductChecker.unowned_gap``). Index ``PAIR | m`` names the m-th spacing
    pair of the checker. Both are built into a Gap the first time they are
    read: there can be tens of thousands, and most are never looked at one by one.
    """

    __slots__ = ("entries", "_checker", "_pairs")

    def __init__(self, entries: list[Gap | int], checker: _ProductChecker | None = None) -> None:
        self.entries = entries
        self._checker = checker
        self._pairs: dict[int, Gap] = {}

    def gap(self, i: int) -> Gap:
        if i & PAIR:
            found = self._pairs.get(i)
            if found is None:
                assert self._checker is not None
                found = self._pairs[i] = self._checker.pair_gap(i ^ PAIR)
            return found
        entry = self.entries[i]
        if isinstance(entry, int):
            assert self._checker is not None
            entry = self.entries[i] = self._checker.unowned_gap(entry)
        return entry


class _GapView:
    """Resolves gap references ``slot << 32 | i`` against the tables of one check."""

    __slots__ = ("tables",)

    def __init__(self, tables: Mapping[int, GapTable]) -> None:
        self.tables = tables

    def gap(self, ref: int) -> Gap:
        return self.tables[ref >> 32].gap(ref & _LOW)


def gap_records(refs: Sequence[int], tables: Mapping[int, GapTable]) -> Records[Gap]:
    """The gaps that ``refs`` (``slot << 32 | index``) name in ``tables`` (by slot), in order."""
    return Records(refs, _GapView(tables).gap)


def product_gaps(
    plan: Plan,
    contacts: Contacts,
    broadcasts: BroadcastContacts,
    horizon: HorizonDays | None = None,
    slot: int = 1,
) -> ProductGaps:
    """The unowned, silence, handoff and spacing gaps of one product, and its weekly loads.

    ``contacts`` is the product's table (the engine's, or :func:`index_occurrences`'),
    ``broadcasts`` the plan's sent broadcasts. The buckets hold references
    ``slot << 32 | i`` into the returned table. The loads feed
    :func:`capacity_gaps`. ``horizon`` may be shared between the products of one plan.
    """
    buckets: dict[int, list[int]] = {}
    checker = _ProductChecker(plan, contacts, broadcasts, horizon or HorizonDays.of(plan))
    table = checker.run(slot, buckets)
    return ProductGaps(contacts.product.id, slot, buckets, contacts.loads(), table)


def plan_wide_gaps(plan: Plan, loads: Iterable[Loads]) -> ProductGaps:
    """The capacity gaps as a source of slot 0 (see :func:`product_gaps`)."""
    found = capacity_gaps(plan, loads)
    buckets: dict[int, list[int]] = {}
    for i, g in enumerate(found):  # already in report order
        buckets.setdefault(gap_bucket(g), []).append(i)
    return ProductGaps("", 0, buckets, {}, GapTable(list(found)))


def spacing_buckets(plan: Plan, spacing_days: list[list[int]]) -> dict[int, list[int]]:
    """Spacing gap references by start day (index in the horizon) as :func:`gap_bucket` keys."""
    key = plan.start.toordinal() * 8 + _KIND_RANK["spacing"]
    return {key + day * 8: refs for day, refs in enumerate(spacing_days) if refs}


class _ProductChecker:
    """The unowned, silence, handoff and spacing checks of one product.

    The product's contacts are sorted once for all its cohorts (see
    :func:`touch_contact`); cohort ``c``'s contacts on day ``d`` then have the
    "cohort day" ``c << DAY_BITS | d``, which steps by at least ``1 << 22``
    from one cohort to the next, so day differences never mix cohorts.
    """

    def __init__(
        self,
        plan: Plan,
        contacts: Contacts,
        broadcasts: BroadcastContacts,
        horizon: HorizonDays,
    ) -> None:
        product = self.product = contacts.product
        self.plan = plan
        self.contacts = contacts
        self.broadcasts = broadcasts
        self.horizon = horizon
        self.journey = _Journey(product)
        self.intake = product.cohorts.intake_dates()
        self.origin = plan.start.toordinal()
        self.firsts = [d.toordinal() - self.origin for d in self.intake]
        rules = plan.rules
        self.spacing = rules.min_spacing_days or None  # 0 flags nothing
        if self.spacing is not None:
            self.apart_text = [
                f"{_days(n)} apart; minimum {_days(self.spacing)}" for n in range(self.spacing)
            ]
        # The stage id of each day offset of the journey.
        self.stage_id_at = [product.stages[k].id for k in self.journey.stage_at]
        self.day_shift, self.n_mask = contacts.day_shift, contacts.n_mask
        # The bits of a contact below its cohort index.
        self.width = self.day_shift + DAY_BITS
        # After run(): the product's contacts in order, and the spacing pairs (the
        # index of the later contact of each).
        self.order: list[int] = []
        self.pairs: list[int] = []
        self.outside: list[int] = []  # cohorts with a contact outside their journey

    # -- what a contact is ---------------------------------------------------------

    def name_of(self, x: int) -> str:
        if x & 1:
            c = self.contacts
            return c.names[((x >> N_SHIFT) & self.n_mask) // c.divisor]
        return self.broadcasts.names[(x >> 1) & _B_MASK]

    def uid_of(self, x: int) -> str:
        if x & 1:
            return self.contacts.uids[(x >> N_SHIFT) & self.n_mask]
        return self.broadcasts.uids[(x >> 1) & _B_MASK]

    def tie_key(self, x: int) -> tuple[int, str]:
        """(time key, UID) of a contact: its place among the contacts of one day."""
        if x & 1:
            c = self.contacts
            n = (x >> N_SHIFT) & self.n_mask
            return c.time_keys[n // c.divisor], c.uids[n]
        i = (x >> 1) & _B_MASK
        return self.broadcasts.time_keys[i], self.broadcasts.uids[i]

    def stage_of_pair(self, later: int) -> str | None:
        """The stage of a spacing pair: the cohort's on the later contact's date."""
        cohort_day = later >> self.day_shift
        offset = (cohort_day & DAY_MASK) - self.firsts[cohort_day >> DAY_BITS]
        if 0 <= offset < self.journey.cycle:
            return self.stage_id_at[offset]
        if not later & 1:
            return None
        c = self.contacts  # a touch rolled past its journey's end
        return c.stages[((later >> N_SHIFT) & self.n_mask) // c.divisor]

    # -- gaps built when read --------------------------------------------------------

    def pair_gap(self, m: int) -> Gap:
        """The m-th spacing pair: contacts ``order[i - 1]`` and ``order[i]``, i = pairs[m]."""
        i = self.pairs[m]
        x0, x1 = self.order[i - 1], self.order[i]
        width = self.width
        d0, d1 = (x0 >> self.day_shift) & DAY_MASK, (x1 >> self.day_shift) & DAY_MASK
        texts = self.horizon.texts
        return _make_gap(
            "spacing",
            self.product.id,
            self.intake[x0 >> width],
            self.stage_of_pair(x1),
            None,
            self.horizon.dates[d0],
            self.horizon.dates[d1],
            f'"{self.name_of(x0)}" ({texts[d0]}) and "{self.name_of(x1)}"'
            f" ({texts[d1]}) are {self.apart_text[d1 - d0]}",
            None,
            None,
            (self.uid_of(x0), self.uid_of(x1)),
        )

    def unowned_gap(self, entry: int) -> Gap:
        """The Gap of an unowned run ``-1 - ((cohort << 23 | first day) << 23 | last day)``."""
        packed = -1 - entry
        r1, r0, ci = packed & DAY_MASK, (packed >> DAY_BITS) & DAY_MASK, packed >> 2 * DAY_BITS
        first = self.firsts[ci]
        stage_at, stages = self.journey.stage_at, self.product.stages
        k0, k1 = stage_at[r0 - first], stage_at[r1 - first]
        texts = self.horizon.texts
        return _make_gap(
            "unowned",
            self.product.id,
            self.intake[ci],
            stages[k0].id,
            None,
            self.horizon.dates[r0],
            self.horizon.dates[r1],
            f"no team owns the lead in {_quoted(s.name for s in stages[k0 : k1 + 1])}"
            f" for {_days(r1 - r0 + 1)} ({texts[r0]} to {texts[r1]})",
        )

    # -- the checks -----------------------------------------------------------------

    def run(
        self,
        slot: int,
        buckets: dict[int, list[int]],
        spacing_days: list[list[int]] | None = None,
    ) -> GapTable:
        """Append the product's gaps to ``buckets`` (key: :func:`gap_bucket`) as references.

        Cohorts are visited in date order, so each bucket receives its gaps in
        report order; spacing pairs of one cohort that start on one day are
        ordered by stage and end where they arise. Spacing gaps go to
        ``spacing_days[start day]`` when given (see :func:`spacing_buckets`),
        else to ``buckets``.
        """
        plan, product, journey = self.plan, self.product, self.journey
        rules = plan.rules
        origin = self.origin
        last = plan.end.toordinal() - origin  # days are indexes in the horizon: 0 … last
        dates, texts = self.horizon.dates, self.horizon.texts
        team_names = {t.id: t.name for t in plan.teams}
        stages = product.stages
        stage_at = journey.stage_at
        cycle = journey.cycle
        spacing = self.spacing
        sla = rules.handoff_sla_days
        pid = product.id
        make = _make_gap
        # The shortest silence any stage allows: shorter runs need no closer look.
        allowed_by_stage = [
            s.max_silence_days if s.max_silence_days is not None else rules.max_silence_days
            for s in stages
        ]
        allowed_known = [x for x in allowed_by_stage if x is not None]
        quiet = min(allowed_known) + 1 if allowed_known else None  # a longer step is silence

        contacts = self.contacts
        divisor, owners = contacts.divisor, contacts.owners
        b_owners = self.broadcasts.owners
        b_packed, exact = self.broadcasts.for_product(contacts)
        exact = exact and contacts.exact
        day_shift, n_mask = self.day_shift, self.n_mask
        b_days = [x >> day_shift for x in b_packed]  # cohort 0: the day

        entries: list[Gap | int] = []
        add = entries.append
        ref = slot << 32
        # Bucket keys are gap_bucket's: (ordinal of the start) * 8 + rank of the kind.
        unowned_key = origin * 8 + _KIND_RANK["unowned"]
        silence_key = origin * 8 + _KIND_RANK["silence"]
        handoff_key = origin * 8 + _KIND_RANK["handoff"]

        # Every contact of every cohort, in order (broadcasts: one copy per cohort
        # whose journey has their day).
        order = contacts.packed.copy()
        if b_packed:
            cohort_shift = DAY_BITS + day_shift
            for ci, first in enumerate(self.firsts):
                lo = bisect_left(b_days, first)
                hi = bisect_left(b_days, first + cycle, lo)
                if lo < hi:
                    bits = ci << cohort_shift
                    order += [x | bits for x in b_packed[lo:hi]]
        order.sort()
        cdays = [x >> day_shift for x in order]  # cohort day: c << DAY_BITS | day
        self.outside = []  # cohorts with a contact outside their journey
        steps = list(map(sub, cdays[1:], cdays))  # steps[i - 1]: cdays[i] - cdays[i - 1]
        count = len(order)
        handoffs = [(k, journey.starts[k], stages[k].owner) for k in journey.handoffs]
        unchecked = []  # cohorts whose journey misses the horizon (touches may roll into it)
        intake, unowned_runs, outside = self.intake, journey.unowned, self.outside
        for ci, first in enumerate(self.firsts):
            a = first if first > 0 else 0
            b = first + cycle - 1
            if b > last:
                b = last
            if a > b:
                unchecked.append(ci)
                continue
            cohort = intake[ci]
            cbase = ci << DAY_BITS
            if spacing is not None:  # a contact before or after the journey (for ties)?
                at = bisect_left(cdays, cbase)
                beyond = bisect_left(cdays, cbase + first + cycle, at)
                if (at < count and cdays[at] < cbase + first) or (
                    beyond < count and cdays[beyond] < cbase + _CROSS
                ):
                    outside.append(ci)

            for off0, off1 in unowned_runs:
                r0, r1 = first + off0, first + off1
                if r0 < a:
                    r0 = a
                if r1 > b:
                    r1 = b
                if r0 <= r1:
                    buckets.setdefault(unowned_key + r0 * 8, []).append(ref | len(entries))
                    add(-1 - ((ci << DAY_BITS | r0) << DAY_BITS | r1))

            if quiet is not None:
                # Silent runs: before the first contact in [a, b], between two, after the last.
                lo = bisect_left(cdays, cbase + a)
                hi = bisect_right(cdays, cbase + b, lo)
                runs: list[tuple[int, int]] = []  # only those at least `quiet` days long
                if lo == hi:
                    if b - a >= quiet - 1:
                        runs.append((a, b))
                else:
                    head = cdays[lo] - cbase - 1
                    if head - a >= quiet - 1:
                        runs.append((a, head))
                    inner = steps[lo : hi - 1]  # between the contacts lo … hi - 1
                    if inner and max(inner) > quiet:
                        for i in compress(range(lo + 1, hi), map(quiet.__lt__, inner)):
                            runs.append((cdays[i - 1] - cbase + 1, cdays[i] - cbase - 1))
                    tail = cdays[hi - 1] - cbase + 1
                    if b - tail >= quiet - 1:
                        runs.append((tail, b))
                for r0, r1 in runs:
                    length = r1 - r0 + 1
                    k = stage_at[r0 - first]
                    allowed = allowed_by_stage[k]
                    if allowed is None or length <= allowed:
                        continue
                    stage = stages[k]
                    buckets.setdefault(silence_key + r0 * 8, []).append(ref | len(entries))
                    add(
                        make(
                            "silence",
                            pid,
                            cohort,
                            stage.id,
                            stage.owner,
                            dates[r0],
                            dates[r1],
                            f"no contact for {_days(length)} ({texts[r0]} to {texts[r1]})"
                            f' from "{stage.name}"; allowed {allowed}',
                        )
                    )

            if sla is not None:
                for k, offset, owner in handoffs:
                    d0 = first + offset
                    if d0 < 0 or d0 > last:
                        continue
                    d1 = min(d0 + sla, last)
                    # Any contact by the new owner from d0 to d1?
                    i, end = bisect_left(cdays, cbase + d0), cbase + d1
                    while i < count and cdays[i] <= end:
                        x = order[i]
                        if x & 1:
                            if owners[((x >> N_SHIFT) & n_mask) // divisor] == owner:
                                break
                        elif b_owners[(x >> 1) & _B_MASK] == owner:
                            break
                        i += 1
                    else:
                        team = team_names.get(owner or "", owner)
                        buckets.setdefault(handoff_key + d0 * 8, []).append(ref | len(entries))
                        add(
                            make(
                                "handoff",
                                pid,
                                cohort,
                                stages[k].id,
                                owner,
                                dates[d0],
                                dates[d1],
                                f'hand-off to {team} at "{stages[k].name}": no contact by'
                                f" {team} from {texts[d0]} to {texts[d1]} (within {_days(sla)})",
                            )
                        )

        if spacing is not None and len(order) > 1:
            close = [i for i, step in enumerate(steps, 1) if step < spacing]
            for ci in unchecked:  # their contacts make no pairs
                lo = bisect_left(cdays, ci << DAY_BITS)
                hi = bisect_left(cdays, (ci + 1) << DAY_BITS, lo)
                del close[bisect_right(close, lo) : bisect_left(close, hi)]
            # Contacts t - 1 and t on one day (such pairs are all close).
            ties = [t for t in close if not steps[t - 1]]
            if ties:
                if not exact:
                    self._sort_days(order, ties)
                self._order_pairs(close, ties, steps, order, cdays)
            own_days = spacing_days is None
            if spacing_days is None:
                spacing_days = [[] for _ in range(last + 1)]
            self.order, self.pairs = order, close
            first_ref = ref | PAIR
            deque(
                map(
                    list.append,
                    [spacing_days[cdays[i - 1] & DAY_MASK] for i in close],
                    range(first_ref, first_ref + len(close)),
                ),
                maxlen=0,
            )
            if own_days:
                buckets.update(spacing_buckets(plan, spacing_days))
        return GapTable(entries, self)

    def _sort_days(self, order: list[int], ties: list[int]) -> None:
        """Put each run of contacts on one day in order of time and UID (in place)."""
        t = 0
        while t < len(ties):
            lo = ties[t] - 1  # one run of equal days covers order[lo:hi]
            while t + 1 < len(ties) and ties[t + 1] == ties[t] + 1:
                t += 1
            hi = ties[t] + 1
            t += 1
            order[lo:hi] = sorted(order[lo:hi], key=self.tie_key)

    def _order_pairs(
        self,
        close: list[int],
        ties: list[int],
        steps: list[int],
        order: list[int],
        cdays: list[int],
    ) -> None:
        """Order the spacing pairs that start on one day by stage, then end (in place).

        Pairs starting on one day are consecutive contacts c1 … ck on that day and
        perhaps ck with a later contact; they are already in contact order, and
        in one stage unless the later contact lies in another stage or the day
        is outside the journey (a touch rolled past its end): only those groups
        are sorted (stably, so contact order breaks the remaining ties).
        """
        cycle, stage_at, spacing = self.journey.cycle, self.journey.stage_at, self.spacing
        assert spacing is not None
        count = len(order)
        firsts = self.firsts
        # Ties followed by a close contact on a later day (the last pair of a group).
        later = [t for t in ties if t + 1 < count and 0 < steps[t] < spacing]
        regroup = set()  # cohort days whose pairs need sorting
        for t in later:
            cd = cdays[t]
            first = firsts[cd >> DAY_BITS]
            off0, off1 = (cd & DAY_MASK) - first, (cdays[t + 1] & DAY_MASK) - first
            if not (0 <= off0 < cycle and off1 < cycle and stage_at[off1] == stage_at[off0]):
                regroup.add(cd)
        # Ties outside their cohort's journey (touches rolled past its ends, rare).
        cday_of = cdays.__getitem__
        for ci in self.outside:
            lo = bisect_left(ties, ci << DAY_BITS, key=cday_of)
            hi = bisect_left(ties, (ci + 1) << DAY_BITS, lo, key=cday_of)
            first = firsts[ci]
            for t in ties[lo:hi]:
                if not 0 <= (cdays[t] & DAY_MASK) - first < cycle:
                    regroup.add(cdays[t])
        if not regroup:
            return
        starts = [cdays[i - 1] for i in close]
        for cd in regroup:
            lo, hi = bisect_left(starts, cd), bisect_right(starts, cd)
            close[lo:hi] = sorted(
                close[lo:hi], key=lambda i: (self.stage_of_pair(order[i]) or "", cdays[i])
            )


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
