"""Export the calendar (iCal, CSV) or the plan (JSON) in the background.

``ExportDialog(controller)`` offers the export issue's filters (team, product,
date range, what to include), writes on a worker thread with a progress bar and
Cancel (the GUI stays responsive), and remembers the last choices in QSettings.
Exports go through a temporary file replaced at the end (the core's
``atomic_output``), so a cancelled or failed export leaves no partial file and
never damages the previous one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, QSettings, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cadence.formats.export_common import (
    DEFAULT_INCLUDE,
    INCLUDE_CHOICES,
    ExportCancelled,
    ExportError,
    ExportFilter,
    entries_for,
)
from cadence.model import Gap, Plan, Schedule
from ui._cal_common import swatch_icon

FORMATS: dict[str, tuple[str, str]] = {
    "ics": ("iCalendar (.ics)", "iCalendar files (*.ics)"),
    "csv": ("CSV spreadsheet (.csv)", "CSV files (*.csv)"),
    "json": ("Plan JSON (.json)", "Plan JSON (*.json)"),
}
SETTINGS_GROUP = "export"
_ALL = "__all__"


@dataclass(frozen=True)
class ExportJob:
    """Everything a worker needs: immutable snapshots, safe to read on another thread."""

    format: str  # "ics" | "csv" | "json"
    path: Path
    plan: Plan
    schedule: Schedule
    gaps: tuple[Gap, ...]
    team: str | None = None
    product: str | None = None
    start: date | None = None
    end: date | None = None
    include: frozenset[str] = DEFAULT_INCLUDE
    bom: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def run_export(
    job: ExportJob,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> str:
    """Run one export (on any thread); returns a summary line. Raises ExportCancelled."""
    if job.format == "json":
        from cadence.formats.plan_io import atomic_write_text
        from cadence.formats.plan_json import dumps_plan

        if progress is not None:
            progress(0, 1)
        text = dumps_plan(job.plan)
        if cancel is not None and cancel():
            raise ExportCancelled()
        atomic_write_text(job.path, text)
        if progress is not None:
            progress(1, 1)
        return f"Wrote the plan to {job.path.name}"
    options: dict[str, Any] = dict(
        team=job.team,
        product=job.product,
        start=job.start,
        end=job.end,
        include=job.include,
        progress=progress,
        cancel=cancel,
    )
    if job.format == "ics":
        from cadence.formats.ical import export_ics

        # The UI may read the clock: new and changed events are stamped now (RFC 5545).
        now = datetime.now(UTC).replace(microsecond=0)
        # The window's gaps are the plan's whole check: the agendas need not check again.
        result = export_ics(
            job.plan, job.schedule, job.gaps, job.path, now=now, plan_gaps=job.gaps, **options
        )
        noun = "event"
    elif job.format == "csv":
        from cadence.formats.csv_export import export_csv

        result = export_csv(job.plan, job.schedule, job.gaps, job.path, bom=job.bom, **options)
        noun = "row"
    else:
        raise ExportError(f"unknown export format {job.format!r}")
    n = result.events
    return f"Wrote {n:,} {noun}{'s' if n != 1 else ''} to {job.path.name}".replace(",", " ")


class ExportWorker(QObject):
    """Runs :func:`run_export` on a QThread; reports through queued signals."""

    sig_progress = Signal(int, int)  # done, total
    sig_finished = Signal(str)  # summary
    sig_failed = Signal(str)  # message
    sig_cancelled = Signal()

    def __init__(self, job: ExportJob, runner: Callable[..., str] = run_export) -> None:
        super().__init__()
        self.job = job
        self.runner = runner
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    @Slot()
    def run(self) -> None:
        try:
            summary = self.runner(self.job, self.sig_progress.emit, self.cancel_event.is_set)
        except ExportCancelled:
            self.sig_cancelled.emit()
        except ExportError as exc:
            self.sig_failed.emit(str(exc))
        except OSError as exc:
            self.sig_failed.emit(f"{self.job.path}: {exc.strerror or exc}")
        except Exception as exc:  # a bug must not kill the thread silently
            self.sig_failed.emit(f"Export failed: {exc!r}")
        else:
            self.sig_finished.emit(summary)


class ExportDialog(QDialog):
    """Choose format, filters and file; export in the background with progress and Cancel."""

    #: summary line after a successful export
    sig_exported = Signal(str)
    #: the export ended: "done", "cancelled" or "failed"
    sig_done = Signal(str)

    def __init__(
        self,
        controller: Any,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        if settings is None:
            # The main window's settings (tests point them at a temporary file).
            settings = getattr(parent, "settings", None)
        self.settings = settings if isinstance(settings, QSettings) else QSettings()
        self.setWindowTitle("Export")
        self.setMinimumWidth(520)
        self._thread: QThread | None = None
        self._worker: ExportWorker | None = None
        self.runner: Callable[..., str] = run_export  # tests may wrap it
        self.last_status = ""
        # The file name the dialog proposed; while the field still shows it, the
        # name follows the team and product chosen (typed or browsed names stay).
        self._proposed = ""
        self._build_ui()
        self._fill_from_plan()
        self._restore()
        self._update_state()

    # -- building -------------------------------------------------------------------------

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        fmt_box = QGroupBox("Format")
        fmt_layout = QHBoxLayout(fmt_box)
        self.format_group = QButtonGroup(self)
        self.format_buttons: dict[str, QRadioButton] = {}
        for key, (label, _) in FORMATS.items():
            button = QRadioButton(label)
            self.format_group.addButton(button)
            self.format_buttons[key] = button
            button.toggled.connect(self._on_format)
            fmt_layout.addWidget(button)
        layout.addWidget(fmt_box)

        self.filter_box = QGroupBox("What to export")
        form = QFormLayout(self.filter_box)
        form.setHorizontalSpacing(12)
        self.team_combo = QComboBox()
        self.product_combo = QComboBox()
        for combo in (self.team_combo, self.product_combo):
            combo.currentIndexChanged.connect(self._follow_filters)
            combo.currentIndexChanged.connect(self._update_state)
        form.addRow("Team:", self.team_combo)
        form.addRow("Product:", self.product_combo)
        range_row = QHBoxLayout()
        self.whole_range = QCheckBox("Whole plan")
        self.whole_range.setChecked(True)
        self.whole_range.toggled.connect(self._update_state)
        self.from_edit = QDateEdit()
        self.to_edit = QDateEdit()
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._update_state)
        range_row.addWidget(self.whole_range)
        range_row.addSpacing(8)
        range_row.addWidget(QLabel("from"))
        range_row.addWidget(self.from_edit)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.to_edit)
        range_row.addStretch(1)
        form.addRow("Dates:", range_row)
        include_row = QHBoxLayout()
        self.include_checks: dict[str, QCheckBox] = {}
        for part in INCLUDE_CHOICES:
            check = QCheckBox(part.capitalize())
            check.setChecked(part in DEFAULT_INCLUDE)
            check.toggled.connect(self._update_state)
            self.include_checks[part] = check
            include_row.addWidget(check)
        include_row.addStretch(1)
        form.addRow("Include:", include_row)
        self.bom_check = QCheckBox("Start with a byte-order mark (Excel on Windows)")
        self.bom_check.toggled.connect(self._update_state)
        form.addRow("", self.bom_check)
        layout.addWidget(self.filter_box)

        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("File to write")
        self.path_edit.textChanged.connect(self._update_state)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        file_row.addWidget(QLabel("File:"))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        layout.addLayout(file_row)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("%p %")
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(
            "Cancel export", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.close_button.clicked.connect(self.reject)
        self.cancel_button.setEnabled(False)
        layout.addWidget(self.buttons)

    def _fill_from_plan(self) -> None:
        plan: Plan = self.controller.plan
        self.team_combo.addItem("All teams", _ALL)
        for t in plan.teams:
            self.team_combo.addItem(swatch_icon(t.color), t.name, t.id)
        self.product_combo.addItem("All products", _ALL)
        for p in plan.products:
            self.product_combo.addItem(p.name, p.id)
        for edit, d in ((self.from_edit, plan.start), (self.to_edit, plan.end)):
            edit.setDate(QDate(d.year, d.month, d.day))

    # -- choices ⇄ settings ---------------------------------------------------------------

    def format(self) -> str:
        for key, button in self.format_buttons.items():
            if button.isChecked():
                return key
        return "ics"

    def set_format(self, key: str) -> None:
        self.format_buttons[key].setChecked(True)

    def include(self) -> frozenset[str]:
        return frozenset(p for p, check in self.include_checks.items() if check.isChecked())

    def _date_range(self) -> tuple[date | None, date | None]:
        if self.whole_range.isChecked():
            return None, None
        return self.from_edit.date().toPython(), self.to_edit.date().toPython()  # type: ignore[return-value]

    def selection(self) -> ExportFilter:
        start, end = self._date_range()
        team = self.team_combo.currentData()
        product = self.product_combo.currentData()
        return ExportFilter(
            team=None if team in (_ALL, None) else team,
            product=None if product in (_ALL, None) else product,
            start=start,
            end=end,
            include=self.include(),
        )

    def _restore(self) -> None:
        s = self.settings
        s.beginGroup(SETTINGS_GROUP)
        try:
            fmt = str(s.value("format", "ics"))
            self.set_format(fmt if fmt in FORMATS else "ics")
            for combo, key in ((self.team_combo, "team"), (self.product_combo, "product")):
                i = combo.findData(s.value(key, _ALL))
                combo.setCurrentIndex(max(i, 0))
            self.whole_range.setChecked(_bool(s.value("whole_range", True)))
            for edit, key in ((self.from_edit, "from"), (self.to_edit, "to")):
                value = s.value(key)
                if value:
                    qd = QDate.fromString(str(value), "yyyy-MM-dd")
                    if qd.isValid():
                        edit.setDate(qd)
            saved = s.value("include")
            if saved:
                parts = set(str(saved).split(","))
                for part, check in self.include_checks.items():
                    check.setChecked(part in parts)
            self.bom_check.setChecked(_bool(s.value("bom", False)))
            folder = s.value("folder")
        finally:
            s.endGroup()
        self._propose(self._default_path(Path(str(folder)) if folder else None))

    def _propose(self, path: Path) -> None:
        self._proposed = str(path)
        self.path_edit.setText(self._proposed)

    def _follow_filters(self, *_: object) -> None:
        """A new team or product: rename the proposed file (not one the user chose)."""
        text = self.path_edit.text()
        if text and text == self._proposed:
            self._propose(self._default_path(Path(text).parent))

    def save_choices(self) -> None:
        s = self.settings
        s.beginGroup(SETTINGS_GROUP)
        try:
            s.setValue("format", self.format())
            s.setValue("team", self.team_combo.currentData())
            s.setValue("product", self.product_combo.currentData())
            s.setValue("whole_range", self.whole_range.isChecked())
            s.setValue("from", self.from_edit.date().toString("yyyy-MM-dd"))
            s.setValue("to", self.to_edit.date().toString("yyyy-MM-dd"))
            s.setValue("include", ",".join(sorted(self.include())))
            s.setValue("bom", self.bom_check.isChecked())
            path = self.path_edit.text().strip()
            if path:
                s.setValue("folder", str(Path(path).expanduser().parent))
        finally:
            s.endGroup()
        s.sync()

    def _default_path(self, folder: Path | None) -> Path:
        plan: Plan = self.controller.plan
        if folder is None:
            doc = getattr(self.controller, "path", None)
            folder = Path(doc).parent if doc else Path.home()
        sel = self.selection()
        name = "-".join(x for x in (plan.id, sel.team, sel.product) if x)
        return folder / f"{name}.{self.format()}"

    # -- state ---------------------------------------------------------------------------

    def _on_format(self, checked: bool) -> None:
        if not checked:
            return
        text = self.path_edit.text().strip()
        if text:
            path = Path(text)
            if path.suffix.lower() in (".ics", ".csv", ".json"):
                renamed = path.with_suffix(f".{self.format()}")
                if text == self._proposed:
                    self._propose(renamed)
                else:
                    self.path_edit.setText(str(renamed))
        self._update_state()

    def _update_state(self, *_: object) -> None:
        fmt = self.format()
        running = self._thread is not None
        filters = fmt != "json"
        self.filter_box.setEnabled(filters and not running)
        self.bom_check.setVisible(fmt == "csv")
        for edit in (self.from_edit, self.to_edit):
            edit.setEnabled(not self.whole_range.isChecked())
        self.export_button.setEnabled(not running and bool(self.path_edit.text().strip()))
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        for button in self.format_buttons.values():
            button.setEnabled(not running)
        self.path_edit.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        if running:
            return
        self.summary.setText(self._summary_text())

    def _summary_text(self) -> str:
        plan: Plan = self.controller.plan
        if self.format() == "json":
            return f"The whole plan “{plan.name}” as JSON (the interchange format)."
        sel = self.selection()
        if not sel.include:
            return "Choose at least one thing to include."
        try:
            sel.check(plan)
        except ExportError as exc:
            return f"⚠ {exc}"
        occurrences, gaps = entries_for(
            plan, self.controller.schedule, list(self.controller.gaps), sel
        )
        n = len(occurrences) + len(gaps)
        noun = "events" if self.format() == "ics" else "rows"
        return f"{n:,} {noun} will be written.".replace(",", " ")

    # -- running ----------------------------------------------------------------------------

    def _browse(self) -> None:
        fmt = self.format()
        path, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path_edit.text(), FORMATS[fmt][1]
        )
        if path:
            if not Path(path).suffix:
                path += f".{fmt}"
            self.path_edit.setText(path)

    def job(self) -> ExportJob:
        sel = self.selection()
        return ExportJob(
            format=self.format(),
            path=Path(self.path_edit.text().strip()).expanduser(),
            plan=self.controller.plan,
            schedule=self.controller.schedule,
            gaps=tuple(self.controller.gaps),
            team=sel.team,
            product=sel.product,
            start=sel.start,
            end=sel.end,
            include=sel.include,
            bom=self.bom_check.isChecked(),
        )

    def is_running(self) -> bool:
        return self._thread is not None

    def start_export(self) -> bool:
        """Start the export on a worker thread (False: refused, the reason is in the status)."""
        if self._thread is not None:
            return False
        job = self.job()
        if job.format != "json":
            if not job.include:
                return self._refuse("Choose at least one thing to include.")
            try:
                ExportFilter(job.team, job.product, job.start, job.end, job.include).check(job.plan)
            except ExportError as exc:
                return self._refuse(str(exc))
        if not job.path.parent.is_dir():
            return self._refuse(f"The folder {job.path.parent} does not exist.")
        self.save_choices()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self._set_status(f"Exporting to {job.path.name}…")
        worker = ExportWorker(job, self.runner)
        thread = QThread(self)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Deleted in its own thread as that thread ends: a deleteLater() posted after
        # the thread has finished is never processed, and the worker (holding the
        # job: plan, schedule, gaps) would live on for every export.
        thread.finished.connect(worker.deleteLater)
        worker.sig_progress.connect(self._on_progress)
        worker.sig_finished.connect(self._on_finished)
        worker.sig_failed.connect(self._on_failed)
        worker.sig_cancelled.connect(self._on_cancelled)
        self._worker, self._thread = worker, thread
        self._update_state()
        thread.start()
        return True

    def cancel_export(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._set_status("Cancelling…")

    def _refuse(self, message: str) -> bool:
        self._set_status(f"⚠ {message}")
        return False

    def _set_status(self, text: str) -> None:
        self.last_status = text
        self.status.setText(text)

    def _on_progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if done else 0)
            return
        self.progress.setRange(0, total)
        self.progress.setValue(min(done, total))

    def _on_finished(self, summary: str) -> None:
        self.progress.setValue(self.progress.maximum())
        self._end("done", summary)
        self.sig_exported.emit(summary)

    def _on_failed(self, message: str) -> None:
        self._end("failed", f"⚠ {message} — nothing was written.")

    def _on_cancelled(self) -> None:
        self.progress.setValue(0)
        self._end("cancelled", "Cancelled — nothing was written.")

    def _end(self, outcome: str, text: str) -> None:
        thread = self._thread
        self._thread = self._worker = None  # the worker is deleted as its thread finishes
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()
        self._set_status(text)
        self._update_state()
        self.sig_done.emit(outcome)

    def done(self, result: int) -> None:
        # Closing while exporting: cancel, let the worker stop (it removes its
        # temporary file), then close.
        if self._thread is not None and self._worker is not None:
            self._worker.cancel()
            self._thread.quit()
            self._thread.wait()
        super().done(result)


def _bool(value: object) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


__all__ = ["FORMATS", "ExportDialog", "ExportJob", "ExportWorker", "run_export"]
