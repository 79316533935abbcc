"""Plan ▸ Cohorts: when a product's leads enter the cycle, and how many at a time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cadence.model import Cohorts, Plan
from ui import edits
from ui.controller import DocumentController
from ui.dialog_base import PlanDialog
from ui.settings_dialog import _date_edit, from_qdate
from ui.theme import icon


class CohortsDialog(PlanDialog):
    def __init__(
        self, controller: DocumentController, product_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(controller, parent)
        product = controller.plan.product(product_id)
        if product is None:
            raise KeyError(product_id)
        self.product_id = product_id
        self.undo_text = f"Edit the cohorts of “{product.name}”"
        self.setWindowTitle(f"Cohorts — {product.name}")
        self.resize(520, 460)
        c = product.cohorts
        intro = QLabel(
            "A cohort is the group of leads that enters the first stage on one day. "
            "Every touch is sent to every cohort along its journey."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "hint")
        self.series = QRadioButton("A regular series")
        self.explicit = QRadioButton("Chosen dates")
        group = QButtonGroup(self)
        group.addButton(self.series)
        group.addButton(self.explicit)
        plan = controller.plan
        self.start = _date_edit(c.start or plan.start)
        self.every = QSpinBox()
        self.every.setRange(1, 365)
        self.every.setSuffix(" days")
        self.every.setValue(c.every_days or 7)
        self.count = QSpinBox()
        self.count.setRange(1, 1000)
        self.count.setValue(c.count or 12)
        series_form = QFormLayout()
        series_form.addRow("First intake", self.start)
        series_form.addRow("Every", self.every)
        series_form.addRow("Cohorts", self.count)
        self.series_box = QWidget()
        self.series_box.setLayout(series_form)

        self.dates = QListWidget()
        for d in c.dates or ():
            self._add_date(d, update=False)  # the rest of the form is not built yet
        self.new_date = _date_edit(plan.start)
        add = QPushButton(icon("add"), "Add date")
        add.clicked.connect(lambda: self._add_date(from_qdate(self.new_date.date())))
        remove = QPushButton(icon("delete"), "Remove")
        remove.clicked.connect(lambda: self.dates.takeItem(self.dates.currentRow()))
        drow = QHBoxLayout()
        drow.addWidget(self.new_date)
        drow.addWidget(add)
        drow.addWidget(remove)
        drow.addStretch(1)
        self.dates_box = QWidget()
        dl = QVBoxLayout(self.dates_box)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.dates)
        dl.addLayout(drow)

        self.cohort_size = QSpinBox()
        self.cohort_size.setRange(1, 10_000_000)
        self.cohort_size.setSuffix(" leads per cohort")
        self.cohort_size.setValue(c.size)
        self.summary = QLabel()
        self.summary.setProperty("role", "hint")

        self.body.addWidget(intro)
        self.body.addWidget(self.series)
        self.body.addWidget(self.series_box)
        self.body.addWidget(self.explicit)
        self.body.addWidget(self.dates_box, 1)
        self.body.addWidget(self.cohort_size)
        self.body.addWidget(self.summary)
        (self.explicit if c.dates is not None else self.series).setChecked(True)
        for signal in (
            self.series.toggled,
            self.start.dateChanged,
            self.every.valueChanged,
            self.count.valueChanged,
            self.cohort_size.valueChanged,
        ):
            signal.connect(self._update)
        self._update()

    def _add_date(self, d: date, update: bool = True) -> None:
        item = QListWidgetItem(f"{d:%Y-%m-%d   %A}")
        item.setData(Qt.ItemDataRole.UserRole, d)
        self.dates.addItem(item)
        self.dates.sortItems()
        if update:
            self._update()

    def cohorts(self) -> Cohorts:
        if self.series.isChecked():
            return Cohorts(
                start=from_qdate(self.start.date()),
                every_days=self.every.value(),
                count=self.count.value(),
                size=self.cohort_size.value(),
            )
        dates = tuple(
            sorted(
                self.dates.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.dates.count())
            )
        )
        return Cohorts(dates=dates, size=self.cohort_size.value())

    def _update(self) -> None:
        series = self.series.isChecked()
        self.series_box.setEnabled(series)
        self.dates_box.setEnabled(not series)
        product = self.controller.plan.product(self.product_id)
        if product is not None:
            self.summary.setText(edits.cohort_span(replace(product, cohorts=self.cohorts())))

    def new_plan(self) -> Plan | str:
        product = self.controller.plan.product(self.product_id)
        if product is None:
            return "the product no longer exists"
        return edits.with_product(self.controller.plan, replace(product, cohorts=self.cohorts()))
