"""Who may change what, enforced by the database: raw SQL from each role's login."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import psycopg
import pytest

from cadence.model import Request
from cadence.store.shared.plans import NotAllowed, open_shared_plan
from cli import shared_io
from cli.main import main

NEW_REQUEST = (
    "INSERT INTO request (plan_key, position, request_id, title, product, stage, "
    "requested_by, requested_on, needed_by, production_days, status, note) VALUES "
    "('northwind', 9, %s, 'Battle card', 'analytics', 'negotiate', %s, '2027-03-01', "
    "'2027-03-20', 2, 'requested', '')"
)


@pytest.fixture
def pg_db(pg_demo_db):
    """This module's database: ``db init`` done, the demo plan shared as "northwind"
    (a copy of a database the session set up so once: tests/pg_fixtures.py)."""
    return pg_demo_db


@pytest.fixture
def shared(pg_db, capsys):
    """The demo plan on the server, a sales login of team 'ae' and a viewer login."""
    sales = pg_db.login("sales", "sales-pw")
    viewer = pg_db.login("viewer", "viewer-pw")
    planner = pg_db.login("planner", "planner-pw")
    assert (
        main(["db", "grant", pg_db.url(plan=None), sales, "--role", "sales", "--team", "ae"]) == 0
    )
    assert main(["db", "grant", pg_db.url(plan=None), viewer, "--role", "viewer"]) == 0
    assert main(["db", "grant", pg_db.url(plan=None), planner, "--role", "planner"]) == 0
    out = capsys.readouterr().out
    assert f"{sales}: role sales (team ae) on " in out
    yield {"sales": sales, "viewer": viewer, "planner": planner}
    shared_io.close_all()


def _requests_by_team(pg_db) -> list[tuple[str, str]]:
    with pg_db.admin() as conn:
        return conn.execute(
            "SELECT request_id, requested_by FROM request ORDER BY position"
        ).fetchall()


def test_demo_requests_belong_to_two_teams(pg_db, shared) -> None:
    assert _requests_by_team(pg_db) == [
        ("acme-case-study", "ae"),
        ("roi-sheet-globex", "ae"),
        ("fleet-one-pager", "sdr"),
    ]


def test_sales_login_cannot_change_a_stage(pg_db, shared) -> None:
    with pg_db.connect(shared["sales"]) as conn:
        assert conn.execute("SELECT count(*) FROM stage").fetchone() == (15,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            conn.execute("UPDATE stage SET days = 99 WHERE stage_id = 'aware'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM touch")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM request")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE member SET team = 'mkt'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # not even its own team's
            conn.execute(
                "UPDATE request SET plan_key = 'other' WHERE request_id = 'acme-case-study'"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE request SET changed_by = 'maria' WHERE requested_by = 'ae'")


def test_sales_login_cannot_change_another_teams_request(pg_db, shared) -> None:
    with pg_db.connect(shared["sales"]) as conn:
        cur = conn.execute(
            "UPDATE request SET note = 'mine now' WHERE request_id = 'fleet-one-pager'"
        )
        assert cur.rowcount == 0  # row-level security hides it from UPDATE
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "UPDATE request SET requested_by = 'mkt' WHERE request_id = 'acme-case-study'"
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(NEW_REQUEST, ("sdr-card", "sdr"))
    with pg_db.admin() as conn:
        assert conn.execute(
            "SELECT note FROM request WHERE request_id = 'fleet-one-pager'"
        ).fetchone() == ("",)


def test_sales_login_inserts_and_edits_its_own_teams_requests(pg_db, shared) -> None:
    with pg_db.connect(shared["sales"]) as conn:
        conn.execute(NEW_REQUEST, ("ae-card", "ae"))
        cur = conn.execute(
            "UPDATE request SET note = 'urgent' WHERE request_id IN ('ae-card', 'roi-sheet-globex')"
        )
        assert cur.rowcount == 2
    with pg_db.admin() as conn:
        rows = conn.execute(
            "SELECT request_id, note, revision, changed_by FROM request "
            "WHERE request_id IN ('ae-card', 'roi-sheet-globex') ORDER BY request_id"
        ).fetchall()
    assert rows == [
        ("ae-card", "urgent", 2, shared["sales"]),
        ("roi-sheet-globex", "urgent", 2, shared["sales"]),
    ]


def test_viewer_login_reads_only(pg_db, shared) -> None:
    with pg_db.connect(shared["viewer"]) as conn:
        assert conn.execute("SELECT count(*) FROM touch").fetchone() == (26,)
        assert conn.execute("SELECT count(*) FROM request").fetchone() == (3,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(NEW_REQUEST, ("v-card", "ae"))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE team SET name = 'x'")


def test_planner_login_changes_anything(pg_db, shared) -> None:
    with pg_db.connect(shared["planner"]) as conn:
        assert conn.execute("UPDATE stage SET days = 20 WHERE stage_id = 'aware'").rowcount == 3
        assert conn.execute("UPDATE request SET note = 'ok'").rowcount == 3


def test_sales_saves_a_request_through_the_store(pg_db, shared) -> None:
    url = pg_db.url(user=shared["sales"])
    with open_shared_plan(url) as plan_on_server:
        plan = plan_on_server.load()
        mine = Request(
            "ae-sheet",
            "ROI sheet",
            "analytics",
            "negotiate",
            "ae",
            date(2027, 3, 1),
            date(2027, 3, 19),
        )
        plan_on_server.save(replace(plan, requests=(*plan.requests, mine)))
        theirs = replace(mine, id="sdr-sheet", requested_by="sdr")
        with pytest.raises(NotAllowed, match="not allowed by your role"):
            plan_on_server.save(replace(plan, requests=(*plan.requests, mine, theirs)))
        stage = plan.products[0].stages[0]
        product = replace(
            plan.products[0], stages=(replace(stage, days=30),) + plan.products[0].stages[1:]
        )
        with pytest.raises(NotAllowed):
            plan_on_server.save(replace(plan, products=(product,) + plan.products[1:]))
    assert [r for r, _ in _requests_by_team(pg_db)][-1] == "ae-sheet"


def test_sales_request_save_command_on_the_server(pg_db, shared, capsys) -> None:
    url = pg_db.url(user=shared["sales"])
    argv = ["request", url, "--product", "analytics", "--stage", "negotiate", "--title", "T"]
    argv += ["--needed-by", "2027-05-28", "--days", "1", "--on", "2027-05-03", "--save"]
    assert main([*argv, "--requested-by", "ae"]) == 0
    capsys.readouterr()
    assert main([*argv, "--requested-by", "sdr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{url}: not allowed by your role (")
    assert "row-level security" in err
    assert [team for _, team in _requests_by_team(pg_db)] == ["ae", "ae", "sdr", "ae"]


def test_granting_another_role_replaces_the_first(pg_db, shared, capsys) -> None:
    login = shared["planner"]
    assert main(["db", "grant", pg_db.url(plan=None), login, "--role", "viewer"]) == 0
    with pg_db.admin() as conn:
        roles = conn.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s ORDER BY 1",
            (login,),
        ).fetchall()
        member = conn.execute("SELECT role, team FROM member WHERE login = %s", (login,)).fetchone()
    assert roles == [("cadence_viewer",)]
    assert member == ("viewer", None)
    with pg_db.connect(login) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE stage SET days = 20 WHERE stage_id = 'aware'")


def test_grant_input_errors_are_named(pg_db, shared, capsys) -> None:
    url = pg_db.url(plan=None)
    assert main(["db", "grant", url, "tom", "--role", "sales"]) == 2
    assert capsys.readouterr().err == (
        "--team: a sales login needs the team whose requests it edits\n"
    )
    assert main(["db", "grant", url, "tom; drop table plan", "--role", "viewer"]) == 2
    assert capsys.readouterr().err == "login: 'tom; drop table plan' is not a valid login name\n"


def test_grant_creates_a_missing_login_without_password(pg_db, shared, capsys) -> None:
    login = f"newbie_{pg_db.name}"
    assert main(["db", "grant", pg_db.url(plan=None), login, "--role", "viewer"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{login} was created without a password: set one with psql's \\password {login}"
    )
    with pg_db.admin() as conn:
        assert conn.execute(
            "SELECT rolcanlogin, rolpassword IS NULL FROM pg_authid WHERE rolname = %s", (login,)
        ).fetchone() == (True, True)
