"""Plan fields declared once: what a field is, read from the model itself.

Each field of a plan object (:mod:`cadence.model`) carries a :class:`Spec` in its
``dataclasses.field(metadata=…)``: its kind (an id, a text, a bounded integer, a
date …), its JSON key and column when they differ from the attribute's name, and
whether the plan file leaves it out when it holds its default. From that one
declaration:

- :func:`json_writer` writes the object in the plan file's shape;
- :func:`cadence.validate.read_fields` reads it back, checking each field's kind
  (type, shape, required) with errors that name the path and the value; the rules
  that need more (a reference exists, a date is not before another) stay short
  named functions in :mod:`cadence.validate`;
- :func:`columns_writer` and :func:`columns_reader` map the plan file's shape to the
  store's columns and back (:mod:`cadence.store.document` for .cadence files,
  :mod:`cadence.store.shared.objects` for shared plans).

So a plain new field is one line in the model, a column in
:mod:`cadence.store.tables` (with its upgrade step and migration) and, when it has
one, its rule; see docs/plan-format.md, "Adding a field". The converters are made
once per model (:func:`functools.cache`), written out as source for its fields
(:func:`make_function`, as :mod:`dataclasses` makes ``__init__``), not per row.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any

# Limits on the raw data, far beyond any real plan; see docs/plan-format.md#limits.
MAX_DAYS = 36_500  # a hundred years: the most any count of days (or of cohorts) may be
MAX_TEXT = 10_000  # characters in any text (notes, definitions)
MAX_NAME = 300  # characters in a name or title
MAX_COUNT = 1_000_000  # leads per cohort, capacities: counts of people and pieces

SPEC = "cadence"  # the metadata key of a field's Spec

# The kinds of field (each read by one method of cadence.validate's reader).
KINDS = (
    "ident", "text", "choice", "integer", "number", "boolean", "day", "clock", "stamp", "ids",
    "days", "object", "objects",
)  # fmt: skip
# The kinds kept as JSON text in the store's column.
IN_TEXT = ("ids", "days", "objects")


@dataclass(frozen=True, slots=True)
class Spec:
    """How one model field is spelt in the plan file and the store, and its kind."""

    kind: str  # one of KINDS
    key: str | None = None  # JSON key; None: the attribute's name
    column: str | None = None  # store column; None: the JSON key
    omit_default: bool = False  # the file leaves the key out while it holds the default
    before: str | None = None  # written before this key (the key order files have)
    minimum: int | None = None  # integer, number
    maximum: int | None = None
    limit: int = MAX_NAME  # text: most characters
    allow_empty: bool = False  # text
    choices: tuple[str, ...] = ()  # choice
    what: str = ""  # choice: what a value is ("channel"), for the error message
    item: type | None = None  # object, objects: the model of each
    # A required field the file may leave out: its rule gives the value (a team's colour).
    optional_in_file: bool = False
    # A null given where the default is null reads as null; False: null is checked as
    # any value (an error), for a field that is either left out or given (a cohort's start).
    nullable: bool = True


def _spec(kind: str, **options: Any) -> dict[str, Spec]:
    return {SPEC: Spec(kind, **options)}


def ident(**options: Any) -> dict[str, Spec]:
    """An id: lower-case letters, digits, '-' and '_'."""
    return _spec("ident", **options)


def text(**options: Any) -> dict[str, Spec]:
    """A non-empty text of at most ``limit`` characters (``allow_empty``: may be "")."""
    return _spec("text", **options)


def choice(choices: tuple[str, ...], what: str, **options: Any) -> dict[str, Spec]:
    """One of ``choices``."""
    return _spec("choice", choices=choices, what=what, **options)


def integer(minimum: int, maximum: int, **options: Any) -> dict[str, Spec]:
    """An integer from ``minimum`` to ``maximum`` (None allowed when the default is None)."""
    return _spec("integer", minimum=minimum, maximum=maximum, **options)


def number(minimum: int, maximum: int, **options: Any) -> dict[str, Spec]:
    """A number from ``minimum`` to ``maximum``."""
    return _spec("number", minimum=minimum, maximum=maximum, **options)


def boolean(**options: Any) -> dict[str, Spec]:
    """true or false."""
    return _spec("boolean", **options)


def day(**options: Any) -> dict[str, Spec]:
    """A date, "YYYY-MM-DD" in the file and the store."""
    return _spec("day", **options)


def clock(**options: Any) -> dict[str, Spec]:
    """A time of day, "HH:MM" in the file and the store."""
    return _spec("clock", **options)


def stamp(**options: Any) -> dict[str, Spec]:
    """An aware date-time (UTC), ISO 8601 with "Z" in the file and the store."""
    return _spec("stamp", **options)


def ids(**options: Any) -> dict[str, Spec]:
    """A list of ids (a tuple in the model, a JSON list in the file, JSON text in the store)."""
    return _spec("ids", **options)


def days(**options: Any) -> dict[str, Spec]:
    """A list of dates (a tuple in the model, "YYYY-MM-DD" texts in the file, JSON text in
    the store)."""
    return _spec("days", **options)


def nested(item: type, **options: Any) -> dict[str, Spec]:
    """One ``item`` object (a JSON object in the file, the item's own columns in the store)."""
    return _spec("object", item=item, **options)


def objects(item: type, **options: Any) -> dict[str, Spec]:
    """A list of ``item`` objects (a tuple in the model, JSON text in the store)."""
    return _spec("objects", item=item, **options)


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a model: its attribute, spellings, spec and default."""

    attr: str
    key: str
    column: str
    spec: Spec
    required: bool
    default: Any  # the model's default (None when required)

    @property
    def kind(self) -> str:
        return self.spec.kind


@cache
def fields_of(model: type) -> tuple[Field, ...]:
    """The fields of ``model`` in declaration order (each must carry a Spec)."""
    out = []
    for f in dataclasses.fields(model):
        spec = f.metadata.get(SPEC)
        if not isinstance(spec, Spec):
            raise TypeError(f"{model.__name__}.{f.name}: no field spec (see cadence.fields)")
        factory = f.default_factory
        required = f.default is dataclasses.MISSING and factory is dataclasses.MISSING
        default = factory() if factory is not dataclasses.MISSING else None
        default = f.default if f.default is not dataclasses.MISSING else default
        key = spec.key or f.name
        out.append(Field(f.name, key, spec.column or key, spec, required, default))
    return tuple(out)


@cache
def written_fields(model: type) -> tuple[Field, ...]:
    """The fields in the order the plan file writes (and validation reads) them:
    declaration order, except that a field with ``before`` goes before that key."""
    order: list[Field] = [f for f in fields_of(model) if f.spec.before is None]
    for f in fields_of(model):
        if f.spec.before is not None:
            at = next(i for i, g in enumerate(order) if g.key == f.spec.before)
            order.insert(at, f)
    return tuple(order)


@cache
def keys_of(model: type) -> tuple[str, ...]:
    """The JSON keys a plan file may give for ``model`` (declaration order)."""
    return tuple(f.key for f in fields_of(model))


@cache
def written_keys(model: type) -> tuple[str, ...]:
    """The JSON keys of ``model`` in the order the plan file writes them."""
    return tuple(f.key for f in written_fields(model))


# --- the plan file ----------------------------------------------------------------------


def clock_text(value: time) -> str:
    # Not strftime: under PySide every strftime call re-imports `time` through
    # shiboken's import hook (~70 µs), which made saving a large plan slow.
    return f"{value.hour:02d}:{value.minute:02d}"


def stamp_text(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _day_text(value: date) -> str:
    return value.isoformat()


def _days_text(value: tuple[date, ...]) -> list[str]:
    return [d.isoformat() for d in value]


# How a (non-None) value of each kind is written in the plan file; others as they are.
_TO_JSON: dict[str, Callable[[Any], Any]] = {
    "day": _day_text,
    "clock": clock_text,
    "stamp": stamp_text,
    "ids": list,
    "days": _days_text,
}


def make_function(name: str, source: str, scope: dict[str, Any]) -> Any:
    """The function ``name`` defined by ``source`` with the globals ``scope``.

    The converters below write out the steps for each field of a model once (as the
    standard library's dataclasses do for ``__init__``): a loop over the fields, run
    for every object of a large plan, made reading and writing it 20 % slower.
    """
    exec(compile(source, f"<cadence.fields {name}>", "exec"), scope)
    return scope[name]


@cache
def json_writer(model: type) -> Callable[[Any], dict[str, Any]]:
    """The function writing a ``model`` object as plan-file data (keys in file order):
    a field with ``omit_default`` only when it differs from its default."""
    lines = []
    for i, f in enumerate(written_fields(model)):
        value = f"obj.{f.attr}"
        if f.kind == "objects":
            value = f"[to_json[{i}](x) for x in obj.{f.attr} or ()]"
        elif f.kind in _TO_JSON or f.kind == "object":
            value = f"(None if obj.{f.attr} is None else to_json[{i}](obj.{f.attr}))"
        if f.spec.omit_default:
            lines.append(f"    if obj.{f.attr} != defaults[{i}]:")
            lines.append(f"        out[{f.key!r}] = {value}")
        else:
            lines.append(f"    out[{f.key!r}] = {value}")
    source = "def write(obj):\n    out = {}\n" + "\n".join(lines) + "\n    return out\n"
    fields = written_fields(model)
    scope = {
        "to_json": tuple(
            json_writer(f.spec.item) if f.spec.item else _TO_JSON.get(f.kind) for f in fields
        ),
        "defaults": tuple(f.default for f in fields),
    }
    return make_function("write", source, scope)


# --- the store's columns ----------------------------------------------------------------


def _list_text(value: list[Any]) -> str:
    return json.dumps(value, ensure_ascii=False)


def _column_value(f: Field, data: str, may_be_absent: bool) -> str:
    """The source of ``f``'s column value, read from the plan-file object ``data``: a key
    the file may leave out is stored as its default (NULL for a list); a list as JSON text."""
    if may_be_absent:
        absent = "None" if f.kind in IN_TEXT else f"default_of[{f.column!r}]"
        value = f"{data}.get({f.key!r}, {absent})"
    else:
        value = f"{data}[{f.key!r}]"
    if f.kind in IN_TEXT:
        return f"(None if {value} is None else list_text({value}))"
    return value


@cache
def columns_writer(
    model: type, *lead: str, skip: tuple[str, ...] = ()
) -> Callable[..., dict[str, Any]]:
    """The function mapping plan-file data of a ``model`` object to its column values.

    ``lead``: key columns the row has first (``"position"``), given after the data:
    ``columns_writer(Stage, "position")(data, 3)``. A key the file may leave out
    is stored as the default when it does (NULL for a list: "not given"); a list is
    stored as JSON text. A nested object (a product's cohorts) has its own columns,
    each its field's default when the object or the key is left out. ``skip``: keys
    stored elsewhere (in a table of their own).
    """
    before: list[str] = []
    lines = [f"        {column!r}: {column}," for column in lead]
    for i, f in enumerate(written_fields(model)):
        if f.key in skip:
            continue
        if f.kind != "object":
            value = _column_value(f, "data", f.spec.omit_default)
            lines.append(f"        {f.column!r}: {value},")
            continue
        assert f.spec.item is not None
        before.append(f"    part_{i} = data.get({f.key!r}) or EMPTY")
        for g in written_fields(f.spec.item):
            lines.append(f"        {g.column!r}: {_column_value(g, f'part_{i}', True)},")
    source = (
        f"def to_columns(data, {', '.join(lead)}):\n"
        + "".join(line + "\n" for line in before)
        + "    return {\n"
        + "\n".join(lines)
        + "\n    }\n"
    )
    scope = {"EMPTY": {}, "list_text": _list_text, "default_of": _column_defaults(model)}
    return make_function("to_columns", source, scope)


def _column_defaults(model: type) -> dict[str, Any]:
    """Each column's default (a nested object's columns included)."""
    out: dict[str, Any] = {}
    for f in written_fields(model):
        if f.kind == "object" and f.spec.item is not None:
            out.update(_column_defaults(f.spec.item))
        else:
            out[f.column] = f.default
    return out


@cache
def columns_of(model: type, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The store's columns of a ``model`` object (a nested object's own columns in place);
    ``skip``: keys stored elsewhere."""
    out: list[str] = []
    for f in written_fields(model):
        if f.key in skip:
            continue
        out.extend(columns_of(f.spec.item) if f.kind == "object" and f.spec.item else [f.column])
    return tuple(out)


def null_columns(model: type) -> dict[str, None]:
    """The columns of a ``model`` object that is not given (a plan without a studio)."""
    return dict.fromkeys(columns_of(model))


def _read_lines(f: Field, get: str, into: str, indent: str) -> list[str]:
    """The statements putting the value of column ``get`` into ``into`` as ``f``'s key:
    left out when NULL in a column the file may leave out; a list's JSON text read back."""
    if not f.spec.omit_default and f.kind not in IN_TEXT:
        return [f"{indent}{into}[{f.key!r}] = {get}"]
    value = "json_loads(value)" if f.kind in IN_TEXT else "value"
    lines = [
        f"{indent}value = {get}",
        f"{indent}if value is not None:",
        f"{indent}    {into}[{f.key!r}] = {value}",
    ]
    if not f.spec.omit_default:
        lines += [f"{indent}else:", f"{indent}    {into}[{f.key!r}] = None"]
    return lines


@cache
def columns_reader(
    model: type, by_name: bool = False, skip: tuple[str, ...] = ()
) -> Callable[[Any], dict[str, Any]]:
    """The function mapping a stored row of a ``model`` object to plan-file data.

    The row is an object with the columns as attributes (an ORM row), or with
    ``by_name`` a mapping of column to value. NULL in a column the file may leave
    out leaves the key out; a list's JSON text is read back. A nested object is
    given when one of its columns that are NULL when it is not given holds a value.
    ``skip``: keys stored elsewhere (the caller adds them).
    """

    def get(column: str) -> str:
        return f"row.get({column!r})" if by_name else f"row.{column}"

    lines = []
    for f in written_fields(model):
        if f.key in skip:
            continue
        if f.kind != "object":
            lines += _read_lines(f, get(f.column), "out", "    ")
            continue
        assert f.spec.item is not None
        parts = written_fields(f.spec.item)
        given = " or ".join(f"{get(g.column)} is not None" for g in parts if g.default is None)
        lines.append(f"    if {given}:")
        lines.append("        part = {}")
        for g in parts:
            lines += _read_lines(g, get(g.column), "part", "        ")
        lines.append(f"        out[{f.key!r}] = part")
        if not f.spec.omit_default:
            lines.append("    else:")
            lines.append(f"        out[{f.key!r}] = None")
    source = "def from_columns(row):\n    out = {}\n" + "\n".join(lines) + "\n    return out\n"
    return make_function("from_columns", source, {"json_loads": json.loads})
