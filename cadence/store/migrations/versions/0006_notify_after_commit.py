"""Shared plans: Cadence's store announces its own edits after COMMIT.

Revision ID: 0006_notify_after_commit
Revises: 0005_rules_team_calendars

The row trigger ``cadence_notify_row`` (revision 0001) stays quiet in a session that
set ``cadence.notify_after_commit = on``: Cadence's store sets it on its connection and
sends one notice per save itself, in a separate transaction after the edit's COMMIT.
A transaction that NOTIFYs holds PostgreSQL's notify lock through its commit's WAL
flush, so notifying edits cannot share a flush (no group commit); the edits no longer
do. Every other session (psql, scripts, ``share``) is announced by the trigger as before.

The trigger also names sign-offs and reviews by their whole id, as the store does
(``product/role/at``, ``product/at``; revision 0004 named them by product only, an id no
reader could re-read): three or more trigger arguments are joined in order.
Nothing changes on SQLite (no triggers there).
"""

from alembic import op

revision = "0006_notify_after_commit"
down_revision = "0005_rules_team_calendars"
branch_labels = None
depends_on = None

# The body of revision 0001's function, after the line that lets a session opt out.
_ROW = """
        IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
        object_id := r ->> TG_ARGV[0];
        IF TG_NARGS > 1 THEN object_id := (r ->> TG_ARGV[1]) || '/' || object_id; END IF;"""
# (id) or (id, owner) as in 0001; three or more: the id's parts in order.
_ID_PARTS = """
        IF TG_NARGS > 2 THEN
            object_id := array_to_string(ARRAY(
                SELECT r ->> part FROM unnest(TG_ARGV) WITH ORDINALITY AS t(part, i) ORDER BY i
            ), '/');
        END IF;"""
_NOTIFY_BODY = """
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

NOTIFY_UNLESS_ANNOUNCED = _HEAD + _OPT_OUT + _ROW + _ID_PARTS + _NOTIFY_BODY
NOTIFY_ALWAYS = _HEAD + _ROW + _NOTIFY_BODY  # revision 0001's function

# (table, trigger arguments): the store's id of a sign-off and of a review.
WHOLE_IDS = (("signoff", "'product', 'role', 'at'"), ("review", "'at', 'product'"))
OLD_IDS = (("signoff", "'product'"), ("review", "'product'"))  # revision 0004's


def _notify_triggers(ids: tuple[tuple[str, str], ...]) -> list[str]:
    return [
        statement
        for table, arguments in ids
        for statement in (
            f"DROP TRIGGER {table}_notify ON {table}",
            f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cadence_notify_row({arguments})",
        )
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_UNLESS_ANNOUNCED)
        for statement in _notify_triggers(WHOLE_IDS):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _notify_triggers(OLD_IDS):
            op.execute(statement)
        op.execute(NOTIFY_ALWAYS)
