"""Plan fields declared once (cadence.fields): one declaration drives the plan file's
writer and reader, the checks of each field's kind and both stores' rows.

The walk-through of docs/plan-format.md ("Adding a field") is the second test: a
field added to a copy of Touch, and nothing else, goes JSON → .cadence row (a real
SQLite table) → shared-plan row → JSON unchanged.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

import pytest

from cadence import fields as F
from cadence.fields import (
    columns_of,
    columns_reader,
    columns_writer,
    fields_of,
    json_writer,
    keys_of,
)
from cadence.model import (
    ActionItem,
    Asset,
    Broadcast,
    HolidayRule,
    Request,
    Review,
    Rules,
    Signoff,
    Stage,
    Studio,
    Team,
    Touch,
)
from cadence.store.tables import (
    ActionItemColumns,
    AssetColumns,
    BroadcastColumns,
    PlanSettingsColumns,
    RequestColumns,
    ReviewColumns,
    SignoffColumns,
    StageColumns,
    TeamColumns,
    TouchColumns,
)
from cadence.validate import PlanInvalid, _Reader, read_fields

MODELS_AND_COLUMNS = [
    (Stage, StageColumns),
    (Touch, TouchColumns),
    (Request, RequestColumns),
    (Asset, AssetColumns),
    (ActionItem, ActionItemColumns),
    (Review, ReviewColumns),
    (Broadcast, BroadcastColumns),
    (Team, TeamColumns),
    (Signoff, SignoffColumns),
]


@pytest.mark.parametrize(("model", "columns"), MODELS_AND_COLUMNS)
def test_every_declared_field_has_its_column_in_both_stores(model, columns):
    declared = set(columns_of(model))
    assert declared <= set(columns.model_fields)
    assert set(columns.model_fields) - declared <= {"position"}


@pytest.mark.parametrize("model", [Rules, Studio, HolidayRule])
def test_the_settings_fields_have_their_columns(model):
    assert set(columns_of(model)) <= set(PlanSettingsColumns.model_fields)


def test_a_team_stores_its_holidays_in_its_own_columns():
    assert columns_of(Team) == (
        "team_id", "name", "color", "weekly_capacity", "holiday_country",
        "holiday_subdivision", "blackouts",
    )  # fmt: skip


def test_touch_columns_are_named_as_declared():
    assert [f.column for f in fields_of(Touch)] == [
        "touch_id", "name", "channel", "owner", "stage_id", "offset_days", "every_days",
        "time", "automated", "roll", "asset",
    ]  # fmt: skip


def test_the_file_keeps_its_key_order_where_it_differs_from_the_model():
    stage = Stage("aware", "Aware", 14, None, 0.5, 10)
    assert list(json_writer(Stage)(stage)) == [
        "id", "name", "days", "owner", "max_silence_days", "conversion",
    ]  # fmt: skip
    asset = Asset("roi", "ROI", "roi_sheet", "mkt", date(2027, 1, 4), ("close",), ("a",), "CFO")
    assert list(json_writer(Asset)(asset)) == [
        "id", "title", "kind", "products", "stages", "persona", "owner", "ready_on",
    ]  # fmt: skip


# --- adding a field: the walk-through of docs/plan-format.md -------------------------------


@dataclass(frozen=True, slots=True)
class NotedTouch(Touch):
    """Touch with one more field, declared as docs/plan-format.md says: one line."""

    note: str | None = field(default=None, metadata=F.text(omit_default=True))


NOTED = NotedTouch(
    "call-1", "Discovery call", "call", "sales", "consider", 2, None, time(10, 30),
    False, None, None, "Bring the ROI sheet",
)  # fmt: skip
NOTED_JSON = {
    "id": "call-1",
    "name": "Discovery call",
    "channel": "call",
    "owner": "sales",
    "stage": "consider",
    "offset_days": 2,
    "every_days": None,
    "time": "10:30",
    "automated": False,
    "note": "Bring the ROI sheet",
}


def _read(model, data, path="products[0].touches[0]"):
    r = _Reader()
    values, good = read_fields(r, data, path, model)
    if r.errors:
        raise PlanInvalid(r.errors)
    assert good
    return model(**values)


def _through_sqlite(model, columns: dict) -> dict:
    """The column values stored in a real SQLite table of ``model``'s columns and read back."""
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    names = [f.column for f in fields_of(model)]
    db.execute(f"CREATE TABLE t ({', '.join(names)})")
    db.execute(
        f"INSERT INTO t VALUES ({', '.join(':' + n for n in names)})",
        {k: columns[k] for k in names},
    )
    (row,) = db.execute("SELECT * FROM t").fetchall()
    return dict(row)


def test_a_new_field_round_trips_json_cadence_shared_rows_json():
    assert keys_of(NotedTouch)[-1] == "note"
    data = json_writer(NotedTouch)(NOTED)
    assert data == NOTED_JSON
    text = json.dumps(data)
    assert _read(NotedTouch, json.loads(text)) == NOTED
    columns = columns_writer(NotedTouch)(data)
    assert columns == {
        "touch_id": "call-1",
        "name": "Discovery call",
        "channel": "call",
        "owner": "sales",
        "stage_id": "consider",
        "offset_days": 2,
        "every_days": None,
        "time": "10:30",
        "automated": False,
        "roll": None,
        "asset": None,
        "note": "Bring the ROI sheet",
    }
    stored = _through_sqlite(NotedTouch, columns)
    assert stored["note"] == "Bring the ROI sheet"
    stored["automated"] = bool(stored["automated"])  # SQLite keeps 0/1; the ORM gives a bool
    from_cadence = columns_reader(NotedTouch, by_name=True)(stored)
    shared_row = columns_writer(NotedTouch)(from_cadence)  # PostgreSQL-shaped values
    back = columns_reader(NotedTouch, by_name=True)(shared_row)
    assert back == NOTED_JSON
    assert _read(NotedTouch, back) == NOTED


def test_a_new_field_left_out_is_its_default_and_not_written():
    plain = NotedTouch("email-1", "Welcome", "email", "mkt", "aware")
    data = json_writer(NotedTouch)(plain)
    assert "note" not in data
    assert columns_writer(NotedTouch)(data)["note"] is None
    assert _read(NotedTouch, data) == plain


def test_a_new_field_is_checked_by_its_kind_with_path_and_value():
    bad = dict(NOTED_JSON, note=5)
    with pytest.raises(PlanInvalid) as err:
        _read(NotedTouch, bad)
    assert [str(e) for e in err.value.errors] == [
        "products[0].touches[0].note: must be a text, got 5"
    ]


def _plan_with_touch(**touch) -> dict:
    return {
        "cadence": 1,
        "name": "Null owner",
        "start": "2027-01-04",
        "end": "2027-03-31",
        "teams": [{"id": "mkt", "name": "Marketing"}],
        "products": [
            {
                "id": "p",
                "name": "P",
                "stages": [{"id": "aware", "name": "Aware", "days": 7}],
                "touches": [
                    {"id": "t", "name": "T", "channel": "email", "owner": "mkt", "stage": "aware"}
                    | touch
                ],
            }
        ],
    }


def test_a_touch_whose_owner_is_null_is_an_error_not_a_touch_dropped():
    from cadence.validate import build_plan

    assert build_plan(_plan_with_touch()).products[0].touches[0].owner == "mkt"
    with pytest.raises(PlanInvalid) as err:
        build_plan(_plan_with_touch(owner=None))
    assert [str(e) for e in err.value.errors] == [
        "products[0].touches[0].owner: unknown team null (teams: mkt)"
    ]


PLANS = sorted((Path(__file__).parent / "plans").glob("*.json"))


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.stem)
def test_every_test_plan_round_trips_through_the_shared_rows(path):
    from cadence.formats.plan_json import dumps_plan, loads_plan, plan_to_dict
    from cadence.store.shared.objects import objects_to_raw, plan_objects
    from cadence.validate import build_plan

    plan = loads_plan(path.read_text(encoding="utf-8"))
    data = plan_to_dict(plan)
    rows: dict[str, list] = {
        k: [] for k in ("team", "product", "stage", "touch", "broadcast", "request")
    }
    for (kind, _), values in plan_objects(data).items():
        rows.setdefault(kind, []).append(values)
    back = build_plan(objects_to_raw(rows, data.get("updated")))
    assert dumps_plan(back) == dumps_plan(plan)
