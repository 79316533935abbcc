"""LISTEN/NOTIFY: committed changes reach listeners of that plan, named by object."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cadence.store.shared.live import ChangeNotice, PlanListener, parse_notice
from cadence.store.shared.plans import Conflict, open_shared_plan


@pytest.fixture
def pg_db(pg_demo_db_two_plans):
    """This module's database: ``db init`` done, the demo plan shared as "northwind" and
    as "other" (a copy of a database the session set up so once: tests/pg_fixtures.py)."""
    return pg_demo_db_two_plans


@pytest.fixture
def shared_url(pg_db) -> str:
    return pg_db.url()


def test_a_committed_edit_is_announced_with_its_objects(shared_url, pg_db) -> None:
    with PlanListener(shared_url) as listener, open_shared_plan(shared_url) as editor:
        plan = editor.load()
        with open_shared_plan(pg_db.url(plan="other")) as other:
            other_plan = other.load()
            other.save(
                replace(
                    other_plan,
                    teams=(replace(other_plan.teams[0], name="X"),) + other_plan.teams[1:],
                )
            )
        teams = (replace(plan.teams[0], name="Marketing EMEA"), *plan.teams[1:])
        editor.save(replace(plan, teams=teams, broadcasts=plan.broadcasts[:-1]))
        notices = listener.poll(10.0)
    assert notices == [
        ChangeNotice("northwind", "broadcast", "alignment", "delete", 1),
        ChangeNotice("northwind", "team", "mkt", "update", 2),
    ]


def test_a_refused_edit_announces_nothing(shared_url) -> None:
    with (
        PlanListener(shared_url) as listener,
        open_shared_plan(shared_url) as a,
        open_shared_plan(shared_url) as b,
    ):
        a.load()
        b.load()
        a.save(replace(a.plan, name="Renamed by A"))
        assert listener.poll(10.0) == [ChangeNotice("northwind", "settings", "", "update", 2)]
        with pytest.raises(Conflict):
            b.save(replace(b.plan, name="Renamed by B", teams=b.plan.teams[1:] + b.plan.teams[:1]))
        assert listener.poll(0.0) == []


def test_raw_sql_edits_are_announced_too(shared_url, pg_db) -> None:
    with PlanListener(shared_url) as listener:
        with pg_db.admin() as conn:
            conn.execute("UPDATE touch SET name = 'Hi' WHERE touch_id = 'welcome'")
        notices = listener.poll(10.0)
    assert sorted(n.object_id for n in notices) == [
        "analytics/welcome",
        "billing/welcome",
        "mobile/welcome",
    ]


def test_foreign_payloads_are_ignored() -> None:
    assert parse_notice("hello") is None
    assert parse_notice('{"plan": "p"}') is None
    assert parse_notice('{"plan": "p", "kind": "plan", "id": "p", "op": "update"}') == (
        ChangeNotice("p", "settings", "", "update", None)
    )
    payload = '{"plan": "p", "kind": "stage", "id": "a/b", "op": "insert", "revision": 1}'
    assert parse_notice(payload) == ChangeNotice("p", "stage", "a/b", "insert", 1)


def test_refresh_rereads_only_the_noticed_objects(shared_url) -> None:
    with (
        PlanListener(shared_url) as listener,
        open_shared_plan(shared_url) as editor,
        open_shared_plan(shared_url) as window,
    ):
        plan = editor.load()
        window.load()
        product = plan.products[1]
        stages = (replace(product.stages[0], name="Aware!"), *product.stages[1:])
        extra = replace(plan.teams[0], id="ops", name="Operations")
        editor.save(
            replace(
                plan,
                name="Renamed plan",
                teams=(*plan.teams, extra),
                products=(plan.products[0], replace(product, stages=stages), plan.products[2]),
                broadcasts=plan.broadcasts[1:],
            )
        )
        notices = listener.poll(10.0)
        assert sorted(n.key for n in notices) == [
            ("broadcast", "alignment"),
            ("broadcast", "newsletter"),
            ("broadcast", "roundtable"),
            ("settings", ""),
            ("stage", "billing/aware"),
            ("team", "ops"),
        ]
        refreshed = window.refresh(n.key for n in notices)
        assert refreshed == editor.plan
        assert window.revision("team", "ops") == 1
        assert (refreshed.name, window.revision("settings")) == ("Renamed plan", 2)
        assert window.revision("stage", "billing/aware") == 2
        assert window.revision("broadcast", "newsletter") is None
        assert window.load() == refreshed


def test_refresh_of_stages_and_touches_rebuilds_only_their_products(shared_url) -> None:
    from cadence.formats.plan_json import plan_to_dict
    from cadence.store.shared.objects import plan_objects

    with open_shared_plan(shared_url) as editor, open_shared_plan(shared_url) as window:
        plan = editor.load()
        before = window.load()
        analytics, billing, mobile = plan.products
        stages = (replace(analytics.stages[0], name="Aware!"), *analytics.stages[1:])
        touches = (*mobile.touches[:-1], replace(mobile.touches[-1], name="Last touch"))
        billing_stages = (*billing.stages, replace(billing.stages[-1], id="after", days=9))
        editor.save(
            replace(
                plan,
                products=(
                    replace(analytics, stages=stages),
                    replace(billing, stages=billing_stages),
                    replace(mobile, touches=touches),
                ),
            )
        )
        keys = [
            ("stage", "analytics/aware"),
            ("stage", "billing/after"),
            ("touch", f"mobile/{mobile.touches[-1].id}"),
        ]
        refreshed = window.refresh(keys)
        assert refreshed == editor.plan
        assert refreshed.teams is before.teams  # not read again
        assert refreshed.products[0].stages[0].name == "Aware!"
        assert [s.id for s in refreshed.products[1].stages][-1] == "after"
        assert window.revision("stage", "billing/after") == 1
        assert window.refresh(keys) is refreshed  # nothing changed since
        assert window._base == plan_objects(plan_to_dict(refreshed))
        edit = window.save(replace(refreshed, name="Renamed plan"))
        assert (edit.changed, edit.added, edit.removed) == ({("settings", "")}, set(), set())
        assert window.load() == editor.load()


def test_refresh_of_an_invalid_stage_says_what_the_whole_check_says(shared_url, pg_db) -> None:
    from cadence.validate import PlanInvalid

    with open_shared_plan(shared_url) as window:
        window.load()
        with pg_db.admin() as conn:
            conn.execute("UPDATE stage SET days = 0 WHERE stage_id = 'aware'")
        keys = [("stage", f"{p}/aware") for p in ("analytics", "billing", "mobile")]
        with pytest.raises(PlanInvalid) as refreshed:
            window.refresh(keys)
        with pytest.raises(PlanInvalid) as loaded:
            window.load()
    errors = [str(e) for e in refreshed.value.errors]
    assert errors == [str(e) for e in loaded.value.errors]
    assert errors[0] == "products[0].stages[0].days: must be an integer ≥ 1, got 0"


def test_a_refresh_that_fails_keeps_the_revisions_read_before(shared_url, pg_db) -> None:
    # Another client's change leaves the plan invalid (here by raw SQL; two valid saves
    # can do it too: one deletes a stage, the other adds a touch to it). The window's
    # refresh is refused, and the window still holds the revision it last read: its idle
    # check sees the change, and its own save of that touch is a conflict, never written
    # over the other change.
    from cadence.validate import PlanInvalid

    key = ("touch", "analytics/welcome")
    with open_shared_plan(shared_url) as window:
        plan = window.load()
        assert window.revision(*key) == 1
        with pg_db.admin() as conn:
            conn.execute(
                "UPDATE touch SET stage_id = 'nope', name = 'Theirs', revision = revision + 1"
                " WHERE plan_key = 'northwind' AND product_id = 'analytics'"
                " AND touch_id = 'welcome'"
            )
        with pytest.raises(PlanInvalid):
            window.refresh([key])
        with pytest.raises(PlanInvalid):
            window.load()
        assert window.revision(*key) == 1
        assert window.stale_objects() == {key}
        product = plan.products[0]
        touches = tuple(
            replace(t, name="Mine") if t.id == "welcome" else t for t in product.touches
        )
        mine = replace(plan, products=(replace(product, touches=touches), *plan.products[1:]))
        with pytest.raises(Conflict):
            window.save(mine)
    with pg_db.admin() as conn:
        name = conn.execute(
            "SELECT name FROM touch WHERE plan_key = 'northwind' AND touch_id = 'welcome'"
            " AND product_id = 'analytics'"
        ).fetchone()
    assert name == ("Theirs",)


def test_refresh_of_a_moved_product_reads_the_plan_order_again(shared_url, pg_db) -> None:
    with open_shared_plan(shared_url) as window:
        window.load()
        with pg_db.admin() as conn:
            conn.execute("UPDATE product SET position = 5 WHERE product_id = 'analytics'")
        refreshed = window.refresh([("product", "analytics")])
        assert [p.id for p in refreshed.products] == ["billing", "mobile", "analytics"]
        assert window.load() == refreshed


def test_refresh_of_many_objects_of_a_kind_takes_only_those_named(shared_url, pg_db) -> None:
    with open_shared_plan(shared_url) as window:
        before = window.load()
        with pg_db.admin() as conn:
            conn.execute("UPDATE touch SET name = name || ' (new)'")
        touches = [("touch", f"{p.id}/{t.id}") for p in before.products for t in p.touches]
        *named, left = touches
        refreshed = window.refresh(named)  # most touches: their table is read in one SELECT
        names = [t.name for p in refreshed.products for t in p.touches]
        assert names[:-1] == [f"{t.name} (new)" for p in before.products for t in p.touches][:-1]
        assert names[-1] == before.products[-1].touches[-1].name  # not named: kept as read
        assert [window.revision(*key) for key in (named[0], left)] == [2, 1]
        assert window.refresh([left]) == window.load()


def test_a_save_writes_out_only_the_products_it_changed(shared_url) -> None:
    from datetime import UTC, datetime

    from cadence.formats.plan_json import plan_to_dict
    from cadence.store.shared.objects import plan_objects

    with open_shared_plan(shared_url) as editor, open_shared_plan(shared_url) as other:
        plan = editor.load()
        analytics, billing, mobile = plan.products
        touches = (replace(billing.touches[0], name="Welcome!"), *billing.touches[1:])
        renamed = replace(plan, products=(analytics, replace(billing, touches=touches), mobile))
        stamped = replace(renamed, updated=datetime(2027, 3, 2, 10, 14, 7, tzinfo=UTC))
        moved = replace(plan, products=(billing, analytics, mobile))
        for edited in (renamed, stamped, moved, replace(moved, name="Other name")):
            expected = plan_to_dict(edited)
            assert editor._objects_of(edited) == (plan_objects(expected), expected.get("updated"))
        edit = editor.save(renamed)
        assert (edit.changed, edit.added, edit.removed) == (
            {("touch", f"billing/{billing.touches[0].id}")},
            set(),
            set(),
        )
        edit = editor.save(stamped)
        assert edit.empty  # the stamp alone: no object, the stamp row written
        assert other.load() == stamped


def test_a_load_after_a_load_builds_again_only_the_products_that_changed(shared_url, pg_db) -> None:
    from cadence.validate import PlanInvalid

    with open_shared_plan(shared_url) as window:
        first = window.load()
        assert window.load() is first  # nothing changed: nothing built again
        with pg_db.admin() as conn:
            conn.execute("UPDATE stage SET name = 'Aware!' WHERE stage_id = 'aware'")
            conn.execute("DELETE FROM touch WHERE product_id = 'mobile' AND position = 0")
        second = window.load()
        assert second.teams is first.teams  # only the products were read again
        assert [p.stages[0].name for p in second.products] == ["Aware!"] * 3
        assert len(second.products[2].touches) == len(first.products[2].touches) - 1
        with open_shared_plan(shared_url) as other:
            assert other.load() == second
        with pg_db.admin() as conn:
            conn.execute("UPDATE team SET name = 'Marketing EMEA' WHERE team_id = 'mkt'")
        third = window.load()  # another kind changed: the whole plan is read
        assert third.teams is not second.teams and third.team("mkt").name == "Marketing EMEA"
        with pg_db.admin() as conn:
            conn.execute("UPDATE stage SET days = 0 WHERE stage_id = 'aware'")
        with pytest.raises(PlanInvalid) as invalid:
            window.load()
    assert (
        str(invalid.value.errors[0]) == "products[0].stages[0].days: must be an integer ≥ 1, got 0"
    )
