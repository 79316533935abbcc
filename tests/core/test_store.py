"""The .cadence document: round trips, transactions, schema versions, damaged files.

The tests of the facade both backends share (``save`` → what changed, ``load``,
refusing invalid plans) run on SQLite (a .cadence file) and on PostgreSQL (a shared
plan on the test server; skipped with the reason when the server binaries are missing).
"""

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from cadence.demo import demo_plan
from cadence.formats.plan_io import PlanFileError, read_plan_file, write_plan_file
from cadence.formats.plan_json import dumps_plan, loads_plan
from cadence.model import HolidayRule, Plan
from cadence.store import (
    DocumentLocked,
    StoreError,
    create_document,
    open_document,
    save_plan_document,
)
from cadence.validate import PlanInvalid, build_plan
from tests.core.strategies import raw_plans


@dataclasses.dataclass
class Backend:
    """Where a test's plan lives: ``create(plan)`` opens a document holding it,
    ``read_back()`` reads the stored plan afresh (a new connection)."""

    name: str
    create: Callable[[Plan], Any]
    read_back: Callable[[], Plan]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path) -> Backend:
    if request.param == "sqlite":
        path = tmp_path / "p.cadence"
        return Backend(
            "sqlite", lambda plan: create_document(path, plan), lambda: read_plan_file(path)
        )
    from cadence.store.shared.document import open_shared_document
    from cadence.store.shared.plans import read_shared_plan, share_plan

    url = request.getfixturevalue("pg_init_db").url()  # as `cadence db init` leaves it

    def create(plan: Plan) -> Any:
        share_plan(plan, url)
        return open_shared_document(url)

    return Backend("postgresql", create, lambda: read_shared_plan(url))


def test_demo_round_trip_on_both_backends(backend):
    plan = demo_plan()
    doc = backend.create(plan)
    assert doc.load() == plan
    doc.close()
    assert backend.read_back() == plan


def test_every_plan_product_and_cohort_field_round_trips_on_both_backends(backend):
    from tests.core.test_fields_plan import EVERY_FIELD

    plan = build_plan(EVERY_FIELD)
    assert plan.updated is not None and plan.products[0].cohorts.dates is not None
    doc = backend.create(plan)
    assert doc.load() == plan
    doc.close()
    assert dumps_plan(backend.read_back()) == dumps_plan(plan)


def test_demo_round_trip_json_cadence_json(tmp_path):
    plan = demo_plan()
    write_plan_file(plan, tmp_path / "demo.cadence")
    back = read_plan_file(tmp_path / "demo.cadence")
    assert back == plan
    write_plan_file(back, tmp_path / "demo.json")
    assert (tmp_path / "demo.json").read_text() == dumps_plan(plan)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_plans())
def test_generated_plans_round_trip(tmp_path_factory, raw):
    plan = build_plan(raw)
    assert loads_plan(dumps_plan(plan)) == plan
    path = tmp_path_factory.mktemp("rt") / "plan.cadence"
    save_plan_document(plan, path)
    with open_document(path, read_only=True) as doc:
        assert doc.load() == plan


def test_save_reports_what_changed(backend):
    plan = demo_plan()
    doc = backend.create(plan)
    billing = plan.products[1]
    longer = dataclasses.replace(
        billing, stages=(dataclasses.replace(billing.stages[0], days=12),) + billing.stages[1:]
    )
    edited = dataclasses.replace(plan, products=(plan.products[0], longer, plan.products[2]))
    changes = doc.save(edited)
    assert changes.products == frozenset({"billing"})
    assert not changes.teams and not changes.settings and not changes.replan_all
    doc.close()
    assert backend.read_back().products[1].stages[0].days == 12


def _rows(path: Path, table: str, key: str) -> dict[str, tuple[int, int]]:
    """Each row of a stage or touch table: (product, its id) -> (pk, days or offset)."""
    value = "days" if table == "stage" else "offset_days"
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            f"SELECT p.product_id, r.{key}, r.pk, r.{value} FROM {table} r "
            "JOIN product p ON p.pk = r.product_pk"
        ).fetchall()
    return {f"{product}.{item}": (pk, n) for product, item, pk, n in found}


def test_an_edit_of_one_stage_and_one_touch_rewrites_only_their_rows(tmp_path):
    plan = demo_plan()
    path = tmp_path / "p.cadence"
    doc = create_document(path, plan)
    stages, touches = _rows(path, "stage", "stage_id"), _rows(path, "touch", "touch_id")
    billing = plan.products[1]
    edited_billing = dataclasses.replace(
        billing,
        stages=(dataclasses.replace(billing.stages[0], days=12), *billing.stages[1:]),
        touches=(dataclasses.replace(billing.touches[0], offset_days=2), *billing.touches[1:]),
    )
    edited = dataclasses.replace(
        plan, products=(plan.products[0], edited_billing, plan.products[2])
    )
    assert doc.save(edited).products == frozenset({"billing"})
    doc.close()
    first_stage = f"billing.{billing.stages[0].id}"
    first_touch = f"billing.{billing.touches[0].id}"
    # The same rows (same keys), two values changed: nothing else was written again.
    assert _rows(path, "stage", "stage_id") == {
        **stages,
        first_stage: (stages[first_stage][0], 12),
    }
    assert _rows(path, "touch", "touch_id") == {
        **touches,
        first_touch: (touches[first_touch][0], 2),
    }
    assert read_plan_file(path) == edited


def test_a_product_whose_stages_change_order_is_written_whole(tmp_path):
    plan = demo_plan()
    path = tmp_path / "p.cadence"
    doc = create_document(path, plan)
    billing = plan.products[1]
    swapped = dataclasses.replace(
        billing, stages=(billing.stages[1], billing.stages[0], *billing.stages[2:])
    )
    edited = dataclasses.replace(plan, products=(plan.products[0], swapped, plan.products[2]))
    doc.save(edited)
    doc.close()
    assert read_plan_file(path) == edited


def test_removing_and_reordering_products(backend):
    plan = demo_plan()
    doc = backend.create(plan)
    edited = dataclasses.replace(
        plan,
        products=(plan.products[2], plan.products[0]),
        broadcasts=(),
        requests=(),
        content=(),
    )
    changes = doc.save(edited)
    assert changes.removed_products == frozenset({"billing"})
    assert changes.product_order
    doc.close()
    back = backend.read_back()
    assert [p.id for p in back.products] == ["mobile", "analytics"]
    assert back.products[0] == plan.products[2]


def test_failed_write_leaves_previous_state(tmp_path, monkeypatch):
    plan = demo_plan()
    path = tmp_path / "p.cadence"
    doc = create_document(path, plan)
    teams = (dataclasses.replace(plan.teams[0], name="Brand"),) + plan.teams[1:]
    renamed = dataclasses.replace(plan, name="Renamed", teams=teams)
    import cadence.store.document as document

    def boom(session, data):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(document, "_write_teams", boom)
    with pytest.raises(sqlite3.OperationalError):
        doc.save(renamed)
    doc.close()
    assert read_plan_file(path) == plan


def test_newer_schema_is_refused_and_untouched(tmp_path):
    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    con = sqlite3.connect(path)
    con.execute("UPDATE schema_info SET value='7' WHERE key='schema_version'")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        open_document(path)
    assert str(info.value) == (
        "written by a newer Cadence (document schema 7; this version reads up to 3). "
        "Update Cadence to open it; the file was not changed."
    )
    assert path.read_bytes() == before


def test_corrupt_file_gives_clear_error(tmp_path):
    path = tmp_path / "junk.cadence"
    path.write_bytes(b"this is not a database at all")
    with pytest.raises(PlanFileError) as info:
        read_plan_file(path)
    assert str(info.value) == f"{path}: not a Cadence document (not an SQLite database)"
    assert path.read_bytes() == b"this is not a database at all"


def test_other_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.cadence"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="not a Cadence document"):
        open_document(path)


def test_damaged_row_names_the_field(tmp_path):
    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    con = sqlite3.connect(path)
    con.execute("UPDATE stage SET days=-3 WHERE stage_id='qualify'")
    con.commit()
    con.close()
    with pytest.raises(PlanFileError) as info:
        read_plan_file(path)
    assert str(info.value) == (
        f"{path}: 1 error\n  products[0].stages[2].days: must be an integer ≥ 1, got -3"
    )


def test_lock_refuses_second_editor(tmp_path):
    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    first = open_document(path, lock=True)
    with pytest.raises(DocumentLocked, match="open in another Cadence window"):
        open_document(path, lock=True)
    first.close()
    open_document(path, lock=True).close()
    assert not (tmp_path / ".~p.cadence.lock").exists()


def test_stale_lock_of_dead_process_is_taken_over(tmp_path):
    import socket

    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    (tmp_path / ".~p.cadence.lock").write_text(f"{socket.gethostname()}:999999999")
    open_document(path, lock=True).close()


def test_read_only_file(tmp_path):
    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    path.chmod(0o444)
    try:
        with open_document(path, read_only=True) as doc:
            assert doc.load().name == "Northwind nurture plan 2027"
        if not _is_root():
            with pytest.raises(StoreError, match="read-only"):
                open_document(path)
    finally:
        path.chmod(0o644)


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


@pytest.mark.parametrize("suffix", [".json", ".cadence"])
def test_writing_a_plan_back_keeps_the_file_mode(tmp_path, suffix):
    # A private plan must stay private (the .cadence one became 0644, the .json 0600).
    path = tmp_path / f"p{suffix}"
    write_plan_file(demo_plan(), path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()
    path.chmod(0o640)
    write_plan_file(demo_plan(), path)
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("suffix", [".json", ".cadence"])
def test_a_read_only_plan_is_not_replaced(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"p{suffix}"
    write_plan_file(demo_plan(), path)
    before = path.read_bytes()
    path.chmod(0o444)
    if _is_root():  # root may write anything: pretend to be its owner
        import os

        monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != path)
    with pytest.raises(PlanFileError) as exc:
        write_plan_file(demo_plan(), path)
    assert str(exc.value) == f"{path}: the file is read-only; nothing was written"
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def _umask() -> int:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_create_refuses_existing(tmp_path):
    path = tmp_path / "p.cadence"
    path.write_text("keep me")
    with pytest.raises(StoreError, match="exists already"):
        create_document(path, demo_plan())
    assert path.read_text() == "keep me"


def test_convert_atomic_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    before = path.read_bytes()
    import cadence.store.document as document

    def boom(*a, **k):
        raise StoreError("simulated failure")

    monkeypatch.setattr(document, "_write_requests", boom)
    with pytest.raises(StoreError):
        save_plan_document(demo_plan(), path)
    assert path.read_bytes() == before
    assert [p.name for p in Path(tmp_path).iterdir()] == ["p.cadence"]


def test_invalid_plan_never_reaches_the_document(backend):
    plan = demo_plan()
    doc = backend.create(plan)
    dangling = dataclasses.replace(plan, products=plan.products[:1])
    with pytest.raises(PlanInvalid) as info:
        doc.save(dangling)
    assert str(info.value.errors[0]) == (
        'broadcasts[0].products[1]: unknown product "billing" (products: analytics)'
    )
    doc.close()
    assert backend.read_back() == plan


def _mark_schema(path: Path, version: int) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE schema_info SET value=? WHERE key='schema_version'", (str(version),))
    con.commit()
    con.close()


def test_schema_1_document_gains_the_content_library(tmp_path):
    """A document written before the content library (schema 1: no asset table, no
    touch.asset) opens, upgrades to schema 2 and then stores a library."""
    plan = demo_plan()
    without = dataclasses.replace(
        plan,
        content=(),
        broadcasts=tuple(dataclasses.replace(b, participants=()) for b in plan.broadcasts),
        products=tuple(
            dataclasses.replace(
                p, touches=tuple(dataclasses.replace(t, asset=None) for t in p.touches)
            )
            for p in plan.products
        ),
    )
    path = tmp_path / "old.cadence"
    save_plan_document(without, path)
    _as_schema_1(path)
    with open_document(path) as doc:
        assert doc.load() == without
        with_library = dataclasses.replace(plan, broadcasts=without.broadcasts)
        changes = doc.save(with_library)
        assert changes.content
    assert read_plan_file(path) == with_library
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone() == (
        "3",
    )
    assert con.execute(
        "SELECT asset_id, review_by FROM asset WHERE asset_id='roi-calculator'"
    ).fetchone() == (
        "roi-calculator",
        "2027-09-30",
    )
    con.close()


def test_older_schema_is_upgraded_in_order(tmp_path, monkeypatch):
    import cadence.store.document as document

    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    _mark_schema(path, 2)
    steps = []

    def one_to_two(conn):
        steps.append(1)
        conn.execute("ALTER TABLE plan ADD COLUMN notes TEXT")

    def two_to_three(conn):
        steps.append(2)

    # The document is marked schema 2: steps 2 and 3 run, in order.
    monkeypatch.setattr(document, "SCHEMA_VERSION", 4)
    monkeypatch.setattr(document, "UPGRADES", {2: one_to_two, 3: two_to_three})
    with open_document(path) as doc:
        assert doc.load() == demo_plan()
    assert steps == [1, 2]
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone() == (
        "4",
    )
    assert "notes" in [row[1] for row in con.execute("PRAGMA table_info(plan)")]
    con.close()


def test_failed_upgrade_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    import cadence.store.document as document

    path = tmp_path / "p.cadence"
    save_plan_document(demo_plan(), path)
    _mark_schema(path, 2)

    def broken(conn):
        conn.execute("ALTER TABLE plan ADD COLUMN notes TEXT")
        raise sqlite3.OperationalError("simulated")

    monkeypatch.setattr(document, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(document, "UPGRADES", {2: broken})
    with pytest.raises(StoreError) as info:
        open_document(path)
    assert str(info.value) == (
        "upgrading the document from schema 2 to 3 failed (simulated); the file was not changed"
    )
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone() == (
        "2",
    )
    assert "notes" not in [row[1] for row in con.execute("PRAGMA table_info(plan)")]
    con.close()


def _as_schema_1(path: Path) -> None:
    """Turn a schema-2 document back into what Cadence wrote before the content library
    and meetings (schema 1)."""
    con = sqlite3.connect(path)
    con.execute("DROP TABLE asset")
    con.execute("ALTER TABLE touch DROP COLUMN asset")
    con.execute("DROP TABLE action_item")
    con.execute("DROP TABLE signoff")
    con.execute("DROP TABLE review")
    con.execute("ALTER TABLE broadcast DROP COLUMN participants")
    _drop_schema_3_columns(con)  # nor the rules and team calendar columns
    con.execute("UPDATE schema_info SET value='1' WHERE key='schema_version'")
    con.commit()
    con.close()


def test_schema_1_document_is_upgraded_to_meetings_and_signoffs(tmp_path):
    import datetime as dt

    path = tmp_path / "old.cadence"
    plan = demo_plan()
    old = dataclasses.replace(
        plan,
        broadcasts=tuple(dataclasses.replace(b, participants=()) for b in plan.broadcasts),
        content=(),
        products=tuple(
            dataclasses.replace(
                p, touches=tuple(dataclasses.replace(t, asset=None) for t in p.touches)
            )
            for p in plan.products
        ),
    )
    save_plan_document(old, path)
    _as_schema_1(path)
    with open_document(path) as doc:
        assert doc.load() == old
        from cadence.ops import add_action_item, sign_off_product

        added = add_action_item(
            old, "Own qualification", "sdr", dt.date(2027, 1, 15), "alignment", dt.date(2027, 1, 11)
        ).plan
        at = dt.datetime(2027, 1, 12, 9, 30, tzinfo=dt.UTC)
        signed = sign_off_product(added, "Sam Okafor", "sales", at, "billing").plan
        changes = doc.save(signed)
        assert changes.action_items and changes.signoffs and not changes.replan_all
    back = read_plan_file(path)
    assert back == signed
    assert [a.id for a in back.action_items] == ["own-qualification"]
    assert [(s.product, s.by, s.role) for s in back.signoffs] == [
        ("billing", "Sam Okafor", "sales")
    ]
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone() == (
        "3",
    )
    con.close()


def _drop_schema_3_columns(con: sqlite3.Connection) -> None:
    """Make a document's tables those of schema 2 (before the rules and team calendars)."""
    for table, column in [
        ("plan", "count_days"),
        ("plan", "lead_desk"),
        ("team", "holiday_country"),
        ("team", "holiday_subdivision"),
        ("team", "blackouts"),
    ]:
        con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def test_schema_2_document_gains_the_rules_and_team_calendar_columns(tmp_path):
    # A document written before count_days, lead_desk and team calendars (schema 2).
    path = tmp_path / "old.cadence"
    save_plan_document(demo_plan(), path)
    con = sqlite3.connect(path)
    _drop_schema_3_columns(con)
    con.execute("UPDATE schema_info SET value='2' WHERE key='schema_version'")
    con.commit()
    con.close()
    with open_document(path) as doc:
        plan = doc.load()
    assert plan == demo_plan()
    assert (plan.rules.count_days, plan.rules.lead_desk) == ("calendar", None)
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone() == (
        "3",
    )
    con.close()


def test_participants_action_items_signoffs_round_trip(tmp_path):
    import datetime as dt

    from cadence.ops import add_action_item, mark_action_done, sign_off_product

    plan = demo_plan()
    assert plan.broadcasts[2].participants == ("sdr", "ae")
    op = add_action_item(
        plan, "Give Qualification an owner", "mkt", dt.date(2027, 3, 5), "alignment",
        dt.date(2027, 3, 1),
    )  # fmt: skip
    done = mark_action_done(op.plan, op.created, dt.date(2027, 3, 4)).plan
    at = dt.datetime(2027, 2, 1, 8, 0, tzinfo=dt.UTC)
    signed = sign_off_product(done, "Maria Lopez", "marketing", at).plan
    assert len(signed.signoffs) == 3  # every product
    write_plan_file(signed, tmp_path / "p.cadence")
    back = read_plan_file(tmp_path / "p.cadence")
    assert back == signed
    write_plan_file(back, tmp_path / "p.json")
    assert (tmp_path / "p.json").read_text() == dumps_plan(signed)
    assert loads_plan(dumps_plan(signed)) == signed


def test_rules_and_team_calendars_round_trip_json_cadence_json(tmp_path):
    raw = json.loads(dumps_plan(demo_plan()))
    raw["rules"] |= {"count_days": "working", "lead_desk": "sdr"}
    raw["teams"][0]["holidays"] = {"country": "US", "subdivision": "CA"}
    raw["teams"][0]["blackouts"] = [{"name": "Offsite", "start": "2027-06-07", "end": "2027-06-11"}]
    raw["teams"][1]["blackouts"] = []
    plan = build_plan(raw)
    assert plan.teams[0].holidays == HolidayRule("US", "CA")
    assert plan.teams[1].blackouts == () and plan.teams[1].holidays is None
    write_plan_file(plan, tmp_path / "p.cadence")
    back = read_plan_file(tmp_path / "p.cadence")
    assert back == plan
    write_plan_file(back, tmp_path / "p.json")
    assert (tmp_path / "p.json").read_text() == dumps_plan(plan)
    assert json.loads(dumps_plan(plan))["rules"]["lead_desk"] == "sdr"
