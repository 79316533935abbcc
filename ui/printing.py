"""Print / Export PDF of the calendar: the month grid and the agenda as text documents.

The documents are built by pure functions (plan, occurrences, filter, dates →
QTextDocument) and printed with ``QTextDocument.print_()``, which gives a text
PDF (searchable, small) rather than a picture of the widget. Every page set
starts with the plan's name, the filter and the date range.

A printed month fits its page: the number of entries a day cell lists is the
largest that keeps the month's grid on one page (measured by laying the page
out, as printing does). Nothing is left off paper: a day with more entries says
"+N more →", and the entries that did not fit are listed in full on the
page(s) after that month's grid.
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QMarginsF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cadence.calendar import working_days
from cadence.model import Occurrence, Plan
from ui._cal_common import (
    CalendarFilter,
    OccurrenceIndex,
    add_months,
    chip_text,
    closed_day_name,
    month_grid_first,
    stage_name,
    team_color,
    team_name,
    time_text,
)

KINDS = ("month", "agenda")
_NO_FILTER = CalendarFilter()
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Weekends are mostly empty: narrower columns leave room for the working days' entries.
COLUMN_WIDTHS = (17, 17, 17, 17, 17, 7, 8)
#: entries listed in one printed month cell before "+N more"
#: entries per printed month cell by the month's number of week rows
MONTH_CELL_LIMITS = {4: 10, 5: 8, 6: 6}
#: the printable area (mm) of landscape A4 less the 12 mm margins of configure_printer
MONTH_PAGE_MM = (297 - 24, 210 - 24)
#: QTextDocument.print_() adds 2 cm margins inside the printer's page
PRINT_MARGIN_MM = 20.0
MONTH_FONT_PT = 6.5
#: width (screen pixels at the month font) an entry may take in a weekday column of
#: landscape A4 (17 % of 273 mm less padding; measured on the PDF, not derived)
MONTH_ENTRY_PX = 122.0


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _day_notes(plan: Plan, first: date, last: date) -> dict[date, str]:
    """Names of the non-working days (holidays, blackouts; weekends unnamed) in a range."""
    wd = working_days(plan.calendar, plan.start, plan.end)
    notes: dict[date, str] = {}
    d = first
    while d <= last:
        try:
            name = closed_day_name(wd, d)
        except ValueError:
            name = None
        if name:
            notes[d] = name
        d += timedelta(days=1)
    return notes


def _index(
    plan: Plan, occurrences: Sequence[Occurrence], selection: CalendarFilter
) -> OccurrenceIndex:
    index = OccurrenceIndex(plan, occurrences)
    index.set_filter(selection)
    return index


def date_range_text(first: date, last: date) -> str:
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def header_html(plan: Plan, title: str, selection: CalendarFilter, first: date, last: date) -> str:
    """The heading of every printout: plan name, what it is, filter and date range."""
    return (
        f"<h2 style='margin:0'>{_esc(plan.name)}</h2>"
        f"<p style='margin:2px 0 8px 0; color:#444'>{_esc(title)} · "
        f"Filter: {_esc(selection.describe(plan))} · "
        f"Dates: {_esc(date_range_text(first, last))}</p>"
    )


def _entry_html(
    plan: Plan, occ: Occurrence, with_time: bool = True, limit: float | None = None
) -> str:
    color = team_color(plan, occ.owner).name()
    when = f"{occ.time:%H:%M} " if occ.time is not None and with_time else ""
    text = when + chip_text(plan, occ)
    if limit is None:
        return f"<span style='color:{color}'>■</span> {_esc(text)}"
    # One line per entry in a month cell: elide to the column and forbid wrapping.
    text = _month_metrics().elidedText(text, Qt.TextElideMode.ElideRight, limit)
    return f"<span style='color:{color}'>■</span>&nbsp;{_esc(text).replace(' ', '&nbsp;')}"


_metrics: list[QFontMetricsF] = []


def _month_metrics() -> QFontMetricsF:
    if not _metrics:
        font = QFont()
        font.setPointSizeF(MONTH_FONT_PT)
        _metrics.append(QFontMetricsF(font))
    return _metrics[0]


def _month_font() -> QFont:
    font = QFont()
    font.setPointSizeF(MONTH_FONT_PT)
    return font


def printed_pages(html_text: str, font: QFont, page_mm: tuple[float, float]) -> int:
    """How many pages ``html_text`` takes when printed with ``print_document`` on a page
    whose printable area is ``page_mm`` (laid out as QTextDocument.print_() does)."""
    screen = QGuiApplication.primaryScreen()
    dpi = screen.logicalDotsPerInchY() if screen is not None else 96.0
    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setHtml(html_text)
    margin = PRINT_MARGIN_MM / 25.4 * dpi
    frame = doc.rootFrame().frameFormat()
    frame.setMargin(margin)
    doc.rootFrame().setFrameFormat(frame)
    doc.setPageSize(QSizeF(page_mm[0] / 25.4 * dpi, page_mm[1] / 25.4 * dpi))
    return doc.pageCount()


def _month_grid(
    plan: Plan,
    index: OccurrenceIndex,
    month: date,
    first: date,
    last: date,
    notes: dict[date, str],
    limit: int,
    page_break: bool,
) -> str:
    """One month's heading and grid (cells list up to ``limit`` entries)."""
    month_last = add_months(month, 1) - timedelta(days=1)
    count = index.count(first, last)
    style = " style='page-break-before: always'" if page_break else ""
    parts = [f"<h3{style}>{month:%B %Y} · {count} entr{'y' if count == 1 else 'ies'}</h3>"]
    parts.append(
        "<table width='100%' border='1' cellspacing='0' cellpadding='3' "
        "style='border-collapse: collapse; border-color:#999'>"
    )
    parts.append(
        "<tr>"
        + "".join(
            f"<th width='{width}%' style='background:#eef0f3'>{name}</th>"
            for name, width in zip(WEEKDAYS, COLUMN_WIDTHS, strict=True)
        )
        + "</tr>"
    )
    d = month_grid_first(month)
    while d <= month_last:
        parts.append("<tr>")
        for _ in range(7):
            parts.append(_month_cell(plan, index, d, month, first, last, notes, limit))
            d += timedelta(days=1)
        parts.append("</tr>")
    parts.append("</table>")
    return "".join(parts)


def _continued(
    plan: Plan, index: OccurrenceIndex, month: date, first: date, last: date, limit: int
) -> str:
    """The entries the month's cells had no room for, day by day, in full ("" if none)."""
    parts = []
    for d, entries in index.days(first, last):
        if len(entries) <= limit:
            continue
        rest = entries[limit - 1 :]
        parts.append(
            f"<p style='margin:6px 0 1px 0'><b>{d:%a %d %b}</b> · "
            f"{len(rest)} more of {len(entries)}</p>"
        )
        parts.append("<br/>".join(_entry_html(plan, occ) for occ in rest))
    if not parts:
        return ""
    heading = (
        f"<h3 style='page-break-before: always'>{month:%B %Y} (continued) · the entries "
        "that did not fit their day (“+N more →” in the grid)</h3>"
    )
    return heading + "".join(parts)


def month_document(
    plan: Plan,
    occurrences: Sequence[Occurrence],
    first: date,
    last: date,
    selection: CalendarFilter = _NO_FILTER,
    *,
    cell_limit: int | None = None,
) -> QTextDocument:
    """The month grid of every month from ``first`` to ``last``, one month per page.

    A cell lists up to ``cell_limit`` entries (by default the most that keep the
    month's grid on one landscape A4 page); the rest of a full day are listed
    after the month's grid ("+N more →"), so every entry is on paper.
    """
    index = _index(plan, occurrences, selection)
    notes = _day_notes(plan, month_grid_first(first), last + timedelta(days=42))
    font = _month_font()
    header = header_html(plan, "Month view", selection, first, last)
    parts = [header]
    month = first.replace(day=1)
    page = 0
    while month <= last:
        month_last = add_months(month, 1) - timedelta(days=1)
        shown_first, shown_last = max(first, month), min(last, month_last)
        weeks = ((month_last - month_grid_first(month)).days // 7) + 1
        limit = cell_limit or MONTH_CELL_LIMITS.get(weeks, 6)
        grid = _month_grid(plan, index, month, shown_first, shown_last, notes, limit, bool(page))
        if cell_limit is None:
            # Fewer entries a cell until the grid (with the heading on the first page)
            # fits one page: no sliver of the last week on the next one.
            heading = header if page == 0 else ""
            while limit > 2 and printed_pages(heading + grid, font, MONTH_PAGE_MM) > 1:
                limit -= 1
                grid = _month_grid(
                    plan, index, month, shown_first, shown_last, notes, limit, bool(page)
                )
        parts.append(grid)
        parts.append(_continued(plan, index, month, shown_first, shown_last, limit))
        month = add_months(month, 1)
        page += 1
    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setHtml("".join(parts))
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, f"{plan.name} — month view")
    return doc


def _month_cell(
    plan: Plan,
    index: OccurrenceIndex,
    d: date,
    month: date,
    first: date,
    last: date,
    notes: dict[date, str],
    cell_limit: int,
) -> str:
    inside = d.month == month.month and first <= d <= last
    note = notes.get(d)
    weekend = d.weekday() >= 5
    background = "#f3eee0" if note else ("#eef0f3" if weekend else "#ffffff")
    label = f"<b>{d.day}</b>" if inside else f"<span style='color:#999'>{d.day}</span>"
    lines = [label + (f" <i style='color:#a0522d'>{_esc(note)}</i>" if note else "")]
    if inside:
        entries = index.day(d)
        shown = entries if len(entries) <= cell_limit else entries[: cell_limit - 1]
        lines += [_entry_html(plan, occ, limit=MONTH_ENTRY_PX) for occ in shown]
        if len(shown) < len(entries):
            # The rest are listed in full after the month's grid.
            lines.append(f"<i>+{len(entries) - len(shown)}&nbsp;more&nbsp;→</i>")
    return (
        f"<td valign='top' height='62' style='background:{background}'>"
        + "<br/>".join(lines)
        + "</td>"
    )


def agenda_document(
    plan: Plan,
    occurrences: Sequence[Occurrence],
    first: date,
    last: date,
    selection: CalendarFilter = _NO_FILTER,
) -> QTextDocument:
    """Every entry from ``first`` to ``last``, day by day, with product, stage, cohort and team."""
    index = _index(plan, occurrences, selection)
    notes = _day_notes(plan, first, last)
    parts = [header_html(plan, "Agenda", selection, first, last)]
    total = 0
    for d, entries in index.days(first, last):
        if not entries:
            continue
        total += len(entries)
        note = f" · {_esc(notes[d])}" if d in notes else ""
        parts.append(
            f"<h4 style='margin:8px 0 2px 0'>{d:%a %d %b %Y}{note} · "
            f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}</h4>"
        )
        parts.append("<table width='100%' cellspacing='0' cellpadding='2'>")
        for occ in entries:
            product = plan.product(occ.product)
            where = (
                f"{product.name} · {stage_name(plan, occ.product, occ.stage)}"
                if product is not None
                else ("all products" if occ.kind == "broadcast" else "")
            )
            rolled = f" (from {occ.nominal:%a %d %b})" if occ.rolled else ""
            parts.append(
                "<tr>"
                f"<td width='9%'>{_esc(time_text(occ))}</td>"
                f"<td width='41%'>{_entry_html(plan, occ, False)}{_esc(rolled)}</td>"
                f"<td width='26%'>{_esc(where)}</td>"
                f"<td width='10%'>{f'{occ.cohort:%Y-%m-%d}' if occ.cohort else ''}</td>"
                f"<td width='14%'>{_esc(team_name(plan, occ.owner))}</td>"
                "</tr>"
            )
        parts.append("</table>")
    if total == 0:
        parts.append("<p><i>No entries in this range.</i></p>")
    doc = QTextDocument()
    font = QFont()
    font.setPointSizeF(8.5)
    doc.setDefaultFont(font)
    doc.setHtml("".join(parts))
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, f"{plan.name} — agenda")
    return doc


def build_document(
    controller: Any,
    kind: str,
    first: date,
    last: date,
    filters: CalendarFilter | None = None,
) -> QTextDocument:
    """The month or agenda document of the controller's occurrences."""
    return plan_document(controller.plan, controller.occurrences(), kind, first, last, filters)


def plan_document(
    plan: Plan,
    occurrences: Sequence[Occurrence],
    kind: str,
    first: date,
    last: date,
    filters: CalendarFilter | None = None,
) -> QTextDocument:
    """The month or agenda document of ``occurrences`` (every calendar entry, date order)."""
    if kind not in KINDS:
        raise ValueError(f"unknown printout {kind!r} (one of: {', '.join(KINDS)})")
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    build = month_document if kind == "month" else agenda_document
    return build(plan, occurrences, first, last, filters or CalendarFilter())


def plan_occurrences(plan: Plan) -> list[Occurrence]:
    """Every calendar entry of ``plan`` (touches, broadcasts, booked requests) in date
    order — what the calendar tab shows, for printing without a window."""
    from cadence.engine import occurrence_sort_key, schedule
    from cadence.requests import calendar_entries

    entries = [*schedule(plan).touches, *calendar_entries(plan)]
    return sorted(entries, key=occurrence_sort_key)


def configure_printer(printer: QPrinter, kind: str) -> None:
    """A4, landscape for the month grid, 12 mm margins."""
    orientation = (
        QPageLayout.Orientation.Landscape if kind == "month" else QPageLayout.Orientation.Portrait
    )
    printer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            orientation,
            QMarginsF(12, 12, 12, 12),
            QPageLayout.Unit.Millimeter,
        )
    )


def print_document(doc: QTextDocument, printer: QPrinter) -> None:
    # No page size on the document: print_() lays a copy out on the printer's
    # page at the printer's resolution (fonts keep their point size) and paginates.
    doc.setPageSize(QSizeF())
    doc.print_(printer)


def export_pdf(
    controller: Any,
    path: str | os.PathLike[str],
    kind: str,
    start: date,
    end: date,
    filters: CalendarFilter | None = None,
) -> Path:
    """Write the month view or the agenda as a text PDF (replaced atomically)."""
    return write_pdf(
        plan_document(controller.plan, controller.occurrences(), kind, start, end, filters),
        path,
        kind,
    )


def write_pdf(doc: QTextDocument, path: str | os.PathLike[str], kind: str) -> Path:
    """Print ``doc`` (a month or agenda document) to a text PDF at ``path`` (atomically)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.pdf")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp))
    printer.setDocName(doc.metaInformation(QTextDocument.MetaInformation.DocumentTitle))
    printer.setCreator("Cadence")
    configure_printer(printer, kind)
    try:
        print_document(doc, printer)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise OSError(f"{target}: the PDF could not be written")
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


class PrintDialog(QDialog):
    """Choose month grid or agenda and the dates; print, preview or export a PDF."""

    def __init__(
        self,
        controller: Any,
        parent: QWidget | None = None,
        *,
        filters: CalendarFilter | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.filters = filters or CalendarFilter()
        plan: Plan = controller.plan
        first = start or plan.start.replace(day=1)
        last = end or (add_months(first, 1) - timedelta(days=1))
        self.setWindowTitle("Print calendar")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        kind_row = QHBoxLayout()
        self.kind_group = QButtonGroup(self)
        self.month_radio = QRadioButton("Month grid")
        self.agenda_radio = QRadioButton("Agenda (every entry)")
        self.month_radio.setChecked(True)
        for button in (self.month_radio, self.agenda_radio):
            self.kind_group.addButton(button)
            kind_row.addWidget(button)
        form.addRow("Print:", kind_row)
        self.from_edit = QDateEdit(QDate(first.year, first.month, first.day))
        self.to_edit = QDateEdit(QDate(last.year, last.month, last.day))
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        range_row = QHBoxLayout()
        range_row.addWidget(self.from_edit)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.to_edit)
        range_row.addStretch(1)
        form.addRow("Dates:", range_row)
        self.filter_label = QLabel(self.filters.describe(plan))
        self.filter_label.setWordWrap(True)
        form.addRow("Filter:", self.filter_label)
        layout.addLayout(form)
        self.status = QLabel()
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = buttons.addButton("Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.preview_button = buttons.addButton("Preview…", QDialogButtonBox.ButtonRole.ActionRole)
        self.pdf_button = buttons.addButton("Export PDF…", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.clicked.connect(self.print_)
        self.preview_button.clicked.connect(self.preview)
        self.pdf_button.clicked.connect(self.export_pdf)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def kind(self) -> str:
        return "month" if self.month_radio.isChecked() else "agenda"

    def dates(self) -> tuple[date, date]:
        a = self.from_edit.date().toPython()
        b = self.to_edit.date().toPython()
        return a, b  # type: ignore[return-value]

    def document(self) -> QTextDocument:
        first, last = self.dates()
        return build_document(self.controller, self.kind(), first, last, self.filters)

    def print_(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        configure_printer(printer, self.kind())
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            print_document(self.document(), printer)
            self.status.setText("Sent to the printer.")

    def preview(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        configure_printer(printer, self.kind())
        doc = self.document()
        dialog = QPrintPreviewDialog(printer, self)
        dialog.paintRequested.connect(lambda p: print_document(doc, p))
        dialog.exec()

    def export_pdf(self) -> Path | None:
        first, last = self.dates()
        plan: Plan = self.controller.plan
        suggested = f"{plan.id}-{self.kind()}-{first:%Y%m%d}-{last:%Y%m%d}.pdf"
        folder = (
            Path(self.controller.path).parent
            if getattr(self.controller, "path", None)
            else Path.home()
        )
        path, _ = QFileDialog.getSaveFileName(
            self, "Export PDF", str(folder / suggested), "PDF (*.pdf)"
        )
        if not path:
            return None
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            written = export_pdf(self.controller, path, self.kind(), first, last, self.filters)
        except (OSError, ValueError) as exc:
            self.status.setText(f"⚠ {exc}")
            return None
        self.status.setText(f"Wrote {written.name}")
        return written


def print_dialog(
    controller: Any,
    parent: QWidget | None = None,
    *,
    filters: CalendarFilter | None = None,
    start: date | None = None,
    end: date | None = None,
) -> int:
    """Show the print dialog (modal) for the calendar's filter and shown period.

    Without explicit values, a parent window with a ``calendar`` attribute (the
    main window's CalendarView) supplies its current filter and period.
    """
    calendar = getattr(parent, "calendar", None)
    if filters is None and callable(getattr(calendar, "filter", None)):
        filters = calendar.filter()  # type: ignore[union-attr]
    if start is None and end is None and callable(getattr(calendar, "period", None)):
        start, end = calendar.period()  # type: ignore[union-attr]
    dialog = PrintDialog(controller, parent, filters=filters, start=start, end=end)
    return dialog.exec()


__all__ = [
    "KINDS",
    "PrintDialog",
    "agenda_document",
    "build_document",
    "export_pdf",
    "month_document",
    "print_dialog",
]
