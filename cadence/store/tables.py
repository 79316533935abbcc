"""SQLModel tables of the .cadence document (schema version 1).

Rows mirror the plan JSON closely; the document is read back through the same
validation layer as JSON (rows → raw dict → ``build_plan``). Dates are stored
as ISO text, times as "HH:MM", lists as JSON text: SQLite keeps them exactly.

Each object's columns are declared once, in a ``…Columns`` base class (no table of
its own); the .cadence tables below and the shared plan's tables
(:mod:`cadence.store.shared.tables`) both subclass it and add only their keys.
"""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 2  # 2: the content library (asset table, touch.asset)


# --- the columns of each plan object (shared with cadence.store.shared.tables) ----------


class PlanSettingsColumns(SQLModel):
    """The plan's settings: identity, horizon, working calendar, rules, studio."""

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


class TeamColumns(SQLModel):
    position: int
    team_id: str
    name: str
    color: str
    weekly_capacity: int | None = None


class ProductColumns(SQLModel):
    position: int
    product_id: str
    name: str
    lead_definition: str = ""
    cohort_start: str | None = None
    cohort_every_days: int | None = None
    cohort_count: int | None = None
    cohort_dates: str | None = None  # JSON list, when given as dates
    cohort_size: int = 1


class StageColumns(SQLModel):
    position: int
    stage_id: str
    name: str
    days: int
    owner: str | None = None
    conversion: float = 1.0
    max_silence_days: int | None = None


class TouchColumns(SQLModel):
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
    asset: str | None = None  # schema 2


class BroadcastColumns(SQLModel):
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


class RequestColumns(SQLModel):
    position: int
    request_id: str
    title: str
    product: str
    stage: str
    requested_by: str  # team id: on a server, row-level security lets sales edit their team's rows
    requested_on: str
    needed_by: str
    production_days: int = 1
    status: str = "requested"
    start: str | None = None
    note: str = ""


class AssetColumns(SQLModel):
    """One asset of the content library (schema 2)."""

    position: int
    asset_id: str
    title: str
    kind: str
    stages: str | None = None  # JSON list; NULL = every stage
    products: str | None = None  # JSON list; NULL = every product
    persona: str | None = None
    owner: str
    ready_on: str
    review_by: str | None = None
    url: str | None = None


# --- the keys of the .cadence tables (listed last among the bases: their columns come first)


class RowKey(SQLModel):
    pk: int | None = Field(default=None, primary_key=True)


class ProductPartKey(RowKey):
    """A stage or touch row: its product's row."""

    product_pk: int = Field(foreign_key="product.pk", ondelete="CASCADE", index=True)


# --- the .cadence tables -----------------------------------------------------------------


class SchemaInfo(SQLModel, table=True):
    __tablename__ = "schema_info"

    key: str = Field(primary_key=True)
    value: str


class PlanRow(PlanSettingsColumns, RowKey, table=True):
    __tablename__ = "plan"

    updated: str | None = None  # ISO 8601 with Z


class TeamRow(TeamColumns, RowKey, table=True):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("team_id"),)


class BlackoutRow(RowKey, table=True):
    __tablename__ = "blackout"

    position: int
    name: str
    start: str
    end: str


class ProductRow(ProductColumns, RowKey, table=True):
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("product_id"),)


class StageRow(StageColumns, ProductPartKey, table=True):
    __tablename__ = "stage"


class TouchRow(TouchColumns, ProductPartKey, table=True):
    __tablename__ = "touch"


class BroadcastRow(BroadcastColumns, RowKey, table=True):
    __tablename__ = "broadcast"
    __table_args__ = (UniqueConstraint("broadcast_id"),)


class RequestRow(RequestColumns, RowKey, table=True):
    __tablename__ = "request"
    __table_args__ = (UniqueConstraint("request_id"),)


class AssetRow(AssetColumns, RowKey, table=True):
    __tablename__ = "asset"
    __table_args__ = (UniqueConstraint("asset_id"),)
