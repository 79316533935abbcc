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
from typing import Any, NamedTuple

from cadence import fields as F

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
# How the hand-off SLA and the maximum silence count days (rules.count_days):
# every calendar day, or the working days of the team that should answer.
COUNT_DAYS: tuple[str, ...] = ("calendar", "working")
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

    name: str = field(metadata=F.text())
    start: date = field(metadata=F.day())
    end: date = field(metadata=F.day())  # rule: not before start (validate.not_before)


@dataclass(frozen=True, slots=True)
class HolidayRule:
    """Public holidays of a country (and optional subdivision) known to `holidays`."""

    # Rules: validate._known_country, _known_subdivision.
    country: str = field(metadata=F.text(column="holiday_country"))
    subdivision: str | None = field(default=None, metadata=F.text(column="holiday_subdivision"))


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    # Rule: validate._workdays (weekdays, each once, in week order).
    workdays: tuple[str, ...] = field(default=("mon", "tue", "wed", "thu", "fri"), metadata=F.ids())
    holidays: HolidayRule | None = field(default=None, metadata=F.nested(HolidayRule))
    # In a .cadence document, a table of their own (store.tables.BlackoutRow).
    blackouts: tuple[Blackout, ...] = field(default=(), metadata=F.objects(Blackout))
    roll: str = field(default="forward", metadata=F.choice(ROLL_POLICIES, "roll policy"))


@dataclass(frozen=True, slots=True)
class Rules:
    """Plan-wide rules; None switches a rule off."""

    min_spacing_days: int | None = field(default=None, metadata=F.integer(1, F.MAX_DAYS))
    max_silence_days: int | None = field(default=None, metadata=F.integer(1, F.MAX_DAYS))
    handoff_sla_days: int | None = field(default=None, metadata=F.integer(0, F.MAX_DAYS))
    # Working days and the lead desk (docs/scheduling.md, "Working days of a team").
    count_days: str = field(
        default="calendar", metadata=F.choice(COUNT_DAYS, "day count", omit_default=True)
    )
    # The team answering for days no team owns the lead (rule: validate._lead_desk).
    lead_desk: str | None = field(default=None, metadata=F.ident(omit_default=True))


@dataclass(frozen=True, slots=True)
class Team:
    id: str = field(metadata=F.ident(column="team_id"))
    name: str = field(metadata=F.text())
    # Left out of a file: the palette's next (rule: validate._team_color).
    color: str = field(metadata=F.text(optional_in_file=True))
    weekly_capacity: int | None = field(default=None, metadata=F.integer(0, F.MAX_COUNT))
    # The team's own days off; None: the plan calendar's (docs/scheduling.md).
    holidays: HolidayRule | None = field(
        default=None, metadata=F.nested(HolidayRule, omit_default=True)
    )
    blackouts: tuple[Blackout, ...] | None = field(
        default=None, metadata=F.objects(Blackout, omit_default=True)
    )

    @property
    def has_own_calendar(self) -> bool:
        return self.holidays is not None or self.blackouts is not None


@dataclass(frozen=True, slots=True)
class Stage:
    id: str = field(metadata=F.ident(column="stage_id"))
    name: str = field(metadata=F.text())
    days: int = field(metadata=F.integer(1, F.MAX_DAYS))
    owner: str | None = field(default=None, metadata=F.ident())  # a team (rule: reference)
    conversion: float = field(default=1.0, metadata=F.number(0, 1))
    max_silence_days: int | None = field(
        default=None, metadata=F.integer(1, F.MAX_DAYS, omit_default=True, before="conversion")
    )


@dataclass(frozen=True, slots=True)
class Touch:
    # Each field's metadata says how it is spelt in the plan file and the store
    # and what kind of value it holds (cadence.fields); its rules are in validate.
    id: str = field(metadata=F.ident(column="touch_id"))
    name: str = field(metadata=F.text())
    channel: str = field(metadata=F.choice(CHANNELS, "channel"))
    owner: str = field(metadata=F.ident())  # a team (rule: validate._touch_owner)
    stage: str = field(metadata=F.ident(column="stage_id"))  # a stage of the product
    offset_days: int = field(default=0, metadata=F.integer(0, F.MAX_DAYS))
    every_days: int | None = field(default=None, metadata=F.integer(1, F.MAX_DAYS))
    time: time | None = field(default=None, metadata=F.clock())
    automated: bool = field(default=True, metadata=F.boolean())
    # None: the calendar's policy
    roll: str | None = field(
        default=None, metadata=F.choice(ROLL_POLICIES, "roll policy", omit_default=True)
    )
    # The content library asset it sends (Plan.content); an id the library does not
    # hold is a "content" gap, not an error: a touch may name an asset before it is
    # catalogued (docs/scheduling.md).
    asset: str | None = field(default=None, metadata=F.ident(omit_default=True))


# A cohort series' field: left out when the file gives "dates" (then None), never null.
_SERIES: dict[str, Any] = {"omit_default": True, "nullable": False}


@dataclass(frozen=True, slots=True)
class Cohorts:
    """Intake dates of a product's leads: a regular series or explicit dates.

    The file gives either ``dates`` or ``start`` (``every_days`` 7 and ``count`` 1 when
    left out): validate._series_or_dates. Stored in the product's row (``cohort_…``).
    """

    start: date | None = field(default=None, metadata=F.day(column="cohort_start", **_SERIES))
    every_days: int | None = field(
        default=None, metadata=F.integer(1, F.MAX_DAYS, column="cohort_every_days", **_SERIES)
    )
    # Rule: the last intake is a date Cadence knows (validate._intakes_end_in_time).
    count: int | None = field(
        default=None, metadata=F.integer(1, F.MAX_DAYS, column="cohort_count", **_SERIES)
    )
    # Rule: each date once (validate._intake_dates_once).
    dates: tuple[date, ...] | None = field(
        default=None, metadata=F.days(column="cohort_dates", **_SERIES)
    )
    size: int = field(default=1, metadata=F.integer(1, F.MAX_COUNT, column="cohort_size"))

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
    id: str = field(metadata=F.ident(column="product_id"))
    name: str = field(metadata=F.text())
    # Parts read with the plan's teams (validate._product), stored in tables of their own.
    stages: tuple[Stage, ...] = field(metadata=F.objects(Stage))
    touches: tuple[Touch, ...] = field(default=(), metadata=F.objects(Touch))
    # Left out of the file while it holds no intakes; in the store, the product row's columns.
    cohorts: Cohorts = field(default_factory=Cohorts, metadata=F.nested(Cohorts, omit_default=True))
    lead_definition: str = field(
        default="", metadata=F.text(allow_empty=True, limit=F.MAX_TEXT, before="stages")
    )

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

    id: str = field(metadata=F.ident(column="broadcast_id"))
    name: str = field(metadata=F.text())
    channel: str = field(metadata=F.choice(CHANNELS, "channel"))
    owner: str = field(metadata=F.ident())  # a team; rules: validate._broadcast
    rrule: str = field(metadata=F.text())  # normalised (validate._rrule)
    dtstart: date = field(metadata=F.day())
    time: time | None = field(default=None, metadata=F.clock())
    automated: bool = field(default=True, metadata=F.boolean())
    # None: every product's leads; (): an internal event that reaches no lead.
    products: tuple[str, ...] | None = field(default=None, metadata=F.ids(omit_default=True))
    # Teams whose calendars, exports and feeds show it beside the owner's
    # (an alignment meeting): it reaches no more leads because of them.
    participants: tuple[str, ...] = field(default=(), metadata=F.ids(omit_default=True))

    @property
    def internal(self) -> bool:
        """An internal event (``products: []``): a contact for none of the leads."""
        return self.products == ()

    def shown_to(self, team_id: str) -> bool:
        """Whether the broadcast is in this team's calendar: its owner or a participant."""
        return team_id == self.owner or team_id in self.participants


@dataclass(frozen=True, slots=True)
class Studio:
    """Who produces ad-hoc collateral and how much at once."""

    team: str = field(metadata=F.ident(column="studio_team"))  # a team of the plan
    capacity_per_day: int = field(
        default=1, metadata=F.integer(1, F.MAX_COUNT, column="studio_capacity_per_day")
    )
    min_lead_days: int = field(
        default=2, metadata=F.integer(0, F.MAX_DAYS, column="studio_min_lead_days")
    )


@dataclass(frozen=True, slots=True)
class Request:
    """An ad-hoc collateral request from sales, off the annual plan."""

    id: str = field(metadata=F.ident(column="request_id"))
    title: str = field(metadata=F.text())
    product: str = field(metadata=F.ident())  # rules: validate._request
    stage: str = field(metadata=F.ident())
    requested_by: str = field(metadata=F.ident())  # a team
    requested_on: date = field(metadata=F.day())
    needed_by: date = field(metadata=F.day())
    production_days: int = field(default=1, metadata=F.integer(1, F.MAX_DAYS))
    status: str = field(default="requested", metadata=F.choice(REQUEST_STATUSES, "status"))
    start: date | None = field(default=None, metadata=F.day())
    note: str = field(default="", metadata=F.text(allow_empty=True, limit=F.MAX_TEXT))


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

    id: str = field(metadata=F.ident(column="asset_id"))
    title: str = field(metadata=F.text())
    kind: str = field(metadata=F.choice(tuple(ASSET_KINDS), "kind"))
    owner: str = field(metadata=F.ident())  # a team; rules: validate._asset
    ready_on: date = field(metadata=F.day())
    stages: tuple[str, ...] | None = field(
        default=None, metadata=F.ids(omit_default=True, before="owner")
    )
    products: tuple[str, ...] | None = field(
        default=None, metadata=F.ids(omit_default=True, before="stages")
    )
    persona: str | None = field(default=None, metadata=F.text(omit_default=True, before="owner"))
    review_by: date | None = field(default=None, metadata=F.day(omit_default=True))
    url: str | None = field(default=None, metadata=F.text(limit=2000, omit_default=True))

    def serves(self, product_id: str, stage_id: str) -> bool:
        """Whether the asset is meant for this stage of this product."""
        return (self.products is None or product_id in self.products) and (
            self.stages is None or stage_id in self.stages
        )

    def usable_on(self, day: date) -> bool:
        """Ready on ``day`` and not past its review date."""
        return self.ready_on <= day and (self.review_by is None or day <= self.review_by)


# --- meetings that act, and sign-off ---------------------------------------------------

ACTION_STATUSES: tuple[str, ...] = ("open", "done")
SIGNOFF_ROLES: tuple[str, ...] = ("marketing", "sales")


@dataclass(frozen=True, slots=True)
class ActionItem:
    """A task agreed at one occurrence of an internal meeting, carried until done."""

    id: str = field(metadata=F.ident(column="action_id"))
    text: str = field(metadata=F.text(limit=F.MAX_TEXT))
    owner: str = field(metadata=F.ident())  # team id
    due: date = field(metadata=F.day())
    meeting: str = field(metadata=F.ident())  # broadcast id
    meeting_date: date = field(metadata=F.day())  # the occurrence it came from
    status: str = field(
        default="open", metadata=F.choice(ACTION_STATUSES, "status", before="meeting")
    )
    # Agendas after this day no longer carry it.
    done_on: date | None = field(default=None, metadata=F.day(omit_default=True))


@dataclass(frozen=True, slots=True)
class Signoff:
    """A named person of marketing or sales signed off one product's touches.

    ``touches`` keeps what was signed so a later change can be shown as a diff;
    ``fingerprint`` is :func:`cadence.signoff.touches_fingerprint` of them.
    """

    product: str = field(metadata=F.ident())  # rule: a product of the plan
    by: str = field(metadata=F.text())
    role: str = field(metadata=F.choice(SIGNOFF_ROLES, "role"))
    at: datetime = field(metadata=F.stamp())  # aware, UTC
    fingerprint: str = field(metadata=F.text())
    # Checked as touches, their references not: they are history.
    touches: tuple[Touch, ...] = field(default=(), metadata=F.objects(Touch))


@dataclass(frozen=True, slots=True)
class Review:
    """A product's touches submitted for review: marketing and sales are asked to sign off."""

    product: str = field(metadata=F.ident())  # rule: a product of the plan
    by: str = field(metadata=F.text())
    at: datetime = field(metadata=F.stamp())  # aware, UTC


@dataclass(frozen=True, slots=True)
class Plan:
    # Left out of the file: the name's slug (rule: validate._plan_id).
    id: str = field(metadata=F.ident(column="plan_id", optional_in_file=True))
    name: str = field(metadata=F.text())
    start: date = field(metadata=F.day())
    end: date = field(metadata=F.day())  # rule: validate._horizon_end
    # An IANA name (rule: validate._time_zone).
    timezone: str = field(default="UTC", metadata=F.text(before="start"))
    # The parts (PLAN_PARTS) are read by validate's own functions and stored by their own
    # converters: in the plan's row (calendar, rules, studio) or tables of their own.
    calendar: WorkCalendar = field(default_factory=WorkCalendar, metadata=F.nested(WorkCalendar))
    rules: Rules = field(default_factory=Rules, metadata=F.nested(Rules))
    teams: tuple[Team, ...] = field(default=(), metadata=F.objects(Team))
    products: tuple[Product, ...] = field(default=(), metadata=F.objects(Product))
    broadcasts: tuple[Broadcast, ...] = field(default=(), metadata=F.objects(Broadcast))
    studio: Studio | None = field(default=None, metadata=F.nested(Studio))
    requests: tuple[Request, ...] = field(default=(), metadata=F.objects(Request))
    # The content library; left out of the file when empty (as the lists below).
    content: tuple[Asset, ...] = field(default=(), metadata=F.objects(Asset, omit_default=True))
    # When the plan last changed (aware, UTC); exports use it as DTSTAMP so that
    # re-exporting an unchanged plan gives identical bytes.
    updated: datetime | None = field(default=None, metadata=F.stamp(omit_default=True))
    action_items: tuple[ActionItem, ...] = field(
        default=(), metadata=F.objects(ActionItem, omit_default=True)
    )
    signoffs: tuple[Signoff, ...] = field(
        default=(), metadata=F.objects(Signoff, omit_default=True)
    )
    reviews: tuple[Review, ...] = field(default=(), metadata=F.objects(Review, omit_default=True))

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


#: The plan's parts: read by validate's own functions (they need the plan: its teams,
#: its products…) and stored by their own converters. Its other fields (id, name, the
#: horizon, the time zone, the save stamp) are read, written and stored as declared.
PLAN_PARTS: tuple[str, ...] = (
    "calendar", "rules", "teams", "products", "broadcasts", "studio", "requests", "content",
    "action_items", "signoffs", "reviews",
)  # fmt: skip
#: A product's parts read with the plan's teams and stored in tables of their own.
PRODUCT_PARTS: tuple[str, ...] = ("stages", "touches")
#: The parts of the plan's settings (Changes.settings, the store's ``plan`` row) beside
#: its own fields other than the save stamp.
SETTINGS_PARTS: tuple[str, ...] = ("calendar", "rules", "studio")


def plan_settings(plan: Plan) -> tuple[Any, ...]:
    """The plan's settings: its own fields but the save stamp, its calendar, rules and
    studio. Two plans with equal settings differ only in their lists and save stamp."""
    return tuple(getattr(plan, attr) for attr in _settings_attrs())


@lru_cache(maxsize=1)
def _settings_attrs() -> tuple[str, ...]:
    own = [f.attr for f in F.fields_of(Plan) if f.key not in PLAN_PARTS and f.key != "updated"]
    return (*own, *SETTINGS_PARTS)


# --- what the engine produces -------------------------------------------------


class Occurrence(NamedTuple):
    """One dated calendar entry: a touch for one cohort, or a broadcast.

    For broadcasts ``product``, ``cohort`` and ``stage`` are None and ``touch``
    is the broadcast id; ``leads`` is the sum over the cohorts it reaches.

    A named tuple: a large plan has hundreds of thousands of them, and a tuple is
    built several times faster than a frozen dataclass (``_replace`` makes a
    changed copy).
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


class Skipped(NamedTuple):
    """An occurrence not sent because its nominal date is not a working day (roll=skip).
    A named tuple, as :class:`Occurrence`."""

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
    capacity: float | None = None  # a whole number unless the week has days off
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
