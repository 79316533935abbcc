"""The plan's own fields, a product's and its cohorts, declared once (cadence.fields).

Their messages are the ones the hand-written readers gave (path and value), their file
and rows are the ones today's files have: every field goes JSON → .cadence rows (literal
columns) → JSON with the same bytes, and through the shared plan's rows.
"""

from __future__ import annotations

import copy
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from cadence import fields as F
from cadence.fields import (
    columns_of,
    columns_reader,
    columns_writer,
    fields_of,
    json_writer,
    written_keys,
)
from cadence.formats.plan_io import read_plan_file, write_plan_file
from cadence.formats.plan_json import dumps_plan, loads_plan, plan_to_dict
from cadence.model import PLAN_PARTS, PRODUCT_PARTS, Cohorts, Plan, Product, Stage, plan_settings
from cadence.store.shared.objects import objects_to_raw, plan_objects
from cadence.store.shared.tables import SharedPlanRow, SharedProductRow
from cadence.store.tables import PlanRow, ProductRow
from cadence.validate import PlanInvalid, _Reader, build_plan, read_fields

STAGE = {"id": "aware", "name": "Aware", "days": 7}
TOUCH = {"id": "t", "name": "T", "channel": "email", "owner": "mkt", "stage": "aware"}

EVERY_FIELD = {
    "cadence": 1,
    "id": "fields-2027",
    "name": "Every field",
    "timezone": "America/New_York",
    "start": "2027-01-04",
    "end": "2027-06-30",
    "teams": [{"id": "mkt", "name": "Marketing", "color": "#2b7bb9"}],
    "products": [
        {
            "id": "dated",
            "name": "Dated",
            "lead_definition": "Signed up for the webinar",
            "stages": [STAGE],
            "touches": [TOUCH],
            "cohorts": {"dates": ["2027-03-01", "2027-01-04"], "size": 40},
        },
        {
            "id": "series",
            "name": "Series",
            "lead_definition": "",
            "stages": [STAGE],
            "touches": [TOUCH],
            "cohorts": {"start": "2027-01-04", "every_days": 14, "count": 6, "size": 25},
        },
        {
            "id": "none",
            "name": "No intakes",
            "lead_definition": "",
            "stages": [STAGE],
            "touches": [],
        },
    ],
    "updated": "2027-01-02T09:30:00Z",
}


def errors_of(raw) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        build_plan(raw)
    return [str(e) for e in info.value.errors]


def with_cohorts(cohorts) -> dict:
    raw = copy.deepcopy(EVERY_FIELD)
    raw["products"][0]["cohorts"] = cohorts
    return raw


# --- read as declared -------------------------------------------------------------------


def test_every_field_is_read():
    plan = build_plan(EVERY_FIELD)
    assert (plan.id, plan.name, plan.timezone, plan.start, plan.end) == (
        "fields-2027", "Every field", "America/New_York", date(2027, 1, 4), date(2027, 6, 30),
    )  # fmt: skip
    assert plan.updated == datetime(2027, 1, 2, 9, 30, tzinfo=UTC)
    dated, series, none = plan.products
    assert (dated.id, dated.name, dated.lead_definition) == (
        "dated", "Dated", "Signed up for the webinar",
    )  # fmt: skip
    assert dated.cohorts == Cohorts(dates=(date(2027, 3, 1), date(2027, 1, 4)), size=40)
    assert series.cohorts == Cohorts(date(2027, 1, 4), 14, 6, None, 25)
    assert none.cohorts == Cohorts() and none.touches == ()


def test_a_series_every_week_once_when_left_out():
    plan = build_plan(with_cohorts({"start": "2027-02-01"}))
    assert plan.products[0].cohorts == Cohorts(date(2027, 2, 1), 7, 1, None, 1)


@pytest.mark.parametrize(
    ("cohorts", "messages"),
    [
        ({}, ["products[0].cohorts.start: required"]),
        (
            {"start": None},
            ["products[0].cohorts.start: must be a date YYYY-MM-DD, got null"],
        ),
        (
            {"start": "2027-01-04", "every_days": None},
            ["products[0].cohorts.every_days: must be an integer ≥ 1, got null"],
        ),
        (
            {"start": "2027-01-04", "count": 0},
            ["products[0].cohorts.count: must be an integer ≥ 1, got 0"],
        ),
        (
            {"dates": ["2027-01-04", "2027-01-04"]},
            ["products[0].cohorts.dates: lists an intake date twice"],
        ),
        (
            {"dates": ["2027-01-04", "2027-02-30"]},
            [
                'products[0].cohorts.dates[1]: not a real date "2027-02-30" '
                "(day is out of range for month)"
            ],
        ),
        ({"dates": None}, ["products[0].cohorts.dates: must be a list, got null"]),
        (
            {"dates": ["2027-01-04"], "size": 0},
            ["products[0].cohorts.size: must be an integer ≥ 1, got 0"],
        ),
        (
            {"dates": ["2027-01-04"], "every_days": 7, "count": 3},
            [
                'products[0].cohorts.every_days: not allowed together with "dates" '
                "(give either dates or start/every_days/count)",
                'products[0].cohorts.count: not allowed together with "dates" '
                "(give either dates or start/every_days/count)",
            ],
        ),
        (
            {"start": "2027-01-04", "every": 7},
            ['products[0].cohorts.every: unknown field (did you mean "every_days"?)'],
        ),
        ([], ["products[0].cohorts: must be an object, got []"]),
    ],
)
def test_cohorts_errors_name_the_path_and_the_value(cohorts, messages):
    assert errors_of(with_cohorts(cohorts)) == messages


def test_null_cohorts_are_none():
    assert build_plan(with_cohorts(None)).products[0].cohorts == Cohorts()


def _edited(path: tuple, value) -> dict:
    raw = copy.deepcopy(EVERY_FIELD)
    target = raw
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "messages"),
    [
        (
            ("products", 0, "lead_definition"),
            5,
            ["products[0].lead_definition: must be a text, got 5"],
        ),
        (("products", 0, "name"), KeyError, ["products[0].name: required"]),
        (("products", 0, "name"), " ", ["products[0].name: must not be empty"]),
        (
            ("products", 0, "id"),
            "Dated",
            [
                "products[0].id: must be an id of lower-case letters, digits, '-' and '_' "
                'starting with a letter or digit, got "Dated"'
            ],
        ),
        (
            ("products", 0, "lead_defintion"),
            "x",
            ['products[0].lead_defintion: unknown field (did you mean "lead_definition"?)'],
        ),
        (
            ("products", 0, "zzz"),
            1,
            [
                "products[0].zzz: unknown field "
                "(allowed: id, name, lead_definition, stages, touches, cohorts)"
            ],
        ),
        (("name",), KeyError, ["name: required"]),
        (("start",), KeyError, ["start: required"]),
        (("end",), "2027-01-03", ["end: must not be before start (2027-01-04)"]),
        (
            ("end",),
            "2127-01-04",
            [
                "end: the horizon 2027-01-04 … 2127-01-04 is 36525 days long, "
                "more than 36500 (a hundred years)"
            ],
        ),
        (
            ("timezone",),
            None,
            ['timezone: unknown time zone null (an IANA name such as "Europe/Berlin")'],
        ),
        (
            ("updated",),
            "yesterday",
            [
                'updated: must be a date-time with a zone, e.g. "2027-01-04T09:00:00Z", '
                'got "yesterday"'
            ],
        ),
        (
            ("id",),
            "Fields 2027",
            [
                "id: must be an id of lower-case letters, digits, '-' and '_' "
                'starting with a letter or digit, got "Fields 2027"'
            ],
        ),
        (("nmae",), "x", ['nmae: unknown field (did you mean "name"?)']),
        (
            ("zzz",),
            1,
            [
                "zzz: unknown field (allowed: cadence, id, name, timezone, start, end, calendar, "
                "rules, teams, products, broadcasts, studio, requests, content, updated, "
                "action_items, signoffs, reviews)"
            ],
        ),
    ],
)
def test_plan_and_product_errors_name_the_path_and_the_value(path, value, messages):
    assert errors_of(_edited(path, value)) == messages


def test_a_plan_without_id_takes_its_names_slug_and_null_time_stamp_is_none():
    raw = _edited(("id",), KeyError)
    raw["updated"] = None
    plan = build_plan(raw)
    assert (plan.id, plan.updated) == ("every-field", None)


# --- written as declared, stored in today's columns -------------------------------------


def test_the_file_keeps_its_keys_and_order():
    text = dumps_plan(build_plan(EVERY_FIELD))
    data = json.loads(text)
    assert list(data) == [
        "cadence", "id", "name", "timezone", "start", "end", "calendar", "rules", "teams",
        "products", "broadcasts", "studio", "requests", "updated",
    ]  # fmt: skip
    assert [list(p) for p in data["products"]] == [
        ["id", "name", "lead_definition", "stages", "touches", "cohorts"],
        ["id", "name", "lead_definition", "stages", "touches", "cohorts"],
        ["id", "name", "lead_definition", "stages", "touches"],
    ]
    assert [p.get("cohorts") for p in data["products"]] == [
        {"dates": ["2027-03-01", "2027-01-04"], "size": 40},
        {"start": "2027-01-04", "every_days": 14, "count": 6, "size": 25},
        None,
    ]
    assert data["updated"] == "2027-01-02T09:30:00Z"


def test_every_field_round_trips_json_cadence_json_in_todays_columns(tmp_path):
    plan = build_plan(EVERY_FIELD)
    text = dumps_plan(plan)
    write_plan_file(plan, tmp_path / "p.cadence")
    con = sqlite3.connect(tmp_path / "p.cadence")
    assert con.execute('SELECT plan_id, name, timezone, start, "end", updated FROM plan').fetchall() == [
        ("fields-2027", "Every field", "America/New_York", "2027-01-04", "2027-06-30",
         "2027-01-02T09:30:00Z"),
    ]  # fmt: skip
    rows = con.execute(
        "SELECT position, product_id, name, lead_definition, cohort_start, cohort_every_days, "
        "cohort_count, cohort_dates, cohort_size FROM product ORDER BY position"
    ).fetchall()
    con.close()
    assert rows == [
        (0, "dated", "Dated", "Signed up for the webinar", None, None, None,
         '["2027-03-01", "2027-01-04"]', 40),
        (1, "series", "Series", "", "2027-01-04", 14, 6, None, 25),
        (2, "none", "No intakes", "", None, None, None, None, 1),
    ]  # fmt: skip
    back = read_plan_file(tmp_path / "p.cadence")
    assert back == plan
    write_plan_file(back, tmp_path / "p.json")
    assert (tmp_path / "p.json").read_text(encoding="utf-8") == text
    assert loads_plan(text) == plan


def test_every_field_in_the_shared_rows_as_today():
    plan = build_plan(EVERY_FIELD)
    data = plan_to_dict(plan)
    objects = plan_objects(data)
    settings = objects[("settings", "")]
    assert {k: settings[k] for k in ("plan_id", "name", "timezone", "start", "end")} == {
        "plan_id": "fields-2027",
        "name": "Every field",
        "timezone": "America/New_York",
        "start": "2027-01-04",
        "end": "2027-06-30",
    }
    assert "updated" not in settings  # a row of its own (plan_stamp)
    assert set(settings) <= set(SharedPlanRow.model_fields)
    assert [objects[("product", pid)] for pid in ("dated", "series", "none")] == [
        {"position": 0, "product_id": "dated", "name": "Dated",
         "lead_definition": "Signed up for the webinar", "cohort_start": None,
         "cohort_every_days": None, "cohort_count": None,
         "cohort_dates": '["2027-03-01", "2027-01-04"]', "cohort_size": 40},
        {"position": 1, "product_id": "series", "name": "Series", "lead_definition": "",
         "cohort_start": "2027-01-04", "cohort_every_days": 14, "cohort_count": 6,
         "cohort_dates": None, "cohort_size": 25},
        {"position": 2, "product_id": "none", "name": "No intakes", "lead_definition": "",
         "cohort_start": None, "cohort_every_days": None, "cohort_count": None,
         "cohort_dates": None, "cohort_size": 1},
    ]  # fmt: skip
    rows: dict[str, list] = {}
    for (kind, _), values in objects.items():
        rows.setdefault(kind, []).append(values)
    for kind in ("broadcast", "request"):
        rows.setdefault(kind, [])
    back = build_plan(objects_to_raw(rows, data.get("updated")))
    assert dumps_plan(back) == dumps_plan(plan)


@pytest.mark.parametrize(
    ("model", "skip", "tables"),
    [
        (Plan, PLAN_PARTS, (PlanRow, SharedPlanRow)),
        (Product, PRODUCT_PARTS, (ProductRow, SharedProductRow)),
    ],
)
def test_the_own_fields_have_their_columns_in_both_stores(model, skip, tables):
    for table in tables:
        own = set(columns_of(model, skip)) - {"updated"}  # shared: the plan_stamp table
        assert own <= set(table.model_fields)


def test_a_products_row_has_its_own_fields_and_its_cohorts():
    assert columns_of(Product, PRODUCT_PARTS) == (
        "product_id", "name", "lead_definition", "cohort_start", "cohort_every_days",
        "cohort_count", "cohort_dates", "cohort_size",
    )  # fmt: skip


def test_the_settings_are_every_own_field_but_the_stamp_and_the_calendar_rules_studio():
    plan = build_plan(EVERY_FIELD)
    assert plan_settings(plan) == (
        "fields-2027", "Every field", date(2027, 1, 4), date(2027, 6, 30), "America/New_York",
        plan.calendar, plan.rules, None,
    )  # fmt: skip


def _reached(model: type, seen: list[str]) -> list[str]:
    seen.append(model.__name__)
    for f in fields_of(model):  # TypeError when a field has no spec
        if f.spec.item is not None and f.spec.item.__name__ not in seen:
            _reached(f.spec.item, seen)
    return seen


def test_every_object_of_a_plan_declares_each_of_its_fields():
    assert sorted(_reached(Plan, [])) == [
        "ActionItem", "Asset", "Blackout", "Broadcast", "Cohorts", "HolidayRule", "Plan",
        "Product", "Request", "Review", "Rules", "Signoff", "Stage", "Studio", "Team",
        "Touch", "WorkCalendar",
    ]  # fmt: skip


# --- adding a product field: the walk-through of docs/plan-format.md ---------------------


@dataclass(frozen=True, slots=True)
class NotedProduct(Product):
    """Product with one more field, declared as docs/plan-format.md says: one line."""

    owner_note: str | None = field(default=None, metadata=F.text(omit_default=True))


def test_a_new_product_field_is_read_written_and_stored_by_its_declaration():
    noted = NotedProduct(
        "dated", "Dated", (Stage("aware", "Aware", 7),), (), Cohorts(dates=(date(2027, 1, 4),)),
        "", "Ask Maria first",
    )  # fmt: skip
    data = json_writer(NotedProduct)(noted)
    assert list(data) == [
        "id", "name", "lead_definition", "stages", "touches", "cohorts", "owner_note",
    ]  # fmt: skip
    assert written_keys(NotedProduct)[-1] == "owner_note"
    r = _Reader()
    values, good = read_fields(r, json.loads(json.dumps(data)), "products[0]", NotedProduct,
                               skip=PRODUCT_PARTS)  # fmt: skip
    assert good and not r.errors
    assert values["owner_note"] == "Ask Maria first"
    assert NotedProduct(**values, stages=noted.stages) == noted
    row = columns_writer(NotedProduct, "position", skip=PRODUCT_PARTS)(data, 0)
    assert row["owner_note"] == "Ask Maria first"
    assert row["cohort_dates"] == '["2027-01-04"]'
    back = columns_reader(NotedProduct, by_name=True, skip=PRODUCT_PARTS)(row)
    assert back == {k: v for k, v in data.items() if k not in PRODUCT_PARTS}
    bad = _Reader()
    read_fields(bad, dict(data, owner_note=5), "products[0]", NotedProduct, skip=PRODUCT_PARTS)
    assert [str(e) for e in bad.errors] == ["products[0].owner_note: must be a text, got 5"]
