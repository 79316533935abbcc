"""Meetings that act and sign-off: broadcast participants, action items, sign-offs, reviews.

Revision ID: 0004_meetings
Revises: 0003_feed_tokens

Adds ``broadcast.participants`` (JSON list of team ids, NULL = none) and the tables
``action_item``, ``signoff`` and ``review``. On PostgreSQL the new tables get the same row stamps
and NOTIFY triggers as the other object tables; planners edit them, sales may record
sign-offs and add or close action items, everyone reads them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_meetings"
down_revision = "0003_feed_tokens"
branch_labels = None
depends_on = None

NEW_TABLES = (("action_item", "action_id"), ("signoff", "product"), ("review", "product"))


def _bookkeeping() -> list[sa.Column]:
    return [
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("broadcast") as batch:
        batch.add_column(sa.Column("participants", sa.String(), nullable=True))
    op.create_table(
        "action_item",
        *_bookkeeping(),
        sa.Column("action_id", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("due", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("meeting", sa.String(), nullable=False),
        sa.Column("meeting_date", sa.String(), nullable=False),
        sa.Column("done_on", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "action_id"),
    )
    op.create_index(op.f("ix_action_item_plan_key"), "action_item", ["plan_key"], unique=False)
    op.create_table(
        "signoff",
        *_bookkeeping(),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("touches", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "product", "role", "at"),
    )
    op.create_index(op.f("ix_signoff_plan_key"), "signoff", ["plan_key"], unique=False)
    op.create_table(
        "review",
        *_bookkeeping(),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "product", "at"),
    )
    op.create_index(op.f("ix_review_plan_key"), "review", ["plan_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SECURITY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SECURITY_DOWN:
            op.execute(statement)
    op.drop_index(op.f("ix_review_plan_key"), table_name="review")
    op.drop_table("review")
    op.drop_index(op.f("ix_signoff_plan_key"), table_name="signoff")
    op.drop_table("signoff")
    op.drop_index(op.f("ix_action_item_plan_key"), table_name="action_item")
    op.drop_table("action_item")
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_column("participants")


POSTGRESQL_SECURITY = [
    *(
        f"CREATE TRIGGER {table}_stamp BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION cadence_stamp_row()"
        for table, _ in NEW_TABLES
    ),
    *(
        f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION cadence_notify_row('{id_column}')"
        for table, id_column in NEW_TABLES
    ),
    "GRANT SELECT ON action_item, signoff, review "
    "TO cadence_planner, cadence_sales, cadence_viewer",
    "GRANT INSERT, UPDATE, DELETE ON action_item, signoff, review TO cadence_planner",
    "GRANT INSERT, UPDATE ON action_item TO cadence_sales",
    "GRANT INSERT ON signoff TO cadence_sales",
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO cadence_planner",
    "GRANT USAGE ON SEQUENCE action_item_pk_seq, signoff_pk_seq TO cadence_sales",
]

POSTGRESQL_SECURITY_DOWN = [
    *(f"DROP TRIGGER {table}_notify ON {table}" for table, _ in NEW_TABLES),
    *(f"DROP TRIGGER {table}_stamp ON {table}" for table, _ in NEW_TABLES),
]
