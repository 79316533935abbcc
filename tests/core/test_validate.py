"""Every error case of the plan format, with the literal message the user sees."""

import copy
import json
from pathlib import Path

import pytest

from cadence.formats.plan_json import dumps_plan, loads_plan
from cadence.validate import PlanInvalid, build_plan

PLANS = Path(__file__).parent / "plans"
EXAMPLE = json.loads((PLANS / "format_example.json").read_text())


def errors_of(raw) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        build_plan(raw)
    return [str(e) for e in info.value.errors]


def edited(**paths):
    raw = copy.deepcopy(EXAMPLE)
    for path, value in paths.items():
        target = raw
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return raw


def test_format_example_builds():
    plan = build_plan(EXAMPLE)
    assert plan.id == "acme-2027"
    assert plan.timezone == "Europe/Berlin"
    assert [s.id for s in plan.products[0].stages] == ["aware", "consider", "qualify", "close"]
    assert plan.products[0].stages[2].owner is None
    assert plan.products[0].touches[2].roll == "backward"
    assert plan.products[0].touches[0].roll is None
    assert plan.broadcasts[1].products == ()
    assert plan.broadcasts[0].products == ("analytics",)
    assert plan.products[0].cohorts.intake_dates()[:2] == (
        __import__("datetime").date(2027, 1, 4),
        __import__("datetime").date(2027, 1, 11),
    )


def test_negative_stage_days():
    assert errors_of(edited(products__0__stages__2__days=-3)) == [
        "products[0].stages[2].days: must be an integer ≥ 1, got -3"
    ]


def test_unknown_stage_of_touch():
    assert errors_of(edited(products__0__touches__1__stage="negociate")) == [
        'products[0].touches[1].stage: unknown stage "negociate" (stages: aware, consider, qualify, close)'
    ]


def test_unknown_country():
    assert errors_of(edited(calendar__holidays__country="XX")) == [
        'calendar.holidays.country: unknown country "XX"'
    ]


def test_country_that_is_not_a_text():
    assert errors_of(edited(calendar__holidays__country=["DE"])) == [
        'calendar.holidays.country: unknown country ["DE"]'
    ]


def test_unknown_subdivision():
    (msg,) = errors_of(edited(calendar__holidays__subdivision="ZZ"))
    assert msg.startswith('calendar.holidays.subdivision: unknown subdivision "ZZ" of DE (known: ')
    assert "BE" in msg


def test_end_before_start():
    assert errors_of(edited(end="2026-12-31")) == ["end: must not be before start (2027-01-04)"]


def test_impossible_date():
    assert errors_of(edited(start="2027-02-30")) == [
        'start: not a real date "2027-02-30" (day is out of range for month)'
    ]


def test_dates_outside_the_supported_years():
    assert errors_of(edited(start="0001-01-01", end="9999-12-31")) == [
        'start: must be a date from 1900-01-01 to 2999-12-31, got "0001-01-01"',
        'end: must be a date from 1900-01-01 to 2999-12-31, got "9999-12-31"',
    ]


def test_huge_day_counts_are_refused():
    raw = edited(
        products__0__stages__0__days=10**30,
        products__0__touches__1__every_days=2**63,
        rules__min_spacing_days=36501,
        studio__min_lead_days=10**6,
    )
    assert errors_of(raw) == [
        "rules.min_spacing_days: must be at most 36500, got 36501",
        "products[0].stages[0].days: must be at most 36500, got 1000000000000000000000000000000",
        "products[0].touches[1].every_days: must be at most 36500, got 9223372036854775808",
        "studio.min_lead_days: must be at most 36500, got 1000000",
    ]


def test_a_journey_longer_than_a_hundred_years():
    raw = copy.deepcopy(EXAMPLE)
    for stage in raw["products"][0]["stages"]:
        stage["days"] = 10_000
    assert errors_of(raw) == [
        "products[0].stages: the stages last 40000 days in all, more than 36500"
    ]


def test_cohorts_that_would_end_after_the_last_supported_year():
    assert errors_of(
        edited(products__0__cohorts__count=36500, products__0__cohorts__every_days=365)
    ) == [
        "products[0].cohorts.count: 36500 intakes every 365 days from 2027-01-04 would end after 2999-12-31"
    ]


def test_duplicate_ids():
    raw = copy.deepcopy(EXAMPLE)
    raw["teams"][1]["id"] = "mkt"
    raw["products"][0]["stages"][1]["id"] = "aware"
    errors = errors_of(raw)
    assert 'teams[1].id: duplicate team id "mkt"' in errors
    assert 'products[0].stages[1].id: duplicate stage id "aware"' in errors


def test_owner_not_a_team():
    assert errors_of(edited(products__0__stages__3__owner="sales")) == [
        'products[0].stages[3].owner: unknown team "sales" (teams: mkt, sdr)'
    ]


def test_bad_color_does_not_cascade():
    assert errors_of(edited(teams__0__color="blue")) == [
        'teams[0].color: must be a colour "#rrggbb", got "blue"'
    ]


def test_bad_rrule():
    assert errors_of(edited(broadcasts__0__rrule="FREQ=MONTHY")) == [
        "broadcasts[0].rrule: invalid RRULE \"FREQ=MONTHY\": invalid 'FREQ': MONTHY"
    ]


def test_bad_timezone():
    assert errors_of(edited(timezone="Europe/Berln")) == [
        'timezone: unknown time zone "Europe/Berln" (an IANA name such as "Europe/Berlin")'
    ]


def test_unsupported_version():
    assert errors_of(edited(cadence=2)) == ["cadence: unsupported format version 2 (supported: 1)"]


def test_missing_version():
    raw = copy.deepcopy(EXAMPLE)
    del raw["cadence"]
    assert errors_of(raw) == ["cadence: required: the format version (supported: 1)"]


def test_unknown_key_suggests_the_field():
    assert errors_of(edited(products__0__stages__0__dayz=3)) == [
        'products[0].stages[0].dayz: unknown field (did you mean "days"?)'
    ]


def test_offset_outside_stage():
    assert errors_of(edited(products__0__touches__0__offset_days=14)) == [
        'products[0].touches[0].offset_days: must be an integer from 0 to 13 (stage "aware" has 14 days), got 14'
    ]


def test_bad_time_and_channel_and_conversion():
    raw = edited(products__0__touches__1__time="25:00", products__0__touches__0__channel="fax")
    raw["products"][0]["stages"][0]["conversion"] = 1.5
    assert errors_of(raw) == [
        "products[0].stages[0].conversion: must be a number from 0 to 1, got 1.5",
        'products[0].touches[0].channel: unknown channel "fax" (one of: email, newsletter, call, '
        "meeting, event, content, social, direct_mail, other)",
        'products[0].touches[1].time: must be a time "HH:MM" (00:00–23:59) or null, got "25:00"',
    ]


def test_boolean_is_not_an_integer():
    assert errors_of(edited(products__0__stages__0__days=True)) == [
        "products[0].stages[0].days: must be an integer ≥ 1, got true"
    ]


def test_every_error_is_reported_at_once():
    raw = edited(products__0__stages__2__days=0, end="2020-01-01", timezone="Nowhere")
    assert len(errors_of(raw)) == 3


def test_malformed_json_names_line_and_column():
    with pytest.raises(PlanInvalid) as info:
        loads_plan('{\n  "cadence": 1,\n  "name" "x"\n}', "plan.json")
    assert str(info.value) == "plan.json: line 3, column 10: invalid JSON (Expecting ':' delimiter)"


def test_id_default_derived_from_name():
    raw = copy.deepcopy(EXAMPLE)
    del raw["id"]
    assert build_plan(raw).id == "nurture-plan-2027"


def test_team_color_default_from_palette():
    raw = copy.deepcopy(EXAMPLE)
    del raw["teams"][1]["color"]
    assert build_plan(raw).teams[1].color == "#e67e22"


def test_request_fields_are_checked():
    raw = copy.deepcopy(EXAMPLE)
    raw["requests"] = [
        {
            "id": "roi",
            "title": "ROI sheet",
            "product": "analytics",
            "stage": "close",
            "requested_by": "sdr",
            "requested_on": "2027-03-10",
            "needed_by": "2027-03-01",
            "production_days": 0,
            "status": "scheduled",
        }
    ]
    assert errors_of(raw) == [
        "requests[0].needed_by: must not be before requested_on (2027-03-10)",
        "requests[0].production_days: must be an integer ≥ 1, got 0",
        'requests[0].start: required when status is "scheduled"',
    ]


def test_cohorts_dates_and_series_exclusive():
    raw = copy.deepcopy(EXAMPLE)
    raw["products"][0]["cohorts"] = {"start": "2027-01-04", "dates": ["2027-01-04"]}
    assert errors_of(raw) == [
        'products[0].cohorts.start: not allowed together with "dates" '
        "(give either dates or start/every_days/count)"
    ]


def test_json_round_trip_is_equal():
    plan = build_plan(EXAMPLE)
    assert loads_plan(dumps_plan(plan)) == plan


def test_rrule_until_in_utc_is_accepted():
    raw = edited(broadcasts__0__rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270302T235959Z")
    assert build_plan(raw).broadcasts[0].rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270302T235959Z"


def test_garbage_rrule_says_what_an_rrule_looks_like():
    assert errors_of(edited(broadcasts__0__rrule="garbage")) == [
        'broadcasts[0].rrule: invalid RRULE "garbage": "garbage" is not NAME=VALUE '
        '(e.g. "FREQ=WEEKLY;BYDAY=MO" or "FREQ=MONTHLY;BYDAY=1TU")'
    ]
    assert errors_of(edited(broadcasts__0__rrule="BYDAY=MO")) == [
        'broadcasts[0].rrule: invalid RRULE "BYDAY=MO": FREQ is missing '
        '(e.g. "FREQ=WEEKLY;BYDAY=MO" or "FREQ=MONTHLY;BYDAY=1TU")'
    ]


# --- validating an edit: only what it changed, with the whole check's messages ------------


def _errors_of_edit(old, new) -> tuple[list[str], list[str]]:
    """The errors of the edit checked from ``old``, and of the whole plan."""
    from cadence.formats.plan_json import plan_to_dict, validate_plan

    with pytest.raises(PlanInvalid) as part:
        validate_plan(new, since=old)
    with pytest.raises(PlanInvalid) as whole:
        build_plan(plan_to_dict(new))
    return [str(e) for e in part.value.errors], [str(e) for e in whole.value.errors]


def _with_product(plan, index, **fields):
    import dataclasses

    products = list(plan.products)
    products[index] = dataclasses.replace(products[index], **fields)
    return dataclasses.replace(plan, products=tuple(products))


def test_an_edited_stage_is_checked_with_the_whole_checks_message():
    import dataclasses

    from cadence.demo import demo_plan

    plan = demo_plan()
    stages = list(plan.products[1].stages)
    stages[2] = dataclasses.replace(stages[2], days=-3)
    part, whole = _errors_of_edit(plan, _with_product(plan, 1, stages=tuple(stages)))
    assert part == whole
    assert part[0] == "products[1].stages[2].days: must be an integer ≥ 1, got -3"


def test_a_shortened_stage_checks_its_touches_offsets():
    import dataclasses

    from cadence.demo import demo_plan

    plan = demo_plan()
    stages = list(plan.products[0].stages)
    stages[0] = dataclasses.replace(stages[0], days=5)  # "benchmark" is on day 10 of it
    part, whole = _errors_of_edit(plan, _with_product(plan, 0, stages=tuple(stages)))
    assert (
        part
        == whole
        == [
            'products[0].touches[2].offset_days: must be an integer from 0 to 4 (stage "aware" '
            "has 5 days), got 10"
        ]
    )


def test_removing_a_stage_a_request_names_is_an_error_of_the_request():
    from cadence.demo import demo_plan

    plan = demo_plan()
    product = plan.products[2]  # the request "fleet-one-pager" is for its stage "demo"
    kept = tuple(s for s in product.stages if s.id != "demo")
    touches = tuple(t for t in product.touches if t.stage != "demo")
    part, whole = _errors_of_edit(plan, _with_product(plan, 2, stages=kept, touches=touches))
    # The content library names the stage too: such an edit is checked whole.
    assert part == whole
    assert sorted(whole) == [
        'content[6].stages[0]: unknown stage "demo" (stages: aware, close, mql, nurture, sql)',
        'requests[2].stage: unknown stage "demo" (stages: aware, nurture, mql, sql, close)',
    ]


def test_an_added_product_with_a_taken_id_is_a_duplicate():
    import dataclasses

    from cadence.demo import demo_plan

    plan = demo_plan()
    copy_ = dataclasses.replace(plan.products[0], name="Analytics again")
    new = dataclasses.replace(plan, products=(*plan.products, copy_))
    part, whole = _errors_of_edit(plan, new)
    assert part == whole == ['products[3].id: duplicate product id "analytics"']


def test_the_raw_scan_names_problems_in_document_order():
    from cadence.validate import scan_raw

    raw = {
        "a": [1, {"x": "\ud800", "y": 2.5, "z": None}, "ok"],
        "b": "\ud800",
        "c": "é" * 10_001,
        "d": [[[]]],
        "e": "é",
    }
    assert [str(e) for e in scan_raw(raw)] == [
        "a[1].x: not valid Unicode (a lone surrogate?): '\\ud800'",
        "b: not valid Unicode (a lone surrogate?): '\\ud800'",
        "c: a text of 10001 characters, more than 10000",
    ]
    assert [str(e) for e in scan_raw(raw, "products[0]", 19)] == [
        "products[0].a: nested more than 20 levels deep",
        "products[0].b: not valid Unicode (a lone surrogate?): '\\ud800'",
        "products[0].c: a text of 10001 characters, more than 10000",
        "products[0].d: nested more than 20 levels deep",
    ]


def test_products_read_again_equal_the_whole_plan_read_so():
    import dataclasses

    from cadence.demo import demo_plan
    from cadence.formats.plan_json import plan_to_dict, product_to_dict, read_products

    plan = demo_plan()
    raw = product_to_dict(plan.products[1])
    raw["stages"][0]["name"] = "Aware!"
    raw["touches"] = raw["touches"][1:]
    read = read_products(plan, {1: raw})
    whole = plan_to_dict(plan)
    whole["products"][1] = raw
    assert read == build_plan(whole)
    assert read.teams is plan.teams and read.products[0] is plan.products[0]
    shorter = product_to_dict(plan.products[1])
    shorter["stages"][0]["days"] = -3
    with pytest.raises(PlanInvalid) as invalid:
        read_products(plan, {1: shorter})
    stages = list(plan.products[1].stages)
    stages[0] = dataclasses.replace(stages[0], days=-3)
    part, whole_errors = _errors_of_edit(plan, _with_product(plan, 1, stages=tuple(stages)))
    assert [str(e) for e in invalid.value.errors] == part == whole_errors
