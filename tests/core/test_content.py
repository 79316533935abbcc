"""The content library: the plan format, the content and coverage gaps (the literal
examples of docs/scheduling.md), run-out, the edit operations, and the `content` command."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cadence import engine, gaps, ops
from cadence.content import (
    asset_from_request,
    assets_running_out,
    library_for,
    reusable_assets,
    stage_coverage,
)
from cadence.demo import demo_plan
from cadence.formats.plan_io import read_plan_file, write_plan_file
from cadence.formats.plan_json import dumps_plan, load_plan_json, loads_plan, plan_to_dict
from cadence.model import Asset, Gap, Plan, Request
from cadence.planner import Planner
from cadence.requests import propose
from cadence.validate import PlanInvalid, build_plan
from cli.main import main

PLAN_FILE = Path(__file__).parent / "plans" / "content_library.json"


def library() -> Plan:
    return load_plan_json(PLAN_FILE)


def rows(found: list[Gap], kind: str) -> list[tuple]:
    return [
        (g.product, g.cohort.isoformat() if g.cohort else None, g.stage, g.team,
         g.start.isoformat(), g.end.isoformat(), g.message)
        for g in found
        if g.kind == kind
    ]  # fmt: skip


def check(plan: Plan) -> list[Gap]:
    found = list(gaps.check(plan, engine.schedule(plan)))
    assert list(Planner().update(plan).gaps) == found
    return found


# --- the plan format ----------------------------------------------------------------------


def test_assets_are_read_with_their_defaults():
    plan = library()
    assert plan.asset("old-deck") == Asset(
        "old-deck", "Intro deck 2026", "deck", "mkt", date(2026, 12, 1), ("aware",), None,
        None, date(2027, 1, 31), None,
    )  # fmt: skip
    assert plan.asset("case-study").url == "https://example.com/initech"
    assert [t.asset for t in plan.products[0].touches] == ["old-deck", "nothing", "case-study"]


def test_json_and_cadence_round_trip_the_library(tmp_path):
    plan = library()
    assert loads_plan(dumps_plan(plan)) == plan
    write_plan_file(plan, tmp_path / "lib.cadence")
    back = read_plan_file(tmp_path / "lib.cadence")
    assert back == plan
    write_plan_file(back, tmp_path / "lib.json")
    assert (tmp_path / "lib.json").read_text() == dumps_plan(plan)


def test_a_plan_without_a_library_writes_no_content_field():
    plan = replace(library(), content=())
    assert "content" not in plan_to_dict(plan)
    assert plan_to_dict(library())["content"][0] == {
        "id": "old-deck",
        "title": "Intro deck 2026",
        "kind": "deck",
        "stages": ["aware"],
        "owner": "mkt",
        "ready_on": "2026-12-01",
        "review_by": "2027-01-31",
    }


def test_bad_assets_are_reported_with_path_and_value():
    raw = plan_to_dict(library())
    raw["content"] = [
        {"id": "a", "title": "A", "kind": "poster", "owner": "ops", "ready_on": "2027-02-01",
         "review_by": "2027-01-01", "url": "ftp://x"},
        {"id": "b", "title": "B", "kind": "deck", "products": ["solo"], "stages": ["consider"],
         "owner": "mkt", "ready_on": "2027-02-30"},
        {"id": "b", "title": "C", "kind": "deck", "products": [], "owner": "mkt",
         "ready_on": "2027-01-01"},
    ]  # fmt: skip
    raw["products"][0]["touches"][0]["asset"] = "Not An Id"
    with pytest.raises(PlanInvalid) as info:
        build_plan(raw)
    assert [str(e) for e in info.value.errors] == [
        "products[0].touches[0].asset: must be an id of lower-case letters, digits, '-' and '_' "
        'starting with a letter or digit, got "Not An Id"',
        'content[0].kind: unknown kind "poster" (one of: case_study, roi_sheet, webinar, email, '
        "whitepaper, datasheet, video, guide, deck, blog_post, other)",
        'content[0].owner: unknown team "ops" (teams: mkt, sdr)',
        "content[0].review_by: must not be before ready_on (2027-02-01), got 2027-01-01",
        'content[0].url: must be an http:// or https:// address, got "ftp://x"',
        'content[1].stages[0]: unknown stage "consider" (stages: intro)',
        'content[1].ready_on: not a real date "2027-02-30" (day is out of range for month)',
        "content[2].products: must list at least one product (leave it out to mean every product)",
        'content[2].id: duplicate asset id "b"',
    ]


def test_an_old_plan_without_content_still_loads():
    raw = plan_to_dict(library())
    del raw["content"]
    for t in raw["products"][0]["touches"]:
        del t["asset"]
    plan = build_plan(raw)
    assert plan.content == ()
    assert {g.kind for g in check(plan)} == set()


# --- the gap rules (docs/scheduling.md) --------------------------------------------------------


def test_content_gaps_missing_not_ready_past_review():
    assert rows(check(library()), "content") == [
        ("suite", "2027-01-04", "aware", "mkt", "2027-01-05", "2027-01-05",
         '"Ghost mail" (2027-01-05) sends asset "nothing", which is not in the content library'),
        ("suite", "2027-01-04", "consider", "sdr", "2027-01-13", "2027-01-13",
         '"Case study mail" (2027-01-13) sends "Case study: Initech", not ready until 2027-02-01'),
        ("suite", "2027-02-01", "aware", "mkt", "2027-02-01", "2027-02-01",
         '"Intro deck" (2027-02-01) sends "Intro deck 2026", past its review date 2027-01-31'),
        ("suite", "2027-02-01", "aware", "mkt", "2027-02-02", "2027-02-02",
         '"Ghost mail" (2027-02-02) sends asset "nothing", which is not in the content library'),
    ]  # fmt: skip


def test_content_gap_boundaries_ready_on_and_review_by_days_are_fine():
    plan = library()
    # Ready exactly on the send day (2027-01-13), review exactly on it (2027-02-01).
    edited = replace(
        plan,
        content=(
            replace(plan.content[0], review_by=date(2027, 2, 1)),
            replace(plan.content[1], ready_on=date(2027, 1, 13)),
            plan.content[2],
        ),
    )
    assert [g.start.isoformat() for g in check(edited) if g.kind == "content"] == [
        "2027-01-05",
        "2027-02-02",
    ]


def test_coverage_gaps_per_persona_and_without_personas():
    assert rows(check(library()), "coverage") == [
        ("solo", None, "intro", "mkt", "2027-01-04", "2027-03-31", 'no asset for "Intro" of Solo'),
        ("suite", None, "consider", "sdr", "2027-01-04", "2027-03-31",
         'no asset for "Consideration" of Suite for persona "CFO"'),
    ]  # fmt: skip


def test_no_library_means_no_coverage_gaps():
    plan = replace(library(), content=())
    assert rows(check(plan), "coverage") == []
    assert len(rows(check(plan), "content")) == 6  # every touch names an asset now missing


def test_stage_coverage_matrix():
    plan = library()
    assert [(r.stage, r.assets, r.lacks) for r in stage_coverage(plan, plan.products[0])] == [
        ("aware", ("old-deck", "cfo-brief"), ()),
        ("consider", ("case-study",), ("CFO",)),
    ]
    assert [(r.stage, r.assets, r.lacks) for r in stage_coverage(plan, plan.products[1])] == [
        ("intro", (), ("",)),
    ]


def test_gap_counts_in_the_planner():
    assert Planner().update(library()).kind_counts == {"content": 4, "coverage": 2}


def test_demo_plan_has_content_and_coverage_gaps():
    counts = Planner().update(demo_plan()).kind_counts
    assert (counts["content"], counts["coverage"]) == (7, 4)


# --- run-out, reuse, requests ----------------------------------------------------------------


def test_assets_running_out_in_a_period():
    plan = library()
    found = assets_running_out(plan, date(2027, 1, 15), date(2027, 3, 15))
    assert [(r.asset.id, r.review_by.isoformat(), r.touches) for r in found] == [
        ("old-deck", "2027-01-31", (("suite", "deck"),)),
        ("cfo-brief", "2027-03-15", ()),
    ]
    assert assets_running_out(plan, date(2027, 2, 1), date(2027, 3, 14)) == []


def test_a_late_request_offers_an_asset_of_its_stage():
    plan = demo_plan()
    draft = Request("", "ROI sheet for Initech", "billing", "close", "ae",
                    date(2027, 3, 2), date(2027, 3, 9), 3)  # fmt: skip
    proposal = propose(plan, draft)
    assert not proposal.fits
    assert [a.id for a in proposal.reuse] == ["roi-calculator"]
    # Past its review date on the day needed: not offered.
    later = replace(draft, needed_by=date(2027, 10, 4), requested_on=date(2027, 10, 1))
    assert reusable_assets(plan, later) == []


def test_a_delivered_request_becomes_an_asset():
    plan = demo_plan()
    asset = asset_from_request(plan, plan.request("acme-case-study"), "case_study")
    assert asset == Asset(
        "acme-case-study", "Case study: Acme Logistics rollout", "case_study", "mkt",
        date(2027, 2, 5), ("negotiate",), ("analytics",),
    )  # fmt: skip


# --- edit operations ------------------------------------------------------------------------


def test_add_set_delete_asset():
    plan = library()
    new = Asset("old-deck", "Deck 2027", "deck", "mkt", date(2027, 1, 4))
    op = ops.add_asset(plan, new)
    assert op.created == "old-deck-2"
    assert op.changes == ops.Changes(content=True)
    assert op.plan.content[-1].id == "old-deck-2"
    renamed = ops.set_asset(op.plan, "old-deck", replace(plan.content[0], id="deck-2026"))
    assert renamed.changes == ops.Changes(products=frozenset({"suite"}), content=True)
    assert renamed.plan.products[0].touches[0].asset == "deck-2026"
    gone = ops.delete_asset(renamed.plan, "deck-2026")
    assert [a.id for a in gone.plan.content] == ["case-study", "cfo-brief", "old-deck-2"]
    assert gone.plan.products[0].touches[0].asset == "deck-2026"  # now a "content" gap
    build_plan(plan_to_dict(gone.plan))


def test_deleting_a_product_or_stage_prunes_the_library():
    plan = demo_plan()
    op = ops.delete_product(plan, "billing")
    assert op.changes.content
    assert [(a.id, a.products, a.stages) for a in op.plan.content][3:] == [
        ("roi-calculator", ("analytics",), ("qualify",)),
        ("fleet-tco", ("mobile",), ("demo", "close")),
    ]
    build_plan(plan_to_dict(op.plan))
    op = ops.delete_stage(plan, "mobile", "demo")
    assert op.plan.asset("fleet-tco").stages == ("close",)
    assert library_for(plan.content, plan.products) == plan.content


def test_diff_plans_names_the_library():
    plan = library()
    changes = ops.diff_plans(plan, replace(plan, content=plan.content[:1]))
    assert changes == ops.Changes(content=True)
    assert changes.replan_all


# --- the command ------------------------------------------------------------------------------


def test_content_command_readable(capsys):
    assert main(["content", str(PLAN_FILE), "--today", "2027-01-20", "--within", "20"]) == 0
    assert capsys.readouterr().out == (
        "Content library of A content library and the touches that send it: 3 assets\n"
        "\n"
        "Suite (suite): 1 of 2 stages covered\n"
        "  Awareness (aware): old-deck, cfo-brief\n"
        '  Consideration (consider): case-study  ← lacks persona "CFO"\n'
        "\n"
        "Solo (solo): 0 of 1 stages covered\n"
        "  Intro (intro): —  ← lacks an asset\n"
        "\n"
        "Running out (review by 2027-01-20 … 2027-02-09):\n"
        '  2027-01-31  "Intro deck 2026" (old-deck, Deck), owner Marketing; sent by suite/deck\n'
    )


def test_content_command_json(capsys):
    args = ["content", str(PLAN_FILE), "--product", "solo", "--today", "2027-03-01", "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == {
        "coverage": [
            {
                "product": "solo",
                "stages": [
                    {"stage": "intro", "name": "Intro", "assets": [], "lacks": [], "covered": False}
                ],
            }
        ],
        "running_out": {
            "from": "2027-03-01",
            "to": "2027-03-31",
            "assets": [
                {
                    "id": "cfo-brief",
                    "title": "CFO brief",
                    "kind": "whitepaper",
                    "owner": "mkt",
                    "review_by": "2027-03-15",
                    "touches": [],
                }
            ],
        },
    }


def test_content_command_errors(capsys):
    assert main(["content", str(PLAN_FILE), "--product", "nope"]) == 2
    assert capsys.readouterr().err == 'unknown product "nope" (products: suite, solo)\n'
    with pytest.raises(SystemExit):
        main(["content", str(PLAN_FILE), "--within", "-3"])
    assert "must be a whole number of days ≥ 0, got '-3'" in capsys.readouterr().err


def test_gaps_json_counts_content_and_coverage(capsys):
    assert main(["gaps", str(PLAN_FILE), "--json"]) == 0
    kinds = [g["kind"] for g in json.loads(capsys.readouterr().out)["gaps"]]
    assert (kinds.count("content"), kinds.count("coverage")) == (4, 2)


def test_editing_a_product_through_set_product_prunes_the_library():
    plan = demo_plan()
    billing = plan.product("billing")
    op = ops.set_product(plan, ops.product_delete_stage(billing, "trial"))
    assert op.changes == ops.Changes(products=frozenset({"billing"}), content=True)
    assert op.plan.asset("trial-webinar") is None  # it served no other stage
    assert len(op.plan.content) == 6
    build_plan(plan_to_dict(op.plan))


def test_reassigning_a_team_hands_over_its_assets():
    from cadence.request_ops import reassign_team

    plan = reassign_team(demo_plan(), "ae", "sdr")
    assert [a.id for a in plan.content if a.owner == "sdr"] == ["trial-webinar", "fleet-tco"]
