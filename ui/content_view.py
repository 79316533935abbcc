"""Content: the plan's content library, its coverage of each product's stages, and run-out.

``ContentView(controller)``:

* the library table (title, kind, products, stages, persona, owner, ready, review
  by, the touches that send it); **Add asset…**, **Edit…** and **Delete** go through
  :mod:`cadence.ops` (``add_asset``, ``set_asset``, ``delete_asset``) and
  ``controller.apply``: each is one undo step;
* the coverage matrix of one product (:func:`cadence.content.stage_coverage`): a
  row per stage, a column per asset that serves the product, ● where the asset
  serves the stage, and what the stage lacks in the warning colour;
* the assets running out: review dates within 30 days of today
  (:func:`cadence.content.assets_running_out`).

:class:`AssetDialog` is the asset form, also opened prefilled from a delivered
request (Requests tab ▸ Add to library…).

Preview: ``python -m ui.content_view demo [out.png]``.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cadence import ops
from cadence.content import assets_running_out, stage_coverage, touches_using
from cadence.model import ASSET_KINDS, Asset, Plan
from ui.dialog_base import PlanDialog
from ui.theme import WARNING_GLYPH, colors
from ui.widgets import add_delete_action

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

COLUMNS = (
    "Asset",
    "Kind",
    "Products",
    "Stages",
    "Persona",
    "Owner",
    "Ready",
    "Review by",
    "Sent by",
)
RUN_OUT_DAYS = 30
SERVES_MARK = "●"


def _names(ids: tuple[str, ...] | None, every: str) -> str:
    return ", ".join(ids) if ids is not None else every


def asset_cells(plan: Plan, asset: Asset) -> list[str]:
    """The library table's row of one asset."""
    team = plan.team(asset.owner)
    products = (
        ", ".join((plan.product(p).name if plan.product(p) else p) for p in asset.products)  # type: ignore[union-attr]
        if asset.products is not None
        else "every product"
    )
    used = touches_using(plan, asset.id)
    return [
        asset.title,
        ASSET_KINDS.get(asset.kind, asset.kind),
        products,
        _names(asset.stages, "every stage"),
        asset.persona or "",
        team.name if team else asset.owner,
        asset.ready_on.isoformat(),
        asset.review_by.isoformat() if asset.review_by else "",
        ", ".join(f"{p}/{t}" for p, t in used) if used else "",
    ]


class AssetModel(QAbstractTableModel):
    """The library: a thin adapter over ``controller.plan.content``."""

    def __init__(self, controller: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.assets: tuple[Asset, ...] = ()

    def reset(self) -> None:
        self.beginResetModel()
        self.assets = self.controller.plan.content
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.assets)

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.assets):
            return None
        asset = self.assets[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return asset_cells(self.controller.plan, asset)[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return asset.id
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0 and asset.url:
            return asset.url
        return None


class AssetDialog(PlanDialog):
    """The form of one asset: a new one (``asset_id`` None, optionally prefilled) or an edit."""

    def __init__(
        self,
        controller: Any,
        parent: QWidget | None = None,
        asset_id: str | None = None,
        prefill: Asset | None = None,
    ) -> None:
        super().__init__(controller, parent)
        plan: Plan = controller.plan
        self.asset_id = asset_id
        current = plan.asset(asset_id) if asset_id else prefill
        self.undo_text = f"Edit asset “{current.title}”" if asset_id and current else "Add asset"
        self.setWindowTitle("Edit asset" if asset_id else "New asset")
        self.setAccessibleName(self.windowTitle())
        form = QFormLayout()
        self.title_edit = QLineEdit(current.title if current else "")
        self.title_edit.setAccessibleName("Title")
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Kind")
        for kind, label in ASSET_KINDS.items():
            self.kind_combo.addItem(label, kind)
        self.kind_combo.setCurrentIndex(
            max(0, self.kind_combo.findData(current.kind if current else "case_study"))
        )
        self.all_products = QCheckBox("Every product")
        self.products = QListWidget()
        self.products.setAccessibleName("Products")
        for p in plan.products:
            item = QListWidgetItem(p.name)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            chosen = (
                current is not None and current.products is not None and p.id in current.products
            )
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.products.addItem(item)
        self.all_products.setChecked(current is None or current.products is None)
        self.all_stages = QCheckBox("Every stage")
        self.stages = QListWidget()
        self.stages.setAccessibleName("Stages")
        stage_names: dict[str, str] = {}
        for p in plan.products:
            for s in p.stages:
                stage_names.setdefault(s.id, s.name)
        for sid, name in stage_names.items():
            item = QListWidgetItem(f"{name} ({sid})")
            item.setData(Qt.ItemDataRole.UserRole, sid)
            chosen = current is not None and current.stages is not None and sid in current.stages
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
            self.stages.addItem(item)
        self.all_stages.setChecked(current is None or current.stages is None)
        for box, lst in ((self.all_products, self.products), (self.all_stages, self.stages)):
            lst.setMaximumHeight(110)
            lst.setEnabled(not box.isChecked())
            box.toggled.connect(lambda on, w=lst: w.setEnabled(not on))
        self.persona_edit = QLineEdit(current.persona or "" if current else "")
        self.persona_edit.setPlaceholderText("every persona")
        self.persona_edit.setAccessibleName("Persona")
        self.owner_combo = QComboBox()
        self.owner_combo.setAccessibleName("Owner")
        for t in plan.teams:
            self.owner_combo.addItem(t.name, t.id)
        if current is not None:
            self.owner_combo.setCurrentIndex(max(0, self.owner_combo.findData(current.owner)))
        self.ready_edit = QDateEdit()
        self.ready_edit.setCalendarPopup(True)
        self.ready_edit.setDisplayFormat("yyyy-MM-dd")
        self.ready_edit.setAccessibleName("Ready on")
        _set_date(self.ready_edit, current.ready_on if current else plan.start)
        self.review_check = QCheckBox("Review by")
        self.review_edit = QDateEdit()
        self.review_edit.setCalendarPopup(True)
        self.review_edit.setDisplayFormat("yyyy-MM-dd")
        self.review_edit.setAccessibleName("Review by")
        review = current.review_by if current else None
        self.review_check.setChecked(review is not None)
        _set_date(self.review_edit, review or plan.end)
        self.review_edit.setEnabled(review is not None)
        self.review_check.toggled.connect(self.review_edit.setEnabled)
        self.url_edit = QLineEdit(current.url or "" if current else "")
        self.url_edit.setPlaceholderText("https://…")
        self.url_edit.setAccessibleName("Address")
        review_row = QHBoxLayout()
        review_row.addWidget(self.review_check)
        review_row.addWidget(self.review_edit, 1)
        form.addRow("&Title", self.title_edit)
        form.addRow("&Kind", self.kind_combo)
        form.addRow("Products", self.all_products)
        form.addRow("", self.products)
        form.addRow("Stages", self.all_stages)
        form.addRow("", self.stages)
        form.addRow("&Persona", self.persona_edit)
        form.addRow("&Owner", self.owner_combo)
        form.addRow("&Ready on", self.ready_edit)
        form.addRow("", review_row)
        form.addRow("&Address", self.url_edit)
        self.body.addLayout(form)
        self.prefill = prefill

    def _checked(self, lst: QListWidget) -> tuple[str, ...]:
        return tuple(
            lst.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(lst.count())
            if lst.item(i).checkState() == Qt.CheckState.Checked
        )

    def asset(self) -> Asset:
        """The asset the form describes (its id kept on edit, from the title when new)."""
        title = self.title_edit.text().strip()
        base = self.asset_id or (self.prefill.id if self.prefill else "") or title
        return Asset(
            id=ops.unique_id(base, (), "asset") if not self.asset_id else self.asset_id,
            title=title,
            kind=self.kind_combo.currentData(),
            owner=self.owner_combo.currentData() or "",
            ready_on=self.ready_edit.date().toPython(),  # type: ignore[arg-type]
            stages=None if self.all_stages.isChecked() else self._checked(self.stages),
            products=None if self.all_products.isChecked() else self._checked(self.products),
            persona=self.persona_edit.text().strip() or None,
            review_by=self.review_edit.date().toPython() if self.review_check.isChecked() else None,  # type: ignore[arg-type]
            url=self.url_edit.text().strip() or None,
        )

    def new_plan(self) -> Plan | str:
        asset = self.asset()
        if not asset.title:
            return "The asset needs a title."
        if asset.products == ():
            return "Tick at least one product, or Every product."
        if asset.stages == ():
            return "Tick at least one stage, or Every stage."
        plan: Plan = self.controller.plan
        if self.asset_id is None:
            return ops.add_asset(plan, asset).plan
        return ops.set_asset(plan, self.asset_id, asset).plan


def _set_date(edit: QDateEdit, d: date) -> None:
    edit.setDate(QDate(d.year, d.month, d.day))


class ContentView(QWidget):
    """The Content tab: the library, the coverage matrix of one product, run-out."""

    def __init__(
        self, controller: Any, parent: QWidget | None = None, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.today = today or controller.plan.start
        self.dialog: AssetDialog | None = None

        self.add_button = QPushButton("Add asset…")
        self.add_button.setToolTip("Add an asset to the content library (Ctrl+Shift+L)")
        self.add_button.setAccessibleName("Add asset")
        self.add_button.clicked.connect(lambda: self.add_asset())
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Edit the selected asset (Enter)")
        self.edit_button.setAccessibleName("Edit asset")
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip(
            "Remove the selected asset from the library (touches that send it show a "
            "content gap; Edit ▸ Undo brings it back)"
        )
        self.delete_button.setAccessibleName("Delete asset")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.status = QLabel()
        self.status.setWordWrap(True)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("<b>Content library</b>"))
        bar.addStretch(1)
        for button in (self.add_button, self.edit_button, self.delete_button):
            bar.addWidget(button)

        self.model = AssetModel(controller, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Content library")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())

        self.product_combo = QComboBox()
        self.product_combo.setAccessibleName("Coverage of product")
        self.product_combo.currentIndexChanged.connect(lambda _i: self._fill_matrix())
        self.matrix = QTableWidget()
        self.matrix.setAccessibleName("Coverage: stages and assets")
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.matrix_summary = QLabel()
        self.running_out = QLabel()
        self.running_out.setWordWrap(True)
        self.running_out.setTextFormat(Qt.TextFormat.RichText)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        coverage_bar = QHBoxLayout()
        coverage_bar.addWidget(QLabel("<b>Coverage</b> of"))
        coverage_bar.addWidget(self.product_combo)
        coverage_bar.addWidget(self.matrix_summary, 1)
        lower_layout.addLayout(coverage_bar)
        lower_layout.addWidget(self.matrix, 1)
        lower_layout.addWidget(self.running_out)

        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(bar)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.status)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)

        add = QShortcut(QKeySequence("Ctrl+Shift+L"), self)
        add.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        add.activated.connect(self.add_asset)
        edit = QShortcut(QKeySequence(Qt.Key.Key_Return), self.table)
        edit.setContext(Qt.ShortcutContext.WidgetShortcut)
        edit.activated.connect(self.edit_selected)
        self.act_delete = add_delete_action(self.table, "Delete asset", self.delete_selected)

        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_actions())
        controller.sig_plan_changed.connect(lambda _changes: self.refresh())
        controller.sig_navigate.connect(self._on_navigate)
        self.refresh()

    # -- showing -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the library after an edit, undo, redo or open."""
        selected = self.selected_asset_id()
        self.model.reset()
        if selected is not None:
            self.select_asset(selected)
        plan: Plan = self.controller.plan
        current = self.product_id()
        self.product_combo.blockSignals(True)
        self.product_combo.clear()
        for p in plan.products:
            lacking = sum(1 for r in stage_coverage(plan, p) if not r.covered)
            label = f"{p.name}  {WARNING_GLYPH}{lacking}" if lacking and plan.content else p.name
            self.product_combo.addItem(label, p.id)
        self.product_combo.setCurrentIndex(max(0, self.product_combo.findData(current)))
        self.product_combo.blockSignals(False)
        self._fill_matrix()
        self._fill_running_out()
        self._update_actions()

    def product_id(self) -> str | None:
        data = self.product_combo.currentData()
        return data if isinstance(data, str) else None

    def set_product(self, product_id: str) -> None:
        index = self.product_combo.findData(product_id)
        if index >= 0:
            self.product_combo.setCurrentIndex(index)

    def _fill_matrix(self) -> None:
        plan: Plan = self.controller.plan
        product = plan.product(self.product_id())
        self.matrix.clear()
        if product is None:
            self.matrix.setRowCount(0)
            self.matrix.setColumnCount(0)
            self.matrix_summary.setText("")
            return
        rows = stage_coverage(plan, product)
        columns = [a for a in plan.content if any(a.id in r.assets for r in rows)]
        self.matrix.setRowCount(len(rows))
        self.matrix.setColumnCount(len(columns) + 1)
        self.matrix.setHorizontalHeaderLabels([a.title for a in columns] + ["Lacks"])
        self.matrix.setVerticalHeaderLabels([r.stage_name for r in rows])
        warn = QColor(colors().warning_text)
        for i, r in enumerate(rows):
            for j, a in enumerate(columns):
                item = QTableWidgetItem(SERVES_MARK if a.id in r.assets else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if a.id in r.assets:
                    who = f" ({a.persona})" if a.persona else ""
                    item.setToolTip(f"“{a.title}”{who} serves {r.stage_name}")
                self.matrix.setItem(i, j, item)
            lack = self.lacks_text(r.lacks) if plan.content else ""
            item = QTableWidgetItem(lack)
            if lack:
                item.setForeground(warn)
            self.matrix.setItem(i, len(columns), item)
        header = self.matrix.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        covered = sum(1 for r in rows if r.covered)
        self.matrix_summary.setText(f"{covered} of {len(rows)} stages covered")

    @staticmethod
    def lacks_text(lacks: tuple[str, ...]) -> str:
        if not lacks:
            return ""
        if lacks == ("",):
            return f"{WARNING_GLYPH} no asset"
        return f"{WARNING_GLYPH} " + ", ".join(f"persona {p}" for p in lacks)

    def matrix_rows(self) -> list[list[str]]:
        """The matrix as text, row by row (stage name first): what the user reads."""
        out = []
        for i in range(self.matrix.rowCount()):
            head = self.matrix.verticalHeaderItem(i)
            cells = [self.matrix.item(i, j).text() for j in range(self.matrix.columnCount())]  # type: ignore[union-attr]
            out.append([head.text() if head else "", *cells])
        return out

    def _fill_running_out(self) -> None:
        plan: Plan = self.controller.plan
        end = self.today + timedelta(days=RUN_OUT_DAYS)
        found = assets_running_out(plan, self.today, end)
        if not found:
            self.running_out.setText(
                f"No asset is due for review in the next {RUN_OUT_DAYS} days (to {end})."
            )
            return
        items = []
        for r in found:
            used = ", ".join(f"{p}/{t}" for p, t in r.touches) or "no touch"
            items.append(
                f"{WARNING_GLYPH} <b>{html.escape(r.asset.title)}</b> — review by "
                f"{r.review_by} (sent by {html.escape(used)})"
            )
        self.running_out.setText(
            f"<b>Running out</b> (review due by {end}):<br>" + "<br>".join(items)
        )

    # -- editing ---------------------------------------------------------------------------

    def selected_asset_id(self) -> str | None:
        index = self.table.currentIndex()
        return (
            self.model.data(self.model.index(index.row(), 0), Qt.ItemDataRole.UserRole)
            if index.isValid()
            else None
        )

    def select_asset(self, asset_id: str) -> bool:
        for row, a in enumerate(self.model.assets):
            if a.id == asset_id:
                self.table.selectRow(row)
                return True
        return False

    def _update_actions(self) -> None:
        editable = not self.controller.read_only
        has = self.selected_asset_id() is not None
        self.add_button.setEnabled(editable)
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(editable and has)

    def add_asset(self, prefill: Asset | None = None) -> AssetDialog:
        """Open the asset form (window-modal, not blocking) for a new asset."""
        return self._open(AssetDialog(self.controller, self, None, prefill))

    def edit_selected(self) -> AssetDialog | None:
        asset_id = self.selected_asset_id()
        if asset_id is None:
            self.status.setText("Select an asset in the library first.")
            return None
        return self._open(AssetDialog(self.controller, self, asset_id))

    def _open(self, dialog: AssetDialog) -> AssetDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def delete_selected(self) -> str | None:
        """Remove the selected asset (one undo step); the refusal, or None."""
        asset_id = self.selected_asset_id()
        plan: Plan = self.controller.plan
        asset = plan.asset(asset_id)
        if asset is None:
            return None
        error = self.controller.apply(
            ops.delete_asset(plan, asset.id).plan, f"Delete asset “{asset.title}”"
        )
        if error is not None:
            self.status.setText(f"{WARNING_GLYPH} {error}")
            return error
        self.status.setText(f"Deleted “{asset.title}” (Edit ▸ Undo brings it back).")
        return None

    def _on_navigate(self, target: Any) -> None:
        if getattr(target, "tab", None) == "content" and target.product:
            self.set_product(target.product)


def asset_for_request(plan: Plan, request_id: str) -> Asset:
    """A new asset prefilled from a delivered request (the form opens with it)."""
    from cadence.content import asset_from_request

    request = plan.request(request_id)
    assert request is not None
    return replace(asset_from_request(plan, request), kind="other")


def _prepare(widget: QWidget, _controller: Any) -> None:
    assert isinstance(widget, ContentView)
    widget.set_product("mobile")


if __name__ == "__main__":
    from ui.preview import run_preview

    raise SystemExit(
        run_preview(
            "ui.content_view", ContentView, title="content", size=(1100, 640), prepare=_prepare
        )
    )
