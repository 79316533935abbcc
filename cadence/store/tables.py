"""SQLModel tables of the .cadence document (schema version 1).

Rows mirror the plan JSON closely; the document is read back through the same
validation layer as JSON (rows → raw dict → ``build_plan``). Dates are stored
as ISO text, times as "HH:MM", lists as JSON text: SQLite keeps them exactly.
"""

from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 2  # 2: rules.count_days, rules.lead_desk, teams' own calendars


class SchemaInfo(SQLModel, table=True):
    __tablename__ = "schema_info"

    key: str = Field(primary_key=True)
    value: str


class PlanRow(SQLModel, table=True):
    __tablename__ = "plan"

    pk: int | None = Field(default=None, primary_key=True)
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
    updated: str | None = None  # ISO 8601 with Z
    # Schema 2: working days and the lead desk.
    count_days: str = "calendar"
    lead_desk: str | None = None


class TeamRow(SQLModel, table=True):
    __tablename__ = "team"

    pk: int | None = Field(default=None, primary_key=True)
    position: int
    team_id: str = Field(unique=True)
    name: str
    color: str
    weekly_capacity: int | None = None
    # Schema 2: the team's own calendar (NULL: the plan's).
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    blackouts: str | None = None  # JSON list of {name, start, end}


class BlackoutRow(SQLModel, table=True):
    __tablename__ = "blackout"

    pk: int | None = Field(default=None, primary_key=True)
    position: int
    name: str
    start: str
    end: str


class ProductRow(SQLModel, table=True):
    __tablename__ = "product"

    pk: int | None = Field(default=None, primary_key=True)
    position: int
    product_id: str = Field(unique=True)
    name: str
    lead_definition: str = ""
    cohort_start: str | None = None
    cohort_every_days: int | None = None
    cohort_count: int | None = None
    cohort_dates: str | None = None  # JSON list, when given as dates
    cohort_size: int = 1


class StageRow(SQLModel, table=True):
    __tablename__ = "stage"

    pk: int | None = Field(default=None, primary_key=True)
    product_pk: int = Field(foreign_key="product.pk", ondelete="CASCADE", index=True)
    position: int
    stage_id: str
    name: str
    days: int
    owner: str | None = None
    conversion: float = 1.0
    max_silence_days: int | None = None


class TouchRow(SQLModel, table=True):
    __tablename__ = "touch"

    pk: int | None = Field(default=None, primary_key=True)
    product_pk: int = Field(foreign_key="product.pk", ondelete="CASCADE", index=True)
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


class BroadcastRow(SQLModel, table=True):
    __tablename__ = "broadcast"

    pk: int | None = Field(default=None, primary_key=True)
    position: int
    broadcast_id: str = Field(unique=True)
    name: str
    channel: str
    owner: str
    rrule: str
    dtstart: str
    time: str | None = None
    automated: bool = True
    products: str | None = None  # JSON list; NULL = every product


class RequestRow(SQLModel, table=True):
    __tablename__ = "request"

    pk: int | None = Field(default=None, primary_key=True)
    position: int
    request_id: str = Field(unique=True)
    title: str
    product: str
    stage: str
    requested_by: str
    requested_on: str
    needed_by: str
    production_days: int = 1
    status: str = "requested"
    start: str | None = None
    note: str = ""
