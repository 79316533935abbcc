"""Plan JSON format, version 1: read (through the validation layer) and write.

The writer emits every field in a fixed order so files diff cleanly; reading
what it wrote gives an equal Plan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cadence.fields import json_writer
from cadence.model import (
    FORMAT_VERSION,
    ActionItem,
    Asset,
    Plan,
    Product,
    Request,
    Review,
    Rules,
    Signoff,
    Team,
    Touch,
    plan_settings,
)
from cadence.validate import PlanError, PlanInvalid, build_plan, build_products, json_object

_touch = json_writer(Touch)
_product = json_writer(Product)
product_to_dict = _product
"""One product as JSON-ready data (as :func:`plan_to_dict` writes it); its cohorts only
when it has intakes."""

action_item_to_dict = json_writer(ActionItem)
"""An action item as JSON-ready data (the plan file's shape)."""


def touch_to_dict(t: Touch) -> dict[str, Any]:
    """A touch as JSON-ready data (the plan file's shape)."""
    return _touch(t)


signoff_to_dict = json_writer(Signoff)
"""A sign-off as JSON-ready data, with the touches it signed."""

request_to_dict = json_writer(Request)
"""A request as JSON-ready data (the plan file's shape)."""


rules_to_dict = json_writer(Rules)
"""The rules; ``count_days`` and ``lead_desk`` only when they differ from the defaults."""


team_to_dict = json_writer(Team)
"""A team; its own ``holidays`` and ``blackouts`` only when it has them."""


asset_to_dict = json_writer(Asset)
"""A content library asset as JSON-ready data (optional fields only when set)."""

review_to_dict = json_writer(Review)
"""A submission for review as JSON-ready data."""


_plan = json_writer(Plan)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as JSON-ready data (format version 1): the version, then every field in
    the order the model declares (:mod:`cadence.fields`); the content library, the
    stamp, action items, sign-offs and reviews only when it has them."""
    return {"cadence": FORMAT_VERSION, **_plan(plan)}


def validate_plan(plan: Plan, since: Plan | None = None) -> None:
    """Raise PlanInvalid when ``plan`` is not valid: ``build_plan(plan_to_dict(plan))``.

    ``since``: a valid plan ``plan`` was edited from (the one stored). When the edit
    changed or added products and nothing else (a stage's length, a touch), only
    those products and what refers to them are checked again, through the same
    functions (:func:`cadence.validate.build_products`); any other edit is checked
    whole.
    """
    if since is None or not _products_only(since, plan):
        build_plan(plan_to_dict(plan))
        return
    before = {p.id: p for p in since.products}
    changed = {i: p for i, p in enumerate(plan.products) if before.get(p.id) != p}
    ids = {p.id for p in changed.values()}
    build_products(
        plan,
        {i: _product(p) for i, p in changed.items()},
        {i: request_to_dict(q) for i, q in enumerate(plan.requests) if q.product in ids},
    )


def read_products(plan: Plan, products: dict[int, dict[str, Any]]) -> Plan:
    """``plan`` with the products at these indexes read from raw data (the plan file's
    shape; the same product ids, none added or removed), checked as
    :func:`validate_plan` checks an edit of those products only. The result equals
    ``build_plan`` of the whole plan with those products changed. Raises PlanInvalid
    when it is not valid."""
    ids = {raw.get("id") for raw in products.values()}
    requests = {i: request_to_dict(q) for i, q in enumerate(plan.requests) if q.product in ids}
    new = build_products(plan, products, requests)
    if plan.content and not _same_stage_ids(plan, new):
        build_plan(plan_to_dict(new))  # the content library names stages: check it all
    return new


def _products_only(old: Plan, new: Plan) -> bool:
    """Whether ``new`` differs from ``old`` only in changed or added products (and the
    save stamp, when it is an aware time)."""
    same_parts = (
        plan_settings(old) == plan_settings(new)
        and old.teams == new.teams
        and old.broadcasts == new.broadcasts
        and old.requests == new.requests
        and old.content == new.content
        and old.action_items == new.action_items
        and old.signoffs == new.signoffs
        and old.reviews == new.reviews
    )
    kept = {p.id for p in new.products}
    stamp_ok = new.updated is None or new.updated.tzinfo is not None
    return (
        same_parts
        and stamp_ok
        and all(p.id in kept for p in old.products)
        and (not new.content or _same_stage_ids(old, new))
    )


def _same_stage_ids(old: Plan, new: Plan) -> bool:
    """Whether every product keeps its stage ids (the content library names them)."""
    before = {p.id: [s.id for s in p.stages] for p in old.products}
    return all(
        before.get(p.id, [s.id for s in p.stages]) == [s.id for s in p.stages] for p in new.products
    )


def dumps_plan(plan: Plan) -> str:
    """The plan as JSON text (2-space indent, UTF-8 characters kept, final newline)."""
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


def loads_plan(text: str, source: str = "plan") -> Plan:
    """Parse JSON text and validate it; PlanInvalid names line and column of bad JSON."""
    try:
        raw = json.loads(text, object_pairs_hook=json_object)
    except json.JSONDecodeError as exc:
        raise PlanInvalid(
            [
                PlanError(
                    "", f"{source}: line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})"
                )
            ]
        ) from None
    except RecursionError:
        raise PlanInvalid(
            [PlanError("", f"{source}: objects and lists nested too deeply to read")]
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise PlanInvalid([PlanError("", f"{source}: invalid JSON ({exc})")]) from None
    return build_plan(raw)


# A plan file larger than this is not a plan (the benchmark plan ten times over
# is about 4 MB); reading it would only exhaust the memory.
MAX_PLAN_BYTES = 200_000_000


def load_plan_json(path: Path) -> Plan:
    """Read and validate a plan JSON file."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_PLAN_BYTES + 1)
    if len(data) > MAX_PLAN_BYTES:
        raise PlanInvalid(
            [PlanError("", f"{Path(path).name}: more than {MAX_PLAN_BYTES:,} bytes: not a plan")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanInvalid(
            [PlanError("", f"{path.name}: not UTF-8 text (byte {exc.start})")]
        ) from None
    return loads_plan(text, Path(path).name)
