"""The shared-plan schema version: check it, create it, upgrade it (Alembic).

A database whose schema revision this Cadence does not know (written by a newer
Cadence) is refused and never modified; an older one is upgraded only by
``cadence db init`` (which needs the rights to change the schema).
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

VERSION_TABLE = "cadence_schema_version"


class SchemaError(Exception):
    """The database's schema cannot be used by this Cadence; the message says what to do."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration of the migrations shipped in cadence.store.migrations."""
    config = Config()
    location = resources.files("cadence.store") / "migrations"
    config.set_main_option("script_location", str(location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The database's schema revision, or None when it has no Cadence schema."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    heads = context.get_current_heads()
    return heads[0] if heads else None


def refuse_newer(revision: str | None) -> None:
    if revision is not None and revision not in known_revisions():
        raise SchemaError(
            f"the database's Cadence schema is revision {revision!r}, newer than this Cadence "
            f"knows (up to {head_revision()!r}); update Cadence. The database was not changed."
        )


def check_schema(connection: Connection) -> None:
    """Raise SchemaError unless the database holds exactly this Cadence's schema."""
    revision = current_revision(connection)
    refuse_newer(revision)
    if revision is None:
        raise SchemaError(
            "the database holds no Cadence schema; a database owner runs `cadence db init URL`"
        )
    if revision != head_revision():
        raise SchemaError(
            f"the database's Cadence schema is revision {revision!r}, older than this Cadence "
            f"({head_revision()!r}); a database owner runs `cadence db init URL` to upgrade it"
        )


def upgrade_schema(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest revision, in one transaction.

    Returns (revision before, revision after). Refuses a newer database untouched.
    """
    with engine.begin() as connection:
        before = current_revision(connection)
        refuse_newer(before)
        command.upgrade(alembic_config(connection), "head")
    return before, head_revision()
