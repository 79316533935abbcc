"""Sales previews and signs off: sign-offs, "changed since sign-off" with its diff, --signed-off-only."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cadence.demo import demo_plan
from cadence.formats.plan_io import read_plan_file, write_plan_file
from cadence.model import Plan
from cadence.ops import set_touch, sign_off_product
from cadence.signoff import (
    SignoffError,
    changes_since_signoff,
    signed_off_products,
    signoff_status,
    touches_fingerprint,
)
from cli.main import main

AT = datetime(2027, 1, 2, 9, 30, tzinfo=UTC)


def _signed_both(plan: Plan, product: str | None = "billing") -> Plan:
    plan = sign_off_product(plan, "Maria Lopez", "marketing", AT, product).plan
    return sign_off_product(plan, "Sam Okafor", "sales", AT.replace(hour=11), product).plan


def test_both_roles_sign_off_a_product():
    plan = demo_plan()
    one = sign_off_product(plan, "Maria Lopez", "marketing", AT, "billing").plan
    billing = one.product("billing")
    assert billing is not None
    assert signoff_status(one, billing).label == (
        "awaiting sales (signed: Maria Lopez (marketing))"
    )
    both = _signed_both(plan)
    assert signoff_status(both, both.products[1]).label == (
        "signed off by Maria Lopez (marketing), Sam Okafor (sales)"
    )
    assert signed_off_products(both) == ("billing",)
    assert both.signoffs[0].fingerprint == touches_fingerprint(billing.touches)
    assert both.signoffs[0].touches == billing.touches


def test_a_change_after_sign_off_is_shown_as_a_diff():
    plan = _signed_both(demo_plan())
    plan = set_touch(plan, "billing", "trial-nudge", offset_days=1).plan
    plan = set_touch(plan, "billing", "welcome", name="Welcome!").plan
    billing = plan.product("billing")
    assert billing is not None
    assert signoff_status(plan, billing).state == "changed"
    assert [c.text for c in changes_since_signoff(plan, billing)] == [
        "welcome: name Welcome email → Welcome!",
        "trial-nudge: offset_days 0 → 1",
    ]
    assert signed_off_products(plan) == ()
    # Signing again (both roles) clears it.
    again = _signed_both(plan)
    assert signed_off_products(again) == ("billing",)


def test_whole_plan_sign_off_records_every_product():
    plan = _signed_both(demo_plan(), None)
    assert [(s.product, s.role) for s in plan.signoffs] == [
        ("analytics", "marketing"),
        ("billing", "marketing"),
        ("mobile", "marketing"),
        ("analytics", "sales"),
        ("billing", "sales"),
        ("mobile", "sales"),
    ]
    assert signed_off_products(plan) == ("analytics", "billing", "mobile")


@pytest.mark.parametrize(
    ("by", "role", "product", "message"),
    [
        ("Ann", "legal", None, "--role: must be one of marketing, sales, got 'legal'"),
        ("  ", "sales", None, "--by: the name of the person signing off must not be empty"),
        (
            "Ann",
            "sales",
            "crm",
            '--product: unknown product "crm" (products: analytics, billing, mobile)',
        ),
    ],
)
def test_bad_sign_off_is_refused(by, role, product, message):
    with pytest.raises(SignoffError) as info:
        sign_off_product(demo_plan(), by, role, AT, product)
    assert str(info.value) == message


def test_signoff_command_and_signed_off_only_export(tmp_path: Path, capsys):
    path = tmp_path / "demo.json"
    write_plan_file(demo_plan(), path)
    base = ["signoff", str(path), "--product", "billing", "--save"]
    assert main([*base, "--by", "Maria Lopez", "--role", "marketing"]) == 0
    assert main([*base, "--by", "Sam Okafor", "--role", "sales"]) == 0
    capsys.readouterr()
    assert main(["signoff", str(path), "--status"]) == 0
    assert capsys.readouterr().out == (
        "analytics: not signed off\n"
        "billing: signed off by Maria Lopez (marketing), Sam Okafor (sales)\n"
        "mobile: not signed off\n"
    )
    out = tmp_path / "signed.ics"
    assert main(["export", str(path), "--signed-off-only", "-o", str(out)]) == 0
    assert capsys.readouterr().out.startswith(
        f"Wrote {out}: 277 events (207 touches, 66 broadcasts, 4 request entries)"
    )
    text = out.read_text()
    assert ".billing." in text and ".analytics." not in text and ".mobile." not in text

    plan = read_plan_file(path)
    changed = set_touch(plan, "billing", "proposal", offset_days=2).plan
    write_plan_file(changed, path)
    assert main(["signoff", str(path), "--status", "--json"]) == 0
    billing = json.loads(capsys.readouterr().out)["products"][1]
    assert billing["state"] == "changed"
    assert billing["changes"] == ["proposal: offset_days 4 → 2"]
    assert main(["export", str(path), "--signed-off-only", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"Wrote {out}: 70 events (0 touches, 66 broadcasts")
    assert (
        captured.err
        == "--signed-off-only: no product is signed off; only broadcasts are exported\n"
    )


def test_signoff_command_needs_role_and_save(tmp_path: Path, capsys):
    path = tmp_path / "demo.json"
    write_plan_file(demo_plan(), path)
    assert main(["signoff", str(path), "--by", "Ann"]) == 2
    assert capsys.readouterr().err == "--role: required with --by (marketing or sales)\n"
    assert main(["signoff", str(path), "--by", "Ann", "--role", "sales"]) == 2
    assert capsys.readouterr().err == "signoff: add --save to record the sign-off in the plan\n"
    assert read_plan_file(path).signoffs == ()


def test_signed_touches_survive_a_product_losing_a_stage():
    plan = _signed_both(demo_plan())
    billing = plan.product("billing")
    assert billing is not None
    fewer = replace(billing, touches=billing.touches[:-1])
    edited = replace(plan, products=(plan.products[0], fewer, plan.products[2]))
    assert [c.text for c in changes_since_signoff(edited, fewer)] == ["proposal: removed"]


def test_submitted_for_review_until_both_roles_sign():
    from cadence.ops import submit_for_review

    plan = submit_for_review(demo_plan(), "Priya Shah", AT, "billing").plan
    billing = plan.product("billing")
    assert billing is not None
    assert signoff_status(plan, billing).label == (
        "in review (submitted by Priya Shah on 2027-01-02), awaiting marketing and sales"
    )
    later = AT.replace(hour=10)
    one = sign_off_product(plan, "Maria Lopez", "marketing", later, "billing").plan
    assert signoff_status(one, billing).label == (
        "in review (submitted by Priya Shah on 2027-01-02), awaiting sales "
        "(signed: Maria Lopez (marketing))"
    )
    both = sign_off_product(one, "Sam Okafor", "sales", later, "billing").plan
    status = signoff_status(both, billing)
    assert (status.state, status.review) == ("signed_off", None)
    assert [
        (q.product, q.by) for q in submit_for_review(demo_plan(), "Priya", AT).plan.reviews
    ] == [
        ("analytics", "Priya"),
        ("billing", "Priya"),
        ("mobile", "Priya"),
    ]


def test_submit_command_and_review_round_trip(tmp_path: Path, capsys):
    path = tmp_path / "demo.cadence"
    write_plan_file(demo_plan(), path)
    assert main(["signoff", str(path), "--submit", "--product", "mobile", "--by", "Priya"]) == 2
    assert capsys.readouterr().err == "--submit: give --by NAME and --save\n"
    args = ["signoff", str(path), "--submit", "--product", "mobile", "--by", "Priya", "--save"]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Submitted mobile for review by Priya in {path}"
    assert out[3].startswith("mobile: in review (submitted by Priya on ")
    assert out[3].endswith("), awaiting marketing and sales")
    plan = read_plan_file(path)
    assert [(q.product, q.by) for q in plan.reviews] == [("mobile", "Priya")]
    write_plan_file(plan, tmp_path / "back.json")
    assert read_plan_file(tmp_path / "back.json") == plan
