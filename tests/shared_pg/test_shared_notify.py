"""Who sends the change notices: Cadence's store after its COMMIT, the triggers for
every other client; and the idle check that catches a notice that never came."""

from __future__ import annotations

import json
from dataclasses import replace

import psycopg
import pytest

from cadence.demo import demo_plan
from cadence.store.shared.live import (
    CHANNEL,
    ChangeNotice,
    PlanListener,
    edit_payload,
    parse_notices,
)
from cadence.store.shared.plans import open_shared_plan, share_plan
from cli import shared_io
from cli.main import main


@pytest.fixture
def shared_url(pg_db, capsys):
    assert main(["db", "init", pg_db.url(plan=None)]) == 0
    share_plan(demo_plan(), pg_db.url())
    capsys.readouterr()
    yield pg_db.url()
    shared_io.close_all()


def _payloads(conn: psycopg.Connection, timeout: float) -> list[str]:
    """Every notification payload that arrives within ``timeout`` seconds (raw: no
    duplicates removed, as PlanListener.poll would)."""
    return [n.payload for n in conn.notifies(timeout=timeout)]


def _listening(pg_db) -> psycopg.Connection:
    conn = pg_db.admin()
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def _rename_aware_and_drop_last_broadcast(plan):
    product = plan.products[1]
    stages = (replace(product.stages[0], name="Aware!"), *product.stages[1:])
    products = (plan.products[0], replace(product, stages=stages), *plan.products[2:])
    return replace(plan, products=products, broadcasts=plan.broadcasts[:-1])


def test_an_app_edit_is_announced_once_after_its_commit(shared_url, pg_db) -> None:
    with _listening(pg_db) as listener, open_shared_plan(shared_url) as editor:
        plan = editor.load()
        editor.save(_rename_aware_and_drop_last_broadcast(plan), announce=False)
        # Committed (another session reads it) and not announced: the triggers stayed quiet.
        with pg_db.admin() as other:
            row = other.execute(
                "SELECT name, revision FROM stage WHERE product_id = 'billing' "
                "AND stage_id = 'aware'"
            ).fetchone()
        assert row == ("Aware!", 2)
        assert _payloads(listener, 0.5) == []
        editor.announce()
        editor.announce()  # sent once only
        payloads = _payloads(listener, 2.0)
    assert payloads == [
        '{"plan":"northwind","changes":['
        '{"kind":"broadcast","id":"alignment","op":"delete","revision":1},'
        '{"kind":"stage","id":"billing/aware","op":"update","revision":2}]}'
    ]


def test_an_app_edit_commits_durably_and_only_its_notice_does_not_wait(shared_url) -> None:
    with open_shared_plan(shared_url) as editor:
        plan = editor.load()
        editor.save(replace(plan, name="Renamed"))
        conn = editor._connection()
        settings = conn.execute(
            "SELECT source, current_setting('cadence.notify_after_commit') "
            "FROM pg_settings WHERE name = 'synchronous_commit'"
        ).fetchone()
    # The store's connection leaves synchronous_commit as the server has it (the test
    # server is started without fsync, "command line"; a real one: "default", on): only
    # its notice transaction turns it off, for itself (SET LOCAL).
    assert settings == ("command line", "on")


def test_raw_sql_from_a_sales_login_still_notifies(shared_url, pg_db, capsys) -> None:
    sales = pg_db.login("sales", "sales-pw")
    assert (
        main(["db", "grant", pg_db.url(plan=None), sales, "--role", "sales", "--team", "ae"]) == 0
    )
    with _listening(pg_db) as listener, pg_db.connect(sales) as conn:
        conn.execute("UPDATE request SET note = 'call Tom' WHERE request_id = 'acme-case-study'")
        payloads = _payloads(listener, 2.0)
    assert [json.loads(p) for p in payloads] == [
        {
            "plan": "northwind",
            "kind": "request",
            "id": "acme-case-study",
            "op": "update",
            "revision": 2,
        }
    ]


def test_a_session_that_announces_itself_is_not_announced_by_the_triggers(
    shared_url, pg_db
) -> None:
    with _listening(pg_db) as listener, pg_db.admin() as conn:
        with conn.transaction():
            conn.execute("SET LOCAL cadence.notify_after_commit = 'on'")
            conn.execute("UPDATE team SET name = 'Quiet' WHERE team_id = 'mkt'")
        assert _payloads(listener, 0.5) == []
        conn.execute("UPDATE team SET name = 'Loud' WHERE team_id = 'mkt'")  # setting gone
        assert len(_payloads(listener, 2.0)) == 1


def test_a_missed_notice_is_found_by_the_idle_check(shared_url) -> None:
    with (
        PlanListener(shared_url) as listener,
        open_shared_plan(shared_url) as editor,
        open_shared_plan(shared_url) as window,
    ):
        window.load()
        plan = _rename_aware_and_drop_last_broadcast(editor.load())
        extra = replace(plan.teams[0], id="ops", name="Operations")
        # As a client killed between its COMMIT and its notice: the notice never comes.
        editor.save(replace(plan, teams=(*plan.teams, extra)), announce=False)
        assert listener.poll(0.5) == []
        stale = window.stale_objects()
        assert stale == {("broadcast", "alignment"), ("stage", "billing/aware"), ("team", "ops")}
        assert window.refresh(stale) == editor.plan
        assert window.stale_objects() == set()
        assert window.revision("stage", "billing/aware") == 2


def test_a_save_too_big_for_one_notice_says_reload() -> None:
    changes = [ChangeNotice("p", "touch", f"analytics/t{i:03}", "update", 2) for i in range(121)]
    fits = edit_payload("p", changes[:120])  # 66 bytes a change: 7944 bytes
    assert len(fits.encode()) == 7944
    assert parse_notices(fits)[119] == ChangeNotice("p", "touch", "analytics/t119", "update", 2)
    payload = edit_payload("p", changes)  # 8010 bytes: over PostgreSQL's limit
    assert payload == '{"plan":"p","op":"reload"}'
    assert parse_notices(payload) == [ChangeNotice("p", "*", "", "reload")]
    assert parse_notices(payload)[0].reload_all


def test_every_kind_of_payload_is_parsed() -> None:
    assert parse_notices("hello") == []
    assert parse_notices('{"plan": "p", "changes": [{"kind": "stage"}]}') == []
    assert parse_notices('{"plan":"p","changes":[{"kind":"settings","id":"","op":"update"}]}') == [
        ChangeNotice("p", "settings", "", "update", None)
    ]
    trigger = '{"plan": "p", "kind": "plan", "id": "p", "op": "update", "revision": 3}'
    assert parse_notices(trigger) == [ChangeNotice("p", "settings", "", "update", 3)]


def test_a_raw_sign_off_is_named_by_its_whole_id_as_the_store_names_it(shared_url, pg_db) -> None:
    with _listening(pg_db) as listener, open_shared_plan(shared_url) as window:
        window.load()
        with pg_db.admin() as conn:
            conn.execute(
                'INSERT INTO signoff (plan_key, position, product, "by", role, at, fingerprint, '
                "touches) VALUES ('northwind', 0, 'analytics', 'maria', 'legal', "
                "'2027-03-01T10:00:00Z', 'f1', '[]')"
            )
            conn.execute(
                'INSERT INTO review (plan_key, position, product, "by", at) VALUES '
                "('northwind', 0, 'billing', 'jon', '2027-03-02T09:00:00Z')"
            )
        payloads = [json.loads(p) for p in _payloads(listener, 2.0)]
        stale = window.stale_objects()
    assert [(p["kind"], p["id"]) for p in payloads] == [
        ("signoff", "analytics/legal/2027-03-01T10:00:00Z"),
        ("review", "billing/2027-03-02T09:00:00Z"),
    ]
    assert stale == {
        ("signoff", "analytics/legal/2027-03-01T10:00:00Z"),
        ("review", "billing/2027-03-02T09:00:00Z"),
    }
