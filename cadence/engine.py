"""The scheduling engine: from a plan to the dated calendar of nurture touches.

``schedule(plan)`` expands every product's intake cohorts × stages × touches
(and the broadcasts' RRULEs) into dated :class:`~cadence.model.Occurrence`
objects, rolls non-working days by each touch's policy and keeps what lands in
the plan's horizon. It is a pure function: no I/O, no clock, no Qt.

:class:`Planner` gives the same results incrementally: it caches each
product's occurrences (and gaps) by the product object plus the plan-level
inputs they depend on, so re-planning after an edit recomputes only the
products that changed. The exact semantics are in docs/scheduling.md.

Hot loops work on proleptic ordinals and precomputed tables; dates, UID
pieces and the per-touch constant fields are prepared once outside them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from typing import Any

from dateutil.rrule import rrule, rruleset, rrulestr

from cadence import gaps as checks
from cadence.calendar import WorkingDays
from cadence.gaps import BlockMerger, ProductGaps, gc_paused
from cadence.model import (
    Broadcast,
    Gap,
    Occurrence,
    Plan,
    Product,
    Schedule,
    Skipped,
    broadcast_uid,
)

__all__ = [
    "Planner",
    "Replan",
    "expand_rrule",
    "occurrence_sort_key",
    "schedule",
    "time_key",
]

# Sort key of an entry within the calendar: ordinal * _DAY_KEY + time_key(time).
_DAY_KEY = 100_000


def time_key(t: time | None) -> int:
    """Order of a time of day within its date: all-day (None) first, then by the clock."""
    if t is None:
        return 0
    return 1 + t.hour * 3600 + t.minute * 60 + t.second


def occurrence_sort_key(o: Occurrence) -> tuple[Any, ...]:
    """The engine's output order: date, time (all-day first), product, touch, cohort.

    Broadcasts (product None) come before the products' touches at the same date
    and time; the repeat index breaks the last ties.
    """
    return (
        o.date,
        time_key(o.time),
        o.product or "",
        o.touch,
        o.cohort or date.min,
        o.repeat,
    )


def _skipped_sort_key(s: Skipped) -> tuple[Any, ...]:
    return (s.nominal, time_key(s.time), s.product or "", s.touch, s.cohort or date.min, s.repeat)


# --- RRULEs -------------------------------------------------------------------


def expand_rrule(rule: str, dtstart: date) -> Iterator[date]:
    """The dates dateutil's rrule yields for ``rule`` from ``dtstart``, in order.

    A dtstart that does not match the rule is not an occurrence (dateutil's
    behaviour). An ``UNTIL`` given in UTC (``…Z``) is accepted: dateutil needs an
    aware dtstart then, so the rule is re-read from midnight UTC.
    """
    for moment in parse_rrule(rule, dtstart):
        yield moment.date()


def parse_rrule(rule: str, dtstart: date) -> rrule | rruleset:
    """Read an RRULE from midnight of ``dtstart``; raises ValueError for a bad rule.

    An ``UNTIL`` in UTC (``…Z``) needs an aware dtstart in dateutil, so such a
    rule is re-read from midnight UTC. Validation uses this too: one reading.
    """
    text = rule.strip()
    start = datetime.combine(dtstart, time())
    try:
        return rrulestr(text, dtstart=start)
    except ValueError:
        try:
            return rrulestr(text, dtstart=start.replace(tzinfo=UTC))
        except ValueError:
            pass
        raise


# --- fast Occurrence construction ---------------------------------------------

_OCCURRENCE_FIELDS = tuple(f.name for f in fields(Occurrence))


class _OccurrenceDraft:
    """Same slots as Occurrence, but plain (not frozen) attribute stores.

    Why: schedule() builds 100 k+ occurrences and the frozen dataclass
    ``__init__`` sets every field through ``object.__setattr__`` (about 4× the
    cost). A draft is filled with plain stores and then re-labelled as an
    Occurrence; CPython only allows that when both layouts are identical, and
    :func:`_pick_factory` checks it once at import, falling back to
    the real constructor otherwise.
    """

    __slots__ = _OCCURRENCE_FIELDS

    def __init__(
        self,
        uid: str,
        date_: date,
        time_: time | None,
        product: str | None,
        cohort: date | None,
        stage: str | None,
        touch: str,
        name: str,
        channel: str,
        owner: str,
        automated: bool,
        leads: float,
        nominal: date,
        repeat: int,
        kind: str,
        end: date | None,
    ) -> None:
        self.uid = uid
        self.date = date_
        self.time = time_
        self.product = product
        self.cohort = cohort
        self.stage = stage
        self.touch = touch
        self.name = name
        self.channel = channel
        self.owner = owner
        self.automated = automated
        self.leads = leads
        self.nominal = nominal
        self.repeat = repeat
        self.kind = kind
        self.end = end
        self.__class__ = Occurrence  # type: ignore[assignment]


class _SkippedDraft:
    """The same trick for :class:`~cadence.model.Skipped` (thousands per large plan)."""

    __slots__ = tuple(f.name for f in fields(Skipped))

    def __init__(
        self,
        uid: str,
        nominal: date,
        time_: time | None,
        product: str | None,
        cohort: date | None,
        stage: str | None,
        touch: str,
        name: str,
        channel: str,
        owner: str,
        automated: bool,
        leads: float,
        reason: str,
        repeat: int = 0,
        kind: str = "touch",
    ) -> None:
        self.uid = uid
        self.nominal = nominal
        self.time = time_
        self.product = product
        self.cohort = cohort
        self.stage = stage
        self.touch = touch
        self.name = name
        self.channel = channel
        self.owner = owner
        self.automated = automated
        self.leads = leads
        self.reason = reason
        self.repeat = repeat
        self.kind = kind
        self.__class__ = Skipped  # type: ignore[assignment]


def _pick_factory(draft: Callable[..., Any], real: type, sample: tuple[Any, ...]) -> Any:
    """``draft`` when it builds objects equal to ``real(*sample)``, else ``real``."""
    try:
        fast = draft(*sample)
    except TypeError:  # layouts differ (the model changed): use the real constructor
        return real
    if type(fast) is real and fast == real(*sample):
        return draft
    return real


_make_occurrence: Callable[..., Occurrence] = _pick_factory(
    _OccurrenceDraft,
    Occurrence,
    (
        "u",
        date(2027, 1, 4),
        time(9, 30),
        "p",
        date(2027, 1, 4),
        "s",
        "t",
        "n",
        "email",
        "mkt",
        True,
        1.5,
        date(2027, 1, 3),
        2,
        "touch",
        None,
    ),
)
_make_skipped: Callable[..., Skipped] = _pick_factory(
    _SkippedDraft,
    Skipped,
    (
        "u",
        date(2027, 1, 2),
        time(9, 30),
        "p",
        date(2027, 1, 4),
        "s",
        "t",
        "n",
        "email",
        "mkt",
        False,
        1.5,
        "weekend",
        2,
        "touch",
    ),
)


# --- plan-level context ---------------------------------------------------------


class _Calendar:
    """Working-day tables for one (plan id, horizon, calendar), in ordinals."""

    def __init__(self, plan: Plan) -> None:
        self.plan_id = plan.id
        self.start = plan.start.toordinal()
        self.end = plan.end.toordinal()
        self.workdays = WorkingDays(plan.calendar, plan.start, plan.end)
        self.default_roll = plan.calendar.roll
        self.base = base = self.workdays.first.toordinal()
        size = self.workdays.last.toordinal() - base + 1
        self.dates = [date.fromordinal(base + i) for i in range(size)]
        roll = self.workdays.roll_ordinal
        # roll[policy][ordinal - base]: where a nominal date lands; -1 = nowhere (skip).
        self.roll: dict[str, list[int]] = {}
        # bounds[policy]: the nominal ordinals that matter: their roll lands in the
        # horizon (forward/backward), or they lie in it (skip: sent or listed).
        self.bounds: dict[str, tuple[int, int]] = {}
        for policy in ("forward", "backward", "skip"):
            table = [-1] * size
            for i in range(size):
                landed = roll(base + i, policy)
                if landed is not None:
                    table[i] = landed
            self.roll[policy] = table
            if policy == "skip":
                self.bounds[policy] = (self.start, self.end)
                continue
            inside = [i for i, f in enumerate(table) if self.start <= f <= self.end]
            self.bounds[policy] = (base + inside[0], base + inside[-1]) if inside else (1, 0)
        self._reasons: dict[int, str] = {}
        self._compact: dict[date, str] = {}
        self.horizon = checks.HorizonDays(plan)

    def compact_text(self, d: date) -> str:
        """``YYYYMMDD`` of a cohort date, for UIDs (strftime is slow; cohorts repeat)."""
        found = self._compact.get(d)
        if found is None:
            found = self._compact[d] = f"{d:%Y%m%d}"
        return found

    def reason(self, ordinal: int) -> str:
        """Why a nominal date was not sent (its day is not a working day)."""
        found = self._reasons.get(ordinal)
        if found is None:
            found = self.workdays.reason(self.dates[ordinal - self.base]) or "no working day"
            self._reasons[ordinal] = found
        return found


@dataclass(frozen=True, slots=True)
class _BroadcastDates:
    """One broadcast occurrence before leads are known (they depend on every product)."""

    broadcast: Broadcast
    index: int
    uid: str
    nominal: int
    final: int  # -1: skipped


def _expand_broadcasts(cal: _Calendar, broadcasts: Sequence[Broadcast]) -> list[_BroadcastDates]:
    policy = cal.default_roll
    lo, hi = cal.bounds[policy]
    table = cal.roll[policy]
    stop = max(hi, cal.end)
    out: list[_BroadcastDates] = []
    for b in sorted(broadcasts, key=lambda b: b.id):
        for index, day in enumerate(expand_rrule(b.rrule, b.dtstart)):
            nominal = day.toordinal()
            if nominal > stop:
                break
            if nominal < lo or nominal > hi:
                continue
            final = table[nominal - cal.base]
            uid = broadcast_uid(cal.plan_id, b.id, index)
            out.append(_BroadcastDates(b, index, uid, nominal, final))
    return out


# --- one product ------------------------------------------------------------------


@dataclass(slots=True)
class _ProductSchedule:
    """A product's touch occurrences, grouped for cheap merging."""

    product: Product
    # key (ordinal * _DAY_KEY + time key) → occurrences in (touch, cohort, repeat) order
    buckets: dict[int, list[Occurrence]]
    skipped: list[Skipped]


def _journey_leads(product: Product) -> tuple[list[int], list[int], list[float]]:
    """Per stage: first day offset, length, expected leads of one cohort.

    Leads in stage k = size × (product of the conversions of the stages before k).
    """
    starts: list[int] = []
    lengths: list[int] = []
    leads: list[float] = []
    offset = 0
    share = 1.0
    size = product.cohorts.size
    for s in product.stages:
        starts.append(offset)
        lengths.append(s.days)
        leads.append(size * share)
        offset += s.days
        share *= s.conversion
    return starts, lengths, leads


def _schedule_product(cal: _Calendar, product: Product) -> _ProductSchedule:
    """Every touch occurrence of one product in the horizon, and the skipped ones.

    Per touch and cohort, only the repeats whose nominal date can land in the
    horizon are visited (``cal.bounds``); rolling is one table lookup.
    """
    base = cal.base
    start = cal.start
    dates = cal.dates
    make = _make_occurrence
    intake = product.cohorts.intake_dates()
    intake_ordinals = [d.toordinal() for d in intake]
    intake_text = [cal.compact_text(d) for d in intake]
    stage_index = {s.id: k for k, s in enumerate(product.stages)}
    starts, lengths, stage_leads = _journey_leads(product)
    pid = product.id
    prefix_product = f"{cal.plan_id}.{pid}."

    day_lists: dict[int, list[list[Occurrence]]] = {}
    horizon_days = cal.end - start + 1
    skipped: list[Skipped] = []

    # Touches in id order: each bucket then holds (touch, cohort, repeat) order.
    for t in sorted(product.touches, key=lambda t: t.id):
        k = stage_index.get(t.stage)
        if k is None:
            continue
        first_offset = starts[k] + t.offset_days
        every = t.every_days or 0
        if t.offset_days >= lengths[k]:
            continue
        repeats = (lengths[k] - 1 - t.offset_days) // every + 1 if every else 1
        policy = t.roll or cal.default_roll
        lo, hi = cal.bounds[policy]
        table = cal.roll[policy]
        tk = time_key(t.time)
        lists = day_lists.get(tk)
        if lists is None:
            lists = day_lists[tk] = [[] for _ in range(horizon_days)]
        prefix = f"{prefix_product}{t.id}."
        suffixes = [f".{j}@cadence" for j in range(repeats)]
        leads = stage_leads[k]
        stage_id = product.stages[k].id
        t_time, tid, name, channel, owner, automated = (
            t.time,
            t.id,
            t.name,
            t.channel,
            t.owner,
            t.automated,
        )
        for cohort, first, text in zip(intake, intake_ordinals, intake_text, strict=True):
            n0 = first + first_offset
            if every:  # the repeats whose nominal date lies in [lo, hi]
                j_lo = -((n0 - lo) // every) if n0 < lo else 0
                j_hi = (hi - n0) // every
                if j_hi >= repeats:
                    j_hi = repeats - 1
            elif lo <= n0 <= hi:
                j_lo = j_hi = 0
            else:
                continue
            for j in range(j_lo, j_hi + 1):
                nominal = n0 + j * every
                final = table[nominal - base]
                if final < 0:
                    skipped.append(
                        _make_skipped(
                            f"{prefix}{text}{suffixes[j]}",
                            dates[nominal - base],
                            t_time,
                            pid,
                            cohort,
                            stage_id,
                            tid,
                            name,
                            channel,
                            owner,
                            automated,
                            leads,
                            cal.reason(nominal),
                            j,
                        )
                    )
                    continue
                lists[final - start].append(
                    make(
                        f"{prefix}{text}{suffixes[j]}",
                        dates[final - base],
                        t_time,
                        pid,
                        cohort,
                        stage_id,
                        tid,
                        name,
                        channel,
                        owner,
                        automated,
                        leads,
                        dates[nominal - base],
                        j,
                        "touch",
                        None,
                    )
                )

    buckets: dict[int, list[Occurrence]] = {}
    for tk, lists in day_lists.items():
        for i, entries in enumerate(lists):
            if entries:
                buckets[(start + i) * _DAY_KEY + tk] = entries
    return _ProductSchedule(product, buckets, skipped)


def _leads_on(product: Product, days: Sequence[int]) -> dict[int, float]:
    """Expected leads of a product on each given day: the sum over its cohorts in their journey."""
    intake = sorted(d.toordinal() for d in product.cohorts.intake_dates())
    starts, lengths, stage_leads = _journey_leads(product)
    cycle = sum(lengths)
    stage_of_offset: list[float] = []
    for length, leads in zip(lengths, stage_leads, strict=True):
        stage_of_offset.extend([leads] * length)
    out: dict[int, float] = {}
    for day in days:
        total = 0.0
        for first in intake[bisect_left(intake, day - cycle + 1) : bisect_right(intake, day)]:
            total += stage_of_offset[day - first]
        out[day] = total
    return out


def _reaches(b: Broadcast, product_id: str) -> bool:
    return b.products is None or product_id in b.products


def _days_reaching(drafts: Sequence[_BroadcastDates], product_id: str) -> list[int]:
    """The days on which a broadcast that reaches the product is sent (or skipped).

    Only these days need the product's leads: summing them for every broadcast
    day cost more than the rest of the broadcasts' work.
    """
    days = {
        d.final if d.final >= 0 else d.nominal for d in drafts if _reaches(d.broadcast, product_id)
    }
    return sorted(days)


def _broadcast_entries(
    cal: _Calendar,
    drafts: Sequence[_BroadcastDates],
    products: Sequence[Product],
    leads_on: dict[str, dict[int, float]],
) -> tuple[list[Occurrence], list[Skipped]]:
    """Broadcast occurrences with their leads: the sum over the cohorts they reach that day."""
    occurrences: list[Occurrence] = []
    skipped: list[Skipped] = []
    for d in drafts:
        b = d.broadcast
        day = d.final if d.final >= 0 else d.nominal
        leads = 0.0
        for p in products:
            if _reaches(b, p.id):
                leads += leads_on[p.id].get(day, 0.0)
        if d.final < 0:
            if cal.start <= d.nominal <= cal.end:
                skipped.append(
                    _make_skipped(
                        d.uid,
                        cal.dates[d.nominal - cal.base],
                        b.time,
                        None,
                        None,
                        None,
                        b.id,
                        b.name,
                        b.channel,
                        b.owner,
                        b.automated,
                        leads,
                        cal.reason(d.nominal),
                        d.index,
                        "broadcast",
                    )
                )
            continue
        occurrences.append(
            _make_occurrence(
                d.uid,
                cal.dates[d.final - cal.base],
                b.time,
                None,
                None,
                None,
                b.id,
                b.name,
                b.channel,
                b.owner,
                b.automated,
                leads,
                cal.dates[d.nominal - cal.base],
                d.index,
                "broadcast",
                None,
            )
        )
    return occurrences, skipped


def _bucket_broadcasts(occurrences: Sequence[Occurrence]) -> dict[int, list[Occurrence]]:
    buckets: dict[int, list[Occurrence]] = {}
    for o in occurrences:  # already in (broadcast id, index) order
        buckets.setdefault(o.date.toordinal() * _DAY_KEY + time_key(o.time), []).append(o)
    return buckets


def _product_order(o: Occurrence) -> str:
    return o.product or ""  # broadcasts first


# --- public entry points ------------------------------------------------------------


def schedule(plan: Plan) -> Schedule:
    """The dated calendar of a plan: every touch and broadcast occurrence in its horizon.

    Pure: depends only on ``plan``. Order: date, time (all-day first), product
    (broadcasts first), touch, cohort, repeat. ``skipped`` lists the occurrences
    not sent (roll policy ``skip``) whose nominal date is in the horizon.
    """
    # The throw-away planner's per-product caches (some 50 k small lists) are
    # freed inside the collector's pause, so that when it resumes it scans only
    # what is returned (see gaps.gc_paused).
    with gc_paused():
        return Planner()._update(plan, with_gaps=False).schedule


@dataclass(frozen=True, slots=True)
class Replan:
    """What :meth:`Planner.update` returns."""

    schedule: Schedule
    gaps: tuple[Gap, ...]
    # Ids of the products whose occurrences were recomputed (added, edited or removed).
    rescheduled: tuple[str, ...] = ()
    # Ids of the products whose gaps were recomputed.
    rechecked: tuple[str, ...] = ()


@dataclass(slots=True)
class _CachedProduct:
    """What the planner keeps per product, each part with the inputs it was built from."""

    product: Product
    scheduled: _ProductSchedule
    leads_key: tuple[Any, ...] | None = None
    leads_on: dict[int, float] = field(default_factory=dict)
    gaps_key: tuple[Any, ...] | None = None
    gaps: ProductGaps | None = None


class Planner:
    """Incremental re-planning: ``update(plan)`` recomputes only what changed.

    A product's occurrences are reused while the product is equal and the plan
    id, horizon and calendar are unchanged; its gaps and weekly loads also need
    the same rules, teams and broadcasts. Broadcast leads and capacity gaps
    (from the per-product weekly loads) are re-summed on every update; the
    merged calendar and gap list are patched, not rebuilt. The results equal
    ``schedule(plan)`` and ``gaps.check(plan, schedule(plan))``.

    Not thread-safe: use one planner per thread. A planner holding a large plan
    (125 k occurrences) makes each full run of Python's cyclic garbage collector
    cost about 0.2 s; an app can call ``gc.freeze()`` after re-planning so that
    these long-lived objects are not scanned again.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        """Forget everything (a new calendar, or an empty horizon)."""
        self._calendar_key: tuple[Any, ...] | None = None
        self._calendar: _Calendar | None = None
        self._broadcast_key: tuple[Any, ...] | None = None
        self._broadcasts: list[_BroadcastDates] = []
        self._broadcast_buckets: dict[int, list[Occurrence]] = {}
        self._products: dict[str, _CachedProduct] = {}
        self._merged: BlockMerger[Occurrence] = BlockMerger(_product_order)
        self._gaps_key: tuple[Any, ...] | None = None
        self._capacity: dict[int, list[Gap]] = {}
        self._merged_gaps: BlockMerger[Gap] = BlockMerger(checks.gap_source)

    def update(self, plan: Plan, *, with_gaps: bool = True) -> Replan:
        """Re-plan ``plan``: its schedule and gaps (``with_gaps=False``: no checks, gaps empty)."""
        with gc_paused():
            return self._update(plan, with_gaps)

    def _update(self, plan: Plan, with_gaps: bool) -> Replan:
        if plan.end < plan.start:
            self._reset()
            return Replan(Schedule(()), ())
        key = (plan.id, plan.start, plan.end, plan.calendar)
        fresh = self._calendar is None or key != self._calendar_key
        if fresh:
            self._reset()
            self._calendar = _Calendar(plan)
            self._calendar_key = key
        cal = self._calendar
        assert cal is not None
        b_key = (key, plan.broadcasts)
        if b_key != self._broadcast_key:
            self._broadcasts = _expand_broadcasts(cal, plan.broadcasts)
            self._broadcast_key = b_key
        drafts = self._broadcasts

        previous_gaps = {pid: cached.gaps for pid, cached in self._products.items()}
        rescheduled: list[str] = []
        kept: dict[str, _CachedProduct] = {}
        for p in plan.products:
            old = self._products.get(p.id)
            cached = old
            if cached is None or not (cached.product is p or cached.product == p):
                cached = _CachedProduct(p, _schedule_product(cal, p))
                rescheduled.append(p.id)
                if not fresh:
                    self._merged.replace(
                        p.id, old.scheduled.buckets if old else None, cached.scheduled.buckets
                    )
            if cached.leads_key != b_key:
                cached.leads_on = _leads_on(p, _days_reaching(drafts, p.id))
                cached.leads_key = b_key
            kept[p.id] = cached
        for pid, old in self._products.items():
            if pid not in kept:
                self._merged.replace(pid, old.scheduled.buckets, None)
                rescheduled.append(pid)
        self._products = kept

        leads_on = {p.id: kept[p.id].leads_on for p in plan.products}
        b_occurrences, b_skipped = _broadcast_entries(cal, drafts, plan.products, leads_on)
        b_buckets = _bucket_broadcasts(b_occurrences)
        scheduled = [kept[p.id].scheduled for p in plan.products]
        if fresh:
            self._merged.build(
                [("", b_buckets)] + [(ps.product.id, ps.buckets) for ps in scheduled]
            )
        else:
            self._merged.replace("", self._broadcast_buckets, b_buckets)
        self._broadcast_buckets = b_buckets
        skipped = [s for ps in scheduled for s in ps.skipped] + b_skipped
        skipped.sort(key=_skipped_sort_key)
        result = Schedule(tuple(self._merged.flatten()), tuple(skipped))
        if not with_gaps:
            self._gaps_key = None  # the merged gaps no longer follow the products
            return Replan(result, (), tuple(rescheduled))

        gaps_key = (b_key, plan.rules, plan.teams)
        by_id = {b.id: b for b in plan.broadcasts}
        rechecked: list[str] = []
        parts: list[ProductGaps] = []
        for p in plan.products:
            cached = kept[p.id]
            if cached.gaps is None or cached.gaps_key != gaps_key:
                contacts = [o for o in b_occurrences if _reaches(by_id[o.touch], p.id)]
                touches = [o for entries in cached.scheduled.buckets.values() for o in entries]
                cached.gaps = checks.product_gaps(plan, p, touches, contacts, cal.horizon)
                cached.gaps_key = gaps_key
                rechecked.append(p.id)
            parts.append(cached.gaps)
        capacity = checks.bucket_gaps(checks.capacity_gaps(plan, [part.loads for part in parts]))
        merged = self._merged_gaps
        if gaps_key != self._gaps_key:
            merged.build([("", capacity)] + [(part.product, part.buckets) for part in parts])
            self._gaps_key = gaps_key
        else:
            for pid in rescheduled:
                before = previous_gaps.get(pid)
                after = kept[pid].gaps if pid in kept else None
                merged.replace(
                    pid, before.buckets if before else None, after.buckets if after else None
                )
            merged.replace("", self._capacity, capacity)
        self._capacity = capacity
        found = tuple(merged.flatten())
        return Replan(result, found, tuple(rescheduled), tuple(rechecked))
