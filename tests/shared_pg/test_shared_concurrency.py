"""Optimistic concurrency: a revision per object; stale edits are refused as conflicts."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from cadence.model import Plan
from cadence.store.shared.plans import Conflict, SharedPlan, open_shared_plan
from cli.main import main


@pytest.fixture
def pg_db(pg_demo_db):
    """This module's database: ``db init`` done, the demo plan shared as "northwind"
    (a copy of a database the session set up so once: tests/pg_fixtures.py)."""
    return pg_demo_db


@pytest.fixture
def two_editors(pg_db, capsys):
    alice = pg_db.login("alice", "alice-pw")
    bob = pg_db.login("bob", "bob-pw")
    for login in (alice, bob):
        assert main(["db", "grant", pg_db.url(plan=None), login, "--role", "planner"]) == 0
    a = open_shared_plan(pg_db.url(user=alice))
    b = open_shared_plan(pg_db.url(user=bob))
    a.load()
    b.load()
    yield a, b, alice, bob
    a.close()
    b.close()


def stage_days(plan: Plan, product: int, stage: int, days: int) -> Plan:
    p = plan.products[product]
    stages = list(p.stages)
    stages[stage] = replace(stages[stage], days=days)
    products = list(plan.products)
    products[product] = replace(p, stages=tuple(stages))
    return replace(plan, products=tuple(products))


def team_name(plan: Plan, index: int, name: str) -> Plan:
    teams = list(plan.teams)
    teams[index] = replace(teams[index], name=name)
    return replace(plan, teams=tuple(teams))


def test_edits_of_different_objects_both_apply(two_editors) -> None:
    a, b, alice, bob = two_editors
    edit = a.save(stage_days(a.plan, 0, 0, 21))
    assert edit.changed == {("stage", "analytics/aware")}
    assert b.save(team_name(b.plan, 0, "Marketing EMEA")).changed == {("team", "mkt")}
    fresh = a.load()
    assert fresh.products[0].stages[0].days == 21
    assert fresh.teams[0].name == "Marketing EMEA"
    assert a.revision("stage", "analytics/aware") == 2
    assert a.revision("team", "mkt") == 2
    assert a.revision("team", "ae") == 1


def test_a_stale_edit_of_the_same_object_is_a_conflict(two_editors, pg_db) -> None:
    a, b, alice, bob = two_editors
    a.save(stage_days(a.plan, 0, 0, 21))
    stale = team_name(stage_days(b.plan, 0, 0, 16), 1, "Account execs")
    with pytest.raises(Conflict) as info:
        b.save(stale)
    conflict = info.value
    assert (conflict.kind, conflict.object_id, conflict.base_revision, conflict.revision) == (
        "stage",
        "analytics/aware",
        1,
        2,
    )
    assert conflict.changed_by == alice
    assert re.fullmatch(
        rf"conflict: stage 'analytics/aware' was changed by {alice} at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+ \(revision 2; your edit was based on revision 1\); "
        r"nothing was saved — reload and edit again",
        str(conflict),
    )
    # One transaction: the team rename in the same edit was not applied either.
    with pg_db.admin() as conn:
        assert conn.execute("SELECT name, revision FROM team WHERE team_id = 'ae'").fetchone() == (
            "Account executives",
            1,
        )
        assert conn.execute(
            "SELECT days FROM stage WHERE product_id = 'analytics' AND stage_id = 'aware'"
        ).fetchone() == (21,)
    # After reloading, the same edit applies on top of alice's.
    b.load()
    assert b.save(stage_days(b.plan, 0, 0, 16)).changed == {("stage", "analytics/aware")}


def test_removing_an_object_someone_changed_is_a_conflict(two_editors) -> None:
    a, b, alice, bob = two_editors
    a.save(team_name(a.plan, 0, "Marketing EMEA"))
    plan = b.plan
    broadcasts_gone = replace(plan, broadcasts=())
    b.save(broadcasts_gone)  # nobody touched the broadcasts: fine
    with pytest.raises(Conflict, match=r"^conflict: broadcast 'newsletter' was removed by someone"):
        a.save(
            replace(
                a.plan,
                broadcasts=(replace(a.plan.broadcasts[0], name="News"),) + a.plan.broadcasts[1:],
            )
        )


def test_adding_an_object_someone_else_added_is_a_conflict(two_editors) -> None:
    a, b, alice, bob = two_editors
    extra = replace(a.plan.teams[0], id="ops", name="Operations")
    a.save(replace(a.plan, teams=(*a.plan.teams, extra)))
    with pytest.raises(Conflict) as info:
        b.save(replace(b.plan, teams=(*b.plan.teams, replace(extra, name="Ops"))))
    assert str(info.value).startswith(f"conflict: team 'ops' was added by {alice} at ")


def test_a_stale_request_save_command_is_refused(two_editors, pg_db, capsys) -> None:
    a, b, alice, bob = two_editors
    argv = ["request-status", pg_db.url(user=bob), "fleet-one-pager", "declined"]
    assert main([*argv, "--note", "no studio time"]) == 0
    capsys.readouterr()
    stale: SharedPlan = a
    plan = stale.plan
    requests = list(plan.requests)
    requests[2] = replace(requests[2], note="changed by alice on a stale copy")
    with pytest.raises(Conflict, match=rf"request 'fleet-one-pager' was changed by {bob}"):
        stale.save(replace(plan, requests=tuple(requests)))


def test_a_save_of_several_objects_refused_midway_writes_none_and_the_next_applies(
    two_editors, pg_db
) -> None:
    a, b, alice, bob = two_editors
    extra = replace(a.plan.teams[0], id="ops", name="Operations")
    a.save(replace(a.plan, teams=(*a.plan.teams, extra)))
    renamed = team_name(b.plan, 1, "Account execs")
    with pytest.raises(Conflict, match=rf"^conflict: team 'ops' was added by {alice} at "):
        b.save(replace(renamed, teams=(*renamed.teams, replace(extra, name="Ops"))))
    with pg_db.admin() as conn:
        assert conn.execute("SELECT name, revision FROM team WHERE team_id = 'ae'").fetchone() == (
            "Account executives",
            1,
        )
    assert b.save(stage_days(b.plan, 0, 0, 16)).changed == {("stage", "analytics/aware")}
