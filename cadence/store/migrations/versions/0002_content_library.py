"""The content library: table asset and the asset a touch sends (touch.asset).

Revision ID: 0002_content_library
Revises: 0001

On PostgreSQL the asset table is an object table like the others: the same stamp and
notify triggers, read by every role, edited by ``cadence_planner``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_content_library"
down_revision = "0001"
branch_labels = None
depends_on = None

ROLES = ("cadence_planner", "cadence_sales", "cadence_viewer")

POSTGRESQL_SECURITY = [
    "CREATE TRIGGER asset_stamp BEFORE INSERT OR UPDATE ON asset "
    "FOR EACH ROW EXECUTE FUNCTION cadence_stamp_row()",
    "CREATE TRIGGER asset_notify AFTER INSERT OR UPDATE OR DELETE ON asset "
    "FOR EACH ROW EXECUTE FUNCTION cadence_notify_row('asset_id')",
    f"GRANT SELECT ON asset TO {', '.join(ROLES)}",
    "GRANT INSERT, UPDATE, DELETE ON asset TO cadence_planner",
    "GRANT USAGE ON SEQUENCE asset_pk_seq TO cadence_planner",
]

POSTGRESQL_SECURITY_DOWN = [
    "DROP TRIGGER asset_notify ON asset",
    "DROP TRIGGER asset_stamp ON asset",
]


def upgrade() -> None:
    with op.batch_alter_table("touch") as batch:
        batch.add_column(sa.Column("asset", sa.String(), nullable=True))
    op.create_table(
        "asset",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("stages", sa.String(), nullable=True),
        sa.Column("products", sa.String(), nullable=True),
        sa.Column("persona", sa.String(), nullable=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("ready_on", sa.String(), nullable=False),
        sa.Column("review_by", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "asset_id"),
    )
    op.create_index(op.f("ix_asset_plan_key"), "asset", ["plan_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SECURITY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SECURITY_DOWN:
            op.execute(statement)
    op.drop_index(op.f("ix_asset_plan_key"), table_name="asset")
    op.drop_table("asset")
    with op.batch_alter_table("touch") as batch:
        batch.drop_column("asset")
