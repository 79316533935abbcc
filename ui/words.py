"""Words people use: plurals, and validation errors told with names instead of paths.

The validation layer names a field by its JSON path
(``products[0].stages[0].days: must be an integer ≥ 1, got 0``), which is what
the command line shows. The app says the same with the names a planner sees:
``Stage “Awareness” of Analytics Suite: days must be at least 1``.
"""

from __future__ import annotations

import re

from cadence.model import Plan

#: field names of the plan format in the words of the app's forms
FIELD_WORDS: dict[str, str] = {
    "days": "days",
    "owner": "owner",
    "conversion": "conversion",
    "max_silence_days": "maximum silence",
    "offset_days": "offset (days)",
    "every_days": "repeat every (days)",
    "time": "time of day",
    "channel": "channel",
    "stage": "stage",
    "roll": "roll policy",
    "color": "colour",
    "weekly_capacity": "capacity per week",
    "rrule": "repeat rule",
    "dtstart": "first date",
    "products": "products",
    "min_spacing_days": "spacing",
    "handoff_sla_days": "hand-off",
    "capacity_per_day": "requests per working day",
    "min_lead_days": "lead time",
    "team": "producing team",
    "timezone": "time zone",
    "start": "start",
    "end": "end",
    "lead_definition": "lead definition",
    "requested_by": "requested by",
    "requested_on": "requested on",
    "needed_by": "needed by",
    "production_days": "production days",
    "workdays": "working days",
    "count": "count",
    "size": "leads per cohort",
    "dates": "intake dates",
}

_PATH = re.compile(
    r"^(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (?P<message>.*)$", re.S
)
_SEGMENT = re.compile(r"^(?P<name>[a-z_]+)(?:\[(?P<index>\d+)\])?$")


def plural(n: int, word: str, many: str | None = None) -> str:
    """ "1 touch", "2 touches", "0 gaps" (``many`` when adding "s" is wrong)."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {many or (word + 'es' if word.endswith(('ch', 'sh', 's', 'x')) else word + 's')}"


def _message_in_words(message: str) -> str:
    message = re.sub(r"must be an integer ≥ (-?\d+), got .*$", r"must be at least \1", message)
    return message


def _segments(path: str) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for part in path.split("."):
        m = _SEGMENT.match(part)
        if m is None:
            return []
        index = m.group("index")
        out.append((m.group("name"), int(index) if index is not None else None))
    return out


def _item(items: tuple, index: int | None) -> object | None:
    if index is None or not 0 <= index < len(items):
        return None
    return items[index]


def _where(plan: Plan, segments: list[tuple[str, int | None]]) -> tuple[str, list[str]]:
    """(the thing named, the remaining field names) for a path's segments."""
    (head, index), rest = segments[0], segments[1:]
    if head == "products":
        product = _item(plan.products, index)
        pname = getattr(product, "name", f"product {index}")
        if rest and rest[0][0] in ("stages", "touches") and product is not None:
            kind, sub = rest[0]
            items = getattr(product, kind)
            thing = _item(items, sub)
            label = "Stage" if kind == "stages" else "Touch"
            name = getattr(thing, "name", None)
            named = f"{label} “{name}”" if name else f"{label} {(sub or 0) + 1}"
            return f"{named} of {pname}", [n for n, _ in rest[1:]]
        if rest and rest[0][0] == "cohorts":
            return f"Cohorts of {pname}", [n for n, _ in rest[1:]]
        return f"Product “{pname}”", [n for n, _ in rest]
    collections = {
        "teams": ("Team", plan.teams, "name"),
        "broadcasts": ("Broadcast", plan.broadcasts, "name"),
        "requests": ("Request", plan.requests, "title"),
    }
    if head in collections:
        label, items, attr = collections[head]
        thing = _item(items, index)
        name = getattr(thing, attr, None)
        return (f"{label} “{name}”" if name else f"{label} {(index or 0) + 1}"), [
            n for n, _ in rest
        ]
    if head == "calendar":
        if rest and rest[0][0] == "blackouts":
            thing = _item(plan.calendar.blackouts, rest[0][1])
            name = getattr(thing, "name", None)
            return (f"Blackout “{name}”" if name else "Blackout"), [n for n, _ in rest[1:]]
        if rest and rest[0][0] == "holidays":
            return "Public holidays", [n for n, _ in rest[1:]]
        return "Working calendar", [n for n, _ in rest]
    if head == "rules":
        return "Rules", [n for n, _ in rest]
    if head == "studio":
        return "Studio", [n for n, _ in rest]
    return "Plan", [head] + [n for n, _ in rest]


def error_in_words(plan: Plan, text: str) -> str:
    """A validation message ("path: message") told with the plan's names.

    ``plan`` is the plan the message is about (the refused one); text without a
    path comes back unchanged.
    """
    m = _PATH.match(text)
    if m is None:
        return text
    segments = _segments(m.group("path"))
    if not segments:
        return text
    where, fields = _where(plan, segments)
    message = _message_in_words(m.group("message"))
    field = " ".join(FIELD_WORDS.get(f, f.replace("_", " ")) for f in fields)
    if not field:
        return f"{where}: {message}"
    if message.startswith(("must", "lists")):
        return f"{where}: {field} {message}"
    return f"{where}, {field}: {message}"
