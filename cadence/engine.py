"""The scheduling engine: from a plan to the dated calendar of nurture touches.

``schedule(plan)`` expands every product's intake cohorts × stages × touches
(and the broadcasts' RRULEs) into dated :class:`~cadence.model.Occurrence`
objects, rolls non-working days by each touch's policy (``WorkingDays.land``
in cadence/calendar.py) and keeps what lands in the plan's horizon. It is a
pure function: no I/O, no clock, no Qt. The rules are in docs/scheduling.md.

The work is split so that :class:`cadence.planner.Planner` can redo only what an
edit touched: :func:`product_schedule` computes one product (its own
occurrences, independent of every other product), :func:`broadcast_schedule`
the broadcasts (whose leads sum over the products they reach), and
:func:`merge_calendar` puts the pieces in calendar order.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from cadence.calendar import WorkingDays, team_calendars_key, time_key, working_days
from cadence.gcpause import gc_paused
from cadence.model import (
    Broadcast,
    Occurrence,
    Plan,
    Product,
    Schedule,
    Skipped,
    Touch,
    broadcast_uid,
)
from cadence.recurrence import expand_rrule, parse_rrule

T = TypeVar("T")

__all__ = [
    "BroadcastSchedule",
    "ProductSchedule",
    "broadcast_schedule",
    "calendar_key",
    "expand_rrule",
    "merge_by_key",
    "merge_calendar",
    "occurrence_sort_key",
    "parse_rrule",
    "product_schedule",
    "schedule",
    "time_key",
    "touch_days",
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


def skipped_sort_key(s: Skipped) -> tuple[Any, ...]:
    """The order of ``Schedule.skipped``: like :func:`occurrence_sort_key` on the nominal date."""
    return (s.nominal, time_key(s.time), s.product or "", s.touch, s.cohort or date.min, s.repeat)


# --- the calendar a plan is scheduled on -------------------------------------------


def calendar_key(plan: Plan) -> tuple[Any, ...]:
    """What every product's occurrences depend on besides the product itself (the
    plan's calendar and the teams' own calendars, by which their touches roll)."""
    return (plan.id, plan.start, plan.end, plan.calendar, team_calendars_key(plan))


@dataclass(frozen=True)
class _Horizon:
    """The plan-level inputs of scheduling: working days, horizon, plan id."""

    plan_id: str
    start: int  # ordinals, inclusive
    end: int
    days: WorkingDays
    default_roll: str
    # The working days of each team with a calendar of its own (team id -> days).
    team_days: Mapping[str, WorkingDays] = field(default_factory=dict)

    @staticmethod
    def of(plan: Plan) -> _Horizon:
        return _Horizon.of_key(calendar_key(plan))

    @staticmethod
    def of_key(key: tuple[Any, ...]) -> _Horizon:
        plan_id, start, end, calendar, team_calendars = key
        return _Horizon(
            plan_id,
            start.toordinal(),
            end.toordinal(),
            working_days(calendar, start, end),
            calendar.roll,
            {team: working_days(cal, start, end) for team, cal in team_calendars},
        )

    def days_of(self, owner: str) -> WorkingDays:
        """The working days an owner's entries roll by: its team's own, else the plan's."""
        return self.team_days.get(owner, self.days)

    def inside(self, ordinal: int) -> bool:
        return self.start <= ordinal <= self.end

    def reason(self, ordinal: int, owner: str | None = None) -> str:
        """Why a nominal date was not sent (its day is not a working day of the owner)."""
        days = self.days if owner is None else self.days_of(owner)
        return days.reason(date.fromordinal(ordinal)) or "no working day"


# --- one product ---------------------------------------------------------------------


@dataclass(frozen=True)
class StageSpan:
    """One stage of a product's journey, in days from the cohort's intake date."""

    index: int
    first: int  # day offset of the stage's first day
    days: int
    leads: float  # expected leads of one cohort in this stage


def journey(product: Product) -> list[StageSpan]:
    """The product's stages laid end to end, with their expected leads.

    Leads in stage k = cohort size × (product of the conversions of the stages before k).
    """
    spans: list[StageSpan] = []
    first, share = 0, 1.0
    for k, s in enumerate(product.stages):
        spans.append(StageSpan(k, first, s.days, product.cohorts.size * share))
        first += s.days
        share *= s.conversion
    return spans


def repeat_offsets(span: StageSpan, touch: Touch) -> range:
    """The journey days (from intake) a touch fires on: ``stage start + offset_days +
    j × every_days`` while inside its stage; without ``every_days`` only j = 0."""
    step = touch.every_days or span.days
    return range(span.first + touch.offset_days, span.first + span.days, step)


def touch_days(product: Product, touch: Touch) -> range:
    """The journey days of each repeat of one of the product's touches (empty when its
    stage is unknown or its offset lies past the stage's end)."""
    span = next((s for s in journey(product) if product.stages[s.index].id == touch.stage), None)
    return repeat_offsets(span, touch) if span is not None else range(0)


@dataclass
class ProductSchedule:
    """One product's occurrences: sent ones by calendar slot, and skipped ones.

    ``by_slot`` maps ``slot_key(date ordinal, time key)`` to the occurrences sent
    then, in the order touch id, cohort, repeat (the engine's order within one
    product, date and time); ``skipped_by_slot`` the same for the skipped ones, by
    their nominal date.
    """

    product: Product
    by_slot: dict[int, list[Occurrence]] = field(default_factory=dict)
    skipped_by_slot: dict[int, list[Skipped]] = field(default_factory=dict)
    count: int = 0  # occurrences sent
    skipped_count: int = 0

    @property
    def skipped(self) -> list[Skipped]:
        """The skipped occurrences in the order of :func:`skipped_sort_key`."""
        return [s for key in sorted(self.skipped_by_slot) for s in self.skipped_by_slot[key]]

    def occurrences(self) -> Iterator[Occurrence]:
        for key in sorted(self.by_slot):
            yield from self.by_slot[key]


_TIME_KEYS = 86_402  # time_key() is below this


def slot_key(ordinal: int, tk: int) -> int:
    """The calendar slot of a date and time key, as one sortable integer."""
    return ordinal * _TIME_KEYS + tk


def slot_day(slot: int) -> int:
    """The date ordinal of a calendar slot (:func:`slot_key`)."""
    return slot // _TIME_KEYS


def product_schedule(plan: Plan, product: Product) -> ProductSchedule:
    """Every occurrence of one product's touches in the plan's horizon (and the skipped ones).

    A touch fires on ``stage start + offset_days + j × every_days`` while inside its
    stage; the date is rolled (``WorkingDays.land``) and kept when it lands in the
    horizon. Depends only on the product and :func:`calendar_key` of the plan.
    """
    horizon = _Horizon.of(plan)
    spans = {product.stages[s.index].id: s for s in journey(product)}
    out = ProductSchedule(product)
    # Each cohort with its date as UIDs spell it (20270301): made once, not per touch.
    intake = [(d, d.isoformat().replace("-", "")) for d in product.cohorts.intake_dates()]
    for touch in sorted(product.touches, key=lambda t: t.id):
        span = spans.get(touch.stage)
        if span is None or touch.offset_days >= span.days:
            continue
        policy = touch.roll or horizon.default_roll
        days = horizon.days_of(touch.owner)
        tk = time_key(touch.time)
        offsets = repeat_offsets(span, touch)
        stage_id = product.stages[span.index].id
        for cohort, stamp in intake:
            head = f"{plan.id}.{product.id}.{touch.id}.{stamp}."
            shared = (
                touch.time,
                product.id,
                cohort,
                stage_id,
                touch.id,
                touch.name,
                touch.channel,
                touch.owner,
                touch.automated,
                span.leads,
            )
            first_day = cohort.toordinal()
            for repeat, offset in enumerate(offsets):
                nominal = first_day + offset
                final = days.land(nominal, policy)
                if final is None:
                    if policy == "skip" and horizon.inside(nominal):
                        uid = f"{head}{repeat}@cadence"
                        reason = horizon.reason(nominal, touch.owner)
                        skip = Skipped(uid, day(nominal), *shared, reason, repeat)
                        out.skipped_by_slot.setdefault(slot_key(nominal, tk), []).append(skip)
                # horizon.inside(final), inline: this runs once per occurrence
                elif horizon.start <= final <= horizon.end:
                    uid = f"{head}{repeat}@cadence"
                    o = Occurrence(uid, day(final), *shared, day(nominal), repeat, "touch")
                    out.by_slot.setdefault(slot_key(final, tk), []).append(o)
    # Touches went in id order, then cohorts, then repeats: within a slot that is
    # already the engine's order.
    out.count = sum(map(len, out.by_slot.values()))
    out.skipped_count = sum(map(len, out.skipped_by_slot.values()))
    return out


def renamed_schedule(piece: ProductSchedule, product: Product) -> ProductSchedule | None:
    """``piece`` (a product's occurrences, :func:`product_schedule`) for ``product``, when
    ``product`` differs from the product of ``piece`` in names only (its own, its
    stages', its touches'); None when anything else differs.

    No date depends on a name: the occurrences stay where they are, and those of a
    renamed touch carry its new name (a stage's or the product's name is in none)."""
    if _without_names(piece.product) != _without_names(product):
        return None
    before = {t.id: t.name for t in piece.product.touches}
    names = {t.id: t.name for t in product.touches if t.name != before[t.id]}
    return ProductSchedule(
        product,
        _renamed(piece.by_slot, names),
        _renamed(piece.skipped_by_slot, names),
        piece.count,
        piece.skipped_count,
    )


def _without_names(product: Product) -> Product:
    """``product`` with its name and its stages' and touches' names emptied."""
    return replace(
        product,
        name="",
        stages=tuple(replace(s, name="") for s in product.stages),
        touches=tuple(replace(t, name="") for t in product.touches),
    )


Entry = TypeVar("Entry", Occurrence, Skipped)


def _renamed(by_slot: dict[int, list[Entry]], names: Mapping[str, str]) -> dict[int, list[Entry]]:
    """``by_slot`` with the entries of the touches in ``names`` renamed (new lists only
    where one is; the others are shared, as lists given are never changed)."""
    if not names:
        return by_slot
    out = {}
    for slot, entries in by_slot.items():
        if any(e.touch in names for e in entries):
            entries = [e._replace(name=names[e.touch]) if e.touch in names else e for e in entries]
        out[slot] = entries
    return out


@lru_cache(maxsize=8192)
def day(ordinal: int) -> date:
    """The date of an ordinal, made once (occurrences share their date objects)."""
    return date.fromordinal(ordinal)


# --- broadcasts ------------------------------------------------------------------------


@dataclass(frozen=True)
class BroadcastDate:
    """One broadcast occurrence before its leads are known (they depend on every product)."""

    broadcast: Broadcast
    index: int  # position in the rule's sequence
    nominal: int  # ordinal
    final: int | None  # ordinal; None: skipped

    @property
    def day(self) -> int:
        """The day whose leads it carries: where it is sent, else its nominal date."""
        return self.nominal if self.final is None else self.final


def broadcast_dates(plan: Plan) -> tuple[BroadcastDate, ...]:
    """Every broadcast occurrence sent in the horizon, or skipped with its nominal date in it.

    Broadcasts roll by the calendar's policy. Depends on :func:`calendar_key` and
    the plan's broadcasts only (the last few results are kept: a drag asks often).
    """
    return _broadcast_dates(calendar_key(plan), plan.broadcasts)


@lru_cache(maxsize=4)
def _broadcast_dates(
    key: tuple[Any, ...], broadcasts: tuple[Broadcast, ...]
) -> tuple[BroadcastDate, ...]:
    horizon = _Horizon.of_key(key)
    policy = horizon.default_roll
    out: list[BroadcastDate] = []
    for b in sorted(broadcasts, key=lambda b: b.id):
        days = horizon.days_of(b.owner)
        for index, nominal_date in enumerate(expand_rrule(b.rrule, b.dtstart)):
            nominal = nominal_date.toordinal()
            final = days.land(nominal, policy)
            if nominal > horizon.end and (final is None or final > horizon.end):
                break  # rolling keeps the order: later dates land later still
            if final is None:
                if policy == "skip" and horizon.inside(nominal):
                    out.append(BroadcastDate(b, index, nominal, None))
            elif horizon.inside(final):
                out.append(BroadcastDate(b, index, nominal, final))
    return tuple(out)


def reaches(b: Broadcast, product_id: str) -> bool:
    """Whether a broadcast reaches a product's leads (no list: every product)."""
    return b.products is None or product_id in b.products


def leads_on(product: Product, days: Iterable[int]) -> dict[int, float]:
    """Expected leads of a product on each given day (ordinal): the sum over its cohorts
    whose journey contains that day, each with the leads of its stage on that day."""
    intake = sorted(d.toordinal() for d in product.cohorts.intake_dates())
    leads_at_offset: list[float] = []
    for span in journey(product):
        leads_at_offset += [span.leads] * span.days
    cycle = len(leads_at_offset)
    out: dict[int, float] = {}
    for d in days:
        total = 0.0
        for first in intake[bisect_left(intake, d - cycle + 1) : bisect_right(intake, d)]:
            total += leads_at_offset[d - first]
        out[d] = total
    return out


@dataclass
class BroadcastSchedule:
    """The broadcasts' occurrences (sent ones by calendar slot) and skipped ones."""

    by_slot: dict[int, list[Occurrence]] = field(default_factory=dict)
    skipped_by_slot: dict[int, list[Skipped]] = field(default_factory=dict)
    sent: list[Occurrence] = field(default_factory=list)  # in date order


def broadcast_schedule(
    plan: Plan, dates: Sequence[BroadcastDate], leads: Mapping[str, Mapping[int, float]]
) -> BroadcastSchedule:
    """The broadcast occurrences with their leads: the sum over the products they reach
    (in plan order) of ``leads[product id][day]`` (see :func:`leads_on`)."""
    horizon = _Horizon.of(plan)
    out = BroadcastSchedule()
    # The leads of the products each broadcast reaches, in plan order (the sum's order).
    reached: dict[str, list[Mapping[int, float]]] = {}
    for d in dates:
        b = d.broadcast
        if b.id not in reached:
            reached[b.id] = [leads[p.id] for p in plan.products if reaches(b, p.id)]
        total = 0.0
        for leads_of in reached[b.id]:
            total += leads_of.get(d.day, 0.0)
        uid = broadcast_uid(plan.id, b.id, d.index)
        shared = (b.time, None, None, None, b.id, b.name, b.channel, b.owner, b.automated, total)
        if d.final is None:
            reason = horizon.reason(d.nominal, b.owner)
            skip = Skipped(uid, day(d.nominal), *shared, reason, d.index, "broadcast")
            out.skipped_by_slot.setdefault(slot_key(d.nominal, time_key(b.time)), []).append(skip)
            continue
        o = Occurrence(uid, day(d.final), *shared, day(d.nominal), d.index, "broadcast")
        out.by_slot.setdefault(slot_key(d.final, time_key(b.time)), []).append(o)
    for key in sorted(out.by_slot):
        out.by_slot[key].sort(key=lambda o: (o.touch, o.repeat))
        out.sent += out.by_slot[key]
    out.sent.sort(key=lambda o: o.date)  # stable: slot order within a day
    return out


def broadcast_days(dates: Iterable[BroadcastDate], product_id: str) -> list[int]:
    """The days on which a broadcast that reaches the product is sent (or skipped)."""
    return sorted({d.day for d in dates if reaches(d.broadcast, product_id)})


# --- the whole calendar ---------------------------------------------------------------


def merge_by_key(pieces: Sequence[Mapping[int, Sequence[T]]]) -> list[T]:
    """The entries of ``pieces`` ({key: entries in order}) in one order: by key, then
    piece, then each piece's own order (the calendar's and the gap list's order)."""
    out: list[T] = []
    for key in sorted(set().union(*pieces)):
        for piece in pieces:
            found = piece.get(key)
            if found:
                out += found
    return out


def merge_calendar(broadcasts: BroadcastSchedule, products: Sequence[ProductSchedule]) -> Schedule:
    """The calendar in the engine's order from its pieces (``products`` in id order).

    Order: date, time, then broadcasts before products, products by id, and
    within one product touch, cohort, repeat (each piece's slot order).
    """
    touches = merge_by_key([broadcasts.by_slot, *(p.by_slot for p in products)])
    skipped = merge_by_key([broadcasts.skipped_by_slot, *(p.skipped_by_slot for p in products)])
    return Schedule(tuple(touches), tuple(skipped))


def schedule(plan: Plan) -> Schedule:
    """The dated calendar of a plan: every touch and broadcast occurrence in its horizon.

    Pure: depends only on ``plan``. Order: date, time (all-day first), product
    (broadcasts first), touch, cohort, repeat. ``skipped`` lists the occurrences
    not sent (roll policy ``skip``) whose nominal date is in the horizon.
    """
    if plan.end < plan.start:
        return Schedule(())
    with gc_paused():
        dates = broadcast_dates(plan)
        leads = {p.id: leads_on(p, broadcast_days(dates, p.id)) for p in plan.products}
        products = [product_schedule(plan, p) for p in sorted(plan.products, key=lambda p: p.id)]
        return merge_calendar(broadcast_schedule(plan, dates, leads), products)
