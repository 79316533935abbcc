"""Shared plans: working days, the lead desk and teams' own calendars.

Revision ID: 0005_rules_team_calendars
Revises: 0004_meetings

- ``plan.count_days`` ("calendar" or "working") and ``plan.lead_desk`` (a team id or
  NULL): ``rules.count_days`` and ``rules.lead_desk`` of the plan format;
- ``team.holiday_country``, ``team.holiday_subdivision`` and ``team.blackouts`` (JSON
  text): a team's own holidays and blackouts, NULL when it follows the plan's calendar.

Existing plans keep today's behaviour: calendar days, no lead desk, no team calendars.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_rules_team_calendars"
down_revision = "0004_meetings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as plan:
        plan.add_column(
            sa.Column("count_days", sa.String(), nullable=False, server_default="calendar")
        )
        plan.add_column(sa.Column("lead_desk", sa.String(), nullable=True))
    with op.batch_alter_table("team") as team:
        team.add_column(sa.Column("holiday_country", sa.String(), nullable=True))
        team.add_column(sa.Column("holiday_subdivision", sa.String(), nullable=True))
        team.add_column(sa.Column("blackouts", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("team") as team:
        team.drop_column("blackouts")
        team.drop_column("holiday_subdivision")
        team.drop_column("holiday_country")
    with op.batch_alter_table("plan") as plan:
        plan.drop_column("lead_desk")
        plan.drop_column("count_days")
