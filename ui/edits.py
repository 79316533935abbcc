"""Plan edits the window offers, as pure functions: plan in, new plan out.

No Qt here: the views call these to build the plan they want, then hand it to
``DocumentController.apply`` which validates it and makes it one undo step.
Invalid results (0 days, an offset past the stage end…) are not prevented
here on purpose: the validation layer refuses them with its precise message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from cadence.model import Cohorts, Plan, Product, Stage, Team, Touch
from cadence.validate import slugify


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
    taken = set(taken)
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name} {n}"
        n += 1
    return candidate


# --- products ------------------------------------------------------------------------


def with_product(plan: Plan, product: Product) -> Plan:
    """The plan with the product of the same id replaced."""
    return replace(
        plan, products=tuple(product if p.id == product.id else p for p in plan.products)
    )


def default_cohorts(plan: Plan) -> Cohorts:
    """Weekly intake over the plan's horizon, 50 leads a week."""
    weeks = max(1, (plan.end - plan.start).days // 7 + 1)
    return Cohorts(start=plan.start, every_days=7, count=weeks, size=50)


def add_product(plan: Plan, name: str = "New product") -> tuple[Plan, str]:
    name = unique_name(name, (p.name for p in plan.products))
    pid = unique_id(name, (p.id for p in plan.products), "product")
    owner = plan.teams[0].id if plan.teams else None
    product = Product(
        id=pid,
        name=name,
        stages=(
            Stage(id="aware", name="Awareness", days=14, owner=owner),
            Stage(id="consider", name="Consideration", days=21, owner=owner),
        ),
        touches=(
            (
                Touch(
                    id="welcome", name="Welcome email", channel="email", owner=owner, stage="aware"
                ),
            )
            if owner is not None
            else ()
        ),
        cohorts=default_cohorts(plan),
    )
    return replace(plan, products=(*plan.products, product)), pid


def rename_product(plan: Plan, product_id: str, name: str) -> Plan:
    product = _product(plan, product_id)
    return with_product(plan, replace(product, name=name))


def duplicate_product(plan: Plan, product_id: str) -> tuple[Plan, str]:
    product = _product(plan, product_id)
    name = unique_name(f"{product.name} (copy)", (p.name for p in plan.products))
    pid = unique_id(f"{product.id}-copy", (p.id for p in plan.products), "product")
    copy = replace(product, id=pid, name=name)
    index = [p.id for p in plan.products].index(product_id)
    products = list(plan.products)
    products.insert(index + 1, copy)
    return replace(plan, products=tuple(products)), pid


def delete_product(plan: Plan, product_id: str) -> Plan:
    """Without the product, its requests, and its id in broadcasts' product lists."""
    products = tuple(p for p in plan.products if p.id != product_id)
    broadcasts = tuple(
        replace(b, products=tuple(x for x in b.products if x != product_id))
        if b.products is not None and product_id in b.products
        else b
        for b in plan.broadcasts
    )
    requests = tuple(q for q in plan.requests if q.product != product_id)
    return replace(plan, products=products, broadcasts=broadcasts, requests=requests)


def move_product(plan: Plan, product_id: str, to_index: int) -> Plan:
    products = [p for p in plan.products if p.id != product_id]
    to_index = max(0, min(to_index, len(products)))
    products.insert(to_index, _product(plan, product_id))
    return replace(plan, products=tuple(products))


def _product(plan: Plan, product_id: str) -> Product:
    product = plan.product(product_id)
    if product is None:
        raise KeyError(product_id)
    return product


# --- stages --------------------------------------------------------------------------


def add_stage(
    product: Product, after: str | None = None, name: str = "New stage", days: int = 14
) -> tuple[Product, str]:
    """A new stage after ``after`` (end when None), owned like its neighbour."""
    ids = [s.id for s in product.stages]
    name = unique_name(name, (s.name for s in product.stages))
    sid = unique_id(name, ids, "stage")
    index = ids.index(after) + 1 if after in ids else len(ids)
    neighbour = product.stages[index - 1] if index > 0 else None
    stage = Stage(id=sid, name=name, days=days, owner=neighbour.owner if neighbour else None)
    stages = list(product.stages)
    stages.insert(index, stage)
    return replace(product, stages=tuple(stages)), sid


def delete_stage(product: Product, stage_id: str) -> Product:
    """Without the stage and the touches in it."""
    return replace(
        product,
        stages=tuple(s for s in product.stages if s.id != stage_id),
        touches=tuple(t for t in product.touches if t.stage != stage_id),
    )


def move_stage(product: Product, stage_id: str, delta: int) -> Product:
    stages = list(product.stages)
    i = [s.id for s in stages].index(stage_id)
    j = max(0, min(len(stages) - 1, i + delta))
    stages.insert(j, stages.pop(i))
    return replace(product, stages=tuple(stages))


def set_stage(product: Product, stage_id: str, **changes: Any) -> Product:
    return replace(
        product,
        stages=tuple(replace(s, **changes) if s.id == stage_id else s for s in product.stages),
    )


# --- touches -------------------------------------------------------------------------


def add_touch(
    plan: Plan, product: Product, stage_id: str | None = None, offset_days: int = 0
) -> tuple[Product, str]:
    """A new email touch in the stage (the first when None), owned by the stage's owner."""
    stage = product.stage(stage_id) if stage_id else (product.stages[0] if product.stages else None)
    if stage is None:
        raise KeyError(stage_id)
    owner = stage.owner or (plan.teams[0].id if plan.teams else "")
    name = unique_name("New touch", (t.name for t in product.touches))
    tid = unique_id(name, (t.id for t in product.touches), "touch")
    touch = Touch(
        id=tid, name=name, channel="email", owner=owner, stage=stage.id, offset_days=offset_days
    )
    return replace(product, touches=(*product.touches, touch)), tid


def duplicate_touch(product: Product, touch_id: str) -> tuple[Product, str]:
    touch = next(t for t in product.touches if t.id == touch_id)
    tid = unique_id(f"{touch.id}-copy", (t.id for t in product.touches), "touch")
    copy = replace(touch, id=tid, name=unique_name(touch.name, (t.name for t in product.touches)))
    touches = list(product.touches)
    touches.insert(touches.index(touch) + 1, copy)
    return replace(product, touches=tuple(touches)), tid


def delete_touch(product: Product, touch_id: str) -> Product:
    return replace(product, touches=tuple(t for t in product.touches if t.id != touch_id))


def set_touch(product: Product, touch_id: str, **changes: Any) -> Product:
    return replace(
        product,
        touches=tuple(replace(t, **changes) if t.id == touch_id else t for t in product.touches),
    )


def touch_at_day(product: Product, day: int) -> tuple[str, int] | None:
    """(stage id, offset) of the journey day ``day`` (0 = intake), None past the end."""
    start = 0
    for s in product.stages:
        if start <= day < start + s.days:
            return s.id, day - start
        start += s.days
    return None


def stage_ranges(product: Product) -> list[tuple[Stage, int, int]]:
    """(stage, first day, days) for each stage, in journey order."""
    out, start = [], 0
    for s in product.stages:
        out.append((s, start, s.days))
        start += s.days
    return out


# --- teams -----------------------------------------------------------------------------


def new_team(plan_teams: Iterable[Team], name: str, color: str) -> Team:
    teams = list(plan_teams)
    return Team(id=unique_id(name, (t.id for t in teams), "team"), name=name, color=color)


def first_cohort(product: Product) -> Any:
    dates = product.cohorts.intake_dates()
    return dates[0] if dates else None


def cohort_span(product: Product) -> str:
    """'40 weekly cohorts × 80 leads · 04 Jan – 04 Oct 2027'."""
    c = product.cohorts
    dates = c.intake_dates()
    if not dates:
        return "no intake cohorts"
    n = len(dates)
    every = (
        "weekly"
        if c.every_days == 7
        else "daily"
        if c.every_days == 1
        else f"{c.every_days}-day"
        if c.every_days
        else ""
    )
    if c.dates is not None:
        every = "dated"
    last = dates[-1]
    if n == 1:
        return f"1 cohort of {c.size} leads on {dates[0]:%d %b %Y}"
    span = f"{dates[0]:%d %b} – {last:%d %b %Y}"
    return f"{n} {every} cohorts × {c.size} leads · {span}"


def journey_end(product: Product, cohort: Any) -> Any:
    return cohort + timedelta(days=product.cycle_days - 1)
