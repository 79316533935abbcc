"""A plan as a set of objects, each one row of a shared table with its own revision.

The objects are settings (one per plan), teams, products, stages, touches,
broadcasts and requests. :func:`plan_objects` splits the raw plan data (JSON
shape) into ``{(kind, id): column values}``; :func:`objects_to_raw` puts the
rows back together for the validation layer. Stages and touches are named
``product/stage``, so the same stage id in two products is two objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadence.fields import columns_reader, columns_writer, null_columns
from cadence.model import (
    PLAN_PARTS,
    PRODUCT_PARTS,
    ActionItem,
    Asset,
    Broadcast,
    Plan,
    Product,
    Request,
    Review,
    Rules,
    Signoff,
    Stage,
    Studio,
    Team,
    Touch,
    WorkCalendar,
)
from cadence.store.shared.tables import (
    SharedActionItemRow,
    SharedAssetRow,
    SharedBroadcastRow,
    SharedModel,
    SharedPlanRow,
    SharedProductRow,
    SharedRequestRow,
    SharedReviewRow,
    SharedSignoffRow,
    SharedStageRow,
    SharedTeamRow,
    SharedTouchRow,
)

ObjectKey = tuple[str, str]  # (kind, id)
Values = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """One kind of object: its table and the columns that identify a row in a plan."""

    name: str
    model: type[SharedModel]
    id_columns: tuple[str, ...]

    def object_id(self, values: Values) -> str:
        return "/".join(str(values[c]) for c in self.id_columns)


SETTINGS = Kind("settings", SharedPlanRow, ())
KINDS = {
    kind.name: kind
    for kind in (
        SETTINGS,
        Kind("team", SharedTeamRow, ("team_id",)),
        Kind("product", SharedProductRow, ("product_id",)),
        Kind("stage", SharedStageRow, ("product_id", "stage_id")),
        Kind("touch", SharedTouchRow, ("product_id", "touch_id")),
        Kind("broadcast", SharedBroadcastRow, ("broadcast_id",)),
        Kind("request", SharedRequestRow, ("request_id",)),
        Kind("asset", SharedAssetRow, ("asset_id",)),
        Kind("action_item", SharedActionItemRow, ("action_id",)),
        Kind("signoff", SharedSignoffRow, ("product", "role", "at")),
        Kind("review", SharedReviewRow, ("product", "at")),
    )
}
# Parents before children when adding; the reverse when removing.
WRITE_ORDER = (
    "settings", "team", "product", "stage", "touch", "broadcast", "request", "asset",
    "action_item", "signoff", "review",
)  # fmt: skip
# A product's own row and its parts' rows (each names its product in ``product_id``).
PRODUCT_KINDS = frozenset({"product", "stage", "touch"})
BOOKKEEPING = frozenset({"pk", "plan_key", "revision", "changed_by", "changed_at"})


def plan_objects(data: dict[str, Any]) -> dict[ObjectKey, Values]:
    """The objects of a plan given as raw data (``plan_to_dict``), keyed by (kind, id)."""
    out: dict[ObjectKey, Values] = {("settings", ""): settings_values(data)}

    def put(kind: str, values: Values) -> None:
        out[(kind, KINDS[kind].object_id(values))] = values

    for i, t in enumerate(data["teams"]):
        put("team", _team_columns(t, i))
    for i, p in enumerate(data["products"]):
        out.update(product_objects(i, p))
    for i, b in enumerate(data["broadcasts"]):
        put("broadcast", _broadcast_columns(b, i))
    for i, q in enumerate(data["requests"]):
        put("request", _request_columns(q, i))
    for i, a in enumerate(data.get("content", [])):
        put("asset", asset_values(i, a))
    _put_meeting_records(data, put)
    return out


def product_objects(position: int, p: dict[str, Any]) -> dict[ObjectKey, Values]:
    """The objects of one product given as raw data (``product_to_dict``): its own row,
    its stages' and its touches', keyed by (kind, id) as :func:`plan_objects` keys them."""
    rows = [("product", product_values(position, p))]
    rows += [("stage", _stage_columns(s, p["id"], j)) for j, s in enumerate(p["stages"])]
    rows += [("touch", _touch_columns(t, p["id"], j)) for j, t in enumerate(p["touches"])]
    return {(kind, KINDS[kind].object_id(values)): values for kind, values in rows}


def asset_values(position: int, a: dict[str, Any]) -> Values:
    """The columns of one content library asset (lists as JSON text, NULL = every)."""
    return _asset_columns(a, position)


# --- action items and sign-offs (revision 0004_meetings) --------------------------------


def _put_meeting_records(data: dict[str, Any], put: Any) -> None:
    for i, a in enumerate(data.get("action_items", [])):
        put("action_item", _action_item_columns(a, i))
    for i, s in enumerate(data.get("signoffs", [])):
        put("signoff", _signoff_columns(s, i))
    for i, q in enumerate(data.get("reviews", [])):
        put("review", _review_columns(q, i))


def _meeting_records_raw(objects: dict[str, list[Values]], raw: dict[str, Any]) -> None:
    items = objects.get("action_item", [])
    if items:
        raw["action_items"] = [_action_item_raw(a) for a in items]
    signoffs = objects.get("signoff", [])
    if signoffs:
        raw["signoffs"] = [_signoff_raw(s) for s in signoffs]
    reviews = objects.get("review", [])
    if reviews:
        raw["reviews"] = [_review_raw(q) for q in reviews]


def settings_values(data: dict[str, Any]) -> Values:
    """The columns of the plan's settings: its own fields (not the stamp: a row of its
    own), its calendar (blackouts as JSON text), rules and studio."""
    rules, studio = data["rules"], data["studio"]
    return {
        **_plan_columns(data),
        **_calendar_columns(data["calendar"]),
        **_rules_columns(rules),
        **(_studio_columns(studio) if studio else null_columns(Studio)),
    }


def product_values(position: int, p: dict[str, Any]) -> Values:
    """The columns of a product's row: its own fields and its cohorts."""
    return _product_columns(p, position)


def objects_to_raw(objects: dict[str, list[Values]], updated: str | None) -> dict[str, Any]:
    """Raw plan data (JSON shape) from each kind's rows in position order."""
    (s,) = objects["settings"]
    raw: dict[str, Any] = {
        "cadence": 1,
        **_plan_raw(s),
        "calendar": _calendar_raw(s),
        "rules": _rules_raw(s),
        "teams": [_team_raw(t) for t in objects["team"]],
        "products": [],
        "broadcasts": [],
        "requests": [_request_raw(q) for q in objects["request"]],
    }
    if updated is not None:
        raw["updated"] = updated
    if s["studio_team"] is not None:
        raw["studio"] = _studio_raw(s)
    for p in objects["product"]:
        pid = p["product_id"]
        stages = [v for v in objects["stage"] if v["product_id"] == pid]
        touches = [v for v in objects["touch"] if v["product_id"] == pid]
        raw["products"].append(product_raw(p, stages, touches))
    for b in objects["broadcast"]:
        raw["broadcasts"].append(_broadcast_raw(b))
    if objects.get("asset"):
        raw["content"] = [_asset_raw(a) for a in objects["asset"]]
    _meeting_records_raw(objects, raw)
    return raw


def product_raw(product: Values, stages: list[Values], touches: list[Values]) -> dict[str, Any]:
    """One product's raw data (JSON shape) from its row and its stages' and touches' rows
    (each list in position order)."""
    raw = _product_raw(product)
    raw["stages"] = [_stage_raw(v) for v in stages]
    raw["touches"] = [_touch_raw(v) for v in touches]
    return raw


# Each object's row ⇄ plan-file data, by the fields its model declares (cadence.fields).
# The plan's own fields but its stamp (a row of its own: SharedStampRow), a product's
# own fields with its cohorts; their parts beside them.
_plan_raw = columns_reader(Plan, by_name=True, skip=(*PLAN_PARTS, "updated"))
_plan_columns = columns_writer(Plan, skip=(*PLAN_PARTS, "updated"))
_product_raw = columns_reader(Product, by_name=True, skip=PRODUCT_PARTS)
_product_columns = columns_writer(Product, "position", skip=PRODUCT_PARTS)
_stage_raw = columns_reader(Stage, by_name=True)
_stage_columns = columns_writer(Stage, "product_id", "position")
_touch_raw = columns_reader(Touch, by_name=True)
_touch_columns = columns_writer(Touch, "product_id", "position")
_broadcast_raw = columns_reader(Broadcast, by_name=True)
_broadcast_columns = columns_writer(Broadcast, "position")
_calendar_raw = columns_reader(WorkCalendar, by_name=True)
_calendar_columns = columns_writer(WorkCalendar)
_studio_raw = columns_reader(Studio, by_name=True)
_studio_columns = columns_writer(Studio)
_team_raw = columns_reader(Team, by_name=True)
_team_columns = columns_writer(Team, "position")
_rules_raw = columns_reader(Rules, by_name=True)
_rules_columns = columns_writer(Rules)
_signoff_raw = columns_reader(Signoff, by_name=True)
_signoff_columns = columns_writer(Signoff, "position")
_request_raw = columns_reader(Request, by_name=True)
_request_columns = columns_writer(Request, "position")
_asset_raw = columns_reader(Asset, by_name=True)
_asset_columns = columns_writer(Asset, "position")
_action_item_raw = columns_reader(ActionItem, by_name=True)
_action_item_columns = columns_writer(ActionItem, "position")
_review_raw = columns_reader(Review, by_name=True)
_review_columns = columns_writer(Review, "position")
