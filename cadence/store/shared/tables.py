"""SQLModel tables of a shared plan on a database server (PostgreSQL).

The same tables as the .cadence document (:mod:`cadence.store.tables`), with
three additions so that one database holds several plans edited by many people:

- ``plan_key`` on every row: which plan it belongs to (the URL's ``?plan=``);
- ``revision``: the version of that object, raised by one on every change; an edit
  names the revision it was based on, and a stale one is refused (optimistic
  concurrency, :mod:`cadence.store.shared.plans`);
- ``changed_by`` / ``changed_at``: who changed the object last and when (set by the
  database itself on PostgreSQL, so a conflict can say who and when).

These tables live in their own metadata (``SHARED_METADATA``), never in the .cadence
document. The schema is created and upgraded by the Alembic migrations in
:mod:`cadence.store.migrations`; a test checks that the migrations produce exactly
these tables on SQLite and on PostgreSQL.
"""

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

_registry = registry()


class SharedModel(SQLModel, registry=_registry):
    """Base of the shared tables (a metadata of their own)."""


SHARED_METADATA = _registry.metadata


def _changed_at() -> datetime | None:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class SharedPlanRow(SharedModel, table=True):
    """The plan's settings: one row per plan (the ``settings`` object)."""

    __tablename__ = "plan"

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(unique=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = _changed_at()
    plan_id: str
    name: str
    timezone: str
    start: str
    end: str
    workdays: str  # JSON list
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    roll: str = "forward"
    min_spacing_days: int | None = None
    max_silence_days: int | None = None
    handoff_sla_days: int | None = None
    studio_team: str | None = None
    studio_capacity_per_day: int | None = None
    studio_min_lead_days: int | None = None
    blackouts: str = "[]"  # JSON list of {name, start, end}: part of the settings object
    # Revision 0002: working days and the lead desk.
    count_days: str = "calendar"
    lead_desk: str | None = None


class SharedStampRow(SharedModel, table=True):
    """When the plan was last saved (the plan's ``updated``, used as DTSTAMP).

    Kept apart from the settings row: every editor stamps it, and a stamp is not an
    edit that could conflict."""

    __tablename__ = "plan_stamp"

    plan_key: str = Field(primary_key=True, foreign_key="plan.plan_key", ondelete="CASCADE")
    updated: str | None = None  # ISO 8601 with Z


class SharedTeamRow(SharedModel, table=True):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("plan_key", "team_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(foreign_key="plan.plan_key", ondelete="CASCADE", index=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = _changed_at()
    position: int
    team_id: str
    name: str
    color: str
    weekly_capacity: int | None = None
    # Revision 0002: the team's own calendar (NULL: the plan's).
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    blackouts: str | None = None  # JSON list of {name, start, end}


class SharedProductRow(SharedModel, table=True):
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("plan_key", "product_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(foreign_key="plan.plan_key", ondelete="CASCADE", index=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = _changed_at()
    position: int
    product_id: str
    name: str
    lead_definition: str = ""
    cohort_start: str | None = None
    cohort_every_days: int | None = None
    cohort_count: int | None = None
    cohort_dates: str | None = None  # JSON list, when given as dates
    cohort_size: int = 1


class SharedStageRow(SharedModel, table=True):
    __tablename__ = "stage"
    __table_args__ = (
        UniqueConstraint("plan_key", "product_id", "stage_id"),
        ForeignKeyConstraint(
            ["plan_key", "product_id"],
            ["product.plan_key", "product.product_id"],
            ondelete="CASCADE",
        ),
    )

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(index=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = _changed_at()
    product_id: str
    position: int
    stage_id: str
    name: str
    days: int
    owner: str | None = None
    conversion: float = 1.0
    max_silence_days: int | None = None


class SharedTouchRow(SharedModel, table=True):
    __tablename__ = "touch"
    __table_args__ = (
        UniqueConstraint("plan_key", "product_id", "touch_id"),
        ForeignKeyConstraint(
            ["plan_key", "product_id"],
            ["product.plan_key", "product.product_id"],
            ondelete="CASCADE",
        ),
    )

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(index=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = _changed_at()
    product_id: str
    position: int
    touch_id: str
    name: str
    channel: str
    owner: str
    stage_id: str
    offset_days: int = 0
    every_days: int | None = None
    time: str | None = None
    automated: bool = True
    roll: str | None = None


class SharedBroadcastRow(SharedModel, table=True):
    __tablename__ = "broadcast"
    __table_args__ = (UniqueConstraint("plan_key", "broadcast_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(foreign_key="plan.plan_key", ondelete="CASCADE", index=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = _changed_at()
    position: int
    broadcast_id: str
    name: str
    channel: str
    owner: str
    rrule: str
    dtstart: str
    time: str | None = None
    automated: bool = True
    products: str | None = None  # JSON list; NULL = every product


class SharedRequestRow(SharedModel, table=True):
    __tablename__ = "request"
    __table_args__ = (UniqueConstraint("plan_key", "request_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(foreign_key="plan.plan_key", ondelete="CASCADE", index=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = _changed_at()
    position: int
    request_id: str
    title: str
    product: str
    stage: str
    requested_by: str  # team id: row-level security lets sales edit their team's rows
    requested_on: str
    needed_by: str
    production_days: int = 1
    status: str = "requested"
    start: str | None = None
    note: str = ""


class MemberRow(SharedModel, table=True):
    """Which team a sales login belongs to (``db grant … --role sales --team ae``)."""

    __tablename__ = "member"

    login: str = Field(primary_key=True)
    role: str
    team: str | None = None
