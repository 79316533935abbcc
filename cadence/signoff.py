"""Sales previews and signs off: who approved which product's touches, and what changed since.

A named person of marketing and one of sales each sign off a product's touches
(the whole plan: every product at once). A :class:`~cadence.model.Signoff`
records the person, the role, the time (UTC, passed in by the caller: the core
never reads the clock), a fingerprint of the touches, and the touches
themselves, so that a later change can be shown as a diff. Rules:

* A product is **signed off** when its latest marketing and latest sales
  sign-offs both carry the fingerprint of its touches as they are now.
* It is **changed since sign-off** when any of those latest sign-offs has
  another fingerprint; :func:`touch_changes` lists what changed, against the
  touches that sign-off kept.
* Otherwise it **awaits** the roles that have not signed yet — "in review" when it
  was submitted for review (:func:`submit`) after its last sign-off, or never signed.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from cadence.model import SIGNOFF_ROLES, Gap, Plan, Product, Review, Schedule, Signoff, Touch

__all__ = [
    "SignoffError",
    "SignoffStatus",
    "TouchChange",
    "changes_since_signoff",
    "sign_off",
    "signed_off_gaps",
    "signed_off_products",
    "signed_off_schedule",
    "signoff_status",
    "submit",
    "touch_changes",
    "touches_fingerprint",
]

# The fields of a touch that a sign-off covers, in the order a diff lists them.
TOUCH_FIELDS = (
    "name", "channel", "owner", "stage", "offset_days", "every_days", "time", "automated", "roll",
)  # fmt: skip


class SignoffError(ValueError):
    """A sign-off that cannot be recorded (unknown product, role, empty name)."""


def _touch_data(t: Touch) -> dict[str, object]:
    data: dict[str, object] = {"id": t.id}
    for name in TOUCH_FIELDS:
        value = getattr(t, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def touches_fingerprint(touches: tuple[Touch, ...]) -> str:
    """A short digest of a product's touches (order included): equal touches, equal digest."""
    text = json.dumps([_touch_data(t) for t in touches], sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sign_off(plan: Plan, by: str, role: str, at: datetime, product_id: str | None = None) -> Plan:
    """The plan with ``by`` (role marketing or sales) signing off one product's touches
    at ``at`` — or every product's when ``product_id`` is None."""
    if role not in SIGNOFF_ROLES:
        raise SignoffError(f"--role: must be one of {', '.join(SIGNOFF_ROLES)}, got {role!r}")
    if not by.strip():
        raise SignoffError("--by: the name of the person signing off must not be empty")
    if at.tzinfo is None:
        raise SignoffError("the time of a sign-off must carry a zone (UTC)")
    if product_id is not None and plan.product(product_id) is None:
        known = ", ".join(p.id for p in plan.products) or "none"
        raise SignoffError(f'--product: unknown product "{product_id}" (products: {known})')
    products = [p for p in plan.products if product_id is None or p.id == product_id]
    new = tuple(
        Signoff(p.id, by.strip(), role, at, touches_fingerprint(p.touches), p.touches)
        for p in products
    )
    return replace(plan, signoffs=plan.signoffs + new)


def submit(plan: Plan, by: str, at: datetime, product_id: str | None = None) -> Plan:
    """The plan with one product's touches (every product's: None) submitted for review
    by ``by`` at ``at``: marketing and sales are asked to sign off."""
    if not by.strip():
        raise SignoffError("--by: the name of the person submitting must not be empty")
    if at.tzinfo is None:
        raise SignoffError("the time of a submission must carry a zone (UTC)")
    if product_id is not None and plan.product(product_id) is None:
        known = ", ".join(p.id for p in plan.products) or "none"
        raise SignoffError(f'--product: unknown product "{product_id}" (products: {known})')
    chosen = [p for p in plan.products if product_id is None or p.id == product_id]
    return replace(plan, reviews=plan.reviews + tuple(Review(p.id, by.strip(), at) for p in chosen))


def _open_review(plan: Plan, product_id: str, signed: tuple[Signoff, ...]) -> Review | None:
    """The latest submission of the product, when no sign-off came after it."""
    mine = [q for q in plan.reviews if q.product == product_id]
    latest = max(mine, key=lambda q: q.at, default=None)
    if latest is None:
        return None
    if len(signed) == len(SIGNOFF_ROLES) and all(s.at >= latest.at for s in signed):
        return None  # both roles signed after it
    return latest


@dataclass(frozen=True, slots=True)
class SignoffStatus:
    """Where one product stands: ``state`` is signed_off, changed, awaiting or none."""

    product: str
    state: str
    latest: tuple[Signoff, ...]  # the latest sign-off of each role that signed, by role
    missing: tuple[str, ...]  # roles that have not signed (or whose sign-off is stale)
    review: Review | None = None  # the submission for review still waiting for sign-off

    @property
    def label(self) -> str:
        if self.state == "signed_off":
            return "signed off by " + ", ".join(f"{s.by} ({s.role})" for s in self.latest)
        if self.state == "changed":
            return "changed since sign-off"
        submitted = (
            f"in review (submitted by {self.review.by} on {self.review.at:%Y-%m-%d}), "
            if self.review is not None
            else ""
        )
        if self.state == "awaiting":
            signed = ", ".join(f"{s.by} ({s.role})" for s in self.latest)
            return f"{submitted}awaiting {' and '.join(self.missing)} (signed: {signed})"
        if submitted:
            return f"{submitted}awaiting {' and '.join(self.missing)}"
        return "not signed off"


def _latest(plan: Plan, product_id: str) -> dict[str, Signoff]:
    latest: dict[str, Signoff] = {}
    for s in plan.signoffs:
        if s.product == product_id and (s.role not in latest or s.at >= latest[s.role].at):
            latest[s.role] = s
    return latest


def signoff_status(plan: Plan, product: Product) -> SignoffStatus:
    """Whether ``product`` is signed off by both roles, changed since, or awaiting a role."""
    latest = _latest(plan, product.id)
    signed = tuple(latest[r] for r in SIGNOFF_ROLES if r in latest)
    now = touches_fingerprint(product.touches)
    if any(s.fingerprint != now for s in signed):
        return SignoffStatus(product.id, "changed", signed, ())
    missing = tuple(r for r in SIGNOFF_ROLES if r not in latest)
    review = _open_review(plan, product.id, signed)
    if not signed:
        return SignoffStatus(product.id, "none", (), missing, review)
    if not missing:
        return SignoffStatus(product.id, "signed_off", signed, missing)
    return SignoffStatus(product.id, "awaiting", signed, missing, review)


def signed_off_products(plan: Plan) -> tuple[str, ...]:
    """Ids of the products signed off by both roles and unchanged since."""
    return tuple(p.id for p in plan.products if signoff_status(plan, p).state == "signed_off")


@dataclass(frozen=True, slots=True)
class TouchChange:
    """One difference between the signed touches and today's: added, removed or changed."""

    touch: str
    change: str  # "added" | "removed" | "changed"
    fields: tuple[tuple[str, str, str], ...] = ()  # (field, signed value, current value)

    @property
    def text(self) -> str:
        if self.change != "changed":
            return f"{self.touch}: {self.change}"
        parts = [f"{name} {before} → {after}" for name, before, after in self.fields]
        return f"{self.touch}: " + "; ".join(parts)


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if hasattr(value, "isoformat"):
        return f"{value:%H:%M}" if hasattr(value, "hour") else str(value)
    return str(value)


def touch_changes(signed: tuple[Touch, ...], current: tuple[Touch, ...]) -> list[TouchChange]:
    """What changed from the signed touches to the current ones, in the current order
    (removed ones last)."""
    before = {t.id: t for t in signed}
    now_ids = {t.id for t in current}
    out = []
    for t in current:
        old = before.get(t.id)
        if old is None:
            out.append(TouchChange(t.id, "added"))
            continue
        fields = tuple(
            (name, _shown(getattr(old, name)), _shown(getattr(t, name)))
            for name in TOUCH_FIELDS
            if getattr(old, name) != getattr(t, name)
        )
        if fields:
            out.append(TouchChange(t.id, "changed", fields))
    out += [TouchChange(t.id, "removed") for t in signed if t.id not in now_ids]
    return out


def changes_since_signoff(plan: Plan, product: Product) -> list[TouchChange]:
    """The product's touch changes since the oldest stale latest sign-off ([] when none)."""
    status = signoff_status(plan, product)
    if status.state != "changed":
        return []
    now = touches_fingerprint(product.touches)
    stale = [s for s in status.latest if s.fingerprint != now]
    oldest = min(stale, key=lambda s: s.at)
    return touch_changes(oldest.touches, product.touches)


def signed_off_schedule(plan: Plan, schedule: Schedule) -> Schedule:
    """The schedule with only the signed-off products' touches (``--signed-off-only``):
    broadcasts and requests stay; touches of products not signed off, or changed since,
    go."""
    signed = set(signed_off_products(plan))
    touches = [o for o in schedule.touches if o.kind != "touch" or o.product in signed]
    skipped = [s for s in schedule.skipped if s.kind != "touch" or s.product in signed]
    return Schedule(tuple(touches), tuple(skipped))


def signed_off_gaps(plan: Plan, gaps: Sequence[Gap]) -> list[Gap]:
    """The gaps of signed-off products, and those of no product (capacity)."""
    signed = set(signed_off_products(plan))
    return [g for g in gaps if g.product is None or g.product in signed]
