"""A shared plan behind the same facade as a .cadence ``Document`` (what the app edits).

:class:`SharedDocument` wraps :class:`~cadence.store.shared.plans.SharedPlan` so the
app's controller treats both alike: ``load()``, ``save(plan) -> Changes``, ``close()``,
``read_only``. Its failures are :class:`SharedStoreError` (a ``StoreError``), carrying
the :class:`Conflict` when the edit was based on a stale object, or ``lost=True`` when
the server could not be reached. It also says who the login is on this plan
(:class:`Membership`: planner, sales of a team, viewer), and :func:`sales_refusal`
is the rule the app applies before a sales login's edit reaches the database (which
enforces the same rule with row-level security).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cadence.model import Plan
from cadence.ops import Changes, diff_plans
from cadence.store.document import StoreError
from cadence.store.shared.objects import ObjectKey
from cadence.store.shared.plans import (
    Conflict,
    NotAllowed,
    SharedError,
    SharedPlan,
    explain,
    open_shared_plan,
)

ROLES = ("planner", "sales", "viewer")


class SharedStoreError(StoreError):
    """A shared plan refused or failed a save; nothing was written."""

    def __init__(
        self, message: str, conflict: Conflict | None = None, *, lost: bool = False
    ) -> None:
        super().__init__(message)
        self.conflict = conflict
        self.lost = lost  # the server could not be reached (not a refusal)


@dataclass(frozen=True)
class Membership:
    """What the login may do on shared plans: ``role`` planner | sales | viewer."""

    login: str
    role: str
    team: str | None = None

    @property
    def reason(self) -> str:
        """One line for the window: why edits are limited (empty for planners)."""
        if self.role == "viewer":
            return f"{self.login} is a viewer of this shared plan: it can read and export it."
        if self.role == "sales":
            return (
                f"{self.login} is a sales login (team {self.team}): it can submit and edit "
                f"the requests of team {self.team} only."
            )
        return ""


def sales_refusal(old: Plan, new: Plan, team: str | None) -> str | None:
    """Why a sales login of ``team`` may not make the edit ``old`` → ``new`` (None: it may).

    Sales add requests and change their own team's requests; they change nothing else,
    remove nothing and never move a request to another team.
    """
    changes = diff_plans(old, new)
    if changes != Changes(requests=True) and not changes.empty:
        return f"sales logins change requests only (team {team}); this edit changes the plan"
    before = {r.id: r for r in old.requests}
    after = {r.id: r for r in new.requests}
    if before.keys() - after.keys():
        return "sales logins cannot remove requests"
    for request_id, request in after.items():
        previous = before.get(request_id)
        if previous == request:
            continue
        if request.requested_by != team or (previous and previous.requested_by != team):
            return (
                f"request {request_id!r}: sales logins change the requests of their own "
                f"team ({team}) only"
            )
    return None


class SharedDocument:
    """An open shared plan with the .cadence ``Document``'s facade (see module doc)."""

    def __init__(self, shared: SharedPlan, membership: Membership) -> None:
        self.shared = shared
        self.membership = membership
        self.read_only = membership.role == "viewer"
        self.path = None
        #: why the last save failed (its conflict, or lost=True); None after a good save
        self.last_error: SharedStoreError | None = None

    @property
    def label(self) -> str:
        """The URL to show and remember: never with a password."""
        return self.shared.location.address

    @property
    def plan(self) -> Plan:
        return self.shared.plan

    def load(self) -> Plan:
        try:
            return self.shared.load()
        except SharedError as exc:
            raise SharedStoreError(str(exc), lost=not isinstance(exc, NotAllowed)) from None

    def refresh(self, changed: Iterable[ObjectKey]) -> Plan:
        """Re-read only the ``changed`` objects (from change notices)."""
        try:
            return self.shared.refresh(changed)
        except SharedError as exc:
            raise SharedStoreError(str(exc), lost=True) from None

    def stale_objects(self) -> set[ObjectKey]:
        """The objects others changed since they were read (a missed notice): one query."""
        try:
            return self.shared.stale_objects()
        except SharedError as exc:
            raise SharedStoreError(str(exc), lost=not isinstance(exc, NotAllowed)) from None

    def revision(self, kind: str, object_id: str = "") -> int | None:
        return self.shared.revision(kind, object_id)

    def save(self, plan: Plan) -> Changes:
        """Write the objects that differ in one transaction; what changed, as for files."""
        self.last_error = None
        try:
            return self._save(plan)
        except SharedStoreError as exc:
            self.last_error = exc
            raise

    def _save(self, plan: Plan) -> Changes:
        if self.read_only:
            raise SharedStoreError(f"{self.label}: {self.membership.reason}")
        old = self.shared.plan
        if self.membership.role == "sales":
            refusal = sales_refusal(old, plan, self.membership.team)
            if refusal is not None:
                raise SharedStoreError(f"not allowed: {refusal}")
        try:
            self.shared.save(plan)
        except Conflict as exc:
            raise SharedStoreError(str(exc), exc) from None
        except NotAllowed as exc:
            raise SharedStoreError(str(exc)) from None
        except SharedError as exc:
            raise SharedStoreError(str(exc), lost=True) from None
        return diff_plans(old, plan)

    def close(self) -> None:
        self.shared.close()

    def __enter__(self) -> SharedDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def membership(shared: SharedPlan) -> Membership:
    """The login's role on the server: its ``member`` row (planner when it has none:
    the database owner or a superuser; the database still decides what it may do)."""
    try:
        with shared.engine.connect() as conn:
            login = str(conn.execute(text("SELECT session_user")).scalar())
            row = conn.execute(
                text("SELECT role, team FROM member WHERE login = :login"), {"login": login}
            ).first()
    except SQLAlchemyError as exc:
        raise SharedStoreError(explain(exc, shared.location), lost=True) from None
    if row is None or row.role not in ROLES:
        return Membership(login, "planner")
    return Membership(login, str(row.role), row.team)


def open_shared_document(url: str, password: str | None = None) -> SharedDocument:
    """Connect to the plan at ``url`` and load it; SharedStoreError says why not.

    ``password`` (from a prompt) is used for this connection only, never stored;
    without it libpq takes PGPASSWORD or ~/.pgpass.
    """
    try:
        shared = open_shared_plan(url, password=password)
    except SharedError as exc:
        raise SharedStoreError(str(exc), lost=True) from None
    try:
        document = SharedDocument(shared, membership(shared))
        document.load()
    except BaseException:
        shared.close()
        raise
    return document
