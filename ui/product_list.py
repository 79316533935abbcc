"""The left panel: products (with their gap counts), teams and broadcasts.

:class:`ProductListModel` is a thin list model over ``controller.plan.products``:
rename in place, reorder by drag and drop; every change goes through
``controller.apply``. The panel's buttons add, duplicate, delete and move
products; the teams and broadcasts lists open their dialogs.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui import documents, edits
from ui.controller import DocumentController
from ui.glyphs import channel_icon, swatch_icon
from ui.rrule import describe
from ui.theme import WARNING_GLYPH, colors, team_color, themed_icon
from ui.widgets import add_delete_action
from ui.words import error_in_words, plural

ModelIndex = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 2
GAPS_ROLE = Qt.ItemDataRole.UserRole + 3
FACTS_ROLE = Qt.ItemDataRole.UserRole + 4
#: the product's sign-off state (cadence.signoff): signed_off, changed, awaiting or none
SIGNOFF_ROLE = Qt.ItemDataRole.UserRole + 5
SIGNOFF_MARKS = {"signed_off": "✔ signed off", "changed": "⚠ changed since sign-off"}
MIME = "application/x-cadence-product"
_NO_INDEX = QModelIndex()


class ProductListModel(QAbstractListModel):
    """The plan's products in order; rename and reorder go through the controller."""

    sig_refused = Signal(str)

    def __init__(self, controller: DocumentController, parent: Any = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._ids = [p.id for p in controller.plan.products]
        self._gaps: dict[str | None, int] = controller.gap_counts()
        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_schedule_changed.connect(self._on_schedule_changed)

    def _on_plan_changed(self, changes: Any) -> None:
        ids = [p.id for p in self.controller.plan.products]
        if ids != self._ids:
            self.beginResetModel()
            self._ids = ids
            self.endResetModel()
        elif changes.signoffs:
            self._rows_changed(set(ids))  # sign-off badges
        else:
            self._rows_changed(set(changes.products))

    def _on_schedule_changed(self) -> None:
        before, self._gaps = self._gaps, self.controller.gap_counts()
        self._rows_changed({pid for pid in self._ids if before.get(pid) != self._gaps.get(pid)})

    def _rows_changed(self, product_ids: set[str]) -> None:
        """Repaint the rows of these products only (an edit changes one or two)."""
        for row, pid in enumerate(self._ids):
            if pid in product_ids:
                self.dataChanged.emit(self.index(row), self.index(row))

    def row_of(self, product_id: str | None) -> int:
        return self._ids.index(product_id) if product_id in self._ids else -1

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def rowCount(self, parent: ModelIndex = _NO_INDEX) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        product = self.controller.plan.product(self._ids[index.row()])
        if product is None:
            return None
        gaps = self._gaps.get(product.id, 0)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return product.name
        if role == ID_ROLE:
            return product.id
        if role == GAPS_ROLE:
            return gaps
        if role == SIGNOFF_ROLE:
            return self._signoff_state(product)
        if role == FACTS_ROLE:
            mark = SIGNOFF_MARKS.get(self._signoff_state(product))
            return (mark + " · " if mark else "") + (
                f"{product.cycle_days} d · {plural(len(product.stages), 'stage')} · "
                f"{plural(len(product.touches), 'touch')}"
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"<b>{product.name}</b><br>{product.cycle_days}-day cycle, "
                f"{plural(len(product.stages), 'stage')}, "
                f"{plural(len(product.touches), 'touch')}<br>"
                f"{edits.cohort_span(product)}<br>"
                + (f"{WARNING_GLYPH} {plural(gaps, 'gap')}" if gaps else "no gaps")
                + (
                    f"<br>{SIGNOFF_MARKS[state]} (Plan ▸ Sign off… shows what changed)"
                    if (state := self._signoff_state(product)) in SIGNOFF_MARKS
                    else ""
                )
            )
        if role == Qt.ItemDataRole.AccessibleTextRole:
            mark = SIGNOFF_MARKS.get(self._signoff_state(product), "")
            return f"{product.name}, {plural(gaps, 'gap')}" + (f", {mark[2:]}" if mark else "")
        return None

    def _signoff_state(self, product: Any) -> str:
        """Where the product stands with sign-off (no sign-off at all: "none")."""
        plan = self.controller.plan
        if not plan.signoffs:
            return "none"
        from cadence.signoff import signoff_status

        return signoff_status(plan, product).state

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():  # the space between rows accepts drops
            if self.controller.read_only:
                return Qt.ItemFlag.NoItemFlags
            return Qt.ItemFlag.ItemIsDropEnabled
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.controller.read_only:
            return base
        return base | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        pid = self._ids[index.row()]
        product = self.controller.plan.product(pid)
        name = str(value).strip()
        if product is None or name == product.name:
            return False
        renamed = edits.rename_product(self.controller.plan, pid, name)
        error = self.controller.apply(renamed, f"Rename product “{product.name}” to “{name}”")
        if error is not None:
            self.sig_refused.emit(error_in_words(self.controller.plan, error))
            return False
        return True

    # -- drag and drop reordering --------------------------------------------------

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME]

    def mimeData(self, indexes: Any) -> QMimeData:  # noqa: N802
        data = QMimeData()
        rows = [i.row() for i in indexes if i.isValid()]
        if rows:
            data.setData(MIME, QByteArray(self._ids[rows[0]].encode("utf-8")))
        return data

    def canDropMimeData(
        self, data: QMimeData, action: Any, row: int, column: int, parent: ModelIndex
    ) -> bool:  # noqa: N802
        return data.hasFormat(MIME) and not self.controller.read_only

    def dropMimeData(
        self, data: QMimeData, action: Any, row: int, column: int, parent: ModelIndex
    ) -> bool:  # noqa: N802
        if not data.hasFormat(MIME):
            return False
        pid = bytes(data.data(MIME).data()).decode("utf-8")
        if pid not in self._ids:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._ids)
        return self.move(pid, row)

    def move(self, product_id: str, to_row: int) -> bool:
        """Move a product so that it lands before the product now at ``to_row``."""
        old = self._ids.index(product_id)
        target = to_row - 1 if to_row > old else to_row
        if target == old:
            return False
        product = self.controller.plan.product(product_id)
        assert product is not None
        error = self.controller.apply(
            edits.move_product(self.controller.plan, product_id, target),
            f"Move product “{product.name}”",
        )
        if error is not None:
            self.sig_refused.emit(error)
            return False
        # The model reset on sig_plan_changed already; the view must not remove the row.
        return False


class ProductDelegate(QStyledItemDelegate):
    """Name, one line of facts, and the gap count as a badge."""

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:  # noqa: N802
        fm = QFontMetricsF(option.font)
        return QSize(180, int(fm.height() * 2 + 14))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        c = colors()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(option.rect).adjusted(2, 1, -2, -1)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hover:
            path = QPainterPath()
            path.addRoundedRect(r, 6, 6)
            painter.fillPath(path, QColor(c.accent) if selected else QColor(c.grid))
        fg = QColor(c.accent_text) if selected else QColor(c.text)
        muted = QColor(c.accent_text) if selected else QColor(c.muted)
        gaps = int(index.data(GAPS_ROLE) or 0)
        font = QFont(option.font)
        bold = QFont(font)
        bold.setBold(True)
        fm = QFontMetricsF(bold)
        badge = f"{WARNING_GLYPH} {gaps}" if gaps else "✓"
        bw = fm.horizontalAdvance(badge) + 14
        badge_rect = QRectF(r.right() - bw - 6, r.top() + 7, bw, fm.height() + 2)
        text_w = badge_rect.left() - r.left() - 16
        painter.setFont(bold)
        painter.setPen(fg)
        name = fm.elidedText(str(index.data() or ""), Qt.TextElideMode.ElideRight, text_w)
        painter.drawText(QRectF(r.left() + 10, r.top() + 6, text_w, fm.height()), 0, name)
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        painter.setFont(small)
        painter.setPen(muted)
        sfm = QFontMetricsF(small)
        facts_w = r.width() - 20
        facts = sfm.elidedText(
            str(index.data(FACTS_ROLE) or ""), Qt.TextElideMode.ElideRight, facts_w
        )
        painter.drawText(
            QRectF(r.left() + 10, r.top() + 8 + fm.height(), facts_w, sfm.height()), 0, facts
        )
        path = QPainterPath()
        path.addRoundedRect(badge_rect, badge_rect.height() / 2, badge_rect.height() / 2)
        if gaps:
            painter.fillPath(path, QColor(c.warning_bg))
            painter.setPen(QPen(QColor(c.warning), 1))
            painter.drawPath(path)
            painter.setPen(QColor(c.warning_text))
        else:
            painter.setPen(muted)
        painter.setFont(bold)
        painter.drawText(badge_rect, Qt.AlignmentFlag.AlignCenter, badge)
        painter.restore()


def _section(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setProperty("role", "section")
    return label


def _small_button(icon_name: str, tip: str) -> QToolButton:
    button = QToolButton()
    themed_icon(button, icon_name)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setProperty("role", "small")
    button.setIconSize(QSize(16, 16))
    return button


class ProductListView(QListView):
    """The products, one row each, all of the delegate's one size."""

    def dataChanged(  # noqa: N802 - Qt's name
        self, top_left: ModelIndex, bottom_right: ModelIndex, roles: Any = ()
    ) -> None:
        # The rows keep their size (uniformItemSizes): a changed row repaints itself
        # (QAbstractItemView's handler: editors, accessibility, the row's rectangle).
        # QListView's own handler laid every row out again and repainted the whole
        # list a moment later, on every edit.
        QAbstractItemView.dataChanged(self, top_left, bottom_right, list(roles or ()))


class SidePanel(QWidget):
    """Products, teams and broadcasts of the plan, down the left side of the window."""

    sig_product_selected = Signal(object)  # product id or None
    sig_edit_teams = Signal()
    sig_edit_broadcasts = Signal()
    sig_refused = Signal(str)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidePanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.controller = controller
        self._last: str | None = None  # the product selected last, kept across a reset
        self._last_row = 0
        self.model = ProductListModel(controller, self)
        self.model.sig_refused.connect(self.sig_refused)

        self.products = ProductListView()
        self.products.setObjectName("productList")
        self.products.setModel(self.model)
        self.products.setItemDelegate(ProductDelegate(self.products))
        self.products.setUniformItemSizes(True)  # the delegate's one size
        self.products.setMouseTracking(True)
        self.products.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.products.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.products.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.products.setDragEnabled(True)
        self.products.setAcceptDrops(True)
        self.products.setDropIndicatorShown(True)
        self.products.selectionModel().currentChanged.connect(self._on_current)
        self.model.modelReset.connect(self._restore_selection)

        self.add_button = _small_button("add", "Add a product")
        self.duplicate_button = _small_button("duplicate", "Duplicate the selected product")
        self.delete_button = _small_button("delete", "Delete the selected product…")
        self.up_button = _small_button("up", "Move the product up (Alt+Up)")
        self.down_button = _small_button("down", "Move the product down (Alt+Down)")
        self._button_tips = {
            b: b.toolTip()
            for b in (
                self.add_button,
                self.duplicate_button,
                self.delete_button,
                self.up_button,
                self.down_button,
            )
        }
        self.add_button.clicked.connect(self.add_product)
        self.duplicate_button.clicked.connect(self.duplicate_product)
        self.delete_button.clicked.connect(self.confirm_delete_product)
        self.act_delete_key = add_delete_action(
            self.products, "Delete the selected product…", self.confirm_delete_product
        )
        self.up_button.clicked.connect(lambda: self.move_product(-1))
        self.down_button.clicked.connect(lambda: self.move_product(+1))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 4, 0)
        buttons.setSpacing(0)
        buttons.addWidget(_section("Products"))
        buttons.addStretch(1)
        for b in (
            self.add_button,
            self.duplicate_button,
            self.delete_button,
            self.up_button,
            self.down_button,
        ):
            buttons.addWidget(b, 0, Qt.AlignmentFlag.AlignBottom)

        self.teams = QListWidget()
        self.teams.setObjectName("teamList")
        self.teams.setToolTip("Double-click to edit the teams")
        self.teams.itemDoubleClicked.connect(lambda _item: self.sig_edit_teams.emit())
        self.teams.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        teams_edit = _small_button("edit", "Edit teams, colours and capacity…")
        teams_edit.clicked.connect(self.sig_edit_teams)

        self.broadcasts = QListWidget()
        self.broadcasts.setObjectName("broadcastList")
        self.broadcasts.setToolTip("Double-click to edit the broadcasts")
        self.broadcasts.itemDoubleClicked.connect(lambda _item: self.sig_edit_broadcasts.emit())
        self.broadcasts.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        broadcasts_edit = _small_button("edit", "Edit broadcasts (newsletters, meetings)…")
        broadcasts_edit.clicked.connect(self.sig_edit_broadcasts)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 8)
        layout.setSpacing(2)
        layout.addLayout(buttons)
        layout.addWidget(self.products, 1)
        layout.addLayout(self._header_row("Teams", teams_edit))
        layout.addWidget(self.teams)
        layout.addLayout(self._header_row("Broadcasts", broadcasts_edit))
        layout.addWidget(self.broadcasts)
        for lst in (self.teams, self.broadcasts):
            lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            lst.setTextElideMode(Qt.TextElideMode.ElideRight)
            lst.setIconSize(QSize(16, 16))
            lst.setUniformItemSizes(True)

        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_document_changed.connect(self._update_buttons)
        self._fill_side_lists()
        self._update_buttons()

    @staticmethod
    def _header_row(title: str, button: QToolButton) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 4, 0)
        row.addWidget(_section(title))
        row.addStretch(1)
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
        return row

    # -- selection -------------------------------------------------------------------

    @property
    def current_product(self) -> str | None:
        return self.model.id_at(self.products.currentIndex().row())

    def select_product(self, product_id: str | None) -> None:
        row = self.model.row_of(product_id)
        if row < 0 and self.model.rowCount() and product_id is None:
            row = 0
        if row >= 0:
            self.products.setCurrentIndex(self.model.index(row))
        else:
            self.products.setCurrentIndex(QModelIndex())
            self.sig_product_selected.emit(None)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._last = self.model.id_at(current.row())
        self._update_buttons()
        self.sig_product_selected.emit(self._last)

    def _restore_selection(self) -> None:
        row = self.model.row_of(self._last)
        if row < 0:
            row = min(max(0, self._last_row), self.model.rowCount() - 1)
        if row >= 0:
            self.products.setCurrentIndex(self.model.index(row))
        else:
            self.sig_product_selected.emit(None)

    def _update_buttons(self) -> None:
        row = self.products.currentIndex().row()
        self._last_row = row
        c = self.controller
        editable = not c.read_only and not c.structure_locked
        # Off for a reason (read-only, disconnected, a sales login): the tooltip says it.
        reason = c.read_only_reason if c.read_only else c.structure_locked
        for button, tip in self._button_tips.items():
            button.setToolTip(reason or tip)
        has = row >= 0
        self.add_button.setEnabled(editable)
        self.duplicate_button.setEnabled(editable and has)
        self.delete_button.setEnabled(editable and has and self.model.rowCount() > 0)
        self.up_button.setEnabled(editable and row > 0)
        self.down_button.setEnabled(editable and has and row < self.model.rowCount() - 1)

    # -- product edits ------------------------------------------------------------------

    def add_product(self) -> str | None:
        plan, pid = edits.add_product(self.controller.plan)
        if self._apply(plan, "Add a product"):
            self.select_product(pid)
            # F2 (or typing a name after a click) renames the new product right away.
            self.products.setFocus(Qt.FocusReason.OtherFocusReason)
            return pid
        return None

    def duplicate_product(self) -> str | None:
        pid = self.current_product
        if pid is None:
            return None
        plan, new_id = edits.duplicate_product(self.controller.plan, pid)
        product = self.controller.plan.product(pid)
        assert product is not None
        if self._apply(plan, f"Duplicate product “{product.name}”"):
            self.select_product(new_id)
            return new_id
        return None

    def confirm_delete_product(self) -> bool:
        """Ask first (what goes with it, that Undo brings it back), then delete."""
        product = self.controller.plan.product(self.current_product)
        if product is None:
            return False
        requests = sum(1 for q in self.controller.plan.requests if q.product == product.id)
        extra = f" and its {requests} collateral request(s)" if requests else ""
        if not documents.confirm(
            self,
            "Delete product",
            f"Delete “{product.name}” with its {len(product.stages)} stages, "
            f"{len(product.touches)} touches{extra}? (Edit ▸ Undo brings it back.)",
            "Delete",
        ):
            return False
        return self.delete_product()

    def delete_product(self) -> bool:
        """Delete the selected product without asking (one undo step)."""
        pid = self.current_product
        product = self.controller.plan.product(pid)
        if product is None:
            return False
        return self._apply(
            edits.delete_product(self.controller.plan, product.id),
            f"Delete product “{product.name}”",
        )

    def move_product(self, delta: int) -> bool:
        pid = self.current_product
        if pid is None:
            return False
        row = self.model.row_of(pid)
        target = max(0, min(self.model.rowCount() - 1, row + delta))
        if target == row:
            return False
        product = self.controller.plan.product(pid)
        assert product is not None
        self._last = pid
        return self._apply(
            edits.move_product(self.controller.plan, pid, target),
            f"Move product “{product.name}” {'up' if delta < 0 else 'down'}",
        )

    def _apply(self, plan: Any, text: str) -> bool:
        error = self.controller.apply(plan, text)
        if error is not None:
            self.sig_refused.emit(error_in_words(plan, error))
            return False
        return True

    # -- teams and broadcasts ----------------------------------------------------------

    def _on_plan_changed(self, changes: Any) -> None:
        if changes.teams or changes.broadcasts or changes.settings:
            self._fill_side_lists()
        self._update_buttons()

    def _fill_side_lists(self) -> None:
        plan = self.controller.plan
        self.teams.clear()
        for team in plan.teams:
            cap = (
                f"{team.weekly_capacity} manual contacts a week"
                if team.weekly_capacity
                else "no limit"
            )
            item = QListWidgetItem(swatch_icon(team.color), f"{team.name}")
            item.setToolTip(f"{team.name} ({team.id}) — capacity: {cap}")
            item.setData(Qt.ItemDataRole.UserRole, team.id)
            self.teams.addItem(item)
        self.broadcasts.clear()
        for b in plan.broadcasts:
            item = QListWidgetItem(channel_icon(b.channel, team_color(plan, b.owner)), b.name)
            reach = (
                "internal (reaches no lead)"
                if b.products == ()
                else "all products"
                if b.products is None
                else ", ".join(b.products)
            )
            item.setToolTip(f"{b.name}: {describe(b.rrule)} from {b.dtstart} — {reach}")
            item.setData(Qt.ItemDataRole.UserRole, b.id)
            self.broadcasts.addItem(item)
        for lst in (self.teams, self.broadcasts):
            # As tall as their rows (up to 8): the products list takes the rest.
            rows = max(1, min(8, lst.count()))
            row_h = lst.sizeHintForRow(0) if lst.count() else lst.fontMetrics().height() + 8
            lst.setFixedHeight(rows * row_h + 2 * lst.frameWidth() + 4)
