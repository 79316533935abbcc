"""Agendas of internal meetings, built from the plan.

An internal broadcast (``products: []``, e.g. the weekly sales & marketing
alignment) reaches no lead; each of its occurrences carries an agenda for the
period from that occurrence up to the day before the next one (the last one:
up to the plan's end). The agenda is a list of sections, each made by one
named function of :data:`SECTIONS` over an :class:`AgendaContext`:

* :func:`gaps_section` — open gaps (unowned, silence, hand-off, spacing) that
  overlap the period, grouped by owning team, product, stage and kind
  ("Qualification of Billing Cloud unowned for 3 cohorts");
* :func:`requests_section` — collateral requests late, or at risk (1 working day
  of slack or less, due in the period);
* :func:`capacity_section` — weeks over a team's capacity that overlap the period;
* :func:`drift_section` — drift between plan and actuals, when a CRM export is given;
* :func:`actions_section` — the meeting's action items still open (carried until done).

Assets running out (the content library) plug in as one more section function.
Pure: no I/O, no clock; the meeting's date is the "today" of its agenda.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from cadence.content import assets_running_out
from cadence.gcpause import gc_paused
from cadence.model import ActionItem, Broadcast, Gap, Occurrence, Plan, Product, Schedule

__all__ = [
    "SECTIONS",
    "Agenda",
    "AgendaBook",
    "AgendaContext",
    "AgendaEntry",
    "AgendaError",
    "AgendaSection",
    "actions_section",
    "agenda_json",
    "agenda_markdown",
    "agenda_text",
    "capacity_section",
    "carried_actions",
    "drift_section",
    "gaps_section",
    "is_meeting",
    "meeting_dates",
    "requests_section",
]

# A request that fits with this many working days to spare, or fewer, is at risk.
AT_RISK_SLACK_DAYS = 1
# Gap kinds of the gaps section (capacity and drift have their own).
OPEN_GAP_KINDS = ("unowned", "silence", "handoff", "spacing", "content", "coverage")
OPEN_STATUSES = ("requested", "scheduled", "in_production")


class AgendaError(ValueError):
    """The meeting or the date asked for has no agenda; the message says why."""


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """One line of an agenda: what to discuss, whose it is, and how many gaps it stands for."""

    text: str
    kind: str  # a gap kind, "late", "at_risk", "asset" or "action"
    team: str | None = None
    count: int = 1
    key: str = ""  # stable within a meeting (the app turns an entry into an action item by it)


@dataclass(frozen=True, slots=True)
class AgendaSection:
    id: str
    title: str
    entries: tuple[AgendaEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Agenda:
    """The agenda of one occurrence of a meeting: ``start`` … ``end`` (inclusive)."""

    meeting: str
    name: str
    start: date
    end: date
    sections: tuple[AgendaSection, ...]

    def gap_counts(self) -> dict[str, int]:
        """How many gaps of each kind the agenda covers (gaps, capacity, drift)."""
        counts: Counter[str] = Counter()
        for section in self.sections:
            if section.id in ("gaps", "capacity", "drift"):
                for entry in section.entries:
                    counts[entry.kind] += entry.count
        return dict(sorted(counts.items()))

    def section(self, section_id: str) -> AgendaSection | None:
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True)
class AgendaContext:
    """What a section function reads: the plan, its gaps, drift, and the period."""

    plan: Plan
    meeting: Broadcast
    start: date
    end: date
    gaps: Sequence[Gap] = ()
    drift: Sequence[Gap] = ()
    request_slots: Sequence[Any] = ()  # cadence.requests.Slot of every active request

    def overlapping(self, gaps: Iterable[Gap]) -> list[Gap]:
        """The gaps with at least one day in the period (as ``export --from/--to`` keeps them)."""
        return [g for g in gaps if g.start <= self.end and g.end >= self.start]

    def team_name(self, team_id: str | None) -> str:
        team = self.plan.team(team_id)
        return team.name if team else "No team"

    @cached_property
    def products(self) -> dict[str, Product]:
        """The plan's products by id: looked up once per agenda, not per gap."""
        return {p.id: p for p in self.plan.products}

    @cached_property
    def stage_owners(self) -> dict[tuple[str, str], str | None]:
        """The owning team of each (product id, stage id): looked up once, not per gap."""
        return {(p.id, s.id): s.owner for p in self.plan.products for s in p.stages}


# --- which broadcasts are meetings, and when ---------------------------------------------


def is_meeting(b: Broadcast) -> bool:
    """An internal broadcast (``products: []``): its occurrences carry an agenda."""
    return b.internal


def meeting_dates(schedule: Schedule, meeting_id: str) -> list[date]:
    """The days a meeting takes place (sent occurrences, after rolling), in order."""
    return sorted(
        {o.date for o in schedule.touches if o.kind == "broadcast" and o.touch == meeting_id}
    )


def _period_end(dates: Sequence[date], day: date, plan_end: date) -> date:
    """The day before the meeting's next occurrence after ``day`` (or the plan's end)."""
    i = bisect_right(dates, day)
    return dates[i] - timedelta(days=1) if i < len(dates) else max(plan_end, day)


# --- the sections ----------------------------------------------------------------------


def _names(ctx: AgendaContext, product_id: str | None, stage_id: str | None) -> tuple[str, str]:
    product = ctx.products.get(product_id or "")
    stage = product.stage(stage_id or "") if product else None
    return (product.name if product else product_id or ""), (
        stage.name if stage else stage_id or ""
    )


def _owning_team(ctx: AgendaContext, g: Gap) -> str | None:
    """The gap's team, else the team that owns its stage (None: unowned)."""
    if g.team is not None or g.kind == "unowned":
        return g.team
    return ctx.stage_owners.get((g.product or "", g.stage or ""))


def _cohorts(n: int) -> str:
    return f"{n} cohort" if n == 1 else f"{n} cohorts"


def _gap_text(ctx: AgendaContext, kind: str, product: str, stage: str, group: list[Gap]) -> str:
    cohorts = _cohorts(len({g.cohort for g in group}))
    what = f"{stage} of {product}"
    if kind == "unowned":
        return f"{what} unowned for {cohorts}"
    if kind == "silence":
        return f"{what}: silence over the limit for {cohorts}"
    if kind == "handoff":
        return f"{what}: hand-off to {ctx.team_name(group[0].team)} missed for {cohorts}"
    if kind == "content":
        sends = f"{len(group)} send" if len(group) == 1 else f"{len(group)} sends"
        return f"{what}: content missing, not ready or past review ({sends} in {cohorts})"
    if kind == "coverage":
        return f"{what}: no asset in the content library"
    pairs = f"{len(group)} pair" if len(group) == 1 else f"{len(group)} pairs"
    return f"{what}: touches too close ({pairs} in {cohorts})"


def gaps_section(ctx: AgendaContext) -> AgendaSection:
    """Open gaps overlapping the period, one entry per owning team, product, stage and kind."""
    groups: dict[tuple[str, str, str, str], list[Gap]] = {}
    for g in ctx.overlapping(ctx.gaps):
        if g.kind not in OPEN_GAP_KINDS:
            continue
        team = _owning_team(ctx, g) or ""
        groups.setdefault((team, g.product or "", g.stage or "", g.kind), []).append(g)
    order = {t.id: i for i, t in enumerate(ctx.plan.teams)}
    entries = []
    for team, product_id, stage_id, kind in sorted(
        groups, key=lambda k: (order.get(k[0], len(order)), k[1], k[2], OPEN_GAP_KINDS.index(k[3]))
    ):
        group = groups[(team, product_id, stage_id, kind)]
        product, stage = _names(ctx, product_id, stage_id)
        entries.append(
            AgendaEntry(
                text=_gap_text(ctx, kind, product, stage, group),
                kind=kind,
                team=team or None,
                count=len(group),
                key=f"gaps:{team}:{product_id}:{stage_id}:{kind}",
            )
        )
    return AgendaSection("gaps", "Open gaps by team", tuple(entries))


def _request_entry(ctx: AgendaContext, slot: Any) -> AgendaEntry | None:
    q = ctx.plan.request(slot.request)
    if q is None or q.status not in OPEN_STATUSES:
        return None
    product, stage = _names(ctx, q.product, q.stage)
    where = f"{q.title} ({product}, {stage})"
    if not slot.fits and slot.delivery >= ctx.start:
        text = (
            f"{where}: late by {slot.days_late} working days — delivery "
            f"{slot.delivery.isoformat()}, needed by {q.needed_by.isoformat()}"
        )
        return AgendaEntry(text, "late", q.requested_by, 1, f"requests:{q.id}")
    due_now = ctx.start <= q.needed_by <= ctx.end
    if slot.fits and due_now and (slot.slack_days or 0) <= AT_RISK_SLACK_DAYS:
        spare = slot.slack_days or 0
        text = (
            f"{where}: at risk, {spare} working day{'s' if spare != 1 else ''} to spare — "
            f"delivery {slot.delivery.isoformat()}, needed by {q.needed_by.isoformat()}"
        )
        return AgendaEntry(text, "at_risk", q.requested_by, 1, f"requests:{q.id}")
    return None


def requests_section(ctx: AgendaContext) -> AgendaSection:
    """Open requests that will be late (delivery not yet past), or due in the period with
    at most :data:`AT_RISK_SLACK_DAYS` working days to spare."""
    entries = [e for s in ctx.request_slots if (e := _request_entry(ctx, s)) is not None]
    return AgendaSection("requests", "Requests late or at risk", tuple(entries))


def capacity_section(ctx: AgendaContext) -> AgendaSection:
    """Weeks over a team's capacity that overlap the period."""
    entries = []
    for g in ctx.overlapping(ctx.gaps):
        if g.kind != "capacity":
            continue
        year, week, _ = g.start.isocalendar()
        load = f"{g.load:g}" if g.load is not None else "?"
        text = f"{ctx.team_name(g.team)}: week {year}-W{week:02d}, {load} leads for capacity {g.capacity}"
        entries.append(AgendaEntry(text, "capacity", g.team, 1, f"capacity:{g.team}:{g.start}"))
    return AgendaSection("capacity", "Weeks over capacity", tuple(entries))


def drift_section(ctx: AgendaContext) -> AgendaSection:
    """Drift between the plan and the actuals (only when a CRM export was given)."""
    entries = [
        AgendaEntry(g.message, "drift", g.team, 1, f"drift:{g.product}:{g.stage}:{i}")
        for i, g in enumerate(ctx.overlapping(ctx.drift))
    ]
    return AgendaSection("drift", "Plan versus actuals", tuple(entries))


def assets_section(ctx: AgendaContext) -> AgendaSection:
    """Library assets whose review date falls in the period, with how many touches send them
    (:func:`cadence.content.assets_running_out`)."""
    entries = []
    for due in assets_running_out(ctx.plan, ctx.start, ctx.end):
        a = due.asset
        used = len(due.touches)
        sent = f", sent by {used} touch{'es' if used != 1 else ''}" if used else ""
        text = f"{a.title}: review by {due.review_by.isoformat()}{sent}"
        entries.append(AgendaEntry(text, "asset", a.owner, 1, f"asset:{a.id}"))
    return AgendaSection("assets", "Assets running out", tuple(entries))


def carried_actions(plan: Plan, meeting_id: str, day: date) -> list[ActionItem]:
    """The meeting's action items on the agenda of its occurrence on ``day``: decided on or
    before that day, and open — or done after it (``done_on`` later than ``day``)."""
    out = []
    for a in plan.action_items:
        if a.meeting != meeting_id or a.meeting_date > day:
            continue
        if a.status == "done" and (a.done_on is None or a.done_on <= day):
            continue
        out.append(a)
    return sorted(out, key=lambda a: (a.due, a.id))


def actions_section(ctx: AgendaContext) -> AgendaSection:
    """The meeting's action items still open at this occurrence (see :func:`carried_actions`)."""
    entries = []
    for a in carried_actions(ctx.plan, ctx.meeting.id, ctx.start):
        notes = []
        if a.meeting_date < ctx.start:
            notes.append(f"from {a.meeting_date.isoformat()}")
        if a.due < ctx.start:
            notes.append("overdue")
        tail = f" ({', '.join(notes)})" if notes else ""
        text = f"{a.text} — {ctx.team_name(a.owner)}, due {a.due.isoformat()}{tail}"
        entries.append(AgendaEntry(text, "action", a.owner, 1, f"action:{a.id}"))
    return AgendaSection("actions", "Action items", tuple(entries))


# The agenda's sections, in order.
SECTIONS: tuple[Callable[[AgendaContext], AgendaSection], ...] = (
    gaps_section,
    requests_section,
    capacity_section,
    assets_section,
    drift_section,
    actions_section,
)


# --- building agendas -------------------------------------------------------------------


def _request_slots(plan: Plan) -> tuple[Any, ...]:
    if plan.studio is None or not plan.requests:
        return ()
    from cadence.requests import RequestError, plan_requests

    try:
        return plan_requests(plan).slots
    except RequestError:
        return ()


class GapIndex:
    """Gaps by start date, to find the ones overlapping a period without reading them all."""

    def __init__(self, gaps: Iterable[Gap]) -> None:
        self.gaps = sorted(gaps, key=lambda g: g.start)
        self.starts = [g.start for g in self.gaps]
        self.longest = max((g.end - g.start for g in self.gaps), default=timedelta(0))

    def overlapping(self, start: date, end: date) -> list[Gap]:
        """The gaps with at least one day in ``start`` … ``end``, in start order."""
        lo = bisect_left(self.starts, start - self.longest)
        hi = bisect_right(self.starts, end)
        return [g for g in self.gaps[lo:hi] if g.end >= start]


@dataclass
class AgendaBook:
    """Agendas of a plan's meetings; what every agenda shares is computed once.

    ``gaps``: the plan's gaps (``cadence.gaps.check``); ``drift``: drift gaps from a
    CRM export (``cadence.actuals.drift_gaps``), if any.
    """

    plan: Plan
    schedule: Schedule
    gaps: Sequence[Gap]
    drift: Sequence[Gap] = ()
    _dates: dict[str, list[date]] = field(default_factory=dict, repr=False)
    _slots: tuple[Any, ...] | None = field(default=None, repr=False)
    _index: GapIndex | None = field(default=None, repr=False)

    def meeting(self, meeting_id: str) -> Broadcast:
        for b in self.plan.broadcasts:
            if b.id == meeting_id:
                if not is_meeting(b):
                    raise AgendaError(
                        f'--meeting: "{meeting_id}" reaches leads; only an internal broadcast '
                        '("products": []) has an agenda'
                    )
                return b
        known = ", ".join(b.id for b in self.plan.broadcasts if is_meeting(b)) or "none"
        raise AgendaError(f'--meeting: unknown meeting "{meeting_id}" (meetings: {known})')

    def dates(self, meeting_id: str) -> list[date]:
        if meeting_id not in self._dates:
            self._dates[meeting_id] = meeting_dates(self.schedule, meeting_id)
        return self._dates[meeting_id]

    def agenda(self, meeting_id: str, day: date) -> Agenda:
        """The agenda of the meeting's occurrence on ``day`` (AgendaError if there is none)."""
        meeting = self.meeting(meeting_id)
        dates = self.dates(meeting_id)
        if day not in dates:
            later = [d for d in dates if d > day][:1]
            hint = f"; the next one is {later[0].isoformat()}" if later else ""
            raise AgendaError(f'--date: "{meeting.name}" does not meet on {day.isoformat()}{hint}')
        if self._slots is None:
            self._slots = _request_slots(self.plan)
        if self._index is None:
            self._index = GapIndex(self.gaps)
        end = _period_end(dates, day, self.plan.end)
        # Only the gaps of the period reach the sections (a large plan has tens of thousands).
        gaps = self._index.overlapping(day, end)
        ctx = AgendaContext(self.plan, meeting, day, end, gaps, self.drift, self._slots)
        sections = tuple(make(ctx) for make in SECTIONS)
        return Agenda(meeting.id, meeting.name, ctx.start, ctx.end, sections)

    def for_occurrence(self, occ: Occurrence) -> Agenda | None:
        """The agenda of a broadcast occurrence, or None when it is not a meeting's."""
        b = next((b for b in self.plan.broadcasts if b.id == occ.touch), None)
        if occ.kind != "broadcast" or b is None or not is_meeting(b):
            return None
        return self.agenda(b.id, occ.date)


# --- rendering --------------------------------------------------------------------------


def _period(agenda: Agenda) -> str:
    return f"{agenda.start.isoformat()} to {agenda.end.isoformat()}"


def agenda_markdown(agenda: Agenda, plan: Plan) -> str:
    """The agenda as Markdown: a heading, then each section with its entries by team."""
    lines = [
        f"# Agenda: {agenda.name}, {agenda.start.isoformat()}",
        "",
        f"Covers {_period(agenda)}.",
    ]
    for section in agenda.sections:
        lines += ["", f"## {section.title}", ""]
        if not section.entries:
            lines.append("Nothing.")
            continue
        team: str | None = "\0"
        for entry in section.entries:
            if section.id == "gaps" and entry.team != team:
                team = entry.team
                found = plan.team(team)
                lines.append(f"- **{found.name if found else 'No team'}**")
            indent = "  " if section.id == "gaps" else ""
            lines.append(f"{indent}- {entry.text}")
    return "\n".join(lines) + "\n"


def agenda_text(agenda: Agenda, plan: Plan) -> str:
    """The agenda as plain text for a calendar event's description (empty sections left out)."""
    lines = [f"Agenda ({_period(agenda)})"]
    for section in agenda.sections:
        if not section.entries:
            continue
        lines += ["", f"{section.title}:"]
        for entry in section.entries:
            who = ""
            if section.id == "gaps":
                found = plan.team(entry.team)
                who = f"[{found.name if found else 'No team'}] "
            lines.append(f"- {who}{entry.text}")
    if len(lines) == 1:
        lines.append("Nothing open.")
    return "\n".join(lines)


def agenda_json(agenda: Agenda) -> dict[str, Any]:
    """The agenda as JSON-ready data (``agenda --json``)."""
    return {
        "meeting": agenda.meeting,
        "name": agenda.name,
        "start": agenda.start.isoformat(),
        "end": agenda.end.isoformat(),
        "gap_counts": agenda.gap_counts(),
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "entries": [
                    {"text": e.text, "kind": e.kind, "team": e.team, "count": e.count, "key": e.key}
                    for e in s.entries
                ],
            }
            for s in agenda.sections
        ],
    }


def agenda_descriptions(
    plan: Plan,
    schedule: Schedule,
    occurrences: Iterable[Occurrence],
    gaps: Sequence[Gap] | None = None,
) -> dict[str, str]:
    """The agenda text of each meeting occurrence among ``occurrences``, by UID (for the
    DESCRIPTION of exported events). ``gaps``: the plan's gaps (None: checked here)."""
    meetings = {b.id for b in plan.broadcasts if is_meeting(b)}
    chosen = [o for o in occurrences if o.kind == "broadcast" and o.touch in meetings]
    if not chosen:
        return {}
    if gaps is None:
        from cadence.gaps import check

        gaps = check(plan, schedule)
    book = AgendaBook(plan, schedule, gaps)
    with gc_paused():  # tens of thousands of entries, no cycles (see cadence.gcpause)
        return {o.uid: agenda_text(book.agenda(o.touch, o.date), plan) for o in chosen}
