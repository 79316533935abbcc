"""CSV export of a schedule: one row per occurrence, for spreadsheets and scripts.

UTF-8 with a header row, RFC 4180 quoting and CRLF rows. The first ten
columns are the ones the export promises (date, time, product, cohort, stage,
touch, channel, owner, automated, uid) and name things the way a planner reads
them (product, stage, touch, channel and team names); the ids follow in their
own columns at the end (product_id … owner_id) for scripts and lookups. Cells
that a spreadsheet would run as a formula (starting with ``= + - @``, tab or
CR) get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import IO

from cadence.formats.export_common import (
    DEFAULT_INCLUDE,
    PROGRESS_EVERY,
    CancelCheck,
    ExportCancelled,
    ExportFilter,
    ProgressCallback,
    atomic_output,
    entries_for,
    gap_uid,
    parse_include,
)
from cadence.formats.ical import ExportResult, calendar_name
from cadence.model import CHANNEL_LABELS, GAP_KIND_TITLES, Gap, Occurrence, Plan, Schedule

COLUMNS: tuple[str, ...] = (
    "date",
    "time",
    "product",
    "cohort",
    "stage",
    "touch",
    "channel",
    "owner",
    "automated",
    "uid",
    "kind",
    "name",
    "end",
    "nominal",
    "leads",
    "product_id",
    "stage_id",
    "touch_id",
    "channel_id",
    "owner_id",
)
#: how a gap kind is named in the touch column
GAP_KIND_NAMES = GAP_KIND_TITLES
# A spreadsheet treats a cell starting with one of these as a formula (or DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix an apostrophe to a cell a spreadsheet would evaluate (OWASP CSV injection)."""
    if cell and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _leads(value: float) -> str:
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return text or "0"


class Names:
    """The names of a plan's ids (product, stage, touch, broadcast, request, team, channel);
    an id the plan does not know names itself."""

    def __init__(self, plan: Plan) -> None:
        self.products = {p.id: p.name for p in plan.products}
        self.stages = {(p.id, s.id): s.name for p in plan.products for s in p.stages}
        self.touches: dict[tuple[str | None, str], str] = {
            (p.id, t.id): t.name for p in plan.products for t in p.touches
        }
        self.touches.update({(None, b.id): b.name for b in plan.broadcasts})
        self.requests = {q.id: q.title for q in plan.requests}
        self.teams = {t.id: t.name for t in plan.teams}

    def product(self, product_id: str | None) -> str:
        return self.products.get(product_id, product_id) if product_id else ""

    def stage(self, product_id: str | None, stage_id: str | None) -> str:
        if not stage_id:
            return ""
        return self.stages.get((product_id or "", stage_id), stage_id)

    def touch(self, occ: Occurrence) -> str:
        if occ.kind == "request":
            return self.requests.get(occ.touch, occ.name)
        key = (occ.product if occ.kind == "touch" else None, occ.touch)
        return self.touches.get(key, occ.name)

    def team(self, team_id: str | None) -> str:
        return self.teams.get(team_id, team_id) if team_id else ""


def channel_name(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel)


def occurrence_row(occ: Occurrence, names: Names) -> list[str]:
    """The cells of one occurrence, in COLUMNS order, already neutralised."""
    return [
        occ.date.isoformat(),
        occ.time.strftime("%H:%M") if occ.time is not None else "",
        neutralise(names.product(occ.product)),
        occ.cohort.isoformat() if occ.cohort is not None else "",
        neutralise(names.stage(occ.product, occ.stage)),
        neutralise(names.touch(occ)),
        neutralise(channel_name(occ.channel)),
        neutralise(names.team(occ.owner)),
        "yes" if occ.automated else "no",
        neutralise(occ.uid),
        occ.kind,
        neutralise(occ.name),
        occ.end.isoformat() if occ.end is not None else "",
        occ.nominal.isoformat(),
        _leads(occ.leads),
        neutralise(occ.product or ""),
        neutralise(occ.stage or ""),
        neutralise(occ.touch),
        neutralise(occ.channel),
        neutralise(occ.owner),
    ]


def gap_row(gap: Gap, uid: str, names: Names) -> list[str]:
    """A gap as a row: kind "gap", touch = the gap kind, owner = its team, name = its message."""
    return [
        gap.start.isoformat(),
        "",
        neutralise(names.product(gap.product)),
        gap.cohort.isoformat() if gap.cohort is not None else "",
        neutralise(names.stage(gap.product, gap.stage)),
        GAP_KIND_NAMES.get(gap.kind, gap.kind),
        "",
        neutralise(names.team(gap.team)),
        "",
        neutralise(uid),
        "gap",
        neutralise(gap.message),
        gap.end.isoformat(),
        "",
        _leads(gap.load) if gap.load is not None else "",
        neutralise(gap.product or ""),
        neutralise(gap.stage or ""),
        gap.kind,
        "",
        neutralise(gap.team or ""),
    ]


def write_csv(
    plan: Plan,
    occurrences: Sequence[Occurrence],
    gaps: Sequence[Gap],
    stream: IO[bytes],
    *,
    bom: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> int:
    """Write header and rows to a binary stream; returns the number of rows."""
    total = len(occurrences) + len(gaps)
    names = Names(plan)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    stream.write((("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8"))
    if progress is not None:
        progress(0, total)
    done = 0
    for first in range(0, len(occurrences), PROGRESS_EVERY):
        if cancel is not None and cancel():
            raise ExportCancelled()
        buffer.seek(0)
        buffer.truncate()
        batch = occurrences[first : first + PROGRESS_EVERY]
        writer.writerows(occurrence_row(o, names) for o in batch)
        stream.write(buffer.getvalue().encode("utf-8", "replace"))
        done += len(batch)
        if progress is not None:
            progress(done, total)
    if cancel is not None and cancel():
        raise ExportCancelled()
    buffer.seek(0)
    buffer.truncate()
    seen: dict[str, int] = {}
    writer.writerows(gap_row(g, gap_uid(plan, g, seen), names) for g in gaps)
    stream.write(buffer.getvalue().encode("utf-8", "replace"))
    if progress is not None:
        progress(total, total)
    return total


def export_csv(
    plan: Plan,
    schedule: Schedule,
    gaps: Sequence[Gap],
    target: str | os.PathLike[str] | IO[bytes],
    *,
    team: str | None = None,
    product: str | None = None,
    start: date | None = None,
    end: date | None = None,
    include: str | Iterable[str] = DEFAULT_INCLUDE,
    bom: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> ExportResult:
    """Export the schedule (filtered like :func:`cadence.formats.ical.export_ics`) as CSV.

    Same threading contract: ``progress(done, total)``, ``cancel()`` →
    :class:`ExportCancelled`, and a path is replaced atomically at the end.
    ``bom`` starts the file with a UTF-8 byte-order mark (Excel on Windows
    needs it to read UTF-8).
    """
    selection = ExportFilter(team, product, start, end, parse_include(include))
    selection.check(plan)
    occurrences, chosen_gaps = entries_for(plan, schedule, gaps, selection)
    path: Path | None = None
    if not isinstance(target, str | os.PathLike):
        total = write_csv(
            plan, occurrences, chosen_gaps, target, bom=bom, progress=progress, cancel=cancel
        )
    else:
        path = Path(target)
        with atomic_output(path) as handle:
            total = write_csv(
                plan, occurrences, chosen_gaps, handle, bom=bom, progress=progress, cancel=cancel
            )
    return ExportResult.of(occurrences, chosen_gaps, total, calendar_name(plan, selection), path)
