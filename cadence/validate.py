"""One validation path: raw input (JSON data, database rows, GUI forms) → Plan.

:func:`build_plan` either returns an immutable :class:`~cadence.model.Plan` or
raises :class:`PlanInvalid` carrying *every* error found, each naming the JSON
path of the field and the bad value, e.g.
``products[0].stages[2].days: must be an integer ≥ 1, got -3``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cadence.fields import (
    MAX_DAYS,
    MAX_NAME,
    MAX_TEXT,
    keys_of,
    make_function,
    written_fields,
    written_keys,
)
from cadence.fields import Spec as FieldSpec
from cadence.model import (
    FORMAT_VERSION,
    PALETTE,
    PLAN_PARTS,
    PRODUCT_PARTS,
    SUPPORTED_VERSIONS,
    WEEKDAYS,
    ActionItem,
    Asset,
    Blackout,
    Broadcast,
    Cohorts,
    HolidayRule,
    Plan,
    Product,
    Request,
    Review,
    Rules,
    Signoff,
    Stage,
    Studio,
    Team,
    Touch,
    WorkCalendar,
)
from cadence.recurrence import (
    RRULE_FREQUENCIES,
    RRULE_SUBDAILY_PARTS,
    normalise_rrule,
    parse_rrule,
    rrule_parts,
)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

# Bounds far beyond any real plan. They keep every date a plan implies (rolls,
# journeys, production runs) inside Python's calendar and every loop finite.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

# Limits on the raw data, far beyond any real plan; see docs/plan-format.md#limits.
# MAX_DAYS, MAX_TEXT, MAX_NAME and MAX_COUNT are declared with the fields (cadence.fields).
MAX_DEPTH = 20  # objects and lists inside each other (a plan needs 6)
MAX_ITEMS = 100_000  # entries in any list (products, requests, blackouts, dates …)
# Limits on the work a plan asks for. The largest real plans (the 125 k-occurrence
# benchmark plan, and ten times it) stay far below them.
MAX_HORIZON_DAYS = MAX_DAYS  # start … end: a hundred years
MAX_OCCURRENCES = 5_000_000  # touch and broadcast occurrences in the horizon
MAX_INTAKES = 1_000_000  # cohort intake dates of all products together


class DuplicateKeys(dict[str, Any]):
    """A JSON object that named a key more than once (see :func:`json_object`)."""

    duplicates: tuple[str, ...] = ()


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads(object_pairs_hook=…)``: a dict that remembers duplicate keys,
    so validation reports them with their path instead of keeping the last."""
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    twice = []
    for key, _ in pairs:
        if key in seen and key not in twice:
            twice.append(key)
        seen.add(key)
    flagged = DuplicateKeys(out)
    flagged.duplicates = tuple(twice)
    return flagged


@dataclass(frozen=True, slots=True)
class PlanError:
    """One problem in the input: where (JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class PlanInvalid(ValueError):
    """The input is not a valid plan; ``errors`` lists every problem found."""

    def __init__(self, errors: list[PlanError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def show(value: Any) -> str:
    """A value as the user wrote it (JSON spelling: strings quoted, null, true)."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        try:
            text = repr(value)
        except ValueError:  # an integer of more than 4300 digits
            return "a number too long to show"
    return text if len(text) <= 80 else text[:77] + "…"


def slugify(text: str) -> str:
    """An id from a name: lower case, [a-z0-9_-], never empty."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "plan"


class _Reader:
    """Collects errors while reading raw values at JSON paths."""

    def __init__(self) -> None:
        self.errors: list[PlanError] = []
        self._missing: set[str] = set()

    def error(self, path: str, message: str) -> None:
        # A missing field is reported once ("required"), not again as a null value.
        if path in self._missing:
            return
        self.errors.append(PlanError(path, message))

    # -- structure ---------------------------------------------------------------

    def obj(self, value: Any, path: str, allowed: Iterable[str]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"must be an object, got {show(value)}")
            return None
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = (
                    f' (did you mean "{close[0]}"?)'
                    if close
                    else f" (allowed: {', '.join(allowed)})"
                )
                self.error(_join(path, str(key)), f"unknown field{hint}")
        return value

    def array(self, value: Any, path: str) -> list[Any] | None:
        if not isinstance(value, list):
            self.error(path, f"must be a list, got {show(value)}")
            return None
        return value

    def required(self, data: dict[str, Any], key: str, path: str) -> Any:
        if key not in data:
            self.error(_join(path, key), "required")
            self._missing.add(_join(path, key))
            return None
        return data[key]

    # -- scalars -----------------------------------------------------------------

    def text(
        self, value: Any, path: str, *, allow_empty: bool = False, limit: int = MAX_NAME
    ) -> str | None:
        if not isinstance(value, str):
            self.error(path, f"must be a text, got {show(value)}")
            return None
        if not allow_empty and not value.strip():
            self.error(path, "must not be empty")
            return None
        if len(value) > limit:
            self.error(path, f"must be at most {limit} characters, got {len(value)}")
            return None
        return value

    def ident(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.error(
                path,
                "must be an id of lower-case letters, digits, '-' and '_' "
                f"starting with a letter or digit, got {show(value)}",
            )
            return None
        return value

    def integer(
        self, value: Any, path: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and maximum is not None and value > maximum:
            self.error(path, f"must be at most {maximum}, got {show(value)}")
            return None
        if ok and (minimum is None or value >= minimum):
            return int(value)
        if minimum is not None:
            want = f"an integer ≥ {minimum}"
        else:
            want = "an integer"
        self.error(path, f"must be {want}, got {show(value)}")
        return None

    def optional_integer(
        self, value: Any, path: str, minimum: int, maximum: int | None = None
    ) -> int | None:
        return None if value is None else self.integer(value, path, minimum, maximum)

    def number(self, value: Any, path: str, lo: float, hi: float) -> float | None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and lo <= value <= hi:
            return float(value)
        self.error(path, f"must be a number from {lo:g} to {hi:g}, got {show(value)}")
        return None

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.error(path, f"must be true or false, got {show(value)}")
            return None
        return value

    def day(self, value: Any, path: str) -> date | None:
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", value):
            self.error(path, f"must be a date YYYY-MM-DD, got {show(value)}")
            return None
        else:
            try:
                day = date.fromisoformat(value)
            except ValueError as exc:
                self.error(path, f"not a real date {show(value)} ({exc})")
                return None
        if not FIRST_DAY <= day <= LAST_DAY:
            self.error(path, f"must be a date from {FIRST_DAY} to {LAST_DAY}, got {show(value)}")
            return None
        return day

    def clock(self, value: Any, path: str) -> time | None:
        if value is None:
            return None
        if isinstance(value, time):
            return value
        if not isinstance(value, str) or not TIME_PATTERN.match(value):
            self.error(path, f'must be a time "HH:MM" (00:00–23:59) or null, got {show(value)}')
            return None
        return time(int(value[:2]), int(value[3:]))

    def choice(self, value: Any, path: str, choices: tuple[str, ...], what: str) -> str | None:
        if value not in choices:
            self.error(path, f"unknown {what} {show(value)} (one of: {', '.join(choices)})")
            return None
        return str(value)

    def reference(
        self, value: Any, path: str, known: Iterable[str], what: str, plural: str
    ) -> str | None:
        known = list(known)
        if value not in known:
            listing = ", ".join(known) if known else "none defined"
            self.error(path, f"unknown {what} {show(value)} ({plural}: {listing})")
            return None
        return str(value)

    def errors_at(self, path: str) -> int:
        """How many errors were found at ``path`` or inside it."""
        return sum(1 for e in self.errors if e.path == path or e.path.startswith(path + "."))

    def unique_ids(self, items: list[tuple[str, str | None]], what: str) -> None:
        seen: set[str] = set()
        for path, ident in items:
            if not isinstance(ident, str):
                continue
            if ident in seen:
                self.error(path, f"duplicate {what} id {show(ident)}")
            seen.add(ident)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _items(r: _Reader, data: dict[str, Any], key: str, path: str) -> list[tuple[str, Any]]:
    """(path, item) for each element of an optional list field."""
    raw = data.get(key, [])
    lst = r.array(raw, _join(path, key))
    return [(f"{_join(path, key)}[{i}]", item) for i, item in enumerate(lst or [])]


# --- fields read as the model declares them (cadence.fields) -----------------------

Check = Callable[["_Reader", Any, str], Any]
Rule = Callable[["_Reader", Any, str, dict[str, Any]], Any]
"""A field's rule where the plan gives it context: (reader, the value given, its path,
the fields read before it) → the value, or None after reporting the error. It takes
the place of the check of the field's kind (e.g. an owner must be one of the teams)."""


def _kind_check(spec: FieldSpec) -> Check:
    """The reader method that checks a value of the field's kind."""
    kind = spec.kind
    if kind == "text" and (spec.allow_empty, spec.limit) != (False, MAX_NAME):
        return partial(_Reader.text, allow_empty=spec.allow_empty, limit=spec.limit)
    if kind == "choice":
        return partial(_Reader.choice, choices=spec.choices, what=spec.what)
    if kind == "integer":
        return partial(_Reader.integer, minimum=spec.minimum, maximum=spec.maximum)
    if kind == "number":
        return partial(_Reader.number, lo=float(spec.minimum or 0), hi=float(spec.maximum or 0))
    if kind == "ids":
        return _ids
    if kind == "days":
        return _days
    if kind == "objects":
        assert spec.item is not None
        return partial(_objects, item=spec.item)
    if kind == "object":
        assert spec.item is not None
        return partial(_object, item=spec.item)
    if kind == "stamp":
        return _timestamp
    plain: dict[str, Check] = {
        "text": _Reader.text,
        "ident": _Reader.ident,
        "boolean": _Reader.boolean,
        "day": _Reader.day,
        "clock": _Reader.clock,
    }
    return plain[kind]


@cache
def kind_check(model: type, attr: str) -> Check:
    """The check of the kind of ``model``'s field ``attr`` (for a rule that adds to it)."""
    return next(_kind_check(f.spec) for f in written_fields(model) if f.attr == attr)


def read_fields(
    r: _Reader,
    data: dict[str, Any],
    path: str,
    model: type,
    rules: dict[str, Rule] | None = None,
    skip: tuple[str, ...] = (),
) -> tuple[dict[str, Any], bool]:
    """Read the fields of a ``model`` object from ``data`` (its JSON object at ``path``).

    A required field must be given; a field left out takes its default; a null
    where the default is null is null (unless the field is not ``nullable``). Every
    other value is checked by its kind (:mod:`cadence.fields`), or by its rule where
    ``rules`` names the field (by default the model's own, ``_OWN_RULES``). ``skip``:
    keys the caller reads itself (a product's stages). Returns the values by
    attribute, and whether every one of them is good.
    """
    if rules is None:
        rules = _OWN_RULES.get(model, _NO_RULES)
    return _field_reader(model, skip)(r, data, path, rules)


_NO_RULES: dict[str, Rule] = {}
_ABSENT = object()  # a key the data leaves out

# The steps of read_fields for one field, written out in _field_reader's function
# (a loop over the fields made reading a large plan 20 % slower).
_FIELD_SOURCE = """
    raw = given({key!r}, {when_absent})
    if raw is ABSENT:
        {absent}
    elif raw is None and {nullable}:
        values[{attr!r}] = None
    else:
        where = path + {dot_key!r} if path else {key!r}
        rule = rule_of({attr!r})
        value = {check} if rule is None else rule(r, raw, where, values)
        if value is None:
            good = False
        values[{attr!r}] = value
"""


def _check_call(spec: FieldSpec, i: int) -> str:
    """The call checking a value of the field's kind, as source (positional arguments:
    faster than partial's keywords)."""
    if spec.kind == "integer":
        return f"r.integer(raw, where, {spec.minimum!r}, {spec.maximum!r})"
    if spec.kind == "choice":
        return f"r.choice(raw, where, {spec.choices!r}, {spec.what!r})"
    if spec.kind in ("ident", "day", "clock", "boolean"):
        return f"r.{spec.kind}(raw, where)"
    return f"checks[{i}](r, raw, where)"


@cache
def _field_reader(
    model: type, skip: tuple[str, ...] = ()
) -> Callable[[_Reader, Any, str, dict[str, Rule]], Any]:
    """read_fields for ``model``: one function, made once from the model's fields."""
    fields = written_fields(model)
    body = []
    for i, f in enumerate(fields):
        if f.key in skip:
            continue
        if f.spec.optional_in_file:  # left out: null, for its rule
            absent = "pass"
        elif f.required:
            absent = f"r.required(data, {f.key!r}, path)\n        good = False\n        "
            absent += f"values[{f.attr!r}] = None"
        else:
            absent = f"values[{f.attr!r}] = defaults[{i}]"
        nullable = f.default is None and not f.required and f.spec.nullable
        body.append(
            _FIELD_SOURCE.format(
                key=f.key,
                attr=f.attr,
                dot_key="." + f.key,
                absent=absent,
                nullable=nullable,
                check=_check_call(f.spec, i),
                when_absent="None" if f.spec.optional_in_file else "ABSENT",
            )
        )
    source = (
        "def read(r, data, path, rules):\n"
        "    values = {}\n    good = True\n    given = data.get\n    rule_of = rules.get\n"
        + "".join(body)
        + "    return values, good\n"
    )
    scope = {
        "ABSENT": _ABSENT,
        "checks": tuple(_kind_check(f.spec) for f in fields),
        "defaults": tuple(f.default for f in fields),
    }
    return make_function("read", source, scope)


def _object(r: _Reader, value: Any, path: str, item: type) -> Any:
    """One ``item`` object, read by its fields (and their own rules, _OWN_RULES)."""
    data = r.obj(value, path, keys_of(item))
    if data is None:
        return None
    values, good = read_fields(r, data, path, item)
    return item(**values) if good else None


def _objects(r: _Reader, value: Any, path: str, item: type) -> tuple[Any, ...] | None:
    """A list of ``item`` objects, each read by its fields (only their kinds: a signed
    touch's owner and stage are history, not references)."""
    lst = r.array(value, path)
    if lst is None:
        return None
    out = []
    for i, x in enumerate(lst):
        where = f"{path}[{i}]"
        data = r.obj(x, where, keys_of(item))
        if data is None:
            continue
        values, good = read_fields(r, data, where, item)
        if good:
            out.append(item(**values))
    return tuple(out)


T = TypeVar("T")


def _list_of(
    r: _Reader, value: Any, path: str, read: Callable[[Any, str], T | None]
) -> tuple[T, ...] | None:
    """A list whose items ``read`` reads (None when it or any item is not valid)."""
    lst = r.array(value, path)
    if lst is None:
        return None
    got = [read(x, f"{path}[{i}]") for i, x in enumerate(lst)]
    return None if None in got else tuple(x for x in got if x is not None)


def _ids(r: _Reader, value: Any, path: str) -> tuple[str, ...] | None:
    """A list of ids."""
    return _list_of(r, value, path, r.ident)


def _days(r: _Reader, value: Any, path: str) -> tuple[date, ...] | None:
    """A list of dates."""
    return _list_of(r, value, path, r.day)


def reference(known: list[str], what: str, plural: str) -> Rule:
    """The rule: the value is one of ``known`` (e.g. the teams' ids)."""

    def rule(r: _Reader, value: Any, path: str, _read: dict[str, Any]) -> str | None:
        return r.reference(value, path, known, what, plural)

    return rule


# --- sections -----------------------------------------------------------------


def _calendar(r: _Reader, raw: Any, path: str) -> WorkCalendar:
    if raw is None:
        return WorkCalendar()
    data = r.obj(raw, path, keys_of(WorkCalendar))
    if data is None:
        return WorkCalendar()
    values, _good = read_fields(r, data, path, WorkCalendar)
    return WorkCalendar(**{k: v for k, v in values.items() if v is not None})


def _workdays(r: _Reader, value: Any, path: str, _read: dict[str, Any]) -> tuple[str, ...] | None:
    """The working weekdays: at least one, each once; kept in week order."""
    lst = r.array(value, path)
    if lst is None:
        return None
    days = [r.choice(w, f"{path}[{i}]", WEEKDAYS, "weekday") for i, w in enumerate(lst)]
    if not lst:
        r.error(path, "must name at least one working weekday")
        return None
    if all(days) and len(set(days)) != len(days):
        r.error(path, f"lists a weekday twice: {show(lst)}")
    return tuple(w for w in WEEKDAYS if w in lst) if all(days) else None


def not_before(earlier: str, show_value: bool = False) -> Rule:
    """The rule: a date is not before the date field ``earlier`` of the same object
    (a blackout's ``end`` and ``start``, a request's ``needed_by`` and ``requested_on``)."""

    def rule(r: _Reader, value: Any, path: str, read: dict[str, Any]) -> date | None:
        day = r.day(value, path)
        first = read.get(earlier)
        if first and day and day < first:
            got = f", got {day}" if show_value else ""
            r.error(path, f"must not be before {earlier} ({first.isoformat()}){got}")
            return None
        return day

    return rule


def _known_country(r: _Reader, country: Any, path: str, _read: dict[str, Any]) -> str | None:
    """A holiday rule's country is one the ``holidays`` package knows."""
    from cadence.calendar import supported_countries

    if not isinstance(country, str) or country not in supported_countries():
        r.error(path, f"unknown country {show(country)}")
        return None
    return country


def _known_subdivision(r: _Reader, sub: Any, path: str, read: dict[str, Any]) -> Any:
    """A holiday rule's subdivision is one of its country's (unchecked while the country
    is bad)."""
    from cadence.calendar import supported_countries

    country = read.get("country")
    if country is None:
        return sub
    known = supported_countries()[country]
    if sub not in known:
        r.error(
            path,
            f"unknown subdivision {show(sub)} of {country} (known: {', '.join(known) or 'none'})",
        )
        return None
    return sub


# The rules of objects that need nothing but the object (read_fields applies them when
# the caller names no rules of the plan's).
_OWN_RULES: dict[type, dict[str, Rule]] = {
    Blackout: {"end": not_before("start")},
    HolidayRule: {"country": _known_country, "subdivision": _known_subdivision},
    WorkCalendar: {"workdays": _workdays},
}


def _rules(r: _Reader, raw: Any, path: str) -> Rules:
    if raw is None:
        return Rules()
    data = r.obj(raw, path, keys_of(Rules))
    if data is None:
        return Rules()
    values, _good = read_fields(r, data, path, Rules)
    # The good ones even when another is bad: the lead desk is checked against the teams.
    return Rules(**{k: v for k, v in values.items() if v is not None})


def _teams(r: _Reader, data: dict[str, Any]) -> tuple[list[Team], list[str]]:
    """The valid teams, and every well-formed team id (so one bad colour does not
    turn each reference to that team into an error too)."""
    teams = []
    ids = []
    for i, (path, item) in enumerate(_items(r, data, "teams", "")):
        t = r.obj(item, path, keys_of(Team))
        if t is None:
            continue
        values, good = read_fields(r, t, path, Team, {"color": partial(_team_color, index=i)})
        ids.append((_join(path, "id"), values["id"]))
        if good:
            teams.append(Team(**values))
    r.unique_ids(ids, "team")
    return teams, [tid for _, tid in ids if tid]


def _team_color(r: _Reader, color: Any, path: str, _read: dict[str, Any], index: int) -> str | None:
    """A team's colour "#rrggbb" (lower case); left out, the palette's next."""
    if color is None:
        return PALETTE[index % len(PALETTE)]
    if not isinstance(color, str) or not COLOR_PATTERN.match(color):
        r.error(path, f'must be a colour "#rrggbb", got {show(color)}')
        return None
    return color.lower()


def _lead_desk(r: _Reader, rules: Rules, team_ids: list[str]) -> None:
    """``rules.lead_desk`` must name a team of the plan."""
    if rules.lead_desk is not None and rules.lead_desk not in team_ids:
        r.reference(rules.lead_desk, "rules.lead_desk", team_ids, "team", "teams")


def _product(r: _Reader, raw: Any, path: str, team_ids: list[str]) -> Product | None:
    """One product: its own fields as declared (its cohorts: :func:`_cohorts`), then its
    stages and touches, whose owners are teams of the plan."""
    p = r.obj(raw, path, written_keys(Product))
    if p is None:
        return None
    own, own_good = read_fields(r, p, path, Product, skip=PRODUCT_PARTS)

    stages: list[Stage] = []
    stage_ids: list[tuple[str, str | None]] = []
    stage_days: dict[str, int] = {}
    spath = _join(path, "stages")
    if "stages" not in p:
        r.error(spath, "required")
    elif isinstance(p["stages"], list) and not p["stages"]:
        r.error(spath, "must list at least one stage")
    for sp, item in _items(r, p, "stages", path):
        s = r.obj(item, sp, keys_of(Stage))
        if s is None:
            continue
        values, good = read_fields(r, s, sp, Stage, {"owner": reference(team_ids, "team", "teams")})
        stage_ids.append((_join(sp, "id"), values["id"]))
        if good:
            stages.append(Stage(**values))
            stage_days[values["id"]] = values["days"]
    r.unique_ids(stage_ids, "stage")
    journey = sum(stage_days.values())
    if journey > MAX_DAYS:
        r.error(spath, f"the stages last {journey} days in all, more than {MAX_DAYS}")
    known_stages = [sid for _, sid in stage_ids if sid]

    touches: list[Touch] = []
    touch_ids: list[tuple[str, str | None]] = []
    rules: dict[str, Rule] = {
        "owner": reference(team_ids, "team", "teams"),
        "stage": reference(known_stages, "stage", "stages"),
        "offset_days": partial(_offset_in_stage, stage_days=stage_days),
    }
    for tp, item in _items(r, p, "touches", path):
        read = _touch(r, item, tp, rules)
        if read is None:
            continue
        values, good = read
        touch_ids.append((_join(tp, "id"), values["id"]))
        if good:
            touches.append(Touch(**values))
    r.unique_ids(touch_ids, "touch")

    if own_good and len(stages) == len(stage_ids) and stages:
        return Product(**own, stages=tuple(stages), touches=tuple(touches))
    return None


def _cohorts(r: _Reader, raw: Any, path: str, _read: dict[str, Any]) -> Cohorts:
    """A product's cohorts: its intake dates, or a series (:func:`_series_or_dates`);
    left out or null, none."""
    if raw is None:
        return Cohorts()
    c = r.obj(raw, path, keys_of(Cohorts))
    if c is None:
        return Cohorts()
    values, good = read_fields(r, _series_or_dates(r, c, path), path, Cohorts)
    return Cohorts(**values) if good else Cohorts()


SERIES = ("start", "every_days", "count")
SERIES_DEFAULTS = {"every_days": 7, "count": 1}


def _series_or_dates(r: _Reader, c: dict[str, Any], path: str) -> dict[str, Any]:
    """Cohorts are given as ``dates`` or as a series from ``start`` (every 7 days, once,
    when ``every_days`` and ``count`` are left out), not both. The fields to read."""
    if "dates" in c:
        for key in SERIES:
            if key in c:
                r.error(
                    _join(path, key),
                    'not allowed together with "dates" (give either dates or start/every_days/count)',
                )
        return {k: v for k, v in c.items() if k not in SERIES}
    r.required(c, "start", path)
    return SERIES_DEFAULTS | c


def _intakes_end_in_time(r: _Reader, count: Any, path: str, read: dict[str, Any]) -> int | None:
    """A series' last intake is not after the last day Cadence knows."""
    count = r.integer(count, path, 1, MAX_DAYS)
    start, every = read.get("start"), read.get("every_days")
    if start and every and count and start.toordinal() + (count - 1) * every > LAST_DAY.toordinal():
        r.error(path, f"{count} intakes every {every} days from {start} would end after {LAST_DAY}")
        return None
    return count


def _intake_dates_once(r: _Reader, value: Any, path: str, _read: dict[str, Any]) -> Any:
    """Cohorts given as dates list each date once."""
    dates = _days(r, value, path)
    if dates is not None and len(set(dates)) != len(dates):
        r.error(path, "lists an intake date twice")
        return None
    return dates


_OWN_RULES[Cohorts] = {"count": _intakes_end_in_time, "dates": _intake_dates_once}
_OWN_RULES[Product] = {"cohorts": _cohorts}


def _broadcast(
    r: _Reader, raw: Any, path: str, team_ids: list[str], product_ids: list[str]
) -> Broadcast | None:
    b = r.obj(raw, path, keys_of(Broadcast))
    if b is None:
        return None
    rules: dict[str, Rule] = {
        "owner": reference(team_ids, "team", "teams"),
        "rrule": partial(_broadcast_rrule, given=b),
        "products": partial(_each_known, known=product_ids, what="product", plural="products"),
        "participants": partial(_participants, team_ids=team_ids),
    }
    values, good = read_fields(r, b, path, Broadcast, rules)
    return Broadcast(**values) if good else None


def _broadcast_rrule(
    r: _Reader, value: Any, path: str, _read: dict[str, Any], given: dict[str, Any]
) -> str | None:
    """A broadcast's RRULE, from its ``dtstart`` (a bad one is reported at its own path)."""
    dtstart = _Reader().day(given.get("dtstart"), "dtstart")
    return _rrule(r, value, path, dtstart)


def _each_known(
    r: _Reader,
    value: Any,
    path: str,
    _read: dict[str, Any],
    known: list[str],
    what: str,
    plural: str,
) -> tuple[str, ...] | None:
    """A list whose entries are each one of ``known`` (a broadcast's products)."""
    lst = r.array(value, path)
    if lst is None:
        return None
    refs = [r.reference(x, f"{path}[{i}]", known, what, plural) for i, x in enumerate(lst)]
    return tuple(x for x in refs if x is not None)


def _participants(
    r: _Reader, value: Any, path: str, _read: dict[str, Any], team_ids: list[str]
) -> tuple[str, ...] | None:
    """A broadcast's participant teams: known team ids, each once."""
    lst = r.array(value, path)
    if lst is None:
        return None
    out: list[str] = []
    for i, x in enumerate(lst):
        where = f"{path}[{i}]"
        team = r.reference(x, where, team_ids, "team", "teams")
        if team is not None and team in out:
            r.error(where, f"lists team {show(team)} twice")
        elif team is not None:
            out.append(team)
    return tuple(out)


def _rrule(r: _Reader, value: Any, path: str, dtstart: date | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        r.error(path, f'must be an RRULE text such as "FREQ=WEEKLY;BYDAY=MO", got {show(value)}')
        return None
    text = normalise_rrule(value)
    if "DTSTART" in text.upper() or "\n" in text:
        r.error(
            path,
            f"must be a single RRULE without DTSTART (use the dtstart field), got {show(value)}",
        )
        return None
    parts = [p for p in text.split(";") if p]
    malformed = [p for p in parts if "=" not in p]
    if malformed or not any(p.upper().startswith("FREQ=") for p in parts):
        what = f"{show(malformed[0])} is not NAME=VALUE" if malformed else "FREQ is missing"
        r.error(
            path,
            f"invalid RRULE {show(value)}: {what} "
            '(e.g. "FREQ=WEEKLY;BYDAY=MO" or "FREQ=MONTHLY;BYDAY=1TU")',
        )
        return None
    names = rrule_parts(text)
    freq = names.get("FREQ", "")
    if freq in ("HOURLY", "MINUTELY", "SECONDLY"):
        r.error(
            path,
            f"FREQ={freq} is not allowed: broadcasts repeat "
            f"{', '.join(f.lower() for f in RRULE_FREQUENCIES)} at most (got {show(value)})",
        )
        return None
    subdaily = [k for k in RRULE_SUBDAILY_PARTS if k in names]
    if subdaily:
        r.error(
            path,
            f"{subdaily[0]} is not allowed: a broadcast happens once a day at most, "
            f'at its "time" (got {show(value)})',
        )
        return None
    try:
        parse_rrule(text, dtstart or date(2000, 1, 1))
    except (ValueError, TypeError, OverflowError) as exc:
        r.error(path, f"invalid RRULE {show(value)}: {exc}")
        return None
    return text


def _studio(r: _Reader, raw: Any, team_ids: list[str]) -> Studio | None:
    if raw is None:
        return None
    s = r.obj(raw, "studio", keys_of(Studio))
    if s is None:
        return None
    values, good = read_fields(
        r, s, "studio", Studio, {"team": reference(team_ids, "team", "teams")}
    )
    return Studio(**values) if good else None


def _request(
    r: _Reader, raw: Any, path: str, team_ids: list[str], stages_of: dict[str, list[str]]
) -> Request | None:
    q = r.obj(raw, path, keys_of(Request))
    if q is None:
        return None
    rules: dict[str, Rule] = {
        "product": reference(list(stages_of), "product", "products"),
        "stage": partial(_stage_of_product, stages_of=stages_of),
        "requested_by": reference(team_ids, "team", "teams"),
        "needed_by": not_before("requested_on"),
    }
    values, good = read_fields(r, q, path, Request, rules)
    good = _start_when_scheduled(r, q, values, path) and good
    return Request(**values) if good else None


def _stage_of_product(
    r: _Reader, stage: Any, path: str, read: dict[str, Any], stages_of: dict[str, list[str]]
) -> Any:
    """A request's stage is a stage of its product (unchecked while the product is bad)."""
    product = read.get("product")
    if product is None:
        return stage
    return r.reference(stage, path, stages_of[product], "stage", "stages")


def _start_when_scheduled(r: _Reader, q: dict[str, Any], values: dict[str, Any], path: str) -> bool:
    """A request scheduled, in production or delivered has a ``start``."""
    status = values["status"]
    if q.get("start") is None and status in ("scheduled", "in_production", "delivered"):
        r.error(_join(path, "start"), f'required when status is "{status}"')
        return False
    return True


# --- the content library ------------------------------------------------------------

URL_SCHEMES = ("http://", "https://")


def _id_list(
    r: _Reader, raw: Any, path: str, known: list[str], what: str, plural: str
) -> tuple[str, ...] | None:
    """An optional, non-empty list of known ids (None: omitted or null)."""
    if raw is None:
        return None
    lst = r.array(raw, path)
    if lst is None:
        return None
    if not lst:
        r.error(path, f"must list at least one {what} (leave it out to mean every {what})")
        return None
    refs = [r.reference(x, f"{path}[{i}]", known, what, plural) for i, x in enumerate(lst)]
    if len(set(lst)) != len(lst) and all(isinstance(x, str) for x in lst):
        r.error(path, f"lists a {what} twice: {show(lst)}")
    return tuple(x for x in refs if x is not None)


def _asset(
    r: _Reader, raw: Any, path: str, team_ids: list[str], stages_of: dict[str, list[str]]
) -> Asset | None:
    """One asset of the content library (``content[i]``)."""
    a = r.obj(raw, path, keys_of(Asset))
    if a is None:
        return None
    rules: dict[str, Rule] = {
        "products": partial(_listed, known=list(stages_of), what="product", plural="products"),
        "stages": partial(_reachable_stages, stages_of=stages_of),
        "owner": reference(team_ids, "team", "teams"),
        "review_by": not_before("ready_on", show_value=True),
        "url": _web_address,
    }
    values, good = read_fields(r, a, path, Asset, rules)
    return Asset(**values) if good and r.errors_at(path) == 0 else None


def _listed(
    r: _Reader, raw: Any, path: str, _read: dict[str, Any], known: list[str], what: str, plural: str
) -> tuple[str, ...] | None:
    return _id_list(r, raw, path, known, what, plural)


def _reachable_stages(
    r: _Reader, raw: Any, path: str, read: dict[str, Any], stages_of: dict[str, list[str]]
) -> tuple[str, ...] | None:
    """An asset's stages are stages of its products (of any product when it names none)."""
    products = read.get("products")
    reachable = sorted({s for p in (products or stages_of) for s in stages_of.get(p, [])})
    return _id_list(r, raw, path, reachable, "stage", "stages")


def _web_address(r: _Reader, value: Any, path: str, _read: dict[str, Any]) -> str | None:
    """An asset's ``url`` is an http:// or https:// address without spaces."""
    url = kind_check(Asset, "url")(r, value, path)
    if url is not None and (not url.startswith(URL_SCHEMES) or any(c.isspace() for c in url)):
        r.error(path, f"must be an http:// or https:// address, got {show(url)}")
        return None
    return url


# --- meetings that act, and sign-off ------------------------------------------------------


def _action_item(
    r: _Reader, raw: Any, path: str, team_ids: list[str], meeting_ids: list[str]
) -> ActionItem | None:
    a = r.obj(raw, path, keys_of(ActionItem))
    if a is None:
        return None
    rules: dict[str, Rule] = {
        "owner": reference(team_ids, "team", "teams"),
        "meeting": reference(meeting_ids, "broadcast", "broadcasts"),
    }
    values, good = read_fields(r, a, path, ActionItem, rules)
    if values["done_on"] is not None and values["status"] == "open":
        r.error(_join(path, "done_on"), 'only an action item with status "done" has done_on')
    return ActionItem(**values) if good else None


def _touch(
    r: _Reader, raw: Any, path: str, rules: dict[str, Rule] | None = None
) -> tuple[dict[str, Any], bool] | None:
    """The fields of a touch in a product and whether all are good (None: not an object).

    Its owner, stage and offset follow the product's ``rules`` (:func:`_offset_in_stage`);
    the touches a sign-off keeps are read by the same fields, checked only by kind
    (:func:`_objects`)."""
    t = r.obj(raw, path, keys_of(Touch))
    if t is None:
        return None
    return read_fields(r, t, path, Touch, rules)


def _offset_in_stage(
    r: _Reader, offset: Any, path: str, read: dict[str, Any], stage_days: dict[str, int]
) -> int | None:
    """A touch's ``offset_days`` falls within its stage (0 … days - 1)."""
    stage = read.get("stage")
    if stage is None or stage not in stage_days:
        return r.integer(offset, path, 0, MAX_DAYS)
    n = stage_days[stage]
    if not (isinstance(offset, int) and not isinstance(offset, bool)) or not 0 <= offset < n:
        r.error(
            path,
            f"must be an integer from 0 to {n - 1} (stage {show(stage)} has {n} days), got {show(offset)}",
        )
        return None
    return offset


def _signoff(r: _Reader, raw: Any, path: str, product_ids: list[str]) -> Signoff | None:
    s = r.obj(raw, path, keys_of(Signoff))
    if s is None:
        return None
    rules = {"product": reference(product_ids, "product", "products")}
    values, good = read_fields(r, s, path, Signoff, rules)
    return Signoff(**values) if good else None


def _review(r: _Reader, raw: Any, path: str, product_ids: list[str]) -> Review | None:
    q = r.obj(raw, path, keys_of(Review))
    if q is None:
        return None
    rules = {"product": reference(product_ids, "product", "products")}
    values, good = read_fields(r, q, path, Review, rules)
    return Review(**values) if good else None


# --- the work a plan asks for --------------------------------------------------------


def touch_repeats(product: Product) -> int:
    """Occurrences of all the product's touches in one cohort's journey."""
    total = 0
    for t in product.touches:
        stage = product.stage(t.stage)
        if stage is None:
            continue
        total += len(range(t.offset_days, stage.days, t.every_days)) if t.every_days else 1
    return total


def cohorts_in_horizon(product: Product, start: date, end: date) -> int:
    """Intakes whose journey meets start … end (the cohorts that produce occurrences)."""
    first = start - timedelta(days=max(product.cycle_days - 1, 0))
    c = product.cohorts
    if c.dates is not None:
        return sum(1 for d in c.dates if first <= d <= end)
    if c.start is None or not c.count:
        return 0
    step = c.every_days or 1
    lo = max(0, -(-(first - c.start).days // step))
    hi = min(c.count - 1, (end - c.start).days // step)
    return max(0, hi - lo + 1)


def product_occurrences(product: Product, start: date, end: date) -> int:
    """Upper bound of a product's touch occurrences in start … end."""
    return cohorts_in_horizon(product, start, end) * touch_repeats(product)


def broadcast_occurrences(broadcast: Broadcast, start: date, end: date) -> int:
    """Upper bound of a broadcast's occurrences in start … end (by FREQ, INTERVAL,
    the BY… lists and COUNT; never more than one a day)."""
    parts = rrule_parts(broadcast.rrule)
    first = max(start, broadcast.dtstart)
    days = max(0, (end - first).days + 1)
    try:
        interval = max(1, int(parts.get("INTERVAL", "1")))
    except ValueError:
        interval = 1

    def listed(key: str) -> int:
        return len([x for x in parts.get(key, "").split(",") if x])

    per_month = max(1, listed("BYMONTHDAY") + 5 * listed("BYDAY"))
    periods = {
        "DAILY": days / interval,
        "WEEKLY": days / 7 / interval * max(1, listed("BYDAY")),
        "MONTHLY": days / 30.4 / interval * per_month,
        "YEARLY": days / 365.25 / interval * max(1, listed("BYMONTH")) * per_month,
    }
    estimate = min(days, int(periods.get(parts.get("FREQ", ""), days)) + 1)
    if "COUNT" in parts and parts["COUNT"].isdigit():
        estimate = min(estimate, int(parts["COUNT"]))
    return estimate


def estimate_occurrences(plan: Plan) -> int:
    """About how many occurrences schedule(plan) computes: an upper bound, cheap to
    compute (no calendar, no expansion), shown before a long run."""
    products = sum(product_occurrences(p, plan.start, plan.end) for p in plan.products)
    broadcasts = sum(broadcast_occurrences(b, plan.start, plan.end) for b in plan.broadcasts)
    return products + broadcasts


def _work_limits(plan: Plan) -> list[PlanError]:
    """The limits on the work a plan asks for, each naming where most of it comes from."""
    errors = []
    intakes = [
        len(p.cohorts.dates) if p.cohorts.dates is not None else (p.cohorts.count or 0)
        for p in plan.products
    ]
    if sum(intakes) > MAX_INTAKES:
        most = max(range(len(intakes)), key=intakes.__getitem__)
        errors.append(
            PlanError(
                f"products[{most}].cohorts",
                f"the products have {sum(intakes):,} cohort intakes in all (this one "
                f"{intakes[most]:,}), more than the {MAX_INTAKES:,} a plan may have",
            )
        )
        return errors
    total = estimate_occurrences(plan)
    if total > MAX_OCCURRENCES:
        shares = [
            (product_occurrences(p, plan.start, plan.end), f"products[{i}]")
            for i, p in enumerate(plan.products)
        ]
        shares += [(broadcast_occurrences(b, plan.start, plan.end), f"broadcasts[{i}]")
                   for i, b in enumerate(plan.broadcasts)]  # fmt: skip
        count, where = max(shares)
        errors.append(
            PlanError(
                where,
                f"the plan asks for about {total:,} occurrences in its horizon (this "
                f"{where.split('[')[0][:-1]} {count:,}), more than the {MAX_OCCURRENCES:,} "
                "a plan may have: fewer cohorts, repeats or a shorter horizon",
            )
        )
    return errors


# --- the raw data as a whole ---------------------------------------------------------


def scan_raw(raw: Any, path: str = "", depth: int = 0) -> list[PlanError]:
    """Problems of the raw data as a whole, before any field is read: nesting too
    deep, duplicate keys, texts that are not Unicode or too long (each integer
    field has its own maximum). Iterative, so any depth is safe. ``path`` and
    ``depth``: where ``raw`` sits in the plan (a product: ``products[3]``, 2)."""
    errors: list[PlanError] = []
    stack: list[tuple[Any, str, int]] = [(raw, path, depth)]
    while stack and len(errors) < 50:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth >= MAX_DEPTH:
                errors.append(PlanError(path, f"nested more than {MAX_DEPTH} levels deep"))
                continue
            for key in getattr(value, "duplicates", ()):
                errors.append(
                    PlanError(_join(path, key), "given twice in the same object (keep one)")
                )
            for key, item in reversed(list(value.items())):
                if not (isinstance(key, str) and key.isascii()) and not _unicode_ok(str(key)):
                    errors.append(PlanError(path, f"a field name is not valid Unicode: {key!r}"))
                    continue
                if not _plain(item):
                    key_path = f"{path}.{key}" if path else str(key)  # _join, inline: one a key
                    stack.append((item, key_path, depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_DEPTH:
                errors.append(PlanError(path, f"nested more than {MAX_DEPTH} levels deep"))
                continue
            if len(value) > MAX_ITEMS:
                errors.append(
                    PlanError(path, f"a list of {len(value)} entries, more than {MAX_ITEMS}")
                )
                continue
            for i in reversed(range(len(value))):
                if not _plain(value[i]):
                    stack.append((value[i], f"{path}[{i}]", depth + 1))
        elif isinstance(value, str):
            if len(value) > MAX_TEXT:
                errors.append(
                    PlanError(path, f"a text of {len(value)} characters, more than {MAX_TEXT}")
                )
            elif not value.isascii() and not _unicode_ok(value):
                errors.append(
                    PlanError(path, f"not valid Unicode (a lone surrogate?): {value[:40]!r}")
                )
    return errors


def _plain(value: Any) -> bool:
    """Whether :func:`scan_raw` can find no problem in ``value``: a number, a boolean,
    null, or a short ASCII text (most of a plan; not looked at again)."""
    kind = type(value)
    if kind is str:
        return len(value) <= MAX_TEXT and value.isascii()
    return kind is int or kind is bool or kind is float or value is None


def _unicode_ok(text: str) -> bool:
    if text.isascii():  # most texts: no need to encode them
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- the entry point ------------------------------------------------------------------

PLAN_KEYS = ("cadence", *written_keys(Plan))  # "cadence": the format version


def _plan_id(
    r: _Reader, value: Any, path: str, _read: dict[str, Any], given: dict[str, Any]
) -> Any:
    """The plan's id; left out (or null), the slug of its name."""
    if value is None:
        name = given.get("name")
        return slugify(name if isinstance(name, str) and name.strip() else "plan")
    return r.ident(value, path)


def _time_zone(r: _Reader, value: Any, path: str, _read: dict[str, Any]) -> str | None:
    """The plan's time zone is an IANA name the system knows."""
    if not isinstance(value, str) or not _zone_ok(value):
        r.error(path, f'unknown time zone {show(value)} (an IANA name such as "Europe/Berlin")')
        return None
    return value


def _horizon_end(r: _Reader, value: Any, path: str, read: dict[str, Any]) -> date | None:
    """The horizon's end is not before its start, and the horizon is at most
    MAX_HORIZON_DAYS long."""
    end, start = r.day(value, path), read.get("start")
    if start is None or end is None:
        return end
    if end < start:
        r.error(path, f"must not be before start ({start.isoformat()})")
        return None
    if (end - start).days + 1 > MAX_HORIZON_DAYS:
        r.error(
            path,
            f"the horizon {start} … {end} is {(end - start).days + 1} days long, "
            f"more than {MAX_HORIZON_DAYS} (a hundred years)",
        )
        return None
    return end


def build_plan(raw: Any) -> Plan:
    """Validate raw plan data (parsed JSON) and build the immutable Plan.

    Raises PlanInvalid listing every error, each with its JSON path.
    """
    whole = scan_raw(raw)
    if whole:
        raise PlanInvalid(whole)
    r = _Reader()
    data = r.obj(raw, "", PLAN_KEYS)
    if data is None:
        raise PlanInvalid(r.errors)
    version = data.get("cadence")
    if "cadence" not in data:
        r.error("cadence", f"required: the format version (supported: {_versions()})")
    elif version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        r.error("cadence", f"unsupported format version {show(version)} (supported: {_versions()})")
        raise PlanInvalid(r.errors)

    rules_of_plan: dict[str, Rule] = {
        "id": partial(_plan_id, given=data),
        "timezone": _time_zone,
        "end": _horizon_end,
    }
    # Its own fields (id, name, horizon, zone, stamp), then its parts, each read below.
    own, _good = read_fields(r, data, "", Plan, rules_of_plan, skip=PLAN_PARTS)

    calendar = _calendar(r, data.get("calendar"), "calendar")
    rules = _rules(r, data.get("rules"), "rules")
    teams, team_ids = _teams(r, data)
    _lead_desk(r, rules, team_ids)

    products: list[Product] = []
    product_ids: list[tuple[str, str | None]] = []
    stages_of: dict[str, list[str]] = {}
    for path, item in _items(r, data, "products", ""):
        raw_id = item.get("id") if isinstance(item, dict) else None
        product_ids.append((_join(path, "id"), raw_id if isinstance(raw_id, str) else None))
        prod = _product(r, item, path, team_ids)
        if prod is not None:
            products.append(prod)
        if isinstance(raw_id, str):
            # References to a product whose own fields are bad are not errors too.
            raw_stages = item.get("stages") if isinstance(item.get("stages"), list) else []
            stages_of[raw_id] = [
                s["id"] for s in raw_stages if isinstance(s, dict) and isinstance(s.get("id"), str)
            ]
    r.unique_ids(product_ids, "product")
    known_products = [p for _, p in product_ids if p]

    broadcasts = []
    bids: list[tuple[str, str | None]] = []
    for path, item in _items(r, data, "broadcasts", ""):
        b = _broadcast(r, item, path, team_ids, known_products)
        bids.append((_join(path, "id"), item.get("id") if isinstance(item, dict) else None))
        if b is not None:
            broadcasts.append(b)
    r.unique_ids(bids, "broadcast")

    studio = _studio(r, data.get("studio"), team_ids)
    requests = []
    rids: list[tuple[str, str | None]] = []
    for path, item in _items(r, data, "requests", ""):
        q = _request(r, item, path, team_ids, stages_of)
        rids.append((_join(path, "id"), item.get("id") if isinstance(item, dict) else None))
        if q is not None:
            requests.append(q)
    r.unique_ids(rids, "request")

    content = []
    aids: list[tuple[str, str | None]] = []
    for path, item in _items(r, data, "content", ""):
        asset = _asset(r, item, path, team_ids, stages_of)
        aids.append((_join(path, "id"), item.get("id") if isinstance(item, dict) else None))
        if asset is not None:
            content.append(asset)
    r.unique_ids(aids, "asset")
    meeting_ids = [b.id for b in broadcasts]
    action_items = []
    action_ids: list[tuple[str, str | None]] = []
    for path, item in _items(r, data, "action_items", ""):
        a = _action_item(r, item, path, team_ids, meeting_ids)
        action_ids.append((_join(path, "id"), item.get("id") if isinstance(item, dict) else None))
        if a is not None:
            action_items.append(a)
    r.unique_ids(action_ids, "action item")
    signoffs = []
    for path, item in _items(r, data, "signoffs", ""):
        so = _signoff(r, item, path, known_products)
        if so is not None:
            signoffs.append(so)
    reviews = []
    for path, item in _items(r, data, "reviews", ""):
        rv = _review(r, item, path, known_products)
        if rv is not None:
            reviews.append(rv)

    if r.errors:
        raise PlanInvalid(r.errors)
    plan = Plan(
        **own,
        calendar=calendar,
        rules=rules,
        teams=tuple(teams),
        products=tuple(products),
        broadcasts=tuple(broadcasts),
        studio=studio,
        requests=tuple(requests),
        content=tuple(content),
        action_items=tuple(action_items),
        signoffs=tuple(signoffs),
        reviews=tuple(reviews),
    )
    limits = _work_limits(plan)
    if limits:
        raise PlanInvalid(limits)
    return plan


def build_products(plan: Plan, products: dict[int, Any], requests: dict[int, Any]) -> Plan:
    """Validate the parts of ``plan`` an edit of some products changed, as
    :func:`build_plan` would; returns ``plan`` with those products as read.

    ``products`` maps the index in ``plan.products`` of each changed product to its
    raw data (the plan file's shape); ``requests`` the same for the requests that
    name one of them. The rest of ``plan`` must be as in a plan that passed
    :func:`build_plan` (same settings, teams, broadcasts and requests, no product
    removed): only what a changed product can break is read again — its own fields
    (:func:`_product`), the product ids, the requests naming it (their stage must
    still exist) and the limits on the work. Raises PlanInvalid with the messages
    and paths :func:`build_plan` gives. ``plan`` may hold the changed products
    already (an edit being checked) or as they were (a re-read: the products
    returned are the ones read from ``products``).
    """
    errors: list[PlanError] = []
    for i, raw in products.items():
        errors += scan_raw(raw, f"products[{i}]", 2)
    if errors:
        raise PlanInvalid(errors)
    r = _Reader()
    team_ids = [t.id for t in plan.teams]
    read = list(plan.products)
    for i, raw in sorted(products.items()):
        product = _product(r, raw, f"products[{i}]", team_ids)
        if product is not None:
            read[i] = product
    if not r.errors:
        plan = replace(plan, products=tuple(read))
    r.unique_ids([(f"products[{i}].id", p.id) for i, p in enumerate(plan.products)], "product")
    stages_of = {p.id: [s.id for s in p.stages] for p in plan.products}
    for i, raw in sorted(requests.items()):
        _request(r, raw, f"requests[{i}]", team_ids, stages_of)
    if r.errors:
        raise PlanInvalid(r.errors)
    limits = _work_limits(plan)
    if limits:
        raise PlanInvalid(limits)
    return plan


def _versions() -> str:
    return ", ".join(str(v) for v in SUPPORTED_VERSIONS)


def _zone_ok(name: str) -> bool:
    if not name or len(name) > 100:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a folder: OSError
        return False
    return True


def _timestamp(r: _Reader, value: Any, path: str) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    stamp = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            stamp = None
    if stamp is None or stamp.tzinfo is None:
        r.error(
            path, f'must be a date-time with a zone, e.g. "2027-01-04T09:00:00Z", got {show(value)}'
        )
        return None
    if not FIRST_DAY.year <= stamp.year <= LAST_DAY.year:
        r.error(path, f"must be a date-time from {FIRST_DAY} to {LAST_DAY}, got {show(value)}")
        return None
    return stamp.astimezone(UTC)


__all__ = [
    "FORMAT_VERSION",
    "PlanError",
    "PlanInvalid",
    "build_plan",
    "estimate_occurrences",
    "json_object",
    "scan_raw",
    "show",
    "slugify",
]
