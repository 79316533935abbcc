"""Plan vs actual: a CRM export's figures per stage beside the plan's, with Adopt per row.

``ActualsView(controller)`` reads a CRM export (File button, or :meth:`load_text`)
with :mod:`cadence.actuals`, and shows for one product at a time a table
(planned vs actual conversion and days, deviation, quality; drifting cells in
the warning colour) and a chart of planned vs actual conversion or days per
stage. **Adopt** on a row writes that stage's CRM numbers into the plan, **Adopt
all** every stage's: each is one undoable edit through
:meth:`ui.controller.DocumentController.apply`. The report follows every edit,
undo and redo (``sig_plan_changed``).

Preview: ``python -m ui.actuals_view demo [out.png]`` (with the bundled sample export).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cadence.actuals import (
    STAGE_COLUMNS,
    ActualsReport,
    CrmFormatError,
    Drift,
    DriftRule,
    StageActual,
    actuals_report,
    adopt,
    find_drift,
    read_crm,
)
from cadence.actuals import stage_cells as report_cells
from cadence.model import Plan
from ui.theme import WARNING_GLYPH, colors
from ui.widgets import WrapRow, row_group

COLUMNS = (*STAGE_COLUMNS, "")  # the last: Adopt
ADOPT_COLUMN = len(COLUMNS) - 1
CONVERSION_COLUMNS = (3, 4, 5)
DAYS_COLUMNS = (6, 7, 8, 9)
MEASURES = ("conversion", "days")


def stage_cells(s: StageActual) -> list[str]:
    """The table row of one stage, as the `actuals` command prints it, and the Adopt column."""
    return [*report_cells(s), ""]


class ActualsModel(QAbstractTableModel):
    """One product's stages: thin adapter over :class:`cadence.actuals.StageActual`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.stages: list[StageActual] = []
        self.drift: set[tuple[str, str, str]] = set()  # (product, stage, measure)

    def set_stages(self, stages: Sequence[StageActual], drift: Sequence[Drift]) -> None:
        self.beginResetModel()
        self.stages = list(stages)
        self.drift = {(d.product, d.stage, d.measure) for d in drift}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.stages)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def drifting(self, row: int, column: int) -> bool:
        """Whether the cell shows a measure that drifts."""
        s = self.stages[row]
        if column in CONVERSION_COLUMNS:
            return (s.product, s.stage, "conversion") in self.drift
        if column in DAYS_COLUMNS:
            return (s.product, s.stage, "days") in self.drift
        return False

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = stage_cells(self.stages[row])[column]
            if column in (5, 9) and self.drifting(row, column):
                text = f"{WARNING_GLYPH} {text}"
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self.drifting(row, column):
            return QColor(colors().warning_text)
        if role == Qt.ItemDataRole.ToolTipRole and self.drifting(row, column):
            return "Drift: off the plan by the drift rule's threshold (docs/actuals-and-diff.md)"
        return None


class ActualsView(QWidget):
    """The Plan vs actual tab: load a CRM export, compare per product, adopt per row."""

    #: the export was read (or refused): the status line's text
    sig_loaded = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.rule = DriftRule()
        self.text: str | None = None
        self.source = ""
        self.report: ActualsReport | None = None
        self.drift: list[Drift] = []
        self.last_error: str | None = None

        self.open_button = QPushButton("Open CRM export…")
        self.open_button.clicked.connect(self._ask_for_file)
        self.product_combo = QComboBox()
        self.product_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.product_combo.currentIndexChanged.connect(lambda _i: self._show_product())
        self.measure_combo = QComboBox()
        self.measure_combo.addItems(["Conversion", "Days in stage"])
        self.measure_combo.currentIndexChanged.connect(lambda _i: self._fill_chart())
        self.adopt_all_button = QPushButton("Adopt all")
        self.adopt_all_button.setToolTip(
            "Write the CRM's conversions and stage lengths of every product into the plan"
        )
        self.adopt_all_button.clicked.connect(self.adopt_all)
        self.status = QLabel("Open a CRM export (CSV of lead stage history) to compare.")
        self.status.setWordWrap(True)

        # Wraps onto a second line in a narrow window rather than widen the tab.
        bar = WrapRow(right=True)
        product_label = QLabel("Pr&oduct")
        product_label.setBuddy(self.product_combo)
        chart_label = QLabel("Ch&art")
        chart_label.setBuddy(self.measure_combo)
        bar.addWidget(row_group(self.open_button, product_label, self.product_combo, grows=True))
        bar.addWidget(row_group(chart_label, self.measure_combo, self.adopt_all_button))

        self.model = ActualsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(
            ADOPT_COLUMN, QHeaderView.ResizeMode.Fixed
        )
        self.table.setColumnWidth(ADOPT_COLUMN, 90)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)

        self.chart = QChart()
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        # The axes live as long as the chart: refilling only changes their labels and range
        # (axes removed and re-added leave their old drawing behind in QtCharts).
        self.axis_x = QBarCategoryAxis()
        self.axis_y = QValueAxis()
        self.chart.addAxis(self.axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.axis_y, Qt.AlignmentFlag.AlignLeft)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(220)
        self.planned_set: QBarSet | None = None
        self.actual_set: QBarSet | None = None

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart_view)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

        self._stale = False  # the plan changed while the view was hidden
        controller.sig_plan_changed.connect(lambda _changes: self._plan_changed())
        self.refresh()

    # Re-measuring and redrawing the chart costs ~10 ms an edit: a hidden view only
    # notes that the plan changed and re-measures when it is shown.
    def _plan_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        if self._stale:
            self.refresh()
        super().showEvent(event)

    # -- loading -----------------------------------------------------------------------

    def _ask_for_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open CRM export", "", "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> bool:
        """Read a CSV file (UTF-8) and show it; False with the message in the status line."""
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
            self._fail(f"{path.name}: {reason}")
            return False
        return self.load_text(text, path.name)

    def load_text(self, text: str, source: str) -> bool:
        """Compare the plan with this export; False (nothing changes) when it is malformed."""
        try:
            export = read_crm(text, self.controller.plan)
        except CrmFormatError as exc:
            self._fail(f"{source}: {exc}")
            return False
        if export.problems:
            first = export.problems[0]
            more = len(export.problems) - 1
            self._fail(f"{source}: malformed — {first}" + (f" (and {more} more)" if more else ""))
            return False
        self.text, self.source = text, source
        self.refresh()
        return True

    def _fail(self, message: str) -> None:
        self.last_error = message
        self.status.setText(f"{WARNING_GLYPH} {message}")
        self.sig_loaded.emit(message)

    # -- showing -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-measure against the current plan (after an edit, undo or redo)."""
        self._stale = False
        plan: Plan = self.controller.plan
        if self.text is None:
            self.report, self.drift = None, []
        else:
            export = read_crm(self.text, plan)
            self.report = actuals_report(plan, export)
            self.drift = find_drift(self.report, self.rule)
        current = self.product_id()
        self.product_combo.blockSignals(True)
        self.product_combo.clear()
        for p in plan.products:
            n = sum(1 for d in self.drift if d.product == p.id)
            label = f"{p.name}  {WARNING_GLYPH}{n}" if n else p.name
            self.product_combo.addItem(label, p.id)
        index = self.product_combo.findData(current)
        self.product_combo.setCurrentIndex(max(index, 0))
        self.product_combo.blockSignals(False)
        self.adopt_all_button.setEnabled(self.report is not None)
        if self.report is not None:
            self.last_error = None
            message = f"{self.source}: {self.report.rows} rows · {len(self.drift)} drifting"
            leftovers = len(self.report.unknown_products) + len(self.report.unknown_stages)
            if leftovers:
                message += f" · {leftovers} names not in the plan (not read)"
            self.status.setText(message)
            self.sig_loaded.emit(message)
        self._show_product()

    def product_id(self) -> str | None:
        data = self.product_combo.currentData()
        return data if isinstance(data, str) else None

    def set_product(self, product_id: str) -> None:
        index = self.product_combo.findData(product_id)
        if index >= 0:
            self.product_combo.setCurrentIndex(index)

    def _show_product(self) -> None:
        pid = self.product_id()
        stages = [s for s in self.report.stages if s.product == pid] if self.report else []
        self.model.set_stages(stages, [d for d in self.drift if d.product == pid])
        for row, s in enumerate(stages):
            button = QPushButton("Adopt")
            button.setToolTip(f"Write the CRM's numbers for {s.stage_name} into the plan")
            button.setEnabled(self._adoptable(s))
            button.clicked.connect(lambda _=False, stage=s.stage: self.adopt_row(stage))
            self.table.setIndexWidget(self.model.index(row, ADOPT_COLUMN), button)
        self._fill_chart()

    def adopt_button(self, row: int) -> QPushButton:
        widget = self.table.indexWidget(self.model.index(row, ADOPT_COLUMN))
        assert isinstance(widget, QPushButton)
        return widget

    def _adoptable(self, s: StageActual) -> bool:
        plan = self.controller.plan
        assert self.report is not None
        _, changes = adopt(plan, self.report, self.rule, only={(s.product, s.stage)})
        return bool(changes)

    def _fill_chart(self) -> None:
        self.chart.removeAllSeries()
        stages = self.model.stages
        days = self.measure_combo.currentIndex() == 1
        planned, actual = QBarSet("Planned"), QBarSet("Actual (CRM)")
        planned.setColor(QColor("#9aa5b1"))
        actual.setColor(QColor("#2b7bb9"))
        for s in stages:
            if days:
                planned.append(float(s.planned_days))
                actual.append(s.median_days or 0.0)
            else:
                planned.append(s.planned_conversion or 0.0)
                actual.append(s.conversion or 0.0)
        series = QBarSeries()
        series.append(planned)
        series.append(actual)
        self.chart.addSeries(series)
        axis_x, axis_y = self.axis_x, self.axis_y
        axis_x.clear()
        axis_x.append([s.stage_name for s in stages] or [""])
        series.attachAxis(axis_x)
        values = [bars.at(i) for bars in (planned, actual) for i in range(bars.count())]
        top = max(values, default=0.0)
        axis_y.setRange(0, (top * 1.15) if days else max(1.0, top))
        axis_y.setTitleText("median days in stage" if days else "conversion")
        series.attachAxis(axis_y)
        self.chart.setTitle(
            f"{'Days in stage' if days else 'Conversion'}: planned vs actual"
            if stages
            else "No CRM export loaded"
        )
        self.planned_set, self.actual_set = planned, actual

    # -- adopting ----------------------------------------------------------------------

    def adopt_row(self, stage_id: str) -> str | None:
        """Adopt one stage of the shown product (one undo step); the error, or None."""
        pid = self.product_id()
        if self.report is None or pid is None:
            return None
        plan = self.controller.plan
        new, changes = adopt(plan, self.report, self.rule, only={(pid, stage_id)})
        if not changes:
            return None
        product = plan.product(pid)
        stage = product.stage(stage_id) if product else None
        name = stage.name if stage else stage_id
        return self.controller.apply(new, f"Adopt CRM numbers for {name}")

    def adopt_all(self) -> str | None:
        """Adopt every stage of every product measured on enough leads (one undo step)."""
        if self.report is None:
            return None
        new, changes = adopt(self.controller.plan, self.report, self.rule)
        if not changes:
            return None
        return self.controller.apply(new, f"Adopt CRM numbers ({len(changes)} changes)")


def sample_export_text() -> str:
    """The bundled sample CRM export for the demo plan (resources/sample_crm.csv)."""
    return resources.files("resources").joinpath("sample_crm.csv").read_text(encoding="utf-8")


def _prepare(widget: QWidget, _controller: Any) -> None:
    assert isinstance(widget, ActualsView)
    widget.load_text(sample_export_text(), "sample_crm.csv")
    widget.set_product("analytics")


if __name__ == "__main__":
    from ui.preview import run_preview

    raise SystemExit(
        run_preview(
            "ui.actuals_view",
            ActualsView,
            title="plan vs actual",
            size=(1100, 640),
            prepare=_prepare,
        )
    )
