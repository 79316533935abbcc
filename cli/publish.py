"""Publish one team's calendar into a CalDAV collection (Radicale, Nextcloud, Fastmail, iCloud…).

Edge code over the ``caldav`` library; the core never imports it. Each event is
one resource (``<collection>/<UID>.ics``). A run reads what the collection holds
(one ``calendar-query`` REPORT for ETags and data), builds the team's events
with the server's copies as the previous revision (so a changed event gets
SEQUENCE + 1, an unchanged one keeps its bytes), then

* PUTs new events with ``If-None-Match: *``,
* PUTs changed events with ``If-Match: <etag>``,
* DELETEs, with ``If-Match``, the events of ours that the plan no longer has,

and sends nothing when nothing changed. Resources another program wrote
(another PRODID) are never touched. Each of our events carries
``X-CADENCE-KEY``, the digest of its content, so a server that re-serializes
what it stores does not make every event look changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit, urlunsplit

from cadence.model import Plan, Schedule

KEY_PROPERTY = "X-CADENCE-KEY"
_NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}
_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>
</C:calendar-query>"""


class PublishError(Exception):
    """The server refused or could not be reached (message is for the user)."""


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """One of our events as the collection holds it."""

    uid: str
    href: str
    etag: str
    key: str
    start: str  # DTSTART value, for the change list
    summary: str
    sequence: int = 0
    stamp: str = ""  # DTSTAMP value


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One event as the plan has it now, ready to PUT."""

    uid: str
    key: str
    start: str
    summary: str
    resource: str  # a whole VCALENDAR with this one VEVENT


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What a publish sends: by date, for the dry run and the report."""

    added: list[PlannedEvent] = field(default_factory=list)
    changed: list[tuple[ServerEvent, PlannedEvent]] = field(default_factory=list)
    removed: list[ServerEvent] = field(default_factory=list)
    unchanged: int = 0

    @property
    def writes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    def lines(self) -> list[str]:
        """``+ 2027-01-05  Title`` (added), ``~`` changed, ``-`` removed, by date."""
        rows = [(e.start, "+", e.summary) for e in self.added]
        rows += [(new.start, "~", new.summary) for _old, new in self.changed]
        rows += [(old.start, "-", old.summary) for old in self.removed]
        return [f"  {sign} {_day(start)}  {summary}" for start, sign, summary in sorted(rows)]


def _day(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) >= 8 else value


def safe_url(url: str) -> str:
    """The URL without a user name or password in it (for messages)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


# --- reading the collection ---------------------------------------------------------


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "").split("\n")


def parse_resource(href: str, etag: str, data: str) -> ServerEvent | None:
    """Our event in one stored resource, or None (another program's, or not an event)."""
    from cadence.formats.ical import PRODID, event_key

    lines = _unfold(data)
    if f"PRODID:{PRODID}" not in lines:
        return None
    try:
        begin = lines.index("BEGIN:VEVENT")
        end = lines.index("END:VEVENT", begin)
    except ValueError:
        return None
    body = lines[begin + 1 : end]
    fields: dict[str, str] = {}
    for line in body:
        if line.startswith("BEGIN:VALARM"):
            break
        name = re.split("[;:]", line, maxsplit=1)[0].upper()
        fields.setdefault(name, line)
    uid = fields.get("UID", "").partition(":")[2]
    if not uid:
        return None
    key = fields.get(KEY_PROPERTY, "").partition(":")[2] or event_key(body)
    try:
        sequence = int(fields.get("SEQUENCE", "SEQUENCE:0").partition(":")[2])
    except ValueError:
        sequence = 0
    return ServerEvent(
        uid=uid,
        href=href,
        etag=etag,
        key=key,
        start=fields.get("DTSTART", "").rpartition(":")[2],
        summary=_unescape(fields.get("SUMMARY", "").partition(":")[2]),
        sequence=sequence,
        stamp=fields.get("DTSTAMP", "").rpartition(":")[2],
    )


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def read_collection(client: object, url: str) -> dict[str, ServerEvent]:
    """UID → our events in the collection (one REPORT)."""
    response = client.report(url, _QUERY, depth=1)  # type: ignore[attr-defined]
    if response.status == 404:
        raise PublishError(
            f"{safe_url(url)}: no calendar collection there (404); create the calendar first"
        )
    if response.status not in (200, 207):
        raise PublishError(f"{safe_url(url)}: the server answered {response.status} to REPORT")
    tree = response.tree
    out: dict[str, ServerEvent] = {}
    if tree is None:
        return out
    for item in tree.iterfind("D:response", _NS):
        href = item.findtext("D:href", default="", namespaces=_NS)
        etag = item.findtext(".//D:getetag", default="", namespaces=_NS)
        data = item.findtext(".//C:calendar-data", default="", namespaces=_NS)
        event = parse_resource(href, etag, data)
        if event is not None:
            out[event.uid] = event
    return out


# --- what the plan has --------------------------------------------------------------


def planned_events(
    plan: Plan,
    schedule: Schedule,
    team: str,
    server: dict[str, ServerEvent],
    now: datetime,
    alarm: timedelta | None = None,
) -> list[PlannedEvent]:
    """The team's events as resources, revised against what the server holds."""
    from cadence.formats.ical import EPOCH_STAMP, PRODID, PreviousEvent, event_key, ics_bytes

    # The server's copies are the previous revision: their SEQUENCE and stamps.
    previous = {
        uid: PreviousEvent(key=held.key, sequence=held.sequence, stamp=held.stamp or EPOCH_STAMP)
        for uid, held in server.items()
    }
    data = ics_bytes(plan, schedule, (), team=team, now=now, previous=previous, alarm=alarm)
    text = data.decode("utf-8")
    head, _, rest = text.partition("BEGIN:VEVENT\r\n")
    zone = ""
    if "BEGIN:VTIMEZONE\r\n" in head:
        zone = head[head.index("BEGIN:VTIMEZONE\r\n") : head.index("END:VTIMEZONE\r\n")]
        zone += "END:VTIMEZONE\r\n"
    opening = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\nCALSCALE:GREGORIAN\r\n"
    out = []
    chunks = ("BEGIN:VEVENT\r\n" + rest).split("BEGIN:VEVENT\r\n")[1:] if rest else []
    for chunk in chunks:
        body_text = chunk.split("END:VEVENT\r\n")[0]
        body = _unfold(body_text.rstrip("\r\n"))
        key = event_key(body)
        fields = {re.split("[;:]", line, maxsplit=1)[0]: line for line in reversed(body)}
        uid = fields["UID"].partition(":")[2]
        event = f"BEGIN:VEVENT\r\n{body_text}{KEY_PROPERTY}:{key}\r\nEND:VEVENT\r\n"
        timed = ";TZID=" in fields.get("DTSTART", "")
        resource = opening + (zone if timed else "") + event + "END:VCALENDAR\r\n"
        out.append(
            PlannedEvent(
                uid=uid,
                key=key,
                start=fields["DTSTART"].rpartition(":")[2],
                summary=_unescape(fields["SUMMARY"].partition(":")[2]),
                resource=resource,
            )
        )
    return out


def change_set(server: dict[str, ServerEvent], planned: Sequence[PlannedEvent]) -> ChangeSet:
    """Compare the collection with the plan: added, changed (content key differs), removed."""
    changes = ChangeSet()
    unchanged = 0
    wanted = {event.uid for event in planned}
    for event in planned:
        held = server.get(event.uid)
        if held is None:
            changes.added.append(event)
        elif held.key != event.key:
            changes.changed.append((held, event))
        else:
            unchanged += 1
    changes.removed.extend(held for uid, held in server.items() if uid not in wanted)
    return ChangeSet(changes.added, changes.changed, changes.removed, unchanged)


def resource_url(collection: str, uid: str) -> str:
    return collection.rstrip("/") + "/" + quote(uid, safe="") + ".ics"


def apply(client: object, collection: str, changes: ChangeSet) -> None:
    """Send the change set: PUT new (If-None-Match: *) and changed (If-Match), DELETE removed."""
    calendar_type = {"Content-Type": "text/calendar; charset=utf-8"}

    def check(response: object, what: str, url: str) -> None:
        status = response.status  # type: ignore[attr-defined]
        if status == 412:
            raise PublishError(
                f"{safe_url(url)}: changed on the server meanwhile ({what} refused); "
                "publish again to take the new state into account"
            )
        if status >= 300:
            raise PublishError(f"{safe_url(url)}: the server answered {status} to {what}")

    for event in changes.added:
        url = resource_url(collection, event.uid)
        response = client.put(url, event.resource, {**calendar_type, "If-None-Match": "*"})  # type: ignore[attr-defined]
        check(response, "PUT", url)
    for held, event in changes.changed:
        url = _absolute(collection, held.href)
        response = client.put(url, event.resource, {**calendar_type, "If-Match": held.etag})  # type: ignore[attr-defined]
        check(response, "PUT", url)
    for held in changes.removed:
        url = _absolute(collection, held.href)
        response = client.delete(url, {"If-Match": held.etag})  # type: ignore[attr-defined]
        check(response, "DELETE", url)


def _absolute(collection: str, href: str) -> str:
    if "://" in href:
        return href
    parts = urlsplit(collection)
    return urlunsplit((parts.scheme, parts.netloc, href, "", ""))
