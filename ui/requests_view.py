"""Ad-hoc collateral requests: the form with a live answer, the queue, the studio's load.

``RequestsView(controller)``:

* the request form (product, stage, title, requested by, requested on, needed
  by, production days) answers live on every change with the studio's slot
  finder (:func:`cadence.requests.propose`): "Fits: production Wed 3 Mar → Fri 5
  Mar, 3 working days to spare", or late with the options; Submit adds the
  request through ``controller.apply`` (one undoable edit);
* the queue table (status, requester, product/stage, needed by, start,
  delivery, slack) with the workflow actions; moves the workflow does not allow
  are disabled and, if asked for anyway, refused with the allowed ones named;
  Edit loads a submitted request into the form (Save changes), Delete removes
  it (both undoable); marking a request delivered before its production starts
  asks first;
* a plan without a studio shows, above the form, who could produce collateral
  and sets the studio up in one click (also in Plan ▸ Plan settings ▸ Studio);
* the studio load strip: booked production days against the daily capacity,
  with the draft's days shown where it would land.

Preview: ``python -m ui.requests_view demo [out.png]``.
"""

from __future__ import annotations

import html
from dataclasses import replace as _replace
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPaintEvent, QPalette, QPen, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from cadence.calendar import working_days
from cadence.content import reuse_offer
from cadence.model import REQUEST_STATUSES, Plan, Request, Studio
from cadence.request_ops import delete_request, edit_request
from cadence.requests import (
    DraftInvalid,
    Proposal,
    RequestError,
    RequestsPlan,
    StudioDay,
    add_request,
    allowed_moves,
    move_status,
    plan_requests,
    propose,
    studio_calendar,
)
from ui._cal_common import OVER_CAPACITY_COLOR, chip_fill, swatch_icon, team_color, team_name
from ui.widgets import WrapRow, row_group

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

STATUS_LABELS: dict[str, str] = {
    "requested": "Requested",
    "scheduled": "Scheduled",
    "in_production": "In production",
    "delivered": "Delivered",
    "declined": "Declined",
}
STATUS_COLORS: dict[str, str] = {
    "requested": "#7a8594",
    "scheduled": "#2f6fde",
    "in_production": "#d9822b",
    "delivered": "#27ae60",
    "declined": "#a0a7b1",
}
#: the workflow buttons: target status → button text
ACTIONS: dict[str, str] = {
    "scheduled": "Schedule",
    "in_production": "Start production",
    "delivered": "Mark delivered",
    "declined": "Decline…",
}
#: the form's words for the fields a draft's errors name
FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "product": "Product",
    "stage": "Stage",
    "requested_by": "Requested by",
    "requested_on": "Requested on",
    "needed_by": "Needed by",
    "production_days": "Production",
}
NO_STUDIO_TEXT = (
    "Nobody produces collateral in this plan yet: choose the producing team above "
    "(or in Plan ▸ Plan settings ▸ Studio)."
)
FRESH_TEXT = "Fill in the form for a new request: the answer appears here as you type."
FITS_COLOR = "#1e8449"
LATE_COLOR = "#c0392b"


def field_error_text(path: str, message: str) -> str:
    """A draft error in the form's words: "Needed by: must not be before …"."""
    if path == "studio":
        return NO_STUDIO_TEXT
    message = message.replace("must be an integer ≥ 1", "must be at least 1")
    return f"{FIELD_LABELS.get(path, path.replace('_', ' '))}: {message}"


def ask_early_delivery(parent: QWidget | None, title: str, start: date) -> bool:
    """Ask before marking delivered a request whose production has not started."""
    answer = QMessageBox.question(
        parent,
        "Mark delivered",
        f"Production of “{title}” is planned to start on {start:%a %d %b %Y}, "
        "which has not come yet. Mark it delivered anyway?",
    )
    return answer == QMessageBox.StandardButton.Yes


def day_text(d: date) -> str:
    """ "Wed 3 Mar" (the year only when it matters is the caller's business)."""
    return f"{d:%a} {d.day} {d:%b}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def answer_text(plan: Plan, proposal: Proposal) -> str:
    """The live answer as rich text: fits (with slack) or late (with the options)."""
    slot = proposal.slot
    draft = proposal.draft
    product = plan.product(draft.product)
    stage = product.stage(draft.stage) if product is not None else None
    production = f"production {day_text(slot.start)} → {day_text(slot.delivery)}"
    if slot.start == slot.delivery:
        production = f"production on {day_text(slot.start)}"
    lines = []
    if slot.fits:
        spare = slot.slack_days or 0
        spare_text = (
            f"{_plural(spare, 'working day')} to spare" if spare else "delivered on the deadline"
        )
        lines.append(
            f"<span style='color:{FITS_COLOR}'><b>Fits:</b></span> {production}, {spare_text}"
        )
    else:
        late = slot.days_late or 0
        lines.append(
            f"<span style='color:{LATE_COLOR}'><b>Late by {_plural(late, 'working day')}:</b>"
            f"</span> {production} (needed by {day_text(draft.needed_by)})"
        )
        options = []
        most = slot.max_days_for_deadline
        if most:
            options.append(
                f"cut it to {_plural(most, 'production day')} to deliver by "
                f"{day_text(draft.needed_by)}"
            )
        else:
            options.append(
                f"no production day is free between {day_text(slot.earliest)} and "
                f"{day_text(draft.needed_by)}"
            )
        options.append(
            f"or move the deadline to {day_text(slot.earliest_needed_by)} "
            f"(the earliest the queue allows)"
        )
        options += [f"or {html.escape(reuse_offer(a))}" for a in proposal.reuse]
        lines.append("Options: " + "; ".join(options) + ".")
    if stage is not None and product is not None:
        n = slot.cohorts_in_stage
        where = (
            f"{html.escape(product.name)} {'is' if n <= 1 else 'are'} in {html.escape(stage.name)}"
        )
        lines.append(
            f"No cohort of {where} during production: check the piece is needed then."
            if n == 0
            else f"{_plural(n, 'cohort')} of {where} during production."
        )
    if proposal.displaced:
        names = ", ".join(
            html.escape(q.title if (q := plan.request(i)) else i) for i in proposal.displaced
        )
        lines.append(
            f"<span style='color:{LATE_COLOR}'>⚠ It would make {names} late "
            "(earlier deadline goes first).</span>"
        )
    return "<br/>".join(lines)


# --- the queue ------------------------------------------------------------------------------

QUEUE_COLUMNS = (
    "Status",
    "Title",
    "Requested by",
    "Product · stage",
    "Needed by",
    "Production (start → delivery)",
    "Slack",
)
#: the starting width (px) of the queue's Title column
TITLE_COLUMN_WIDTH = 180
#: label + field pairs side by side in the request form (fewer in a narrow window)
FORM_COLUMNS = 3
#: the form's fields in reading order, for each number of pairs side by side (with two,
#: the long labels share the first column: the form fits a 1024-px window)
FORM_ORDER = {
    3: (1, 2, 3, 4, 5, 6),  # product, stage, requested by / on, needed by, production
    2: (1, 2, 3, 6, 4, 5),  # product, stage / requested by, production / on, needed by
    1: (1, 2, 3, 4, 5, 6),
}
#: grid rows the title and the pairs may take (the title and six rows of one)
FORM_ROWS = 7
#: Qt.ItemDataRole.UserRole: the Request of a row
REQUEST_ROLE = Qt.ItemDataRole.UserRole


class RequestQueueModel(QAbstractTableModel):
    """The plan's requests (plan order) with their computed slots."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._plan: Plan | None = None
        self._requests: tuple[Request, ...] = ()
        self._queue: RequestsPlan | None = None

    def reset(self, plan: Plan) -> None:
        self.beginResetModel()
        self._plan = plan
        self._requests = plan.requests
        try:
            self._queue = plan_requests(plan)
        except RequestError:  # no studio: the queue has no slots
            self._queue = None
        self.endResetModel()

    @property
    def queue(self) -> RequestsPlan | None:
        return self._queue

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self._requests)

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(QUEUE_COLUMNS)

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QUEUE_COLUMNS[section]
        return None

    def request(self, row: int) -> Request | None:
        return self._requests[row] if 0 <= row < len(self._requests) else None

    def row_of(self, request_id: str) -> int:
        for row, q in enumerate(self._requests):
            if q.id == request_id:
                return row
        return -1

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._plan is None:
            return None
        q = self._requests[index.row()]
        plan, col = self._plan, index.column()
        slot = self._queue.slot(q.id) if self._queue is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return STATUS_LABELS.get(q.status, q.status)
            if col == 1:
                return q.title
            if col == 2:
                return team_name(plan, q.requested_by)
            if col == 3:
                product = plan.product(q.product)
                stage = product.stage(q.stage) if product is not None else None
                return (
                    f"{product.name if product else q.product} · {stage.name if stage else q.stage}"
                )
            if col == 4:
                return day_text(q.needed_by)
            if slot is None:
                return "—"
            if col == 5:
                if slot.start == slot.delivery:
                    return day_text(slot.start)
                return f"{day_text(slot.start)} → {day_text(slot.delivery)}"
            if col == 6:
                if slot.fits:
                    return f"+{slot.slack_days}"
                return f"{slot.days_late} late"
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 0:
                return QColor(STATUS_COLORS.get(q.status, "#7a8594"))
            if col == 6 and slot is not None:
                return QColor(FITS_COLOR if slot.fits else LATE_COLOR)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            if col == 0:
                font.setBold(True)
            if q.status == "declined":
                font.setStrikeOut(col != 0)
            return font
        if role == Qt.ItemDataRole.DecorationRole and col == 2:
            return swatch_icon(team_color(plan, q.requested_by))
        if role == Qt.ItemDataRole.BackgroundRole and col == 0:
            return chip_fill(QColor(STATUS_COLORS.get(q.status, "#7a8594")))
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                q.title,
                f"Requested {day_text(q.requested_on)} by {team_name(plan, q.requested_by)}",
            ]
            if q.production_days:
                lines.append(f"{_plural(q.production_days, 'production day')}")
            if slot is not None:
                lines.append(
                    f"Production {day_text(slot.start)} → {day_text(slot.delivery)}"
                    + (" (booked)" if slot.fixed else " (proposed by the slot finder)")
                )
            moves = allowed_moves(q.status)
            lines.append(
                "Next: " + ", ".join(STATUS_LABELS[m] for m in moves) if moves else "Final status"
            )
            if q.note:
                lines.append(f"Note: {q.note}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == REQUEST_ROLE:
            return q
        return None


# --- the studio load strip -----------------------------------------------------------------


#: what the studio strip's marks mean
STUDIO_LEGEND = "■ booked   ▨ this request   ┄ capacity   │ needed by   red: over capacity"


class StudioLoadStrip(QWidget):
    """The studio's working days: booked requests against capacity; the draft hatched."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(92)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.days: list[date] = []
        self.load: dict[date, StudioDay] = {}
        self.draft_days: set[date] = set()
        self.draft_id: str | None = None
        self.capacity = 1
        self.color = QColor("#2b7bb9")
        self.needed_by: date | None = None
        self.titles: dict[str, str] = {}
        self.today: date | None = None

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(800, 92)

    def set_data(
        self,
        plan: Plan,
        queue: RequestsPlan | None,
        proposal: Proposal | None,
        around: date,
        today: date | None = None,
    ) -> None:
        """Show the working days around ``around`` (and every booked day near it)."""
        self.today = today
        if queue is None or plan.studio is None:
            self.days, self.load = [], {}
            self.update()
            return
        studio = plan.studio
        self.capacity = studio.capacity_per_day
        self.color = team_color(plan, studio.team)
        self.load = {d.date: d for d in queue.load}
        self.titles = {q.id: q.title for q in plan.requests}
        self.draft_days, self.draft_id, self.needed_by = set(), None, None
        if proposal is not None:
            self.draft_days = set(proposal.slot.days)
            self.draft_id = proposal.draft.id
            self.titles[proposal.draft.id] = proposal.draft.title or "this request"
            self.needed_by = proposal.draft.needed_by
        # Six weeks of working days from a week before the point of interest.
        first = around - timedelta(days=7)
        last = around + timedelta(days=35)
        if proposal is not None:
            last = max(last, proposal.slot.delivery + timedelta(days=3), proposal.draft.needed_by)
        wd = working_days(studio_calendar(plan), min(first, plan.start), max(last, plan.end))
        self.days = wd.working_days(first, last)
        self.update()

    def booked(self, d: date) -> int:
        day = self.load.get(d)
        return day.booked if day is not None else 0

    def _cell(self, i: int) -> QRect:
        n = max(1, len(self.days))
        left, right = 4, self.width() - 4
        w = (right - left) / n
        return QRect(round(left + i * w), 18, max(2, round(w) - 2), self.height() - 40)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        base = pal.color(QPalette.ColorRole.Base)
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Window))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1.5))
        painter.setFont(small)
        painter.setPen(muted)
        title = (
            f"Studio load · {self.capacity} request{'s' if self.capacity != 1 else ''} "
            "a working day"
        )
        painter.drawText(
            QRect(4, 0, self.width() - 8, 16),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            title,
        )
        # The legend takes what the title leaves (elided in a narrow window; in full in
        # the tooltip).
        metrics = painter.fontMetrics()
        room = self.width() - 8 - metrics.horizontalAdvance(title) - 16
        painter.drawText(
            QRect(4, 0, self.width() - 8, 16),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(STUDIO_LEGEND, Qt.TextElideMode.ElideRight, max(0, room)),
        )
        if not self.days:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No studio in this plan")
            painter.end()
            return
        cap = max(1, self.capacity)
        # Headroom above the capacity line so it stays visible over full days.
        top = max([cap * 1.25] + [self.booked(d) + 0.25 for d in self.days])
        month = None
        for i, d in enumerate(self.days):
            rect = self._cell(i)
            painter.fillRect(rect, base)
            booked = self.booked(d)
            others = booked - (1 if d in self.draft_days else 0)
            unit = rect.height() / top
            over = booked > cap
            # booked requests of the queue
            if others > 0:
                h = round(unit * others)
                fill = QColor(OVER_CAPACITY_COLOR) if over else self.color
                painter.fillRect(QRect(rect.left(), rect.bottom() - h + 1, rect.width(), h), fill)
            # the draft: hatched on top
            if d in self.draft_days:
                h = round(unit)
                y = rect.bottom() - round(unit * booked) + 1
                r = QRect(rect.left(), y, rect.width(), h)
                draft_color = QColor(OVER_CAPACITY_COLOR) if over else self.color
                painter.fillRect(r, chip_fill(draft_color))
                painter.fillRect(r, QBrush(draft_color, Qt.BrushStyle.BDiagPattern))
                painter.setPen(QPen(draft_color, 1))
                painter.drawRect(r.adjusted(0, 0, -1, -1))
            # capacity line
            y = rect.bottom() - round(unit * cap) + 1
            painter.setPen(QPen(muted, 1, Qt.PenStyle.DashLine))
            painter.drawLine(rect.left(), y, rect.right(), y)
            if self.needed_by == d:
                painter.setPen(QPen(QColor(OVER_CAPACITY_COLOR), 2))
                painter.drawLine(
                    rect.right() + 1, rect.top() - 2, rect.right() + 1, rect.bottom() + 2
                )
            if self.today == d:
                painter.setPen(QPen(text, 1))
                painter.drawRect(rect.adjusted(0, 0, -1, -1))
            # labels: day of month, month name at the first day shown of a month
            painter.setPen(text if d.month != (month or 0) else muted)
            label = f"{d.day} {d:%b}" if d.month != month else str(d.day)
            if rect.width() >= 18 or d.month != month or d.weekday() == 0:
                painter.drawText(
                    QRect(rect.left() - 6, rect.bottom() + 2, rect.width() + 12, 16),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    label,
                )
            month = d.month
        painter.end()

    def day_at(self, x: float) -> date | None:
        for i, d in enumerate(self.days):
            r = self._cell(i)
            if r.left() <= x <= r.right() + 2:
                return d
        return None

    def mouseMoveEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if event.position().y() < 16:  # the title line: the legend in full
            QToolTip.showText(event.globalPosition().toPoint(), STUDIO_LEGEND, self)
            return
        d = self.day_at(event.position().x())
        if d is None:
            QToolTip.hideText()
            return
        ids = list(self.load[d].requests) if d in self.load else []
        lines = [f"{d:%a %d %b %Y}: {len(ids)} of {self.capacity} booked"]
        for i in ids:
            mark = " (this request)" if i == self.draft_id else ""
            lines.append(f"• {self.titles.get(i, i)}{mark}")
        QToolTip.showText(event.globalPosition().toPoint(), "\n".join(lines), self)


# --- the view -----------------------------------------------------------------------------------


class RequestsView(QWidget):
    """The request form with its live answer, the queue with the workflow, the studio strip."""

    #: the Proposal (or None when the draft cannot be answered) after every form change
    sig_answer_changed = Signal(object)

    def __init__(
        self, controller: Any, parent: QWidget | None = None, *, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        # The UI may read the clock; the slot finder only gets dates.
        self.today = today or date.today()
        self.proposal: Proposal | None = None
        self.errors: tuple[str, ...] = ()
        self.model = RequestQueueModel(self)
        self._filling = False
        # After Submit and on another document: no answer until the user fills the form in.
        self._fresh = False
        #: the id of the submitted request the form is editing (None: a new request)
        self.editing: str | None = None
        self._shown_plan: Plan = controller.plan
        self._plan_stale = False  # the plan changed while the view was hidden
        self._build_ui()
        self._fill_form_choices()
        self._update_studio_setup()
        self.model.reset(controller.plan)
        self._update_counts()
        self._update_actions()
        self.update_answer()
        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_navigate.connect(self._on_navigate)
        controller.sig_document_changed.connect(self._on_document_changed)

    # -- building ----------------------------------------------------------------------------

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.setSpacing(8)
        # The form across the top (fields in three columns, the answer below them), the
        # queue under it at full width (it has many columns), the studio strip at the bottom.
        splitter = QSplitter(Qt.Orientation.Vertical)
        self._build_studio_setup(outer)

        form_box = QGroupBox("New request")
        self.form_box = form_box
        grid = QGridLayout(form_box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.product_combo = QComboBox()
        self.stage_combo = QComboBox()
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("e.g. ROI sheet for the Globex deal")
        self.requester_combo = QComboBox()
        for combo in (self.product_combo, self.stage_combo, self.requester_combo):
            # As narrow as a short name: long ones elide in a narrow window.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)
        self.requested_on = QDateEdit()
        self.needed_by = QDateEdit()
        for edit in (self.requested_on, self.needed_by):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
        self.days_spin = QSpinBox()
        self.days_spin.setRange(1, 60)
        self.days_spin.setValue(3)
        self.days_spin.setSuffix(" working days")

        def label(text: str, buddy: QWidget) -> QLabel:
            widget = QLabel(text)
            widget.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setBuddy(buddy)
            buddy.setAccessibleName(text.rstrip(":"))
            return widget

        self._form_grid = grid
        self._form_pairs = [
            (label(text, widget), widget)
            for text, widget in (
                ("Title:", self.title_edit),
                ("Product:", self.product_combo),
                ("Stage:", self.stage_combo),
                ("Requested by:", self.requester_combo),
                ("Requested on:", self.requested_on),
                ("Needed by:", self.needed_by),
                ("Production:", self.days_spin),
            )
        ]
        self._form_columns = 0
        self.answer = QLabel()
        self.answer.setObjectName("requestAnswer")
        self.answer.setWordWrap(True)
        self.answer.setTextFormat(Qt.TextFormat.RichText)
        # Room for four lines (fits/late, options, cohorts, displaced) above Submit.
        self.answer.setMinimumHeight(self.fontMetrics().lineSpacing() * 4 + 2 * 8 + 6)
        self.answer.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.answer.setFrameShape(QFrame.Shape.StyledPanel)
        self.answer.setMargin(8)
        self.answer.setAccessibleName("Answer")
        submit_row = QHBoxLayout()
        self._submit_row = submit_row
        self.submit_button = QPushButton("Submit request")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.submit)
        self.cancel_edit_button = QPushButton("Cancel editing")
        self.cancel_edit_button.clicked.connect(self.cancel_edit)
        self.cancel_edit_button.hide()
        self.form_status = QLabel()
        self.form_status.setWordWrap(True)
        submit_row.addWidget(self.submit_button)
        submit_row.addWidget(self.cancel_edit_button)
        submit_row.addWidget(self.form_status, 1)
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        self.rules.setEnabled(False)  # muted text
        self.rules.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._form_below = (self.answer, self.rules)
        self._arrange_form(FORM_COLUMNS)
        splitter.addWidget(form_box)

        queue_box = QGroupBox("Queue")
        queue_layout = QVBoxLayout(queue_box)
        self.counts = QLabel()
        queue_layout.addWidget(self.counts)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The title keeps a readable width (elided, full text in the tooltip) and takes
        # what is left; a narrow window scrolls the table sideways instead of squeezing it.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, TITLE_COLUMN_WIDTH)
        self.table.setColumnWidth(2, 140)
        self.table.setColumnWidth(3, 180)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_actions())
        queue_layout.addWidget(self.table, 1)
        # Three rows stay in view in a short window (the tab scrolls instead).
        rows = self.table.verticalHeader().defaultSectionSize()
        header_height = self.table.horizontalHeader().sizeHint().height()
        scroll_bar = self.table.horizontalScrollBar().sizeHint().height()
        self.table.setMinimumHeight(header_height + 3 * rows + scroll_bar + 4)
        self.action_buttons: dict[str, QPushButton] = {}
        for status, title in ACTIONS.items():  # not "label": that is the helper above
            button = QPushButton(title)
            button.clicked.connect(lambda _=False, s=status: self.move_selected(s))
            self.action_buttons[status] = button
        self.edit_button = QPushButton("Edit")
        self.edit_button.setToolTip("Load the selected request into the form to change it")
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Remove the selected request from the plan (Edit ▸ Undo)")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.library_button = QPushButton("Add to library…")
        self.library_button.setAccessibleName("Add to content library")
        self.library_button.setToolTip(
            "Make the delivered piece an asset of the content library (Content tab): "
            "title, product, stage, owner and ready date filled in"
        )
        self.library_button.clicked.connect(lambda: self.add_to_library())
        # Wraps onto a second line in a narrow window rather than widen the tab.
        actions = WrapRow(right=True)
        actions.addWidget(row_group(*self.action_buttons.values(), grows=True))
        actions.addWidget(row_group(self.library_button, self.edit_button, self.delete_button))
        queue_layout.addLayout(actions)
        self.queue_status = QLabel()
        self.queue_status.setWordWrap(True)
        queue_layout.addWidget(self.queue_status)
        splitter.addWidget(queue_box)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        outer.addWidget(splitter, 1)

        self.strip = StudioLoadStrip()
        outer.addWidget(self.strip)

        self.product_combo.currentIndexChanged.connect(self._on_product)
        for combo in (self.stage_combo, self.requester_combo):
            combo.currentIndexChanged.connect(self._on_field_edited)
        self.title_edit.textChanged.connect(self._on_field_edited)
        self.requested_on.dateChanged.connect(self._on_field_edited)
        self.needed_by.dateChanged.connect(self._on_field_edited)
        self.days_spin.valueChanged.connect(self._on_field_edited)

    def _build_studio_setup(self, outer: QVBoxLayout) -> None:
        """The empty state of a plan without a studio: who produces collateral, in words."""
        box = QGroupBox("Who produces collateral?")
        box.setObjectName("studioSetup")
        layout = QGridLayout(box)
        intro = QLabel(
            "Requests are answered with the days a producing team (the studio) can make "
            "the piece. This plan has no studio yet: choose the team that produces "
            "collateral, how many requests it takes a working day and how many working "
            "days after a request it can start. You can change them later in "
            "Plan ▸ Plan settings ▸ Studio."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro, 0, 0, 1, 7)
        self.studio_team_combo = QComboBox()
        self.studio_capacity_spin = QSpinBox()
        self.studio_capacity_spin.setRange(1, 100)
        self.studio_capacity_spin.setValue(1)
        self.studio_capacity_spin.setSuffix(" a working day")
        self.studio_lead_spin = QSpinBox()
        self.studio_lead_spin.setRange(0, 365)
        self.studio_lead_spin.setValue(2)
        self.studio_lead_spin.setSuffix(" working days")
        for col, (text, widget) in enumerate(
            (
                ("Producing team:", self.studio_team_combo),
                ("Requests:", self.studio_capacity_spin),
                ("Lead time:", self.studio_lead_spin),
            )
        ):
            caption = QLabel(text)
            caption.setBuddy(widget)
            widget.setAccessibleName(text.rstrip(":"))
            layout.addWidget(caption, 1, 2 * col)
            layout.addWidget(widget, 1, 2 * col + 1)
        self.studio_setup_button = QPushButton("Set up the studio")
        self.studio_setup_button.clicked.connect(lambda: self.set_up_studio())
        layout.addWidget(self.studio_setup_button, 1, 6)
        layout.setColumnStretch(1, 1)
        self.studio_setup = box
        outer.addWidget(box)

    def set_up_studio(self) -> str | None:
        """Give the plan the studio the empty state describes (one undoable edit)."""
        plan: Plan = self.controller.plan
        team = self.studio_team_combo.currentData()
        if team is None:
            return self._form_message("⚠ Add a team first (Plan ▸ Teams).")
        studio = Studio(team, self.studio_capacity_spin.value(), self.studio_lead_spin.value())
        error = self.controller.apply(
            _replace(plan, studio=studio), f"Studio: {team_name(plan, team)}"
        )
        if error is not None:
            return self._form_message(f"⚠ {error}")
        self._form_message(f"{team_name(plan, team)} now produces collateral.")
        return None

    def _update_studio_setup(self) -> None:
        plan: Plan = self.controller.plan
        self.studio_setup.setVisible(plan.studio is None)
        if plan.studio is not None:
            return
        current = self.studio_team_combo.currentData()
        self.studio_team_combo.clear()
        for t in plan.teams:
            self.studio_team_combo.addItem(swatch_icon(t.color), t.name, t.id)
        i = self.studio_team_combo.findData(current)
        self.studio_team_combo.setCurrentIndex(max(0, i))
        self.studio_setup_button.setEnabled(bool(plan.teams))

    def _fill_form_choices(self) -> None:
        plan: Plan = self.controller.plan
        self._filling = True
        try:
            product = self.product_combo.currentData()
            requester = self.requester_combo.currentData()
            self.product_combo.clear()
            for p in plan.products:
                self.product_combo.addItem(p.name, p.id)
            self.product_combo.setCurrentIndex(max(0, self.product_combo.findData(product)))
            self.requester_combo.clear()
            studio = plan.studio.team if plan.studio is not None else None
            for t in plan.teams:
                self.requester_combo.addItem(swatch_icon(t.color), t.name, t.id)
            i = self.requester_combo.findData(requester)
            if i < 0:  # sales asks the studio: default to the first team that is not the studio
                i = next((k for k, t in enumerate(plan.teams) if t.id != studio), 0)
            self.requester_combo.setCurrentIndex(i)
            self._fill_stages()
            if not self.requested_on.property("initialised"):
                self._set_default_dates()
        finally:
            self._filling = False

    def first_day(self) -> date:
        """The form's default request date: today within the plan, else the plan's first
        working day (a plan for next year opens on its own first day, not on today)."""
        plan: Plan = self.controller.plan
        if plan.start <= self.today <= plan.end:
            return self.today
        days = working_days(plan.calendar, plan.start, plan.end).working_days(
            plan.start, min(plan.end, plan.start + timedelta(days=31))
        )
        return days[0] if days else plan.start

    def _set_default_dates(self) -> None:
        first = self.first_day()
        self.set_date(self.requested_on, first)
        self.set_date(self.needed_by, first + timedelta(days=14))
        self.requested_on.setProperty("initialised", True)

    def reset_form(self) -> None:
        """Empty the form (after Submit, on another document): no answer until it is filled."""
        self._filling = True
        try:
            self.title_edit.clear()
            self.days_spin.setValue(3)
            self._set_default_dates()
        finally:
            self._filling = False
        self._fresh = True
        self.update_answer()

    def _fill_stages(self) -> None:
        plan: Plan = self.controller.plan
        product = plan.product(self.product_combo.currentData())
        previous = self.stage_combo.currentData()
        self.stage_combo.blockSignals(True)
        self.stage_combo.clear()
        if product is not None:
            for s in product.stages:
                self.stage_combo.addItem(s.name, s.id)
            i = self.stage_combo.findData(previous)
            # Late-cycle pieces are the common case: default to the last stage.
            self.stage_combo.setCurrentIndex(i if i >= 0 else len(product.stages) - 1)
        self.stage_combo.blockSignals(False)

    @staticmethod
    def set_date(edit: QDateEdit, d: date) -> None:
        edit.setDate(QDate(d.year, d.month, d.day))

    # -- the draft and its answer ---------------------------------------------------------------

    def draft(self) -> Request:
        return Request(
            id="",
            title=self.title_edit.text().strip(),
            product=self.product_combo.currentData() or "",
            stage=self.stage_combo.currentData() or "",
            requested_by=self.requester_combo.currentData() or "",
            requested_on=self.requested_on.date().toPython(),  # type: ignore[arg-type]
            needed_by=self.needed_by.date().toPython(),  # type: ignore[arg-type]
            production_days=self.days_spin.value(),
        )

    def fit_title_column(self) -> None:
        """The Title column takes the queue's spare width (at least TITLE_COLUMN_WIDTH)."""
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(header.count()) if c != 1)
        spare = self.table.viewport().width() - others
        self.table.setColumnWidth(1, max(TITLE_COLUMN_WIDTH, spare))

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_form()
        self.fit_title_column()

    def _fit_form(self) -> None:
        """As many pairs side by side as the room allows. The room is the scroll area's
        width (the tab scrolls sideways rather than squeeze them) less what this view
        and the form's box put around the form's grid."""
        holder = self.parentWidget()
        if holder is None:
            return
        layout = self.layout()
        outer = layout.contentsMargins() if layout is not None else QMargins()
        box = self.form_box
        around = outer.left() + outer.right() + box.width() - box.contentsRect().width()
        room = holder.width() - around
        fitting = [n for n in range(FORM_COLUMNS, 1, -1) if self._form_width(n) <= room]
        self._arrange_form(fitting[0] if fitting else 1)
        # As tall as its wrapped lines need at this width (the splitter above it reads
        # only the minimum height, which word-wrapped labels underestimate).
        inner = box.contentsRect()
        frame = box.height() - inner.height()
        needed = self._form_grid.heightForWidth(inner.width())
        if needed > 0 and box.minimumHeight() != needed + frame:
            box.setMinimumHeight(needed + frame)

    def _form_width(self, columns: int) -> int:
        """The width the form's grid needs for ``columns`` pairs side by side."""
        grid = self._form_grid

        def least(widget: QWidget) -> int:  # as the grid sees it (size policy included)
            item = grid.itemAt(grid.indexOf(widget))
            return item.minimumSize().width() if item is not None else 0

        pairs = [self._form_pairs[n] for n in FORM_ORDER[columns]]
        width = 0
        for col in range(columns):
            in_column = pairs[col::columns]
            width += max(least(label) for label, _ in in_column)
            width += max(least(field) for _, field in in_column)
        margins = grid.contentsMargins()
        spacing = grid.horizontalSpacing() * (2 * columns - 1)
        return width + spacing + margins.left() + margins.right()

    def _arrange_form(self, columns: int) -> None:
        """The title on the first row, then the pairs ``columns`` to a row."""
        if columns == self._form_columns:
            return
        self._form_columns = columns
        grid = self._form_grid
        title_label, title = self._form_pairs[0]
        pairs = [self._form_pairs[n] for n in FORM_ORDER[columns]]
        for label, field in self._form_pairs:
            grid.removeWidget(label)
            grid.removeWidget(field)
        grid.addWidget(title_label, 0, 0)
        grid.addWidget(title, 0, 1, 1, 2 * columns - 1)
        for n, (label, field) in enumerate(pairs):
            row, col = divmod(n, columns)
            grid.addWidget(label, 1 + row, 2 * col)
            grid.addWidget(field, 1 + row, 2 * col + 1)
        # The answer, Submit and the rules under the pairs, as wide as they are.
        answer, rules = self._form_below
        for part in (answer, rules):
            grid.removeWidget(part)
        grid.removeItem(self._submit_row)
        grid.addWidget(answer, FORM_ROWS, 0, 1, 2 * columns)
        grid.addLayout(self._submit_row, FORM_ROWS + 1, 0, 1, 2 * columns)
        grid.addWidget(rules, FORM_ROWS + 2, 0, 1, 2 * columns)
        grid.setRowStretch(FORM_ROWS + 2, 1)  # room to spare goes under the rules
        for col in range(2 * FORM_COLUMNS):
            grid.setColumnStretch(col, 1 if col % 2 and col < 2 * columns else 0)

    def _on_field_edited(self, *_: object) -> None:
        if self._filling:
            return
        self._fresh = False
        self.update_answer()

    def update_answer(self, *_: object) -> None:
        """Answer the draft as it stands (called on every field change)."""
        if self._filling:
            return
        plan: Plan = self.controller.plan
        draft = self.draft()
        if self.editing is not None and plan.request(self.editing) is not None:
            # The edited request answered as if it joined the queue again.
            plan = delete_request(plan, self.editing)
        if self._fresh:
            self.proposal = None
            self.errors = ()
        else:
            try:
                self.proposal = propose(plan, draft)
                self.errors = ()
            except DraftInvalid as exc:
                self.proposal = None
                self.errors = tuple(field_error_text(e.path, e.message) for e in exc.errors)
            except RequestError as exc:
                self.proposal = None
                self.errors = (exc.message,)
        if self._fresh:
            self.answer.setText(html.escape(FRESH_TEXT))
            self.answer.setStyleSheet("")
        elif self.proposal is not None:
            self.answer.setText(answer_text(plan, self.proposal))
            fits = self.proposal.fits
            self.answer.setStyleSheet(
                f"QLabel#requestAnswer {{ background: {chip_fill(QColor(FITS_COLOR if fits else LATE_COLOR)).name(QColor.NameFormat.HexArgb)}; }}"
            )
        else:
            self.answer.setText(
                "<b>Cannot answer yet:</b><br/>" + "<br/>".join(html.escape(e) for e in self.errors)
            )
            self.answer.setStyleSheet("")
        self.submit_button.setEnabled(self.proposal is not None and bool(draft.title))
        self.submit_button.setToolTip(
            "" if draft.title else "Give the request a title to submit it"
        )
        around = self.proposal.slot.start if self.proposal is not None else self.today
        self.strip.set_data(plan, self._queue_for_strip(), self.proposal, around, self.today)
        self.sig_answer_changed.emit(self.proposal)

    def answer_plain_text(self) -> str:
        """The live answer without markup (tests, accessibility)."""
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setHtml(self.answer.text())
        return doc.toPlainText()

    def _queue_for_strip(self) -> RequestsPlan | None:
        if self.proposal is not None:
            return self.proposal.queue
        return self.model.queue

    def submit(self) -> str | None:
        """Add the draft to the plan (scheduled when it fits); returns an error or None."""
        plan: Plan = self.controller.plan
        draft = self.draft()
        if not draft.title:
            return self._form_message("⚠ Give the request a title.")
        if self.editing is not None:
            return self._save_edit(draft)
        try:
            new_plan = add_request(plan, draft)
        except RequestError as exc:
            return self._form_message(f"⚠ {exc.message}")
        added = new_plan.requests[-1]
        error = self.controller.apply(new_plan, f"Add request “{draft.title}”")
        if error is not None:
            return self._form_message(f"⚠ {error}")
        state = "scheduled" if added.status == "scheduled" else "queued (late)"
        self._form_message(f"Added “{added.title}”: {state}.")
        self.reset_form()
        row = self.model.row_of(added.id)
        if row >= 0:
            self.table.selectRow(row)
        return None

    # -- editing and deleting submitted requests ----------------------------------------------

    def edit_selected(self) -> str | None:
        """Load the selected request into the form; Submit then saves the changes."""
        request = self.selected_request()
        if request is None:
            return self._queue_message("⚠ Select a request in the queue first.")
        self.editing = request.id
        self._filling = True
        try:
            self.product_combo.setCurrentIndex(max(0, self.product_combo.findData(request.product)))
            self._fill_stages()
            self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(request.stage)))
            self.requester_combo.setCurrentIndex(
                max(0, self.requester_combo.findData(request.requested_by))
            )
            self.title_edit.setText(request.title)
            self.set_date(self.requested_on, request.requested_on)
            self.set_date(self.needed_by, request.needed_by)
            self.days_spin.setValue(request.production_days)
        finally:
            self._filling = False
        self.form_box.setTitle(f"Edit request “{request.title}”")
        self.submit_button.setText("Save changes")
        self.submit_button.setAccessibleName("Save changes")
        self.cancel_edit_button.show()
        self._fresh = False
        self.update_answer()
        self.title_edit.setFocus()
        return None

    def cancel_edit(self) -> None:
        """Leave editing without saving: the form is empty again."""
        self._leave_edit()
        self.reset_form()

    def _leave_edit(self) -> None:
        self.editing = None
        self.form_box.setTitle("New request")
        self.submit_button.setText("Submit request")
        self.submit_button.setAccessibleName("Submit request")
        self.cancel_edit_button.hide()

    def _save_edit(self, draft: Request) -> str | None:
        assert self.editing is not None
        request_id = self.editing
        try:
            new_plan = edit_request(self.controller.plan, request_id, draft)
        except DraftInvalid as exc:
            return self._form_message(
                "⚠ " + "; ".join(field_error_text(e.path, e.message) for e in exc.errors)
            )
        except RequestError as exc:
            return self._form_message(f"⚠ {exc.message}")
        error = self.controller.apply(new_plan, f"Edit request “{draft.title}”")
        if error is not None:
            return self._form_message(f"⚠ {error}")
        self._leave_edit()
        self._form_message(f"Saved “{draft.title}”.")
        self.reset_form()
        self.select_request(request_id)
        return None

    def delete_selected(self) -> str | None:
        """Remove the selected request from the plan (one undoable edit)."""
        request = self.selected_request()
        if request is None:
            return self._queue_message("⚠ Select a request in the queue first.")
        error = self.controller.apply(
            delete_request(self.controller.plan, request.id), f"Delete request “{request.title}”"
        )
        if error is not None:
            return self._queue_message(f"⚠ {error}")
        if self.editing == request.id:
            self.cancel_edit()
        self._queue_message(f"Deleted “{request.title}” (Edit ▸ Undo brings it back).")
        return None

    def _form_message(self, text: str) -> str:
        self.form_status.setText(text)
        return text

    # -- the workflow ------------------------------------------------------------------------------

    def selected_request(self) -> Request | None:
        index = self.table.currentIndex()
        return self.model.request(index.row()) if index.isValid() else None

    def select_request(self, request_id: str) -> bool:
        row = self.model.row_of(request_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        return True

    def move_selected(self, status: str, note: str | None = None) -> str | None:
        """Move the selected request to ``status``; returns the refusal message or None."""
        request = self.selected_request()
        if request is None:
            return self._queue_message("⚠ Select a request in the queue first.")
        if status == "declined" and note is None and status in allowed_moves(request.status):
            note, ok = QInputDialog.getText(
                self, "Decline request", f"Why is “{request.title}” declined?"
            )
            if not ok:
                return self._queue_message("Not declined.")
        if status == "delivered" and status in allowed_moves(request.status):
            start = self._production_start(request)
            if start is not None and start > self.today:
                if not ask_early_delivery(self, request.title, start):
                    return self._queue_message("Not marked delivered.")
        try:
            new_plan = move_status(self.controller.plan, request.id, status, note)
        except RequestError as exc:
            return self._queue_message(f"⚠ {exc.message}")
        label = STATUS_LABELS[status].lower()
        error = self.controller.apply(new_plan, f"Request “{request.title}”: {label}")
        if error is not None:
            return self._queue_message(f"⚠ {error}")
        self.select_request(request.id)
        self._queue_message(f"“{request.title}” is now {label}.")
        return None

    def add_to_library(self) -> Any:
        """Open the asset form prefilled from the selected delivered request (OK adds the
        asset as one undo step); the form, or None with the reason in the status line."""
        request = self.selected_request()
        if request is None or request.status != "delivered":
            self._queue_message("⚠ Select a delivered request first.")
            return None
        from ui.content_view import AssetDialog, asset_for_request

        dialog = AssetDialog(
            self.controller, self, prefill=asset_for_request(self.controller.plan, request.id)
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _production_start(self, request: Request) -> date | None:
        slot = self.model.queue.slot(request.id) if self.model.queue is not None else None
        return request.start or (slot.start if slot is not None else None)

    def _queue_message(self, text: str) -> str:
        self.queue_status.setText(text)
        return text

    def _update_actions(self) -> None:
        request = self.selected_request()
        allowed = allowed_moves(request.status) if request is not None else ()
        self.edit_button.setEnabled(request is not None and not self.controller.read_only)
        self.delete_button.setEnabled(request is not None and not self.controller.read_only)
        self.library_button.setEnabled(
            request is not None and request.status == "delivered" and not self.controller.read_only
        )
        for status, button in self.action_buttons.items():
            button.setEnabled(status in allowed)
            if request is None:
                button.setToolTip("Select a request in the queue")
            elif status in allowed:
                button.setToolTip(f"{STATUS_LABELS[request.status]} → {STATUS_LABELS[status]}")
            else:
                names = ", ".join(STATUS_LABELS[s].lower() for s in allowed)
                button.setToolTip(
                    f"Not allowed from {STATUS_LABELS[request.status].lower()}"
                    + (f" (allowed: {names})" if names else " (final status)")
                )

    def _update_counts(self) -> None:
        plan: Plan = self.controller.plan
        studio = plan.studio
        if studio is None:
            self.rules.setText("This plan has no studio: nobody produces ad-hoc collateral.")
        else:
            self.rules.setText(
                f"How the answer is found: {team_name(plan, studio.team)} produces "
                f"{_plural(studio.capacity_per_day, 'request')} a working day and starts at "
                f"the earliest {_plural(studio.min_lead_days, 'working day')} after a request. "
                "Booked requests keep their days; the others queue by deadline (earliest "
                "first), each taking the first run of free working days."
            )
        counts = {s: 0 for s in REQUEST_STATUSES}
        for q in plan.requests:
            counts[q.status] = counts.get(q.status, 0) + 1
        parts = [f"{counts[s]} {STATUS_LABELS[s].lower()}" for s in REQUEST_STATUSES if counts[s]]
        studio = plan.studio
        who = f" · studio: {team_name(plan, studio.team)}" if studio is not None else " · no studio"
        self.counts.setText(
            f"{_plural(len(plan.requests), 'request')}"
            + (f" ({', '.join(parts)})" if parts else "")
            + who
        )

    # -- controller --------------------------------------------------------------------------------

    # Refilling the form, the queue and the strip costs ~20 ms an edit: a hidden view
    # only notes that the plan changed and catches up when it is shown.
    def _on_plan_changed(self, _changes: object) -> None:
        if self.editing is not None and self.controller.plan.request(self.editing) is None:
            self._leave_edit()  # deleted (or undone) while the form edited it
        if self.isVisible():
            self._show_plan()
        else:
            self._plan_stale = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        if self._plan_stale:
            self._show_plan()
        super().showEvent(event)
        self._fit_form()

    def _show_plan(self) -> None:
        self._plan_stale = False
        selected = self.selected_request()
        self._shown_plan = self.controller.plan
        self._update_studio_setup()
        self._fill_form_choices()
        self.model.reset(self.controller.plan)
        if selected is not None:
            self.select_request(selected.id)
        self._update_counts()
        self._update_actions()
        self.update_answer()
        self.fit_title_column()

    def _on_navigate(self, target: Any) -> None:
        if getattr(target, "tab", None) == "requests" and getattr(target, "touch", None):
            self.select_request(target.touch)

    def _on_document_changed(self) -> None:
        if self.controller.plan is self._shown_plan:
            return  # Save As: the same plan goes on in another file
        # Nothing typed for one document stays in the form of the next.
        self._leave_edit()
        self.form_status.clear()
        self.queue_status.clear()
        self.requested_on.setProperty("initialised", False)
        self._fill_form_choices()
        self._update_studio_setup()
        self.reset_form()

    def _on_product(self, _index: int) -> None:
        self._fill_stages()
        self._on_field_edited()


# --- preview --------------------------------------------------------------------------------


def _prepare_preview(view: QWidget, _controller: object) -> None:
    assert isinstance(view, RequestsView)
    view.product_combo.setCurrentIndex(view.product_combo.findData("analytics"))
    view.stage_combo.setCurrentIndex(view.stage_combo.findData("negotiate"))
    view.title_edit.setText("Security whitepaper for Initech")
    view.requester_combo.setCurrentIndex(view.requester_combo.findData("ae"))
    view.set_date(view.needed_by, date(2027, 3, 16))
    view.select_request("fleet-one-pager")


if __name__ == "__main__":
    from ui.preview import run_preview

    raise SystemExit(
        run_preview(
            "ui.requests_view",
            lambda c: RequestsView(c, today=date(2027, 3, 1)),
            title="requests",
            size=(1366, 700),
            prepare=_prepare_preview,
        )
    )
