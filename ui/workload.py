"""The workload chart: one team's touches per ISO week against its capacity.

``WorkloadChart(controller)`` stacks the team's manual and automated touches
per ISO week (QtCharts) with its weekly capacity as a line; weeks whose manual
load is over capacity are red. The load is counted as the capacity check counts
it (issue 4): each touch occurrence weighs its expected leads — a discovery call
to a cohort of 40 leads is 40 calls. "Touches" counts occurrences instead.

Clicking a bar shows that team's week in the calendar: a
:class:`ui._cal_common.CalendarHint` on the controller's calendar bus, then
``controller.navigate(NavTarget(day=monday, tab="calendar"))``.

Preview: ``python -m ui.workload demo [out.png]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from math import fsum
from typing import Any

from PySide6.QtCharts import (
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QEvent, QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from cadence.calendar import team_working_days
from cadence.gaps import team_weeks, week_capacity
from cadence.model import Gap, Occurrence, Plan, Team
from ui._cal_common import (
    OVER_CAPACITY_COLOR,
    CalendarFilter,
    CalendarHint,
    calendar_bus,
    swatch_icon,
    week_monday,
)
from ui.widgets import WrapRow, row_group

MEASURES = ("contacts", "touches")


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """One team's touches in one ISO week."""

    monday: date
    manual: float  # contacts (expected leads) of manual touches
    automated: float
    manual_touches: int
    automated_touches: int

    @property
    def label(self) -> str:
        year, week, _ = self.monday.isocalendar()
        return f"W{week:02d}"

    @property
    def week_number(self) -> str:
        return str(self.monday.isocalendar()[1])

    def value(self, measure: str, part: str) -> float:
        if measure == "touches":
            return float(self.manual_touches if part == "manual" else self.automated_touches)
        return self.manual if part == "manual" else self.automated


def weekly_load(plan: Plan, occurrences: Iterable[Occurrence], team: str) -> list[WeekLoad]:
    """Per ISO week of the plan's horizon: the team's manual and automated touch load.

    The manual load is the capacity check's own sum (``cadence.gaps.weekly_loads``:
    non-automated touch occurrences, not broadcasts or requests, summed exactly);
    contacts are expected leads.
    """
    return week_loads(plan, team_weeks(occurrences).get(team, {}))


def week_loads(plan: Plan, weeks: dict[int, tuple[list[float], list[float]]]) -> list[WeekLoad]:
    """Per ISO week of the plan's horizon, one team's load from its weeks' leads
    (``cadence.gaps.team_weeks``, or the controller's ``team_weeks``)."""
    first = week_monday(plan.start)
    count = (week_monday(plan.end) - first).days // 7 + 1
    base = first.toordinal()
    out = []
    for i in range(count):
        m, a = weeks.get(base + 7 * i, ([], []))
        load = WeekLoad(
            first + timedelta(days=7 * i), round(fsum(m), 2), round(fsum(a), 2), len(m), len(a)
        )
        out.append(load)
    return out


def unowned_alert(gaps: Iterable[Gap], team: str) -> str:
    """The alert of a team that answers for days no team owns the lead (the lead desk,
    else the previous owner: ``cadence.gaps.answering_team``); "" when it has none."""
    mine = [g for g in gaps if g.kind == "unowned" and g.team == team]
    if not mine:
        return ""
    days = sum(g.days for g in mine)
    first = min(mine, key=lambda g: g.start)
    runs = f"{len(mine)} unowned run{'s' if len(mine) != 1 else ''}"
    return (
        f"⚠ Answers for {runs} ({days} lead-day{'s' if days != 1 else ''} no team owns); "
        f"first {first.start.isoformat()} to {first.end.isoformat()}"
    )


def capacity_line(plan: Plan, team: Team, loads: list[WeekLoad]) -> list[tuple[float, float]]:
    """The capacity line's points over the weeks' bars: flat at ``weekly_capacity``, or for
    a team with a calendar of its own a step per week (``cadence.gaps.week_capacity``:
    the weeks with its days off are lower)."""
    assert team.weekly_capacity is not None
    if not team.has_own_calendar:
        return [(-0.5, team.weekly_capacity), (len(loads) - 0.5, team.weekly_capacity)]
    days = team_working_days(plan, team.id)
    points: list[tuple[float, float]] = []
    for i, week in enumerate(loads):
        cap = float(week_capacity(plan, team, days, week.monday.toordinal()))
        points += [(i - 0.5, cap), (i + 0.5, cap)]
    return points


def over_capacity(gaps: Iterable[Gap], team: str) -> set[date]:
    """The Mondays of the weeks the capacity check flagged for the team."""
    return {g.start for g in gaps if g.kind == "capacity" and g.team == team}


class WorkloadChart(QWidget):
    """Stacked weekly bars (manual / automated) of one team, its capacity line, red overloads."""

    #: (team id, Monday of the clicked week)
    sig_week_clicked = Signal(str, object)

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.loads: list[WeekLoad] = []
        self._stale = False  # the schedule changed while hidden
        self._team_chosen = False  # the user picked a team (else: the most overloaded)
        self._pick_pending = True  # pick the default team once the gaps are known
        self._team: str | None = None
        self._measure = "contacts"
        # What the chart was last drawn from (rebuild skips an edit that changes none of it).
        self._drawn: tuple | None = None
        # Per product id: its gap list (as the planner keeps it) and its unowned gaps.
        self._unowned: dict[str | None, tuple[Sequence[Gap], list[Gap]]] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        # Wraps onto a second line in a narrow window rather than widen the tab.
        bar = WrapRow(spacing=8)
        team_label = QLabel("&Team")
        self.team_combo = QComboBox()
        self.team_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.team_combo.setMinimumContentsLength(28)
        self.team_combo.currentIndexChanged.connect(self._on_team)
        team_label.setBuddy(self.team_combo)
        bar.addWidget(row_group(team_label, self.team_combo))
        count_label = QLabel("C&ount")
        self.measure_combo = QComboBox()
        self.measure_combo.addItem("Contacts (touch × leads)", "contacts")
        self.measure_combo.addItem("Touches", "touches")
        self.measure_combo.setToolTip(
            "Contacts weigh each touch by its expected leads, as the capacity check does"
        )
        self.measure_combo.currentIndexChanged.connect(self._on_measure)
        count_label.setBuddy(self.measure_combo)
        bar.addWidget(row_group(count_label, self.measure_combo))
        self.automated_check = QCheckBox("Show automated")
        self.automated_check.setChecked(True)
        self.automated_check.toggled.connect(lambda _=False: self.rebuild())
        bar.addWidget(self.automated_check)
        layout.addLayout(bar)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        # Unowned days this team answers for (rules.lead_desk, else the previous owner).
        self.unowned_label = QLabel()
        self.unowned_label.setWordWrap(True)
        self.unowned_label.setAccessibleName("Unowned days alert")
        self.unowned_label.setVisible(False)
        layout.addWidget(self.unowned_label)

        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(300)
        layout.addWidget(self.view, 1)
        self.hint = QLabel("Click a bar to see that team's week in the calendar.")
        self.hint.setEnabled(False)  # drawn in the muted (disabled) text colour
        layout.addWidget(self.hint)

        self.manual_set: QBarSet | None = None
        self.automated_set: QBarSet | None = None
        self.capacity_series: QLineSeries | None = None

        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_schedule_changed.connect(self._on_schedule_changed)
        self._fill_teams()
        self.rebuild()

    # -- public --------------------------------------------------------------------------

    def team(self) -> str | None:
        return self._team

    def set_team(self, team_id: str) -> None:
        i = self.team_combo.findData(team_id)
        if i < 0:
            raise ValueError(f"unknown team {team_id!r}")
        self.team_combo.setCurrentIndex(i)

    def set_measure(self, measure: str) -> None:
        self.measure_combo.setCurrentIndex(MEASURES.index(measure))

    def capacity(self) -> int | None:
        team = self.controller.plan.team(self._team)
        return team.weekly_capacity if team is not None else None

    def over_capacity_weeks(self) -> list[WeekLoad]:
        """The weeks shown red: those with a capacity gap of the team (the core's rule)."""
        self._ensure_fresh()
        if self._team is None:
            return []
        flagged = over_capacity(self.controller.gaps, self._team)
        return [w for w in self.loads if w.monday in flagged]

    def click_week(self, index: int) -> None:
        """What clicking the bar of week ``index`` does: the calendar shows that team's week."""
        self._ensure_fresh()
        if self._team is None or not 0 <= index < len(self.loads):
            return
        monday = self.loads[index].monday
        self.sig_week_clicked.emit(self._team, monday)
        hint = CalendarHint(CalendarFilter(teams=frozenset([self._team])), monday, "week")
        calendar_bus(self.controller).sig_show.emit(hint)
        from ui.controller import NavTarget

        self.controller.navigate(NavTarget(day=monday, tab="calendar"))

    # -- building ----------------------------------------------------------------------

    def _fill_teams(self, repick: bool = False) -> None:
        plan: Plan = self.controller.plan
        previous = self._team
        self.team_combo.blockSignals(True)
        self.team_combo.clear()
        for t in plan.teams:
            label = t.name + (f" · {t.weekly_capacity}/week" if t.weekly_capacity else "")
            self.team_combo.addItem(swatch_icon(t.color), label, t.id)
        i = -1 if repick else self.team_combo.findData(previous)
        if i < 0:
            # Start where overloads show: the team with most capacity gaps, else the
            # first team with a capacity.
            overloads: dict[str, int] = {}
            for gap in self.controller.gaps:
                if gap.kind == "capacity" and gap.team:
                    overloads[gap.team] = overloads.get(gap.team, 0) + 1
            ranked = sorted(
                range(len(plan.teams)),
                key=lambda k: (
                    -overloads.get(plan.teams[k].id, 0),
                    not plan.teams[k].weekly_capacity,
                    k,
                ),
            )
            i = ranked[0] if ranked else -1
        self.team_combo.setCurrentIndex(i if plan.teams else -1)
        self.team_combo.blockSignals(False)
        self._team = self.team_combo.currentData()

    def _on_plan_changed(self, changes: object) -> None:
        whole = all(getattr(changes, k, False) for k in ("settings", "teams", "product_order"))
        if whole:  # another document (File ▸ Open): choose its most overloaded team again
            self._team_chosen = False
            self._pick_pending = True
        self._fill_teams()

    def _on_schedule_changed(self) -> None:
        # Hidden (another tab is shown): rebuild when shown, not on every edit.
        if self.isVisible():
            self.rebuild()
        else:
            self._stale = True

    def _ensure_fresh(self) -> None:
        if self._stale:
            self.rebuild()

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._ensure_fresh()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        # The chart's theme and colours are set when it is built: a new palette
        # (View ▸ Theme, or the system's scheme) needs a rebuild, now or when shown.
        if event.type() == QEvent.Type.PaletteChange:
            self._on_schedule_changed()
        super().changeEvent(event)

    def _on_team(self, _index: int) -> None:
        self._team = self.team_combo.currentData()
        self._team_chosen = True
        self.rebuild()

    def _on_measure(self, _index: int) -> None:
        self._measure = self.measure_combo.currentData() or "contacts"
        self.rebuild()

    def _unowned_gaps(self) -> list[Gap]:
        """The unowned gaps, from the products' gap lists as the planner keeps them (the
        merged list is not built): only the lists an edit replaced are walked again."""
        kept = {}
        for pid, found in self.controller.gaps_by_product().items():
            cached = self._unowned.get(pid)
            if cached is None or cached[0] is not found:
                cached = (found, [g for g in found if g.kind == "unowned"])
            kept[pid] = cached
        self._unowned = kept
        return [g for _, unowned in kept.values() for g in unowned]

    def rebuild(self) -> None:
        """Recompute the loads of the selected team and redraw the chart."""
        self._stale = False
        if self._pick_pending and not self._team_chosen:
            # The default team is the most overloaded one: decide once the gaps are known.
            self._fill_teams(repick=True)
            self._pick_pending = False
        plan: Plan = self.controller.plan
        chart = self.chart
        team = plan.team(self._team)
        if team is not None:
            alert = unowned_alert(self._unowned_gaps(), team.id)
            loads = week_loads(plan, self.controller.team_weeks(team.id))
            # An edit that changes nothing this chart shows (another team's touches, a
            # rename, a request) leaves it as it is: no series rebuilt, nothing repainted.
            drawn = (
                team,
                self._measure,
                self.automated_check.isChecked(),
                tuple(loads),
                tuple(capacity_line(plan, team, loads)) if team.weekly_capacity is not None else (),
                alert,
                self.palette().cacheKey(),
                self.font().key(),
            )
            if drawn == self._drawn:
                return
            self._drawn = drawn
        else:
            self._drawn = None
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)  # the chart lets go of it but does not delete it
            axis.deleteLater()
        self.manual_set = self.automated_set = None
        self.capacity_series = None
        if team is None:
            self.loads = []
            chart.setTitle("No teams in this plan")
            self.summary.setText("")
            return
        self.unowned_label.setText(alert)
        self.unowned_label.setVisible(bool(alert))
        self.loads = loads
        measure = self._measure
        capacity = team.weekly_capacity if measure == "contacts" else None
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        chart.setTheme(
            QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight
        )
        chart.setBackgroundBrush(self.palette().color(QPalette.ColorRole.Base))
        text_color = self.palette().color(QPalette.ColorRole.Text)
        chart.setTitleBrush(text_color)
        chart.legend().setLabelColor(text_color)
        title_font = QFont(self.font())
        title_font.setBold(True)
        chart.setTitleFont(title_font)
        chart.setTitle(
            f"{team.name} — {'contacts' if measure == 'contacts' else 'touches'} per ISO week"
        )

        color = QColor(team.color)
        manual = QBarSet("Manual")
        manual.setColor(color)
        manual.setBorderColor(color.darker(115))
        manual.setSelectedColor(QColor(OVER_CAPACITY_COLOR))
        automated = QBarSet("Automated")
        light = QColor(color)
        light.setAlpha(90)
        automated.setColor(light)
        automated.setBorderColor(QColor(color.red(), color.green(), color.blue(), 140))
        automated.setSelectedColor(QColor(OVER_CAPACITY_COLOR).lighter(150))
        show_automated = self.automated_check.isChecked()
        for w in self.loads:
            manual.append(w.value(measure, "manual"))
            automated.append(w.value(measure, "automated") if show_automated else 0.0)
        series = QStackedBarSeries()
        series.setBarWidth(0.8)
        series.append(manual)
        if show_automated:
            series.append(automated)
        over = [i for i, w in enumerate(self.loads) if capacity is not None and w.manual > capacity]
        if over:
            # Legend entry only: the red of the selected (over-capacity) manual bars.
            legend_only = QBarSet("Over capacity")
            legend_only.setColor(QColor(OVER_CAPACITY_COLOR))
            legend_only.setBorderColor(QColor(OVER_CAPACITY_COLOR))
            legend_only.append([0.0] * len(self.loads))
            series.append(legend_only)
        chart.addSeries(series)
        for i in over:
            manual.selectBar(i)
        self.manual_set, self.automated_set = manual, (automated if show_automated else None)
        for bar_set in (manual, automated):
            bar_set.clicked.connect(self.click_week)
            bar_set.hovered.connect(self._on_hover)

        # A value axis with a label every few weeks: 52 category labels do not fit a
        # narrow window (Qt elides them all). Bar i is centred on x = i.
        axis_x = QCategoryAxis()
        axis_x.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        axis_x.setRange(-0.5, len(self.loads) - 0.5)
        step = 4 if len(self.loads) > 26 else 1
        for i in range(0, len(self.loads), step):
            axis_x.append(self.loads[i].label, i)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        axis_x.setLabelsFont(small)
        axis_x.setLabelsColor(text_color)
        axis_x.setGridLineVisible(False)
        years = sorted({w.monday.isocalendar()[0] for w in self.loads})
        span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
        axis_x.setTitleText(f"ISO week {span}")
        axis_x.setTitleBrush(text_color)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = QValueAxis()
        top = max(
            [w.value(measure, "manual") + (w.value(measure, "automated") if show_automated else 0)
             for w in self.loads] + [float(capacity or 0), 1.0]
        )  # fmt: skip
        axis_y.setRange(0, top * 1.08)
        axis_y.applyNiceNumbers()
        axis_y.setLabelFormat("%d")
        axis_y.setLabelsColor(text_color)
        axis_y.setTitleText("contacts (leads reached)" if measure == "contacts" else "touches")
        axis_y.setTitleBrush(text_color)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)

        if capacity is not None:
            line = QLineSeries()
            line.setName(f"Capacity {capacity}/week")
            pen = QPen(QColor(OVER_CAPACITY_COLOR).darker(130), 2, Qt.PenStyle.DashLine)
            line.setPen(pen)
            for x, y in capacity_line(plan, team, self.loads):
                line.append(QPointF(x, y))
            chart.addSeries(line)
            line.attachAxis(axis_x)
            line.attachAxis(axis_y)
            self.capacity_series = line

        if capacity is None:
            note = "no weekly capacity set" if measure == "contacts" else "capacity is in contacts"
            self.summary.setText(f"{team.name}: {note}")
        elif over:
            worst = max((self.loads[i] for i in over), key=lambda w: w.manual)
            self.summary.setText(
                f"<span style='color:{OVER_CAPACITY_COLOR}'><b>{len(over)} week"
                f"{'s' if len(over) != 1 else ''} over capacity</b></span> · worst {worst.label}: "
                f"{worst.manual:.1f} manual contacts, capacity {capacity}"
            )
        else:
            self.summary.setText(f"Within capacity ({capacity}/week) every week")
        self._describe(team.name, measure, capacity, over)

    def _describe(self, team: str, measure: str, capacity: float | None, over: list[int]) -> None:
        """What the chart shows, in words, for screen readers (the bars say nothing)."""
        weeks = len(self.loads)
        text = f"{team}: {measure} per ISO week, {weeks} week{'s' if weeks != 1 else ''}"
        if capacity is None:
            text += ", no weekly capacity"
        elif over:
            labels = ", ".join(self.loads[i].label for i in over[:5])
            more = f" and {len(over) - 5} more" if len(over) > 5 else ""
            text += f"; over capacity ({capacity}/week) in {labels}{more}"
        else:
            text += f"; within capacity ({capacity}/week) every week"
        self.view.setAccessibleDescription(text)
        self.setAccessibleDescription(text)

    def _on_hover(self, status: bool, index: int) -> None:
        if not status or not 0 <= index < len(self.loads):
            QToolTip.hideText()
            return
        w = self.loads[index]
        capacity = self.capacity()
        sunday = w.monday + timedelta(days=6)
        lines = [
            f"{w.label} · {w.monday:%d %b} – {sunday:%d %b %Y}",
            f"Manual: {w.manual_touches} touches, {w.manual:g} contacts",
            f"Automated: {w.automated_touches} touches, {w.automated:g} contacts",
        ]
        if capacity is not None:
            state = "over capacity" if w.manual > capacity else "within capacity"
            lines.append(f"Capacity {capacity} — {state}")
        lines.append("Click to see this week in the calendar")
        QToolTip.showText(QCursor.pos(), "\n".join(lines), self.view)


# --- preview -----------------------------------------------------------------------------


if __name__ == "__main__":
    from ui.preview import run_preview

    raise SystemExit(run_preview("ui.workload", WorkloadChart, title="workload", size=(1280, 620)))
