"""SQLModel tables of a shared plan on a database server (PostgreSQL).

The same tables as the .cadence document (:mod:`cadence.store.tables`): each
subclasses the same ``…Columns`` base there, so a plan field is declared once. With
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

from sqlalchemy import DateTime, ForeignKeyConstraint, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from cadence.store.tables import (
    AssetColumns,
    BroadcastColumns,
    PlanSettingsColumns,
    ProductColumns,
    RequestColumns,
    StageColumns,
    TeamColumns,
    TouchColumns,
)

_registry = registry()


class SharedModel(SQLModel, registry=_registry):
    """Base of the shared tables (a metadata of their own)."""


SHARED_METADATA = _registry.metadata


class Revisioned(SharedModel):
    """The key and the bookkeeping of every shared object row (listed last among the
    bases: these columns come first). ``plan_key`` names the plan the row belongs to
    (the row goes with it); ``plan`` and the product parts declare it otherwise."""

    pk: int | None = Field(default=None, primary_key=True)
    plan_key: str = Field(foreign_key="plan.plan_key", ondelete="CASCADE", index=True)
    revision: int = 1
    changed_by: str | None = None
    changed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ProductPartRevisioned(Revisioned):
    """A stage or touch row: its product is (plan_key, product_id), see _product_part."""

    plan_key: str = Field(index=True)
    product_id: str


def _product_part() -> ForeignKeyConstraint:
    """Stages and touches belong to a product: (plan_key, product_id) refers to it."""
    return ForeignKeyConstraint(
        ["plan_key", "product_id"],
        ["product.plan_key", "product.product_id"],
        ondelete="CASCADE",
    )


class SharedPlanRow(PlanSettingsColumns, Revisioned, table=True):
    """The plan's settings: one row per plan (the ``settings`` object)."""

    __tablename__ = "plan"

    plan_key: str = Field(unique=True)  # the plan itself: no plan to refer to
    blackouts: str = "[]"  # JSON list of {name, start, end}: part of the settings object


class SharedStampRow(SharedModel, table=True):
    """When the plan was last saved (the plan's ``updated``, used as DTSTAMP).

    Kept apart from the settings row: every editor stamps it, and a stamp is not an
    edit that could conflict."""

    __tablename__ = "plan_stamp"

    plan_key: str = Field(primary_key=True, foreign_key="plan.plan_key", ondelete="CASCADE")
    updated: str | None = None  # ISO 8601 with Z


class SharedTeamRow(TeamColumns, Revisioned, table=True):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("plan_key", "team_id"),)


class SharedProductRow(ProductColumns, Revisioned, table=True):
    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("plan_key", "product_id"),)


class SharedStageRow(StageColumns, ProductPartRevisioned, table=True):
    __tablename__ = "stage"
    __table_args__ = (UniqueConstraint("plan_key", "product_id", "stage_id"), _product_part())


class SharedTouchRow(TouchColumns, ProductPartRevisioned, table=True):
    __tablename__ = "touch"
    __table_args__ = (UniqueConstraint("plan_key", "product_id", "touch_id"), _product_part())


class SharedBroadcastRow(BroadcastColumns, Revisioned, table=True):
    __tablename__ = "broadcast"
    __table_args__ = (UniqueConstraint("plan_key", "broadcast_id"),)


class SharedRequestRow(RequestColumns, Revisioned, table=True):
    __tablename__ = "request"
    __table_args__ = (UniqueConstraint("plan_key", "request_id"),)


class SharedAssetRow(AssetColumns, Revisioned, table=True):
    """One asset of the content library (revision 0002_content_library)."""

    __tablename__ = "asset"
    __table_args__ = (UniqueConstraint("plan_key", "asset_id"),)


class MemberRow(SharedModel, table=True):
    """Which team a sales login belongs to (``db grant … --role sales --team ae``)."""

    __tablename__ = "member"

    login: str = Field(primary_key=True)
    role: str
    team: str | None = None


class SharedFeedTokenRow(SharedModel, table=True):
    """A subscription-feed token of a shared plan (``feeds URL add``): only its digest.

    The secret is shown once when the token is added and never stored: ``digest`` is
    ``sha256:<hex>`` of it, as in the ``.feeds.json`` file beside a plan file. No
    foreign key to ``plan``: ``share --replace`` deletes and re-inserts the plan row, and
    the links people subscribed to must survive that."""

    __tablename__ = "feed_token"

    plan_key: str = Field(primary_key=True)
    token_id: str = Field(primary_key=True)  # f1, f2, …
    feed: str  # team id, product id or "all"
    team: str | None = None
    product: str | None = None
    alarm: str | None = None
    digest: str = Field(unique=True)
    created: str  # ISO time, UTC
