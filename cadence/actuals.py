"""Plan versus actual: what a CRM export of lead stage history says about the plan.

The CRM export has one row per lead and stage (docs/actuals-and-diff.md):
``lead_id, product, stage, entered_on, left_on, outcome, quality``. This module
reads it from text (never from a path), measures each stage — leads seen,
actual conversion, median and 80th-percentile days, mean quality — beside the
plan's numbers, flags drift, and builds the plan that adopts the actual
numbers. Pure: no I/O, no clock, no Qt.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from cadence.model import Gap, Plan, Product, Stage

# The columns the report reads, by their canonical names.
COLUMNS: tuple[str, ...] = (
    "lead_id",
    "product",
    "stage",
    "entered_on",
    "left_on",
    "outcome",
    "quality",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("lead_id", "product", "stage", "entered_on")
ADVANCING_OUTCOMES: tuple[str, ...] = ("advanced", "won")
OUTCOMES: tuple[str, ...] = ("advanced", "lost", "won")
QUALITY_RANGE = (1, 5)
# Stage lengths adopted from the CRM stay within what a plan may hold (validate.MAX_DAYS).
MAX_STAGE_DAYS = 36_500


class CrmFormatError(Exception):
    """The export cannot be read at all (header, --map, stage names); the message says why."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A malformed row: its line in the file, the column and the value at fault."""

    line: int
    column: str | None
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.column} {self.value!r}: " if self.column else ""
        return f"line {self.line}: {where}{self.message}"


@dataclass(frozen=True, slots=True)
class CrmRow:
    """One lead's passage through one stage, mapped onto the plan's ids."""

    line: int
    lead_id: str
    product: str
    stage: str
    entered_on: date
    left_on: date | None
    outcome: str | None
    quality: int | None

    @property
    def finished(self) -> bool:
        """The lead has an outcome in this stage (it is not still in it)."""
        return self.outcome is not None

    @property
    def advanced(self) -> bool:
        return self.outcome in ADVANCING_OUTCOMES

    @property
    def days(self) -> int | None:
        """Calendar days from entering to leaving the stage, when it left."""
        return (self.left_on - self.entered_on).days if self.left_on is not None else None


@dataclass(frozen=True, slots=True)
class CrmExport:
    """The rows of an export that name the plan's products and stages, and what did not.

    ``unknown_products`` and ``unknown_stages`` count the rows by the CRM's names;
    ``problems`` lists the malformed rows (a caller treats any as an error).
    """

    rows: tuple[CrmRow, ...]
    unknown_products: tuple[tuple[str, int], ...] = ()
    unknown_stages: tuple[tuple[str, str, int], ...] = ()
    problems: tuple[RowProblem, ...] = ()


# --- reading the export ---------------------------------------------------------------


def column_key(header: str) -> str:
    """A header cell as a canonical column name: case-insensitive, spaces and dashes as ``_``."""
    return re.sub(r"[\s\-]+", "_", header.strip().lstrip("\ufeff").strip()).lower()


def parse_column_map(items: Iterable[str]) -> dict[str, str]:
    """``--map HEADER=column`` options as {header key: column}; CrmFormatError names a bad one."""
    renames: dict[str, str] = {}
    for item in items:
        header, sep, column = item.partition("=")
        if not sep or not header.strip() or not column.strip():
            raise CrmFormatError(f"--map {item!r}: expected HEADER=column, e.g. stage_name=stage")
        target = column_key(column)
        if target not in COLUMNS:
            raise CrmFormatError(
                f"--map {item!r}: unknown column {column.strip()!r} (columns: {', '.join(COLUMNS)})"
            )
        renames[column_key(header)] = target
    return renames


def parse_stage_map(items: Iterable[str]) -> dict[str, str]:
    """``--stage "CRM name=stage_id"`` options as {CRM name (case-folded): stage id}."""
    names: dict[str, str] = {}
    for item in items:
        crm_name, sep, stage_id = item.rpartition("=")
        if not sep or not crm_name.strip() or not stage_id.strip():
            raise CrmFormatError(
                f"--stage {item!r}: expected CRM_NAME=stage_id, e.g. 'Demo booked=demo'"
            )
        names[crm_name.strip().casefold()] = stage_id.strip()
    return names


_NUMERIC_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")


def parse_crm_date(text: str, dayfirst: bool = False) -> date:
    """A CRM date: ISO ``YYYY-MM-DD`` (a time after it is ignored), or ``M/D/YYYY``
    (``D/M/YYYY`` or ``D.M.YYYY`` with ``dayfirst``). ValueError says what was expected."""
    value = text.strip()
    expected = f"not a date (expected YYYY-MM-DD or {'DD/MM/YYYY' if dayfirst else 'MM/DD/YYYY'})"
    iso = value[:10]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso) and (len(value) == 10 or value[10] in "T "):
        try:
            return date.fromisoformat(iso)
        except ValueError:
            raise ValueError(expected) from None
    match = _NUMERIC_DATE.fullmatch(value.split(" ")[0])
    if match is None:
        raise ValueError(expected)
    first, second, year = (int(g) for g in match.groups())
    day, month = (first, second) if dayfirst else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        hint = "" if dayfirst else " (day first? use --dayfirst)"
        raise ValueError(f"no such day: month {month}, day {day}{hint}") from None


def _delimiter(header_line: str) -> str:
    """Comma, or the semicolon / tab a spreadsheet in another locale writes."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def read_crm(
    text: str,
    plan: Plan,
    *,
    renames: Mapping[str, str] | None = None,
    stage_names: Mapping[str, str] | None = None,
    dayfirst: bool = False,
) -> CrmExport:
    """Read a CRM export (CSV text, header first) against a plan.

    Columns are matched by name, case-insensitive; ``renames`` maps other header
    keys to columns (see :func:`parse_column_map`). Products are matched by id or
    name, stages by ``stage_names`` (CRM name → stage id), then by id or name,
    case-insensitive. Raises CrmFormatError when the header lacks a column.
    """
    body = text.lstrip("\ufeff")
    first_line = body.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(body), delimiter=_delimiter(first_line))
    numbered = ((reader.line_num, row) for row in reader)
    return read_crm_rows(
        numbered, plan, renames=renames, stage_names=stage_names, dayfirst=dayfirst
    )


def read_crm_rows(
    rows: Iterable[tuple[int, Sequence[str]]],
    plan: Plan,
    *,
    renames: Mapping[str, str] | None = None,
    stage_names: Mapping[str, str] | None = None,
    dayfirst: bool = False,
) -> CrmExport:
    """As :func:`read_crm`, from (line number, cells) pairs; the first pair is the header."""
    it = iter(rows)
    header = next(it, None)
    if header is None:
        raise CrmFormatError("the export is empty (expected a header row)")
    index = _column_index(header[1], renames or {})
    resolver = _Resolver(plan, stage_names or {})
    kept: list[CrmRow] = []
    problems: list[RowProblem] = []
    unknown_products: Counter[str] = Counter()
    unknown_stages: Counter[tuple[str, str]] = Counter()
    for line, cells in it:
        if not any(c.strip() for c in cells):
            continue  # blank lines
        row = _read_row(line, cells, len(header[1]), index, dayfirst)
        if isinstance(row, RowProblem):
            problems.append(row)
            continue
        product = resolver.product(row.product)
        if product is None:
            unknown_products[row.product] += 1
            continue
        stage = resolver.stage(product, row.stage)
        if stage is None:
            unknown_stages[(product.id, row.stage)] += 1
            continue
        kept.append(replace(row, product=product.id, stage=stage.id))
    return CrmExport(
        rows=tuple(kept),
        unknown_products=tuple(sorted(unknown_products.items())),
        unknown_stages=tuple((p, s, n) for (p, s), n in sorted(unknown_stages.items())),
        problems=tuple(problems),
    )


def _column_index(header: Sequence[str], renames: Mapping[str, str]) -> dict[str, int]:
    keys = [column_key(h) for h in header]
    for source in renames:
        if source not in keys:
            found = ", ".join(h.strip() for h in header)
            raise CrmFormatError(f"--map: no column {source!r} in the header (found: {found})")
    index: dict[str, int] = {}
    for i, key in enumerate(keys):
        column = renames.get(key, key)
        if column not in COLUMNS:
            continue  # other CRM columns are ignored
        if column in index:
            raise CrmFormatError(f"the header has the column {column!r} twice")
        index[column] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    if missing:
        found = ", ".join(h.strip() for h in header)
        raise CrmFormatError(
            f"the header lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (found: {found}; rename with --map HEADER=column)"
        )
    return index


def _read_row(
    line: int, cells: Sequence[str], width: int, index: Mapping[str, int], dayfirst: bool
) -> CrmRow | RowProblem:
    """One data row as the CRM names it, or the problem that makes it malformed."""
    if len(cells) != width:
        return RowProblem(line, None, "", f"has {len(cells)} cells, the header has {width}")
    raw = {column: cells[i].strip() for column, i in index.items()}
    return _parse_row(line, raw, dayfirst)


def _parse_row(line: int, raw: Mapping[str, str], dayfirst: bool) -> CrmRow | RowProblem:
    """One row's values checked and typed, or the first problem found in it."""
    for column in ("lead_id", "product", "stage", "entered_on"):
        if not raw[column]:
            return RowProblem(line, column, "", "required")
    dates: dict[str, date | None] = {"left_on": None}
    for column in ("entered_on", "left_on"):
        text = raw.get(column, "")
        if not text:
            continue
        try:
            dates[column] = parse_crm_date(text, dayfirst)
        except ValueError as exc:
            return RowProblem(line, column, text, str(exc))
    entered, left = dates["entered_on"], dates["left_on"]
    assert entered is not None
    if left is not None and left < entered:
        return RowProblem(line, "left_on", raw["left_on"], f"before entered_on {entered}")
    outcome_text = raw.get("outcome", "").lower()
    if outcome_text and outcome_text not in OUTCOMES:
        return RowProblem(
            line, "outcome", raw["outcome"], f"expected one of {', '.join(OUTCOMES)} or empty"
        )
    outcome = outcome_text or None
    if left is not None and outcome is None:
        return RowProblem(
            line,
            "outcome",
            "",
            f"left the stage on {left} but has no outcome ({', '.join(OUTCOMES)})",
        )
    quality = _quality(raw.get("quality", ""))
    if isinstance(quality, str):
        return RowProblem(line, "quality", raw["quality"], quality)
    return CrmRow(
        line, raw["lead_id"], raw["product"], raw["stage"], entered, left, outcome, quality
    )


def _quality(text: str) -> int | None | str:
    """The quality score, None when empty, or the message when it is not 1–5."""
    if not text:
        return None
    lo, hi = QUALITY_RANGE
    if not re.fullmatch(r"\d+", text) or not lo <= int(text) <= hi:
        return f"expected a whole number from {lo} to {hi} or empty"
    return int(text)


class _Resolver:
    """The plan's product and stage for the CRM's names."""

    def __init__(self, plan: Plan, stage_names: Mapping[str, str]) -> None:
        self.products: dict[str, Product] = {}
        for p in plan.products:
            self.products.setdefault(p.id.casefold(), p)
            self.products.setdefault(p.name.casefold(), p)
        self.stage_names = {k.casefold(): v for k, v in stage_names.items()}
        known = {s.id for p in plan.products for s in p.stages}
        unknown = sorted(set(self.stage_names.values()) - known)
        if unknown:
            raise CrmFormatError(
                f"--stage: no stage {unknown[0]!r} in the plan (stages: {', '.join(sorted(known))})"
            )

    def product(self, name: str) -> Product | None:
        return self.products.get(name.casefold())

    def stage(self, product: Product, name: str) -> Stage | None:
        key = name.casefold()
        mapped = self.stage_names.get(key)
        if mapped is not None:
            return product.stage(mapped)
        for s in product.stages:
            if key in (s.id.casefold(), s.name.casefold()):
                return s
        return None


# --- measuring ------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    return float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least ``share`` of the values
    at or below it (``share`` 0.8 → the 80th percentile); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def relative(actual: float | None, planned: float | None) -> float | None:
    """(actual − planned) ÷ planned; None when either is unknown or planned is 0."""
    if actual is None or planned is None or planned == 0:
        return None
    return (actual - planned) / planned


@dataclass(frozen=True, slots=True)
class StageActual:
    """One stage of one product: what the CRM says beside what the plan says.

    ``entered`` counts the rows with an outcome (the conversion's denominator),
    ``in_stage`` the leads still in the stage (left out of it). Days come from the
    leads that moved on (outcome advanced or won) and left on a known date.
    ``planned_conversion`` is None for a product's last stage: no stage follows it.
    """

    product: str
    stage: str
    stage_name: str
    leads: int
    entered: int
    advanced: int
    in_stage: int
    days_measured: int
    median_days: float | None
    p80_days: float | None
    quality: float | None
    planned_conversion: float | None
    planned_days: int

    @property
    def conversion(self) -> float | None:
        """Advanced ÷ entered (leads still in the stage excluded); None without any."""
        return self.advanced / self.entered if self.entered else None

    @property
    def conversion_deviation(self) -> float | None:
        """Relative deviation of the actual conversion from the plan's (−0.44 = 44 % lower)."""
        return relative(self.conversion, self.planned_conversion)

    @property
    def days_deviation(self) -> float | None:
        """Relative deviation of the median days from the plan's stage length."""
        return relative(self.median_days, self.planned_days)


@dataclass(frozen=True, slots=True)
class ActualsReport:
    """Every stage of every product of the plan, in plan order, with the export's leftovers."""

    stages: tuple[StageActual, ...]
    rows: int
    unknown_products: tuple[tuple[str, int], ...] = ()
    unknown_stages: tuple[tuple[str, str, int], ...] = ()

    def stage(self, product_id: str, stage_id: str) -> StageActual | None:
        for s in self.stages:
            if (s.product, s.stage) == (product_id, stage_id):
                return s
        return None


def measure_stage(product: Product, stage: Stage, rows: Sequence[CrmRow]) -> StageActual:
    """The figures of one stage from its rows (all of this product and stage)."""
    finished = [r for r in rows if r.finished]
    # Days of the leads that moved on; those lost often stay open until someone closes them.
    days = [float(d) for d in (r.days for r in rows if r.advanced) if d is not None]
    scores = [r.quality for r in rows if r.quality is not None]
    last = product.stages[-1].id == stage.id
    return StageActual(
        product=product.id,
        stage=stage.id,
        stage_name=stage.name,
        leads=len({r.lead_id for r in rows}),
        entered=len(finished),
        advanced=sum(1 for r in finished if r.advanced),
        in_stage=len(rows) - len(finished),
        days_measured=len(days),
        median_days=median(days),
        p80_days=percentile(days, 0.8),
        quality=sum(scores) / len(scores) if scores else None,
        planned_conversion=None if last else stage.conversion,
        planned_days=stage.days,
    )


def actuals_report(plan: Plan, export: CrmExport) -> ActualsReport:
    """Per product and stage of the plan: the CRM's figures beside the plan's."""
    by_stage: dict[tuple[str, str], list[CrmRow]] = {}
    for row in export.rows:
        by_stage.setdefault((row.product, row.stage), []).append(row)
    stages = tuple(
        measure_stage(p, s, by_stage.get((p.id, s.id), [])) for p in plan.products for s in p.stages
    )
    return ActualsReport(stages, len(export.rows), export.unknown_products, export.unknown_stages)


# --- drift ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DriftRule:
    """When the CRM says the plan is off: relative deviations and the least evidence.

    ``min_leads`` applies to both measures: leads with an outcome for the
    conversion, leads with measured days for the stage length.
    """

    conversion_off: float = 0.25
    days_off: float = 0.20
    min_leads: int = 20


@dataclass(frozen=True, slots=True)
class Drift:
    """One measure of one stage that is off the plan by the rule's threshold or more."""

    product: str
    stage: str
    measure: str  # "conversion" | "days"
    planned: float
    actual: float
    deviation: float
    leads: int
    kind: str = "drift"


def conversion_drift(s: StageActual, rule: DriftRule) -> Drift | None:
    """The stage's conversion, when off by ``rule.conversion_off`` or more with enough leads."""
    deviation = s.conversion_deviation
    if deviation is None or s.entered < rule.min_leads:
        return None
    if abs(deviation) < rule.conversion_off:
        return None
    assert s.conversion is not None and s.planned_conversion is not None
    return Drift(
        s.product, s.stage, "conversion", s.planned_conversion, s.conversion, deviation, s.entered
    )


def days_drift(s: StageActual, rule: DriftRule) -> Drift | None:
    """The stage's median days, when off the plan's length by ``rule.days_off`` or more."""
    deviation = s.days_deviation
    if deviation is None or s.days_measured < rule.min_leads:
        return None
    if abs(deviation) < rule.days_off:
        return None
    assert s.median_days is not None
    return Drift(
        s.product, s.stage, "days", s.planned_days, s.median_days, deviation, s.days_measured
    )


def find_drift(report: ActualsReport, rule: DriftRule | None = None) -> list[Drift]:
    """Every drifting measure, in plan order (conversion before days within a stage)."""
    rule = rule or DriftRule()
    found = []
    for s in report.stages:
        for check in (conversion_drift, days_drift):
            drift = check(s, rule)
            if drift is not None:
                found.append(drift)
    return found


def _percent(x: float) -> str:
    return f"{x * 100:+.0f} %"


def drift_message(plan: Plan, drift: Drift) -> str:
    """The sentence a planner reads for a drift."""
    product = plan.product(drift.product)
    stage = product.stage(drift.stage) if product else None
    name = stage.name if stage else drift.stage
    if drift.measure == "conversion":
        return (
            f"{name}: conversion {drift.actual:.2f} in the CRM, planned {drift.planned:.2f} "
            f"({_percent(drift.deviation)}, {drift.leads} leads)"
        )
    return (
        f"{name}: {drift.actual:g} days (median) in the CRM, planned {drift.planned:g} "
        f"({_percent(drift.deviation)}, {drift.leads} leads)"
    )


def drift_gaps(plan: Plan, report: ActualsReport, rule: DriftRule | None = None) -> list[Gap]:
    """Drift as gaps of kind ``drift``, ready to list beside the checks' gaps.

    One gap per drifting measure: the product and stage, the stage's owner as
    the team, the plan's horizon as the days, no cohort.
    """
    found = []
    for drift in find_drift(report, rule):
        product = plan.product(drift.product)
        stage = product.stage(drift.stage) if product else None
        found.append(
            Gap(
                kind="drift",
                product=drift.product,
                cohort=None,
                stage=drift.stage,
                team=stage.owner if stage else None,
                start=plan.start,
                end=plan.end,
                message=drift_message(plan, drift),
            )
        )
    return found


# --- adopting -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Adoption:
    """One number of the plan replaced by the CRM's: which, from what, to what, and why not more."""

    product: str
    stage: str
    measure: str  # "conversion" | "days"
    old: float
    new: float
    note: str = ""


def adopted_conversion(s: StageActual, rule: DriftRule) -> float | None:
    """The actual conversion rounded to 2 decimals, when enough leads have an outcome."""
    if s.conversion is None or s.planned_conversion is None or s.entered < rule.min_leads:
        return None
    return round(s.conversion, 2)


def shortest_days(product: Product, stage_id: str) -> int:
    """The fewest days a stage may have: one more than its latest touch's offset (at least 1)."""
    offsets = [t.offset_days for t in product.touches if t.stage == stage_id]
    return max(offsets, default=0) + 1


def adopted_days(product: Product, s: StageActual, rule: DriftRule) -> tuple[int, str] | None:
    """The median days rounded half up (kept above the stage's touches), with a note."""
    if s.median_days is None or s.days_measured < rule.min_leads:
        return None
    days = min(math.floor(s.median_days + 0.5), MAX_STAGE_DAYS)
    floor = shortest_days(product, s.stage)
    if days < floor:
        return floor, f"median {s.median_days:g} days; kept at {floor} for the stage's touches"
    return days, ""


def adopt(
    plan: Plan,
    report: ActualsReport,
    rule: DriftRule | None = None,
    only: Collection[tuple[str, str]] | None = None,
) -> tuple[Plan, list[Adoption]]:
    """The plan with the CRM's conversions and stage lengths, and the list of what changed.

    Every stage measured on at least ``rule.min_leads`` leads adopts its actual
    conversion (2 decimals; not the last stage's, which the plan does not use)
    and its median days rounded half up, never fewer than its touches need.
    ``only`` limits it to those (product, stage) pairs (one row of the app's table).
    """
    rule = rule or DriftRule()
    changes: list[Adoption] = []
    products = []
    for product in plan.products:
        stages = []
        for stage in product.stages:
            s = report.stage(product.id, stage.id)
            if s is None or (only is not None and (product.id, stage.id) not in only):
                stages.append(stage)
                continue
            conversion = adopted_conversion(s, rule)
            if conversion is not None and conversion != stage.conversion:
                changes.append(
                    Adoption(product.id, stage.id, "conversion", stage.conversion, conversion)
                )
                stage = replace(stage, conversion=conversion)
            days = adopted_days(product, s, rule)
            if days is not None and days[0] != stage.days:
                changes.append(Adoption(product.id, stage.id, "days", stage.days, days[0], days[1]))
                stage = replace(stage, days=days[0])
            stages.append(stage)
        products.append(replace(product, stages=tuple(stages)))
    if not changes:
        return plan, []
    return replace(plan, products=tuple(products)), changes


# --- the report's words --------------------------------------------------------------


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _days(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def _dev(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:+.0f} %"


#: The titles of :func:`stage_cells`' columns (the command's table and the app's).
STAGE_COLUMNS: tuple[str, ...] = (
    "Stage",
    "Leads",
    "Open",
    "Conv",
    "Plan",
    "Dev",
    "Median d",
    "P80 d",
    "Plan d",
    "Dev d",
    "Quality",
)


def stage_cells(s: StageActual) -> list[str]:
    """One stage as a row of the report (the `actuals` command's table and the app's)."""
    return [
        s.stage_name,
        str(s.leads),
        str(s.in_stage),
        _num(s.conversion),
        _num(s.planned_conversion),
        _dev(s.conversion_deviation),
        _days(s.median_days),
        _days(s.p80_days),
        str(s.planned_days),
        _dev(s.days_deviation),
        _num(s.quality),
    ]
