"""Plan operations on submitted requests and on team ownership (pure, no Qt, no clock).

``edit_request`` fixes a submitted request (a typo in its title, another
deadline…), ``delete_request`` takes it out of the plan, and ``reassign_team``
hands everything a team owns or asked for to another team, so the team can be
removed. Each returns a new plan; the GUI pushes it as one undoable edit.
"""

from __future__ import annotations

from dataclasses import replace

from cadence.model import Plan, Product, Request
from cadence.requests import DraftInvalid, RequestError, UnknownRequest, draft_errors

#: the fields of a request a planner may change after submitting it
EDITABLE_FIELDS = (
    "title",
    "product",
    "stage",
    "requested_by",
    "requested_on",
    "needed_by",
    "production_days",
    "note",
)


def _existing(plan: Plan, request_id: str) -> Request:
    request = plan.request(request_id)
    if request is None:
        raise UnknownRequest(request_id, (q.id for q in plan.requests))
    return request


def edit_request(plan: Plan, request_id: str, edited: Request) -> Plan:
    """The plan with request ``request_id`` taking ``edited``'s editable fields.

    The id, status and booked start stay (a booked request keeps its days).
    Raises UnknownRequest, or DraftInvalid naming each bad field.
    """
    request = _existing(plan, request_id)
    changed = replace(request, **{f: getattr(edited, f) for f in EDITABLE_FIELDS})
    changed = replace(changed, title=changed.title.strip())
    errors = draft_errors(plan, replace(changed, id=""))
    if errors:
        raise DraftInvalid(errors)
    requests = tuple(changed if q.id == request_id else q for q in plan.requests)
    return replace(plan, requests=requests)


def delete_request(plan: Plan, request_id: str) -> Plan:
    """The plan without request ``request_id`` (raises UnknownRequest)."""
    _existing(plan, request_id)
    return replace(plan, requests=tuple(q for q in plan.requests if q.id != request_id))


def _reassign_product(product: Product, old: str, new: str) -> Product:
    stages = tuple(replace(s, owner=new) if s.owner == old else s for s in product.stages)
    touches = tuple(replace(t, owner=new) if t.owner == old else t for t in product.touches)
    return replace(product, stages=stages, touches=touches)


def reassign_team(plan: Plan, old_team: str, new_team: str) -> Plan:
    """The plan with team ``old_team``'s stages, touches, broadcasts, requests, studio and
    content library assets given to ``new_team`` (the old team itself stays; remove it afterwards).

    Raises RequestError when either team is unknown or both are the same.
    """
    for team_id in (old_team, new_team):
        if plan.team(team_id) is None:
            listing = ", ".join(t.id for t in plan.teams) or "none defined"
            raise RequestError(f'unknown team "{team_id}" (teams: {listing})')
    if old_team == new_team:
        raise RequestError(f'cannot reassign team "{old_team}" to itself')
    products = tuple(_reassign_product(p, old_team, new_team) for p in plan.products)
    broadcasts = tuple(
        replace(b, owner=new_team) if b.owner == old_team else b for b in plan.broadcasts
    )
    requests = tuple(
        replace(q, requested_by=new_team) if q.requested_by == old_team else q
        for q in plan.requests
    )
    studio = plan.studio
    if studio is not None and studio.team == old_team:
        studio = replace(studio, team=new_team)
    content = tuple(replace(a, owner=new_team) if a.owner == old_team else a for a in plan.content)
    return replace(
        plan,
        products=products,
        broadcasts=broadcasts,
        requests=requests,
        studio=studio,
        content=content,
    )
