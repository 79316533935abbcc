"""What the iCal and CSV exports share: what to include, filtering, atomic output.

The filtering functions are pure and cheap, so the GUI calendar can reuse them
to show exactly what an export with the same filter would contain.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import IO

from cadence.model import Gap, Occurrence, Plan, Schedule

# Parts of a plan an export can contain (`--include`).
INCLUDE_CHOICES: tuple[str, ...] = ("touches", "broadcasts", "requests", "gaps")
DEFAULT_INCLUDE: frozenset[str] = frozenset({"touches", "broadcasts", "requests"})
# Occurrence.kind that each include part selects.
KIND_OF_PART = {"touches": "touch", "broadcasts": "broadcast", "requests": "request"}

_MIDNIGHT = time(0, 0)

# How often long exports report progress and look at the cancel flag.
PROGRESS_EVERY = 1000

ProgressCallback = Callable[[int, int], None]
CancelCheck = Callable[[], bool]


class ExportError(Exception):
    """A filter or destination that cannot be exported (message is for the user)."""


class ExportCancelled(Exception):
    """Raised inside an export when ``cancel()`` returned True; nothing was written."""


def parse_include(text: str | Iterable[str]) -> frozenset[str]:
    """``"touches,gaps"`` (or an iterable of names) → a validated set of parts."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    chosen = {p.strip().lower() for p in parts if p.strip()}
    unknown = sorted(chosen - set(INCLUDE_CHOICES))
    if unknown:
        raise ExportError(
            f"--include: unknown part {', '.join(repr(u) for u in unknown)} "
            f"(choose from: {', '.join(INCLUDE_CHOICES)})"
        )
    if not chosen:
        raise ExportError(f"--include: name at least one of {', '.join(INCLUDE_CHOICES)}")
    return frozenset(chosen)


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """Which entries an export (or a calendar view) shows.

    ``team``: entries owned by that team (touches, broadcasts, requests) and gaps
    naming that team. ``product``: touches and requests of that product,
    broadcasts that reach its leads, gaps of that product. ``start``/``end``:
    entries that overlap the inclusive range.
    """

    team: str | None = None
    product: str | None = None
    start: date | None = None
    end: date | None = None
    include: frozenset[str] = DEFAULT_INCLUDE

    def check(self, plan: Plan) -> None:
        """Raise ExportError naming the bad value when the filter cannot match this plan."""
        if self.team is not None and plan.team(self.team) is None:
            known = ", ".join(t.id for t in plan.teams) or "none"
            raise ExportError(f"--team: unknown team {self.team!r} (teams: {known})")
        if self.product is not None and plan.product(self.product) is None:
            known = ", ".join(p.id for p in plan.products) or "none"
            raise ExportError(f"--product: unknown product {self.product!r} (products: {known})")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ExportError(f"--to {self.end} is before --from {self.start}")
        parse_include(self.include)


def request_entries(plan: Plan) -> tuple[Occurrence, ...]:
    """Calendar entries of the plan's scheduled ad-hoc requests (none until that module exists)."""
    try:
        from cadence import requests as requests_module
    except ModuleNotFoundError as exc:
        if exc.name != "cadence.requests":
            raise
        return ()
    entries = getattr(requests_module, "calendar_entries", None)
    if entries is None:
        return ()
    try:
        return tuple(entries(plan))
    except requests_module.RequestError as exc:
        raise ExportError(f"the studio's requests cannot be placed: {exc.message}") from None


def _broadcast_reaches(plan: Plan) -> dict[str, tuple[str, ...] | None]:
    return {b.id: b.products for b in plan.broadcasts}


def broadcast_participants(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Each broadcast's participant teams: a team's calendar shows it beside its owner's."""
    return {b.id: b.participants for b in plan.broadcasts if b.participants}


def in_team_calendar(occ: Occurrence, team: str, participants: dict[str, tuple[str, ...]]) -> bool:
    """Whether an entry belongs in ``team``'s calendar: it owns it, or joins the broadcast."""
    if occ.owner == team:
        return True
    return occ.kind == "broadcast" and team in participants.get(occ.touch, ())


def select_occurrences(
    plan: Plan,
    occurrences: Iterable[Occurrence],
    selection: ExportFilter = ExportFilter(),
) -> list[Occurrence]:
    """The occurrences that match a filter, in their given order."""
    kinds = {KIND_OF_PART[p] for p in selection.include if p in KIND_OF_PART}
    team, product, first, last = selection.team, selection.product, selection.start, selection.end
    reaches = _broadcast_reaches(plan) if product is not None else {}
    participants = broadcast_participants(plan)
    out: list[Occurrence] = []
    append = out.append
    for occ in occurrences:
        if occ.kind not in kinds:
            continue
        if team is not None and not in_team_calendar(occ, team, participants):
            continue
        if product is not None:
            if occ.kind == "broadcast":
                products = reaches.get(occ.touch, ())
                if products is not None and product not in products:
                    continue
            elif occ.product != product:
                continue
        if last is not None and occ.date > last:
            continue
        if first is not None and (occ.end or occ.date) < first:
            continue
        append(occ)
    return out


def select_gaps(gaps: Iterable[Gap], selection: ExportFilter = ExportFilter()) -> list[Gap]:
    """The gaps that match a filter (only when ``gaps`` is included), in their given order."""
    if "gaps" not in selection.include:
        return []
    out = []
    for gap in gaps:
        if selection.team is not None and gap.team != selection.team:
            continue
        if selection.product is not None and gap.product != selection.product:
            continue
        if selection.end is not None and gap.start > selection.end:
            continue
        if selection.start is not None and gap.end < selection.start:
            continue
        out.append(gap)
    return out


def entries_for(
    plan: Plan,
    schedule: Schedule,
    gaps: Sequence[Gap],
    selection: ExportFilter,
) -> tuple[list[Occurrence], list[Gap]]:
    """Occurrences (touches, broadcasts, and requests when included) and gaps to export.

    Request entries are merged into the schedule's order (date, then all-day first).
    """
    occurrences: Sequence[Occurrence] = schedule.touches
    if "requests" in selection.include:
        extra = request_entries(plan)
        if extra:
            occurrences = sorted(
                (*schedule.touches, *extra),
                key=lambda o: (o.date, o.time is not None, o.time or _MIDNIGHT),
            )
    return select_occurrences(plan, occurrences, selection), select_gaps(gaps, selection)


def gap_uid(plan: Plan, gap: Gap, seen: dict[str, int]) -> str:
    """A deterministic UID for a gap event; ``seen`` disambiguates equal keys in one export."""
    cohort = f"{gap.cohort:%Y%m%d}" if gap.cohort else "-"
    base = (
        f"{plan.id}.gap.{gap.kind}.{gap.product or '-'}.{cohort}."
        f"{gap.stage or '-'}.{gap.team or '-'}.{gap.start:%Y%m%d}"
    )
    if gap.uids:  # a spacing gap is the pair of touches that are too close
        base += "." + hashlib.sha1("|".join(gap.uids).encode()).hexdigest()[:10]
    n = seen.get(base, 0) + 1
    seen[base] = n
    return f"{base}@cadence" if n == 1 else f"{base}.{n}@cadence"


# --- output -----------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only when the block completes.

    The bytes go to a temporary file in the same folder (so ``os.replace`` is
    atomic); on any exception, including :class:`ExportCancelled`, the
    temporary file is removed and ``path`` is left as it was (an OSError, such as
    a full device, becomes an :class:`ExportError` saying so). A new file gets
    the usual permissions (0666 less the umask), an existing one keeps its mode.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"{target}: folder {str(folder) or '.'!r} does not exist")
    if target.is_dir():
        raise ExportError(
            f"{target}: is a folder; name a file to write (e.g. {target / 'plan.ics'})"
        )
    tmp = folder / f".{target.name}.{os.getpid()}.{id(target):x}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        os.replace(tmp, target)
    except OSError as exc:  # a full disk, a quota, an I/O error: say so, keep the old file
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise ExportError(
            f"{target}: cannot write ({exc.strerror or exc}); nothing was written"
        ) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
