"""Ad-hoc collateral requests: the studio's slot finder and the request workflow.

Sales asks marketing's studio for a piece off the annual plan; this module
answers at once whether it fits and, if not, what is possible instead. The
exact rules (also in docs/requests.md):

* Working days are the studio team's working days (:class:`cadence.calendar.WorkingDays`):
  the plan's, with the team's own holidays and blackouts in their place when it has
  them (:func:`cadence.calendar.team_calendar`).
  Production of a request occupies ``production_days`` consecutive working days;
  a working day holds at most ``studio.capacity_per_day`` requests.
* Requests with status scheduled, in_production or delivered keep their
  ``start`` (rolled forward to a working day) and occupy their days first, even
  beyond capacity (the studio booked them; the load shows the overbooking).
* Requests with status requested are placed in order of ``needed_by``, then
  ``requested_on``, then ``id`` (earliest deadline first). Each gets the earliest
  run of free working days starting on or after the working day that lies
  ``min_lead_days`` working days after ``requested_on``. Delivery is the last
  production day. Declined requests take no capacity.
* A request fits when delivery ≤ needed_by (slack = working days from delivery
  to needed_by), else it is late (days late = working days from needed_by to
  delivery). Options, for requests the finder places: the largest
  production_days that would still meet the deadline (the longest run of free
  working days between the earliest start and needed_by, None if none), and the
  deadline the queue allows (the delivery itself).
* Context: how many cohorts of the product are in the requested stage on at
  least one calendar day of the production window (start … delivery).

Everything here is pure: no I/O, no clock (``requested_on`` comes from the
caller), and the same plan always gives the same answer.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from cadence.calendar import WorkingDays, team_calendar
from cadence.content import reusable_assets
from cadence.model import (
    REQUEST_STATUSES,
    Asset,
    Cohorts,
    Occurrence,
    Plan,
    Request,
    Studio,
    WorkCalendar,
    request_uid,
)
from cadence.validate import FIRST_DAY, LAST_DAY, MAX_DAYS, PlanError

# Statuses whose start is fixed: the studio has booked (or used) those days.
FIXED_STATUSES: tuple[str, ...] = ("scheduled", "in_production", "delivered")
FINAL_STATUSES: tuple[str, ...] = ("delivered", "declined")
# The workflow: each status and the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "requested": ("scheduled", "declined"),
    "scheduled": ("in_production", "declined"),
    "in_production": ("delivered", "declined"),
    "delivered": (),
    "declined": (),
}


# --- errors ---------------------------------------------------------------------------


class RequestError(ValueError):
    """A request operation cannot be done; the message says why and what is allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoStudio(RequestError):
    """The plan has no studio, so nobody produces collateral and nothing can be placed."""

    def __init__(self) -> None:
        super().__init__(
            'the plan has no studio: add "studio": {"team": <team id>, '
            '"capacity_per_day": 1, "min_lead_days": 2} to say who produces collateral'
        )


class UnknownRequest(RequestError):
    def __init__(self, request_id: str, known: Iterable[str]) -> None:
        listing = ", ".join(known) or "none"
        super().__init__(f'unknown request "{request_id}" (requests: {listing})')
        self.request_id = request_id


class IllegalMove(RequestError):
    """A status change the workflow does not allow; ``allowed`` names the legal ones."""

    def __init__(self, request_id: str, current: str, wanted: str) -> None:
        self.request_id = request_id
        self.current = current
        self.wanted = wanted
        self.allowed = TRANSITIONS.get(current, ())
        if self.allowed:
            options = f"allowed from {current}: {', '.join(self.allowed)}"
        else:
            options = f"none allowed: {current} is final"
        super().__init__(
            f'request "{request_id}" cannot move from {current} to {wanted} ({options})'
        )


class DraftInvalid(RequestError):
    """A draft request has bad fields; ``errors`` name each field (path) and the problem."""

    def __init__(self, errors: Iterable[PlanError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a request's production lands and what that means for its deadline."""

    request: str  # the request id
    fixed: bool  # True: kept its booked start; False: placed by the finder
    earliest: date  # first day production could start (the lead-time rule; fixed: start)
    days: tuple[date, ...]  # the production working days, in order
    needed_by: date
    slack_days: int | None  # fits: working days from delivery to needed_by
    days_late: int | None  # late: working days from needed_by to delivery
    # Largest production_days that would still meet needed_by from the same queue
    # (None: not even one day; always None for fixed requests).
    max_days_for_deadline: int | None
    cohorts_in_stage: int

    @property
    def start(self) -> date:
        return self.days[0]

    @property
    def delivery(self) -> date:
        return self.days[-1]

    @property
    def fits(self) -> bool:
        return self.delivery <= self.needed_by

    @property
    def outcome(self) -> str:
        """ "fits" or "late" (the JSON ``status`` of an answer)."""
        return "fits" if self.fits else "late"

    @property
    def earliest_needed_by(self) -> date:
        """The deadline the current queue allows for the full production_days."""
        return self.delivery


@dataclass(frozen=True, slots=True)
class StudioDay:
    """One working day of the studio with the requests in production on it."""

    date: date
    requests: tuple[str, ...]
    capacity: int

    @property
    def booked(self) -> int:
        return len(self.requests)

    @property
    def over(self) -> bool:
        return self.booked > self.capacity


@dataclass(frozen=True, slots=True)
class RequestsPlan:
    """Every non-declined request's slot (in plan order) and the studio's booked days."""

    studio: Studio
    slots: tuple[Slot, ...]
    load: tuple[StudioDay, ...]  # days with at least one request, by date
    # Look-ups for the GUI's per-row and per-day questions (built once).
    _slot_of: dict[str, Slot] = field(default_factory=dict, compare=False, repr=False)
    _load_of: dict[date, StudioDay] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self._slot_of:
            self._slot_of.update((s.request, s) for s in self.slots)
            self._load_of.update((d.date, d) for d in self.load)

    def slot(self, request_id: str) -> Slot | None:
        return self._slot_of.get(request_id)

    def load_on(self, day: date) -> int:
        """How many requests are in production on a day (0 when none)."""
        found = self._load_of.get(day)
        return found.booked if found else 0

    @property
    def overbooked(self) -> tuple[StudioDay, ...]:
        return tuple(d for d in self.load if d.over)


@dataclass(frozen=True, slots=True)
class Proposal:
    """The live answer to a draft request, as if it joined the queue now."""

    draft: Request  # the draft with its id (derived from the title) and status requested
    slot: Slot
    # Requests that fit without the draft and would be late with it.
    displaced: tuple[str, ...]
    queue: RequestsPlan  # the whole queue including the draft
    # When late: library assets for the same product and stage, usable on needed_by.
    reuse: tuple[Asset, ...] = ()

    @property
    def fits(self) -> bool:
        return self.slot.fits

    @property
    def outcome(self) -> str:
        return self.slot.outcome


# --- the slot finder ------------------------------------------------------------------


# The working-day window ends by this year (plus its margin) at the latest.
LAST_WINDOW_YEAR = 9990


@lru_cache(maxsize=16)
def _working_days(calendar: WorkCalendar, first_year: int, last_year: int) -> WorkingDays:
    # Whole years keep the cache hit while a draft's dates change keystroke by keystroke.
    return WorkingDays(calendar, date(first_year, 1, 1), date(last_year, 12, 31))


class _Booking:
    """The studio's load over consecutive working days, indexed 0, 1, 2 …"""

    def __init__(self, wd: WorkingDays, first: date, capacity: int) -> None:
        self.wd = wd
        self.capacity = capacity
        self.days: list[date] = []
        self.index: dict[date, int] = {}
        self.booked: list[list[str]] = []
        # _skip[i] == i for a free day; for a full day, a later index to look at
        # (path-compressed), so searches jump over fully booked stretches.
        self._skip: list[int] = []
        self._next = _working_day_from(wd, first)

    def _grow(self, upto: int) -> None:
        while len(self.days) <= upto:
            day = self._next
            self.index[day] = len(self.days)
            self._skip.append(len(self.days))
            self.days.append(day)
            self.booked.append([])
            self._next = _working_day_from(self.wd, day + timedelta(days=1))

    def index_of(self, day: date) -> int:
        """Index of the first working day on or after ``day`` (not before the first day)."""
        day = _working_day_from(self.wd, day)
        if self.days and day < self.days[0]:
            raise ValueError(f"{day} is before the studio's first booked day {self.days[0]}")
        while day not in self.index:
            self._grow(len(self.days))
        return self.index[day]

    def last_index_until(self, day: date) -> int:
        """Index of the last working day on or before ``day`` (-1 if none)."""
        i = self.index_of(day)
        return i if self.days[i] == day else i - 1

    def free(self, i: int) -> bool:
        self._grow(i)
        return len(self.booked[i]) < self.capacity

    def next_free(self, i: int) -> int:
        """The first index at or after i with room left."""
        self._grow(i)
        passed = []
        while self._skip[i] != i:
            passed.append(i)
            i = self._skip[i]
            self._grow(i)
        for j in passed:
            self._skip[j] = i
        return i

    def book(self, request_id: str, first: int, count: int) -> tuple[date, ...]:
        self._grow(first + count - 1)
        for i in range(first, first + count):
            self.booked[i].append(request_id)
            if len(self.booked[i]) >= self.capacity:
                self._skip[i] = i + 1
        return tuple(self.days[first : first + count])

    def earliest_run(self, first: int, count: int) -> int:
        """Start index of the earliest run of ``count`` free days at or after ``first``."""
        i = self.next_free(first)
        while True:
            for k in range(i + 1, i + count):
                if not self.free(k):
                    i = self.next_free(k + 1)
                    break
            else:
                return i

    def longest_free_run(self, first: int, last: int) -> int:
        best = run = 0
        for i in range(first, last + 1):
            run = run + 1 if self.free(i) else 0
            best = max(best, run)
        return best

    def working_days_after(self, a: int, day: date) -> int:
        """Working days in (days[a], day]: how far ``day`` lies after index a (negative before)."""
        return self.last_index_until(day) - a


def _studio(plan: Plan) -> Studio:
    if plan.studio is None:
        raise NoStudio()
    return plan.studio


def earliest_start(plan: Plan, requested_on: date) -> date:
    """The first day production may start: ``min_lead_days`` working days after requested_on."""
    studio = _studio(plan)
    wd = _calendar_for(plan, (requested_on,), studio.min_lead_days)
    return _working_day_from(wd, requested_on, studio.min_lead_days)


def studio_calendar(plan: Plan) -> WorkCalendar:
    """The calendar the studio works by: its team's (own holidays and blackouts in
    place of the plan's when the team has them), else the plan's."""
    team = plan.team(plan.studio.team) if plan.studio is not None else None
    return team_calendar(plan.calendar, team)


def _calendar_for(plan: Plan, extra: Iterable[date], working_days: int) -> WorkingDays:
    """The studio's working days from the earliest date to a year past the latest, and
    room after it for ``working_days`` more (a year holds at least 40 weeks of workdays)."""
    calendar = studio_calendar(plan)
    dates = [plan.start, plan.end, *extra]
    for q in plan.requests:
        dates += [q.requested_on, q.needed_by]
        if q.start is not None:
            dates.append(q.start)
    per_year = 40 * len(calendar.workdays)
    room = -(-working_days // per_year)
    # A blackout of several years adds no working day: the window reaches past its end.
    first = min(dates)
    last = max([*dates, *(b.end for b in calendar.blackouts if b.end >= first)])
    last_year = min(last.year + 1 + room, LAST_WINDOW_YEAR)
    return _working_days(calendar, first.year, last_year)


def _working_day_from(wd: WorkingDays, day: date, after: int = 0) -> date:
    """The working day ``after`` working days after ``day`` (0: day or the next working day)."""
    try:
        return wd.add_working_days(day, after)
    except ValueError:
        raise RequestError(
            f"no working day for production from {day} on: "
            "calendar.workdays, holidays and blackouts leave none"
        ) from None


def cohorts_in_stage(plan: Plan, product_id: str, stage_id: str, first: date, last: date) -> int:
    """How many cohorts of a product are in a stage on at least one day of first … last."""
    product = plan.product(product_id)
    if product is None:
        return 0
    stage = product.stage(stage_id)
    if stage is None:
        return 0
    offset = product.stage_start(stage_id)
    # Intake S is in the stage on S+offset … S+offset+days-1; count the S whose
    # window meets first … last.
    intakes = _intake_dates(product.cohorts)
    earliest = first - timedelta(days=offset + stage.days - 1)
    latest = last - timedelta(days=offset)
    return max(0, bisect_right(intakes, latest) - bisect_left(intakes, earliest))


@lru_cache(maxsize=256)
def _intake_dates(cohorts: Cohorts) -> tuple[date, ...]:
    return tuple(sorted(cohorts.intake_dates()))


def _queue(plan: Plan, requests: tuple[Request, ...]) -> RequestsPlan:
    studio = _studio(plan)
    active = [q for q in requests if q.status != "declined"]
    fixed = [q for q in active if q.status in FIXED_STATUSES and q.start is not None]
    fixed_ids = {q.id for q in fixed}
    # A fixed status without a start (not valid input, but a draft may have one)
    # has no booked days yet, so it queues like a requested one.
    waiting = sorted(
        (q for q in active if q.id not in fixed_ids),
        key=lambda q: (q.needed_by, q.requested_on, q.id),
    )
    wd = _calendar_for(
        plan,
        [d for q in requests for d in (q.requested_on, q.needed_by)],
        studio.min_lead_days + sum(q.production_days for q in active),
    )
    firsts = [d for q in active for d in (q.requested_on, q.needed_by, q.start) if d is not None]
    booking = _Booking(wd, min(firsts, default=plan.start), studio.capacity_per_day)

    slots: dict[str, Slot] = {}
    for q in fixed:
        assert q.start is not None
        days = booking.book(q.id, booking.index_of(q.start), q.production_days)
        slots[q.id] = _slot(plan, booking, q, True, days[0], days, None)
    for q in waiting:
        earliest = _working_day_from(wd, q.requested_on, studio.min_lead_days)
        first = booking.index_of(earliest)
        last = booking.last_index_until(q.needed_by)
        max_days = booking.longest_free_run(first, last) if last >= first else 0
        days = booking.book(q.id, booking.earliest_run(first, q.production_days), q.production_days)
        slots[q.id] = _slot(plan, booking, q, False, earliest, days, max_days or None)

    load = tuple(
        StudioDay(day, tuple(ids), studio.capacity_per_day)
        for day, ids in zip(booking.days, booking.booked, strict=True)
        if ids
    )
    ordered = tuple(slots[q.id] for q in active)
    return RequestsPlan(studio, ordered, load)


def _slot(
    plan: Plan,
    booking: _Booking,
    q: Request,
    fixed: bool,
    earliest: date,
    days: tuple[date, ...],
    max_days: int | None,
) -> Slot:
    delivery = days[-1]
    fits = delivery <= q.needed_by
    after_deadline = -booking.working_days_after(booking.index[delivery], q.needed_by)
    return Slot(
        request=q.id,
        fixed=fixed,
        earliest=earliest,
        days=days,
        needed_by=q.needed_by,
        slack_days=-after_deadline if fits else None,
        days_late=None if fits else after_deadline,
        max_days_for_deadline=max_days,
        cohorts_in_stage=cohorts_in_stage(plan, q.product, q.stage, days[0], delivery),
    )


def plan_requests(plan: Plan) -> RequestsPlan:
    """Every request's computed slot and the studio's per-day load (raises NoStudio)."""
    return _queue(plan, plan.requests)


# --- drafts ---------------------------------------------------------------------------


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > 40:
        slug = slug[:40].rsplit("-", 1)[0] if "-" in slug[:40] else slug[:40]
    return slug or "request"


def new_request_id(plan: Plan, title: str) -> str:
    """An id for a new request: the title's slug, made unique with -2, -3 …"""
    base = _slug(title)
    taken = {q.id for q in plan.requests}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def draft_errors(
    plan: Plan, draft: Request, *, require_title: bool = True
) -> tuple[PlanError, ...]:
    """Problems that keep a draft from being answered, each naming its field.

    Checks the references and the numbers the finder relies on (the same
    wording as :mod:`cadence.validate`); an empty ``id`` is fine (derived
    from the title). ``require_title=False`` lets a form answer before the
    title is typed (saving still needs one).
    """
    errors: list[PlanError] = []
    if plan.studio is None:
        errors.append(PlanError("studio", NoStudio().message))
    if require_title and not draft.title.strip():
        errors.append(PlanError("title", "must not be empty"))
    if draft.id and plan.request(draft.id) is not None:
        errors.append(PlanError("id", f'duplicate request id "{draft.id}"'))
    product = plan.product(draft.product)
    if product is None:
        listing = ", ".join(p.id for p in plan.products) or "none defined"
        errors.append(
            PlanError("product", f'unknown product "{draft.product}" (products: {listing})')
        )
    elif product.stage(draft.stage) is None:
        listing = ", ".join(s.id for s in product.stages)
        errors.append(PlanError("stage", f'unknown stage "{draft.stage}" (stages: {listing})'))
    if plan.team(draft.requested_by) is None:
        listing = ", ".join(t.id for t in plan.teams) or "none defined"
        errors.append(
            PlanError("requested_by", f'unknown team "{draft.requested_by}" (teams: {listing})')
        )
    for name, day in (("requested_on", draft.requested_on), ("needed_by", draft.needed_by)):
        if not FIRST_DAY <= day <= LAST_DAY:
            errors.append(
                PlanError(name, f"must be a date from {FIRST_DAY} to {LAST_DAY}, got {day}")
            )
    if draft.needed_by < draft.requested_on:
        errors.append(
            PlanError("needed_by", f"must not be before the request date ({draft.requested_on})")
        )
    if draft.production_days < 1:
        errors.append(
            PlanError("production_days", f"must be an integer ≥ 1, got {draft.production_days}")
        )
    elif draft.production_days > MAX_DAYS:
        errors.append(
            PlanError("production_days", f"must be at most {MAX_DAYS}, got {draft.production_days}")
        )
    return tuple(errors)


def propose(plan: Plan, draft: Request) -> Proposal:
    """Answer a draft request live: its slot as if it joined the queue now.

    The draft is placed as a requested request among the others (earliest
    deadline first), so it may move requests with later deadlines; those that
    would turn late are listed in ``displaced``. Cheap enough for every
    keystroke of a form; the title may still be empty. Raises DraftInvalid
    (field errors) for a bad draft.
    """
    errors = draft_errors(plan, draft, require_title=False)
    if errors:
        raise DraftInvalid(errors)
    draft = replace(
        draft, id=draft.id or new_request_id(plan, draft.title), status="requested", start=None
    )
    before = _queue(plan, plan.requests)
    after = _queue(plan, (*plan.requests, draft))
    displaced = []
    for old in before.slots:
        new = after.slot(old.request)
        if old.fits and new is not None and not new.fits:
            displaced.append(old.request)
    slot = after.slot(draft.id)
    assert slot is not None
    reuse = () if slot.fits else tuple(reusable_assets(plan, draft))
    return Proposal(draft, slot, tuple(displaced), after, reuse)


def add_request(plan: Plan, draft: Request) -> Plan:
    """The plan with the draft added: scheduled at its slot when it fits, else requested.

    The new request's id is the draft's, or derived from its title; it is the
    last of ``plan.requests``.
    """
    errors = draft_errors(plan, draft)
    if errors:
        raise DraftInvalid(errors)
    proposal = propose(plan, draft)
    new = proposal.draft
    if proposal.fits:
        new = replace(new, status="scheduled", start=proposal.slot.start)
    return replace(plan, requests=(*plan.requests, new))


# --- the workflow ---------------------------------------------------------------------


def allowed_moves(status: str) -> tuple[str, ...]:
    """The statuses a request in ``status`` may move to (empty when final)."""
    return TRANSITIONS.get(status, ())


def move_status(plan: Plan, request_id: str, new_status: str, note: str | None = None) -> Plan:
    """The plan with one request moved along requested → scheduled → in_production → delivered.

    Any non-final status may move to declined, which needs a note (why). Moving
    requested → scheduled books the slot the finder gives it now (its start).
    A note is appended to the request's note on its own line. Illegal moves
    raise IllegalMove naming the allowed ones.
    """
    request = plan.request(request_id)
    if request is None:
        raise UnknownRequest(request_id, (q.id for q in plan.requests))
    if new_status not in REQUEST_STATUSES:
        raise RequestError(f'unknown status "{new_status}" (one of: {", ".join(REQUEST_STATUSES)})')
    if new_status not in allowed_moves(request.status):
        raise IllegalMove(request_id, request.status, new_status)
    note = (note or "").strip()
    if new_status == "declined" and not note:
        raise RequestError(f'declining request "{request_id}" needs a note saying why')
    moved = replace(request, status=new_status)
    if note:
        moved = replace(moved, note=f"{request.note}\n{note}" if request.note else note)
    if new_status == "scheduled" and request.start is None:
        slot = plan_requests(plan).slot(request_id)
        assert slot is not None
        if slot.delivery > LAST_DAY:
            raise RequestError(
                f'no production slot for request "{request_id}" ends by {LAST_DAY} '
                f"(the queue would deliver it on {slot.delivery}); plans end by {LAST_DAY}"
            )
        moved = replace(moved, start=slot.start)
    requests = tuple(moved if q.id == request_id else q for q in plan.requests)
    return replace(plan, requests=requests)


# --- the calendar ---------------------------------------------------------------------


def calendar_entries(plan: Plan) -> tuple[Occurrence, ...]:
    """Calendar entries of the booked requests (scheduled, in_production, delivered).

    Per request: a production entry for the studio team spanning start … last
    production day, and a delivery entry for the requesting team on the
    delivery day. Sorted by date, then uid. A plan without a studio has none.
    """
    if plan.studio is None:
        return ()
    queue = plan_requests(plan)
    entries = []
    for q in plan.requests:
        slot = queue.slot(q.id)
        if q.status not in FIXED_STATUSES or q.start is None or slot is None:
            continue
        entries.append(_entry(plan, q, "production", slot.start, slot.delivery, plan.studio.team))
        entries.append(_entry(plan, q, "delivery", slot.delivery, None, q.requested_by))
    return tuple(sorted(entries, key=lambda e: (e.date, e.uid)))


def _entry(
    plan: Plan, q: Request, part: str, day: date, end: date | None, owner: str
) -> Occurrence:
    return Occurrence(
        uid=request_uid(plan.id, q.id, part),
        date=day,
        time=None,
        product=q.product,
        cohort=None,
        stage=q.stage,
        touch=q.id,
        name=f"{part.capitalize()}: {q.title}",
        channel="content",
        owner=owner,
        automated=False,
        leads=0.0,
        nominal=day,
        kind="request",
        end=end,
    )


__all__ = [
    "FINAL_STATUSES",
    "FIXED_STATUSES",
    "TRANSITIONS",
    "DraftInvalid",
    "IllegalMove",
    "NoStudio",
    "Proposal",
    "RequestError",
    "RequestsPlan",
    "Slot",
    "StudioDay",
    "UnknownRequest",
    "add_request",
    "allowed_moves",
    "calendar_entries",
    "cohorts_in_stage",
    "draft_errors",
    "earliest_start",
    "move_status",
    "new_request_id",
    "plan_requests",
    "propose",
]
