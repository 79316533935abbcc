"""Alembic environment of the shared-plan schema (run through cadence.store.shared.schema).

The caller passes an open SQLAlchemy connection in ``config.attributes["connection"]``;
there is no alembic.ini and no URL here (passwords never pass through this file).
"""

from alembic import context

from cadence.store.shared.tables import SHARED_METADATA

VERSION_TABLE = "cadence_schema_version"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SHARED_METADATA,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
