"""Edit operations on a plan: plan in, new plan and what changed out.

Each operation is a pure function ``op(plan, …) -> Op``: the new plan, a
:class:`Changes` record saying which products, teams, broadcasts, requests or
settings it touched (after Anki's ``OpChanges``), and the id of anything it
created. The GUI's undo commands and the command line apply the same
operations; a caller re-plans and refreshes only what ``changes`` names.

Operations do not validate: an edit that makes the plan invalid (0 days, an
offset past the stage end…) is refused by ``cadence.validate`` with its precise
message when the plan is saved. Unknown ids raise ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from cadence.content import library_for
from cadence.model import (
    ActionItem,
    Asset,
    Cohorts,
    Plan,
    Product,
    Stage,
    Team,
    Touch,
    plan_settings,
)
from cadence.validate import slugify

__all__ = [
    "Changes",
    "Op",
    "add_asset",
    "add_action_item",
    "add_product",
    "add_stage",
    "add_team",
    "add_touch",
    "delete_asset",
    "delete_action_item",
    "delete_product",
    "delete_stage",
    "delete_touch",
    "diff_plans",
    "duplicate_product",
    "duplicate_touch",
    "mark_action_done",
    "move_product",
    "move_stage",
    "product_add_stage",
    "product_add_touch",
    "product_delete_stage",
    "product_delete_touch",
    "product_duplicate_touch",
    "product_move_stage",
    "product_set_stage",
    "product_set_touch",
    "rename_product",
    "set_asset",
    "reopen_action_item",
    "set_action_item",
    "set_product",
    "set_stage",
    "set_touch",
    "sign_off_product",
    "stage_ranges",
    "submit_for_review",
    "touch_at_day",
    "unique_id",
    "unique_name",
]


@dataclass(frozen=True)
class Changes:
    """What one edit touched; a view refreshes, and the planner re-plans, only this."""

    settings: bool = False  # name, zone, horizon, calendar, rules, studio (model.plan_settings)
    teams: bool = False
    products: frozenset[str] = frozenset()  # ids changed or added
    removed_products: frozenset[str] = frozenset()
    product_order: bool = False
    broadcasts: bool = False
    requests: bool = False
    content: bool = False  # the content library
    action_items: bool = False  # the meetings' action items (no re-plan)
    signoffs: bool = False  # sign-offs and reviews of products' touches (no re-plan)

    @property
    def empty(self) -> bool:
        return self == Changes()

    @property
    def replan_all(self) -> bool:
        """Settings, teams, broadcasts and the content library reach every product's
        schedule or gaps."""
        return self.settings or self.teams or self.broadcasts or self.content


def diff_plans(old: Plan | None, new: Plan) -> Changes:
    """What differs between two plans, in the terms of :class:`Changes` (None: all new)."""
    if old is None:
        return Changes(
            True, True, frozenset(p.id for p in new.products), frozenset(), True, True, True,
            content=True, action_items=True, signoffs=True,
        )  # fmt: skip
    old_products = {p.id: p for p in old.products}
    new_products = {p.id: p for p in new.products}
    return Changes(
        settings=plan_settings(old) != plan_settings(new),
        teams=old.teams != new.teams,
        products=frozenset(pid for pid, p in new_products.items() if old_products.get(pid) != p),
        removed_products=frozenset(old_products) - frozenset(new_products),
        product_order=[p.id for p in old.products] != [p.id for p in new.products],
        broadcasts=old.broadcasts != new.broadcasts,
        requests=old.requests != new.requests,
        content=old.content != new.content,
        action_items=old.action_items != new.action_items,
        signoffs=old.signoffs != new.signoffs or old.reviews != new.reviews,
    )


@dataclass(frozen=True)
class Op:
    """The result of an operation: the new plan, what changed, the id it created (if any)."""

    plan: Plan
    changes: Changes = field(default_factory=Changes)
    created: str | None = None


# --- names and ids -------------------------------------------------------------------------


def unique_id(name: str, taken: Iterable[str], fallback: str = "item") -> str:
    """An id from ``name`` ([a-z0-9_-]) that is not in ``taken`` (adds -2, -3…)."""
    taken = set(taken)
    base = slugify(name) if name.strip() else fallback
    if base == "plan" and fallback != "plan" and not name.strip():
        base = fallback
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name 2``, ``name 3``… whichever is not in ``taken``."""
    taken = set(taken)
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name} {n}"
        n += 1
    return candidate


# --- products ----------------------------------------------------------------------------


def _product(plan: Plan, product_id: str) -> Product:
    product = plan.product(product_id)
    if product is None:
        raise KeyError(product_id)
    return product


def _with_product(plan: Plan, product: Product) -> Op:
    products = tuple(product if p.id == product.id else p for p in plan.products)
    return Op(replace(plan, products=products), Changes(products=frozenset([product.id])))


def default_cohorts(plan: Plan) -> Cohorts:
    """Weekly intake over the plan's horizon, 50 leads a week."""
    weeks = max(1, (plan.end - plan.start).days // 7 + 1)
    return Cohorts(start=plan.start, every_days=7, count=weeks, size=50)


def add_product(plan: Plan, name: str = "New product") -> Op:
    """A new product at the end: two stages owned by the first team, a welcome email."""
    name = unique_name(name, (p.name for p in plan.products))
    pid = unique_id(name, (p.id for p in plan.products), "product")
    owner = plan.teams[0].id if plan.teams else None
    welcome = Touch(
        id="welcome", name="Welcome email", channel="email", owner=owner or "", stage="aware"
    )
    product = Product(
        id=pid,
        name=name,
        stages=(
            Stage(id="aware", name="Awareness", days=14, owner=owner),
            Stage(id="consider", name="Consideration", days=21, owner=owner),
        ),
        touches=(welcome,) if owner is not None else (),
        cohorts=default_cohorts(plan),
    )
    new = replace(plan, products=(*plan.products, product))
    return Op(new, Changes(products=frozenset([pid]), product_order=True), pid)


def rename_product(plan: Plan, product_id: str, name: str) -> Op:
    return _with_product(plan, replace(_product(plan, product_id), name=name))


def duplicate_product(plan: Plan, product_id: str) -> Op:
    """A copy right after the product, named "… (copy)"."""
    product = _product(plan, product_id)
    name = unique_name(f"{product.name} (copy)", (p.name for p in plan.products))
    pid = unique_id(f"{product.id}-copy", (p.id for p in plan.products), "product")
    products = list(plan.products)
    products.insert(products.index(product) + 1, replace(product, id=pid, name=name))
    new = replace(plan, products=tuple(products))
    return Op(new, Changes(products=frozenset([pid]), product_order=True), pid)


def delete_product(plan: Plan, product_id: str) -> Op:
    """Without the product, its requests, and its id in broadcasts' product lists."""
    products = tuple(p for p in plan.products if p.id != product_id)
    broadcasts = tuple(
        replace(b, products=tuple(x for x in b.products if x != product_id))
        if b.products is not None and product_id in b.products
        else b
        for b in plan.broadcasts
    )
    requests = tuple(q for q in plan.requests if q.product != product_id)
    content = library_for(plan.content, products)
    new = replace(
        plan, products=products, broadcasts=broadcasts, requests=requests, content=content
    )
    changes = Changes(
        removed_products=frozenset([product_id]),
        product_order=True,
        broadcasts=broadcasts != plan.broadcasts,
        requests=requests != plan.requests,
        content=content != plan.content,
    )
    return Op(new, changes)


def move_product(plan: Plan, product_id: str, to_index: int) -> Op:
    """The product at position ``to_index`` (clamped) of the list."""
    product = _product(plan, product_id)
    products = [p for p in plan.products if p.id != product_id]
    products.insert(max(0, min(to_index, len(products))), product)
    new = replace(plan, products=tuple(products))
    return Op(new, Changes(product_order=new.products != plan.products))


# --- stages and touches ------------------------------------------------------------------
#
# Each edit of one product is a product-level function (``product_…``: product in,
# product out, which the GUI's editors preview with) and the operation on the plan.


def product_add_stage(
    product: Product, after: str | None = None, name: str = "New stage", days: int = 14
) -> tuple[Product, str]:
    """A new stage after ``after`` (at the end when None), owned like its neighbour; its id."""
    ids = [s.id for s in product.stages]
    name = unique_name(name, (s.name for s in product.stages))
    sid = unique_id(name, ids, "stage")
    index = ids.index(after) + 1 if after in ids else len(ids)
    neighbour = product.stages[index - 1] if index > 0 else None
    stages = list(product.stages)
    stages.insert(index, Stage(sid, name, days, neighbour.owner if neighbour else None))
    return replace(product, stages=tuple(stages)), sid


def product_delete_stage(product: Product, stage_id: str) -> Product:
    """Without the stage and the touches in it."""
    return replace(
        product,
        stages=tuple(s for s in product.stages if s.id != stage_id),
        touches=tuple(t for t in product.touches if t.stage != stage_id),
    )


def product_move_stage(product: Product, stage_id: str, delta: int) -> Product:
    """The stage ``delta`` places later (earlier when negative), clamped."""
    stages = list(product.stages)
    i = [s.id for s in stages].index(stage_id)
    stages.insert(max(0, min(len(stages) - 1, i + delta)), stages.pop(i))
    return replace(product, stages=tuple(stages))


def product_set_stage(product: Product, stage_id: str, **changes: Any) -> Product:
    """The stage with the given fields changed (``days=21``, ``owner="sdr"``…)."""
    stages = tuple(replace(s, **changes) if s.id == stage_id else s for s in product.stages)
    return replace(product, stages=stages)


def product_add_touch(
    plan: Plan, product: Product, stage_id: str | None = None, offset_days: int = 0
) -> tuple[Product, str]:
    """A new email touch in the stage (the first when None), owned by the stage's owner
    (else the plan's first team); its id."""
    stage = product.stage(stage_id) if stage_id else (product.stages[0] if product.stages else None)
    if stage is None:
        raise KeyError(stage_id)
    owner = stage.owner or (plan.teams[0].id if plan.teams else "")
    name = unique_name("New touch", (t.name for t in product.touches))
    tid = unique_id(name, (t.id for t in product.touches), "touch")
    touch = Touch(tid, name, "email", owner, stage.id, offset_days)
    return replace(product, touches=(*product.touches, touch)), tid


def product_duplicate_touch(product: Product, touch_id: str) -> tuple[Product, str]:
    """A copy of the touch right after it; its id."""
    touch = next((t for t in product.touches if t.id == touch_id), None)
    if touch is None:
        raise KeyError(touch_id)
    tid = unique_id(f"{touch.id}-copy", (t.id for t in product.touches), "touch")
    copy = replace(touch, id=tid, name=unique_name(touch.name, (t.name for t in product.touches)))
    touches = list(product.touches)
    touches.insert(touches.index(touch) + 1, copy)
    return replace(product, touches=tuple(touches)), tid


def product_delete_touch(product: Product, touch_id: str) -> Product:
    return replace(product, touches=tuple(t for t in product.touches if t.id != touch_id))


def product_set_touch(product: Product, touch_id: str, **changes: Any) -> Product:
    """The touch with the given fields changed (``offset_days=3``, ``stage="close"``…)."""
    touches = tuple(replace(t, **changes) if t.id == touch_id else t for t in product.touches)
    return replace(product, touches=touches)


def set_product(plan: Plan, product: Product) -> Op:
    """The plan with the product of the same id replaced (by an edited copy); library
    references to stages it no longer has (and no other product has) go too."""
    _product(plan, product.id)
    return _library_pruned(_with_product(plan, product))


def add_stage(
    plan: Plan, product_id: str, after: str | None = None, name: str = "New stage", days: int = 14
) -> Op:
    product, sid = product_add_stage(_product(plan, product_id), after, name, days)
    return replace(_with_product(plan, product), created=sid)


def _library_pruned(op: Op) -> Op:
    """``op`` with the library's references to stages no product has any more removed."""
    content = library_for(op.plan.content, op.plan.products)
    if content == op.plan.content:
        return op
    return Op(replace(op.plan, content=content), replace(op.changes, content=True), op.created)


def delete_stage(plan: Plan, product_id: str, stage_id: str) -> Op:
    """Without the stage, its touches, and library references no product's stage meets."""
    op = _with_product(plan, product_delete_stage(_product(plan, product_id), stage_id))
    return _library_pruned(op)


def move_stage(plan: Plan, product_id: str, stage_id: str, delta: int) -> Op:
    return _with_product(plan, product_move_stage(_product(plan, product_id), stage_id, delta))


def set_stage(plan: Plan, product_id: str, stage_id: str, **changes: Any) -> Op:
    return _with_product(plan, product_set_stage(_product(plan, product_id), stage_id, **changes))


def add_touch(plan: Plan, product_id: str, stage_id: str | None = None, offset_days: int = 0) -> Op:
    product, tid = product_add_touch(plan, _product(plan, product_id), stage_id, offset_days)
    return replace(_with_product(plan, product), created=tid)


def duplicate_touch(plan: Plan, product_id: str, touch_id: str) -> Op:
    product, tid = product_duplicate_touch(_product(plan, product_id), touch_id)
    return replace(_with_product(plan, product), created=tid)


def delete_touch(plan: Plan, product_id: str, touch_id: str) -> Op:
    return _with_product(plan, product_delete_touch(_product(plan, product_id), touch_id))


def set_touch(plan: Plan, product_id: str, touch_id: str, **changes: Any) -> Op:
    return _with_product(plan, product_set_touch(_product(plan, product_id), touch_id, **changes))


def stage_ranges(product: Product) -> list[tuple[Stage, int, int]]:
    """(stage, first day, days) for each stage, in journey order."""
    out, start = [], 0
    for s in product.stages:
        out.append((s, start, s.days))
        start += s.days
    return out


def touch_at_day(product: Product, day: int) -> tuple[str, int] | None:
    """(stage id, offset) of the journey day ``day`` (0 = intake), None past the end."""
    for stage, first, days in stage_ranges(product):
        if first <= day < first + days:
            return stage.id, day - first
    return None


# --- teams ------------------------------------------------------------------------------------


def add_team(plan: Plan, name: str, color: str) -> Op:
    """A new team at the end, with an id made from its name."""
    team = Team(unique_id(name, (t.id for t in plan.teams), "team"), name, color)
    return Op(replace(plan, teams=(*plan.teams, team)), Changes(teams=True), team.id)


# --- the content library ------------------------------------------------------------------------


def _with_content(plan: Plan, content: tuple[Asset, ...], created: str | None = None) -> Op:
    return Op(replace(plan, content=content), Changes(content=True), created)


def add_asset(plan: Plan, asset: Asset) -> Op:
    """The asset at the end of the library (its id made unique when taken)."""
    aid = unique_id(asset.id, (a.id for a in plan.content), "asset")
    return _with_content(plan, (*plan.content, replace(asset, id=aid)), aid)


def set_asset(plan: Plan, asset_id: str, asset: Asset) -> Op:
    """The library with the asset ``asset_id`` replaced by ``asset`` (a new id renames it,
    and the touches that send it follow)."""
    if plan.asset(asset_id) is None:
        raise KeyError(asset_id)
    content = tuple(asset if a.id == asset_id else a for a in plan.content)
    if asset.id == asset_id:
        return _with_content(plan, content)
    products = tuple(
        replace(p, touches=tuple(
            replace(t, asset=asset.id) if t.asset == asset_id else t for t in p.touches
        ))
        for p in plan.products
    )  # fmt: skip
    changed = frozenset(p.id for p, q in zip(products, plan.products, strict=True) if p != q)
    new = replace(plan, content=content, products=products)
    return Op(new, Changes(products=changed, content=True))


def delete_asset(plan: Plan, asset_id: str) -> Op:
    """The library without the asset; touches that name it keep the id (a "content" gap
    says the asset is missing, and undo brings it back)."""
    if plan.asset(asset_id) is None:
        raise KeyError(asset_id)
    return _with_content(plan, tuple(a for a in plan.content if a.id != asset_id))


# --- meetings' action items and sign-offs -------------------------------------------------


def _action_items_op(plan: Plan, items: tuple[ActionItem, ...], created: str | None = None) -> Op:
    return Op(replace(plan, action_items=items), Changes(action_items=True), created)


def add_action_item(
    plan: Plan, text: str, owner: str, due: date, meeting: str, meeting_date: date
) -> Op:
    """A new open action item of the meeting's occurrence on ``meeting_date``."""
    taken = [a.id for a in plan.action_items]
    item_id = unique_id(text[:40], taken, "action")
    item = ActionItem(item_id, text, owner, due, meeting, meeting_date)
    return _action_items_op(plan, (*plan.action_items, item), item_id)


def set_action_item(plan: Plan, item_id: str, **changes: Any) -> Op:
    """The action item with some fields changed (text, owner, due, status, done_on)."""
    if not any(a.id == item_id for a in plan.action_items):
        raise KeyError(item_id)
    items = tuple(replace(a, **changes) if a.id == item_id else a for a in plan.action_items)
    return _action_items_op(plan, items)


def mark_action_done(plan: Plan, item_id: str, on: date) -> Op:
    """The action item done on ``on``: agendas after that day no longer carry it."""
    return set_action_item(plan, item_id, status="done", done_on=on)


def reopen_action_item(plan: Plan, item_id: str) -> Op:
    return set_action_item(plan, item_id, status="open", done_on=None)


def delete_action_item(plan: Plan, item_id: str) -> Op:
    if not any(a.id == item_id for a in plan.action_items):
        raise KeyError(item_id)
    return _action_items_op(plan, tuple(a for a in plan.action_items if a.id != item_id))


def sign_off_product(
    plan: Plan, by: str, role: str, at: datetime, product_id: str | None = None
) -> Op:
    """``by`` (marketing or sales) signs off one product's touches, or every product's."""
    from cadence.signoff import sign_off

    return Op(sign_off(plan, by, role, at, product_id), Changes(signoffs=True))


def submit_for_review(plan: Plan, by: str, at: datetime, product_id: str | None = None) -> Op:
    """``by`` submits one product's touches (or every product's) for marketing's and
    sales' sign-off."""
    from cadence.signoff import submit

    return Op(submit(plan, by, at, product_id), Changes(signoffs=True))
