"""The `actuals` command: the report, --json, --adopt, and clear errors for bad exports."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from cadence.formats.plan_json import load_plan_json
from cli.main import main

HERE = Path(__file__).parent
PLAN = str(HERE / "plans" / "actuals_funnel.json")
CRM = str(HERE / "fixtures" / "crm_funnel.csv")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_table_drift_and_leftovers(capsys):
    code, out, err = run(capsys, "actuals", PLAN, CRM)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Plan versus actual: Funnel for plan versus actual (62 CRM rows)",
        "",
        "Acme App (app)",
        "  Stage          Leads  Open  Conv  Plan    Dev  Median d  P80 d  Plan d  Dev d  Quality",
        "  Awareness         24     0  0.83  0.80   +4 %        13     14      10  +30 %     3.25",
        "  Qualification     32     2  0.33  0.60  -44 %         8      8      10  -20 %     2.67",
        "  Closing            6     3  1.00     —      —         9      9      10  -10 %        —",
        "",
        "Drift (2):",
        "  Acme App · Awareness: 13 days (median) in the CRM, planned 10 (+30 %, 20 leads)",
        "  Acme App · Qualification: conversion 0.33 in the CRM, planned 0.60 (-44 %, 30 leads)",
        "Not in the plan, not read: products Legacy Suite (1 row)",
        "Not in the plan, not read: stages app: Churned (1 row) (map them with --stage-map)",
    ]


def test_json(capsys):
    code, out, _ = run(capsys, "actuals", PLAN, CRM, "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["rows", "stages", "drift", "unknown_products", "unknown_stages"]
    assert data["stages"][1] == {
        "product": "app",
        "stage": "qualify",
        "name": "Qualification",
        "leads": 32,
        "entered": 30,
        "advanced": 10,
        "in_stage": 2,
        "conversion": 0.3333,
        "planned_conversion": 0.6,
        "conversion_deviation": -0.4444,
        "days_measured": 10,
        "median_days": 8.0,
        "p80_days": 8.0,
        "planned_days": 10,
        "days_deviation": -0.2,
        "quality": 2.67,
    }
    assert data["drift"][1] == {
        "kind": "drift",
        "product": "app",
        "cohort": None,
        "stage": "qualify",
        "team": "sdr",
        "start": "2027-03-01",
        "end": "2027-05-31",
        "message": "Qualification: conversion 0.33 in the CRM, planned 0.60 (-44 %, 30 leads)",
    }
    assert data["unknown_stages"] == [{"product": "app", "name": "Churned", "rows": 1}]


def test_adopt_writes_the_plan_once(capsys, tmp_path):
    plan = tmp_path / "plan.json"
    shutil.copy(PLAN, plan)
    code, out, _ = run(capsys, "actuals", str(plan), CRM, "--adopt")
    assert code == 0
    assert out.split("\n\n")[-1].splitlines() == [
        f"Adopted into {plan}:",
        "  Acme App · Awareness: conversion 0.8 → 0.83",
        "  Acme App · Awareness: days 10 → 13",
        "  Acme App · Qualification: conversion 0.6 → 0.33",
    ]
    stages = load_plan_json(plan).products[0].stages
    assert [(s.days, s.conversion) for s in stages] == [(13, 0.83), (10, 0.33), (10, 1.0)]
    before = plan.read_bytes()
    code, out, _ = run(capsys, "actuals", str(plan), CRM, "--adopt")
    assert code == 0
    assert out.splitlines()[-1] == (
        "Nothing to adopt: no stage measured on enough leads differs from the plan "
        f"({plan} unchanged)."
    )
    assert plan.read_bytes() == before


def test_malformed_rows_exit_2_with_line_numbers_and_nothing_written(capsys, tmp_path):
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "lead_id,product,stage,entered_on,left_on,outcome\n"
        "A1,app,aware,2027-01-04,2027-01-09,advanced\n"
        "A2,app,aware,04/01/2027,,\n"
        "A3,app,aware,2027-01-04,2027-01-09,promoted\n",
        encoding="utf-8",
    )
    plan = tmp_path / "plan.json"
    shutil.copy(PLAN, plan)
    before = plan.read_bytes()
    code, out, err = run(capsys, "actuals", str(plan), str(crm), "--adopt")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{crm}: 1 malformed row (nothing was read)",
        "  line 4: outcome 'promoted': expected one of advanced, lost, won or empty",
    ]
    assert plan.read_bytes() == before


def test_dayfirst_and_map_options(capsys, tmp_path):
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "Lead;Produkt;Phase;Start;Ende;Ergebnis\nA1;app;Quali;04.01.2027;13.01.2027;advanced\n",
        encoding="utf-8-sig",
    )
    code, out, err = run(
        capsys,
        "actuals",
        PLAN,
        str(crm),
        "--json",
        "--dayfirst",
        "--map",
        "lead=lead_id",
        "--map",
        "Produkt=product",
        "--map",
        "phase=stage",
        "--map",
        "start=entered_on",
        "--map",
        "ende=left_on",
        "--map",
        "ergebnis=outcome",
        "--stage-map",
        "Quali=qualify",
    )
    assert (code, err) == (0, "")
    qualify = json.loads(out)["stages"][1]
    assert (qualify["advanced"], qualify["median_days"]) == (1, 9.0)


def test_bad_inputs_are_one_clear_line(capsys, tmp_path):
    code, _, err = run(capsys, "actuals", PLAN, str(tmp_path / "none.csv"))
    assert (code, err) == (2, f"{tmp_path / 'none.csv'}: no such file\n")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        "lead_id,product,stage,entered_on\nA1,app,Qualifizierung \xe4,2027-01-04\n".encode(
            "latin-1"
        )
    )
    code, _, err = run(capsys, "actuals", PLAN, str(latin))
    assert (code, err) == (2, f"{latin}: not UTF-8 text (export or save it as UTF-8 CSV)\n")
    code, _, err = run(capsys, "actuals", PLAN, CRM, "--map", "x=nothing")
    assert code == 2
    assert err.startswith(f"{CRM}: --map 'x=nothing': unknown column 'nothing'")


def test_demo_plan_with_the_bundled_sample_export(capsys, tmp_path):
    sample = resources.files("resources").joinpath("sample_crm.csv")
    crm = tmp_path / "sample_crm.csv"
    crm.write_bytes(sample.read_bytes())
    demo = tmp_path / "demo.json"
    assert main(["demo", "-o", str(demo)]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "actuals", str(demo), str(crm))
    assert code == 0
    assert out.splitlines()[0] == "Plan versus actual: Northwind nurture plan 2027 (1027 CRM rows)"
    assert out.split("Drift (3):\n")[1].splitlines() == [
        "  Analytics Suite · Qualification: conversion 0.38 in the CRM, planned 0.60 (-38 %, 32 leads)",
        "  Billing Cloud · Trial: 27 days (median) in the CRM, planned 21 (+29 %, 25 leads)",
        "  Field Mobile · Nurture: conversion 0.56 in the CRM, planned 0.35 (+60 %, 75 leads)",
    ]
    code, out, _ = run(capsys, "actuals", str(demo), str(crm), "--adopt", "--json")
    assert code == 0
    adopted = json.loads(out)["adopted"]
    assert {(a["product"], a["stage"], a["measure"]) for a in adopted} >= {
        ("analytics", "qualify", "conversion"),
        ("billing", "trial", "days"),
        ("mobile", "nurture", "conversion"),
    }
    assert main(["validate", str(demo)]) == 0


def test_min_leads_lowers_the_evidence_drift_and_adopt_need(capsys, tmp_path):
    code, out, _ = run(capsys, "actuals", PLAN, CRM, "--min-leads", "10")
    assert code == 0
    assert out.split("\n\n")[-1].splitlines()[:4] == [
        "Drift (3):",
        "  Acme App · Awareness: 13 days (median) in the CRM, planned 10 (+30 %, 20 leads)",
        "  Acme App · Qualification: conversion 0.33 in the CRM, planned 0.60 (-44 %, 30 leads)",
        "  Acme App · Qualification: 8 days (median) in the CRM, planned 10 (-20 %, 10 leads)",
    ]
    with pytest.raises(SystemExit) as usage:
        main(["actuals", PLAN, CRM, "--min-leads", "0"])
    assert usage.value.code == 2
    assert "--min-leads: must be a whole number ≥ 1, got '0'" in capsys.readouterr().err


def test_gaps_with_actuals_lists_drift_as_gaps(capsys):
    code, out, err = run(capsys, "gaps", PLAN, "--actuals", CRM, "--json")
    assert (code, err) == (0, "")
    drift = [g for g in json.loads(out)["gaps"] if g["kind"] == "drift"]
    assert [(g["product"], g["stage"], g["team"], g["start"], g["message"]) for g in drift] == [
        (
            "app",
            "aware",
            "mkt",
            "2027-03-01",
            "Awareness: 13 days (median) in the CRM, planned 10 (+30 %, 20 leads)",
        ),
        (
            "app",
            "qualify",
            "sdr",
            "2027-03-01",
            "Qualification: conversion 0.33 in the CRM, planned 0.60 (-44 %, 30 leads)",
        ),
    ]
    code, out, err = run(capsys, "gaps", PLAN, "--actuals", "missing.csv")
    assert (code, out, err) == (2, "", "missing.csv: no such file\n")
