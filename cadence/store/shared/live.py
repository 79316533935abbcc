"""Live updates: who changed which object of a shared plan, as PostgreSQL notifications.

Two senders, one channel (``cadence``), payloads in JSON:

- **Cadence's own saves** announce themselves just after their COMMIT, one notice per
  save naming every object it wrote (:func:`edit_payload`):
  ``{"plan": …, "changes": [{"kind": …, "id": …, "op": …, "revision": n}, …]}``, or
  ``{"plan": …, "op": "reload"}`` when that would not fit PostgreSQL's 8000-byte limit.
  The notice goes in its own short transaction that need not reach the disk: an edit
  transaction that NOTIFYs holds PostgreSQL's notify lock through its WAL flush, which
  would serialize every writer's commit (see docs/shared-plans.md, "Live changes").
- **Any other client** (psql, a sales login's script): a trigger on each object table
  sends ``{"plan": …, "kind": …, "id": …, "op": "insert"|"update"|"delete", "revision": n}``
  per row, delivered when, and only if, the transaction commits. The trigger stays
  quiet in sessions that set ``cadence.notify_after_commit = on`` (Cadence's store).

:class:`PlanListener` collects the notices of one plan; a window re-plans only the
objects named. A notice can be missed (a client killed between its COMMIT and its
notice, a lost connection): listeners also compare revisions with the server when idle
(``SharedPlan.stale_objects``, every :data:`IDLE_CHECK_SECONDS`) and after reconnecting.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import make_conninfo

from cadence.store.shared.statements import readable_now
from cadence.store.shared.url import SharedLocation, parse_shared_url

CHANNEL = "cadence"
KIND_OF_TABLE = {"plan": "settings"}
#: the session setting that tells the trigger the session announces its own edits
NOTIFY_AFTER_COMMIT = "cadence.notify_after_commit"
#: PostgreSQL refuses a payload of 8000 bytes or more (default build)
PAYLOAD_LIMIT = 8000
RELOAD = "reload"  # the op of a notice that names no objects: re-read the whole plan
#: a listener with no notice for this long asks the server whether it missed one
IDLE_CHECK_SECONDS = 5.0
#: a listening window applies others' changes at most once in this many seconds
REFRESH_EVERY_SECONDS = 0.25


class RefreshThrottle:
    """When a listener applies the notices it holds (re-read, re-plan, repaint).

    At once after a quiet spell; during a burst of others' edits, once every
    :data:`REFRESH_EVERY_SECONDS`, with every notice that came meanwhile. Without it
    a window re-planned after each commit as fast as it could: ten open windows used
    both cores of a small server during a burst of saves, and the saves themselves
    waited for a core (the commit latency the shared-plan bench measures).
    """

    def __init__(self, every: float = REFRESH_EVERY_SECONDS) -> None:
        self.every = every
        self.last: float | None = None  # when the last refresh was done (monotonic seconds)

    def wait(self, now: float) -> float:
        """Seconds to wait before applying what is held (0: now)."""
        if self.last is None:
            return 0.0
        return max(0.0, self.last + self.every - now)

    def applied(self, now: float) -> None:
        """A refresh was just done."""
        self.last = now


@dataclass(frozen=True)
class ChangeNotice:
    """One object changed by a committed transaction."""

    plan: str
    kind: str  # settings, team, product, stage, touch, broadcast, request
    object_id: str  # "" for settings; "product/stage" for stages and touches
    op: str  # insert, update, delete
    revision: int | None = None  # the object's revision after the change (before, for delete)

    @property
    def key(self) -> tuple[str, str]:
        """(kind, id): what ``SharedPlan.refresh`` takes."""
        return (self.kind, self.object_id)

    @property
    def reload_all(self) -> bool:
        """The notice names no objects (too many changed): re-read the whole plan."""
        return self.op == RELOAD


def parse_notice(payload: str) -> ChangeNotice | None:
    """The one notice in a trigger's notification payload, or None when it is not one."""
    try:
        return _notice(json.loads(payload))
    except (ValueError, KeyError, TypeError):
        return None


def parse_notices(payload: str) -> list[ChangeNotice]:
    """The notices in any payload of channel ``cadence`` (a trigger's, a save's, or a
    save's "reload"); [] when it is not one of ours."""
    try:
        data = json.loads(payload)
        if data.get("op") == RELOAD and "kind" not in data:
            return [ChangeNotice(str(data["plan"]), "*", "", RELOAD)]
        if "changes" in data:
            return [_notice({**change, "plan": data["plan"]}) for change in data["changes"]]
        return [_notice(data)]
    except (ValueError, KeyError, TypeError, AttributeError):
        return []


def _notice(data: dict[str, object]) -> ChangeNotice:
    kind = KIND_OF_TABLE.get(str(data["kind"]), str(data["kind"]))
    object_id = "" if kind == "settings" else str(data["id"])
    revision = data.get("revision")
    return ChangeNotice(
        str(data["plan"]),
        kind,
        object_id,
        str(data["op"]),
        int(revision) if revision is not None else None,  # type: ignore[call-overload]
    )


def edit_payload(plan: str, changes: list[ChangeNotice]) -> str:
    """The one notice of a save that wrote ``changes`` (objects of ``plan``): every
    object named, or "reload the plan" when the list would exceed the payload limit."""
    payload = json.dumps(
        {
            "plan": plan,
            "changes": [
                {"kind": c.kind, "id": c.object_id, "op": c.op, "revision": c.revision}
                for c in changes
            ],
        },
        separators=(",", ":"),
    )
    if len(payload.encode()) < PAYLOAD_LIMIT:
        return payload
    return json.dumps({"plan": plan, "op": RELOAD}, separators=(",", ":"))


def conninfo(location: SharedLocation) -> str:
    """A libpq connection string for the location (password only if the URL had one)."""
    url = location.database
    params: dict[str, str | int | None] = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        **{k: str(v) for k, v in url.query.items()},
    }
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None})


class PlanListener:
    """Listens for committed changes of one plan. ``poll()`` returns what arrived.

    ``fileno()`` is the connection's socket: a GUI can watch it (QSocketNotifier) and
    call ``poll(0)`` when it becomes readable, so nothing blocks the event loop.
    """

    def __init__(self, url: str, *, password: str | None = None) -> None:
        self.location = parse_shared_url(url).with_password(password)
        self._conn = psycopg.connect(conninfo(self.location), autocommit=True)
        self._conn.execute(f"LISTEN {CHANNEL}")

    @property
    def plan(self) -> str:
        assert self.location.plan is not None
        return self.location.plan

    def fileno(self) -> int:
        return self._conn.fileno()

    def poll(self, timeout: float) -> list[ChangeNotice]:
        """Wait up to ``timeout`` seconds for the first change of this plan; return every
        change of this plan received by then (in commit order, duplicates removed)."""
        found: dict[ChangeNotice, None] = {}  # in order, each once
        deadline = time.monotonic() + timeout
        while True:
            # Once something of this plan arrived, only drain what is already here:
            # asked only when the socket has more (a wait that times out costs more).
            if found and not readable_now(self._conn):
                break
            wait = 0.0 if found else max(0.0, deadline - time.monotonic())
            received = list(self._conn.notifies(timeout=wait, stop_after=1))
            if not received:
                break
            for n in received:
                for notice in parse_notices(n.payload):
                    if notice.plan == self.plan:
                        found.setdefault(notice)
        return list(found)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PlanListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
