"""Live updates: who changed which object of a shared plan, as PostgreSQL notifications.

Every committed change of an object row sends a notification on channel ``cadence``
(a trigger in the schema, so raw SQL edits are announced too) with a JSON payload
``{"plan": …, "kind": …, "id": …, "op": "insert"|"update"|"delete", "revision": n}``; PostgreSQL
delivers them when, and only if, the transaction commits. :class:`PlanListener`
collects the ones of one plan; a window re-plans only the objects named.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import make_conninfo

from cadence.store.shared.url import SharedLocation, parse_shared_url

CHANNEL = "cadence"
KIND_OF_TABLE = {"plan": "settings"}


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


def parse_notice(payload: str) -> ChangeNotice | None:
    """The notice in a notification payload, or None when it is not one of ours."""
    try:
        data = json.loads(payload)
        kind = KIND_OF_TABLE.get(data["kind"], data["kind"])
        object_id = "" if kind == "settings" else str(data["id"])
        revision = data.get("revision")
        return ChangeNotice(
            str(data["plan"]),
            kind,
            object_id,
            str(data["op"]),
            int(revision) if revision is not None else None,
        )
    except (ValueError, KeyError, TypeError):
        return None


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
        found: list[ChangeNotice] = []
        deadline = time.monotonic() + timeout
        while True:
            # Once something of this plan arrived, only drain what is already here.
            wait = 0.0 if found else max(0.0, deadline - time.monotonic())
            received = list(self._conn.notifies(timeout=wait, stop_after=1))
            if not received:
                break
            for n in received:
                notice = parse_notice(n.payload)
                if notice is not None and notice.plan == self.plan and notice not in found:
                    found.append(notice)
        return found

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PlanListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
