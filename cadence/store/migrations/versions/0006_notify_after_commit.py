"""Shared plans: Cadence's store announces its own edits after COMMIT.

Revision ID: 0006_notify_after_commit
Revises: 0005_rules_team_calendars

The row trigger ``cadence_notify_row`` (revision 0001) stays quiet in a session that
set ``cadence.notify_after_commit = on``: Cadence's store sets it on its connection and
sends one notice per save itself, in a separate transaction after the edit's COMMIT.
A transaction that NOTIFYs holds PostgreSQL's notify lock through its commit's WAL
flush, so notifying edits cannot share a flush (no group commit); the edits no longer
do. Every other session (psql, scripts, ``share``) is announced by the trigger as before.
Nothing changes on SQLite (no triggers there).
"""

from alembic import op

revision = "0006_notify_after_commit"
down_revision = "0005_rules_team_calendars"
branch_labels = None
depends_on = None

# The body of revision 0001's function, after the line that lets a session opt out.
_NOTIFY_BODY = """
        IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
        object_id := r ->> TG_ARGV[0];
        IF TG_NARGS > 1 THEN object_id := (r ->> TG_ARGV[1]) || '/' || object_id; END IF;
        PERFORM pg_notify('cadence', json_build_object(
            'plan', r ->> 'plan_key', 'kind', TG_TABLE_NAME, 'id', object_id, 'op', lower(TG_OP),
            'revision', (r ->> 'revision')::int
        )::text);
        RETURN NULL;
    END $$"""
_HEAD = """CREATE OR REPLACE FUNCTION cadence_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        r jsonb;
        object_id text;
    BEGIN"""
# Cadence's store announces the edit itself after COMMIT (cadence.store.shared.live).
_OPT_OUT = """
        IF current_setting('cadence.notify_after_commit', true) = 'on' THEN
            RETURN NULL;
        END IF;"""

NOTIFY_UNLESS_ANNOUNCED = _HEAD + _OPT_OUT + _NOTIFY_BODY
NOTIFY_ALWAYS = _HEAD + _NOTIFY_BODY  # revision 0001's function


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_UNLESS_ANNOUNCED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_ALWAYS)
