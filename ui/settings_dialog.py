"""Plan ▸ Plan settings: name, time zone, horizon, working calendar, rules, studio."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from functools import cache
from zoneinfo import available_timezones

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cadence.model import (
    ROLL_POLICIES,
    WEEKDAYS,
    Blackout,
    HolidayRule,
    Plan,
    Rules,
    Studio,
    WorkCalendar,
)
from ui._cal_common import swatch_icon
from ui.controller import DocumentController
from ui.dialog_base import PlanDialog
from ui.theme import icon

COUNT_DAYS_LABELS = {
    "calendar": "Calendar days",
    "working": "Working days of the team that answers",
}
ROLL_LABELS = {
    "forward": "Forward — the next working day",
    "backward": "Backward — the previous working day",
    "skip": "Skip — not sent",
}


@cache
def holiday_countries() -> list[tuple[str, str, tuple[str, ...]]]:
    """(code, name, subdivisions) of every country the `holidays` package knows."""
    from holidays import registry

    from cadence.calendar import supported_countries

    subdivisions = supported_countries()
    names: dict[str, str] = {}
    for key, entry in registry.COUNTRIES.items():
        code = entry[1]
        names[code] = " ".join(w.capitalize() for w in key.split("_"))
    out = []
    for code, name in names.items():
        if code in subdivisions:
            out.append((code, name, tuple(subdivisions[code])))
    return sorted(out, key=lambda x: x[1])


def to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def from_qdate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def _date_edit(d: date) -> QDateEdit:
    edit = QDateEdit(to_qdate(d))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd d MMM yyyy")
    return edit


class PlanSettingsDialog(PlanDialog):
    undo_text = "Edit plan settings"

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.setWindowTitle("Plan settings")
        self.resize(640, 560)
        plan = controller.plan
        tabs = QTabWidget()
        self.body.addWidget(tabs)

        # General
        general = QWidget()
        form = QFormLayout(general)
        self.name = QLineEdit(plan.name)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))
        self.timezone.setCurrentText(plan.timezone)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.start = _date_edit(plan.start)
        self.end = _date_edit(plan.end)
        horizon = QHBoxLayout()
        horizon.addWidget(self.start)
        horizon.addWidget(muted_label("to"))
        horizon.addWidget(self.end)
        horizon.addStretch(1)
        form.addRow("Plan name", self.name)
        form.addRow("Time zone", self.timezone)
        form.addRow("Horizon", horizon)
        ident = muted_label(f"{plan.id}  (kept when the plan is renamed; exported UIDs use it)")
        form.addRow("Plan id", ident)
        tabs.addTab(general, "General")

        # Working calendar
        cal = QWidget()
        cl = QVBoxLayout(cal)
        days_box = QGroupBox("Working days")
        dl = QHBoxLayout(days_box)
        self.workdays: dict[str, QCheckBox] = {}
        for wd in WEEKDAYS:
            box = QCheckBox(wd.capitalize())
            box.setChecked(wd in plan.calendar.workdays)
            self.workdays[wd] = box
            dl.addWidget(box)
        dl.addStretch(1)
        cl.addWidget(days_box)
        hol = QGroupBox("Public holidays")
        hl = QFormLayout(hol)
        self.country = QComboBox()
        self.country.addItem("No public holidays", None)
        for code, name, _subs in holiday_countries():
            self.country.addItem(f"{name} ({code})", code)
        self.subdivision = QComboBox()
        self.country.currentIndexChanged.connect(self._fill_subdivisions)
        rule = plan.calendar.holidays
        self.country.setCurrentIndex(max(0, self.country.findData(rule.country if rule else None)))
        self._fill_subdivisions()
        if rule and rule.subdivision:
            self.subdivision.setCurrentIndex(max(0, self.subdivision.findData(rule.subdivision)))
        hl.addRow("Country", self.country)
        hl.addRow("Region", self.subdivision)
        cl.addWidget(hol)
        black = QGroupBox("Blackouts — days nothing is sent (inclusive)")
        bl = QVBoxLayout(black)
        self.blackouts = QTableWidget(0, 3)
        self.blackouts.setHorizontalHeaderLabels(["Name", "From", "To"])
        self.blackouts.verticalHeader().setVisible(False)
        self.blackouts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.blackouts.verticalHeader().setDefaultSectionSize(30)
        for b in plan.calendar.blackouts:
            self._add_blackout(b)
        brow = QHBoxLayout()
        add = QPushButton(icon("add"), "Add blackout")
        add.clicked.connect(lambda: self._add_blackout(None))
        remove = QPushButton(icon("delete"), "Remove")
        remove.clicked.connect(lambda: self.blackouts.removeRow(self.blackouts.currentRow()))
        brow.addWidget(add)
        brow.addWidget(remove)
        brow.addStretch(1)
        bl.addWidget(self.blackouts)
        bl.addLayout(brow)
        cl.addWidget(black, 1)
        roll_row = QFormLayout()
        self.roll = QComboBox()
        for policy in ROLL_POLICIES:
            self.roll.addItem(ROLL_LABELS[policy], policy)
        self.roll.setCurrentIndex(self.roll.findData(plan.calendar.roll))
        roll_row.addRow("A touch on a non-working day rolls", self.roll)
        cl.addLayout(roll_row)
        tabs.addTab(cal, "Working calendar")

        # Rules
        rules = QWidget()
        rl = QFormLayout(rules)
        self.min_spacing = self._rule_spin(plan.rules.min_spacing_days, "days apart at least")
        self.max_silence = self._rule_spin(
            plan.rules.max_silence_days, "days without contact at most"
        )
        self.handoff = self._rule_spin(
            plan.rules.handoff_sla_days, "days for the new owner's first contact"
        )
        rl.addRow("Spacing", self.min_spacing)
        rl.addRow("Silence", self.max_silence)
        rl.addRow("Hand-off", self.handoff)
        self.count_days = QComboBox()
        self.count_days.setAccessibleName("Count days")
        for value, label in COUNT_DAYS_LABELS.items():
            self.count_days.addItem(label, value)
        self.count_days.setCurrentIndex(max(0, self.count_days.findData(plan.rules.count_days)))
        self.lead_desk = QComboBox()
        self.lead_desk.setAccessibleName("Lead desk")
        self.lead_desk.addItem("None — the previous owner answers", None)
        for team in plan.teams:
            self.lead_desk.addItem(swatch_icon(team.color), team.name, team.id)
        self.lead_desk.setCurrentIndex(max(0, self.lead_desk.findData(plan.rules.lead_desk)))
        rl.addRow("Count days", self.count_days)
        rl.addRow("Lead desk", self.lead_desk)
        rl.addRow(
            muted_label(
                "“off” switches a rule off. Stages can set their own maximum silence "
                "in the stage table. Working days are those of the team that should "
                "answer (its own holidays and time off, see Teams). The lead desk answers "
                "for days no team owns the lead."
            )
        )
        tabs.addTab(rules, "Rules")

        # Studio: who produces ad-hoc collateral (the Requests tab needs one)
        studio_page = QWidget()
        sl = QFormLayout(studio_page)
        self.studio_team = QComboBox()
        self.studio_team.addItem("Nobody — requests cannot be answered", None)
        for team in plan.teams:
            self.studio_team.addItem(swatch_icon(team.color), team.name, team.id)
        studio = plan.studio
        self.studio_team.setCurrentIndex(
            max(0, self.studio_team.findData(studio.team if studio else None))
        )
        self.studio_capacity = QSpinBox()
        self.studio_capacity.setRange(1, 100)
        self.studio_capacity.setSuffix("  requests per working day")
        self.studio_capacity.setValue(studio.capacity_per_day if studio else 1)
        self.studio_lead = QSpinBox()
        self.studio_lead.setRange(0, 365)
        self.studio_lead.setSuffix("  working days after the request, at the earliest")
        self.studio_lead.setValue(studio.min_lead_days if studio else 2)
        sl.addRow("Producing team", self.studio_team)
        sl.addRow("Capacity", self.studio_capacity)
        sl.addRow("Lead time", self.studio_lead)
        sl.addRow(
            muted_label(
                "The producing team makes the collateral other teams ask for on the Requests "
                "tab (one-pagers, case studies, slides). Each request gets the first free run "
                "of working days that starts after the lead time."
            )
        )
        self._toggle_studio_fields()
        self.studio_team.currentIndexChanged.connect(self._toggle_studio_fields)
        self.tabs = tabs
        self.studio_tab_index = tabs.addTab(studio_page, "Studio")

    def show_page(self, name: str) -> None:
        """Open on one tab: "General", "Working calendar", "Rules" or "Studio"."""
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == name:
                self.tabs.setCurrentIndex(i)

    def _toggle_studio_fields(self) -> None:
        on = self.studio_team.currentData() is not None
        self.studio_capacity.setEnabled(on)
        self.studio_lead.setEnabled(on)

    def studio(self) -> Studio | None:
        """The studio the Studio tab describes (None: nobody produces collateral)."""
        team = self.studio_team.currentData()
        if team is None:
            return None
        return Studio(team, self.studio_capacity.value(), self.studio_lead.value())

    @staticmethod
    def _rule_spin(value: int | None, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(-1, 365)
        spin.setSpecialValueText("off")
        spin.setSuffix(f"  {suffix}")
        spin.setValue(-1 if value is None else value)
        return spin

    def _fill_subdivisions(self) -> None:
        code = self.country.currentData()
        self.subdivision.clear()
        self.subdivision.addItem("Whole country", None)
        for c, _name, subs in holiday_countries():
            if c == code:
                for s in subs:
                    self.subdivision.addItem(s, s)
        self.subdivision.setEnabled(self.subdivision.count() > 1)

    def _add_blackout(self, blackout: Blackout | None) -> None:
        r = self.blackouts.rowCount()
        self.blackouts.insertRow(r)
        plan = self.controller.plan
        self.blackouts.setItem(r, 0, QTableWidgetItem(blackout.name if blackout else "Blackout"))
        self.blackouts.setCellWidget(r, 1, _date_edit(blackout.start if blackout else plan.start))
        self.blackouts.setCellWidget(r, 2, _date_edit(blackout.end if blackout else plan.start))
        self.blackouts.resizeColumnToContents(1)
        self.blackouts.resizeColumnToContents(2)

    def new_plan(self) -> Plan | str:
        plan = self.controller.plan
        blackouts = []
        for r in range(self.blackouts.rowCount()):
            item = self.blackouts.item(r, 0)
            start_w, end_w = self.blackouts.cellWidget(r, 1), self.blackouts.cellWidget(r, 2)
            assert isinstance(start_w, QDateEdit) and isinstance(end_w, QDateEdit)
            blackouts.append(
                Blackout(
                    item.text().strip() if item else "",
                    from_qdate(start_w.date()),
                    from_qdate(end_w.date()),
                )
            )
        country = self.country.currentData()
        holidays = HolidayRule(country, self.subdivision.currentData()) if country else None
        calendar = WorkCalendar(
            workdays=tuple(wd for wd in WEEKDAYS if self.workdays[wd].isChecked()),
            holidays=holidays,
            blackouts=tuple(blackouts),
            roll=self.roll.currentData(),
        )

        def rule(spin: QSpinBox) -> int | None:
            return None if spin.value() < 0 else spin.value()

        return replace(
            plan,
            name=self.name.text().strip(),
            timezone=re.sub(r"\s+", "", self.timezone.currentText()),
            start=from_qdate(self.start.date()),
            end=from_qdate(self.end.date()),
            calendar=calendar,
            rules=Rules(
                rule(self.min_spacing),
                rule(self.max_silence),
                rule(self.handoff),
                count_days=self.count_days.currentData(),
                lead_desk=self.lead_desk.currentData(),
            ),
            studio=self.studio(),
        )


def muted_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
