"""The domain of a touch-cadence plan: frozen, hashable objects.

Everything here is plain data. Plans are built from raw input only through
:mod:`cadence.validate`; the engine, the checks and the formats read them.
Dates are :class:`datetime.date`; times of day are wall-clock times in the
plan's IANA time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS: tuple[str, ...] = (
    "email",
    "newsletter",
    "call",
    "meeting",
    "event",
    "content",
    "social",
    "direct_mail",
    "other",
)
# How each channel is named to a person (views, exports).
CHANNEL_LABELS: dict[str, str] = {
    "email": "Email",
    "newsletter": "Newsletter",
    "call": "Call",
    "meeting": "Meeting",
    "event": "Event",
    "content": "Content",
    "social": "Social",
    "direct_mail": "Direct mail",
    "other": "Other",
}
ROLL_POLICIES: tuple[str, ...] = ("forward", "backward", "skip")
REQUEST_STATUSES: tuple[str, ...] = (
    "requested",
    "scheduled",
    "in_production",
    "delivered",
    "declined",
)
# Alias for fields named "date" (the name would shadow the type in the class body).
Day = date

# "drift" comes from a CRM export (cadence.actuals), not from the schedule.
GAP_KINDS: tuple[str, ...] = (
    "unowned",
    "silence",
    "handoff",
    "spacing",
    "capacity",
    "drift",
    "content",
    "coverage",
)
#: How each gap kind is titled in views and files.
GAP_KIND_TITLES: dict[str, str] = {
    "unowned": "Unowned",
    "silence": "Silence",
    "handoff": "Hand-off",
    "spacing": "Spacing",
    "capacity": "Capacity",
    "drift": "Drift",
    "content": "Content",
    "coverage": "Coverage",
}

# Team colours picked in order when a team gives none.
PALETTE: tuple[str, ...] = (
    "#2b7bb9",
    "#e67e22",
    "#27ae60",
    "#8e44ad",
    "#c0392b",
    "#16a085",
    "#d35400",
    "#2c3e50",
    "#7f8c8d",
    "#b7950b",
)


@dataclass(frozen=True, slots=True)
class Blackout:
    """An inclusive range of days on which nothing is sent (e.g. a year-end freeze)."""

    name: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class HolidayRule:
    """Public holidays of a country (and optional subdivision) known to `holidays`."""

    country: str
    subdivision: str | None = None


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    workdays: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    holidays: HolidayRule | None = None
    blackouts: tuple[Blackout, ...] = ()
    roll: str = "forward"


@dataclass(frozen=True, slots=True)
class Rules:
    """Plan-wide rules; None switches a rule off."""

    min_spacing_days: int | None = None
    max_silence_days: int | None = None
    handoff_sla_days: int | None = None


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    color: str
    weekly_capacity: int | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    name: str
    days: int
    owner: str | None = None
    conversion: float = 1.0
    max_silence_days: int | None = None


@dataclass(frozen=True, slots=True)
class Touch:
    id: str
    name: str
    channel: str
    owner: str
    stage: str
    offset_days: int = 0
    every_days: int | None = None
    time: time | None = None
    automated: bool = True
    roll: str | None = None  # None: the calendar's policy
    asset: str | None = None  # the content library asset it sends (Plan.content)


@dataclass(frozen=True, slots=True)
class Cohorts:
    """Intake dates of a product's leads: a regular series or explicit dates."""

    start: date | None = None
    every_days: int | None = None
    count: int | None = None
    dates: tuple[date, ...] | None = None
    size: int = 1

    def intake_dates(self) -> tuple[date, ...]:
        """Every intake date, in order (computed once per distinct series)."""
        return _intake_dates(self)


@lru_cache(maxsize=4096)
def _intake_dates(cohorts: Cohorts) -> tuple[date, ...]:
    if cohorts.dates is not None:
        return tuple(sorted(cohorts.dates))
    if cohorts.start is None or cohorts.count is None:
        return ()
    step = cohorts.every_days or 1
    return tuple(cohorts.start + timedelta(days=i * step) for i in range(cohorts.count))


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    stages: tuple[Stage, ...]
    touches: tuple[Touch, ...] = ()
    cohorts: Cohorts = field(default_factory=Cohorts)
    lead_definition: str = ""

    @property
    def cycle_days(self) -> int:
        return sum(s.days for s in self.stages)

    def stage(self, stage_id: str) -> Stage | None:
        for s in self.stages:
            if s.id == stage_id:
                return s
        return None

    def stage_start(self, stage_id: str) -> int:
        """Day offset of a stage's first day from the cohort's intake date."""
        day = 0
        for s in self.stages:
            if s.id == stage_id:
                return day
            day += s.days
        raise KeyError(stage_id)


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A calendar-fixed touch (newsletter, meeting) driven by an RFC 5545 RRULE."""

    id: str
    name: str
    channel: str
    owner: str
    rrule: str
    dtstart: date
    time: time | None = None
    automated: bool = True
    # None: every product's leads; (): an internal event that reaches no lead.
    products: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Studio:
    """Who produces ad-hoc collateral and how much at once."""

    team: str
    capacity_per_day: int = 1
    min_lead_days: int = 2


@dataclass(frozen=True, slots=True)
class Request:
    """An ad-hoc collateral request from sales, off the annual plan."""

    id: str
    title: str
    product: str
    stage: str
    requested_by: str
    requested_on: date
    needed_by: date
    production_days: int = 1
    status: str = "requested"
    start: date | None = None
    note: str = ""


# --- content library ----------------------------------------------------------------

#: Kinds of content asset, in the order pickers list them, and how each is named.
ASSET_KINDS: dict[str, str] = {
    "case_study": "Case study",
    "roi_sheet": "ROI sheet",
    "webinar": "Webinar",
    "email": "Email",
    "whitepaper": "White paper",
    "datasheet": "Datasheet",
    "video": "Video",
    "guide": "Guide",
    "deck": "Deck",
    "blog_post": "Blog post",
    "other": "Other",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """A piece of content in the plan's library, for some stages of some products.

    ``stages`` None: every stage (product-wide); ``products`` None: every product.
    Usable from ``ready_on``; due for review (not to be sent) after ``review_by``.
    """

    id: str
    title: str
    kind: str
    owner: str
    ready_on: date
    stages: tuple[str, ...] | None = None
    products: tuple[str, ...] | None = None
    persona: str | None = None
    review_by: date | None = None
    url: str | None = None

    def serves(self, product_id: str, stage_id: str) -> bool:
        """Whether the asset is meant for this stage of this product."""
        return (self.products is None or product_id in self.products) and (
            self.stages is None or stage_id in self.stages
        )

    def usable_on(self, day: date) -> bool:
        """Ready on ``day`` and not past its review date."""
        return self.ready_on <= day and (self.review_by is None or day <= self.review_by)


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    name: str
    start: date
    end: date
    timezone: str = "UTC"
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    rules: Rules = field(default_factory=Rules)
    teams: tuple[Team, ...] = ()
    products: tuple[Product, ...] = ()
    broadcasts: tuple[Broadcast, ...] = ()
    studio: Studio | None = None
    requests: tuple[Request, ...] = ()
    content: tuple[Asset, ...] = ()  # the content library
    # When the plan last changed (aware, UTC); exports use it as DTSTAMP so that
    # re-exporting an unchanged plan gives identical bytes.
    updated: datetime | None = None

    def team(self, team_id: str | None) -> Team | None:
        for t in self.teams:
            if t.id == team_id:
                return t
        return None

    def product(self, product_id: str | None) -> Product | None:
        for p in self.products:
            if p.id == product_id:
                return p
        return None

    def request(self, request_id: str) -> Request | None:
        for r in self.requests:
            if r.id == request_id:
                return r
        return None

    def asset(self, asset_id: str | None) -> Asset | None:
        for a in self.content:
            if a.id == asset_id:
                return a
        return None

    @property
    def stage_count(self) -> int:
        return sum(len(p.stages) for p in self.products)

    @property
    def touch_count(self) -> int:
        return sum(len(p.touches) for p in self.products)


# --- what the engine produces -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One dated calendar entry: a touch for one cohort, or a broadcast.

    For broadcasts ``product``, ``cohort`` and ``stage`` are None and ``touch``
    is the broadcast id; ``leads`` is the sum over the cohorts it reaches.
    """

    uid: str
    date: Day
    time: time | None
    product: str | None
    cohort: Day | None
    stage: str | None
    touch: str
    name: str
    channel: str
    owner: str
    automated: bool
    leads: float
    nominal: Day
    repeat: int = 0
    kind: str = "touch"  # "touch" | "broadcast" | "request"
    # Last day (inclusive) of an entry that spans several days (request production).
    end: Day | None = None

    @property
    def rolled(self) -> bool:
        return self.date != self.nominal


@dataclass(frozen=True, slots=True)
class Skipped:
    """An occurrence not sent because its nominal date is not a working day (roll=skip)."""

    uid: str
    nominal: Day
    time: time | None
    product: str | None
    cohort: Day | None
    stage: str | None
    touch: str
    name: str
    channel: str
    owner: str
    automated: bool
    leads: float
    reason: str
    repeat: int = 0
    kind: str = "touch"


@dataclass(frozen=True, slots=True)
class Schedule:
    """A plan's calendar: the occurrences sent, in order, and the ones skipped.

    Either sequence may be a tuple or the engine's compact ``Records``, which
    builds each object when it is read and compares equal to the same tuple.
    """

    touches: Sequence[Occurrence]
    skipped: Sequence[Skipped] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    """A place where the plan lets a lead fall through the cracks."""

    kind: str
    product: str | None
    cohort: Day | None
    stage: str | None
    team: str | None
    start: Day
    end: Day
    message: str
    load: float | None = None
    capacity: int | None = None
    uids: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def touch_uid(plan_id: str, product_id: str, touch_id: str, cohort: Day, repeat: int) -> str:
    """Stable UID of a touch occurrence: depends only on these five values."""
    return f"{plan_id}.{product_id}.{touch_id}.{cohort:%Y%m%d}.{repeat}@cadence"


def broadcast_uid(plan_id: str, broadcast_id: str, index: int) -> str:
    """Stable UID of the index-th occurrence of a broadcast's RRULE."""
    return f"{plan_id}.broadcast.{broadcast_id}.{index}@cadence"


def request_uid(plan_id: str, request_id: str, part: str) -> str:
    """Stable UID of an ad-hoc request's calendar entry (part: production or delivery)."""
    return f"{plan_id}.request.{request_id}.{part}@cadence"
