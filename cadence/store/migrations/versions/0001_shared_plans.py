"""Shared plans: the tables; on PostgreSQL also roles, grants, row-level security, triggers.

Revision ID: 0001
Revises: (none)

On PostgreSQL the database itself enforces who may change what:

- ``cadence_planner`` edits the whole plan; ``cadence_sales`` reads it, inserts requests
  and updates the requests of its own team only (row-level security on ``request``,
  the team from ``member``); ``cadence_viewer`` reads. Logins are granted one of these
  roles by ``cadence db grant``.
- A trigger stamps every object row: ``revision`` + 1 on update, ``changed_by`` = the
  login, ``changed_at`` = the transaction's time; another sends a NOTIFY on channel
  ``cadence`` naming the plan and the changed object, so open windows can refresh.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("login", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("team", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("login"),
    )
    op.create_table(
        "plan",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("plan_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("start", sa.String(), nullable=False),
        sa.Column("end", sa.String(), nullable=False),
        sa.Column("workdays", sa.String(), nullable=False),
        sa.Column("holiday_country", sa.String(), nullable=True),
        sa.Column("holiday_subdivision", sa.String(), nullable=True),
        sa.Column("roll", sa.String(), nullable=False),
        sa.Column("min_spacing_days", sa.Integer(), nullable=True),
        sa.Column("max_silence_days", sa.Integer(), nullable=True),
        sa.Column("handoff_sla_days", sa.Integer(), nullable=True),
        sa.Column("studio_team", sa.String(), nullable=True),
        sa.Column("studio_capacity_per_day", sa.Integer(), nullable=True),
        sa.Column("studio_min_lead_days", sa.Integer(), nullable=True),
        sa.Column("blackouts", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key"),
    )
    op.create_table(
        "broadcast",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("rrule", sa.String(), nullable=False),
        sa.Column("dtstart", sa.String(), nullable=False),
        sa.Column("time", sa.String(), nullable=True),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("products", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "broadcast_id"),
    )
    op.create_index(op.f("ix_broadcast_plan_key"), "broadcast", ["plan_key"], unique=False)
    op.create_table(
        "plan_stamp",
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("updated", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_key"),
    )
    op.create_table(
        "product",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("lead_definition", sa.String(), nullable=False),
        sa.Column("cohort_start", sa.String(), nullable=True),
        sa.Column("cohort_every_days", sa.Integer(), nullable=True),
        sa.Column("cohort_count", sa.Integer(), nullable=True),
        sa.Column("cohort_dates", sa.String(), nullable=True),
        sa.Column("cohort_size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "product_id"),
    )
    op.create_index(op.f("ix_product_plan_key"), "product", ["plan_key"], unique=False)
    op.create_table(
        "request",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_on", sa.String(), nullable=False),
        sa.Column("needed_by", sa.String(), nullable=False),
        sa.Column("production_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("start", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "request_id"),
    )
    op.create_index(op.f("ix_request_plan_key"), "request", ["plan_key"], unique=False)
    op.create_table(
        "team",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("color", sa.String(), nullable=False),
        sa.Column("weekly_capacity", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_key"], ["plan.plan_key"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "team_id"),
    )
    op.create_index(op.f("ix_team_plan_key"), "team", ["plan_key"], unique=False)
    op.create_table(
        "stage",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("product_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("conversion", sa.Float(), nullable=False),
        sa.Column("max_silence_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_key", "product_id"],
            ["product.plan_key", "product.product_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "product_id", "stage_id"),
    )
    op.create_index(op.f("ix_stage_plan_key"), "stage", ["plan_key"], unique=False)
    op.create_table(
        "touch",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("plan_key", sa.String(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("product_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("touch_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("stage_id", sa.String(), nullable=False),
        sa.Column("offset_days", sa.Integer(), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=True),
        sa.Column("time", sa.String(), nullable=True),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("roll", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_key", "product_id"],
            ["product.plan_key", "product.product_id"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("plan_key", "product_id", "touch_id"),
    )
    op.create_index(op.f("ix_touch_plan_key"), "touch", ["plan_key"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SECURITY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_SECURITY_DOWN:
            op.execute(statement)
    op.drop_index(op.f("ix_touch_plan_key"), table_name="touch")
    op.drop_table("touch")
    op.drop_index(op.f("ix_stage_plan_key"), table_name="stage")
    op.drop_table("stage")
    op.drop_index(op.f("ix_team_plan_key"), table_name="team")
    op.drop_table("team")
    op.drop_index(op.f("ix_request_plan_key"), table_name="request")
    op.drop_table("request")
    op.drop_index(op.f("ix_product_plan_key"), table_name="product")
    op.drop_table("product")
    op.drop_table("plan_stamp")
    op.drop_index(op.f("ix_broadcast_plan_key"), table_name="broadcast")
    op.drop_table("broadcast")
    op.drop_table("plan")
    op.drop_table("member")


# Object tables: (table, id column, owner column for a two-part id or None).
OBJECT_TABLES = (
    ("plan", "plan_key", None),
    ("team", "team_id", None),
    ("product", "product_id", None),
    ("stage", "stage_id", "product_id"),
    ("touch", "touch_id", "product_id"),
    ("broadcast", "broadcast_id", None),
    ("request", "request_id", None),
)
ALL_TABLES = "plan, plan_stamp, team, product, stage, touch, broadcast, request"
ROLES = ("cadence_planner", "cadence_sales", "cadence_viewer")

POSTGRESQL_SECURITY = [
    *(
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN;
            END IF;
        END $$"""
        for role in ROLES
    ),
    """CREATE FUNCTION cadence_stamp_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.changed_by := session_user;
        NEW.changed_at := now();
        IF TG_OP = 'UPDATE' THEN
            NEW.revision := OLD.revision + 1;
        ELSE
            NEW.revision := 1;
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION cadence_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        r jsonb;
        object_id text;
    BEGIN
        IF TG_OP = 'DELETE' THEN r := to_jsonb(OLD); ELSE r := to_jsonb(NEW); END IF;
        object_id := r ->> TG_ARGV[0];
        IF TG_NARGS > 1 THEN object_id := (r ->> TG_ARGV[1]) || '/' || object_id; END IF;
        PERFORM pg_notify('cadence', json_build_object(
            'plan', r ->> 'plan_key', 'kind', TG_TABLE_NAME, 'id', object_id, 'op', lower(TG_OP),
            'revision', (r ->> 'revision')::int
        )::text);
        RETURN NULL;
    END $$""",
    *(
        f"CREATE TRIGGER {table}_stamp BEFORE INSERT OR UPDATE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION cadence_stamp_row()"
        for table, _, _ in OBJECT_TABLES
    ),
    *(
        f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION cadence_notify_row('{id_column}'"
        + (f", '{owner}')" if owner else ")")
        for table, id_column, owner in OBJECT_TABLES
    ),
    f"GRANT SELECT ON {ALL_TABLES}, member, cadence_schema_version TO {', '.join(ROLES)}",
    f"GRANT INSERT, UPDATE, DELETE ON {ALL_TABLES} TO cadence_planner",
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO cadence_planner",
    "GRANT INSERT ON request TO cadence_sales",
    # Not plan_key, request_id, changed_by, changed_at: a request stays in its plan and
    # keeps its id; who/when is the trigger's to write.
    "GRANT UPDATE (position, revision, title, product, stage, requested_by, requested_on, "
    "needed_by, production_days, status, start, note) ON request TO cadence_sales",
    "GRANT UPDATE ON plan_stamp TO cadence_sales",
    "GRANT USAGE ON SEQUENCE request_pk_seq TO cadence_sales",
    """CREATE FUNCTION cadence_my_team() RETURNS text LANGUAGE sql STABLE AS $$
        SELECT team FROM member WHERE login = session_user AND role = 'sales'
    $$""",
    "ALTER TABLE request ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY request_planner ON request TO cadence_planner USING (true) WITH CHECK (true)",
    "CREATE POLICY request_read ON request FOR SELECT TO cadence_sales, cadence_viewer "
    "USING (true)",
    "CREATE POLICY request_sales_insert ON request FOR INSERT TO cadence_sales "
    "WITH CHECK (requested_by = cadence_my_team())",
    "CREATE POLICY request_sales_update ON request FOR UPDATE TO cadence_sales "
    "USING (requested_by = cadence_my_team()) WITH CHECK (requested_by = cadence_my_team())",
]

POSTGRESQL_SECURITY_DOWN = [
    "DROP POLICY request_sales_update ON request",
    "DROP POLICY request_sales_insert ON request",
    "DROP POLICY request_read ON request",
    "DROP POLICY request_planner ON request",
    *(f"DROP TRIGGER {table}_notify ON {table}" for table, _, _ in OBJECT_TABLES),
    *(f"DROP TRIGGER {table}_stamp ON {table}" for table, _, _ in OBJECT_TABLES),
    "DROP FUNCTION cadence_my_team()",
    "DROP FUNCTION cadence_notify_row()",
    "DROP FUNCTION cadence_stamp_row()",
]
