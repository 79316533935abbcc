"""The content library: which assets serve which stages, and when they cannot be sent.

Pure functions of a plan (no I/O, no clock). The two gap rules, written the way
docs/scheduling.md states them, are checked per product by
:func:`cadence.gaps.product_gaps`:

* :func:`content_gaps` — a touch occurrence whose asset is missing from the
  library, not ready by the occurrence's date, or past its ``review_by``;
* :func:`coverage_gaps` — a stage of a product (for each persona, when the
  product's assets name personas) that no asset serves.

:func:`stage_coverage` is the stage × asset matrix the ``content`` command and the
app's Content tab show; :func:`assets_running_out` the assets due for review in a
period, with the touches that send them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from cadence.model import ASSET_KINDS, Asset, Gap, Occurrence, Plan, Product, Request

__all__ = [
    "RunningOut",
    "StageCoverage",
    "asset_from_request",
    "asset_problem",
    "assets_for",
    "assets_running_out",
    "content_gaps",
    "coverage_gaps",
    "library_for",
    "personas_of",
    "reusable_assets",
    "reuse_offer",
    "stage_coverage",
    "touches_using",
]


def assets_for(plan: Plan, product_id: str, stage_id: str) -> list[Asset]:
    """The library's assets meant for this stage of this product, in library order."""
    return [a for a in plan.content if a.serves(product_id, stage_id)]


def personas_of(plan: Plan, product: Product) -> list[str]:
    """The personas the product's assets name, sorted (empty: personas are not used)."""
    serving = (a for a in plan.content if any(a.serves(product.id, s.id) for s in product.stages))
    return sorted({a.persona for a in serving if a.persona is not None})


def touches_using(plan: Plan, asset_id: str) -> list[tuple[str, str]]:
    """(product id, touch id) of every touch that sends the asset, in plan order."""
    return [(p.id, t.id) for p in plan.products for t in p.touches if t.asset == asset_id]


def library_for(content: tuple[Asset, ...], products: Iterable[Product]) -> tuple[Asset, ...]:
    """The library without references to products and stages that are gone (after a
    product or stage is deleted); an asset left with no product or no stage goes too."""
    stages_of = {p.id: {s.id for s in p.stages} for p in products}
    out = []
    for a in content:
        kept_products = a.products
        if a.products is not None:
            kept_products = tuple(p for p in a.products if p in stages_of)
            if not kept_products:
                continue
        reachable = {s for p in (kept_products or stages_of) for s in stages_of[p]}
        kept_stages = a.stages
        if a.stages is not None:
            kept_stages = tuple(s for s in a.stages if s in reachable)
            if not kept_stages:
                continue
        out.append(a if (kept_products, kept_stages) == (a.products, a.stages) else
                   replace(a, products=kept_products, stages=kept_stages))  # fmt: skip
    return tuple(out)


# --- the rules ---------------------------------------------------------------------------


def asset_problem(plan: Plan, asset_id: str, day: date) -> str | None:
    """Why the asset cannot be sent on ``day`` (None: it can)."""
    asset = plan.asset(asset_id)
    if asset is None:
        return f'asset "{asset_id}", which is not in the content library'
    if day < asset.ready_on:
        return f'"{asset.title}", not ready until {asset.ready_on}'
    if asset.review_by is not None and day > asset.review_by:
        return f'"{asset.title}", past its review date {asset.review_by}'
    return None


def content_gaps(plan: Plan, product: Product, touches: Iterable[Occurrence]) -> list[Gap]:
    """Each touch occurrence (in the horizon) whose touch names an asset that is missing
    from the library, not ready by the occurrence's date, or past its ``review_by``
    on that date. One gap per occurrence (start = end = its date), owned by the
    asset's owner (the touch's owner when the asset is missing)."""
    sends = {t.id: t.asset for t in product.touches if t.asset is not None}
    if not sends:
        return []
    found = []
    for o in touches:
        asset_id = sends.get(o.touch)
        if asset_id is None or o.kind != "touch" or not plan.start <= o.date <= plan.end:
            continue
        problem = asset_problem(plan, asset_id, o.date)
        if problem is None:
            continue
        asset = plan.asset(asset_id)
        team = asset.owner if asset is not None else o.owner
        message = f'"{o.name}" ({o.date}) sends {problem}'
        found.append(
            Gap(
                "content",
                product.id,
                o.cohort,
                o.stage,
                team,
                o.date,
                o.date,
                message,
                uids=(o.uid,),
            )
        )
    return found


def coverage_gaps(plan: Plan, product: Product) -> list[Gap]:
    """Each stage of the product that no asset serves — for each persona, when the
    product's assets name personas (an asset without a persona serves every persona).

    Checked only when the plan has a content library at all; a gap spans the
    horizon and belongs to the stage's owner.
    """
    if not plan.content:
        return []
    personas: list[str | None] = list(personas_of(plan, product)) or [None]
    found = []
    for stage in product.stages:
        serving = assets_for(plan, product.id, stage.id)
        for persona in personas:
            if any(a.persona is None or a.persona == persona for a in serving):
                continue
            whom = f' for persona "{persona}"' if persona is not None else ""
            message = f'no asset for "{stage.name}" of {product.name}{whom}'
            found.append(
                Gap(
                    "coverage",
                    product.id,
                    None,
                    stage.id,
                    stage.owner,
                    plan.start,
                    plan.end,
                    message,
                )
            )
    return found


# --- coverage and run-out, as the command and the app show them -----------------------------


@dataclass(frozen=True, slots=True)
class StageCoverage:
    """One stage of a product: the assets that serve it, and the personas it lacks."""

    product: str
    stage: str
    stage_name: str
    assets: tuple[str, ...]
    lacks: tuple[str, ...]  # personas without an asset; ("",) when personas are not used

    @property
    def covered(self) -> bool:
        return not self.lacks


def stage_coverage(plan: Plan, product: Product) -> list[StageCoverage]:
    """The stage × asset matrix of one product, in stage order."""
    personas = personas_of(plan, product)
    out = []
    for stage in product.stages:
        serving = assets_for(plan, product.id, stage.id)
        if personas:
            lacks = tuple(p for p in personas if not any(a.persona in (None, p) for a in serving))
        else:
            lacks = () if serving else ("",)
        out.append(
            StageCoverage(product.id, stage.id, stage.name, tuple(a.id for a in serving), lacks)
        )
    return out


@dataclass(frozen=True, slots=True)
class RunningOut:
    """An asset whose review date falls in a period, and the touches that send it."""

    asset: Asset
    touches: tuple[tuple[str, str], ...]  # (product id, touch id)

    @property
    def review_by(self) -> date:
        assert self.asset.review_by is not None
        return self.asset.review_by


def assets_running_out(plan: Plan, start: date, end: date) -> list[RunningOut]:
    """The assets whose ``review_by`` falls on ``start`` … ``end`` (inclusive), by review
    date then id, each with the touches that send it."""
    due = [a for a in plan.content if a.review_by is not None and start <= a.review_by <= end]
    due.sort(key=lambda a: (a.review_by, a.id))
    return [RunningOut(a, tuple(touches_using(plan, a.id))) for a in due]


# --- requests and the library ------------------------------------------------------------------


def reusable_assets(plan: Plan, request: Request) -> list[Asset]:
    """Assets of the library a late request could use instead: meant for the request's
    product and stage, and usable on the day it is needed (ready, not past review)."""
    return [
        a
        for a in assets_for(plan, request.product, request.stage)
        if a.usable_on(request.needed_by)
    ]


def reuse_offer(asset: Asset) -> str:
    """How a late answer offers a library asset instead: "reuse: ROI calculator, ready"."""
    return f"reuse: {asset.title}, ready ({asset.id}, {ASSET_KINDS[asset.kind]})"


def asset_from_request(plan: Plan, request: Request, kind: str = "other") -> Asset:
    """A new asset for what a delivered request produced: its title, product and stage,
    owned by the studio's team, ready on the delivery day (the needed-by day when the
    request has no production start)."""
    from cadence.ops import unique_id
    from cadence.requests import plan_requests

    ready = request.needed_by
    slot = plan_requests(plan).slot(request.id) if plan.studio is not None else None
    if slot is not None and request.start is not None:
        ready = slot.delivery
    owner = plan.studio.team if plan.studio is not None else request.requested_by
    return Asset(
        id=unique_id(request.id, (a.id for a in plan.content), "asset"),
        title=request.title,
        kind=kind,
        owner=owner,
        ready_on=ready,
        stages=(request.stage,),
        products=(request.product,),
    )
