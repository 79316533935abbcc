"""What-if: the differences between two plans, in the core and through the `diff` command."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cadence import actuals, plan_diff
from cadence.formats.plan_json import dumps_plan, load_plan_json
from cadence.model import Plan, Touch
from cli.main import main

HERE = Path(__file__).parent
PLAN = HERE / "plans" / "actuals_funnel.json"
CRM = (HERE / "fixtures" / "crm_funnel.csv").read_text(encoding="utf-8")


def funnel() -> Plan:
    return load_plan_json(PLAN)


def adopted() -> Plan:
    plan = funnel()
    new, _ = actuals.adopt(plan, actuals.actuals_report(plan, actuals.read_crm(CRM, plan)))
    return new


def entries(d: plan_diff.PlanDiff) -> list[tuple]:
    return [
        (e.change, e.team, e.week, e.uid, e.old and e.old.isoformat(), e.new and e.new.isoformat())
        for e in d.entries
    ]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- the core ---------------------------------------------------------------------------


def test_equal_plans_have_no_differences():
    assert plan_diff.diff_plans(funnel(), funnel()).empty


def test_adopting_the_crm_moves_entries_closes_capacity_gaps_and_changes_leads():
    d = plan_diff.diff_plans(funnel(), adopted())
    # Awareness 10 → 13 days: everything after it moves 3 days later, same UIDs.
    assert entries(d)[:2] == [
        (
            "moved",
            "sdr",
            "2027-W11",
            "funnel.app.call.20270301.0@cadence",
            "2027-03-13",
            "2027-03-16",
        ),
        (
            "moved",
            "sdr",
            "2027-W12",
            "funnel.app.call.20270308.0@cadence",
            "2027-03-20",
            "2027-03-23",
        ),
    ]
    assert (d.count("moved"), d.count("added"), d.count("removed")) == (6, 0, 0)
    assert d.gaps_opened == ()
    assert [(g.kind, g.team, g.start.isoformat()) for g in d.gaps_closed] == [
        ("capacity", "ae", "2027-03-22"),
        ("capacity", "ae", "2027-03-29"),
        ("capacity", "ae", "2027-04-05"),
    ]
    assert [(c.team, c.week, c.before, c.after, c.capacity) for c in d.load] == [
        ("ae", "2027-W12", 24.0, 13.69, 20),
        ("ae", "2027-W13", 24.0, 13.69, 20),
        ("ae", "2027-W14", 24.0, 13.69, 20),
        ("sdr", "2027-W10", 40.0, 0.0, None),
        ("sdr", "2027-W11", 40.0, 41.5, None),
        ("sdr", "2027-W12", 40.0, 41.5, None),
        ("sdr", "2027-W13", 0.0, 41.5, None),
    ]
    # 3 cohorts × 50 × 0.8 = 120 → 3 × 50 × 0.83 = 124.5; Closing 72 → 41.085.
    assert [(c.stage, c.before, c.after) for c in d.leads] == [
        ("qualify", 120.0, 124.5),
        ("close", 72.0, 41.08),
    ]


def test_added_and_removed_entries_and_opened_gaps():
    plan = funnel()
    product = plan.products[0]
    nudge = Touch("nudge", "Nudge", "email", "mkt", "aware", offset_days=5)
    unowned = replace(product.stages[1], owner=None)
    what_if = replace(
        plan,
        products=(
            replace(
                product,
                stages=(product.stages[0], unowned, product.stages[2]),
                touches=(product.touches[0], nudge, product.touches[2]),
            ),
        ),
    )
    d = plan_diff.diff_plans(plan, what_if)
    # 2027-03-01 is a Monday: the Saturdays 03-06, 03-13… fall in W09, W10…
    assert entries(d) == [
        ("added", "mkt", "2027-W09", "funnel.app.nudge.20270301.0@cadence", None, "2027-03-06"),
        ("removed", "sdr", "2027-W10", "funnel.app.call.20270301.0@cadence", "2027-03-13", None),
        ("added", "mkt", "2027-W10", "funnel.app.nudge.20270308.0@cadence", None, "2027-03-13"),
        ("removed", "sdr", "2027-W11", "funnel.app.call.20270308.0@cadence", "2027-03-20", None),
        ("added", "mkt", "2027-W11", "funnel.app.nudge.20270315.0@cadence", None, "2027-03-20"),
        ("removed", "sdr", "2027-W12", "funnel.app.call.20270315.0@cadence", "2027-03-27", None),
    ]
    assert [(g.kind, g.cohort, g.stage) for g in d.gaps_opened] == [
        ("unowned", date(2027, 3, 1), "qualify"),
        ("unowned", date(2027, 3, 8), "qualify"),
        ("unowned", date(2027, 3, 15), "qualify"),
    ]
    assert d.leads == ()


def test_only_one_team():
    d = plan_diff.diff_plans(funnel(), adopted(), team="ae")
    assert {e.team for e in d.entries} == {"ae"} and len(d.entries) == 3
    assert [c.team for c in d.load] == ["ae", "ae", "ae"]
    assert [c.stage for c in d.leads] == ["close"]  # the stage the AEs own


def test_a_what_if_saved_under_another_id_matches_by_uid_without_the_plan_id():
    copy = replace(funnel(), id="funnel-what-if")
    assert plan_diff.diff_plans(funnel(), copy).empty


def test_gap_identity_ignores_the_message_and_the_end():
    d = plan_diff.diff_plans(funnel(), adopted())
    g = d.gaps_closed[0]
    same = replace(g, message="other words", end=g.end.replace(day=30), load=99.0)
    assert plan_diff.gap_changes([g], [same]) == ([], [])


# --- the command ------------------------------------------------------------------------


def test_equal_plans_print_no_changes_and_exit_0(capsys):
    assert run(capsys, "diff", str(PLAN), str(PLAN)) == (0, "no changes\n", "")
    assert run(capsys, "diff", str(PLAN), str(PLAN), "--exit-code") == (0, "no changes\n", "")


def test_diff_text_per_team_and_week_and_exit_code(capsys, tmp_path):
    b = tmp_path / "b.json"
    b.write_text(dumps_plan(adopted()), encoding="utf-8")
    code, out, err = run(capsys, "diff", str(PLAN), str(b), "--team", "ae", "--exit-code")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "0 added, 0 removed, 3 moved; 0 gaps opened, 3 closed; load changes in 3 team weeks;"
        " expected leads change in 1 stage",
        "",
        "Calendar entries (by team and ISO week):",
        "  Account executives (ae)",
        "    2027-W12  moved    2027-03-22 → 2027-03-25  Demo (app, cohort 2027-03-01)"
        "  funnel.app.demo.20270301.0@cadence",
        "    2027-W13  moved    2027-03-29 → 2027-04-01  Demo (app, cohort 2027-03-08)"
        "  funnel.app.demo.20270308.0@cadence",
        "    2027-W14  moved    2027-04-05 → 2027-04-08  Demo (app, cohort 2027-03-15)"
        "  funnel.app.demo.20270315.0@cadence",
        "",
        "Gaps:",
        "  closed capacity (3)",
        "    2027-03-22 to 2027-03-28: Account executives: 24 leads in week 2027-W12, capacity 20",
        "    2027-03-29 to 2027-04-04: Account executives: 24 leads in week 2027-W13, capacity 20",
        "    2027-04-05 to 2027-04-11: Account executives: 24 leads in week 2027-W14, capacity 20",
        "",
        "Load (expected leads of manual touches, per team and ISO week):",
        "  ae 2027-W12: 24 → 13.69 (capacity 20)",
        "  ae 2027-W13: 24 → 13.69 (capacity 20)",
        "  ae 2027-W14: 24 → 13.69 (capacity 20)",
        "",
        "Expected leads entering each stage (all cohorts):",
        "  app/close: 72 → 41.08",
    ]
    code, _, _ = run(capsys, "diff", str(PLAN), str(b))
    assert code == 0  # without --exit-code a difference is not a failure


def test_diff_json(capsys, tmp_path):
    b = tmp_path / "b.json"
    b.write_text(dumps_plan(adopted()), encoding="utf-8")
    code, out, _ = run(capsys, "diff", str(PLAN), str(b), "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["equal", "touches", "gaps", "capacity", "leads"]
    assert data["equal"] is False
    assert data["touches"][0] == {
        "change": "moved",
        "uid": "funnel.app.call.20270301.0@cadence",
        "team": "sdr",
        "week": "2027-W11",
        "name": "Qualification call",
        "product": "app",
        "cohort": "2027-03-01",
        "old": "2027-03-13",
        "new": "2027-03-16",
        "old_time": None,
        "new_time": None,
    }
    assert data["gaps"]["opened"] == []
    assert data["gaps"]["closed"][0]["kind"] == "capacity"
    assert data["capacity"][0] == {
        "team": "ae",
        "week": "2027-W12",
        "week_start": "2027-03-22",
        "before": 24.0,
        "after": 13.69,
        "capacity": 20,
    }
    assert data["leads"] == [
        {"product": "app", "stage": "qualify", "before": 120.0, "after": 124.5},
        {"product": "app", "stage": "close", "before": 72.0, "after": 41.08},
    ]
    code, out, _ = run(capsys, "diff", str(PLAN), str(PLAN), "--json")
    assert json.loads(out) == {
        "equal": True,
        "touches": [],
        "gaps": {"opened": [], "closed": []},
        "capacity": [],
        "leads": [],
    }


def test_bad_arguments_exit_2_with_one_clear_line(capsys, tmp_path):
    assert run(capsys, "diff", str(PLAN), str(PLAN), "--team", "cs") == (
        2,
        "",
        'unknown team "cs" (teams: ae, mkt, sdr)\n',
    )
    missing = tmp_path / "none.json"
    assert run(capsys, "diff", str(PLAN), str(missing)) == (2, "", f"{missing}: no such file\n")


def test_a_cadence_document_against_its_json(capsys, tmp_path):
    doc = tmp_path / "plan.cadence"
    shutil.copy(PLAN, tmp_path / "plan.json")
    assert main(["convert", str(tmp_path / "plan.json"), str(doc)]) == 0
    capsys.readouterr()
    assert run(capsys, "diff", str(doc), str(PLAN), "--exit-code") == (0, "no changes\n", "")
