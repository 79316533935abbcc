"""Subscription-feed tokens of shared plans (``feeds URL add|list|revoke``, ``serve URL``).

Revision ID: 0003_feed_tokens
Revises: 0002_content_library

Only a SHA-256 digest of each token is stored. On PostgreSQL planners add and revoke
tokens; planners and viewers read them (a feed server may log in as a viewer); sales
logins do not see them. A change sends a NOTIFY on channel ``cadence`` (kind
``feed_token``), so a running ``serve`` stops answering a revoked link at once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_feed_tokens"
down_revision = "0002_content_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_token",
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("token_id", sa.String(), nullable=False),
        sa.Column("feed", sa.String(), nullable=False),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("product", sa.String(), nullable=True),
        sa.Column("alarm", sa.String(), nullable=True),
        sa.Column("digest", sa.String(), nullable=False),
        sa.Column("created", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("plan_key", "token_id"),
        sa.UniqueConstraint("digest"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SECURITY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER feed_token_notify ON feed_token")
    op.drop_table("feed_token")


POSTGRESQL_SECURITY = [
    "CREATE TRIGGER feed_token_notify AFTER INSERT OR UPDATE OR DELETE ON feed_token "
    "FOR EACH ROW EXECUTE FUNCTION cadence_notify_row('token_id')",
    "GRANT SELECT ON feed_token TO cadence_planner, cadence_viewer",
    "GRANT INSERT, DELETE ON feed_token TO cadence_planner",
]
