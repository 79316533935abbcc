"""The `schedule`, `gaps` and `bench` commands."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from cadence import bench
from cadence.formats.plan_json import dumps_plan, load_plan_json
from cli.main import main

PLANS = Path(__file__).parent / "plans"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def plan_file(name: str) -> str:
    return str(PLANS / f"{name}.json")


# --- schedule -------------------------------------------------------------------------


def test_schedule_prints_a_table(capsys):
    code, out, _ = run(capsys, "schedule", plan_file("engine_rolls"))
    assert code == 0
    assert out.splitlines() == [
        "Date        Time     Product  Cohort      Stage  Touch                  Channel  Owner  Leads  Note",
        "2027-03-05  all day  app      2027-03-01  first  Weekend, backward      email    mkt       10  rolled from 2027-03-06",
        "2027-03-09  all day  app      2027-03-01  first  Weekend, forward       email    mkt       10  rolled from 2027-03-06",
        "2027-03-25  all day  app      2027-03-01  rest   Good Friday, backward  email    mkt       10  rolled from 2027-03-26",
        "2027-03-30  all day  app      2027-03-01  rest   Good Friday, forward   email    mkt       10  rolled from 2027-03-26",
        "2027-04-09  all day  app      2027-03-01  rest   Freeze, backward       email    mkt       10  rolled from 2027-04-12",
        "2027-04-15  all day  app      2027-03-01  rest   Freeze, forward        email    mkt       10  rolled from 2027-04-12",
        "6 occurrences, 3 skipped",
        "",
        "Skipped (not sent: roll policy skip)",
        "Nominal     Product  Cohort      Stage  Touch              Owner  Reason",
        "2027-03-06  app      2027-03-01  first  Weekend, skip      mkt    weekend",
        "2027-03-26  app      2027-03-01  rest   Good Friday, skip  mkt    holiday: Good Friday",
        "2027-04-12  app      2027-03-01  rest   Freeze, skip       mkt    blackout: Spring freeze",
    ]


def test_schedule_json(capsys):
    code, out, _ = run(capsys, "schedule", plan_file("engine_rolls"), "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["touches", "skipped"]
    assert data["touches"][1] == {
        "uid": "rolls.app.weekend-f.20270301.0@cadence",
        "date": "2027-03-09",
        "time": None,
        "product": "app",
        "cohort": "2027-03-01",
        "stage": "first",
        "touch": "weekend-f",
        "name": "Weekend, forward",
        "channel": "email",
        "owner": "mkt",
        "automated": True,
        "leads": 10.0,
        "nominal": "2027-03-06",
    }
    assert data["skipped"][1] == {
        "uid": "rolls.app.holiday-s.20270301.0@cadence",
        "date": None,
        "time": None,
        "product": "app",
        "cohort": "2027-03-01",
        "stage": "rest",
        "touch": "holiday-s",
        "name": "Good Friday, skip",
        "channel": "email",
        "owner": "mkt",
        "automated": True,
        "leads": 10.0,
        "nominal": "2027-03-26",
        "reason": "holiday: Good Friday",
    }


def test_schedule_json_broadcasts_times_and_rounded_leads(capsys, tmp_path):
    p = load_plan_json(PLANS / "engine_broadcasts.json")
    app = p.products[0]
    third = replace(app, stages=(replace(app.stages[0], conversion=1 / 3),) + app.stages[1:])
    path = tmp_path / "thirds.json"
    path.write_text(dumps_plan(replace(p, products=(third, p.products[1]))), encoding="utf-8")
    data = json.loads(run(capsys, "schedule", str(path), "--json", "--to", "2027-03-08")[1])
    assert [(e["date"], e["time"], e["touch"], e["leads"]) for e in data["touches"]] == [
        ("2027-03-02", None, "tips", 40.0),
        ("2027-03-02", "09:00", "sync", 0.0),
        ("2027-03-02", "09:00", "brief", 40.0),
        ("2027-03-02", "10:00", "newsletter", 40.0),
        ("2027-03-08", None, "saturday", 58.33),  # 40/3 + 40 + 5
        ("2027-03-08", "09:30", "digest", 13.33),
    ]
    sync = data["touches"][1]
    assert (sync["product"], sync["cohort"], sync["stage"]) == (None, None, None)
    assert sync["uid"] == "mix.broadcast.sync.0@cadence"


def test_schedule_filters(capsys):
    path = plan_file("engine_broadcasts")
    data = json.loads(
        run(capsys, "schedule", path, "--json", "--from", "2027-03-09", "--to", "2027-03-15")[1]
    )
    assert [(e["date"], e["touch"]) for e in data["touches"]] == [
        ("2027-03-09", "tips"),
        ("2027-03-09", "brief"),
        ("2027-03-15", "saturday"),
        ("2027-03-15", "digest"),
        ("2027-03-15", "digest"),
    ]
    # A product keeps its touches and the broadcasts that reach its leads.
    web = json.loads(run(capsys, "schedule", path, "--json", "--product", "web")[1])
    assert [(e["date"], e["touch"]) for e in web["touches"]] == [
        ("2027-03-08", "saturday"),
        ("2027-03-15", "saturday"),
    ]
    team = json.loads(run(capsys, "schedule", path, "--json", "--team", "mkt")[1])
    assert len(team["touches"]) == 17


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--team", "sales"], 'unknown team "sales" (teams: mkt)'),
        (["--product", "apps"], 'unknown product "apps" (products: app, web)'),
        (
            ["--from", "2027-04-01", "--to", "2027-03-01"],
            "--from (2027-04-01) must not be after --to (2027-03-01)",
        ),
    ],
)
def test_schedule_rejects_unknown_filters(capsys, option, message):
    code, out, err = run(capsys, "schedule", plan_file("engine_broadcasts"), *option)
    assert (code, out, err) == (2, "", message + "\n")


def test_schedule_rejects_a_bad_date(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["schedule", plan_file("engine_broadcasts"), "--from", "March"])
    assert exit_.value.code == 2
    assert "not a date: 'March'" in capsys.readouterr().err


# --- gaps -----------------------------------------------------------------------------


def test_gaps_report_grouped_by_product_and_kind(capsys):
    code, out, _ = run(capsys, "gaps", plan_file("gaps_handoff"))
    assert code == 0
    assert out.splitlines() == [
        "App (app): 5 gaps",
        "  unowned (2)",
        '    cohort 2027-01-04: no team owns the lead in "Pass" for 3 days (2027-01-09 to 2027-01-11)',
        '    cohort 2027-02-20: no team owns the lead in "Pass" for 3 days (2027-02-25 to 2027-02-27)',
        "  handoff (3)",
        '    cohort 2026-12-20: hand-off to Customer success at "Onboarding": no contact by Customer success from 2027-01-07 to 2027-01-09 (within 2 days)',
        '    cohort 2027-01-04: hand-off to Customer success at "Onboarding": no contact by Customer success from 2027-01-22 to 2027-01-24 (within 2 days)',
        '    cohort 2027-02-20: hand-off to Sales development at "Qualify": no contact by Sales development from 2027-02-28 to 2027-02-28 (within 2 days)',
        "",
        "5 gaps: unowned 2, handoff 3",
    ]


def test_gaps_report_lists_capacity_under_the_teams(capsys):
    out = run(capsys, "gaps", plan_file("gaps_capacity"))[1]
    assert out.splitlines() == [
        "Teams (capacity): 2 gaps",
        "  capacity (2)",
        "    2027-01-04 to 2027-01-10: Sales development: 60 leads in week 2027-W01, capacity 40",
        "    2027-01-11 to 2027-01-17: Sales development: 50 leads in week 2027-W02, capacity 40",
        "",
        "2 gaps: capacity 2",
    ]


def test_gaps_json(capsys):
    data = json.loads(run(capsys, "gaps", plan_file("gaps_capacity"), "--json")[1])
    assert data == {
        "gaps": [
            {
                "kind": "capacity",
                "product": None,
                "cohort": None,
                "stage": None,
                "team": "sdr",
                "start": "2027-01-04",
                "end": "2027-01-10",
                "message": "Sales development: 60 leads in week 2027-W01, capacity 40",
                "load": 60.0,
                "capacity": 40,
            },
            {
                "kind": "capacity",
                "product": None,
                "cohort": None,
                "stage": None,
                "team": "sdr",
                "start": "2027-01-11",
                "end": "2027-01-17",
                "message": "Sales development: 50 leads in week 2027-W02, capacity 40",
                "load": 50.0,
                "capacity": 40,
            },
        ]
    }
    spacing = json.loads(run(capsys, "gaps", plan_file("gaps_spacing"), "--json")[1])["gaps"]
    assert spacing[0]["uids"] == [
        "space.app.a.20270104.0@cadence",
        "space.broadcast.news.0@cadence",
    ]
    assert (spacing[0]["cohort"], spacing[0]["stage"], spacing[0]["team"]) == (
        "2027-01-04",
        "x",
        None,
    )


def test_fail_on_gaps_exits_3_only_when_there_are_gaps(capsys):
    assert run(capsys, "gaps", plan_file("gaps_unowned"), "--fail-on-gaps")[0] == 3
    code, out, _ = run(capsys, "gaps", plan_file("engine_repeats"), "--fail-on-gaps")
    assert (code, out) == (0, "No gaps in Repeats stop at the stage end.\n")


def test_gaps_of_a_missing_file(capsys, tmp_path):
    code, out, err = run(capsys, "gaps", str(tmp_path / "nope.json"))
    assert code == 2 and out == "" and err


# --- bench ----------------------------------------------------------------------------


def test_bench_json_keys(capsys):
    code, out, _ = run(capsys, "bench", "--products", "1", "--runs", "1", "--json", "--no-export")
    assert code == 0
    figures = json.loads(out)
    for key in ("occurrences", "schedule_s", "gaps_s", "floor_s", "replan_ms", "peak_mb"):
        assert key in figures
    assert figures["occurrences"] > 2000


@pytest.mark.parametrize("option", ["--products", "--runs"])
def test_bench_refuses_a_count_below_one(capsys, option):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", option, "0"])
    assert exit_.value.code == 2
    assert f"argument {option}: must be a whole number ≥ 1, got '0'" in capsys.readouterr().err


def test_large_plan_shape():
    plan = bench.build_large_plan()
    assert len(plan.products) == 50
    assert {len(p.stages) for p in plan.products} == {8}
    assert {len(p.touches) for p in plan.products} == {25}
    assert {len(p.cohorts.intake_dates()) for p in plan.products} == {52}
    assert plan.calendar.holidays is not None and plan.calendar.holidays.country == "DE"
    assert bench.build_large_plan() == plan  # deterministic


def test_floor_emits_the_engine_touch_pairs():
    from cadence import engine

    plan = bench.build_large_plan(products=2)
    touches = [(o.date, o.uid) for o in engine.schedule(plan).touches if o.kind == "touch"]
    assert sorted(bench.floor_loop(plan)) == sorted(touches)


# --- the worked example of docs/scheduling.md -------------------------------------------

DOC = Path(__file__).parents[2] / "docs" / "scheduling.md"


def doc_output(command: str) -> list[str]:
    """The lines the doc shows under ``$ cadence <command> example.json``."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"$ cadence {command} example.json") + 1
    return lines[start : lines.index("```", start)]


@pytest.mark.parametrize("command", ["schedule", "gaps"])
def test_the_documented_example_is_what_the_commands_print(capsys, command):
    out = run(capsys, command, plan_file("engine_example"))[1]
    assert out.splitlines() == doc_output(command)
