"""The communications calendar: month, week and agenda views of every occurrence.

``CalendarView(controller)`` shows ``controller.occurrences()`` (touches,
broadcasts, booked requests) coloured by owner team with channel glyphs. The
occurrences are indexed by day once per ``sig_schedule_changed``; the month and
week grids are custom-painted and paint only the days they show, so the view
stays smooth on the benchmark's ~100 k-occurrence plan.

Other widgets steer it through the controller: ``sig_navigate`` with a ``day``
moves it there; :func:`ui._cal_common.calendar_bus` carries a filter hint (the
workload chart's "this team, this week").

Preview: ``python -m ui.calendar_view demo [out.png]``.
"""

from __future__ import annotations

import html
import time as _time
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from cadence.model import CHANNELS, Occurrence, Plan
from ui._cal_agenda import OCCURRENCE_ROLE, AgendaModel
from ui._cal_canvas import CalendarState, MonthGrid, WeekBody, WeekHeader
from ui._cal_common import (
    CalendarFilter,
    CalendarHint,
    OccurrenceIndex,
    add_months,
    calendar_bus,
    channel_label,
    chip_fill,
    chip_text,
    glyph,
    occurrence_tooltip,
    stage_name,
    swatch_icon,
    team_color,
    team_name,
    time_text,
    week_monday,
)
from ui.change_marks import ChangeMarks
from ui.widgets import WrapRow, row_group

VIEWS = ("month", "week", "agenda")
#: narrower than this (px), the details pane starts hidden so the day cells keep their chips
#: readable (a 1366 px window leaves the calendar about 790 px); the Details button shows it
DETAILS_MIN_VIEW_WIDTH = 1000
_ALL = "__all__"
MARKS_TIP_OFF = "Mark changes (M): compare with another plan in the What-if panel first"


def text_tool_button(text: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    return button


def _nav_target(**fields: Any) -> Any:
    from ui.controller import NavTarget

    return NavTarget(**fields)


class _DetailsPane(QFrame):
    """What one selected occurrence is, and a jump to where it comes from."""

    sig_show_source = Signal(object)  # Occurrence

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("calendarDetails")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(200)
        self.occurrence: Occurrence | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        self.title = QLabel("Select an entry")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        font.setBold(True)
        self.title.setFont(font)
        self.swatch = QFrame()
        self.swatch.setFixedHeight(4)
        layout.addWidget(self.swatch)
        layout.addWidget(self.title)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(4)
        self.fields: dict[str, QLabel] = {}
        for key in (
            "Kind",
            "Product",
            "Stage",
            "Cohort",
            "Touch",
            "Owner",
            "Channel",
            "Date",
            "Nominal date",
            "Time",
            "Leads",
            "UID",
        ):
            if key == "UID":
                # Long and unbreakable: a read-only line scrolls and copies whole.
                uid = QLineEdit("—")
                uid.setReadOnly(True)
                uid.setFrame(False)
                uid.setStyleSheet("background: transparent;")
                self.fields[key] = uid  # type: ignore[assignment]
                self.form.addRow("UID:", uid)
                continue
            value = QLabel("—")
            value.setWordWrap(key in ("Product", "Date", "Owner"))
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            self.form.addRow("Nominal:" if key == "Nominal date" else f"{key}:", value)
        layout.addLayout(self.form)
        self.show_button = QPushButton("Show in cycle map")
        self.show_button.setEnabled(False)
        self.show_button.clicked.connect(self._show_source)
        layout.addWidget(self.show_button)
        # An internal meeting's agenda (cadence.agenda), built from the plan.
        self.agenda = QLabel()
        self.agenda.setObjectName("calendarAgenda")
        self.agenda.setAccessibleName("Meeting agenda")
        self.agenda.setTextFormat(Qt.TextFormat.RichText)
        self.agenda.setWordWrap(True)
        self.agenda.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.agenda.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.agenda_area = QScrollArea()
        self.agenda_area.setWidgetResizable(True)
        self.agenda_area.setFrameShape(QFrame.Shape.NoFrame)
        self.agenda_area.setWidget(self.agenda)
        self.agenda_area.hide()
        layout.addWidget(self.agenda_area, 20)  # takes the room the hint's stretch leaves
        #: the agenda of a meeting's occurrence, or None (set by the view: the controller's)
        self.agenda_of: Any = None
        self.hint = QLabel(
            "Click an entry to see its details. Keys: ← → ↑ ↓ move, PgUp/PgDn page, T today."
        )
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)  # drawn in the muted (disabled) text colour
        layout.addWidget(self.hint)
        layout.addStretch(1)

    def show_occurrence(self, plan: Plan, occ: Occurrence | None) -> None:
        self.occurrence = occ
        if occ is None:
            self.title.setText("Select an entry")
            for value in self.fields.values():
                value.setText("—")
            self.swatch.setStyleSheet("")
            self.show_button.setEnabled(False)
            self.agenda_area.hide()
            return
        self.title.setText(f"{glyph(occ.channel)} {occ.name}")
        self.swatch.setStyleSheet(
            f"background: {team_color(plan, occ.owner).name()}; border-radius: 2px;"
        )
        product = plan.product(occ.product)
        f = self.fields
        f["Kind"].setText(
            {"touch": "Touch", "broadcast": "Broadcast", "request": "Ad-hoc request"}.get(
                occ.kind, occ.kind
            )
        )
        if occ.kind == "broadcast":
            reach = next((b.products for b in plan.broadcasts if b.id == occ.touch), None)
            if reach is None:
                f["Product"].setText("all products")
            elif not reach:
                f["Product"].setText("internal (reaches no lead)")
            else:
                f["Product"].setText(
                    ", ".join((p.name if (p := plan.product(i)) else i) for i in reach)
                )
        else:
            f["Product"].setText(product.name if product else (occ.product or "—"))
        f["Stage"].setText(stage_name(plan, occ.product, occ.stage) if occ.stage else "—")
        f["Cohort"].setText(f"{occ.cohort:%Y-%m-%d}" if occ.cohort else "—")
        f["Touch"].setText(occ.touch + (f" (repeat {occ.repeat})" if occ.repeat else ""))
        f["Owner"].setText(team_name(plan, occ.owner) + _participants_text(plan, occ))
        self._show_agenda(plan, occ)
        f["Channel"].setText(
            f"{glyph(occ.channel)} {channel_label(occ.channel)} · "
            f"{'automated' if occ.automated else 'manual'}"
        )
        day = f"{occ.date:%a} {occ.date.day} {occ.date:%b %Y}"
        if occ.end is not None and occ.end != occ.date:
            day += f" → {occ.end:%a} {occ.end.day} {occ.end:%b}"
        f["Date"].setText(day)
        f["Nominal date"].setText(
            f"{occ.nominal:%a} {occ.nominal.day} {occ.nominal:%b %Y}"
            + (" · rolled ↻" if occ.rolled else "")
        )
        f["Nominal date"].setToolTip(
            "The date the plan asks for was not a working day; the touch was rolled."
            if occ.rolled
            else ""
        )
        f["Time"].setText(time_text(occ))
        f["Leads"].setText(f"{occ.leads:g}" if occ.kind != "request" else "—")
        f["UID"].setText(occ.uid)
        f["UID"].setCursorPosition(0)  # type: ignore[attr-defined]
        self.show_button.setText(
            "Show in requests" if occ.kind == "request" else "Show in cycle map"
        )
        self.show_button.setEnabled(occ.kind != "broadcast" and occ.product is not None)

    def _show_source(self) -> None:
        if self.occurrence is not None:
            self.sig_show_source.emit(self.occurrence)

    def _show_agenda(self, plan: Plan, occ: Occurrence) -> None:
        """A meeting's occurrence shows its agenda under the fields; other entries hide it."""
        from ui.meetings_view import agenda_html

        agenda = self.agenda_of(occ) if self.agenda_of and occ.kind == "broadcast" else None
        self.agenda.setText(agenda_html(agenda, plan))
        self.agenda_area.setVisible(agenda is not None)
        self.hint.setVisible(agenda is None)


def _participants_text(plan: Plan, occ: Occurrence) -> str:
    """ " (with Sales development, Account executives)" for a meeting with participants."""
    if occ.kind != "broadcast":
        return ""
    b = next((b for b in plan.broadcasts if b.id == occ.touch), None)
    if b is None or not b.participants:
        return ""
    return " (with " + ", ".join(team_name(plan, t) for t in b.participants) + ")"


class _DayPopup(QFrame):
    """The full list of one day's entries ("+N more" expanded)."""

    sig_chosen = Signal(object)  # Occurrence

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        layout.addWidget(self.list)
        self.resize(360, 320)

    def show_day(
        self, plan: Plan, day: date, entries: list[Occurrence], note: str | None, at: QPoint
    ) -> None:
        self.title.setText(
            f"{day:%A %d %B %Y} · {len(entries)} entries" + (f" · {note}" if note else "")
        )
        self.list.clear()
        for occ in entries:
            item = QListWidgetItem(f"{time_text(occ):>7}  {chip_text(plan, occ)}")
            item.setIcon(swatch_icon(team_color(plan, occ.owner)))
            item.setBackground(chip_fill(team_color(plan, occ.owner)))
            item.setToolTip(occurrence_tooltip(plan, occ))
            item.setData(Qt.ItemDataRole.UserRole, occ)
            self.list.addItem(item)
        rows = min(len(entries), 14)
        self.resize(380, 60 + rows * (self.list.sizeHintForRow(0) + 1) if rows else 80)
        self.move(at)
        self.show()
        self.list.setFocus()

    def _clicked(self, item: QListWidgetItem) -> None:
        self.sig_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        self.hide()


class CalendarView(QWidget):
    """Month, week and agenda views of the controller's occurrences, with filters."""

    #: the selected Occurrence (None when cleared)
    sig_occurrence_selected = Signal(object)
    #: the CalendarFilter now applied
    sig_filter_changed = Signal(object)
    #: (first, last) dates of the shown period after a move or a view change
    sig_period_changed = Signal(object, object)

    def __init__(
        self, controller: Any, parent: QWidget | None = None, *, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        # The UI layer may read the clock; the core never does.
        self._today = today or date.today()
        plan: Plan = controller.plan
        self.last_index_ms = 0.0
        index = OccurrenceIndex(plan, [])
        self.state = CalendarState(plan, index, self._today)
        self._view = "month"
        self._filter = CalendarFilter()
        self._stale = False  # the schedule changed while hidden
        self._plan_stale = False  # the plan changed while hidden
        self._shown_in_combos: object = None  # what the combos were last filled from
        self._syncing = True  # no filter updates while the widgets are built

        self._build_ui()
        self._syncing = False
        self._refresh_plan()
        self._rebuild_index()
        start = self._today if plan.start <= self._today <= plan.end else plan.start
        self.go_to(start)

        controller.sig_schedule_changed.connect(self._on_schedule_changed)
        self._new_document = False
        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_document_changed.connect(self._on_document_changed)
        controller.sig_navigate.connect(self._on_navigate)
        calendar_bus(controller).sig_show.connect(self.show_hint)
        calendar_bus(controller).sig_changes.connect(self.set_change_marks)

    # -- building -----------------------------------------------------------------------

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(6)

        # navigation row
        nav = WrapRow(spacing=6, right=True)
        self.prev_button = text_tool_button("◀")
        self.prev_button.setToolTip("Previous period (PgUp)")
        self.today_button = QPushButton("Today")
        self.today_button.setToolTip("Go to today (T)")
        self.next_button = text_tool_button("▶")
        self.next_button.setToolTip("Next period (PgDn)")
        self.prev_button.clicked.connect(lambda: self.page(-1))
        self.next_button.clicked.connect(lambda: self.page(1))
        self.today_button.clicked.connect(self.go_today)
        self.period_label = QLabel()
        font = self.period_label.font()
        font.setPointSizeF(font.pointSizeF() + 3)
        font.setBold(True)
        self.period_label.setFont(font)
        # As wide as the longest month: paging does not move the buttons beside it.
        self.period_label.setMinimumWidth(
            self.period_label.fontMetrics().horizontalAdvance("September 2027") + 4
        )
        self.jump = QDateEdit()
        self.jump.setCalendarPopup(True)
        self.jump.setDisplayFormat("yyyy-MM-dd")
        self.jump.setToolTip("Jump to a date")
        self.jump.dateChanged.connect(self._on_jump)
        self.view_group = QButtonGroup(self)
        self.view_buttons: dict[str, QToolButton] = {}
        views_box = QWidget()
        views = QHBoxLayout(views_box)
        views.setContentsMargins(0, 0, 0, 0)
        views.setSpacing(0)
        for name in VIEWS:
            button = text_tool_button(name.capitalize())
            button.setCheckable(True)
            button.setMinimumWidth(56)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setProperty("role", "segment")  # the checked one is filled (app.qss)
            button.setAccessibleName(f"{name.capitalize()} view")
            self.view_group.addButton(button)
            self.view_buttons[name] = button
            button.clicked.connect(lambda _=False, n=name: self.set_view(n))
            views.addWidget(button)
        # Groups that share a line when there is room (pushed to the right edge by the
        # paging group) and wrap onto more lines in a narrow window.
        paging = row_group(
            self.prev_button, self.today_button, self.next_button, 8, self.period_label, grows=True
        )
        go_to = QLabel("&Go to")  # Alt+G: the date field
        go_to.setBuddy(self.jump)
        nav.addWidget(paging)
        nav.addWidget(row_group(go_to, self.jump))
        nav.addWidget(views_box)
        self.details_button = text_tool_button("Details")
        self.details_button.setCheckable(True)
        self.details_button.setChecked(True)
        self.details_button.setToolTip("Show or hide the details of the selected entry")
        self.details_button.setAccessibleName("Show details")
        # What-if: entries added, moved and removed since the compared plan (ui.change_marks).
        self.marks_button = text_tool_button("Mark changes")
        self.marks_button.setCheckable(True)
        self.marks_button.setEnabled(False)
        self.marks_button.setAccessibleName("Mark changes")
        self.marks_button.setToolTip(MARKS_TIP_OFF)
        self.marks_button.toggled.connect(self.set_marking)
        nav.addWidget(row_group(self.details_button, self.marks_button))
        self._marks: ChangeMarks | None = None
        self._narrow: bool | None = None
        outer.addLayout(nav)

        # filter row
        bar = WrapRow(spacing=6)
        self.product_combo = QComboBox()
        self.team_combo = QComboBox()
        self.channel_combo = QComboBox()
        self.cohort_combo = QComboBox()
        self.automation_combo = QComboBox()
        for combo, tip in (
            (self.product_combo, "Product"),
            (self.team_combo, "Owner team"),
            (self.channel_combo, "Channel"),
            (self.cohort_combo, "Cohort (intake date)"),
            (self.automation_combo, "Automated or manual"),
        ):
            combo.setToolTip(tip)
            # Narrow enough for the window at 1366 px with the side panels open.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(6)
            combo.currentIndexChanged.connect(self._on_filter_widgets)
            bar.addWidget(combo)
        self.channel_combo.setMinimumContentsLength(10)
        self.automation_combo.setMinimumContentsLength(10)
        self.automation_combo.addItem("Auto & manual", "all")
        self.automation_combo.addItem("Automated only", "automated")
        self.automation_combo.addItem("Manual only", "manual")
        self.channel_combo.addItem("All channels", _ALL)
        for channel in CHANNELS:
            self.channel_combo.addItem(f"{glyph(channel)}  {channel_label(channel)}", channel)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, product, team, UID…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(72)  # the row fits ~800 px: the tab at 1366 px
        self.search.textChanged.connect(self._on_filter_widgets)
        # Esc in the search box empties it (the other filters stay).
        clear_search = QAction("Clear the search", self.search)
        clear_search.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear_search.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear_search.triggered.connect(self.search.clear)
        self.search.addAction(clear_search)
        bar.addWidget(self.search)
        self.clear_button = text_tool_button("Clear")
        self.clear_button.setToolTip("Show everything again")
        self.clear_button.clicked.connect(lambda: self.set_filter(CalendarFilter()))
        bar.addWidget(self.clear_button)
        self.count_label = QLabel()
        self.count_label.setMinimumWidth(70)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.count_label)
        outer.addLayout(bar)

        # views
        self.stack = QStackedWidget()
        self.month_grid = MonthGrid(self.state)
        self.week_header = WeekHeader(self.state)
        self.week_body = WeekBody(self.state)
        self.week_scroll = QScrollArea()
        self.week_scroll.setWidgetResizable(True)
        self.week_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.week_scroll.setWidget(self.week_body)
        week_page = QWidget()
        week_layout = QVBoxLayout(week_page)
        week_layout.setContentsMargins(0, 0, 0, 0)
        week_layout.setSpacing(0)
        week_layout.addWidget(self.week_header)
        week_layout.addWidget(self.week_scroll, 1)
        self.agenda_model = AgendaModel(self)
        self.agenda = QTreeView()
        self.agenda.setModel(self.agenda_model)
        self.agenda.setUniformRowHeights(True)
        self.agenda.setAlternatingRowColors(False)
        self.agenda.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.agenda.setRootIsDecorated(True)
        self.agenda.setAllColumnsShowFocus(True)
        header = self.agenda.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.agenda.setColumnWidth(0, 120)
        self.agenda.setColumnWidth(2, 210)
        self.agenda.setColumnWidth(3, 90)
        self.agenda.setColumnWidth(4, 150)
        self.agenda.selectionModel().currentChanged.connect(self._on_agenda_current)
        self.stack.addWidget(self.month_grid)
        self.stack.addWidget(week_page)
        self.stack.addWidget(self.agenda)

        self.details = _DetailsPane()
        self.details.agenda_of = getattr(self.controller, "agenda_of", None)
        self.details.sig_show_source.connect(self._show_source)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.stack)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([900, 220])
        splitter.setChildrenCollapsible(False)
        self.details_button.toggled.connect(self.details.setVisible)
        outer.addWidget(splitter, 1)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        outer.addWidget(self.legend)

        self.popup = _DayPopup(self)
        self.popup.sig_chosen.connect(self.select_occurrence)

        for canvas in (self.month_grid, self.week_body, self.week_header):
            canvas.sig_occurrence_clicked.connect(self.select_occurrence)
            canvas.sig_day_clicked.connect(self._on_day_clicked)
            canvas.sig_more_clicked.connect(self.expand_day)
        self.month_grid.sig_day_double_clicked.connect(self._open_week)
        for widget in (self.month_grid, self.week_body, self.week_scroll, self.agenda):
            widget.installEventFilter(self)
        self.view_buttons["month"].setChecked(True)

    # -- public API ----------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self._today

    def set_today(self, today: date) -> None:
        self._today = today
        self.state.today = today
        self._repaint()

    def view(self) -> str:
        return self._view

    def set_view(self, name: str) -> None:
        if name not in VIEWS:
            raise ValueError(f"unknown view {name!r} (views: {', '.join(VIEWS)})")
        self._view = name
        self.view_buttons[name].setChecked(True)
        self.stack.setCurrentIndex(VIEWS.index(name))
        self._period_moved()

    def current_day(self) -> date:
        return self.state.selected_day

    def go_to(self, day: date) -> None:
        """Select ``day`` and show the period containing it."""
        self.state.selected_day = day
        self._period_moved()

    def go_today(self) -> None:
        self.go_to(self._today)

    def move_day(self, days: int) -> None:
        self.go_to(self.state.selected_day + timedelta(days=days))

    def page(self, step: int) -> None:
        """Previous (-1) or next (+1) month, or week in the week view."""
        if self._view == "week":
            self.go_to(self.state.selected_day + timedelta(days=7 * step))
        else:
            self.go_to(add_months(self.state.selected_day, step))

    def period(self) -> tuple[date, date]:
        """The first and last day of the shown period (a month, or a week)."""
        d = self.state.selected_day
        if self._view == "week":
            monday = week_monday(d)
            return monday, monday + timedelta(days=6)
        first = d.replace(day=1)
        return first, add_months(first, 1) - timedelta(days=1)

    def filter(self) -> CalendarFilter:
        return self._filter

    def set_filter(self, selection: CalendarFilter) -> None:
        if selection == self._filter:
            self._sync_filter_widgets()
            return
        self._filter = selection
        self.state.index.set_filter(selection)
        only = next(iter(selection.teams)) if len(selection.teams) == 1 else None
        self.state.set_shading_team(only)
        self._sync_filter_widgets()
        self._repaint()
        self.sig_filter_changed.emit(selection)

    def visible_occurrences(self) -> list[Occurrence]:
        """The entries of the shown period under the current filter (each once)."""
        self._ensure_fresh()
        first, last = self.period()
        return self.state.index.in_range(first, last)

    def selected_occurrence(self) -> Occurrence | None:
        return self.details.occurrence

    def select_occurrence(self, occ: Occurrence | str | None) -> None:
        self._ensure_fresh()
        if isinstance(occ, str):
            occ = self.state.index.by_uid(occ)
        self.state.selected_uid = occ.uid if occ is not None else None
        if occ is not None and self.state.selected_day != occ.date:
            first, last = self.period()
            if not first <= occ.date <= last:
                self.state.selected_day = occ.date
                self._period_moved()
        self.details.show_occurrence(self.state.plan, occ)
        self.month_grid.update()
        self.week_body.update()
        self.sig_occurrence_selected.emit(occ)

    def expand_day(self, day: date, at: QPoint | None = None) -> None:
        """Show every entry of ``day`` in a popup (what "+N more" does)."""
        self._ensure_fresh()
        entries = self.state.index.day(day)
        kind, name = self.state.day_note(day)
        note = name or ("not a working day" if kind != "working" else None)
        if at is None:
            at = self.mapToGlobal(self.rect().center())
        self.popup.show_day(self.state.plan, day, entries, note, at)

    # -- What-if marks ---------------------------------------------------------------

    def set_change_marks(self, marks: ChangeMarks | None) -> None:
        """The What-if panel's latest comparison (None: it compares nothing now)."""
        self._marks = marks if marks is not None and marks.by_uid else None
        self.marks_button.setEnabled(self._marks is not None)
        if self._marks is None:
            self.marks_button.setToolTip(MARKS_TIP_OFF)
            self.marks_button.setChecked(False)
        else:
            n = self._marks.counts
            self.marks_button.setToolTip(
                f"Mark entries changed since {self._marks.baseline_name} (M): "
                f"{n['added']} added, {n['moved']} moved, {n['removed']} removed"
            )
        self.set_marking(self.marks_button.isChecked())

    def set_marking(self, on: bool) -> None:
        """Mark changes on or off: outlines, "old → new" tooltips and ghosts of removed entries."""
        if self.marks_button.isChecked() != on:
            self.marks_button.setChecked(on)  # toggled calls back here
            return
        marks = self._marks if on else None
        if marks is self.state.marks:
            return
        self.state.marks = marks
        self._fill_legend(self.state.plan)
        self._repaint()

    def marking(self) -> bool:
        return self.state.marks is not None

    def show_hint(self, hint: CalendarHint) -> None:
        """Apply a hint from another widget: filter, then view, then day."""
        self.set_filter(hint.filter)
        if hint.view is not None:
            self.set_view(hint.view)
        if hint.day is not None:
            self.go_to(hint.day)

    # -- reacting to the controller ---------------------------------------------------

    def _on_schedule_changed(self) -> None:
        # A hidden calendar (another tab is shown) catches up when it is shown again:
        # edits in the cycle map then cost nothing here.
        if self.isVisible():
            self._stale = False
            self._rebuild_index()
            self._repaint()
        else:
            self._stale = True

    def _ensure_fresh(self) -> None:
        if self._stale:
            self._stale = False
            self._rebuild_index()
            self._repaint()

    def heightForWidth(self, _width: int) -> int:  # noqa: N802 - Qt's name
        # The wrapped legend makes the layout answer a height for width summed from its
        # rows' preferred heights, which the tab's scroll area then took as the view's
        # height: at 1366×768 it scrolled by a few pixels and cut the legend. The view
        # fits any height above its minimum; the legend still wraps inside it.
        return -1

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self._plan_stale:
            self._on_plan_changed(None)
        self._ensure_fresh()
        super().showEvent(event)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        # Crossing the width threshold shows or hides the details pane; in between, the
        # Details button decides.
        narrow = self.width() < DETAILS_MIN_VIEW_WIDTH
        if narrow != self._narrow:
            self._narrow = narrow
            self.details_button.setChecked(not narrow)
        super().resizeEvent(event)

    def _on_document_changed(self) -> None:
        self._new_document = True

    def _on_plan_changed(self, _changes: object) -> None:
        # Hidden (another tab is shown): catch up when shown, like the schedule.
        self._plan_stale = not self.isVisible()
        if self._plan_stale:
            return
        self._refresh_plan()
        plan: Plan = self.controller.plan
        day = self.state.selected_day
        new_document, self._new_document = self._new_document, False
        near = plan.start - timedelta(days=31) <= day <= plan.end + timedelta(days=31)
        if new_document or not near:
            # Another document (File ▸ Open): show its horizon, today if it is inside.
            self.go_to(self._today if plan.start <= self._today <= plan.end else plan.start)

    def _on_navigate(self, target: Any) -> None:
        day = getattr(target, "day", None)
        if day is not None:
            self.go_to(day)

    def _rebuild_index(self) -> None:
        started = _time.perf_counter()
        controller = self.controller
        index = OccurrenceIndex(
            controller.plan, controller.schedule.touches, controller.request_entries()
        )
        index.set_filter(self._filter)
        self.state.index = index
        self.last_index_ms = (_time.perf_counter() - started) * 1000
        if self.state.selected_uid is not None:
            occ = index.by_uid(self.state.selected_uid, near=self.state.selected_day)
            self.details.show_occurrence(self.state.plan, occ)
            if occ is None:
                self.state.selected_uid = None

    def _refresh_plan(self) -> None:
        plan: Plan = self.controller.plan
        self.state.set_plan(plan)
        # Most edits (a stage's length, a touch) change nothing the combos, the legend or
        # the date range show: those are filled again only when what they show changed.
        shown = (
            tuple((p.id, p.name, p.cohorts) for p in plan.products),
            plan.teams,
            plan.start,
            plan.end,
        )
        if shown != self._shown_in_combos:
            self._shown_in_combos = shown
            self._fill_combos(plan)
        if self.state.index.plan is not plan:
            self.state.index.plan = plan
        self._repaint()

    def _fill_combos(self, plan: Plan) -> None:
        """The product, team and cohort combos, the legend and the jump's date range."""
        self._syncing = True
        try:
            self.product_combo.clear()
            self.product_combo.addItem("All products", _ALL)
            for p in plan.products:
                self.product_combo.addItem(p.name, p.id)
            self.team_combo.clear()
            self.team_combo.addItem("All teams", _ALL)
            for t in plan.teams:
                self.team_combo.addItem(swatch_icon(t.color), t.name, t.id)
            self._fill_cohorts()
            self._fill_legend(plan)
        finally:
            self._syncing = False
        # Drop filter values the plan no longer has.
        products = {p.id for p in plan.products}
        teams = {t.id for t in plan.teams}
        pruned = self._filter.with_(
            products=frozenset(self._filter.products & products),
            teams=frozenset(self._filter.teams & teams),
        )
        if pruned != self._filter:
            self.set_filter(pruned)
        else:
            self._sync_filter_widgets()
        low, high = plan.start - timedelta(days=366), plan.end + timedelta(days=366)
        self.jump.setDateRange(
            QDate(low.year, low.month, low.day), QDate(high.year, high.month, high.day)
        )

    def _fill_legend(self, plan: Plan) -> None:
        # Items keep together (&nbsp;); the line may wrap between them in a narrow window.
        items = [
            f"<span style='color:{t.color}'>■</span>&nbsp;{html.escape(t.name).replace(' ', '&nbsp;')}"
            for t in plan.teams
        ]
        items += [
            "┆&nbsp;dashed:&nbsp;ad-hoc&nbsp;request",
            "↻&nbsp;rolled&nbsp;off&nbsp;a&nbsp;non&#8209;working&nbsp;day",
            "shaded:&nbsp;weekend,&nbsp;holiday,&nbsp;blackout",
        ]
        marks = self.state.marks
        if marks is not None:
            name = html.escape(marks.baseline_name).replace(" ", "&nbsp;")
            items.append(f"+&nbsp;added, ↷&nbsp;moved, ✕&nbsp;removed since&nbsp;{name}")
        self.legend.setText(" &nbsp; ".join(items))

    def _fill_cohorts(self) -> None:
        previous = self.cohort_combo.currentData()
        self.cohort_combo.blockSignals(True)
        self.cohort_combo.clear()
        self.cohort_combo.addItem("All cohorts", _ALL)
        for d in self.state.index.cohorts(self._filter.products):
            self.cohort_combo.addItem(f"Cohort {d:%Y-%m-%d}", d)
        i = self.cohort_combo.findData(previous)
        self.cohort_combo.setCurrentIndex(max(i, 0))
        self.cohort_combo.blockSignals(False)

    # -- filter widgets ⇄ filter ----------------------------------------------------------

    def _combo_value(self, combo: QComboBox) -> frozenset:
        value = combo.currentData()
        return frozenset() if value in (_ALL, None) else frozenset([value])

    def _on_filter_widgets(self, *_: object) -> None:
        if self._syncing:
            return
        products = self._combo_value(self.product_combo)
        if products != self._filter.products:
            self._syncing = True
            try:
                self.state.index.plan = self.controller.plan
                self._fill_cohorts_for(products)
            finally:
                self._syncing = False
        selection = self._filter.with_(
            products=products,
            teams=self._combo_value(self.team_combo),
            channels=self._combo_value(self.channel_combo),
            cohorts=self._combo_value(self.cohort_combo),
            automation=self.automation_combo.currentData() or "all",
            text=self.search.text(),
        )
        self.set_filter(selection)

    def _fill_cohorts_for(self, products: frozenset[str]) -> None:
        saved = self._filter
        self._filter = saved.with_(products=products)
        self._fill_cohorts()
        self._filter = saved

    def _sync_filter_widgets(self) -> None:
        """Show the filter in the combos (a set of several values shows as "N selected")."""
        self._syncing = True
        try:
            f = self._filter
            for combo, values in (
                (self.product_combo, f.products),
                (self.team_combo, f.teams),
                (self.channel_combo, f.channels),
            ):
                self._select(combo, values)
            self._fill_cohorts()
            self._select(self.cohort_combo, f.cohorts)
            i = self.automation_combo.findData(f.automation)
            self.automation_combo.setCurrentIndex(max(i, 0))
            if self.search.text() != f.text:
                self.search.setText(f.text)
            self.clear_button.setEnabled(not f.is_empty)
        finally:
            self._syncing = False

    @staticmethod
    def _select(combo: QComboBox, values: frozenset) -> None:
        multi = combo.findData("__multi__")
        if multi >= 0:
            combo.removeItem(multi)
        if not values:
            combo.setCurrentIndex(0)
        elif len(values) == 1:
            i = combo.findData(next(iter(values)))
            combo.setCurrentIndex(max(i, 0))
        else:
            combo.insertItem(1, f"{len(values)} selected", "__multi__")
            combo.setCurrentIndex(1)

    # -- painting and period ----------------------------------------------------------------

    def _period_moved(self) -> None:
        d = self.state.selected_day
        self.month_grid.set_month(d)
        monday = week_monday(d)
        self.week_header.set_week(monday)
        self.week_body.set_week(monday)
        self._syncing = True
        self.jump.blockSignals(True)
        self.jump.setDate(QDate(d.year, d.month, d.day))
        self.jump.blockSignals(False)
        self._syncing = False
        self._repaint()
        self.sig_period_changed.emit(*self.period())

    def _repaint(self) -> None:
        first, last = self.period()
        if self._view == "week":
            iso = first.isocalendar()
            span = (
                f"{first.day} – {last:%d %b %Y}"
                if first.month == last.month
                else f"{first:%d %b} – {last:%d %b %Y}"
            )
            self.period_label.setText(f"Week {iso[1]} · {span}")
        elif self._view == "agenda":
            self.period_label.setText(f"Agenda · {first:%B %Y}")
        else:
            self.period_label.setText(f"{first:%B %Y}")
        count = len(self.visible_occurrences())
        total = self.state.index.total
        shown = f"{count:,} entr{'y' if count == 1 else 'ies'}".replace(",", " ")
        if not self._filter.is_empty:
            shown += " (filtered)"
        self.count_label.setText(shown)
        self.count_label.setToolTip(f"{total:,} entries in the whole plan".replace(",", " "))
        # A painted grid has no items to walk: say what it shows (the agenda is a list
        # a screen reader can walk entry by entry).
        description = (
            f"{self.period_label.text()}: {shown}. Arrow keys move between days; "
            "the Agenda view lists every entry."
        )
        for canvas in (self.month_grid, self.week_header, self.week_body):
            canvas.setAccessibleDescription(description)
        self.month_grid.invalidate()
        self.week_header.invalidate()
        self.week_body.invalidate()
        if self._view == "agenda":
            self._fill_agenda(first, last)

    def _fill_agenda(self, first: date, last: date) -> None:
        notes = {}
        d = first
        while d <= last:
            kind, name = self.state.day_note(d)
            if kind != "working":
                notes[d] = name or "not a working day"
            d += timedelta(days=1)
        self.agenda_model.reset(
            self.state.plan, self.state.index, first, last, notes, self.state.marks
        )
        self.agenda.expandAll()
        for row in range(self.agenda_model.rowCount()):
            self.agenda.setFirstColumnSpanned(row, QModelIndex(), True)
        row = self.agenda_model.row_of_day(self.state.selected_day)
        if row >= 0:
            self.agenda.scrollTo(
                self.agenda_model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop
            )

    # -- interaction ---------------------------------------------------------------------

    def _on_day_clicked(self, day: date) -> None:
        if day != self.state.selected_day:
            first, last = self.period()
            self.state.selected_day = day
            if first <= day <= last:
                self.jump.blockSignals(True)
                self.jump.setDate(QDate(day.year, day.month, day.day))
                self.jump.blockSignals(False)
                self.month_grid.update()
                self.week_header.update()
            else:
                self._period_moved()

    def _open_week(self, day: date) -> None:
        self.state.selected_day = day
        self.set_view("week")

    def _on_jump(self, qdate: QDate) -> None:
        if not self._syncing:
            self.go_to(date(qdate.year(), qdate.month(), qdate.day()))

    def _on_agenda_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        occ = current.data(OCCURRENCE_ROLE) if current.isValid() else None
        if isinstance(occ, Occurrence):
            self.state.selected_uid = occ.uid
            # Its day becomes the selected day: Week or Month then shows the entry.
            self.state.selected_day = occ.date
            self.jump.blockSignals(True)
            self.jump.setDate(QDate(occ.date.year, occ.date.month, occ.date.day))
            self.jump.blockSignals(False)
            self.details.show_occurrence(self.state.plan, occ)
            self.sig_occurrence_selected.emit(occ)

    def _show_source(self, occ: Occurrence) -> None:
        if occ.kind == "request":
            target = _nav_target(
                product=occ.product, stage=occ.stage, touch=occ.touch, tab="requests"
            )
        else:
            target = _nav_target(product=occ.product, stage=occ.stage, touch=occ.touch, tab="map")
        self.controller.navigate(target)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress:
            if self.handle_key(event):  # type: ignore[arg-type]
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if not self.handle_key(event):
            super().keyPressEvent(event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """Arrows move the selected day, PgUp/PgDn page, T goes to today, M marks the
        What-if changes, Enter opens."""
        key = event.key()
        if event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False
        if key == Qt.Key.Key_PageUp:
            self.page(-1)
        elif key == Qt.Key.Key_PageDown:
            self.page(1)
        elif key == Qt.Key.Key_T and not self.search.hasFocus():
            self.go_today()
        elif key == Qt.Key.Key_M and not self.search.hasFocus():
            if self.marks_button.isEnabled():
                self.marks_button.toggle()
        elif self._view == "agenda":
            return False
        elif key == Qt.Key.Key_Left:
            self.move_day(-1)
        elif key == Qt.Key.Key_Right:
            self.move_day(1)
        elif key == Qt.Key.Key_Up:
            self.move_day(-7)
        elif key == Qt.Key.Key_Down:
            self.move_day(7)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._view == "month":
            self._open_week(self.state.selected_day)
        elif key == Qt.Key.Key_Escape and self.state.selected_uid is not None:
            self.select_occurrence(None)
        else:
            return False
        return True


# --- preview --------------------------------------------------------------------------


def _prepare_preview(view: QWidget, _controller: object) -> None:
    assert isinstance(view, CalendarView)
    occ = next((o for o in view.visible_occurrences() if o.rolled), None)
    if occ is not None:
        view.select_occurrence(occ)


if __name__ == "__main__":
    from ui.preview import run_preview

    raise SystemExit(
        run_preview(
            "ui.calendar_view",
            lambda c: CalendarView(c, today=date(2027, 3, 9)),
            title="calendar",
            size=(1366, 768),
            prepare=_prepare_preview,
        )
    )
