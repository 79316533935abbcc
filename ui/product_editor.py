"""The "Cycle map" tab: one product's header, map, stage and touch tables, lead definition.

Map and tables show the same product and the same selection both ways:
clicking a stage bar selects its row and vice versa; double-clicking in the
map opens the cell editor in the table. Refused edits show the validation
layer's message in a banner under the tables (and as a tooltip at the cell).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFocusEvent, QFont, QFontMetrics, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QStyle,
    QTableView,
    QTabWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ui import edits
from ui.controller import DocumentController
from ui.cycle_map import CycleMapView
from ui.tables import FieldDelegate, StageTableModel, TouchTableModel
from ui.theme import WARNING_GLYPH, colors, icon, themed_icon
from ui.widgets import ElidedLabel, add_delete_action, delete_keys
from ui.words import error_in_words, plural


def _undo_or_redo(event: QEvent) -> str | None:
    """ "undo" or "redo" for the keys Edit ▸ Undo/Redo use (Ctrl+Z; Ctrl+Shift+Z, Ctrl+Y)."""
    if not isinstance(event, QKeyEvent):
        return None
    if event.matches(QKeySequence.StandardKey.Undo):
        return "undo"
    ctrl_y = (
        event.key() == Qt.Key.Key_Y and event.modifiers() == Qt.KeyboardModifier.ControlModifier
    )
    if event.matches(QKeySequence.StandardKey.Redo) or ctrl_y:
        return "redo"
    return None


class LeadDefinitionEdit(QPlainTextEdit):
    """The product's lead definition; typing is one undo step per editing session.

    Typing is applied 0.6 s after the last key (or on focus out). There is one
    history, the document's: the field has no undo of its own, and Undo/Redo —
    from the keyboard here or from the window — first apply the pending typing,
    so Undo takes back exactly what was typed.
    """

    sig_refused = Signal(str)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.product_id: str | None = None
        self._merge_id = -1
        self._loading = False
        self.setPlaceholderText(
            "Who is a lead for this product, and what makes one qualified — "
            "the definition marketing and sales agree on."
        )
        self.setTabChangesFocus(True)
        self.setUndoRedoEnabled(False)  # Ctrl+Z is the document's undo (see keyPressEvent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(600)
        self._timer.timeout.connect(self.commit)
        self.textChanged.connect(self._on_text_changed)
        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_flush_pending.connect(self.flush)

    def set_product(self, product_id: str | None) -> None:
        self.commit()
        self.product_id = product_id
        self._merge_id = self.controller.new_merge_id()
        self._load()

    def _load(self) -> None:
        product = self.controller.plan.product(self.product_id)
        text = product.lead_definition if product else ""
        if text != self.toPlainText():
            position = self.textCursor().position()
            self._loading = True
            self.setPlainText(text)
            self._loading = False
            if self.hasFocus():  # an undo while typing: keep the caret where it was
                cursor = self.textCursor()
                cursor.setPosition(min(position, self.document().characterCount() - 1))
                self.setTextCursor(cursor)
        self.setEnabled(product is not None)
        self.setReadOnly(self.controller.read_only)

    def _on_plan_changed(self, changes: Any) -> None:
        if self.product_id in changes.products and not self._timer.isActive():
            self._load()

    def _on_text_changed(self) -> None:
        if not self._loading:
            self._timer.start()

    def commit(self) -> None:
        """Apply the typed text now (also on focus out and product change)."""
        self._timer.stop()
        product = self.controller.plan.product(self.product_id)
        if product is None or self.toPlainText() == product.lead_definition:
            return
        new = edits.with_product(
            self.controller.plan, replace(product, lead_definition=self.toPlainText())
        )
        error = self.controller.apply(
            new, f"Edit the lead definition of “{product.name}”", self._merge_id
        )
        if error is not None:
            self.sig_refused.emit(error_in_words(new, error))

    def flush(self) -> None:
        """Apply pending typing before an undo or redo; what is typed next is a new step."""
        self.commit()
        self._merge_id = self.controller.new_merge_id()

    def event(self, event: QEvent) -> bool:
        # Claim Undo/Redo before the window's shortcuts do, even when their actions
        # are disabled (nothing applied yet), so keyPressEvent can apply the typing first.
        if event.type() == QEvent.Type.ShortcutOverride and _undo_or_redo(event) is not None:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        which = _undo_or_redo(event)
        if which == "undo":
            self.controller.undo()  # flushes this field first
        elif which == "redo":
            self.controller.redo()
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        self.commit()
        self._merge_id = self.controller.new_merge_id()  # the next session is a new undo step
        super().focusOutEvent(event)


def _delete_key() -> str:
    """ "Del", or the platform's name for it, for tooltips (needs the application)."""
    return delete_keys()[0].toString(QKeySequence.SequenceFormat.NativeText)


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setItemDelegate(FieldDelegate(view))
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
        | QAbstractItemView.EditTrigger.SelectedClicked
    )
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(26)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    # Tab and Ctrl+Tab leave the table (arrows move between cells): keyboard users are
    # not trapped in it.
    view.setTabKeyNavigation(False)
    return view


def _themed_action(icon_name: str, text: str, parent: QWidget) -> QAction:
    action = QAction(text, parent)
    themed_icon(action, icon_name)
    return action


def _tool(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setAutoRaise(True)
    button.setProperty("role", "small")
    button.setIconSize(QSize(18, 18))
    return button


def map_description(plan: Any, product: Any) -> str:
    """The cycle map in words for a screen reader: the stages in order, who owns them,
    and the touches in each (the tables below hold the same, cell by cell)."""
    parts = []
    for stage in product.stages:
        owner = plan.team(stage.owner)
        touches = [t.name for t in product.touches if t.stage == stage.id]
        who = owner.name if owner is not None else "no owner"
        listed = f": {', '.join(touches)}" if touches else ": no touches"
        parts.append(f"{stage.name}, {plural(stage.days, 'day')}, {who}{listed}")
    return f"{product.name}: {product.cycle_days}-day cycle. " + ". ".join(parts) + "."


class ToolRow(QWidget):
    """A row of tool buttons that drop their text (icons only) when the row is narrow,
    so a 1024 px window does not have to be wider than the screen."""

    def __init__(self, buttons: list[QToolButton], trailing: QWidget) -> None:
        super().__init__()
        self.buttons = buttons
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for button in buttons:
            layout.addWidget(button)
        layout.addWidget(trailing, 1)
        self._wide = sum(b.sizeHint().width() + 2 for b in buttons)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        height = max((b.sizeHint().height() for b in self.buttons), default=0)
        return QSize(sum(b.iconSize().width() + 14 for b in self.buttons), height)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        style = (
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if self.width() >= self._wide + 60
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )
        for button in self.buttons:
            button.setToolButtonStyle(style)
        super().resizeEvent(event)


#: text this much narrower than the widest (px) may still need the widest cell
TEXT_SLACK = 4


def content_width(table: QTableView, column: int) -> int:
    """The width ``table.sizeHintForColumn(column)`` gives, from a few delegate size hints.

    A column's cells differ in their text (icons and check boxes are the same on
    each row of a column), so the delegate measures only one cell per text width
    among the widest (within :data:`TEXT_SLACK` px: the delegate lays text out a
    little differently). Qt's own hint asks the delegate for every cell (~40 µs
    each: 10 ms for a product's touches, a quarter of a product switch).
    """
    model = table.model()
    texts: dict[str, tuple[int, int]] = {}  # text -> (its width, first row showing it)
    for row in range(model.rowCount()):
        if table.isRowHidden(row):
            continue
        index = model.index(row, column)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if text not in texts:
            font = index.data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetrics(font) if isinstance(font, QFont) else table.fontMetrics()
            texts[text] = (metrics.horizontalAdvance(text), row)
    if not texts:
        return 0
    widest = max(width for width, _ in texts.values())
    # One cell per width near the widest (texts as wide give the same hint).
    rows = {width: row for width, row in texts.values() if width >= widest - TEXT_SLACK}
    hint = max(table.sizeHintForIndex(model.index(row, column)).width() for row in rows.values())
    return hint + 1 if table.showGrid() else hint


class ProductEditor(QWidget):
    """Header + cycle map + tables for the product the side panel selected."""

    sig_message = Signal(str)  # a status-bar message

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.product_id: str | None = None
        self._sized = False  # the map's height is fitted once, on the first show

        # Header: name, facts, cohorts, zoom.
        self.title = QLabel()
        self.title.setObjectName("productTitle")
        self.facts = ElidedLabel()
        self.facts.setObjectName("productFacts")
        self.gap_chip = QLabel()
        self.gap_chip.setProperty("role", "warningChip")
        self.cohort_chip = ElidedLabel()
        self.cohort_chip.setProperty("role", "chip")
        self.map = CycleMapView(controller)
        self.act_cohorts = _themed_action("cohorts", "Cohorts…", self)
        self.act_cohorts.setToolTip("Intake cohorts of this product (when leads enter, how many)")
        self.act_zoom_out = _themed_action("zoom-out", "Zoom out", self)
        self.act_zoom_out.triggered.connect(self.map.zoom_out)
        self.act_zoom_in = _themed_action("zoom-in", "Zoom in", self)
        self.act_zoom_in.triggered.connect(self.map.zoom_in)
        self.act_fit = _themed_action("zoom-fit", "Fit to width", self)
        self.act_fit.triggered.connect(self.map.fit_to_width)
        self.act_zoom_out.setToolTip("Zoom out (Ctrl+wheel)")
        self.act_zoom_in.setToolTip("Zoom in (Ctrl+wheel)")
        self.act_fit.setToolTip("Fit the whole cycle to the width")
        header = QWidget()
        header.setObjectName("productHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        hl = QHBoxLayout(header)
        hl.setContentsMargins(14, 8, 8, 8)
        hl.setSpacing(10)
        hl.addWidget(self.title)
        # No stretch on the labels: the spacer only gets what is left once both labels
        # show in full (stretch factors shared the width out even while they were elided).
        hl.addWidget(self.facts)
        hl.addWidget(self.gap_chip)
        hl.addStretch(1)
        hl.addWidget(self.cohort_chip)
        hl.addSpacing(4)
        hl.setSpacing(6)
        for action in (self.act_cohorts, self.act_zoom_out, self.act_zoom_in, self.act_fit):
            hl.addWidget(_tool(action))

        # Tables.
        self.stage_model = StageTableModel(controller, self)
        self.touch_model = TouchTableModel(controller, self)
        self.stage_table = _table(self.stage_model)
        self.stage_table.setObjectName("stageTable")
        self.touch_table = _table(self.touch_model)
        self.touch_table.setObjectName("touchTable")
        # Delete/Backspace in a table: the same undoable edits as the buttons.
        self.act_delete_stage_key = add_delete_action(
            self.stage_table, "Delete the selected stage", self.delete_stage
        )
        self.act_delete_touch_key = add_delete_action(
            self.touch_table, "Delete the selected touch", self.delete_touch
        )

        self.act_add_stage = _themed_action("stage-add", "Add stage", self)
        self.act_add_stage.setToolTip("Add a stage after the selected one")
        self.act_add_stage.triggered.connect(self.add_stage)
        self.act_delete_stage = _themed_action("delete", "Delete stage", self)
        self.act_delete_stage.triggered.connect(self.delete_stage)
        self.act_stage_up = _themed_action("up", "Move stage earlier", self)
        self.act_stage_up.triggered.connect(lambda: self.move_stage(-1))
        self.act_stage_down = _themed_action("down", "Move stage later", self)
        self.act_stage_down.triggered.connect(lambda: self.move_stage(+1))
        self.act_add_touch = _themed_action("touch-add", "Add touch", self)
        self.act_add_touch.setToolTip("Add a touch to the selected stage")
        self.act_add_touch.triggered.connect(self.add_touch)
        self.act_duplicate_touch = _themed_action("duplicate", "Duplicate touch", self)
        self.act_duplicate_touch.triggered.connect(self.duplicate_touch)
        self.act_delete_touch = _themed_action("delete", "Delete touch", self)
        self.act_delete_touch.setToolTip(f"Delete the selected touch ({_delete_key()})")
        self.act_delete_touch.triggered.connect(self.delete_touch)

        stage_box = self._titled(
            "Double-click a cell to edit · drag a bar's edge in the map to resize",
            self.stage_table,
            [self.act_add_stage, self.act_stage_up, self.act_stage_down, self.act_delete_stage],
        )
        touch_box = self._titled(
            "Double-click a cell to edit · drag a marker in the map to move it",
            self.touch_table,
            [self.act_add_touch, self.act_duplicate_touch, self.act_delete_touch],
        )
        # Tabs give each table the full width; selecting in the map switches to its table.
        tables = QTabWidget()
        tables.setObjectName("tableTabs")
        tables.setDocumentMode(True)
        tables.addTab(stage_box, icon("stage-add"), "Stages")
        tables.addTab(touch_box, icon("touch-add"), "Touches")
        self.table_tabs = tables
        self.stage_page, self.touch_page = stage_box, touch_box

        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

        self.lead = LeadDefinitionEdit(controller)
        self.lead.setObjectName("leadDefinition")
        self.lead.setFixedHeight(self.lead.fontMetrics().lineSpacing() * 3 + 14)
        lead_label = QLabel("LEAD DEFINITION")
        lead_label.setProperty("role", "section")
        lead_hint = ElidedLabel("what marketing and sales agree a qualified lead is")
        lead_hint.setProperty("role", "hint")
        lead_row = QHBoxLayout()
        lead_row.setContentsMargins(0, 0, 0, 0)
        lead_row.addWidget(lead_label)
        lead_row.addWidget(lead_hint, 0, Qt.AlignmentFlag.AlignBottom)
        lead_row.addStretch(1)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.setSpacing(4)
        bl.addWidget(tables, 1)
        bl.addWidget(self.error)
        bl.addLayout(lead_row)
        bl.addWidget(self.lead)

        body = QSplitter(Qt.Orientation.Vertical)
        body.setObjectName("mapSplitter")
        map_box = QWidget()
        ml = QVBoxLayout(map_box)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.map)
        body.addWidget(map_box)
        body.addWidget(bottom)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        body.setChildrenCollapsible(False)
        self.splitter = body

        content = QWidget()
        cl = QVBoxLayout(content)
        cl.setContentsMargins(12, 10, 12, 8)
        cl.addWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(content, 1)

        # Selection sync, both ways.
        self.map.sig_stage_selected.connect(self._select_stage_row)
        self.map.sig_touch_selected.connect(self._select_touch_row)
        self.map.sig_stage_activated.connect(self._edit_stage)
        self.map.sig_touch_activated.connect(self._edit_touch)
        self.map.sig_refused.connect(self.show_error)
        # Delete/Backspace in the map: delete the touch or stage selected there, one
        # undoable edit like the buttons (not while a drag is in progress).
        self.act_delete_map_key = QAction("Delete the selected touch or stage", self.map)
        self.act_delete_map_key.setShortcuts(delete_keys())
        self.act_delete_map_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.act_delete_map_key.triggered.connect(self.delete_in_map)
        self.map.addAction(self.act_delete_map_key)
        self.stage_table.selectionModel().currentRowChanged.connect(self._stage_row_changed)
        self.touch_table.selectionModel().currentRowChanged.connect(self._touch_row_changed)
        for model in (self.stage_model, self.touch_model):
            model.sig_refused.connect(self._refused_at)
            model.sig_accepted.connect(self.clear_error)
            model.modelReset.connect(self._reselect)
        self.lead.sig_refused.connect(self.show_error)
        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_schedule_changed.connect(self._update_header)
        self._header_shown: tuple[object, ...] | None = None  # what _update_header showed
        self.set_product(None)

    def _titled(self, title: str, table: QTableView, actions: list[QAction]) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.setContentsMargins(0, 6, 0, 0)
        buttons = []
        for action in actions:
            button = _tool(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAccessibleName(action.text().replace("&", ""))
            buttons.append(button)
        hint = ElidedLabel(title)
        hint.setProperty("role", "hint")
        hint.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(ToolRow(buttons, hint))
        layout.addWidget(table, 1)
        # Four rows stay in view however short the window (1024 × 700).
        rows = table.verticalHeader().defaultSectionSize()
        header = max(table.horizontalHeader().sizeHint().height(), rows)
        scrollbar = table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        table.setMinimumHeight(header + 4 * rows + scrollbar + 2 * table.frameWidth() + 4)
        return box

    # -- product ---------------------------------------------------------------------

    @property
    def product(self) -> Any:
        return self.controller.plan.product(self.product_id)

    def set_product(self, product_id: str | None) -> None:
        self.product_id = product_id
        self.stage_model.set_product(product_id)
        self.touch_model.set_product(product_id)
        self.map.set_product(product_id)
        self.lead.set_product(product_id)
        self.clear_error()
        self._size_columns()
        self._update_header()
        self._update_actions()
        self.fit_map_height()

    def fit_map_height(self) -> None:
        """Give the map the height of its content (up to 56 % of the editor)."""
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        wanted = int(self.map.sceneRect().height() + 2 * self.map.frameWidth() + 4)
        map_h = max(180, min(wanted, int(total * 0.56)))
        self.splitter.setSizes([map_h, total - map_h])

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            self.fit_map_height()

    def _size_columns(self) -> None:
        for table in (self.stage_table, self.touch_table):
            header = table.horizontalHeader()
            # From the content, not the current width: the last column stretches to the
            # width left, and feeding that back in widened it on every product switch
            # until its right-aligned gap counts scrolled out of view.
            for col in range(header.count() - 1):
                hint = max(content_width(table, col), header.sectionSizeHint(col))
                header.resizeSection(col, max(56, min(260, hint + 14)))

    def _on_plan_changed(self, changes: Any) -> None:
        self.clear_error()  # a refusal is old news once the plan changed (edit, undo, drag)
        if self.product_id is not None and self.product is None:
            return  # the side panel selects another product
        self._update_header()
        self._update_actions()

    def _update_header(self) -> None:
        # An edit of another product changes nothing shown here: setting the same
        # texts and icons again would re-lay out and repaint the tabs and tables.
        shown = (
            self.product,
            self.controller.plan.teams,
            self.controller.gap_counts().get(self.product_id, 0),
            self.map.cohort,
            colors().text,  # the tabs' icons follow the theme
        )
        if shown == self._header_shown:
            return
        self._header_shown = shown
        product = self.product
        if product is None:
            self.title.setText("No product")
            self.facts.setText("Add a product in the list on the left.")
            self.gap_chip.hide()
            self.cohort_chip.hide()
            self.act_cohorts.setEnabled(False)
            return
        self.title.setText(product.name)
        self.table_tabs.setTabIcon(0, icon("stage-add"))
        self.table_tabs.setTabIcon(1, icon("touch-add"))
        self.table_tabs.setTabText(0, f"Stages · {len(product.stages)}")
        self.table_tabs.setTabText(1, f"Touches · {len(product.touches)}")
        self.facts.setText(
            f"{product.cycle_days}-day cycle · {plural(len(product.stages), 'stage')} · "
            f"{plural(len(product.touches), 'touch')}"
        )
        self.map.setAccessibleName("Cycle map")
        self.map.setAccessibleDescription(map_description(self.controller.plan, product))
        gaps = self.controller.gap_counts().get(product.id, 0)
        self.gap_chip.setText(f"{WARNING_GLYPH} {plural(gaps, 'gap')}")
        self.gap_chip.setVisible(gaps > 0)
        self.cohort_chip.setText(edits.cohort_span(product))
        self.cohort_chip.show()
        cohort = self.map.cohort
        self.map.setToolTip(
            f"Gaps drawn for the cohort entering on {cohort:%a %d %b %Y}" if cohort else ""
        )
        self.act_cohorts.setEnabled(True)

    def _update_actions(self) -> None:
        product = self.product
        editable = product is not None and not self.controller.read_only
        stage = self.current_stage()
        touch = self.current_touch()
        self.act_add_stage.setEnabled(editable)
        only = product is not None and len(product.stages) == 1
        self.act_delete_stage.setEnabled(editable and stage is not None and not only)
        self.act_delete_stage.setToolTip(
            "A product needs at least one stage"
            if only
            else f"Delete the selected stage and its touches ({_delete_key()})"
        )
        self.act_stage_up.setEnabled(
            editable and stage is not None and product.stages[0].id != stage
        )
        self.act_stage_down.setEnabled(
            editable and stage is not None and product.stages[-1].id != stage
        )
        self.act_add_touch.setEnabled(editable and bool(product and product.stages))
        self.act_duplicate_touch.setEnabled(editable and touch is not None)
        self.act_delete_touch.setEnabled(editable and touch is not None)

    # -- selection ------------------------------------------------------------------

    def current_stage(self) -> str | None:
        return self.stage_model.id_at(self.stage_table.currentIndex().row())

    def current_touch(self) -> str | None:
        return self.touch_model.id_at(self.touch_table.currentIndex().row())

    def select(self, stage: str | None = None, touch: str | None = None) -> None:
        """Select a stage and/or a touch in the tables and the map."""
        if touch is not None:
            product = self.product
            t = next((t for t in product.touches if t.id == touch), None) if product else None
            if t is not None and stage is None:
                stage = t.stage
        if stage is not None:
            self._select_stage_row(stage)
        if touch is not None:
            self._select_touch_row(touch)
        self.map.select(stage, touch)

    def _select_stage_row(self, stage_id: str) -> None:
        self.table_tabs.setCurrentWidget(self.stage_page)
        row = self.stage_model.row_of(stage_id)
        if row >= 0 and row != self.stage_table.currentIndex().row():
            self.stage_table.setCurrentIndex(self.stage_model.index(row, 0))
        self.touch_table.clearSelection()

    def _select_touch_row(self, touch_id: str) -> None:
        self.table_tabs.setCurrentWidget(self.touch_page)
        row = self.touch_model.row_of(touch_id)
        if row >= 0 and row != self.touch_table.currentIndex().row():
            self.touch_table.setCurrentIndex(self.touch_model.index(row, 0))

    def _stage_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        sid = self.stage_model.id_at(current.row())
        if sid is not None and sid != self.map.selected_stage:
            self.map.select(stage=sid)
        self._update_actions()

    def _touch_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        tid = self.touch_model.id_at(current.row())
        if tid is not None and tid != self.map.selected_touch:
            self.map.select(touch=tid)
        self._update_actions()

    def _reselect(self) -> None:
        if self.map.selected_stage:
            self._select_stage_row(self.map.selected_stage)
        if self.map.selected_touch:
            self._select_touch_row(self.map.selected_touch)
        self._update_actions()

    def _edit_stage(self, stage_id: str) -> None:
        row = self.stage_model.row_of(stage_id)
        if row >= 0:
            index = self.stage_model.index(row, StageTableModel.NAME)
            self.stage_table.setCurrentIndex(index)
            self.stage_table.edit(index)

    def _edit_touch(self, touch_id: str) -> None:
        row = self.touch_model.row_of(touch_id)
        if row >= 0:
            index = self.touch_model.index(row, TouchTableModel.NAME)
            self.touch_table.setCurrentIndex(index)
            self.touch_table.scrollTo(index)
            self.touch_table.edit(index)

    # -- errors -----------------------------------------------------------------------

    def _refused_at(self, message: str, index: QModelIndex) -> None:
        self.show_error(message)
        table = self.stage_table if index.model() is self.stage_model else self.touch_table
        rect = table.visualRect(index)
        QToolTip.showText(
            table.viewport().mapToGlobal(rect.bottomLeft()), f"{WARNING_GLYPH} {message}", table
        )

    def show_error(self, message: str) -> None:
        self.error.setText(f"{WARNING_GLYPH}  Not applied — {message}")
        self.error.show()
        self.sig_message.emit(f"Not applied: {message}")

    def clear_error(self) -> None:
        self.error.hide()
        self.error.clear()

    # -- stage and touch edits -----------------------------------------------------------

    def _apply(self, product: Any, text: str) -> bool:
        plan = edits.with_product(self.controller.plan, product)
        error = self.controller.apply(plan, text)
        if error is not None:
            self.show_error(error_in_words(plan, error))
            return False
        self.clear_error()
        return True

    def add_stage(self) -> str | None:
        product = self.product
        if product is None:
            return None
        new, sid = edits.add_stage(product, self.current_stage())
        if self._apply(new, "Add a stage"):
            self.select(stage=sid)
            return sid
        return None

    def delete_stage(self) -> bool:
        product, sid = self.product, self.current_stage()
        if product is None or sid is None:
            return False
        stage = product.stage(sid)
        if len(product.stages) == 1:
            self.show_error(
                f"“{stage.name}” is the only stage of {product.name}; a product needs at "
                "least one stage, so add another one before deleting it."
            )
            return False
        return self._apply(edits.delete_stage(product, sid), f"Delete stage “{stage.name}”")

    def move_stage(self, delta: int) -> bool:
        product, sid = self.product, self.current_stage()
        if product is None or sid is None:
            return False
        stage = product.stage(sid)
        ok = self._apply(edits.move_stage(product, sid, delta), f"Move stage “{stage.name}”")
        if ok:
            self.select(stage=sid)
        return ok

    def add_touch(self) -> str | None:
        product = self.product
        if product is None or not product.stages:
            return None
        new, tid = edits.add_touch(self.controller.plan, product, self.current_stage())
        if self._apply(new, "Add a touch"):
            self.select(touch=tid)
            return tid
        return None

    def duplicate_touch(self) -> str | None:
        product, tid = self.product, self.current_touch()
        if product is None or tid is None:
            return None
        new, copy = edits.duplicate_touch(product, tid)
        if self._apply(new, "Duplicate a touch"):
            self.select(touch=copy)
            return copy
        return None

    def delete_in_map(self) -> bool:
        """Delete what the cycle map has selected: a touch, else a stage."""
        if self.map.dragging:
            return False
        if self.map.selected_touch is not None:
            self._select_touch_row(self.map.selected_touch)
            return self.delete_touch()
        if self.map.selected_stage is not None:
            self._select_stage_row(self.map.selected_stage)
            return self.delete_stage()
        return False

    def delete_touch(self) -> bool:
        product, tid = self.product, self.current_touch()
        if product is None or tid is None:
            return False
        touch = next(t for t in product.touches if t.id == tid)
        return self._apply(edits.delete_touch(product, tid), f"Delete touch “{touch.name}”")
