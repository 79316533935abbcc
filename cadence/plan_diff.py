"""What-if: what changes between two plans, in the planner's terms.

Compares the calendars (entries added, removed and moved, matched by UID), the
gaps (opened and closed, by identity), each team's weekly load against its
capacity, and the expected leads per stage. Built only on the public results
of ``engine.schedule`` and ``gaps.check``. Pure: no I/O, no clock, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from cadence import engine, gaps
from cadence.funnel import expected_stage_leads
from cadence.model import Gap, Occurrence, Plan

# Loads and leads are compared at the precision the reports print them.
DIGITS = 2


@dataclass(frozen=True, slots=True)
class EntryChange:
    """A calendar entry added, removed or moved (date or time changed), by UID.

    ``uid`` is the entry's UID in plan B (in plan A for a removed one); ``week``
    is the ISO week (``2027-W10``) of the new date, or of the old one when removed.
    """

    change: str  # "added" | "removed" | "moved"
    uid: str
    team: str
    week: str
    name: str
    product: str | None
    cohort: date | None
    old: date | None
    new: date | None
    old_time: time | None = None
    new_time: time | None = None


@dataclass(frozen=True, slots=True)
class LoadChange:
    """One team's load in one ISO week (Monday ``week_start``) before and after."""

    team: str
    week_start: date
    before: float
    after: float
    capacity: int | None

    @property
    def week(self) -> str:
        return iso_week(self.week_start)


@dataclass(frozen=True, slots=True)
class LeadsChange:
    """Expected leads entering one stage of one product (over all cohorts) before and after."""

    product: str
    stage: str
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class PlanDiff:
    """Everything that differs between plan A and plan B; empty when nothing does."""

    entries: tuple[EntryChange, ...] = ()
    gaps_opened: tuple[Gap, ...] = ()
    gaps_closed: tuple[Gap, ...] = ()
    load: tuple[LoadChange, ...] = ()
    leads: tuple[LeadsChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.entries or self.gaps_opened or self.gaps_closed or self.load or self.leads)

    def count(self, change: str) -> int:
        """How many entries were ``added``, ``removed`` or ``moved``."""
        return sum(1 for e in self.entries if e.change == change)

    def summary(self) -> str:
        """The counts in one line, or "no changes"."""
        if self.empty:
            return "no changes"
        return (
            f"{self.count('added')} added, {self.count('removed')} removed, "
            f"{self.count('moved')} moved; "
            f"{_n(len(self.gaps_opened), 'gap')} opened, {len(self.gaps_closed)} closed; "
            f"load changes in {_n(len(self.load), 'team week')}; "
            f"expected leads change in {_n(len(self.leads), 'stage')}"
        )


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def iso_week(day: date) -> str:
    """The ISO week of a day, as ``2027-W09``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def uid_key(plan: Plan, uid: str) -> str:
    """A UID without its plan id, so a what-if saved under another id still matches."""
    prefix = f"{plan.id}."
    return uid[len(prefix) :] if uid.startswith(prefix) else uid


# --- calendar entries -----------------------------------------------------------------


def _entry(change: str, o: Occurrence, old: Occurrence | None = None) -> EntryChange:
    return EntryChange(
        change=change,
        uid=o.uid,
        team=o.owner,
        week=iso_week(o.date),
        name=o.name,
        product=o.product,
        cohort=o.cohort,
        old=(old or o).date if change != "added" else None,
        new=o.date if change != "removed" else None,
        old_time=(old or o).time if change != "added" else None,
        new_time=o.time if change != "removed" else None,
    )


def entry_changes(
    a: Plan, entries_a: Iterable[Occurrence], b: Plan, entries_b: Iterable[Occurrence]
) -> list[EntryChange]:
    """Entries of B not in A (added), of A not in B (removed), and in both on another
    date or time (moved), matched by UID; in date order, removed ones by their old date."""
    before = {uid_key(a, o.uid): o for o in entries_a}
    after = {uid_key(b, o.uid): o for o in entries_b}
    found: list[EntryChange] = []
    for key, o in after.items():
        old = before.get(key)
        if old is None:
            found.append(_entry("added", o))
        elif (old.date, old.time) != (o.date, o.time):
            found.append(_entry("moved", o, old))
    for key, o in before.items():
        if key not in after:
            found.append(_entry("removed", o))
    order = {"removed": 0, "moved": 1, "added": 2}
    found.sort(key=lambda e: (e.new or e.old or date.min, order[e.change], e.uid))
    return found


# --- gaps -----------------------------------------------------------------------------


def gap_identity(g: Gap) -> tuple[object, ...]:
    """What makes a gap the same gap in two plans: kind, product, cohort, stage, team, start."""
    return (g.kind, g.product, g.cohort, g.stage, g.team, g.start)


def gap_changes(before: Iterable[Gap], after: Iterable[Gap]) -> tuple[list[Gap], list[Gap]]:
    """(gaps opened: in B only, gaps closed: in A only), each in its plan's order."""
    before_list, after_list = list(before), list(after)
    seen_before = {gap_identity(g) for g in before_list}
    seen_after = {gap_identity(g) for g in after_list}
    opened = [g for g in after_list if gap_identity(g) not in seen_before]
    closed = [g for g in before_list if gap_identity(g) not in seen_after]
    return opened, closed


# --- load -----------------------------------------------------------------------------


def weekly_load(entries: Iterable[Occurrence]) -> dict[tuple[str, date], float]:
    """Per (team, Monday): the expected leads of its non-automated touch occurrences —
    the load the capacity check weighs (broadcasts and requests do not count)."""
    parts: dict[tuple[str, date], list[float]] = {}
    for o in entries:
        if o.kind == "touch" and not o.automated:
            parts.setdefault((o.owner, monday_of(o.date)), []).append(o.leads)
    return {key: math.fsum(values) for key, values in parts.items()}


def load_changes(
    b: Plan, before: dict[tuple[str, date], float], after: dict[tuple[str, date], float]
) -> list[LoadChange]:
    """Team weeks whose load differs (at 2 decimals), by team then week; capacity from B."""
    capacity = {t.id: t.weekly_capacity for t in b.teams}
    found = []
    for key in sorted(set(before) | set(after)):
        old, new = round(before.get(key, 0.0), DIGITS), round(after.get(key, 0.0), DIGITS)
        if old != new:
            found.append(LoadChange(key[0], key[1], old, new, capacity.get(key[0])))
    return found


# --- leads ----------------------------------------------------------------------------


def leads_changes(a: Plan, b: Plan) -> list[LeadsChange]:
    """Stages whose expected leads differ (at 2 decimals); a stage only in one plan has 0
    in the other. In B's product and stage order, then what only A has."""
    before, after = expected_stage_leads(a), expected_stage_leads(b)
    keys = list(after) + [k for k in before if k not in after]
    found = []
    for key in keys:
        old, new = round(before.get(key, 0.0), DIGITS), round(after.get(key, 0.0), DIGITS)
        if old != new:
            found.append(LeadsChange(key[0], key[1], old, new))
    return found


# --- the whole comparison -------------------------------------------------------------


def _stage_owners(plans: Sequence[Plan]) -> dict[tuple[str, str], set[str]]:
    owners: dict[tuple[str, str], set[str]] = {}
    for plan in plans:
        for p in plan.products:
            for s in p.stages:
                if s.owner is not None:
                    owners.setdefault((p.id, s.id), set()).add(s.owner)
    return owners


def only_team(d: PlanDiff, team: str, a: Plan, b: Plan) -> PlanDiff:
    """What concerns one team: its entries, gaps and load, and the leads of stages it owns
    (in either plan)."""
    owners = _stage_owners((a, b))
    return PlanDiff(
        entries=tuple(e for e in d.entries if e.team == team),
        gaps_opened=tuple(g for g in d.gaps_opened if g.team == team),
        gaps_closed=tuple(g for g in d.gaps_closed if g.team == team),
        load=tuple(c for c in d.load if c.team == team),
        leads=tuple(c for c in d.leads if team in owners.get((c.product, c.stage), set())),
    )


def diff_plans(a: Plan, b: Plan, team: str | None = None) -> PlanDiff:
    """What changes from plan A to plan B (only what concerns ``team`` when given)."""
    sched_a, sched_b = engine.schedule(a), engine.schedule(b)
    opened, closed = gap_changes(gaps.check(a, sched_a), gaps.check(b, sched_b))
    # The schedule may build each entry when it is read: read them once.
    entries_a, entries_b = list(sched_a.touches), list(sched_b.touches)
    found = PlanDiff(
        entries=tuple(entry_changes(a, entries_a, b, entries_b)),
        gaps_opened=tuple(opened),
        gaps_closed=tuple(closed),
        load=tuple(load_changes(b, weekly_load(entries_a), weekly_load(entries_b))),
        leads=tuple(leads_changes(a, b)),
    )
    return found if team is None else only_team(found, team, a, b)
