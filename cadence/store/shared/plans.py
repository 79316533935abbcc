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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, ProgrammingError, SQLAlchemyError
from sqlmodel import create_engine

from cadence.formats.plan_json import plan_to_dict, validate_plan
from cadence.model import Plan
from cadence.store.shared.objects import (
    BOOKKEEPING,
    KINDS,
    WRITE_ORDER,
    Kind,
    ObjectKey,
    Values,
    objects_to_raw,
    plan_objects,
)
from cadence.store.shared.schema import SchemaError, check_schema
from cadence.store.shared.tables import SharedPlanRow, SharedStampRow
from cadence.store.shared.url import SharedLocation, SharedUrlError, parse_shared_url, redact
from cadence.validate import build_plan


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
    """An engine on the server (psycopg 3); libpq finds the password (PGPASSWORD, ~/.pgpass)."""
    return create_engine(location.database, pool_pre_ping=True, pool_size=2, max_overflow=2)


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

    @property
    def key(self) -> str:
        assert self.location.plan is not None
        return self.location.plan

    def close(self) -> None:
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
        """The plan as the server holds it now, validated; remembers each object's revision."""
        with self._transaction() as conn:
            rows = {name: self._select(conn, KINDS[name]) for name in WRITE_ORDER}
            stamp = self._select_stamp(conn)
        if not rows["settings"]:
            raise SharedError(f"{self.location.label}: no plan {self.key!r} on this server")
        self._revisions = {
            (name, KINDS[name].object_id(row)): row["revision"]
            for name in WRITE_ORDER
            for row in rows[name]
        }
        values = {name: [_without_bookkeeping(r) for r in rows[name]] for name in WRITE_ORDER}
        return self._rebuild(values, stamp)

    def refresh(self, changed: Iterable[ObjectKey]) -> Plan:
        """Re-read only the ``changed`` objects (from change notices) and rebuild the plan.

        Cheaper than ``load()`` when a few objects changed; objects not named keep what
        was loaded (call ``load()`` after missing notices, e.g. a lost connection)."""
        if self._plan is None:
            return self.load()
        objects = dict(self._base)
        revisions = dict(self._revisions)
        with self._transaction() as conn:
            for key in set(changed):
                kind = KINDS[key[0]]
                table = kind.model.__table__  # type: ignore[attr-defined]
                row = conn.execute(select(table).where(self._where(kind, key))).first()
                if row is None:
                    objects.pop(key, None)
                    revisions.pop(key, None)
                else:
                    objects[key] = _without_bookkeeping(dict(row._mapping))
                    revisions[key] = row.revision
            stamp = self._select_stamp(conn)
        if ("settings", "") not in objects:
            raise SharedError(f"{self.location.label}: the plan {self.key!r} was removed")
        values: dict[str, list[Values]] = {name: [] for name in WRITE_ORDER}
        for (name, _), value in objects.items():
            values[name].append(value)
        for name in WRITE_ORDER:
            values[name].sort(key=lambda v: v.get("position", 0))
        self._revisions = revisions
        return self._rebuild(values, stamp)

    def _select(self, conn: Connection, kind: Kind) -> list[dict[str, Any]]:
        table = kind.model.__table__  # type: ignore[attr-defined]
        query = select(table).where(table.c.plan_key == self.key)
        if "position" in table.c:
            query = query.order_by(table.c.position)
        return [dict(r._mapping) for r in conn.execute(query)]

    def _select_stamp(self, conn: Connection) -> str | None:
        table = SharedStampRow.__table__  # type: ignore[attr-defined]
        return conn.execute(select(table.c.updated).where(table.c.plan_key == self.key)).scalar()

    def _rebuild(self, values: dict[str, list[Values]], stamp: str | None) -> Plan:
        plan = build_plan(objects_to_raw(values, stamp))
        self._base = plan_objects(plan_to_dict(plan))
        self._stamp = stamp
        self._plan = plan
        return plan

    @property
    def plan(self) -> Plan:
        return self._plan if self._plan is not None else self.load()

    # -- writing -----------------------------------------------------------------

    def save(self, plan: Plan) -> SavedEdit:
        """Write what differs from the loaded plan in one transaction, object by object.

        Raises Conflict (someone changed one of these objects meanwhile), NotAllowed
        (the role may not change it) or PlanInvalid; in every case nothing is written.
        """
        if self._plan is None:
            self.load()
        data = plan_to_dict(plan)
        # One validation path: nothing invalid reaches the server. An edit of some
        # products only re-checks those (as the .cadence document does).
        validate_plan(plan, since=self._plan)
        new = plan_objects(data)
        old = self._base
        added = frozenset(new.keys() - old.keys())
        removed = frozenset(old.keys() - new.keys())
        changed = frozenset(k for k in new.keys() & old.keys() if new[k] != old[k])
        edit = SavedEdit(added, changed, removed)
        stamp = data.get("updated")
        old_stamp = self._stamp
        if edit.empty and stamp == old_stamp:
            return edit
        revisions = dict(self._revisions)
        try:
            with self._transaction() as conn:
                for key in _ordered(removed, reverse=True):
                    self._remove(conn, key)
                    revisions.pop(key, None)
                for key in _ordered(changed):
                    revisions[key] = self._change(conn, key, new[key])
                for key in _ordered(added):
                    revisions[key] = self._add(conn, key, new[key])
                if stamp != old_stamp:
                    table = SharedStampRow.__table__  # type: ignore[attr-defined]
                    conn.execute(
                        update(table).where(table.c.plan_key == self.key).values(updated=stamp)
                    )
        except IntegrityError as exc:
            raise self._added_meanwhile(added) or SharedError(explain(exc)) from None
        self._revisions = revisions
        self._base = new
        self._stamp = stamp
        self._plan = plan
        return edit

    def _where(self, kind: Kind, key: ObjectKey, values: Values | None = None) -> Any:
        table = kind.model.__table__  # type: ignore[attr-defined]
        parts = key[1].split("/") if kind.id_columns else []
        if values is not None:
            parts = [values[c] for c in kind.id_columns]
        clauses = [table.c.plan_key == self.key]
        clauses += [table.c[c] == v for c, v in zip(kind.id_columns, parts, strict=True)]
        return and_(*clauses)

    def _change(self, conn: Connection, key: ObjectKey, values: Values) -> int:
        kind = KINDS[key[0]]
        table = kind.model.__table__  # type: ignore[attr-defined]
        base = self._revisions[key]
        # The id columns are the key (unchanged): not SET, so a role needs no right on them.
        changed = {k: v for k, v in values.items() if k not in kind.id_columns}
        result = conn.execute(
            update(table)
            .where(self._where(kind, key, values), table.c.revision == base)
            .values(**changed, revision=base + 1)
        )
        if result.rowcount != 1:
            raise self._refusal(conn, key, base)
        return base + 1

    def _remove(self, conn: Connection, key: ObjectKey) -> None:
        kind = KINDS[key[0]]
        table = kind.model.__table__  # type: ignore[attr-defined]
        base = self._revisions[key]
        result = conn.execute(delete(table).where(self._where(kind, key), table.c.revision == base))
        if result.rowcount != 1:
            raise self._refusal(conn, key, base)

    def _add(self, conn: Connection, key: ObjectKey, values: Values) -> int:
        table = KINDS[key[0]].model.__table__  # type: ignore[attr-defined]
        conn.execute(insert(table).values(**values, plan_key=self.key, revision=1))
        return 1

    def _current(self, conn: Connection, key: ObjectKey) -> Any:
        kind = KINDS[key[0]]
        table = kind.model.__table__  # type: ignore[attr-defined]
        return conn.execute(
            select(table.c.revision, table.c.changed_by, table.c.changed_at).where(
                self._where(kind, key)
            )
        ).first()

    def _refusal(self, conn: Connection, key: ObjectKey, base: int) -> SharedError:
        """Why an update or delete of one object touched no row: conflict or not allowed."""
        now = self._current(conn, key)
        if now is None:
            return Conflict(key[0], key[1], base, None, None, None)
        if now.revision == base:  # the row is there unchanged: row-level security hid it
            return NotAllowed(
                f"{self.location.label}: your role may not change {key[0]} {key[1]!r} "
                "(refused by the database's row-level security)"
            )
        return Conflict(key[0], key[1], base, now.revision, now.changed_by, now.changed_at)

    def _added_meanwhile(self, added: frozenset[ObjectKey]) -> Conflict | None:
        """After a unique violation: the first added object someone else added meanwhile."""
        with self.engine.connect() as conn:
            for key in _ordered(added):
                now = self._current(conn, key)
                if now is not None:
                    return Conflict(
                        key[0], key[1], None, now.revision, now.changed_by, now.changed_at
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


def _ordered(keys: frozenset[ObjectKey], reverse: bool = False) -> list[ObjectKey]:
    rank = {name: i for i, name in enumerate(WRITE_ORDER)}
    return sorted(keys, key=lambda k: (rank[k[0]], k[1]), reverse=reverse)


def _is_permission_error(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code == "42501"  # insufficient_privilege (also row-level security on INSERT)


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
