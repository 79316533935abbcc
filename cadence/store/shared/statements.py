"""The SQL a shared plan sends, and how: plain SQL text, as few round trips as possible.

**Reads** (``load``, ``refresh``) send all their SELECTs at once in pipeline mode: one
round trip, whatever the number of tables or objects.

**Saves**: :class:`SharedPlan.save <cadence.store.shared.plans.SharedPlan.save>` does all its Python
work first (validate, diff, build the statements below), then sends them on the plan's
own psycopg connection (autocommit), so no lock is held while Python works:

- **one statement** (the usual edit: one object changed, the stamp unchanged) is sent
  alone: PostgreSQL runs it as its own transaction — one round trip, COMMIT included;
- **more** are sent in pipeline mode: BEGIN and every statement in one round trip, the
  row counts checked, then COMMIT — two round trips whatever the number of objects.

Each UPDATE and DELETE carries the revision the edit was based on in its WHERE
(``… AND revision = %(base)s``): a row count other than 1 means someone changed or
removed the object meanwhile, or row-level security hid it. Then :class:`Refused` is
raised and the transaction is rolled back: nothing of the save is written. The SQL
text of each table and column set is built once (psycopg prepares a statement on the
server after a few uses).

**The notice** of a save is not sent inside its transaction (the tables' triggers stay
quiet on the store's connection): :func:`announce` sends it after the COMMIT, one more
round trip, in a transaction of its own that does not wait for the disk.
"""

from __future__ import annotations

import select
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from cadence.store.shared.objects import ObjectKey

PLAN_KEY, BASE = "_plan_key", "_base"  # parameter names beside the columns'


@dataclass(frozen=True)
class Statement:
    """One statement of a save: its SQL text and parameters.

    ``key``/``base``: the object it writes and the revision the edit was based on;
    such a statement must touch exactly one row (None: not checked, e.g. an INSERT)."""

    sql: str
    params: dict[str, Any]
    key: ObjectKey | None = None
    base: int | None = None


class Refused(Exception):
    """A guarded statement touched no row: the object is not at the revision the edit read."""

    def __init__(self, statement: Statement) -> None:
        super().__init__(statement.key)
        self.statement = statement


def _text(query: sql.Composable) -> str:
    return query.as_string(None)


def _matches(columns: Sequence[str]) -> sql.Composable:
    return sql.SQL(" AND ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in columns
    )


def _guard(id_columns: tuple[str, ...]) -> sql.Composable:
    """WHERE the row of this plan with these ids is still at the revision read."""
    return sql.SQL("plan_key = {} {} AND revision = {}").format(
        sql.Placeholder(PLAN_KEY),
        sql.SQL("AND ") + _matches(id_columns) if id_columns else sql.SQL(""),
        sql.Placeholder(BASE),
    )


@lru_cache(maxsize=256)
def update_sql(table: str, columns: tuple[str, ...], id_columns: tuple[str, ...]) -> str:
    """UPDATE one object's ``columns`` (never its ids: a role needs no right on them)."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in columns
    )
    return _text(
        sql.SQL("UPDATE {} SET {}, revision = {} + 1 WHERE {}").format(
            sql.Identifier(table), assignments, sql.Placeholder(BASE), _guard(id_columns)
        )
    )


@lru_cache(maxsize=64)
def delete_sql(table: str, id_columns: tuple[str, ...]) -> str:
    return _text(
        sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table), _guard(id_columns))
    )


@lru_cache(maxsize=256)
def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return _text(
        sql.SQL("INSERT INTO {} (plan_key, revision, {}) VALUES ({}, 1, {})").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.Placeholder(PLAN_KEY),
            sql.SQL(", ").join(map(sql.Placeholder, columns)),
        )
    )


@lru_cache(maxsize=64)
def select_sql(table: str, id_columns: tuple[str, ...] | None, ordered: bool) -> str:
    """The rows of one plan in ``table`` (in position order when ``ordered``), or with
    ``id_columns`` the one row of one object."""
    where = sql.SQL("plan_key = {}").format(sql.Placeholder(PLAN_KEY))
    if id_columns:
        where = sql.SQL("{} AND {}").format(where, _matches(id_columns))
    order = sql.SQL(" ORDER BY position") if ordered else sql.SQL("")
    return _text(sql.SQL("SELECT * FROM {} WHERE {}{}").format(sql.Identifier(table), where, order))


@lru_cache(maxsize=4)
def object_revisions_sql(kinds: tuple[tuple[str, str, tuple[str, ...]], ...]) -> str:
    """Every object of one plan as (kind, id, revision), over the tables of ``kinds``
    ((kind, table, id columns)): one query, the ids joined as ``ObjectKey`` joins them."""
    selects = [
        sql.SQL("SELECT {} AS kind, {} AS id, revision FROM {} WHERE plan_key = {}").format(
            sql.Literal(kind),
            sql.SQL("concat_ws('/', {})").format(sql.SQL(", ").join(map(sql.Identifier, ids)))
            if ids
            else sql.Literal(""),
            sql.Identifier(table),
            sql.Placeholder(PLAN_KEY),
        )
        for kind, table, ids in kinds
    ]
    return _text(sql.SQL(" UNION ALL ").join(selects))


STAMP_SELECT_SQL = "SELECT updated FROM plan_stamp WHERE plan_key = %(_plan_key)s"
STAMP_SQL = "UPDATE plan_stamp SET updated = %(updated)s WHERE plan_key = %(_plan_key)s"


def send(conn: psycopg.Connection[Any], statements: Sequence[Statement]) -> None:
    """Run ``statements`` as one transaction on ``conn`` (autocommit mode); raises
    :class:`Refused` (nothing written) when a guarded one touched no row."""
    if len(statements) == 1:
        (only,) = statements
        _check(conn.execute(only.sql, only.params), only)
        return
    with conn.pipeline() as pipeline, conn.transaction():
        cursors = [conn.execute(s.sql, s.params) for s in statements]
        pipeline.sync()  # BEGIN and every statement: one round trip
        for cursor, statement in zip(cursors, statements, strict=True):
            _check(cursor, statement)


# One statement, so its own transaction: set_config(…, true) lasts until its end,
# COMMIT included, which then does not wait for the WAL flush. Nothing here needs to
# be durable, and PostgreSQL's notify lock (held from pre-commit to the end of the
# commit) is held for microseconds instead of a disk flush.
ANNOUNCE_SQL = (
    "SELECT set_config('synchronous_commit', 'off', true), pg_notify('cadence', %(payload)s)"
)


def announce(conn: psycopg.Connection[Any], payload: str) -> None:
    """Send one change notice on channel ``cadence`` (autocommit ``conn``): one round trip."""
    conn.execute(ANNOUNCE_SQL, {"payload": payload})


def fetch(
    conn: psycopg.Connection[Any], queries: Sequence[tuple[str, dict[str, Any]]]
) -> list[list[dict[str, Any]]]:
    """The rows of each query (dicts by column name), all sent in one round trip."""
    cursors = [conn.cursor(row_factory=dict_row) for _ in queries]
    with conn.pipeline():
        for cursor, (query, params) in zip(cursors, queries, strict=True):
            cursor.execute(query, params)
    return [cursor.fetchall() for cursor in cursors]


def _check(cursor: psycopg.Cursor[Any], statement: Statement) -> None:
    if statement.key is not None and cursor.rowcount != 1:
        raise Refused(statement)


def hung_up(conn: psycopg.Connection[Any]) -> bool:
    """Whether an idle connection was closed by the server (a restart, a terminated
    backend): its socket is readable with the goodbye. Checked without a round trip,
    so a save after a restart reconnects first instead of failing once."""
    return conn.closed or conn.broken or readable_now(conn)


def readable_now(conn: psycopg.Connection[Any]) -> bool:
    """Whether the connection's socket has something to read now (no wait)."""
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    return bool(readable)
