"""The shared-plan schema: Alembic migrations build the SQLModel tables on both backends;
a newer schema is refused and left untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from cadence.store.shared.plans import SharedError, open_shared_plan
from cadence.store.shared.schema import (
    VERSION_TABLE,
    SchemaError,
    current_revision,
    head_revision,
    upgrade_schema,
)
from cadence.store.shared.tables import SHARED_METADATA
from cadence.store.shared.url import parse_shared_url

TABLES = [
    "action_item",
    "asset",
    "broadcast",
    "cadence_schema_version",
    "feed_token",
    "member",
    "plan",
    "plan_stamp",
    "product",
    "request",
    "review",
    "signoff",
    "stage",
    "team",
    "touch",
]


HEAD = "0006_notify_after_commit"  # the newest migration: 0001 shared tables, 0002 library,
# 0003 feed tokens, 0004 meetings, 0005 working days, lead desk and team calendars,
# 0006 the store announces its own edits after COMMIT


def _context(conn) -> MigrationContext:
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})


def _tables(conn) -> list[str]:
    from sqlalchemy import inspect

    return sorted(inspect(conn).get_table_names())


def test_migrations_build_the_sqlmodel_tables_on_sqlite(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    assert upgrade_schema(engine) == (None, HEAD)
    with engine.connect() as conn:
        assert _tables(conn) == TABLES
        assert compare_metadata(_context(conn), SHARED_METADATA) == []
        assert current_revision(conn) == HEAD
    engine.dispose()


def test_revision_0004_adds_the_rules_columns_to_an_older_plan(tmp_path: Path) -> None:
    from alembic import command

    from cadence.store.shared.schema import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(
            text(
                'INSERT INTO plan (plan_key, revision, plan_id, name, timezone, start, "end",'
                " workdays, roll, blackouts) VALUES ('demo', 1, 'demo', 'Demo', 'UTC',"
                " '2027-01-01', '2027-12-31', '[]', 'forward', '[]')"
            )
        )
    assert upgrade_schema(engine) == ("0001", HEAD)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT plan_key, count_days, lead_desk FROM plan")).all() == [
            ("demo", "calendar", None)
        ]
        assert compare_metadata(_context(conn), SHARED_METADATA) == []
    engine.dispose()


def test_migrations_build_the_sqlmodel_tables_on_postgresql(pg_db) -> None:
    engine = create_engine(parse_shared_url(pg_db.url()).database)
    assert upgrade_schema(engine) == (None, HEAD)
    assert upgrade_schema(engine) == (HEAD, HEAD)  # idempotent
    with engine.connect() as conn:
        assert _tables(conn) == TABLES
        assert compare_metadata(_context(conn), SHARED_METADATA) == []
        roles = conn.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname LIKE 'cadence\\_%' ORDER BY 1")
        ).scalars()
        assert list(roles) == [
            "cadence_admin",
            "cadence_planner",
            "cadence_sales",
            "cadence_viewer",
        ]
    engine.dispose()


def test_revision_0006_lets_the_store_notify_itself_and_goes_back(pg_db) -> None:
    from alembic import command

    from cadence.store.shared.schema import alembic_config

    def state(conn) -> tuple[bool, list[str]]:
        body = conn.execute(text("SELECT prosrc FROM pg_proc WHERE proname = 'cadence_notify_row'"))
        triggers = conn.execute(
            text(
                "SELECT tgname || ' ' || encode(tgargs, 'escape') FROM pg_trigger "
                "WHERE tgname IN ('signoff_notify', 'review_notify') ORDER BY 1"
            )
        )
        return "notify_after_commit" in body.scalar_one(), list(triggers.scalars())

    engine = create_engine(parse_shared_url(pg_db.url()).database)
    upgrade_schema(engine)
    with engine.begin() as conn:
        assert state(conn) == (
            True,
            ["review_notify at\\000product\\000", "signoff_notify product\\000role\\000at\\000"],
        )
        command.downgrade(alembic_config(conn), "0005_rules_team_calendars")
        assert state(conn) == (
            False,
            ["review_notify product\\000", "signoff_notify product\\000"],
        )
    assert upgrade_schema(engine) == ("0005_rules_team_calendars", HEAD)
    engine.dispose()


def test_a_newer_schema_is_refused_and_not_modified(pg_db) -> None:
    engine = create_engine(parse_shared_url(pg_db.url()).database)
    upgrade_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE cadence_schema_version SET version_num = '0099'"))
    with pytest.raises(SchemaError) as info:
        upgrade_schema(engine)
    assert str(info.value) == (
        "the database's Cadence schema is revision '0099', newer than this Cadence knows "
        f"(up to {head_revision()!r}); update Cadence. The database was not changed."
    )
    with pytest.raises(SharedError, match="newer than this Cadence"):
        open_shared_plan(pg_db.url())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM cadence_schema_version")).all() == [
            ("0099",)
        ]
        assert _tables(conn) == TABLES
    engine.dispose()


def test_a_database_without_schema_says_to_run_db_init(pg_db) -> None:
    with pytest.raises(SharedError) as info:
        open_shared_plan(pg_db.url())
    assert str(info.value) == (
        f"postgresql://cadence_admin@127.0.0.1:{pg_db.server.port}/{pg_db.name}?plan=northwind: "
        "the database holds no Cadence schema; a database owner runs `cadence db init URL`"
    )


def test_a_0001_database_gains_the_content_library(tmp_path: Path) -> None:
    """A shared database made before the content library upgrades in place (SQLite here;
    the same migration runs on PostgreSQL in the tests above)."""
    from alembic import command

    from cadence.store.shared.schema import alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        assert "asset" not in _tables(conn)
    assert upgrade_schema(engine) == ("0001", HEAD)
    with engine.connect() as conn:
        assert _tables(conn) == TABLES
        assert compare_metadata(_context(conn), SHARED_METADATA) == []
    engine.dispose()
