"""Teams ▸ Calendar…: one team's own public holidays and time off.

A team follows the plan's working calendar unless it gives its own holidays
(a country and region) or its own time off (blackouts); each replaces the plan's
(docs/scheduling.md, "Working days of a team"). The dialog only collects the
values: the Teams dialog applies them with the rest of its edits, as one undo step.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cadence.model import Blackout, HolidayRule, Team, WorkCalendar
from ui.settings_dialog import _date_edit, from_qdate, holiday_countries, muted_label
from ui.theme import WARNING_GLYPH, icon

PLAN_HOLIDAYS = "plan"  # the country combo's first entry: follow the plan


def describe_team_calendar(team: Team, plan_calendar: WorkCalendar) -> str:
    """A short line for the Teams table: "Plan's calendar", "US holidays · 1 time off" …"""
    parts = []
    if team.holidays is not None:
        region = f"-{team.holidays.subdivision}" if team.holidays.subdivision else ""
        parts.append(f"{team.holidays.country}{region} holidays")
    if team.blackouts is not None:
        n = len(team.blackouts)
        parts.append("no time off" if n == 0 else f"{n} time off")
    return " · ".join(parts) if parts else "Plan's calendar"


def blackout_problem(blackouts: list[Blackout]) -> str:
    """What is wrong with the time-off rows, in words ("" when nothing is)."""
    for i, b in enumerate(blackouts, start=1):
        if not b.name:
            return f"Time off row {i} needs a name."
        if b.end < b.start:
            return (
                f"Time off “{b.name}” ends on {b.end.isoformat()}, "
                f"before it starts ({b.start.isoformat()})."
            )
    return ""


class TeamCalendarDialog(QDialog):
    """Edit one team's holidays (or the plan's) and time off (or the plan's)."""

    def __init__(self, team: Team, horizon_start: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Calendar of {team.name}")
        self.resize(560, 440)
        self._start = horizon_start
        layout = QVBoxLayout(self)
        layout.addWidget(
            muted_label(
                "A team follows the plan's working calendar unless it has holidays or time "
                "off of its own. Its touches roll by its calendar, its capacity skips its "
                "days off, and rules counted in working days use them."
            )
        )
        hol = QGroupBox("Public holidays")
        hl = QFormLayout(hol)
        self.country = QComboBox()
        self.country.setAccessibleName("Team holidays country")
        self.country.addItem("The plan's holidays", PLAN_HOLIDAYS)
        for code, name, _subs in holiday_countries():
            self.country.addItem(f"{name} ({code})", code)
        self.subdivision = QComboBox()
        self.subdivision.setAccessibleName("Team holidays region")
        self.country.currentIndexChanged.connect(self._fill_subdivisions)
        rule = team.holidays
        self.country.setCurrentIndex(
            max(0, self.country.findData(rule.country if rule else PLAN_HOLIDAYS))
        )
        self._fill_subdivisions()
        if rule and rule.subdivision:
            self.subdivision.setCurrentIndex(max(0, self.subdivision.findData(rule.subdivision)))
        hl.addRow("Country", self.country)
        hl.addRow("Region", self.subdivision)
        layout.addWidget(hol)

        off = QGroupBox("Time off")
        ol = QVBoxLayout(off)
        self.own_time_off = QCheckBox("Own time off (replaces the plan's blackouts)")
        self.own_time_off.setChecked(team.blackouts is not None)
        ol.addWidget(self.own_time_off)
        self.blackouts = QTableWidget(0, 3)
        self.blackouts.setAccessibleName("Team time off")
        self.blackouts.setHorizontalHeaderLabels(["Name", "From", "To"])
        self.blackouts.verticalHeader().setVisible(False)
        self.blackouts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.blackouts.verticalHeader().setDefaultSectionSize(30)
        for b in team.blackouts or ():
            self.add_blackout(b)
        row = QHBoxLayout()
        self.add_button = QPushButton(icon("add"), "Add time off")
        self.add_button.clicked.connect(lambda: self.add_blackout(None))
        self.remove_button = QPushButton(icon("delete"), "Remove")
        self.remove_button.clicked.connect(
            lambda: self.blackouts.removeRow(self.blackouts.currentRow())
        )
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        ol.addWidget(self.blackouts, 1)
        ol.addLayout(row)
        layout.addWidget(off, 1)
        self.own_time_off.toggled.connect(self._toggle_time_off)
        self._toggle_time_off()

        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _toggle_time_off(self) -> None:
        on = self.own_time_off.isChecked()
        for w in (self.blackouts, self.add_button, self.remove_button):
            w.setEnabled(on)

    def _fill_subdivisions(self) -> None:
        code = self.country.currentData()
        self.subdivision.clear()
        self.subdivision.addItem("Whole country", None)
        for c, _name, subs in holiday_countries():
            if c == code:
                for s in subs:
                    self.subdivision.addItem(s, s)
        self.subdivision.setEnabled(self.subdivision.count() > 1)

    def add_blackout(self, blackout: Blackout | None) -> None:
        r = self.blackouts.rowCount()
        self.blackouts.insertRow(r)
        self.blackouts.setItem(r, 0, QTableWidgetItem(blackout.name if blackout else "Time off"))
        self.blackouts.setCellWidget(r, 1, _date_edit(blackout.start if blackout else self._start))
        self.blackouts.setCellWidget(r, 2, _date_edit(blackout.end if blackout else self._start))
        self.blackouts.resizeColumnToContents(1)
        self.blackouts.resizeColumnToContents(2)

    def holidays(self) -> HolidayRule | None:
        """The team's own holidays (None: the plan's)."""
        code = self.country.currentData()
        if code == PLAN_HOLIDAYS or code is None:
            return None
        return HolidayRule(code, self.subdivision.currentData())

    def time_off(self) -> tuple[Blackout, ...] | None:
        """The team's own time off (None: the plan's blackouts)."""
        if not self.own_time_off.isChecked():
            return None
        out = []
        for r in range(self.blackouts.rowCount()):
            item = self.blackouts.item(r, 0)
            start_w, end_w = self.blackouts.cellWidget(r, 1), self.blackouts.cellWidget(r, 2)
            assert isinstance(start_w, QDateEdit) and isinstance(end_w, QDateEdit)
            name = item.text().strip() if item else ""
            out.append(Blackout(name, from_qdate(start_w.date()), from_qdate(end_w.date())))
        return tuple(out)

    def accept(self) -> None:
        problem = blackout_problem(list(self.time_off() or ()))
        if problem:
            self.error.setText(f"{WARNING_GLYPH}  {problem}")
            self.error.show()
            return
        super().accept()
