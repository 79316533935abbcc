"""Plan ▸ Broadcasts: calendar-fixed touches (newsletters, meetings) with an RRULE builder.

The list of broadcasts on the left, the selected one's form on the right. The
repeat rule is built from the common shapes (weekly on some days, monthly on
the Nth weekday, monthly on a day) or typed raw; a preview lists the next
dates exactly as the engine expands them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cadence.model import CHANNEL_LABELS, CHANNELS, Broadcast, Plan
from ui import edits, rrule
from ui.controller import DocumentController
from ui.dialog_base import PlanDialog
from ui.glyphs import channel_icon, swatch_icon
from ui.settings_dialog import _date_edit, from_qdate, to_qdate
from ui.tables import hhmm, parse_time
from ui.theme import icon, team_color


class RRuleBuilder(QWidget):
    """Weekly / monthly-Nth-weekday / monthly-day / raw; ``rule()`` is the RRULE text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItem("Weekly on…", "weekly")
        self.mode.addItem("Monthly on the Nth weekday", "monthly_nth")
        self.mode.addItem("Monthly on a day of the month", "monthly_day")
        self.mode.addItem("Custom RRULE", "custom")
        self.interval = QSpinBox()
        self.interval.setRange(1, 52)
        self.interval.setPrefix("every ")
        self.pages = QStackedWidget()
        weekly = QWidget()
        wl = QHBoxLayout(weekly)
        wl.setContentsMargins(0, 0, 0, 0)
        self.days: dict[str, QCheckBox] = {}
        for code in rrule.DAY_CODES:
            box = QCheckBox(rrule.DAY_NAMES[code][:3])
            self.days[code] = box
            wl.addWidget(box)
        wl.addStretch(1)
        nth = QWidget()
        nl = QHBoxLayout(nth)
        nl.setContentsMargins(0, 0, 0, 0)
        self.nth = QComboBox()
        for n, name in rrule.NTH_NAMES.items():
            self.nth.addItem(f"the {name}", n)
        self.weekday = QComboBox()
        for code in rrule.DAY_CODES:
            self.weekday.addItem(rrule.DAY_NAMES[code], code)
        nl.addWidget(self.nth)
        nl.addWidget(self.weekday)
        nl.addStretch(1)
        monthday = QWidget()
        ml = QHBoxLayout(monthday)
        ml.setContentsMargins(0, 0, 0, 0)
        self.monthday = QSpinBox()
        self.monthday.setRange(1, 31)
        self.monthday.setPrefix("day ")
        ml.addWidget(self.monthday)
        ml.addStretch(1)
        self.pages.addWidget(weekly)
        self.pages.addWidget(nth)
        self.pages.addWidget(monthday)
        self.pages.addWidget(QLabel("Type the rule below (RFC 5545, e.g. FREQ=YEARLY;BYMONTH=3)."))
        self.raw = QLineEdit()
        self.raw.setPlaceholderText("FREQ=WEEKLY;BYDAY=MO")
        self.raw.setFont(self.raw.font())
        top = QHBoxLayout()
        top.addWidget(self.mode, 1)
        top.addWidget(self.interval)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.pages)
        layout.addWidget(self.raw)
        self._loading = False
        self.mode.currentIndexChanged.connect(self._rebuild)
        self.interval.valueChanged.connect(self._rebuild)
        self.nth.currentIndexChanged.connect(self._rebuild)
        self.weekday.currentIndexChanged.connect(self._rebuild)
        self.monthday.valueChanged.connect(self._rebuild)
        for box in self.days.values():
            box.toggled.connect(self._rebuild)
        self.set_rule("FREQ=WEEKLY;BYDAY=MO")

    def set_rule(self, text: str) -> None:
        spec = rrule.parse(text)
        self._loading = True
        self.mode.setCurrentIndex(rrule.MODES.index(spec.mode))
        self.pages.setCurrentIndex(rrule.MODES.index(spec.mode))
        self.interval.setValue(spec.interval)
        for code, box in self.days.items():
            box.setChecked(code in spec.weekdays)
        self.nth.setCurrentIndex(self.nth.findData(spec.nth))
        self.weekday.setCurrentIndex(self.weekday.findData(spec.weekday))
        self.monthday.setValue(spec.monthday)
        self.raw.setText(text)
        self.raw.setReadOnly(spec.mode != "custom")
        self.interval.setEnabled(spec.mode != "custom")
        self._loading = False

    def spec(self) -> rrule.RuleSpec:
        return rrule.RuleSpec(
            mode=self.mode.currentData(),
            interval=self.interval.value(),
            weekdays=tuple(c for c, b in self.days.items() if b.isChecked()) or ("MO",),
            nth=self.nth.currentData(),
            weekday=self.weekday.currentData(),
            monthday=self.monthday.value(),
            raw=self.raw.text(),
        )

    def _rebuild(self) -> None:
        if self._loading:
            return
        mode = self.mode.currentData()
        self.pages.setCurrentIndex(rrule.MODES.index(mode))
        self.raw.setReadOnly(mode != "custom")
        self.interval.setEnabled(mode != "custom")
        if mode != "custom":
            self.raw.setText(rrule.build(self.spec()))

    def rule(self) -> str:
        return self.raw.text().strip()


class BroadcastsDialog(PlanDialog):
    undo_text = "Edit broadcasts"

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.setWindowTitle("Broadcasts")
        self.resize(820, 560)
        self.items: list[Broadcast] = list(controller.plan.broadcasts)
        self._new_ids: set[str] = set()  # added here: their id follows their name on OK
        self._current = -1

        self.list = QListWidget()
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentRowChanged.connect(self._on_row)
        add = QPushButton(icon("add"), "Add")
        add.clicked.connect(self.add_broadcast)
        remove = QPushButton(icon("delete"), "Remove")
        remove.clicked.connect(self.remove_broadcast)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        ll.addLayout(row)

        plan = controller.plan
        self.name = QLineEdit()
        self.channel = QComboBox()
        for ch in CHANNELS:
            self.channel.addItem(CHANNEL_LABELS[ch], ch)
        self.owner = QComboBox()
        for team in plan.teams:
            self.owner.addItem(swatch_icon(team.color), team.name, team.id)
        self.dtstart = _date_edit(plan.start)
        self.time = QLineEdit()
        self.time.setPlaceholderText("HH:MM — empty: all day")
        self.automated = QCheckBox("Automated (no one's time needed)")
        self.builder = RRuleBuilder()
        self.preview = QLabel()
        self.preview.setProperty("role", "hint")
        self.preview.setWordWrap(True)
        self.reach_all = QRadioButton("Every product's leads")
        self.reach_some = QRadioButton("Leads of these products:")
        self.reach_none = QRadioButton("Nobody — an internal event (e.g. a team meeting)")
        self.products = QListWidget()
        self.products.setMaximumHeight(96)
        for p in plan.products:
            item = QListWidgetItem(p.name)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.products.addItem(item)
        # Teams that see it in their calendars beside the owner (a meeting's participants).
        self.participants = QListWidget()
        self.participants.setAccessibleName("Participant teams")
        self.participants.setToolTip(
            "Teams whose calendars, exports and feeds show it too; it reaches no more leads"
        )
        self.participants.setMaximumHeight(96)
        for team in plan.teams:
            item = QListWidgetItem(swatch_icon(team.color), team.name)
            item.setData(Qt.ItemDataRole.UserRole, team.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.participants.addItem(item)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Channel", self.channel)
        form.addRow("Owner", self.owner)
        form.addRow("Participants", self.participants)
        form.addRow("First date", self.dtstart)
        form.addRow("Time", self.time)
        form.addRow("", self.automated)
        form.addRow("Repeats", self.builder)
        form.addRow("", self.preview)
        reach = QVBoxLayout()
        reach.addWidget(self.reach_all)
        reach.addWidget(self.reach_some)
        reach.addWidget(self.products)
        reach.addWidget(self.reach_none)
        form.addRow("Reaches", reach)
        self.form = QWidget()
        self.form.setLayout(form)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.form)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        self.body.addWidget(split, 1)

        self.builder.raw.textChanged.connect(self._update_preview)
        self.dtstart.dateChanged.connect(self._update_preview)
        for box in (self.reach_all, self.reach_some, self.reach_none):
            box.toggled.connect(lambda _on: self.products.setEnabled(self.reach_some.isChecked()))
        self._fill_list()
        if self.items:
            self.list.setCurrentRow(0)
        else:
            self.form.setEnabled(False)

    # -- list ---------------------------------------------------------------------------

    def _fill_list(self) -> None:
        plan = self.controller.plan
        self.list.blockSignals(True)
        self.list.clear()
        for b in self.items:
            self.list.addItem(
                QListWidgetItem(channel_icon(b.channel, team_color(plan, b.owner)), b.name)
            )
        self.list.blockSignals(False)

    def refused(self, plan: Plan, error: str) -> None:
        """Show the refusal; when it names another broadcast ("broadcasts[2]…"), show that one."""
        named = re.match(r"broadcasts\[(\d+)\]", error)
        if named is not None:
            row = int(named.group(1))
            if 0 <= row < len(self.items) and row != self._current:
                self.list.setCurrentRow(row)
        super().refused(plan, error)

    def _on_row(self, row: int) -> None:
        error = self._store()
        if error is not None:  # keep the broadcast in view until its time reads
            self.show_error(error)
            self.list.blockSignals(True)
            self.list.setCurrentRow(self._current)
            self.list.blockSignals(False)
            return
        self.error.hide()
        self._current = row
        self._load()

    def add_broadcast(self) -> None:
        error = self._store()
        if error is not None:
            self.show_error(error)
            return
        plan = self.controller.plan
        name = edits.unique_name("New broadcast", (b.name for b in self.items))
        bid = edits.unique_id(name, (b.id for b in self.items), "broadcast")
        owner = plan.teams[0].id if plan.teams else ""
        self.items.append(
            Broadcast(bid, name, "newsletter", owner, "FREQ=MONTHLY;BYDAY=1TU", plan.start)
        )
        self._new_ids.add(bid)
        self._current = -1
        self._fill_list()
        self.list.setCurrentRow(len(self.items) - 1)
        self.form.setEnabled(True)

    def remove_broadcast(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        del self.items[row]
        self._current = -1
        self._fill_list()
        if self.items:
            self.list.setCurrentRow(min(row, len(self.items) - 1))
        else:
            self.form.setEnabled(False)

    # -- form <-> broadcast ------------------------------------------------------------------

    def _load(self) -> None:
        if not 0 <= self._current < len(self.items):
            return
        b = self.items[self._current]
        self.name.setText(b.name)
        self.channel.setCurrentIndex(self.channel.findData(b.channel))
        self.owner.setCurrentIndex(self.owner.findData(b.owner))
        self.dtstart.setDate(to_qdate(b.dtstart))
        self.time.setText(hhmm(b.time) if b.time else "")
        self.automated.setChecked(b.automated)
        self.builder.set_rule(b.rrule)
        chosen = set(b.products or ())
        for i in range(self.products.count()):
            item = self.products.item(i)
            item.setCheckState(
                Qt.CheckState.Checked
                if item.data(Qt.ItemDataRole.UserRole) in chosen
                else Qt.CheckState.Unchecked
            )
        (
            self.reach_all
            if b.products is None
            else self.reach_none
            if b.products == ()
            else self.reach_some
        ).setChecked(True)
        self.products.setEnabled(self.reach_some.isChecked())
        for i in range(self.participants.count()):
            item = self.participants.item(i)
            joined = item.data(Qt.ItemDataRole.UserRole) in b.participants
            item.setCheckState(Qt.CheckState.Checked if joined else Qt.CheckState.Unchecked)
        self._update_preview()

    def _store(self) -> str | None:
        """Write the form into the current broadcast; a message when the time is unreadable."""
        if not 0 <= self._current < len(self.items):
            return None
        b = self.items[self._current]
        at = parse_time(self.time.text().strip())
        error = None
        if at is False:
            error = f'broadcast "{b.id}": time must be "HH:MM" or empty, got "{self.time.text()}"'
            at = b.time
        if self.reach_all.isChecked():
            products: tuple[str, ...] | None = None
        elif self.reach_none.isChecked():
            products = ()
        else:
            products = tuple(
                self.products.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.products.count())
                if self.products.item(i).checkState() == Qt.CheckState.Checked
            )
        self.items[self._current] = replace(
            b,
            name=self.name.text().strip(),
            channel=self.channel.currentData(),
            owner=self.owner.currentData() or b.owner,
            dtstart=from_qdate(self.dtstart.date()),
            time=at if at is not False else None,  # type: ignore[arg-type]
            automated=self.automated.isChecked(),
            rrule=self.builder.rule(),
            products=products,
            participants=tuple(
                self.participants.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.participants.count())
                if self.participants.item(i).checkState() == Qt.CheckState.Checked
            ),
        )
        item = self.list.item(self._current)
        if item is not None:
            item.setText(self.items[self._current].name)
        return error

    def _update_preview(self) -> None:
        start: date = from_qdate(self.dtstart.date())
        dates = rrule.preview(self.builder.rule(), start, 6)
        if isinstance(dates, str):
            self.preview.setText(f"⚠ {dates}")
            return
        words = rrule.describe(self.builder.rule())
        listed = ", ".join(f"{d:%a %d %b %Y}" for d in dates)
        self.preview.setText(f"{words}: {listed}…" if dates else f"{words}: no dates")

    def new_plan(self) -> Plan | str:
        error = self._store()
        if error is not None:
            return error
        items = []
        taken = [b.id for b in self.items if b.id not in self._new_ids]
        for b in self.items:
            if b.id in self._new_ids:
                b = replace(b, id=edits.unique_id(b.name, taken, "broadcast"))
                taken.append(b.id)
            items.append(b)
        return replace(self.controller.plan, broadcasts=tuple(items))
