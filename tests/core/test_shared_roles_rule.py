"""The app's rule for sales logins (the database enforces the same) and the URL it remembers."""

from dataclasses import replace

from cadence.demo import demo_plan
from cadence.model import Request
from cadence.store.shared.document import Membership, sales_refusal
from cadence.store.shared.url import parse_shared_url


def test_sales_may_add_and_change_their_own_teams_requests() -> None:
    plan = demo_plan()
    mine = [replace(r, note="call") if r.requested_by == "ae" else r for r in plan.requests]
    assert sales_refusal(plan, replace(plan, requests=tuple(mine)), "ae") is None
    new = Request(
        id="press-kit",
        title="Press kit",
        product="billing",
        stage="close",
        requested_by="ae",
        requested_on=plan.start,
        needed_by=plan.end,
        production_days=1,
    )
    assert sales_refusal(plan, replace(plan, requests=(*plan.requests, new)), "ae") is None


def test_sales_may_not_change_the_plan_or_other_teams_requests() -> None:
    plan = demo_plan()
    assert sales_refusal(plan, replace(plan, name="Mine"), "ae") == (
        "sales logins change requests only (team ae); this edit changes the plan"
    )
    assert sales_refusal(plan, replace(plan, requests=plan.requests[1:]), "ae") == (
        "sales logins cannot remove requests"
    )
    moved = [
        replace(r, requested_by="sdr") if r.id == "acme-case-study" else r for r in plan.requests
    ]
    assert sales_refusal(plan, replace(plan, requests=tuple(moved)), "ae") == (
        "request 'acme-case-study': sales logins change the requests of their own team (ae) only"
    )


def test_membership_reasons() -> None:
    assert Membership("tom", "sales", "ae").reason == (
        "tom is a sales login (team ae): it can submit and edit the requests of team ae only."
    )
    assert Membership("board", "viewer").reason == (
        "board is a viewer of this shared plan: it can read and export it."
    )
    assert Membership("maria", "planner").reason == ""


def test_the_remembered_address_never_holds_the_password() -> None:
    location = parse_shared_url("postgresql://tom:s3cret@db.example.com:5432/cadence?plan=nw")
    assert location.address == "postgresql://tom@db.example.com:5432/cadence?plan=nw"
    assert location.with_password("typed").address == location.address
    assert location.with_password("typed").database.password == "typed"
