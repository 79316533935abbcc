"""A plan on a database server, edited by many people at once.

:class:`SharedPlan` is the shared counterpart of the .cadence ``Document``: ``load()``
reads the plan (and the revision of every object), ``save(plan)`` writes the objects
that differ from what was loaded, in ONE transaction, each guarded by the revision it
was based on. When someone else changed (or removed, or added) the same object since,
nothing is written and :class:`Conflict` says who changed what and when. Edits to
different objects by different people both apply.

Who may change what is decided by the database (roles and row-level security, see
the migration); a refusal comes back as :class:`NotAllowed`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine

from cadence.fields import stamp_text
from cadence.formats.plan_json import (
    plan_to_dict,
    product_to_dict,
    read_products,
    validate_plan,
)
from cadence.model import PLAN_PARTS, SETTINGS_PARTS, Plan, plan_settings
from cadence.store.shared.live import NOTIFY_AFTER_COMMIT, ChangeNotice, conninfo, edit_payload
from cadence.store.shared.objects import (
    BOOKKEEPING,
    KINDS,
    PRODUCT_KINDS,
    WRITE_ORDER,
    Kind,
    ObjectKey,
    Values,
    objects_to_raw,
    plan_objects,
    product_objects,
    product_raw,
)
from cadence.store.shared.schema import SchemaError, check_schema
from cadence.store.shared.statements import (
    BASE,
    PLAN_KEY,
    STAMP_SELECT_SQL,
    STAMP_SQL,
    Refused,
    Statement,
    announce,
    delete_sql,
    fetch,
    hung_up,
    insert_sql,
    object_revisions_sql,
    select_sql,
    send,
    update_sql,
)
from cadence.store.shared.tables import SharedPlanRow, SharedStampRow
from cadence.store.shared.url import SharedLocation, SharedUrlError, parse_shared_url, redact
from cadence.validate import PlanInvalid, build_plan


class SharedError(Exception):
    """A shared plan cannot be reached, read or written; the message says why (no password)."""


class NotAllowed(SharedError):
    """The database refused the change: the login's role does not allow it."""


@dataclass
class Conflict(SharedError):
    """Someone else changed the same object since it was loaded; nothing was written."""

    kind: str
    object_id: str
    base_revision: int | None  # what the edit was based on (None: the object was new)
    revision: int | None  # what the database holds now (None: the object was removed)
    changed_by: str | None
    changed_at: datetime | None

    def __str__(self) -> str:
        what = f"{self.kind} {self.object_id!r}" if self.object_id else self.kind
        when = f" at {self.changed_at:%Y-%m-%d %H:%M:%S %Z}" if self.changed_at else ""
        who = f" by {self.changed_by}" if self.changed_by else ""
        if self.revision is None:
            event = "was removed by someone else"
        elif self.base_revision is None:
            event = f"was added{who}{when} (revision {self.revision})"
        else:
            event = (
                f"was changed{who}{when} (revision {self.revision}; "
                f"your edit was based on revision {self.base_revision})"
            )
        return f"conflict: {what} {event}; nothing was saved — reload and edit again"


@dataclass(frozen=True)
class SavedEdit:
    """What one save wrote, by object: (kind, id) keys."""

    added: frozenset[ObjectKey] = frozenset()
    changed: frozenset[ObjectKey] = frozenset()
    removed: frozenset[ObjectKey] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def make_engine(location: SharedLocation) -> Engine:
    """An engine on the server (psycopg 3); libpq finds the password (PGPASSWORD, ~/.pgpass).

    For the rare whole-plan operations (schema check, share, roles, feed tokens): no
    pool, so an open plan holds no idle connection besides its own (``_connection``)."""
    return create_engine(location.database, poolclass=NullPool)


def explain(exc: BaseException, location: SharedLocation | None = None) -> str:
    """A one-line reason for a database error, with any password removed."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    where = f"{location.label}: " if location else ""
    message = redact(where + text)
    password = location.database.password if location else None
    if password:
        message = message.replace(str(password), "***")
    return message


@dataclass
class SharedPlan:
    """One plan on a server. Use :func:`open_shared_plan`; ``close()`` when done."""

    location: SharedLocation
    engine: Engine
    _base: dict[ObjectKey, Values] = field(default_factory=dict)
    _revisions: dict[ObjectKey, int] = field(default_factory=dict)
    _plan: Plan | None = None
    _stamp: str | None = None
    _conn: psycopg.Connection[Any] | None = None  # see _connection()
    _unannounced: str | None = None  # the notice of the last save, until sent

    @property
    def key(self) -> str:
        assert self.location.plan is not None
        return self.location.plan

    def close(self) -> None:
        self._drop_connection()
        self.engine.dispose()

    def __enter__(self) -> SharedPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except (Conflict, NotAllowed, IntegrityError):
            raise
        except ProgrammingError as exc:
            if _is_permission_error(exc):
                raise NotAllowed(
                    f"{self.location.label}: not allowed by your role ({explain(exc)})"
                ) from None
            raise SharedError(explain(exc, self.location)) from None
        except SQLAlchemyError as exc:
            raise SharedError(explain(exc, self.location)) from None

    # -- reading -----------------------------------------------------------------

    def revision(self, kind: str, object_id: str = "") -> int | None:
        """The revision of one object as last loaded or saved (None: unknown)."""
        return self._revisions.get((kind, object_id))

    def load(self) -> Plan:
        """The plan as the server holds it now, validated; remembers each object's revision.

        Read again after a first load, only the products whose rows changed are built and
        checked again when nothing else changed (as :meth:`refresh`)."""
        queries: list[tuple[str, dict[str, Any]]] = [
            (select_sql(_table_name(KINDS[name]), None, _ordered_by_position(KINDS[name])), {})
            for name in WRITE_ORDER
        ]
        *results, stamp_rows = self._fetch([*queries, (STAMP_SELECT_SQL, {})])
        rows = dict(zip(WRITE_ORDER, results, strict=True))
        if not rows["settings"]:
            raise SharedError(f"{self.location.label}: no plan {self.key!r} on this server")
        # Held once the plan they belong to is built (an invalid plan keeps the old ones,
        # so a save is still checked against what this client last read).
        revisions = {
            (name, KINDS[name].object_id(row)): row["revision"]
            for name in WRITE_ORDER
            for row in rows[name]
        }
        values = {name: [_without_bookkeeping(r) for r in rows[name]] for name in WRITE_ORDER}
        stamp = _stamp_of(stamp_rows)
        if self._plan is not None and stamp == self._stamp:  # read before: what differs?
            objects = {
                (name, KINDS[name].object_id(value)): value
                for name in WRITE_ORDER
                for value in values[name]
            }
            base = self._base
            differ = {k for k in objects.keys() | base.keys() if objects.get(k) != base.get(k)}
            plan = self._rebuild_products(objects, differ, revisions)
            if plan is not None:
                return plan
        return self._rebuild(values, stamp, revisions)

    def refresh(self, changed: Iterable[ObjectKey]) -> Plan:
        """Re-read only the ``changed`` objects (from change notices) and rebuild the plan.

        Cheaper than ``load()`` when a few objects changed; objects not named keep what
        was loaded (call ``load()`` after missing notices, e.g. a lost connection). When
        only products, stages and touches changed, only their products are built and
        checked again; otherwise the whole plan is."""
        if self._plan is None:
            return self.load()
        objects = dict(self._base)
        revisions = dict(self._revisions)
        keys = sorted(set(changed))
        rows, stamp = self._read_objects(keys)
        for key, row in rows.items():
            if row is None:
                objects.pop(key, None)
                revisions.pop(key, None)
            else:
                objects[key] = _without_bookkeeping(row)
                revisions[key] = row["revision"]
        if ("settings", "") not in objects:
            raise SharedError(f"{self.location.label}: the plan {self.key!r} was removed")
        if stamp == self._stamp:
            plan = self._rebuild_products(
                objects, {k for k in keys if objects.get(k) != self._base.get(k)}, revisions
            )
            if plan is not None:
                return plan
        values: dict[str, list[Values]] = {name: [] for name in WRITE_ORDER}
        for (name, _), value in objects.items():
            values[name].append(value)
        for name in WRITE_ORDER:
            values[name].sort(key=_position)
        return self._rebuild(values, stamp, revisions)

    def _read_objects(
        self, keys: list[ObjectKey]
    ) -> tuple[dict[ObjectKey, dict[str, Any] | None], str | None]:
        """The row of each object as the server holds it now (None: there is none) and
        the plan's stamp, in one round trip. Each object is one SELECT, but a kind of
        which a quarter or more of the objects held are asked is read in one SELECT of
        its rows (many small statements cost the client more than a few more rows)."""
        held = Counter(kind for kind, _ in self._revisions)
        asked = Counter(kind for kind, _ in keys)
        whole = sorted(kind for kind, n in asked.items() if n > 1 and 4 * n >= held[kind])
        single = [key for key in keys if key[0] not in whole]
        queries: list[tuple[str, dict[str, Any]]] = [
            (select_sql(_table_name(KINDS[kind]), None, False), {}) for kind in whole
        ]
        queries += [_object_query(key) for key in single]
        *results, stamp_rows = self._fetch([*queries, (STAMP_SELECT_SQL, {})])
        found: dict[ObjectKey, dict[str, Any] | None] = dict.fromkeys(keys)
        for kind, kind_rows in zip(whole, results[: len(whole)], strict=True):
            for row in kind_rows:
                key = (kind, KINDS[kind].object_id(row))
                if key in found:  # only the objects asked: the others keep what was read
                    found[key] = row
        for key, key_rows in zip(single, results[len(whole) :], strict=True):
            found[key] = key_rows[0] if key_rows else None
        return found, _stamp_of(stamp_rows)

    def _rebuild_products(
        self,
        objects: dict[ObjectKey, Values],
        differ: set[ObjectKey],
        revisions: dict[ObjectKey, int],
    ) -> Plan | None:
        """The plan with the objects ``differ`` as in ``objects``, when they are products,
        stages and touches of products that stay where they are: only those products are
        built and checked again (``read_products``, as an edit of them is checked); then
        ``revisions`` are held. None when anything else differs, or when the products are
        not valid (the whole plan's check then says why, with every error)."""
        assert self._plan is not None
        if not differ:
            self._revisions = revisions
            return self._plan
        if any(kind not in PRODUCT_KINDS for kind, _ in differ):
            return None
        index = {p.id: i for i, p in enumerate(self._plan.products)}
        ids = {(objects.get(key) or self._base[key])["product_id"] for key in differ}
        rows: dict[str, Values] = {}
        for pid in ids:
            row = objects.get(("product", pid))
            if row is None or row["position"] != index.get(pid):
                return None  # a product added, removed or moved
            rows[pid] = row
        parts: dict[str, dict[str, list[Values]]] = {pid: {"stage": [], "touch": []} for pid in ids}
        for (kind, _), value in objects.items():
            if kind in ("stage", "touch") and value["product_id"] in parts:
                parts[value["product_id"]][kind].append(value)
        raw = {}
        for pid, row in rows.items():
            stages, touches = (sorted(parts[pid][k], key=_position) for k in ("stage", "touch"))
            raw[index[pid]] = product_raw(row, stages, touches)
        try:
            plan = read_products(self._plan, raw)
        except PlanInvalid:
            return None
        base = {
            key: value
            for key, value in self._base.items()
            if key[0] not in PRODUCT_KINDS or value["product_id"] not in ids
        }
        for i in raw:
            base.update(product_objects(i, product_to_dict(plan.products[i])))
        self._base, self._plan, self._revisions = base, plan, revisions
        return plan

    def stale_objects(self) -> set[ObjectKey]:
        """The objects whose revision on the server differs from the one held: changed,
        added or removed by others since they were read (one query of every object's
        revision). A listener's safety net for a notice it missed."""
        kinds = tuple((name, _table_name(kind), kind.id_columns) for name, kind in KINDS.items())
        (rows,) = self._fetch([(object_revisions_sql(kinds), {})])
        now = {(row["kind"], row["id"]): row["revision"] for row in rows}
        held = self._revisions
        return {key for key in now.keys() | held.keys() if now.get(key) != held.get(key)}

    def _fetch(self, queries: list[tuple[str, dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        """The rows of each query about this plan, in one round trip; SharedError when
        the server cannot be reached."""
        params = [(query, {**values, PLAN_KEY: self.key}) for query, values in queries]
        try:
            return fetch(self._connection(), params)
        except psycopg.errors.InsufficientPrivilege as exc:
            raise NotAllowed(
                f"{self.location.label}: not allowed by your role ({explain(exc)})"
            ) from None
        except psycopg.Error as exc:
            self._drop_connection()
            raise SharedError(explain(exc, self.location)) from None

    def _rebuild(
        self, values: dict[str, list[Values]], stamp: str | None, revisions: dict[ObjectKey, int]
    ) -> Plan:
        """The whole plan built and checked from ``values``; then it, its objects, its
        stamp and ``revisions`` are held. Raises PlanInvalid, holding nothing new: the
        revisions stay those of the plan held, so a save is refused as a conflict where
        others changed what it changes (never written over their change)."""
        plan = build_plan(objects_to_raw(values, stamp))
        self._base = plan_objects(plan_to_dict(plan))
        self._stamp, self._plan, self._revisions = stamp, plan, revisions
        return plan

    @property
    def plan(self) -> Plan:
        return self._plan if self._plan is not None else self.load()

    # -- writing -----------------------------------------------------------------

    def save(self, plan: Plan, *, announce: bool = True) -> SavedEdit:
        """Write what differs from the loaded plan in one transaction, object by object,
        then announce it to the other clients (one notice, after the COMMIT).

        Raises Conflict (someone changed one of these objects meanwhile), NotAllowed
        (the role may not change it) or PlanInvalid; in every case nothing is written.
        All the Python work (validation, diff, the SQL) is done before anything is
        sent; :mod:`cadence.store.shared.statements` says how it is sent.
        ``announce=False`` keeps the notice for :meth:`announce` (the bench times the
        two apart; a test leaves it unsent, as a client killed between the two would).
        """
        if self._plan is None:
            self.load()
        # One validation path: nothing invalid reaches the server. An edit of some
        # products only re-checks those (as the .cadence document does).
        validate_plan(plan, since=self._plan)
        new, stamp = self._objects_of(plan)
        old = self._base
        added = frozenset(new.keys() - old.keys())
        removed = frozenset(old.keys() - new.keys())
        changed = frozenset(
            k for k in new.keys() & old.keys() if new[k] is not old[k] and new[k] != old[k]
        )
        edit = SavedEdit(added, changed, removed)
        if edit.empty and stamp == self._stamp:
            return edit
        statements = self._statements(edit, new, stamp)
        try:
            send(self._connection(), statements)
        except Refused as refused:
            statement = refused.statement
            assert statement.key is not None and statement.base is not None
            raise self._refusal_now(statement.key, statement.base) from None
        except psycopg.IntegrityError as exc:
            raise self._added_meanwhile(added) or SharedError(explain(exc)) from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise NotAllowed(
                f"{self.location.label}: not allowed by your role ({explain(exc)})"
            ) from None
        except psycopg.Error as exc:
            self._drop_connection()
            raise SharedError(explain(exc, self.location)) from None
        revisions = {k: v for k, v in self._revisions.items() if k not in removed}
        revisions.update({key: self._revisions[key] + 1 for key in changed})
        revisions.update({key: 1 for key in added})
        self._unannounced = self._notice_of(edit, revisions)
        self._revisions = revisions
        self._base = new
        self._stamp = stamp
        self._plan = plan
        if announce:
            self.announce()
        return edit

    def _objects_of(self, plan: Plan) -> tuple[dict[ObjectKey, Values], str | None]:
        """The objects of ``plan`` and its stamp, as stored (``plan_objects`` of
        ``plan_to_dict``). When it differs from the plan held in its products only, the
        objects of the products it holds unchanged, at the same place, are those held:
        only the others are written out again."""
        held_plan = self._plan
        if held_plan is None or not _same_but_products(held_plan, plan):
            data = plan_to_dict(plan)
            return plan_objects(data), data.get("updated")
        held: dict[str, list[tuple[ObjectKey, Values]]] = {}
        objects: dict[ObjectKey, Values] = {}
        for key, values in self._base.items():
            if key[0] in PRODUCT_KINDS:
                held.setdefault(values["product_id"], []).append((key, values))
            else:
                objects[key] = values
        before = {p.id: (i, p) for i, p in enumerate(held_plan.products)}
        for i, product in enumerate(plan.products):
            was = before.get(product.id)
            if was is not None and was[0] == i and (was[1] is product or was[1] == product):
                objects.update(held[product.id])
            else:
                objects.update(product_objects(i, product_to_dict(product)))
        return objects, None if plan.updated is None else stamp_text(plan.updated)

    def _notice_of(self, edit: SavedEdit, revisions: dict[ObjectKey, int]) -> str | None:
        """The payload announcing ``edit`` (None when it wrote only the stamp): each
        object with its revision after the save (before it, for a removal)."""
        changes = [
            ChangeNotice(self.key, kind, object_id, "delete", self._revisions[(kind, object_id)])
            for kind, object_id in _ordered(edit.removed, reverse=True)
        ]
        for op, keys in (("update", edit.changed), ("insert", edit.added)):
            changes += [
                ChangeNotice(self.key, k, i, op, revisions[(k, i)]) for k, i in _ordered(keys)
            ]
        return edit_payload(self.key, changes) if changes else None

    def announce(self) -> None:
        """Send the notice of the last save, if not sent yet: its own transaction, after
        the edit's COMMIT, not waiting for the disk (see :func:`statements.announce`).

        The edit is committed whatever happens here: a failure only drops the
        connection (the next save reconnects); listeners catch up by their idle check."""
        payload, self._unannounced = self._unannounced, None
        if payload is None or self._conn is None:
            return
        try:
            announce(self._conn, payload)
        except psycopg.Error:
            self._drop_connection()

    def _statements(
        self, edit: SavedEdit, new: dict[ObjectKey, Values], stamp: str | None
    ) -> list[Statement]:
        """The SQL of one save: removals (children first), changes, additions (parents
        first), the stamp. Each change and removal is guarded by the revision read."""
        statements: list[Statement] = []
        for key in _ordered(edit.removed, reverse=True):
            kind, base = KINDS[key[0]], self._revisions[key]
            ids = {c: self._base[key][c] for c in kind.id_columns}
            sql = delete_sql(_table_name(kind), kind.id_columns)
            statements.append(Statement(sql, {**ids, PLAN_KEY: self.key, BASE: base}, key, base))
        for key in _ordered(edit.changed):
            kind, base = KINDS[key[0]], self._revisions[key]
            columns = tuple(c for c in new[key] if c not in kind.id_columns)
            sql = update_sql(_table_name(kind), columns, kind.id_columns)
            params = {**new[key], PLAN_KEY: self.key, BASE: base}
            statements.append(Statement(sql, params, key, base))
        for key in _ordered(edit.added):
            sql = insert_sql(_table_name(KINDS[key[0]]), tuple(new[key]))
            statements.append(Statement(sql, {**new[key], PLAN_KEY: self.key}))
        if stamp != self._stamp:
            statements.append(Statement(STAMP_SQL, {"updated": stamp, PLAN_KEY: self.key}))
        return statements

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection reads and saves are sent on (autocommit), opened on first use
        and again after the server closed it; SharedError when it cannot be reached.

        It sets ``cadence.notify_after_commit`` (in the start-up packet: no round trip),
        so the tables' triggers leave the announcing to :meth:`announce`."""
        if self._conn is not None and hung_up(self._conn):
            self._drop_connection()
        if self._conn is None:
            try:
                self._conn = psycopg.connect(store_conninfo(self.location), autocommit=True)
            except psycopg.Error as exc:
                raise SharedError(explain(exc, self.location)) from None
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _add(self, conn: Connection, key: ObjectKey, values: Values) -> int:
        table = KINDS[key[0]].model.__table__  # type: ignore[attr-defined]
        conn.execute(insert(table).values(**values, plan_key=self.key, revision=1))
        return 1

    def _current(self, keys: list[ObjectKey]) -> list[dict[str, Any] | None]:
        """The row of each object as the server holds it now (None: there is none)."""
        results = self._fetch([_object_query(key) for key in keys])
        return [rows[0] if rows else None for rows in results]

    def _refusal_now(self, key: ObjectKey, base: int) -> SharedError:
        """Why a guarded update or delete of one object touched no row (nothing was
        written): conflict, or not allowed."""
        (now,) = self._current([key])
        if now is None:
            return Conflict(key[0], key[1], base, None, None, None)
        if now["revision"] == base:  # the row is there unchanged: row-level security hid it
            return NotAllowed(
                f"{self.location.label}: your role may not change {key[0]} {key[1]!r} "
                "(refused by the database's row-level security)"
            )
        return Conflict(key[0], key[1], base, now["revision"], now["changed_by"], now["changed_at"])

    def _added_meanwhile(self, added: frozenset[ObjectKey]) -> Conflict | None:
        """After a unique violation: the first added object someone else added meanwhile."""
        keys = _ordered(added)
        for key, now in zip(keys, self._current(keys), strict=True):
            if now is not None:
                return Conflict(
                    key[0], key[1], None, now["revision"], now["changed_by"], now["changed_at"]
                )
        return None


@contextmanager
def _integrity_as_error(shared: SharedPlan) -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        raise SharedError(explain(exc, shared.location)) from None


def _without_bookkeeping(row: dict[str, Any]) -> Values:
    return {k: v for k, v in row.items() if k not in BOOKKEEPING}


def _object_query(key: ObjectKey) -> tuple[str, dict[str, Any]]:
    """The SELECT of one object's row (its id parts are the id columns' values)."""
    kind = KINDS[key[0]]
    parts = key[1].split("/") if kind.id_columns else []  # settings: the plan's one row
    ids = dict(zip(kind.id_columns, parts, strict=True))
    return select_sql(_table_name(kind), kind.id_columns, False), ids


def _same_but_products(old: Plan, new: Plan) -> bool:
    """Whether ``new`` differs from ``old`` in its products only, if at all (the same
    settings, lists and save stamp)."""
    others = (part for part in PLAN_PARTS if part != "products" and part not in SETTINGS_PARTS)
    return (
        old.updated == new.updated
        and plan_settings(old) == plan_settings(new)
        and all(getattr(old, part) == getattr(new, part) for part in others)
    )


def _position(values: Values) -> Any:
    return values.get("position", 0)


def _stamp_of(rows: list[dict[str, Any]]) -> str | None:
    return rows[0]["updated"] if rows else None


def _ordered_by_position(kind: Kind) -> bool:
    return "position" in kind.model.__table__.c  # type: ignore[attr-defined]


def _table_name(kind: Kind) -> str:
    return str(kind.model.__tablename__)


def _ordered(keys: frozenset[ObjectKey], reverse: bool = False) -> list[ObjectKey]:
    rank = {name: i for i, name in enumerate(WRITE_ORDER)}
    return sorted(keys, key=lambda k: (rank[k[0]], k[1]), reverse=reverse)


def _is_permission_error(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code == "42501"  # insufficient_privilege (also row-level security on INSERT)


def store_conninfo(location: SharedLocation) -> str:
    """The libpq connection string of a plan's own connection: the location's, with
    ``cadence.notify_after_commit=on`` added to its start-up ``options``."""
    info = conninfo_to_dict(conninfo(location))
    options = f"{info.get('options') or ''} -c {NOTIFY_AFTER_COMMIT}=on".strip()
    return make_conninfo("", **{**info, "options": options})


def _location(url: str, password: str | None = None) -> SharedLocation:
    try:
        location = parse_shared_url(url)
    except SharedUrlError as exc:
        raise SharedError(str(exc)) from None
    return location.with_password(password)


def open_shared_plan(url: str, *, password: str | None = None) -> SharedPlan:
    """Connect to the plan named by ``url`` (schema checked); SharedError says why not.

    ``password`` (typed into a prompt) is kept in memory for this connection only;
    without it libpq takes the one in the URL, PGPASSWORD or ~/.pgpass.
    """
    location = _location(url, password)
    engine = make_engine(location)
    try:
        with engine.connect() as conn:
            check_schema(conn)
    except SchemaError as exc:
        engine.dispose()
        raise SharedError(f"{location.label}: {exc}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise SharedError(explain(exc, location)) from None
    return SharedPlan(location, engine)


def read_shared_plan(url: str) -> Plan:
    """Load and validate the plan named by ``url``."""
    with open_shared_plan(url) as shared:
        return shared.load()


def share_plan(plan: Plan, url: str, *, replace: bool = False) -> int:
    """Upload ``plan`` as the plan named by ``url`` in one transaction; returns the object count.

    Refuses to overwrite an existing plan of that name unless ``replace``.
    """
    data = plan_to_dict(plan)
    build_plan(data)
    objects = plan_objects(data)
    with open_shared_plan(url) as shared, _integrity_as_error(shared):
        with shared._transaction() as conn:
            plan_table = SharedPlanRow.__table__  # type: ignore[attr-defined]
            exists = conn.execute(
                select(plan_table.c.pk).where(plan_table.c.plan_key == shared.key)
            ).first()
            if exists and not replace:
                raise SharedError(
                    f"{shared.location.label}: a plan {shared.key!r} exists already "
                    "(use --replace to overwrite it, or choose another ?plan=)"
                )
            if exists:
                conn.execute(delete(plan_table).where(plan_table.c.plan_key == shared.key))
            for key in _ordered(frozenset(objects)):
                shared._add(conn, key, objects[key])
            stamp_table = SharedStampRow.__table__  # type: ignore[attr-defined]
            conn.execute(
                insert(stamp_table).values(plan_key=shared.key, updated=data.get("updated"))
            )
    return len(objects)
