"""Gap checks: where a plan lets a lead fall through the cracks.

``check(plan, schedule)`` returns every :class:`~cadence.model.Gap`, sorted by
start, kind, product, cohort, stage, team (:func:`gap_sort_key`). Pure: no I/O,
no clock, no Qt. Each kind is one function below, named after it and written
the way docs/scheduling.md states the rule:

* :func:`unowned_gaps` — journey days in stages no team owns;
* :func:`silence_gaps` — quiet runs longer than the stage (or plan) allows;
* :func:`handoff_gaps` — a new owner without a contact within the hand-off SLA;
* :func:`spacing_gaps` — two consecutive contacts closer than the minimum spacing;
* :func:`capacity_gaps` — a team's weekly load above its capacity;
* :func:`cadence.content.content_gaps` — a touch whose asset is missing, not ready
  or past review on its date;
* :func:`cadence.content.coverage_gaps` — a stage (per persona) without any asset.

The first four look at one cohort at a time (:class:`CohortJourney`: its stages
as dates, and its contacts sorted once); :func:`product_gaps` runs them over a
product's cohorts, so that :class:`cadence.planner.Planner` can re-check only
the products an edit changed and merge the rest (:func:`merge_gaps`).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cadence.calendar import WorkingDays, team_working_days, time_key
from cadence.content import content_gaps, coverage_gaps
from cadence.engine import merge_by_key
from cadence.gcpause import gc_paused
from cadence.model import GAP_KINDS, Gap, Occurrence, Plan, Product, Rules, Schedule, Team

__all__ = [
    "CohortJourney",
    "Loads",
    "ProductGaps",
    "capacity_gap",
    "capacity_gaps",
    "capacity_teams",
    "check",
    "cohort_journeys",
    "gap_bucket",
    "gap_sort_key",
    "handoff_gaps",
    "merge_gaps",
    "product_gaps",
    "silence_gaps",
    "sort_gaps",
    "spacing_gaps",
    "unowned_gaps",
    "TeamWeeks",
    "team_weeks",
    "weekly_loads",
    "answering_team",
    "counted_days",
    "handoff_window_end",
    "week_capacity",
]

# Leads of non-automated touch occurrences per (team id, ordinal of the ISO week's Monday).
Loads = dict[tuple[str, int], list[float]]


# --- order -----------------------------------------------------------------------------

_KIND_RANK = {kind: rank for rank, kind in enumerate(sorted(GAP_KINDS))}


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


def gap_bucket(g: Gap) -> int:
    """The first two sort fields (start, kind) as one integer, to merge products' gaps."""
    return g.start.toordinal() * 8 + _KIND_RANK[g.kind]


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _contact_order(o: Occurrence) -> tuple[date, int, str]:
    return (o.date, time_key(o.time), o.uid)


# --- one cohort's journey ------------------------------------------------------------------


@dataclass(frozen=True)
class CohortJourney:
    """One cohort of a product as the checks see it.

    ``stage_firsts[k]`` is the ordinal of stage k's first day; the journey ends on
    ``last``. ``window`` is the journey cut to the horizon (None: they do not
    meet). ``contacts`` are the cohort's touch occurrences in the horizon plus the
    broadcasts reaching it on journey days, in order of date, time and UID;
    ``contact_days`` their ordinals.
    """

    product: Product
    cohort: date
    stage_firsts: tuple[int, ...]
    last: int
    window: tuple[int, int] | None
    contacts: Sequence[Occurrence]
    contact_days: Sequence[int]

    def stage_at(self, ordinal: int) -> int | None:
        """Index of the stage the cohort is in on a day (None: outside its journey)."""
        if not self.stage_firsts[0] <= ordinal <= self.last:
            return None
        return bisect_right(self.stage_firsts, ordinal) - 1


def cohort_journeys(
    plan: Plan, product: Product, touches: Iterable[Occurrence], broadcasts: Sequence[Occurrence]
) -> list[CohortJourney]:
    """The journeys of a product's cohorts (in intake order) with their contacts.

    ``touches``: the product's occurrences in the horizon; ``broadcasts``: the
    broadcast occurrences reaching the product, in date order.
    """
    start, end = plan.start.toordinal(), plan.end.toordinal()
    own: dict[date | None, list[Occurrence]] = {}
    for o in touches:
        own.setdefault(o.cohort, []).append(o)
    broadcast_days = [o.date.toordinal() for o in broadcasts]
    offsets = [0]
    for s in product.stages:
        offsets.append(offsets[-1] + s.days)
    out = []
    for cohort in product.cohorts.intake_dates():
        first = cohort.toordinal()
        last = first + offsets[-1] - 1
        lo = max(first, start)
        hi = min(last, end)
        contacts = own.get(cohort, [])
        reaching = broadcasts[
            bisect_left(broadcast_days, first) : bisect_right(broadcast_days, last)
        ]
        if reaching:
            contacts = contacts + list(reaching)
        contacts.sort(key=_contact_order)
        out.append(
            CohortJourney(
                product,
                cohort,
                tuple(first + offset for offset in offsets[:-1]),
                last,
                (lo, hi) if lo <= hi else None,
                contacts,
                [o.date.toordinal() for o in contacts],
            )
        )
    return out


# --- who answers, and how days are counted (rules.lead_desk, rules.count_days) ----------------


def answering_team(j: CohortJourney, k: int, rules: Rules) -> str | None:
    """The team that should answer for a lead in stage k: the stage's owner; for a
    stage no team owns, the plan's lead desk, else the owner of the nearest earlier
    stage that has one (None when no earlier stage has an owner)."""
    stages = j.product.stages
    if stages[k].owner is not None:
        return stages[k].owner
    if rules.lead_desk is not None:
        return rules.lead_desk
    for earlier in reversed(stages[:k]):
        if earlier.owner is not None:
            return earlier.owner
    return None


def counted_days(plan: Plan, team: str | None, first: int, last: int) -> int:
    """How many days the rules count from ``first`` to ``last`` (ordinals, inclusive):
    every day with ``count_days`` "calendar"; with "working", the working days of
    ``team`` (the plan calendar's for no team)."""
    if plan.rules.count_days != "working":
        return last - first + 1
    days = team_working_days(plan, team)
    return days.count_working(date.fromordinal(first), date.fromordinal(last))


def handoff_window_end(plan: Plan, team: str, first: int) -> int:
    """The last day (ordinal) of a hand-off window opening on ``first``: ``first`` +
    ``handoff_sla_days``; with ``count_days`` "working", the ``handoff_sla_days``-th
    working day of the receiving team after ``first``. Cut at the horizon's end."""
    sla = plan.rules.handoff_sla_days or 0
    end = plan.end.toordinal()
    if plan.rules.count_days != "working":
        return min(first + sla, end)
    days = team_working_days(plan, team)
    return days.working_day_after(date.fromordinal(first), sla, plan.end).toordinal()


def week_capacity(plan: Plan, team: Team, days: WorkingDays, monday: int) -> float:
    """A team's capacity in the ISO week starting on ``monday``.

    A team with a calendar of its own has its ``weekly_capacity`` per working day of
    the plan's week (``weekly_capacity`` ÷ number of workdays) times its working days
    that week (its holidays and blackouts skipped), 2 decimals; a full week gives
    ``weekly_capacity`` itself. A team on the plan's calendar keeps ``weekly_capacity``
    every week (as plans did before teams had calendars).
    """
    assert team.weekly_capacity is not None
    if not team.has_own_calendar:
        return team.weekly_capacity
    first = date.fromordinal(monday)
    working = days.count_working(first, date.fromordinal(monday + 6))
    full = len(plan.calendar.workdays)
    if working >= full:
        return team.weekly_capacity
    value = round(team.weekly_capacity * working / full, 2)
    return int(value) if value == int(value) else value


def _days_counted(plan: Plan, n: int) -> str:
    if plan.rules.count_days == "working":
        return f"{n} working day" if n == 1 else f"{n} working days"
    return _days(n)


# --- the rules, one function each -------------------------------------------------------------


def unowned_gaps(j: CohortJourney, rules: Rules) -> list[Gap]:
    """Each maximal run of journey days (in the horizon) in stages whose owner is null.

    Consecutive unowned stages make one gap; its stage is where the run starts, its
    team the one that answers there (:func:`answering_team`: the lead desk, else the
    previous owner).
    """
    if j.window is None:
        return []
    stages = j.product.stages
    found = []
    k = 0
    while k < len(stages):
        if stages[k].owner is not None:
            k += 1
            continue
        k_end = k
        while k_end + 1 < len(stages) and stages[k_end + 1].owner is None:
            k_end += 1
        run_last = j.stage_firsts[k_end + 1] - 1 if k_end + 1 < len(stages) else j.last
        r0, r1 = max(j.stage_firsts[k], j.window[0]), min(run_last, j.window[1])
        k = k_end + 1
        if r0 > r1:
            continue
        k0, k1 = j.stage_at(r0), j.stage_at(r1)
        assert k0 is not None and k1 is not None
        d0, d1 = date.fromordinal(r0), date.fromordinal(r1)
        names = _quoted(s.name for s in stages[k0 : k1 + 1])
        message = f"no team owns the lead in {names} for {_days(r1 - r0 + 1)} ({d0} to {d1})"
        team = answering_team(j, k0, rules)
        found.append(Gap("unowned", j.product.id, j.cohort, stages[k0].id, team, d0, d1, message))
    return found


def silence_gaps(j: CohortJourney, plan: Plan) -> list[Gap]:
    """Each maximal run of journey days (in the horizon) without a contact, longer than allowed.

    Allowed: the ``max_silence_days`` of the stage where the run starts, else the
    plan's; null: off. Runs at the start and end of the journey count. The run's
    length is :func:`counted_days` for the team that should answer where it starts
    (:func:`answering_team`), which the gap names.
    """
    if j.window is None:
        return []
    rules = plan.rules
    a, b = j.window
    found = []
    quiet_from = a  # first day of the current quiet run
    for d in [*j.contact_days[bisect_left(j.contact_days, a) :], b + 1]:
        if d > b + 1:
            d = b + 1
        if d > quiet_from:
            k = j.stage_at(quiet_from)
            assert k is not None
            stage = j.product.stages[k]
            allowed = stage.max_silence_days
            if allowed is None:
                allowed = rules.max_silence_days
            team = answering_team(j, k, rules)
            length = d - quiet_from
            if allowed is not None and length > allowed:
                length = counted_days(plan, team, quiet_from, d - 1)
            if allowed is not None and length > allowed:
                d0, d1 = date.fromordinal(quiet_from), date.fromordinal(d - 1)
                message = (
                    f"no contact for {_days_counted(plan, length)} ({d0} to {d1})"
                    f' from "{stage.name}"; allowed {allowed}'
                )
                found.append(
                    Gap("silence", j.product.id, j.cohort, stage.id, team, d0, d1, message)
                )
        quiet_from = d + 1
        if quiet_from > b:
            break
    return found


def handoff_gaps(j: CohortJourney, plan: Plan) -> list[Gap]:
    """A stage whose owner is a team other than the previous stage's owner, with no
    contact by the new owner on days 0 … ``handoff_sla_days`` of the stage.

    The first stage is never a hand-off; no team → team is one. Not checked when
    the stage starts outside the horizon; the window is cut at the horizon end. With
    ``count_days`` "working" the SLA counts the new owner's working days
    (:func:`handoff_window_end`).
    """
    sla = plan.rules.handoff_sla_days
    if sla is None:
        return []
    stages = j.product.stages
    found = []
    for k in range(1, len(stages)):
        owner = stages[k].owner
        if owner is None or owner == stages[k - 1].owner:
            continue
        first = j.stage_firsts[k]
        if not plan.start.toordinal() <= first <= plan.end.toordinal():
            continue
        last = handoff_window_end(plan, owner, first)
        window = j.contacts[bisect_left(j.contact_days, first) : bisect_right(j.contact_days, last)]
        if any(o.owner == owner for o in window):
            continue
        team = plan.team(owner)
        name = team.name if team is not None else owner
        d0, d1 = date.fromordinal(first), date.fromordinal(last)
        message = (
            f'hand-off to {name} at "{stages[k].name}": no contact by {name}'
            f" from {d0} to {d1} (within {_days_counted(plan, sla)})"
        )
        found.append(Gap("handoff", j.product.id, j.cohort, stages[k].id, owner, d0, d1, message))
    return found


def spacing_gaps(j: CohortJourney, rules: Rules) -> list[Gap]:
    """Two consecutive contacts of the cohort less than ``min_spacing_days`` apart
    (same day = 0 days), whoever owns them: one gap per pair, ``uids`` holds both.

    Every contact counts, also of a cohort whose journey lies outside the horizon
    while its touches roll into it. The stage is the cohort's on the later date
    (a touch rolled past the journey keeps its own stage; a broadcast has none).
    """
    spacing = rules.min_spacing_days
    if not spacing:
        return []
    found = []
    days, contacts = j.contact_days, j.contacts
    close = [i for i in range(1, len(days)) if days[i] - days[i - 1] < spacing]
    for i in close:
        apart = days[i] - days[i - 1]
        earlier, later = contacts[i - 1], contacts[i]
        k = j.stage_at(days[i])
        stage = j.product.stages[k].id if k is not None else later.stage
        message = (
            f'"{earlier.name}" ({earlier.date}) and "{later.name}" ({later.date})'
            f" are {_days(apart)} apart; minimum {_days(spacing)}"
        )
        found.append(
            Gap(
                "spacing",
                j.product.id,
                j.cohort,
                stage,
                None,
                earlier.date,
                later.date,
                message,
                uids=(earlier.uid, later.uid),
            )
        )
    return found


def weekly_loads(touches: Iterable[Occurrence]) -> Loads:
    """The leads of non-automated touch occurrences (broadcasts do not count) per team and
    ISO week (the Monday's ordinal)."""
    loads: Loads = {}
    for o in touches:
        if o.kind == "touch" and not o.automated:
            loads.setdefault((o.owner, monday_ordinal(o.date)), []).append(o.leads)
    return loads


def monday_ordinal(day: date) -> int:
    """The ordinal of the Monday of ``day``'s ISO week."""
    ordinal = day.toordinal()
    return ordinal - (ordinal - 1) % 7


#: team -> Monday's ordinal -> (leads of its manual touches, leads of its automated ones)
TeamWeeks = dict[str, dict[int, tuple[list[float], list[float]]]]


def team_weeks(touches: Iterable[Occurrence]) -> TeamWeeks:
    """The leads of each team's touch occurrences per ISO week, manual and automated apart
    (the workload chart's bars). The manual part is what :func:`weekly_loads` sums for
    the capacity check; broadcasts and requests count in neither."""
    weeks: TeamWeeks = {}
    for o in touches:
        if o.kind == "touch":
            own = weeks.setdefault(o.owner, {})
            week = own.get(monday_ordinal(o.date))
            if week is None:
                week = own[monday_ordinal(o.date)] = ([], [])
            (week[1] if o.automated else week[0]).append(o.leads)
    return weeks


def capacity_gap(plan: Plan, team: Team, monday: int, leads: Iterable[float]) -> Gap | None:
    """One team's ISO week starting on ``monday``: a gap when its load (the sum of the
    ``leads`` of its non-automated touches, 2 decimals) is above the team's capacity
    that week (:func:`week_capacity`)."""
    load = round(math.fsum(leads), 2)
    cap = week_capacity(plan, team, team_working_days(plan, team.id), monday)
    if load <= cap:
        return None
    first, last = date.fromordinal(monday), date.fromordinal(monday + 6)
    year, week, _ = first.isocalendar()
    message = f"{team.name}: {load:g} leads in week {year}-W{week:02d}, capacity {cap:g}"
    return Gap("capacity", None, None, None, team.id, first, last, message, load, cap)


def capacity_teams(plan: Plan) -> dict[str, Team]:
    """The teams with a ``weekly_capacity`` (only their weeks are checked), by id."""
    return {t.id: t for t in plan.teams if t.weekly_capacity is not None}


def capacity_gaps(plan: Plan, loads: Iterable[Loads]) -> list[Gap]:
    """Per team and ISO week (in that order): :func:`capacity_gap` of the products'
    ``loads`` (see :func:`weekly_loads`) summed."""
    capacity = capacity_teams(plan)
    total: dict[tuple[str, int], list[float]] = {}
    for product_loads in loads:
        for key, leads in product_loads.items():
            if key[0] in capacity:
                total.setdefault(key, []).extend(leads)
    found = []
    for (team_id, monday), leads in sorted(total.items()):
        gap = capacity_gap(plan, capacity[team_id], monday, leads)
        if gap is not None:
            found.append(gap)
    return found


# --- putting them together ------------------------------------------------------------------


@dataclass(frozen=True)
class ProductGaps:
    """One product's gaps in report order, the same by :func:`gap_bucket`, its weekly loads,
    and how many gaps of each kind it has."""

    product: Product
    gaps: list[Gap] = field(default_factory=list)
    buckets: dict[int, list[Gap]] = field(default_factory=dict)
    loads: Loads = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)


def product_gaps(
    plan: Plan, product: Product, touches: Sequence[Occurrence], broadcasts: Sequence[Occurrence]
) -> ProductGaps:
    """The unowned, silence, handoff, spacing, content and coverage gaps of one product,
    and its weekly loads.

    ``touches``: the product's occurrences in the horizon; ``broadcasts``: every
    sent broadcast occurrence in the horizon, in date order.
    """
    reaches = {b.id for b in plan.broadcasts if b.products is None or product.id in b.products}
    reaching = [o for o in broadcasts if o.touch in reaches]
    found: list[Gap] = []
    for j in cohort_journeys(plan, product, touches, reaching):
        found += unowned_gaps(j, plan.rules)
        found += silence_gaps(j, plan)
        found += handoff_gaps(j, plan)
        found += spacing_gaps(j, plan.rules)
    found += content_gaps(plan, product, touches)
    found += coverage_gaps(plan, product)
    found = sort_gaps(found)
    buckets: dict[int, list[Gap]] = {}
    kinds: dict[str, int] = {}
    for g in found:
        buckets.setdefault(gap_bucket(g), []).append(g)
        kinds[g.kind] = kinds.get(g.kind, 0) + 1
    return ProductGaps(product, found, buckets, weekly_loads(touches), kinds)


def merge_gaps(parts: Sequence[ProductGaps], capacity: Sequence[Gap]) -> list[Gap]:
    """Every gap in report order, from the products' gaps (in product id order) and the
    capacity gaps: per (start, kind), products in id order (capacity has no product)."""
    wide: dict[int, list[Gap]] = {}
    for g in capacity:
        wide.setdefault(gap_bucket(g), []).append(g)
    return merge_by_key([wide, *(part.buckets for part in parts)])


def check(plan: Plan, schedule: Schedule) -> list[Gap]:
    """Every gap of ``plan`` given its ``schedule`` (as returned by ``engine.schedule``).

    Occurrences outside the horizon, and touches of unknown products, are left
    out; touches of cohorts a product does not have count only for the loads.
    """
    with gc_paused():
        return _check(plan, schedule)


def _check(plan: Plan, schedule: Schedule) -> list[Gap]:
    start, end = plan.start, plan.end
    by_product: dict[str | None, list[Occurrence]] = {}
    broadcasts: list[Occurrence] = []
    for o in schedule.touches:
        if not start <= o.date <= end:
            continue
        if o.kind == "broadcast" and o.product is None:
            broadcasts.append(o)
        elif o.kind == "touch":
            by_product.setdefault(o.product, []).append(o)
    broadcasts.sort(key=lambda o: o.date)
    parts = [
        product_gaps(plan, p, by_product.get(p.id, []), broadcasts)
        for p in sorted(plan.products, key=lambda p: p.id)
    ]
    return merge_gaps(parts, capacity_gaps(plan, [part.loads for part in parts]))
