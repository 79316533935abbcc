"""The .cadence document: a SQLite database holding one plan.

The facade (:class:`Document`) is the only way the app writes a document.
``save(plan)`` writes what differs from the stored plan in one transaction and
returns a :class:`Changes` record saying *what* changed (settings, teams,
which products…), so callers re-plan only that. A failed write rolls back and
leaves the previous state intact. Reading goes through the same validation
layer as JSON, so a hand-edited or damaged database gives precise errors.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Table, event, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError
from sqlalchemy.schema import CreateTable
from sqlmodel import Session, SQLModel, col, create_engine, delete, select

from cadence.fields import columns_reader, columns_writer, null_columns
from cadence.files import keep_mode
from cadence.formats.plan_json import plan_to_dict, product_to_dict, validate_plan
from cadence.model import (
    PLAN_PARTS,
    PRODUCT_PARTS,
    ActionItem,
    Asset,
    Blackout,
    Broadcast,
    Plan,
    Product,
    Request,
    Review,
    Rules,
    Signoff,
    Stage,
    Studio,
    Team,
    Touch,
    WorkCalendar,
)
from cadence.ops import Changes, diff_plans
from cadence.store import lock
from cadence.store.lock import PlanLock
from cadence.store.tables import (
    SCHEMA_VERSION,
    ActionItemRow,
    AssetRow,
    BlackoutRow,
    BroadcastRow,
    PlanRow,
    ProductRow,
    RequestRow,
    ReviewRow,
    SchemaInfo,
    SignoffRow,
    StageRow,
    TeamRow,
    TouchRow,
)
from cadence.validate import PlanInvalid, build_plan

APPLICATION = "cadence"


class StoreError(Exception):
    """The document cannot be opened, read or written; the message says why."""


class DocumentLocked(StoreError):
    """Another running Cadence has the document open for editing."""


# What one save touched (Changes) and how it is computed (diff_plans) are the edit
# operations' own: the store returns them, the controller re-plans only that.


# --- rows ⇄ raw plan data ------------------------------------------------------


def _json_or_none(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _rows(session: Session, model: type[SQLModel]) -> Sequence[Any]:
    """A table's rows in position order, typed as declared, columns as attributes: read
    with a Core select, no ORM object built (opening a document is ~3× faster)."""
    table = table_of(model)
    return session.connection().execute(sa_select(table).order_by(table.c.position)).all()


def table_of(model: type[SQLModel]) -> Table:
    """The table of a table model."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _rows_to_raw(session: Session) -> dict[str, Any]:
    """Rebuild the raw plan data (JSON shape) from the rows, for build_plan."""
    plan_row = session.connection().execute(sa_select(table_of(PlanRow))).first()
    if plan_row is None:
        raise StoreError("the document holds no plan (table 'plan' is empty)")
    blackouts = _rows(session, BlackoutRow)
    raw: dict[str, Any] = {
        "cadence": 1,
        **_plan_raw(plan_row),
        "calendar": _calendar_raw(plan_row) | {"blackouts": [_blackout_raw(b) for b in blackouts]},
        "rules": _rules_raw(plan_row),
        "teams": [_team_raw(t) for t in _rows(session, TeamRow)],
        "products": [],
        "broadcasts": [],
        "requests": [],
    }
    if plan_row.studio_team is not None:
        raw["studio"] = _studio_raw(plan_row)
    stages: dict[int, list[StageRow]] = {}
    for s in _rows(session, StageRow):
        stages.setdefault(s.product_pk, []).append(s)
    touches: dict[int, list[TouchRow]] = {}
    for t in _rows(session, TouchRow):
        touches.setdefault(t.product_pk, []).append(t)
    for p in _rows(session, ProductRow):
        assert p.pk is not None
        product = _product_raw(p)
        product["stages"] = [_stage_raw(s) for s in stages.get(p.pk, [])]
        product["touches"] = [_touch_raw(t) for t in touches.get(p.pk, [])]
        raw["products"].append(product)
    for b in _rows(session, BroadcastRow):
        raw["broadcasts"].append(_broadcast_raw(b))
    for q in _rows(session, RequestRow):
        raw["requests"].append(_request_raw(q))
    assets = _rows(session, AssetRow)
    if assets:
        raw["content"] = [_asset_raw(a) for a in assets]
    _meeting_records_raw(session, raw)
    return raw


def _write_content(session: Session, data: dict[str, Any]) -> None:
    session.exec(delete(AssetRow))
    for i, a in enumerate(data.get("content", [])):
        session.add(AssetRow(**_asset_columns(a, i)))


def _meeting_records_raw(session: Session, raw: dict[str, Any]) -> None:
    """Action items and sign-offs (schema 2) into the raw plan data."""
    items = _rows(session, ActionItemRow)
    if items:
        raw["action_items"] = [_action_item_raw(a) for a in items]
    signoffs = _rows(session, SignoffRow)
    if signoffs:
        raw["signoffs"] = [_signoff_raw(s) for s in signoffs]
    reviews = _rows(session, ReviewRow)
    if reviews:
        raw["reviews"] = [_review_raw(q) for q in reviews]


def _write_meeting_records(session: Session, data: dict[str, Any], changes: Changes) -> None:
    """Rewrite the action items and sign-offs when they changed (few rows each)."""
    if changes.action_items:
        session.exec(delete(ActionItemRow))
        for i, a in enumerate(data.get("action_items", [])):
            session.add(ActionItemRow(**_action_item_columns(a, i)))
    if changes.signoffs:
        session.exec(delete(SignoffRow))
        for i, s in enumerate(data.get("signoffs", [])):
            session.add(SignoffRow(**_signoff_columns(s, i)))
        session.exec(delete(ReviewRow))
        for i, q in enumerate(data.get("reviews", [])):
            session.add(ReviewRow(**_review_columns(q, i)))


def _upgrade_1_meetings(conn: sqlite3.Connection) -> None:
    """Schema 2: broadcast participants, action items, sign-offs, reviews."""
    conn.execute("ALTER TABLE broadcast ADD COLUMN participants VARCHAR")
    tables = (ActionItemRow.__table__, SignoffRow.__table__, ReviewRow.__table__)  # type: ignore[attr-defined]
    for table in tables:
        ddl = str(CreateTable(table).compile(dialect=sqlite_dialect()))
        conn.execute(ddl)


# Each object's row ⇄ plan-file data, by the fields its model declares (cadence.fields).
# The plan's own fields (id, name, horizon, zone, stamp) and a product's (with its
# cohorts) have their row; their parts are written beside them.
_plan_raw = columns_reader(Plan, skip=PLAN_PARTS)
_plan_columns = columns_writer(Plan, skip=PLAN_PARTS)
_product_raw = columns_reader(Product, skip=PRODUCT_PARTS)
_product_columns = columns_writer(Product, "position", skip=PRODUCT_PARTS)
_stage_raw = columns_reader(Stage)
_stage_columns = columns_writer(Stage, "product_pk", "position")
_touch_raw = columns_reader(Touch)
_touch_columns = columns_writer(Touch, "product_pk", "position")
_broadcast_raw = columns_reader(Broadcast)
_broadcast_columns = columns_writer(Broadcast, "position")
_blackout_raw = columns_reader(Blackout)
_blackout_columns = columns_writer(Blackout, "position")
# The calendar's blackouts have a table of their own (BlackoutRow).
_calendar_raw = columns_reader(WorkCalendar, skip=("blackouts",))
_calendar_columns = columns_writer(WorkCalendar, skip=("blackouts",))
_studio_raw = columns_reader(Studio)
_studio_columns = columns_writer(Studio)
_team_raw = columns_reader(Team)
_team_columns = columns_writer(Team, "position")
_rules_raw = columns_reader(Rules)
_rules_columns = columns_writer(Rules)
_signoff_raw = columns_reader(Signoff)
_signoff_columns = columns_writer(Signoff, "position")
_request_raw = columns_reader(Request)
_request_columns = columns_writer(Request, "position")
_asset_raw = columns_reader(Asset)
_asset_columns = columns_writer(Asset, "position")
_action_item_raw = columns_reader(ActionItem)
_action_item_columns = columns_writer(ActionItem, "position")
_review_raw = columns_reader(Review)
_review_columns = columns_writer(Review, "position")


def _write_settings(session: Session, data: dict[str, Any]) -> None:
    session.exec(delete(PlanRow))
    session.exec(delete(BlackoutRow))
    cal, rules, studio = data["calendar"], data["rules"], data["studio"]
    session.add(
        PlanRow(
            **_plan_columns(data),
            **_calendar_columns(cal),
            **_rules_columns(rules),
            **(_studio_columns(studio) if studio else null_columns(Studio)),
        )
    )
    for i, b in enumerate(cal["blackouts"]):
        session.add(BlackoutRow(**_blackout_columns(b, i)))


def _write_teams(session: Session, data: dict[str, Any]) -> None:
    session.exec(delete(TeamRow))
    for i, t in enumerate(data["teams"]):
        session.add(TeamRow(**_team_columns(t, i)))


def _write_product(session: Session, position: int, p: dict[str, Any]) -> None:
    old = session.exec(select(ProductRow).where(ProductRow.product_id == p["id"])).first()
    if old is not None:
        session.delete(old)  # stages and touches go with it (ON DELETE CASCADE)
        session.flush()
    row = ProductRow(**_product_columns(p, position))
    session.add(row)
    session.flush()
    assert row.pk is not None
    # Stages and touches in one statement each (no ORM object per row: an edit
    # rewrites one product, and this is the part of the save the user waits for).
    stages = [_stage_columns(s, row.pk, i) for i, s in enumerate(p["stages"])]
    touches = [_touch_columns(t, row.pk, i) for i, t in enumerate(p["touches"])]
    if stages:
        session.execute(insert(StageRow), stages)
    if touches:
        session.execute(insert(TouchRow), touches)


def _write_changed_rows(session: Session, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Update only the stage and touch rows of a product that differ (an edit of a
    stage's length writes one row). False, writing nothing, when the product's own
    fields or its stages' or touches' ids or order changed: it is rewritten whole."""
    if {k: v for k, v in old.items() if k not in ("stages", "touches")} != {
        k: v for k, v in new.items() if k not in ("stages", "touches")
    }:
        return False
    if [s["id"] for s in old["stages"]] != [s["id"] for s in new["stages"]]:
        return False
    if [t["id"] for t in old["touches"]] != [t["id"] for t in new["touches"]]:
        return False
    pk = session.exec(select(ProductRow.pk).where(ProductRow.product_id == new["id"])).first()
    if pk is None:
        return False
    # Plain UPDATE statements (no ORM object holds these rows to keep in step).
    rows = session.connection()
    for i, (before, after) in enumerate(zip(old["stages"], new["stages"], strict=True)):
        if before != after:
            rows.execute(
                update(StageRow)
                .where(col(StageRow.product_pk) == pk, col(StageRow.stage_id) == after["id"])
                .values(**_stage_columns(after, pk, i))
            )
    for i, (before, after) in enumerate(zip(old["touches"], new["touches"], strict=True)):
        if before != after:
            rows.execute(
                update(TouchRow)
                .where(col(TouchRow.product_pk) == pk, col(TouchRow.touch_id) == after["id"])
                .values(**_touch_columns(after, pk, i))
            )
    return True


def _write_broadcasts(session: Session, data: dict[str, Any]) -> None:
    session.exec(delete(BroadcastRow))
    for i, b in enumerate(data["broadcasts"]):
        session.add(BroadcastRow(**_broadcast_columns(b, i)))


def _write_requests(session: Session, data: dict[str, Any]) -> None:
    session.exec(delete(RequestRow))
    for i, q in enumerate(data["requests"]):
        session.add(RequestRow(**_request_row_values(i, q)))


def _request_row_values(position: int, q: dict[str, Any]) -> dict[str, Any]:
    return _request_columns(q, position)


def _update_requests(session: Session, old: Plan, new: Plan, data: dict[str, Any]) -> None:
    """Write only the requests that changed, were added or moved, and delete the
    removed ones: adding one request to 10,000 writes one row, not 10,001."""
    before = {q.id: (i, q) for i, q in enumerate(old.requests)}
    kept = {q.id for q in new.requests}
    gone = [rid for rid in before if rid not in kept]
    if gone:
        session.execute(delete(RequestRow).where(col(RequestRow.request_id).in_(gone)))
    for i, q in enumerate(new.requests):
        was = before.get(q.id)
        if was is not None and was == (i, q):
            continue
        values = _request_row_values(i, data["requests"][i])
        if was is None:
            session.execute(insert(RequestRow).values(**values))
        else:
            session.execute(
                update(RequestRow).where(col(RequestRow.request_id) == q.id).values(**values)
            )


# --- schema versions and upgrades ---------------------------------------------

# UPGRADES[n] turns a schema-n document into schema n+1 (run in order, in one
# transaction). Schema 1 is the first; add steps here when the tables change.


def _upgrade_1_content_library(conn: sqlite3.Connection) -> None:
    """Schema 2: the content library (table asset) and the asset a touch sends."""
    conn.execute("ALTER TABLE touch ADD COLUMN asset VARCHAR")
    conn.execute(
        "CREATE TABLE asset (pk INTEGER NOT NULL PRIMARY KEY, position INTEGER NOT NULL, "
        "asset_id VARCHAR NOT NULL UNIQUE, title VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
        "stages VARCHAR, products VARCHAR, persona VARCHAR, owner VARCHAR NOT NULL, "
        "ready_on VARCHAR NOT NULL, review_by VARCHAR, url VARCHAR)"
    )


def _upgrade_1_to_2(conn: sqlite3.Connection) -> None:
    """Schema 2: the content library, and meetings that act (participants, action items,
    sign-offs)."""
    _upgrade_1_content_library(conn)
    _upgrade_1_meetings(conn)


def _upgrade_2_rules_team_calendars(conn: sqlite3.Connection) -> None:
    """Schema 3: rules.count_days and rules.lead_desk; a team's own holidays and blackouts."""
    conn.execute("ALTER TABLE plan ADD COLUMN count_days VARCHAR NOT NULL DEFAULT 'calendar'")
    conn.execute("ALTER TABLE plan ADD COLUMN lead_desk VARCHAR")
    conn.execute("ALTER TABLE team ADD COLUMN holiday_country VARCHAR")
    conn.execute("ALTER TABLE team ADD COLUMN holiday_subdivision VARCHAR")
    conn.execute("ALTER TABLE team ADD COLUMN blackouts VARCHAR")


UPGRADES: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _upgrade_1_to_2,
    2: _upgrade_2_rules_team_calendars,
}


def _schema_version(conn: Connection) -> int | None:
    tables = {
        row[0]
        for row in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='table'"
        ).fetchall()
    }
    if not tables:
        return None
    if "schema_info" not in tables:
        raise StoreError("not a Cadence document (no schema_info table)")
    rows: dict[str, str] = dict(
        conn.exec_driver_sql("SELECT key, value FROM schema_info").fetchall()
    )
    if rows.get("application") != APPLICATION:
        raise StoreError("not a Cadence document (schema_info names another application)")
    try:
        return int(rows["schema_version"])
    except (KeyError, ValueError):
        raise StoreError("the document's schema version is missing or unreadable") from None


def _enable_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=2000")
    cur.close()


def _make_engine(path: Path, read_only: bool) -> Engine:
    if read_only:
        uri = f"file:{path.resolve().as_posix()}?mode=ro"
        engine = create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        )
    else:
        engine = create_engine(
            f"sqlite:///{path.resolve().as_posix()}",
            connect_args={"check_same_thread": False},
        )
    event.listen(engine, "connect", _enable_pragmas)
    return engine


# --- the facade ------------------------------------------------------------------------


class Document:
    """An open .cadence document. Use :func:`open_document` or :func:`create_document`."""

    def __init__(self, path: Path, engine: Engine, read_only: bool) -> None:
        self.path = path
        self._engine = engine
        self.read_only = read_only
        self._plan: Plan | None = None
        self._lock: PlanLock | None = None

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        self._engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with Session(self._engine) as session:
                yield session
        except OperationalError as exc:
            raise StoreError(_explain(exc)) from None
        except DatabaseError as exc:
            raise StoreError(_explain(exc)) from None

    # -- reading -----------------------------------------------------------------

    def load(self) -> Plan:
        """The stored plan, validated (PlanInvalid names the bad fields)."""
        with self._session() as session:
            self._plan = _load_rows(session)
        return self._plan

    @property
    def plan(self) -> Plan:
        return self._plan if self._plan is not None else self.load()

    # -- writing -----------------------------------------------------------------

    def save(self, plan: Plan) -> Changes:
        """Store ``plan``: write what differs from the stored plan in one transaction.

        Returns what changed. Raises PlanInvalid for an invalid plan; on any
        failure nothing is written.
        """
        if self.read_only:
            raise StoreError(f"{self.path.name} is open read-only")
        # One validation path: a plan edited with dataclasses.replace is checked
        # here too, so nothing invalid reaches the document (what differs from the
        # stored plan, which was checked when it was read or saved).
        old = self._plan
        validate_plan(plan, since=old)
        changes = diff_plans(old, plan)
        if changes.empty and old is not None and old.updated == plan.updated:
            return changes
        with self._session() as session:
            try:
                _write_changes(session, old, plan, changes)
                session.commit()
            except SQLAlchemyError:
                session.rollback()
                raise
        self._plan = plan
        return changes

    def update(self, change: Callable[[Plan], Plan | None]) -> tuple[Plan, Plan | None]:
        """Read-modify-write in one write transaction: ``change`` gets the plan as
        stored *now* (re-read after the transaction began, so no other writer's
        change is lost) and returns the new plan, or None to write nothing.

        Returns (plan read, plan written or None). PlanInvalid when the new plan
        is invalid (or the stored one is); nothing is written then.
        """
        if self.read_only:
            raise StoreError(f"{self.path.name} is open read-only")
        with self._session() as session:
            try:
                # IMMEDIATE: take SQLite's write lock before reading, so the
                # plan read is the one the write replaces.
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                old = _load_rows(session)
                new = change(old)
                if new is None:
                    session.rollback()
                    self._plan = old
                    return old, None
                validate_plan(new, since=old)
                changes = diff_plans(old, new)
                if not changes.empty or old.updated != new.updated:
                    _write_changes(session, old, new, changes)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        self._plan = new
        return old, new


def _load_rows(session: Session) -> Plan:
    """The plan the rows hold, validated (StoreError when the rows are damaged)."""
    _check_booleans(session)
    try:
        raw = _rows_to_raw(session)
    except (ValueError, TypeError) as exc:  # JSON text columns damaged
        raise StoreError(f"the document is damaged ({exc})") from None
    return build_plan(raw)


def boolean_columns() -> list[tuple[str, str]]:
    """Every boolean column of the document's tables, from their declarations: SQLite
    stores any value in them and SQLAlchemy reads any non-zero one as true, so a
    damaged 'abc' would silently become true; the document checks them on opening."""
    return [
        (table.name, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Boolean)
    ]


def _check_booleans(session: Session) -> None:
    for table, column in boolean_columns():
        bad = (
            session.connection()
            .exec_driver_sql(
                f"SELECT pk, {column} FROM {table} WHERE {column} IS NULL "
                f"OR typeof({column}) != 'integer' OR {column} NOT IN (0, 1) LIMIT 1"
            )
            .first()
        )
        if bad is not None:
            raise StoreError(
                f"the document is damaged: table {table!r}, row {bad[0]}: "
                f"{column} must be 0 or 1, got {bad[1]!r}"
            )


def _write_changes(session: Session, old: Plan | None, plan: Plan, changes: Changes) -> None:
    """Write the parts of ``plan`` that ``changes`` names (inside the caller's transaction).

    An edit of products only (the usual one) converts and writes just those
    products, and of each only the stage and touch rows that differ."""
    if _products_only(old, changes):
        assert old is not None
        if old.updated != plan.updated:
            session.connection().execute(update(PlanRow).values(updated=_stamp(plan)))
        _write_products(session, old, plan, changes.products)
        return
    data = plan_to_dict(plan)
    if changes.settings or old is None:
        _write_settings(session, data)
    elif old.updated != plan.updated:  # a save stamps the plan: one column, not the settings
        session.execute(update(PlanRow).values(updated=data.get("updated")))
    if changes.teams:
        _write_teams(session, data)
    for pid in changes.removed_products:
        row = session.exec(select(ProductRow).where(ProductRow.product_id == pid)).first()
        if row is not None:
            session.delete(row)
    session.flush()
    by_id = {p["id"]: (i, p) for i, p in enumerate(data["products"])}
    for pid in changes.products:
        position, product = by_id[pid]
        _write_product(session, position, product)
    if changes.product_order:
        for row in session.exec(select(ProductRow)).all():
            row.position = by_id[row.product_id][0]
            session.add(row)
    if changes.broadcasts:
        _write_broadcasts(session, data)
    if changes.requests:
        if old is None:
            _write_requests(session, data)
        else:
            _update_requests(session, old, plan, data)
    if changes.content:
        _write_content(session, data)
    _write_meeting_records(session, data, changes)


def _products_only(old: Plan | None, changes: Changes) -> bool:
    """Whether the edit changed or added products and nothing else (not their order)."""
    return old is not None and changes == Changes(products=changes.products)


def _stamp(plan: Plan) -> str | None:
    """The plan's ``updated`` as the document stores it (as :func:`plan_to_dict` spells it)."""
    return plan.updated.isoformat().replace("+00:00", "Z") if plan.updated is not None else None


def _write_products(session: Session, old: Plan, plan: Plan, product_ids: frozenset[str]) -> None:
    """Write these products of ``plan``: only their changed rows when they existed before
    (:func:`_write_changed_rows`), else whole at their position."""
    for position, product in enumerate(plan.products):
        if product.id not in product_ids:
            continue
        new = product_to_dict(product)
        before = old.product(product.id)
        if before is None or not _write_changed_rows(session, product_to_dict(before), new):
            _write_product(session, position, new)


def _explain(exc: SQLAlchemyError) -> str:
    text = str(getattr(exc, "orig", exc))
    if "file is not a database" in text or "malformed" in text:
        return f"not a Cadence document, or the file is damaged ({text})"
    if "locked" in text:
        return "the document is locked by another program; close it there and try again"
    if "readonly" in text or "read-only" in text:
        return "the file is read-only; use File ▸ Save As to keep your changes elsewhere"
    return text


def _initialise(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(SchemaInfo(key="application", value=APPLICATION))
        session.add(SchemaInfo(key="schema_version", value=str(SCHEMA_VERSION)))
        session.commit()


def _check_and_upgrade(engine: Engine, path: Path, read_only: bool) -> None:
    with engine.connect() as conn:
        version = _schema_version(conn)
    if version is None:
        raise StoreError("the file is empty: not a Cadence document")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"written by a newer Cadence (document schema {version}; this version reads up to "
            f"{SCHEMA_VERSION}). Update Cadence to open it; the file was not changed."
        )
    if version < SCHEMA_VERSION:
        if read_only:
            raise StoreError(
                f"document schema {version} needs an upgrade to {SCHEMA_VERSION}; open it for editing"
            )
        _upgrade(path, version)


def _upgrade(path: Path, version: int) -> None:
    """Run the upgrade steps in one explicit transaction (DDL included): all or nothing."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for step in range(version, SCHEMA_VERSION):
                UPGRADES[step](conn)
            conn.execute(
                "UPDATE schema_info SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),)
            )
            conn.execute("COMMIT")
        except Exception as exc:
            conn.execute("ROLLBACK")
            raise StoreError(
                f"upgrading the document from schema {version} to {SCHEMA_VERSION} failed ({exc}); "
                "the file was not changed"
            ) from None
    finally:
        conn.close()


def _lock_document(path: Path, wait: float = 0.0) -> PlanLock:
    """Lock the document for this process (refuse when another running Cadence has it)."""
    try:
        return lock.acquire(path, wait)
    except lock.LockBusy as exc:
        raise DocumentLocked(
            f"{path.name} is open in another Cadence window or command "
            f"({lock.describe_holder(exc.holder)}); "
            "close it there, or open a copy read-only"
        ) from None
    except lock.LockUnavailable as exc:
        raise StoreError(str(exc)) from None


def _recover_hot_journal(path: Path) -> None:
    """Roll back a transaction a crash left half-done (a "hot" journal beside the file).

    A read-only connection cannot do it and fails with "readonly"; reading once
    through a read-write connection makes SQLite restore the file. Only when we
    may write the file and its folder; SQLite's own locks keep this safe.
    """
    journal = path.with_name(path.name + "-journal")
    try:
        if journal.stat().st_size == 0:
            return
    except OSError:
        return
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return
    try:
        conn = sqlite3.connect(path, timeout=2)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # the read below reports what is wrong


def open_document(
    path: Path, *, read_only: bool = False, lock: bool = False, wait: float = 0.0
) -> Document:
    """Open an existing .cadence document (validated schema; upgraded when older).

    ``lock=True`` (the GUI, and command-line saves) refuses a document another
    running instance edits, after waiting up to ``wait`` seconds for it.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no such file")
    if not path.is_file():
        raise StoreError(f"{path}: not a regular file")
    if not read_only and not os.access(path, os.W_OK):
        raise StoreError("the file is read-only; open it read-only or save a copy elsewhere")
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head and head != b"SQLite format 3\x00":
        raise StoreError("not a Cadence document (not an SQLite database)")
    held = _lock_document(path, wait) if lock and not read_only else None
    if read_only:
        _recover_hot_journal(path)
    engine = _make_engine(path, read_only)
    try:
        _check_and_upgrade(engine, path, read_only)
    except (DatabaseError, OperationalError) as exc:
        engine.dispose()
        if held:
            held.release()
        raise StoreError(_explain(exc)) from None
    except BaseException:
        engine.dispose()
        if held:
            held.release()
        raise
    doc = Document(path, engine, read_only)
    doc._lock = held
    return doc


def create_document(path: Path, plan: Plan, *, lock: bool = False) -> Document:
    """Create a new .cadence document holding ``plan`` (the file must not exist)."""
    path = Path(path)
    if path.exists():
        raise StoreError(f"{path} exists already")
    engine = _make_engine(path, read_only=False)
    try:
        _initialise(engine)
        doc = Document(path, engine, read_only=False)
        doc.save(plan)
    except BaseException:
        engine.dispose()
        path.unlink(missing_ok=True)
        raise
    if lock:
        try:
            doc._lock = _lock_document(path)
        except BaseException:
            doc.close()
            raise
    return doc


def save_plan_document(plan: Plan, path: Path, *, wait: float = 0.0) -> None:
    """Write ``plan`` as a complete .cadence file, atomically (temp file, then rename).

    An existing document is replaced only under its lock: never while a Cadence
    window or another command edits it (DocumentLocked after ``wait`` seconds).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    held = _lock_document(path, wait)
    try:
        tmp.unlink(missing_ok=True)
        try:
            doc = create_document(tmp, plan)
            doc.close()
            keep_mode(tmp, path)
            os.replace(tmp, path)
        except (OperationalError, DatabaseError) as exc:
            raise StoreError(_explain(exc)) from None
        finally:
            tmp.unlink(missing_ok=True)
            for suffix in ("-journal", "-wal", "-shm"):
                tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
    finally:
        held.release()


def update_plan_document(
    path: Path, change: Callable[[Plan], Plan | None], *, wait: float = 0.0
) -> tuple[Plan, Plan | None]:
    """Read-modify-write a .cadence document under its lock, in one transaction.

    Waits up to ``wait`` seconds for the lock (DocumentLocked names the holder);
    see :meth:`Document.update` for ``change`` and the result.
    """
    with open_document(Path(path), lock=True, wait=wait) as doc:
        return doc.update(change)


__all__ = [
    "Changes",
    "Document",
    "DocumentLocked",
    "PlanInvalid",
    "StoreError",
    "create_document",
    "diff_plans",
    "open_document",
    "save_plan_document",
    "update_plan_document",
]
