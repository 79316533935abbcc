"""What the calendar, gaps, workload, requests and print views share.

* Channel glyphs and labels, team colours (the visual language of every view).
* :class:`CalendarFilter`: which occurrences a calendar (or a printout) shows.
* :class:`OccurrenceIndex`: the controller's occurrences indexed by day once per
  ``sig_schedule_changed``, with per-day filtered lists cached per filter, so a
  view only ever touches the days it paints.
* :class:`CalendarBus`: how another widget (the workload chart) asks the calendar
  to show one team's week — a hint sent before ``controller.navigate(...)``.
"""

from __future__ import annotations

import operator
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from itertools import chain, compress

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from cadence.calendar import WorkingDays
from cadence.model import CHANNEL_LABELS, CHANNELS, Occurrence, Plan
from cadence.planner import MergedEntries

# Glyphs present in the default (DejaVu Sans) font, so they render everywhere.
CHANNEL_GLYPHS: dict[str, str] = {
    "email": "✉",
    "newsletter": "☰",
    "call": "☎",
    "meeting": "⚇",
    "event": "★",
    "content": "✎",
    "social": "♯",
    "direct_mail": "✈",
    "other": "•",
}
KIND_LABELS: dict[str, str] = {"touch": "Touch", "broadcast": "Broadcast", "request": "Request"}

# One warning colour and icon in every view.
WARNING_COLOR = "#d9822b"
WARNING_GLYPH = "⚠"
OVER_CAPACITY_COLOR = "#d64541"
FALLBACK_TEAM_COLOR = "#8a9199"
NON_WORKING_FILL = "#eef0f3"
BLACKOUT_FILL = "#f6e7e4"
HOLIDAY_FILL = "#f3eee0"
TODAY_COLOR = "#d64541"
SELECTION_COLOR = "#2b6cb0"

AUTOMATION_CHOICES: tuple[str, ...] = ("all", "automated", "manual")


def glyph(channel: str) -> str:
    return CHANNEL_GLYPHS.get(channel, "•")


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel, channel.replace("_", " ").capitalize())


def team_color(plan: Plan, team_id: str | None) -> QColor:
    team = plan.team(team_id)
    return QColor(team.color if team is not None else FALLBACK_TEAM_COLOR)


def team_colors(plan: Plan) -> dict[str, QColor]:
    return {t.id: QColor(t.color) for t in plan.teams}


def team_name(plan: Plan, team_id: str | None) -> str:
    team = plan.team(team_id)
    return team.name if team is not None else (team_id or "—")


def chip_fill(color: QColor) -> QColor:
    """The light tint of a team colour behind dark text (chips, table rows)."""
    fill = QColor(color)
    fill.setAlpha(48)
    return fill


def swatch_icon(color: QColor | str, size: int = 12) -> QIcon:
    """A small rounded colour square (team colour in combos and tables)."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(0, 0, size, size, 3, 3)
    painter.end()
    return QIcon(pix)


def short_product(plan: Plan, product_id: str | None) -> str:
    """A product's first word: chips have little room ("Analytics" for "Analytics Suite")."""
    product = plan.product(product_id)
    if product is None:
        return product_id or ""
    return product.name.split()[0] if product.name.split() else product.id


def chip_text(plan: Plan, occ: Occurrence) -> str:
    """ "✉ Digest · Analytics 01-11" — glyph, name, product and cohort (month-day)."""
    parts = [f"{glyph(occ.channel)} {occ.name}"]
    if occ.kind == "touch":
        where = short_product(plan, occ.product)
        if occ.cohort is not None:
            where += f" {occ.cohort:%m-%d}"
        parts.append(where)
    elif occ.kind == "request" and occ.product:
        parts.append(short_product(plan, occ.product))
    text = " · ".join(parts)
    if occ.rolled:
        text += " ↻"
    return text


def time_text(occ: Occurrence) -> str:
    return f"{occ.time:%H:%M}" if occ.time is not None else "all day"


def stage_name(plan: Plan, product_id: str | None, stage_id: str | None) -> str:
    product = plan.product(product_id)
    stage = product.stage(stage_id) if product is not None and stage_id else None
    return stage.name if stage is not None else (stage_id or "—")


def occurrence_tooltip(plan: Plan, occ: Occurrence) -> str:
    """Plain-text tooltip: what, when, who; the nominal date when the touch was rolled."""
    lines = [f"{glyph(occ.channel)} {occ.name}"]
    product = plan.product(occ.product)
    if product is not None:
        lines.append(f"{product.name} · {stage_name(plan, occ.product, occ.stage)}")
    if occ.cohort is not None:
        lines.append(f"Cohort {occ.cohort:%Y-%m-%d}")
    when = f"{occ.date:%a %d %b %Y}"
    if occ.end is not None and occ.end != occ.date:
        when += f" → {occ.end:%a %d %b}"
    lines.append(f"{when} · {time_text(occ)}")
    lines.append(
        f"{team_name(plan, occ.owner)} · {channel_label(occ.channel)} · "
        f"{'automated' if occ.automated else 'manual'}"
    )
    if occ.rolled:
        lines.append(f"↻ rolled from {occ.nominal:%a %d %b %Y} (not a working day)")
    return "\n".join(lines)


# --- filtering ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarFilter:
    """Which occurrences a calendar shows. Empty sets mean "all".

    ``products``: touches and requests of those products and the broadcasts that
    reach their leads. ``cohorts``: touches of those intake dates only.
    ``automation``: "all", "automated" or "manual". ``text``: a case-insensitive
    search over name, product, stage, team, channel and UID.
    """

    products: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    cohorts: frozenset[date] = frozenset()
    automation: str = "all"
    kinds: frozenset[str] = frozenset()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self == CalendarFilter()

    def with_(self, **changes: object) -> CalendarFilter:
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self, plan: Plan) -> str:
        """ "Team: Sales development · Channel: Call" — for headers and status lines."""
        parts = []
        if self.products:
            names = sorted(
                (p.name if (p := plan.product(i)) else i) for i in self.products
            )  # fmt: skip
            parts.append("Product: " + ", ".join(names))
        if self.teams:
            parts.append("Team: " + ", ".join(sorted(team_name(plan, t) for t in self.teams)))
        if self.channels:
            parts.append("Channel: " + ", ".join(sorted(channel_label(c) for c in self.channels)))
        if self.cohorts:
            parts.append("Cohort: " + ", ".join(f"{c:%Y-%m-%d}" for c in sorted(self.cohorts)))
        if self.automation != "all":
            parts.append(self.automation.capitalize() + " only")
        if self.kinds:
            parts.append("Kinds: " + ", ".join(sorted(self.kinds)))
        if self.text.strip():
            parts.append(f'Search: "{self.text.strip()}"')
        return " · ".join(parts) if parts else "All entries"


class _Matcher:
    """A filter compiled against one plan (names for the search, broadcast reach)."""

    def _joins(self, occ: Occurrence, teams: Iterable[str]) -> bool:
        """Whether one of these teams takes part in a broadcast (a meeting's participants)."""
        joined = self.participants.get(occ.touch, ()) if occ.kind == "broadcast" else ()
        return any(t in joined for t in teams)

    def __init__(self, plan: Plan, selection: CalendarFilter) -> None:
        self.f = selection
        self.plan = plan
        self.reach = {b.id: b.products for b in plan.broadcasts}
        # A meeting's participant teams see it in their calendar, as its owner does.
        self.participants = {b.id: b.participants for b in plan.broadcasts if b.participants}
        self.needle = selection.text.strip().casefold()
        self._haystack: dict[str, str] = {}
        if self.needle:
            self.product_names = {p.id: p.name for p in plan.products}
            self.team_names = {t.id: t.name for t in plan.teams}
            self.stage_names = {(p.id, s.id): s.name for p in plan.products for s in p.stages}

    def __call__(self, occ: Occurrence) -> bool:
        f = self.f
        if f.kinds and occ.kind not in f.kinds:
            return False
        if f.teams and occ.owner not in f.teams and not self._joins(occ, f.teams):
            return False
        if f.channels and occ.channel not in f.channels:
            return False
        if f.automation == "automated" and not occ.automated:
            return False
        if f.automation == "manual" and occ.automated:
            return False
        if f.cohorts and occ.cohort not in f.cohorts:
            return False
        if f.products:
            if occ.kind == "broadcast":
                reach = self.reach.get(occ.touch, ())
                if reach is not None and not (f.products & set(reach)):
                    return False
            elif occ.product not in f.products:
                return False
        if self.needle:
            return self.needle in self._text_of(occ)
        return True

    def _text_of(self, occ: Occurrence) -> str:
        text = self._haystack.get(occ.uid)
        if text is None:
            text = " ".join(
                (
                    occ.name,
                    occ.touch,
                    occ.product or "",
                    self.product_names.get(occ.product or "", ""),
                    occ.stage or "",
                    self.stage_names.get((occ.product or "", occ.stage or ""), ""),
                    occ.owner,
                    self.team_names.get(occ.owner, ""),
                    occ.channel,
                    occ.uid,
                )
            ).casefold()
            self._haystack[occ.uid] = text
        return text


_DATE = operator.attrgetter("date")
_END = operator.attrgetter("end")


class OccurrenceIndex:
    """Occurrences by day (multi-day entries on each of their days), filtered lazily.

    Built at once, whatever the plan's size: the calendar's entries are read a
    day at a time (the planner's calendar gives one day without merging the
    others; a plain sorted list is bisected), so a view pays only for the days it
    shows and an edit costs the calendar nothing until a day is painted. A day's
    list is cut out (and ordered) the first time it is asked for, and filtered
    once per filter.
    """

    def __init__(
        self,
        plan: Plan,
        occurrences: Sequence[Occurrence],
        requests: Sequence[Occurrence] = (),
    ) -> None:
        """``occurrences`` sorted by date: the planner's calendar (``MergedEntries``,
        whose entries are one day each) or any sorted list (``controller.occurrences()``);
        ``requests``: booked requests not in ``occurrences`` (few; they may span days)."""
        self.plan = plan
        self.total = len(occurrences) + len(requests)
        self._occurrences = occurrences
        self._requests: dict[date, list[Occurrence]] = {}
        for r in requests:
            self._requests.setdefault(r.date, []).append(r)
        # The planner's calendar, read one day at a time (None: bisect the list).
        self._days: MergedEntries[Occurrence] | None = (
            occurrences if isinstance(occurrences, MergedEntries) and occurrences.grouped else None
        )
        # The few entries that last several days (booked requests): found once. The
        # planner's touches are one day each; a plain list is walked once for them, in
        # C (compress/attrgetter, ~14 ms for 125 k).
        self._spanning = [r for r in requests if r.end is not None and r.end > r.date]
        if self._days is None:
            self._spanning += [
                o
                for o in compress(occurrences, map(_END, occurrences))
                if o.end > o.date  # type: ignore[operator]
            ]
        self.first, self.last = self._first_and_last(plan)
        self._by_day: dict[date, list[Occurrence]] = {}
        self._filter = CalendarFilter()
        self._matcher: _Matcher | None = None
        self._cache: dict[date, list[Occurrence]] = {}
        self._by_uid: dict[str, Occurrence] | None = None

    def _first_and_last(self, plan: Plan) -> tuple[date, date]:
        """The first day with an entry and the last day an entry reaches (the plan's
        horizon when there are none)."""
        firsts: list[date] = list(self._requests)
        lasts: list[date] = list(self._requests) + [o.end for o in self._spanning if o.end]
        if self._days is not None:
            span = self._days.group_range()
            if span is not None:
                firsts.append(date.fromordinal(span[0]))
                lasts.append(date.fromordinal(span[1]))
        elif self._occurrences:
            firsts.append(self._occurrences[0].date)
            lasts.append(self._occurrences[-1].date)
        if not firsts:
            return plan.start, plan.end
        return min(firsts), max(lasts)

    def _dated(self, d: date) -> list[Occurrence]:
        """The entries that start on ``d``, in no particular order."""
        if self._days is not None:
            entries = list(self._days.group(d.toordinal()))
        else:
            lo = bisect_left(self._occurrences, d, key=_DATE)
            hi = bisect_right(self._occurrences, d, lo, key=_DATE)
            entries = list(self._occurrences[lo:hi])
        entries += self._requests.get(d, ())
        return entries

    def _unfiltered(self, d: date) -> list[Occurrence]:
        entries = self._by_day.get(d)
        if entries is None:
            entries = [o for o in self._spanning if o.date < d <= o.end]  # type: ignore[operator]
            entries += self._dated(d)
            entries.sort(key=_day_order)
            self._by_day[d] = entries
        return entries

    def set_filter(self, selection: CalendarFilter) -> None:
        if selection != self._filter:
            self._filter = selection
            self._matcher = None if selection.is_empty else _Matcher(self.plan, selection)
            self._cache.clear()

    @property
    def filter(self) -> CalendarFilter:
        return self._filter

    def matches(self, occ: Occurrence) -> bool:
        """Whether an entry (also one not in the index: a removed one) passes the filter."""
        return self._matcher is None or self._matcher(occ)

    def day(self, d: date) -> list[Occurrence]:
        """The entries of one day that pass the filter, all-day first then by time."""
        entries = self._unfiltered(d)
        if not entries:
            return entries
        if self._matcher is None:
            return entries
        cached = self._cache.get(d)
        if cached is None:
            cached = [o for o in entries if self._matcher(o)]
            self._cache[d] = cached
        return cached

    def days(self, first: date, last: date) -> Iterable[tuple[date, list[Occurrence]]]:
        d = first
        while d <= last:
            yield d, self.day(d)
            d += timedelta(days=1)

    def in_range(self, first: date, last: date) -> list[Occurrence]:
        """Entries of first … last that pass the filter, each once (multi-day ones too)."""
        seen: set[str] = set()
        out = []
        for _, entries in self.days(first, last):
            for occ in entries:
                if occ.end is not None and occ.end > occ.date:
                    if occ.uid in seen:
                        continue
                    seen.add(occ.uid)
                out.append(occ)
        return out

    def count(self, first: date, last: date) -> int:
        return len(self.in_range(first, last))

    def by_uid(self, uid: str, near: date | None = None) -> Occurrence | None:
        """The entry with ``uid``: looked for on the day ``near`` first (where it was
        selected), then in every entry (which merges the whole calendar once)."""
        if near is not None and self._by_uid is None:
            for occ in self._unfiltered(near):
                if occ.uid == uid:
                    return occ
        if self._by_uid is None:
            every = chain(self._occurrences, *self._requests.values())
            self._by_uid = {o.uid: o for o in every}
        return self._by_uid.get(uid)

    def cohorts(self, products: frozenset[str] = frozenset()) -> list[date]:
        """Intake dates of the plan's products (of ``products`` when given)."""
        found: set[date] = set()
        for p in self.plan.products:
            if not products or p.id in products:
                found.update(p.cohorts.intake_dates())
        return sorted(found)


_MIDNIGHT = time(0, 0)


def _day_order(occ: Occurrence) -> tuple:
    return (occ.time is not None, occ.time or _MIDNIGHT, occ.kind != "request", occ.owner, occ.uid)


# --- month arithmetic ---------------------------------------------------------


def closed_day_name(wd: WorkingDays, d: date) -> str | None:
    """The names of a non-working day: its blackout, its holiday, or both
    ("Year-end freeze · Christmas Day"); None for an unnamed weekend."""
    names = [n for n in (wd.blackout(d), wd.holiday(d)) if n]
    return " · ".join(names) or None


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later (clipped to the month's last day)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(d.day, last))


def month_grid_first(d: date) -> date:
    """The Monday on or before the first of d's month: the top-left cell of a month grid."""
    first = month_start(d)
    return first - timedelta(days=first.weekday())


def week_monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


# --- workload → calendar hints ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarHint:
    """Ask the calendar to show something: a filter, a day and optionally a view."""

    filter: CalendarFilter = field(default_factory=CalendarFilter)
    day: date | None = None
    view: str | None = None  # "month" | "week" | "agenda"


class CalendarBus(QObject):
    """One per controller: widgets that cannot see the calendar send it hints here.

    The sender emits ``sig_show`` and then calls ``controller.navigate(NavTarget(
    day=…, tab="calendar"))`` so the main window switches tabs as for any jump.
    """

    sig_show = Signal(object)  # a CalendarHint
    #: the What-if panel's comparison (ui.change_marks.ChangeMarks), None: no comparison
    sig_changes = Signal(object)


_buses: weakref.WeakKeyDictionary[QObject, CalendarBus] = weakref.WeakKeyDictionary()


def calendar_bus(controller: QObject) -> CalendarBus:
    bus = _buses.get(controller)
    if bus is None:
        bus = CalendarBus(controller)
        _buses[controller] = bus
    return bus


__all__ = [
    "AUTOMATION_CHOICES",
    "CHANNELS",
    "CHANNEL_GLYPHS",
    "CalendarBus",
    "CalendarFilter",
    "CalendarHint",
    "OccurrenceIndex",
    "calendar_bus",
    "chip_text",
    "closed_day_name",
    "glyph",
    "occurrence_tooltip",
    "team_color",
]
