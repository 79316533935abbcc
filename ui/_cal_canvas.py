"""Custom-painted month and week grids of the calendar.

One widget paints a whole month (or week): no widget per day or per chip, and
only the cells inside the exposed rectangle are painted. Chip rectangles are
laid out once per (size, period, filter, data) and kept for hit-testing
(clicks, tooltips, "+N more").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from cadence.calendar import WorkingDays
from cadence.model import Occurrence, Plan
from ui._cal_common import (
    BLACKOUT_FILL,
    HOLIDAY_FILL,
    NON_WORKING_FILL,
    SELECTION_COLOR,
    TODAY_COLOR,
    OccurrenceIndex,
    chip_fill,
    chip_text,
    closed_day_name,
    month_grid_first,
    occurrence_tooltip,
    team_colors,
    time_text,
    week_monday,
)

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: width of a day-off column (usually Sat, Sun) relative to a working day's
NON_WORKING_WEIGHT = 0.55


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """a blended towards b by t (0 … 1): palette-aware tints for light and dark themes."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class CalendarState:
    """What both grids read: the plan, the index, working days, selection, today."""

    def __init__(self, plan: Plan, index: OccurrenceIndex, today: date) -> None:
        self.plan = plan
        self.index = index
        self.today = today
        self.selected_day: date = today
        self.selected_uid: str | None = None
        self.colors: dict[str, QColor] = team_colors(plan)
        self.working: WorkingDays | None = None
        self._calendar_key: tuple[object, ...] | None = None
        self.set_plan(plan)

    def set_plan(self, plan: Plan) -> None:
        old = self._calendar_key
        key = (plan.calendar, plan.start, plan.end)
        self.plan = plan
        self.colors = team_colors(plan)
        if key != old:
            self.working = WorkingDays(plan.calendar, plan.start, plan.end)
            self._calendar_key = key

    def column_edges(self, left: float, width: float) -> list[int]:
        """x of the 8 edges of Monday … Sunday: days off (e.g. the weekend) get less room."""
        workdays = set(self.plan.calendar.workdays)
        weights = [1.0 if name in workdays else NON_WORKING_WEIGHT for name in WEEKDAY_KEYS]
        total = sum(weights)
        edges, x = [round(left)], float(left)
        for weight in weights:
            x += width * weight / total
            edges.append(round(x))
        return edges

    def color(self, team: str | None) -> QColor:
        return self.colors.get(team or "", QColor("#8a9199"))

    def day_note(self, d: date) -> tuple[str, str | None]:
        """("working" | "weekend" | "holiday" | "blackout", name) for shading and labels."""
        wd = self.working
        if wd is None:
            return ("working", None)
        try:
            if wd.is_working(d):
                return ("working", None)
        except ValueError:  # outside the calendar window: plain weekday rule
            return ("weekend", None) if d.weekday() >= 5 else ("working", None)
        name = closed_day_name(wd, d)
        if wd.blackout(d):
            return ("blackout", name)
        if name:
            return ("holiday", name)
        return ("weekend", None)


@dataclass
class _Cell:
    day: date
    rect: QRect
    entries: list[Occurrence]
    chips: list[tuple[QRect, Occurrence]] = field(default_factory=list)
    more_rect: QRect | None = None
    hidden: int = 0


class _Canvas(QWidget):
    """Shared painting of day backgrounds, day headers and chips."""

    sig_occurrence_clicked = Signal(object)  # Occurrence
    sig_day_clicked = Signal(object)  # date
    sig_day_double_clicked = Signal(object)  # date
    sig_more_clicked = Signal(object, object)  # date, QPoint (global)

    def __init__(self, state: CalendarState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._cells: list[_Cell] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.last_paint_ms = 0.0
        self._update_fonts()

    # -- colours and fonts -------------------------------------------------------

    def _update_fonts(self) -> None:
        base = QFont(self.font())
        self.chip_font = QFont(base)
        self.chip_font.setPointSizeF(max(7.5, base.pointSizeF() - 1))
        self.small_font = QFont(self.chip_font)
        self.small_font.setPointSizeF(max(7.0, base.pointSizeF() - 1.5))
        self.bold_font = QFont(base)
        self.bold_font.setBold(True)
        self.chip_height = QFontMetrics(self.chip_font).height() + 4
        self.header_metrics = QFontMetrics(self.bold_font)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            self._update_fonts()
            self.invalidate()
        super().changeEvent(event)

    def palette_colors(self) -> dict[str, QColor]:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.Text)
        dark = base.lightness() < 128
        return {
            "base": base,
            "text": text,
            "dim": mix(base, text, 0.45),
            "grid": mix(base, text, 0.16),
            "weekend": mix(base, text, 0.06) if dark else QColor(NON_WORKING_FILL),
            "holiday": mix(base, QColor("#c9a227"), 0.18) if dark else QColor(HOLIDAY_FILL),
            "blackout": mix(base, QColor("#c0392b"), 0.18) if dark else QColor(BLACKOUT_FILL),
            "note": mix(text, QColor("#a0522d"), 0.6),
            "selection": QColor(SELECTION_COLOR),
            "today": QColor(TODAY_COLOR),
        }

    def invalidate(self) -> None:
        """Forget the layout (data, filter, period or size changed) and repaint."""
        self._cells = None
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt's name
        self._cells = None
        super().resizeEvent(event)

    # -- chips --------------------------------------------------------------------

    def paint_chip(
        self, painter: QPainter, rect: QRect, occ: Occurrence, colors: dict[str, QColor]
    ) -> None:
        team = self.state.color(occ.owner)
        selected = occ.uid == self.state.selected_uid
        r = QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(team if selected else chip_fill(team))
        painter.drawRoundedRect(r, 3, 3)
        if occ.kind == "request":
            pen = QPen(team, 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(r, 3, 3)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(team)
            painter.drawRoundedRect(QRectF(r.left(), r.top(), 3.5, r.height()), 1.5, 1.5)
        painter.setPen(QColor("white") if selected else colors["text"])
        painter.setFont(self.chip_font)
        text = chip_text(self.state.plan, occ)
        if occ.time is not None and rect.width() >= 130:
            # In narrow cells the name matters more than the time (tooltip, details).
            text = f"{occ.time:%H:%M} {text}"
        inner = rect.adjusted(7, 0, -3, 0)
        elided = QFontMetrics(self.chip_font).elidedText(
            text, Qt.TextElideMode.ElideRight, inner.width()
        )
        painter.drawText(inner, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)

    def shade_day(
        self, painter: QPainter, rect: QRect, d: date, colors: dict[str, QColor], dim: bool
    ) -> tuple[str, str | None]:
        kind, name = self.state.day_note(d)
        fill = colors["base"] if kind == "working" else colors[kind]
        if dim:
            fill = mix(fill, colors["grid"], 0.25)
        painter.fillRect(rect, fill)
        if kind == "blackout":
            hatch = QColor(colors["blackout"]).darker(112)
            painter.fillRect(rect, QBrush(hatch, Qt.BrushStyle.BDiagPattern))
        return kind, name

    # -- hit testing -------------------------------------------------------------

    def cells(self) -> list[_Cell]:
        if self._cells is None:
            self._cells = self.layout_cells()
        return self._cells

    def layout_cells(self) -> list[_Cell]:  # pragma: no cover - abstract
        raise NotImplementedError

    def occurrence_at(self, pos: QPoint) -> Occurrence | None:
        for cell in self.cells():
            if cell.rect.contains(pos):
                for rect, occ in cell.chips:
                    if rect.contains(pos):
                        return occ
        return None

    def cell_at(self, pos: QPoint) -> _Cell | None:
        for cell in self.cells():
            if cell.rect.contains(pos):
                return cell
        return None

    def chip_rect(self, uid: str) -> QRect | None:
        for cell in self.cells():
            for rect, occ in cell.chips:
                if occ.uid == uid:
                    return rect
        return None

    def more_rect(self, day: date) -> QRect | None:
        for cell in self.cells():
            if cell.day == day:
                return cell.more_rect
        return None

    def hidden_count(self, day: date) -> int:
        """How many of the day's entries hide behind "+N more"."""
        for cell in self.cells():
            if cell.day == day:
                return cell.hidden
        return 0

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position().toPoint()
        cell = self.cell_at(pos)
        if cell is None:
            return super().mousePressEvent(event)
        if cell.more_rect is not None and cell.more_rect.contains(pos):
            self.sig_day_clicked.emit(cell.day)
            self.sig_more_clicked.emit(cell.day, self.mapToGlobal(cell.more_rect.bottomLeft()))
            return None
        self.sig_day_clicked.emit(cell.day)
        occ = self.occurrence_at(pos)
        if occ is not None:
            self.sig_occurrence_clicked.emit(occ)
        return None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        cell = self.cell_at(event.position().toPoint())
        if cell is not None and self.occurrence_at(event.position().toPoint()) is None:
            self.sig_day_double_clicked.emit(cell.day)
            return
        super().mouseDoubleClickEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            text = self.tooltip_at(help_event.pos())
            if text:
                QToolTip.showText(help_event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def tooltip_at(self, pos: QPoint) -> str | None:
        occ = self.occurrence_at(pos)
        if occ is not None:
            return occurrence_tooltip(self.state.plan, occ)
        cell = self.cell_at(pos)
        if cell is None:
            return None
        if cell.more_rect is not None and cell.more_rect.contains(pos):
            return f"{cell.hidden} more on {cell.day:%a %d %b}: click to see all"
        kind, name = self.state.day_note(cell.day)
        if kind == "working":
            return None
        label = {"weekend": "Not a working day", "holiday": "Holiday", "blackout": "Blackout"}
        return f"{cell.day:%a %d %b %Y}: {label[kind]}" + (f" — {name}" if name else "")


class MonthGrid(_Canvas):
    """Six weeks × seven days; ISO week numbers on the left; chips and "+N more"."""

    HEADER = 24
    WEEK_COLUMN = 34

    def __init__(self, state: CalendarState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.month: date = state.selected_day.replace(day=1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(480, 360)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # Expanding takes the room there is. The calendar tab's scroll area asks for
        # the preferred height (the legend wraps): 640 scrolled the grid at 768 px.
        return QSize(900, 360)

    def set_month(self, month: date) -> None:
        month = month.replace(day=1)
        if month != self.month:
            self.month = month
            self.invalidate()

    @property
    def first_day(self) -> date:
        return month_grid_first(self.month)

    def layout_cells(self) -> list[_Cell]:
        w, h = self.width(), self.height()
        edges = self.state.column_edges(self.WEEK_COLUMN, w - self.WEEK_COLUMN)
        row_h = (h - self.HEADER) / 6
        ch = self.chip_height
        day_header = self.header_metrics.height() + 3
        cells = []
        first = self.first_day
        for i in range(42):
            d = first + timedelta(days=i)
            row, col = divmod(i, 7)
            x0, x1 = edges[col], edges[col + 1]
            y0 = round(self.HEADER + row * row_h)
            y1 = round(self.HEADER + (row + 1) * row_h)
            rect = QRect(x0, y0, x1 - x0, y1 - y0)
            entries = self.state.index.day(d)
            cell = _Cell(d, rect, entries)
            room = max(0, (rect.height() - day_header - 2) // (ch + 1))
            shown = len(entries) if len(entries) <= room else max(0, room - 1)
            y = y0 + day_header
            for occ in entries[:shown]:
                cell.chips.append((QRect(x0 + 3, y, rect.width() - 6, ch), occ))
                y += ch + 1
            if shown < len(entries):
                cell.hidden = len(entries) - shown
                cell.more_rect = QRect(x0 + 3, y, rect.width() - 6, ch)
            cells.append(cell)
        return cells

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        import time as _time

        started = _time.perf_counter()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colors = self.palette_colors()
        exposed = event.rect()
        painter.fillRect(exposed, colors["base"])
        # weekday header
        painter.setFont(self.small_font)
        painter.setPen(colors["dim"])
        edges = self.state.column_edges(self.WEEK_COLUMN, self.width() - self.WEEK_COLUMN)
        for col, name in enumerate(WEEKDAY_NAMES):
            r = QRect(edges[col], 0, edges[col + 1] - edges[col], self.HEADER)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, name.upper())
        cells = self.cells()
        for cell in cells:
            if not cell.rect.intersects(exposed):
                continue
            self._paint_cell(painter, cell, colors)
        # ISO week numbers
        painter.setFont(self.small_font)
        painter.setPen(colors["dim"])
        for row in range(6):
            cell = cells[row * 7]
            r = QRect(0, cell.rect.top(), self.WEEK_COLUMN, 22)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, f"W{cell.day.isocalendar()[1]:02d}")
        # grid lines
        painter.setPen(QPen(colors["grid"], 1))
        for cell in cells:
            painter.drawLine(cell.rect.topRight(), cell.rect.bottomRight())
            painter.drawLine(cell.rect.bottomLeft(), cell.rect.bottomRight())
        painter.drawLine(self.WEEK_COLUMN, self.HEADER, self.width(), self.HEADER)
        painter.drawLine(self.WEEK_COLUMN, self.HEADER, self.WEEK_COLUMN, self.height())
        # selected day on top of the grid lines
        for cell in cells:
            if cell.day == self.state.selected_day:
                pen = QPen(colors["selection"], 2 if self.hasFocus() else 1.5)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(cell.rect.adjusted(1, 1, -1, -1))
        painter.end()
        self.last_paint_ms = (_time.perf_counter() - started) * 1000

    def _paint_cell(self, painter: QPainter, cell: _Cell, colors: dict[str, QColor]) -> None:
        d = cell.day
        in_month = d.month == self.month.month
        kind, name = self.shade_day(painter, cell.rect, d, colors, dim=not in_month)
        # day number (today: a red disc)
        label = f"{d.day} {d:%b}" if d.day == 1 else str(d.day)
        painter.setFont(self.bold_font)
        fm = self.header_metrics
        num_w = fm.horizontalAdvance(label) + 8
        num_rect = QRect(cell.rect.left() + 3, cell.rect.top() + 2, num_w, fm.height())
        if d == self.state.today:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colors["today"])
            painter.drawRoundedRect(QRectF(num_rect), fm.height() / 2, fm.height() / 2)
            painter.setPen(QColor("white"))
        else:
            painter.setPen(colors["text"] if in_month else colors["dim"])
        painter.drawText(num_rect, Qt.AlignmentFlag.AlignCenter, label)
        if name:
            painter.setFont(self.small_font)
            painter.setPen(colors["note"])
            note_rect = QRect(
                num_rect.right() + 4,
                num_rect.top(),
                cell.rect.right() - num_rect.right() - 8,
                fm.height(),
            )
            text = QFontMetrics(self.small_font).elidedText(
                name, Qt.TextElideMode.ElideRight, note_rect.width()
            )
            painter.drawText(
                note_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text
            )
        if not in_month:
            painter.setOpacity(0.55)
        for rect, occ in cell.chips:
            self.paint_chip(painter, rect, occ, colors)
        painter.setOpacity(1.0)
        if cell.more_rect is not None:
            painter.setFont(self.chip_font)
            painter.setPen(colors["selection"])
            painter.drawText(
                cell.more_rect.adjusted(6, 0, 0, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"+{cell.hidden} more",
            )


class WeekHeader(_Canvas):
    """The seven day headers above the week body: names, dates, holidays, today."""

    def __init__(self, state: CalendarState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.monday = week_monday(state.selected_day)
        self.left_margin = 0
        self.setFixedHeight(self.header_metrics.height() * 2 + 12)

    def set_week(self, monday: date) -> None:
        self.monday = monday
        self.invalidate()

    def layout_cells(self) -> list[_Cell]:
        edges = self.state.column_edges(self.left_margin, self.width() - self.left_margin)
        cells = []
        for i in range(7):
            d = self.monday + timedelta(days=i)
            x0, x1 = edges[i], edges[i + 1]
            cells.append(_Cell(d, QRect(x0, 0, x1 - x0, self.height()), []))
        return cells

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colors = self.palette_colors()
        painter.fillRect(event.rect(), colors["base"])
        fm = self.header_metrics
        for cell in self.cells():
            d = cell.day
            kind, name = self.shade_day(painter, cell.rect, d, colors, dim=False)
            top = QRect(cell.rect.left() + 6, 4, cell.rect.width() - 12, fm.height())
            label = f"{d:%a} {d.day} {d:%b}"
            painter.setFont(self.bold_font)
            if d == self.state.today:
                w = fm.horizontalAdvance(label) + 12
                pill = QRect(top.left() - 4, top.top(), w, top.height())
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colors["today"])
                painter.drawRoundedRect(QRectF(pill), fm.height() / 2, fm.height() / 2)
                painter.setPen(QColor("white"))
                painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
            else:
                painter.setPen(colors["text"])
                painter.drawText(
                    top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label
                )
            count = len(self.state.index.day(d))
            sub = name or ("" if kind == "working" else "not a working day")
            sub_text = f"{count} entr{'y' if count == 1 else 'ies'}" + (f" · {sub}" if sub else "")
            painter.setFont(self.small_font)
            painter.setPen(colors["note"] if name else colors["dim"])
            sub_rect = QRect(top.left(), top.bottom() + 3, top.width(), fm.height())
            painter.drawText(
                sub_rect,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                QFontMetrics(self.small_font).elidedText(
                    sub_text, Qt.TextElideMode.ElideRight, sub_rect.width()
                ),
            )
            painter.setPen(QPen(colors["grid"], 1))
            painter.drawLine(cell.rect.topRight(), cell.rect.bottomRight())
            if d == self.state.selected_day:
                painter.setPen(QPen(colors["selection"], 2))
                painter.drawLine(
                    cell.rect.bottomLeft() + QPoint(1, -1), cell.rect.bottomRight() + QPoint(-1, -1)
                )
        painter.setPen(QPen(colors["grid"], 1))
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        painter.end()


class WeekBody(_Canvas):
    """The seven columns of a week, every entry listed (the widget grows; a scroll area
    shows part of it and only the exposed chips are painted)."""

    def __init__(self, state: CalendarState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.monday = week_monday(state.selected_day)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def set_week(self, monday: date) -> None:
        self.monday = monday
        self.invalidate()

    def invalidate(self) -> None:
        most = max(len(self.state.index.day(self.monday + timedelta(days=i))) for i in range(7))
        self.setMinimumHeight(max(200, 8 + most * (self.chip_height + 3)))
        super().invalidate()

    def layout_cells(self) -> list[_Cell]:
        edges = self.state.column_edges(0, self.width())
        ch = self.chip_height
        cells = []
        for i in range(7):
            d = self.monday + timedelta(days=i)
            x0, x1 = edges[i], edges[i + 1]
            cell = _Cell(d, QRect(x0, 0, x1 - x0, self.height()), self.state.index.day(d))
            y = 6
            for occ in cell.entries:
                cell.chips.append((QRect(x0 + 4, y, x1 - x0 - 8, ch), occ))
                y += ch + 3
            cells.append(cell)
        return cells

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        import time as _time

        started = _time.perf_counter()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colors = self.palette_colors()
        exposed = event.rect()
        for cell in self.cells():
            if not cell.rect.intersects(exposed):
                continue
            self.shade_day(painter, cell.rect.intersected(exposed), cell.day, colors, dim=False)
            for rect, occ in cell.chips:
                if rect.bottom() < exposed.top():
                    continue
                if rect.top() > exposed.bottom():
                    break
                self.paint_chip(painter, rect, occ, colors)
            painter.setPen(QPen(colors["grid"], 1))
            painter.drawLine(cell.rect.topRight(), cell.rect.bottomRight())
        painter.end()
        self.last_paint_ms = (_time.perf_counter() - started) * 1000


__all__ = ["CalendarState", "MonthGrid", "WeekBody", "WeekHeader", "mix", "time_text"]
