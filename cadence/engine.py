"""The scheduling engine: from a plan to the dated calendar of nurture touches.

``schedule(plan)`` expands every product's intake cohorts × stages × touches
(and the broadcasts' RRULEs) into dated :class:`~cadence.model.Occurrence`
entries, rolls non-working days by each touch's policy and keeps what lands in
the plan's horizon. It is a pure function: no I/O, no clock, no Qt.

:class:`Planner` gives the same results incrementally: it caches each
product's occurrences (and gaps) by the product object plus the plan-level
inputs they depend on, so re-planning after an edit recomputes only the
products that changed. The exact semantics are in docs/scheduling.md.

How it stays fast: a large plan has over 100 000 occurrences, and building an
object for each costs more than computing them. Each product's occurrences are
computed into compact tables (:class:`_Block`: a number per occurrence, its
UID, and the integer "contacts" the gap checks sort), the calendar order is a
list of integer references, and :class:`~cadence.records.Records` builds an
Occurrence object only when one is read (and keeps it). Hot loops work on
precomputed tables (working days, rolling, UID pieces).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from dateutil.rrule import rrule, rruleset, rrulestr

from cadence import gaps as checks
from cadence.calendar import WorkingDays
from cadence.gaps import (
    DAY_BITS,
    DAY_MASK,
    MAX_N_BITS,
    N_SHIFT,
    BlockMerger,
    BroadcastContacts,
    CompactContacts,
    Contacts,
    ProductGaps,
    gc_paused,
    time_key,
    too_many,
    touch_contact,
)
from cadence.model import (
    Broadcast,
    Gap,
    Occurrence,
    Plan,
    Product,
    Schedule,
    Skipped,
    Touch,
    WorkCalendar,
    broadcast_uid,
    touch_uid,
)
from cadence.records import Records

__all__ = [
    "Planner",
    "Replan",
    "expand_rrule",
    "occurrence_sort_key",
    "schedule",
    "time_key",
]


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

    def __init__(self, plan_id: str, start: date, end: date, calendar: WorkCalendar) -> None:
        self.plan_id = plan_id
        self.start = start.toordinal()
        self.end = end.toordinal()
        self.workdays = WorkingDays(calendar, start, end)
        self.default_roll = calendar.roll
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
        # landing[policy][ordinal - base]: the day a nominal date is sent, as an index
        # in the horizon (None: skipped); only read for nominal dates within bounds.
        self.landing: dict[str, list[int | None]] = {
            policy: [None if f < 0 else f - self.start for f in table]
            for policy, table in self.roll.items()
        }
        # The farthest rolling moves a date (days): two dates this close may meet.
        self.max_shift = max(
            [
                abs(f - (base + i))
                for table in self.roll.values()
                for i, f in enumerate(table)
                if f >= 0
            ],
            default=0,
        )
        self._reasons: dict[int, str] = {}
        self._compact: dict[date, str] = {}
        self.horizon = checks.HorizonDays.of_days(start, end)
        self.horizon_days = self.end - self.start + 1

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


@lru_cache(maxsize=8)
def _calendar(plan_id: str, start: date, end: date, calendar: WorkCalendar) -> _Calendar:
    """The tables of a calendar, shared between plannings (they never change once built)."""
    return _Calendar(plan_id, start, end, calendar)


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

# A calendar reference is ``slot << 32 | n``: occurrence n of the product in that
# slot (products take slots 1, 2, … in id order), or with slot 0 the n-th sent
# broadcast occurrence. Within a day and time, ascending references are the
# engine's order: broadcasts, then products by id, then (touch, cohort, repeat).
_SLOT = 32
_LOW = (1 << _SLOT) - 1
# A skipped reference also carries its sort position: nominal day and time key
# above the slot, so that sorting the integers sorts the skipped entries.
_SKIP_SLOT_BITS = 32  # slots are below 1 << 32 (_SLOT_MASK)
_TIME_KEYS = 86_402  # time_key() < this


def _skip_ref(nominal: int, tk: int, slot: int, n: int) -> int:
    return (nominal * _TIME_KEYS + tk) << (_SLOT + _SKIP_SLOT_BITS) | slot << _SLOT | n


# Calendar references by time key, then by day of the horizon: lists[tk][day - start].
_DayLists = dict[int, list[list[int]]]


class _TouchPlan:
    """What every occurrence of one touch shares, prepared once."""

    __slots__ = (
        "touch",
        "stage_id",
        "first_offset",
        "every",
        "repeats",
        "policy",
        "table",
        "bounds",
        "tk",
        "leads",
    )

    def __init__(
        self,
        cal: _Calendar,
        touch: Touch,
        stage_id: str,
        first_offset: int,
        repeats: int,
        leads: float,
    ) -> None:
        policy = touch.roll or cal.default_roll
        self.touch = touch
        self.policy = policy
        self.stage_id = stage_id
        self.first_offset = first_offset
        self.every = touch.every_days or 0
        self.repeats = repeats
        self.table = cal.roll[policy]
        self.bounds = cal.bounds[policy]
        self.tk = time_key(touch.time)
        self.leads = leads


class _Block:
    """One product's schedule in compact form, and its occurrences built on demand.

    Occurrence ``n == (ti * cohorts + ci) * repeats + j`` is repeat ``j`` of touch
    ``ti`` for cohort ``ci`` (in intake order); its UID is ``uids[n]``. Touches go
    in order of time key, then id, so that within one day, time key and product,
    the numbers follow the engine's order (touch, cohort, repeat) and, for one
    cohort, usually the order of time and UID that the spacing check needs
    (``contacts.exact``). ``contacts`` indexes the same occurrences for the gap
    checks. Skipped occurrences are listed apart (``skipped_keys``: their n).
    """

    def __init__(self, cal: _Calendar, product: Product, slot: int) -> None:
        self.cal = cal
        self.product = product
        self.slot = slot
        self.intake = product.cohorts.intake_dates()
        starts, lengths, stage_leads = _journey_leads(product)
        stage_index = {s.id: k for k, s in enumerate(product.stages)}
        plans: list[_TouchPlan] = []
        for t in sorted(product.touches, key=lambda t: (time_key(t.time), t.id)):
            k = stage_index.get(t.stage)
            if k is None or t.offset_days >= lengths[k]:
                continue
            every = t.every_days or 0
            repeats = (lengths[k] - 1 - t.offset_days) // every + 1 if every else 1
            plans.append(
                _TouchPlan(
                    cal, t, product.stages[k].id, starts[k] + t.offset_days, repeats, stage_leads[k]
                )
            )
        self.plans = plans
        self.repeats = max((tp.repeats for tp in plans), default=1)
        self.divisor = len(self.intake) * self.repeats  # n // divisor: the touch
        self.uids: dict[int, str] = {}
        self.skipped: list[int] = []  # skip references (see _skip_ref), in key order
        self.skipped_keys: list[int] = []
        self.contacts = Contacts(
            product,
            [],
            self.uids,
            self.divisor,
            [tp.touch.owner for tp in plans],
            [tp.touch.name for tp in plans],
            [tp.tk for tp in plans],
            [tp.stage_id for tp in plans],
            exact=self._numbers_follow_uids(cal, plans),
        )
        numbers = len(plans) * self.divisor  # every n is below this
        if numbers >> MAX_N_BITS:
            raise too_many(f"product {product.id!r}", numbers, 1 << MAX_N_BITS)
        self.contacts.n_bits = max(1, numbers.bit_length())
        self.contacts.end = numbers
        self.contacts.starts.extend((tp.tk, ti * self.divisor) for ti, tp in enumerate(plans))
        self._objects: dict[int, Occurrence] = {}

    @staticmethod
    def _numbers_follow_uids(cal: _Calendar, plans: list[_TouchPlan]) -> bool:
        """Whether, for one cohort and day, occurrence numbers follow time and UID.

        UIDs read "<touch id>.<cohort>.<repeat>": touch ids in id order are in
        UID order unless one id extends another with a character below "."
        ("a" and "a-b"); and two repeats of one touch land on one day only when
        rolling closes their distance, where repeat 9 comes after 10 by UID.
        """
        for one, two in zip(plans, plans[1:], strict=False):
            if one.tk == two.tk and f"{one.touch.id}." > f"{two.touch.id}.":
                return False
        return not any(tp.repeats > 10 and tp.every <= cal.max_shift for tp in plans)

    def fill(self, lists_for: Callable[[int], list[list[int]]]) -> None:
        """Compute every occurrence; append its reference to ``lists_for(tk)[day - start]``.

        Per touch and cohort only the repeats whose nominal date can land in the
        horizon are visited (``cal.bounds``); rolling is one table lookup.
        """
        cal = self.cal
        base, start = cal.base, cal.start
        intake_at = [d.toordinal() - base for d in self.intake]  # indexes in the roll tables
        intake_text = [cal.compact_text(d) for d in self.intake]
        cohorts = len(self.intake)
        repeats_max = self.repeats
        uids = self.uids
        add_contact = self.contacts.packed.append
        weekly = self.contacts.weekly
        slot_ref = self.slot << _SLOT
        prefix_product = f"{cal.plan_id}.{self.product.id}."
        day_shift = self.contacts.day_shift
        n_shift = N_SHIFT
        # Contact bits (see gaps.touch_contact) by day, by cohort (with the touch
        # marker) and by repeat: a contact is a sum of table entries.
        day_bits = [day << day_shift for day in range(cal.horizon_days)]
        low = touch_contact(0, 0, 0)
        cohort_bits = [ci << (DAY_BITS + day_shift) | low for ci in range(cohorts)]
        for ti, tp in enumerate(self.plans):
            lo, hi = tp.bounds[0] - base, tp.bounds[1] - base
            table = cal.landing[tp.policy]
            every, repeats = tp.every, tp.repeats
            lists = lists_for(tp.tk)
            prefix = f"{prefix_product}{tp.touch.id}."
            suffixes = [f".{j}@cadence" for j in range(repeats)]
            repeat_bits = [j << n_shift for j in range(repeats)]
            owner, leads = tp.touch.owner, tp.leads
            personal = not tp.touch.automated
            first_offset = tp.first_offset
            key_base = ti * cohorts * repeats_max
            for ci, at, text, bits in zip(
                range(cohorts), intake_at, intake_text, cohort_bits, strict=True
            ):
                at += first_offset  # the first repeat's nominal date
                if every:  # the repeats whose nominal date lies in [lo, hi]
                    j_lo = -((at - lo) // every) if at < lo else 0
                    j_hi = (hi - at) // every
                    if j_hi >= repeats:
                        j_hi = repeats - 1
                elif lo <= at <= hi:
                    j_lo = j_hi = 0
                else:
                    continue
                head = prefix + text
                key0 = key_base + ci * repeats_max  # n of repeat 0
                ref0 = slot_ref | key0
                contact0 = bits | key0 << n_shift
                for j in range(j_lo, j_hi + 1):
                    day = table[at + j * every]  # index in the horizon, None: skipped
                    if day is None:
                        self.skipped.append(
                            _skip_ref(
                                base + at + j * every, tp.tk, self.slot, len(self.skipped_keys)
                            )
                        )
                        self.skipped_keys.append(key0 + j)
                        continue
                    uids[key0 + j] = head + suffixes[j]
                    lists[day].append(ref0 + j)
                    add_contact((contact0 + repeat_bits[j]) | day_bits[day])
                    if personal:
                        final = start + day
                        weekly.setdefault((owner, final - (final - 1) % 7), []).append(leads)

    def _decode(self, key: int) -> tuple[_TouchPlan, int, int, int]:
        """(touch plan, cohort index, repeat, nominal ordinal) of an occurrence key."""
        ti, rest = divmod(key, self.divisor)
        ci, j = divmod(rest, self.repeats)
        tp = self.plans[ti]
        return tp, ci, j, self.intake[ci].toordinal() + tp.first_offset + j * tp.every

    def _shared(self, tp: _TouchPlan, ci: int) -> tuple[Any, ...]:
        """The fields from time to leads that Occurrence and Skipped share, in their order."""
        t = tp.touch
        return (
            t.time,
            self.product.id,
            self.intake[ci],
            tp.stage_id,
            t.id,
            t.name,
            t.channel,
            t.owner,
            t.automated,
            tp.leads,
        )

    def occurrence(self, n: int) -> Occurrence:
        """Occurrence ``n``, built on first use."""
        found = self._objects.get(n)
        if found is not None:
            return found
        tp, ci, j, nominal = self._decode(n)
        dates, base = self.cal.dates, self.cal.base
        found = self._objects[n] = _make_occurrence(
            self.uids[n],
            dates[tp.table[nominal - base] - base],  # the final date
            *self._shared(tp, ci),
            dates[nominal - base],
            j,
            "touch",
            None,
        )
        return found

    def skipped_entry(self, i: int) -> Skipped:
        """Skipped occurrence ``i`` (built on each use: there are few)."""
        tp, ci, j, nominal = self._decode(self.skipped_keys[i])
        cal = self.cal
        return _make_skipped(
            touch_uid(cal.plan_id, self.product.id, tp.touch.id, self.intake[ci], j),
            cal.dates[nominal - cal.base],
            *self._shared(tp, ci),
            cal.reason(nominal),
            j,
        )

    def places(self) -> Iterator[tuple[int, int]]:
        """(time key, day index) of every calendar list holding one of the block's references."""
        divisor, time_keys = self.divisor, self.contacts.time_keys
        day_shift, n_mask = self.contacts.day_shift, self.contacts.n_mask
        seen: set[tuple[int, int]] = set()
        for x in self.contacts.packed:
            n = (x >> N_SHIFT) & n_mask
            seen.add((time_keys[n // divisor], (x >> day_shift) & DAY_MASK))
        return iter(seen)


def _schedule_product(
    cal: _Calendar, product: Product, slot: int, lists_for: Callable[[int], list[list[int]]]
) -> _Block:
    block = _Block(cal, product, slot)
    block.fill(lists_for)
    return block


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
        # The fields from time to leads, as Occurrence and Skipped order them.
        shared = (b.time, None, None, None, b.id, b.name, b.channel, b.owner, b.automated, leads)
        if d.final < 0:
            if cal.start <= d.nominal <= cal.end:
                skipped.append(
                    _make_skipped(
                        d.uid,
                        cal.dates[d.nominal - cal.base],
                        *shared,
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
                *shared,
                cal.dates[d.nominal - cal.base],
                d.index,
                "broadcast",
                None,
            )
        )
    return occurrences, skipped


# --- the calendar: compact references presented as occurrences -------------------------


class _View:
    """Resolves calendar and skip references against one update's blocks."""

    __slots__ = ("blocks", "broadcasts", "broadcasts_skipped")

    def __init__(
        self,
        blocks: dict[int, _Block],
        broadcasts: list[Occurrence],
        broadcasts_skipped: list[Skipped],
    ) -> None:
        self.blocks = blocks
        self.broadcasts = broadcasts
        self.broadcasts_skipped = broadcasts_skipped

    def occurrence(self, ref: int) -> Occurrence:
        slot = ref >> _SLOT
        if slot:
            return self.blocks[slot].occurrence(ref & _LOW)
        return self.broadcasts[ref]

    def skipped(self, ref: int) -> Skipped:
        slot = (ref >> _SLOT) & _SLOT_MASK
        if slot:
            return self.blocks[slot].skipped_entry(ref & _LOW)
        return self.broadcasts_skipped[ref & _LOW]


class _Occurrences(Records[Occurrence]):
    """The engine's calendar: a sequence of occurrences that also carries its contact tables."""

    __slots__ = ("compact",)

    def __init__(self, refs: list[int], view: _View, compact: CompactContacts) -> None:
        super().__init__(refs, view.occurrence)
        self.compact = compact


def _broadcast_contacts(
    cal: _Calendar, sent: Sequence[Occurrence], plan: Plan
) -> BroadcastContacts:
    by_id = {b.id: b for b in plan.broadcasts}
    return BroadcastContacts.of(
        (o.date.toordinal() - cal.start, o, by_id[o.touch].products)
        for o in sent
        if cal.start <= o.date.toordinal() <= cal.end
    )


# --- public entry points ------------------------------------------------------------


def schedule(plan: Plan) -> Schedule:
    """The dated calendar of a plan: every touch and broadcast occurrence in its horizon.

    Pure: depends only on ``plan``. Order: date, time (all-day first), product
    (broadcasts first), touch, cohort, repeat. ``skipped`` lists the occurrences
    not sent (roll policy ``skip``) whose nominal date is in the horizon.

    The occurrences are computed in a compact form and each object is built
    the first time it is read; ``gaps.check`` reads the compact form directly.
    """
    with gc_paused():
        return Planner()._update(plan, with_gaps=False).schedule


@dataclass(frozen=True, slots=True)
class Replan:
    """What :meth:`Planner.update` returns."""

    schedule: Schedule
    gaps: Sequence[Gap]
    # Ids of the products whose occurrences were recomputed (added, edited or removed).
    rescheduled: tuple[str, ...] = ()
    # Ids of the products whose gaps were recomputed.
    rechecked: tuple[str, ...] = ()


# Products take slots spaced this far apart, so that one added later usually
# finds a free slot between its neighbours (in id order) without renumbering.
_SLOT_STEP = 1 << 16
_SLOT_MASK = (1 << _SLOT) - 1


@dataclass(slots=True)
class _CachedGaps:
    key: tuple[Any, ...]
    product: Product
    gaps: ProductGaps


class Planner:
    """Incremental re-planning: ``update(plan)`` recomputes only what changed.

    A product's occurrences are reused while the product is equal and the plan
    id, horizon and calendar are unchanged; its gaps also need the same rules,
    teams and broadcasts. Broadcast leads and capacity gaps are re-summed on
    every update; the calendar and the gap list are patched, not rebuilt. The
    results equal ``schedule(plan)`` and ``gaps.check(plan, schedule(plan))``.

    Not thread-safe: use one planner per thread.
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        """Forget everything (a new calendar, or an empty horizon)."""
        self._calendar_key: tuple[Any, ...] | None = None
        self._calendar: _Calendar | None = None
        self._broadcast_key: tuple[Any, ...] | None = None
        self._broadcasts: list[_BroadcastDates] = []
        self._placed_broadcasts: list[tuple[int, int]] = []  # (time key, day) of slot-0 refs
        self._lists: _DayLists = {}
        self._blocks: dict[str, _Block] = {}
        self._leads: dict[str, tuple[Product, tuple[Any, ...], dict[int, float]]] = {}
        self._gaps: dict[str, _CachedGaps] = {}
        # Gap references slot << 32 | i: the slot is the source (0: plan-wide gaps).
        self._merged_gaps: BlockMerger[int] = BlockMerger(_slot_of)
        self._gaps_key: tuple[Any, ...] | None = None
        self._wide: ProductGaps | None = None
        self._renumbered = False  # the last update gave the products new slots

    def update(self, plan: Plan, *, with_gaps: bool = True) -> Replan:
        """Re-plan ``plan``: its schedule and gaps (``with_gaps=False``: no checks, gaps empty)."""
        with gc_paused():
            return self._update(plan, with_gaps)

    def _lists_for(self, tk: int) -> list[list[int]]:
        found = self._lists.get(tk)
        if found is None:
            assert self._calendar is not None
            found = self._lists[tk] = [[] for _ in range(self._calendar.horizon_days)]
        return found

    def _update(self, plan: Plan, with_gaps: bool) -> Replan:
        if plan.end < plan.start:
            self._reset()
            return Replan(Schedule(()), ())
        key = (plan.id, plan.start, plan.end, plan.calendar)
        if self._calendar is None or key != self._calendar_key:
            self._reset()
            self._calendar = _calendar(*key)
            self._calendar_key = key
        cal = self._calendar
        b_key = (key, plan.broadcasts)
        if b_key != self._broadcast_key:
            self._broadcasts = _expand_broadcasts(cal, plan.broadcasts)
            self._broadcast_key = b_key
        drafts = self._broadcasts

        leads_on: dict[str, dict[int, float]] = {}
        leads_cache: dict[str, tuple[Product, tuple[Any, ...], dict[int, float]]] = {}
        for p in plan.products:
            cached_leads = self._leads.get(p.id)
            if cached_leads is None or cached_leads[1] != b_key or cached_leads[0] != p:
                cached_leads = (p, b_key, _leads_on(p, _days_reaching(drafts, p.id)))
            leads_cache[p.id] = cached_leads
            leads_on[p.id] = cached_leads[2]
        self._leads = leads_cache
        b_occurrences, b_skipped = _broadcast_entries(cal, drafts, plan.products, leads_on)

        rescheduled = self._reschedule(cal, plan, b_occurrences)
        blocks = self._blocks
        view = _View({b.slot: b for b in blocks.values()}, b_occurrences, b_skipped)
        refs: list[int] = []
        extend = refs.extend
        columns = [self._lists[tk] for tk in sorted(self._lists)]
        for day in range(cal.horizon_days):
            for lists in columns:
                if lists[day]:
                    extend(lists[day])
        skipped_refs = [
            _skip_ref(s.nominal.toordinal(), time_key(s.time), 0, i)
            for i, s in enumerate(b_skipped)
        ]
        for block in blocks.values():
            skipped_refs += block.skipped
        skipped_refs.sort()
        compact = CompactContacts(
            b_key[0] + (plan.broadcasts,),
            {pid: block.contacts for pid, block in blocks.items()},
            _broadcast_contacts(cal, b_occurrences, plan),
        )
        result = Schedule(_Occurrences(refs, view, compact), Records(skipped_refs, view.skipped))
        if not with_gaps:
            self._gaps_key = None  # the merged gaps no longer follow the products
            return Replan(result, (), rescheduled)
        return self._check(plan, result, compact, cal, rescheduled)

    def _reschedule(
        self, cal: _Calendar, plan: Plan, b_occurrences: list[Occurrence]
    ) -> tuple[str, ...]:
        """Bring the blocks and the calendar lists up to date; the ids recomputed."""
        products = sorted(plan.products, key=lambda p: p.id)
        old = self._blocks
        changed = [p for p in products if p.id not in old or not _same(old[p.id].product, p)]
        removed = [pid for pid in old if pid not in {p.id for p in products}]
        slots = self._free_slots(products, changed, removed)
        self._renumbered = slots is None
        if slots is None:  # renumber: every product is scheduled anew
            self._lists = {}
            self._placed_broadcasts = []
            self._blocks = {}
            changed = products
            slots = {p.id: (i + 1) * _SLOT_STEP for i, p in enumerate(products)}
            for p in products:
                self._blocks[p.id] = _schedule_product(cal, p, slots[p.id], self._lists_for)
        else:
            for pid in removed:
                self._unplace(old.pop(pid))
            for p in changed:
                if p.id in old:
                    self._unplace(old[p.id])
                fresh: _DayLists = {}

                def lists_for(tk: int, fresh: _DayLists = fresh) -> list[list[int]]:
                    found = fresh.get(tk)
                    if found is None:
                        found = fresh[tk] = [[] for _ in range(cal.horizon_days)]
                    return found

                block = _schedule_product(cal, p, slots[p.id], lists_for)
                for tk, lists in fresh.items():
                    target = self._lists_for(tk)
                    for day, entries in enumerate(lists):
                        if entries:
                            current = target[day]
                            at = bisect_left(current, block.slot << _SLOT)
                            current[at:at] = entries
                old[p.id] = block
        # Broadcasts (slot 0) lead every list: replace them all (they are few).
        for tk, day in self._placed_broadcasts:
            current = self._lists[tk][day]
            del current[: bisect_left(current, 1 << _SLOT)]
        placed = []
        for i, o in enumerate(b_occurrences):
            tk, day = time_key(o.time), o.date.toordinal() - cal.start
            current = self._lists_for(tk)[day]
            current.insert(bisect_left(current, 1 << _SLOT), i)
            placed.append((tk, day))
        self._placed_broadcasts = sorted(set(placed))
        return tuple(sorted({p.id for p in changed} | set(removed)))

    def _free_slots(
        self, products: list[Product], changed: list[Product], removed: list[str]
    ) -> dict[str, int] | None:
        """Slots for the products: kept ones keep theirs; None when a new one finds no room."""
        old = self._blocks
        if not old:
            return None
        slots: dict[str, int] = {}
        gone = set(removed)
        kept = sorted((b.slot, pid) for pid, b in old.items() if pid not in gone)
        previous = 0
        for p in products:
            if p.id in old:
                slots[p.id] = previous = old[p.id].slot
                continue
            following = next((s for s, pid in kept if pid > p.id), None)
            upper = following if following is not None else previous + 2 * _SLOT_STEP
            if upper > _SLOT_MASK or upper - previous < 2:
                return None
            slots[p.id] = previous = (previous + upper) // 2
        return slots

    def _unplace(self, block: _Block) -> None:
        """Take a block's references out of the calendar lists."""
        lo, hi = block.slot << _SLOT, (block.slot + 1) << _SLOT
        for tk, day in block.places():  # day: index in the horizon
            current = self._lists[tk][day]
            del current[bisect_left(current, lo) : bisect_left(current, hi)]

    def _check(
        self,
        plan: Plan,
        result: Schedule,
        compact: CompactContacts,
        cal: _Calendar,
        rescheduled: tuple[str, ...],
    ) -> Replan:
        gaps_key = (compact.key, plan.rules, plan.teams)
        previous = self._gaps
        cache: dict[str, _CachedGaps] = {}
        rechecked: list[str] = []
        for p in plan.products:
            slot = self._blocks[p.id].slot
            cached = previous.get(p.id)
            if (
                cached is None
                or cached.key != gaps_key
                or cached.gaps.slot != slot
                or not _same(cached.product, p)
            ):
                found = checks.product_gaps(
                    plan, compact.products[p.id], compact.broadcasts, cal.horizon, slot
                )
                cached = _CachedGaps(gaps_key, p, found)
                rechecked.append(p.id)
            cache[p.id] = cached
        parts = [cached.gaps for cached in cache.values()]
        wide = checks.plan_wide_gaps(plan, [part.loads for part in parts])
        merged = self._merged_gaps
        if gaps_key != self._gaps_key or self._renumbered:
            merged.build([(0, wide.buckets)] + [(part.slot, part.buckets) for part in parts])
            self._gaps_key = gaps_key
        else:  # slots are unchanged: swap the sources that changed
            for pid in set(previous) | set(cache):
                before, after = previous.get(pid), cache.get(pid)
                if before is after:
                    continue
                old = before.gaps if before else None
                new = after.gaps if after else None
                source = old or new
                assert source is not None
                merged.replace(
                    source.slot, old.buckets if old else None, new.buckets if new else None
                )
            merged.replace(0, self._wide.buckets if self._wide else None, wide.buckets)
        self._wide = wide
        self._gaps = cache
        tables = {part.slot: part.table for part in parts}
        tables[0] = wide.table
        found_all = checks.gap_records(merged.flatten(), tables)
        return Replan(result, found_all, rescheduled, tuple(rechecked))


def _slot_of(ref: int) -> int:
    return ref >> _SLOT


def _same(a: Product, b: Product) -> bool:
    return a is b or a == b
