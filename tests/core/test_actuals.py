"""Plan versus actual: reading a CRM export, the report, drift and adopting the CRM's numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cadence import actuals, engine, gaps
from cadence.actuals import CrmFormatError, DriftRule, RowProblem
from cadence.formats.plan_json import load_plan_json
from cadence.funnel import cohort_stage_leads, expected_stage_leads
from cadence.model import Plan

HERE = Path(__file__).parent
CRM = (HERE / "fixtures" / "crm_funnel.csv").read_text(encoding="utf-8")


def funnel() -> Plan:
    return load_plan_json(HERE / "plans" / "actuals_funnel.json")


def report(plan: Plan | None = None, text: str = CRM) -> actuals.ActualsReport:
    plan = plan or funnel()
    return actuals.actuals_report(plan, actuals.read_crm(text, plan))


def figures(r: actuals.ActualsReport) -> list[tuple]:
    return [
        (
            s.stage,
            s.leads,
            s.entered,
            s.advanced,
            s.in_stage,
            None if s.conversion is None else round(s.conversion, 4),
            s.median_days,
            s.p80_days,
            None if s.quality is None else round(s.quality, 2),
            s.planned_conversion,
            s.planned_days,
        )
        for s in r.stages
    ]


# --- the report on the hand-made export ------------------------------------------------


def test_report_per_stage_beside_the_plan():
    # Awareness: 20 of 24 advanced, 10 in 12 days and 10 in 14 → median 13, p80 14.
    # Qualification: 10 advanced, 20 lost, 2 still in it (left out) → 10 / 30.
    # Closing: 3 won, 3 still in it; its conversion is not planned (last stage).
    assert figures(report()) == [
        ("aware", 24, 24, 20, 0, 0.8333, 13.0, 14.0, 3.25, 0.8, 10),
        ("qualify", 32, 30, 10, 2, 0.3333, 8.0, 8.0, 2.67, 0.6, 10),
        ("close", 6, 3, 3, 3, 1.0, 9.0, 9.0, None, None, 10),
    ]


def test_unknown_products_and_stages_are_listed_not_fatal():
    r = report()
    assert r.rows == 62
    assert r.unknown_products == (("Legacy Suite", 1),)
    assert r.unknown_stages == (("app", "Churned", 1),)


def test_qualification_converting_a_third_against_sixty_percent_is_drift():
    r = report()
    qualify = r.stage("app", "qualify")
    assert qualify is not None
    assert round(qualify.conversion_deviation or 0, 4) == -0.4444
    assert [(g.kind, g.stage, g.team, g.message) for g in actuals.drift_gaps(funnel(), r)] == [
        (
            "drift",
            "aware",
            "mkt",
            "Awareness: 13 days (median) in the CRM, planned 10 (+30 %, 20 leads)",
        ),
        (
            "drift",
            "qualify",
            "sdr",
            "Qualification: conversion 0.33 in the CRM, planned 0.60 (-44 %, 30 leads)",
        ),
    ]


def test_drift_needs_enough_leads_and_a_large_enough_deviation():
    r = report()
    # Awareness converts 0.83 against 0.8 (+4 %): no drift at any lead count.
    # Qualification's 8 days (-20 %) rest on 10 leads: no drift below 10 leads of evidence.
    found = actuals.find_drift(r, DriftRule(min_leads=10))
    assert [(d.stage, d.measure, d.planned, d.actual) for d in found] == [
        ("aware", "days", 10, 13.0),
        ("qualify", "conversion", 0.6, 10 / 30),
        ("qualify", "days", 10, 8.0),
    ]
    assert actuals.find_drift(r, DriftRule(min_leads=31)) == []
    strict = actuals.find_drift(r, DriftRule(conversion_off=0.45, days_off=0.31))
    assert strict == []


def test_drift_boundary_is_inclusive():
    s = report().stage("app", "aware")
    assert s is not None
    exactly = replace(s, planned_days=10, median_days=12.0)  # +20 %
    assert actuals.days_drift(exactly, DriftRule()) is not None
    assert actuals.days_drift(replace(exactly, median_days=11.9), DriftRule()) is None


# --- adopting --------------------------------------------------------------------------


def test_adopt_writes_conversions_and_rounded_days_with_enough_evidence():
    plan = funnel()
    adopted, changes = actuals.adopt(plan, report(plan))
    assert [(c.stage, c.measure, c.old, c.new) for c in changes] == [
        ("aware", "conversion", 0.8, 0.83),
        ("aware", "days", 10, 13),
        ("qualify", "conversion", 0.6, 0.33),
    ]
    stages = adopted.products[0].stages
    assert [(s.id, s.days, s.conversion) for s in stages] == [
        ("aware", 13, 0.83),
        ("qualify", 10, 0.33),
        ("close", 10, 1.0),
    ]


def test_after_adopt_expected_leads_downstream_and_capacity_follow():
    plan = funnel()
    adopted, _ = actuals.adopt(plan, report(plan))
    # Closing: 50 × 0.8 × 0.6 = 24 per cohort before; 50 × 0.83 × 0.33 = 13.695 after.
    assert cohort_stage_leads(plan.products[0]) == {"aware": 50, "qualify": 40.0, "close": 24.0}
    after = {k: round(v, 3) for k, v in cohort_stage_leads(adopted.products[0]).items()}
    assert after == {"aware": 50, "qualify": 41.5, "close": 13.695}
    assert round(expected_stage_leads(adopted)[("app", "close")], 3) == 41.085
    # The AE demo (manual) carried 24 leads a week against a capacity of 20: three
    # capacity gaps. After adopting, 13.7 leads a week: none; the demo moves 3 days later.
    before = gaps.check(plan, engine.schedule(plan))
    assert [(g.kind, g.team, g.start.isoformat(), g.load) for g in before] == [
        ("capacity", "ae", "2027-03-22", 24.0),
        ("capacity", "ae", "2027-03-29", 24.0),
        ("capacity", "ae", "2027-04-05", 24.0),
    ]
    sched = engine.schedule(adopted)
    assert list(gaps.check(adopted, sched)) == []
    demos = [(o.date.isoformat(), round(o.leads, 3)) for o in sched.touches if o.touch == "demo"]
    assert demos == [("2027-03-25", 13.695), ("2027-04-01", 13.695), ("2027-04-08", 13.695)]


def test_adopt_one_row_only():
    plan = funnel()
    _, changes = actuals.adopt(plan, report(plan), only={("app", "qualify")})
    assert [(c.stage, c.measure, c.new) for c in changes] == [("qualify", "conversion", 0.33)]


def with_touch_offset(plan: Plan, offset: int) -> Plan:
    """The funnel with Awareness 14 days long and its welcome email on day ``offset``."""
    product = plan.products[0]
    aware = replace(product.stages[0], days=14)
    welcome = replace(product.touches[0], offset_days=offset)
    product = replace(
        product, stages=(aware, *product.stages[1:]), touches=(welcome, *product.touches[1:])
    )
    return replace(plan, products=(product,))


def test_adopt_keeps_a_stage_long_enough_for_its_touches():
    # The median is 13 days: a touch on day 12 still fits, one on day 13 needs 14 days.
    plan = with_touch_offset(funnel(), 12)
    _, changes = actuals.adopt(plan, report(plan))
    assert changes[1] == actuals.Adoption("app", "aware", "days", 14, 13)
    plan = with_touch_offset(funnel(), 13)
    _, changes = actuals.adopt(plan, report(plan))
    assert [(c.stage, c.measure) for c in changes] == [
        ("aware", "conversion"),
        ("qualify", "conversion"),
    ]
    assert actuals.adopted_days(plan.products[0], report(plan).stages[0], DriftRule()) == (
        14,
        "median 13 days; kept at 14 for the stage's touches",
    )


def test_adopt_without_evidence_changes_nothing():
    plan = funnel()
    header = CRM.splitlines()[0]
    same, changes = actuals.adopt(plan, report(plan, header + "\n"))
    assert same is plan and changes == []


# --- reading the export ----------------------------------------------------------------


def test_columns_by_name_any_case_and_order_other_columns_ignored():
    text = (
        "OUTCOME;stage;Owner;entered_on;PRODUCT;lead-id;left on\n"
        "advanced;qualify;Ann;2027-01-04;app;A1;2027-01-09\n"
    )
    export = actuals.read_crm(text, funnel())
    assert [(r.lead_id, r.product, r.stage, r.days, r.outcome) for r in export.rows] == [
        ("A1", "app", "qualify", 5, "advanced")
    ]


def test_map_renames_headers_and_stage_names_map_to_stage_ids():
    text = "id,Product,stage_name,created,Left On,Result\nA1,app,SQL,2027-01-04,,\n"
    plan = funnel()
    renames = actuals.parse_column_map(["id=lead_id", "stage_name=Stage", "created=entered_on"])
    renames |= actuals.parse_column_map(["Result=outcome"])
    stages = actuals.parse_stage_map(["sql=qualify"])
    export = actuals.read_crm(text, plan, renames=renames, stage_names=stages)
    assert [(r.lead_id, r.stage, r.finished) for r in export.rows] == [("A1", "qualify", False)]


def test_bad_map_options_and_missing_columns_are_clear_errors():
    with pytest.raises(CrmFormatError, match=r"--map 'stage_name=Stge': unknown column 'Stge'"):
        actuals.parse_column_map(["stage_name=Stge"])
    with pytest.raises(CrmFormatError, match=r"expected HEADER=column"):
        actuals.parse_column_map(["stage_name"])
    with pytest.raises(CrmFormatError) as err:
        actuals.read_crm("Lead,Product,Stage\n", funnel())
    assert str(err.value) == (
        "the header lacks the columns lead_id, entered_on "
        "(found: Lead, Product, Stage; rename with --map HEADER=column)"
    )
    with pytest.raises(CrmFormatError, match=r"--map: no column 'lead' in the header"):
        actuals.read_crm("id,product,stage,entered_on\n", funnel(), renames={"lead": "lead_id"})
    with pytest.raises(CrmFormatError, match=r"--stage: no stage 'sq' in the plan"):
        actuals.read_crm(CRM, funnel(), stage_names={"sql": "sq"})
    with pytest.raises(CrmFormatError, match=r"the export is empty"):
        actuals.read_crm("", funnel())


def test_malformed_rows_are_reported_with_their_line_numbers():
    text = (
        "lead_id,product,stage,entered_on,left_on,outcome,quality\n"
        "A1,app,aware,2027-01-04,2027-01-09,advanced,4\n"
        "A2,app,aware,2027-13-04,,,\n"
        "\n"
        "A3,app,aware,2027-01-04,2027-01-02,lost,\n"
        "A4,app,aware,2027-01-04,2027-01-09,maybe,\n"
        "A5,app,aware,2027-01-04,2027-01-09,,\n"
        "A6,app,aware,2027-01-04,,,7\n"
        "A7,app,aware\n"
        ",app,aware,2027-01-04,,,\n"
    )
    export = actuals.read_crm(text, funnel())
    assert [r.lead_id for r in export.rows] == ["A1"]
    assert [str(p) for p in export.problems] == [
        "line 3: entered_on '2027-13-04': not a date (expected YYYY-MM-DD or MM/DD/YYYY)",
        "line 5: left_on '2027-01-02': before entered_on 2027-01-04",
        "line 6: outcome 'maybe': expected one of advanced, lost, won or empty",
        "line 7: outcome '': left the stage on 2027-01-09 but has no outcome (advanced, lost, won)",
        "line 8: quality '7': expected a whole number from 1 to 5 or empty",
        "line 9: has 3 cells, the header has 7",
        "line 10: lead_id '': required",
    ]
    assert export.problems[0] == RowProblem(
        3, "entered_on", "2027-13-04", "not a date (expected YYYY-MM-DD or MM/DD/YYYY)"
    )


def test_dates_iso_month_first_or_day_first():
    assert actuals.parse_crm_date("2027-03-04").isoformat() == "2027-03-04"
    assert actuals.parse_crm_date("2027-03-04T10:30:00Z").isoformat() == "2027-03-04"
    assert actuals.parse_crm_date("3/4/2027").isoformat() == "2027-03-04"
    assert actuals.parse_crm_date("3/4/2027", dayfirst=True).isoformat() == "2027-04-03"
    assert actuals.parse_crm_date("04.03.2027 09:15", dayfirst=True).isoformat() == "2027-03-04"
    with pytest.raises(
        ValueError, match=r"no such day: month 13, day 4 \(day first\? use --dayfirst\)"
    ):
        actuals.parse_crm_date("13/4/2027")


def test_median_and_80th_percentile_nearest_rank():
    assert actuals.median([3, 1, 2]) == 2.0
    assert actuals.median([4, 1, 3, 2]) == 2.5
    assert actuals.median([]) is None
    # 10 values: the 8th smallest; 6 values: ceil(4.8) = the 5th.
    assert actuals.percentile(list(range(1, 11)), 0.8) == 8.0
    assert actuals.percentile([1, 2, 3, 4, 5, 6], 0.8) == 5.0
    assert actuals.percentile([7], 0.8) == 7.0
