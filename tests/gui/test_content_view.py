"""The Content tab on the demo plan: the library (add, edit, delete as undo steps), the
coverage matrix, run-out; the asset picker on a touch; requests and the library."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QDialogButtonBox

from ui import app as app_module
from ui.content_view import AssetDialog, ContentView
from ui.main_window import TABS
from ui.requests_view import RequestsView
from ui.tables import TouchTableModel

TODAY = date(2027, 9, 15)


@pytest.fixture
def view(qtbot, controller):
    widget = ContentView(controller, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1100, 640)
    widget.show()
    qtbot.waitExposed(widget)
    QAbstractItemModelTester(widget.model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    return widget


def ok(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_library_table_matrix_and_run_out(view):
    model = view.model
    assert model.rowCount() == 7
    assert [model.index(3, c).data() for c in range(model.columnCount())] == [
        "ROI calculator",
        "ROI sheet",
        "Analytics Suite, Billing Cloud",
        "qualify, close",
        "",
        "Marketing",
        "2027-01-04",
        "2027-09-30",
        "analytics/roi",
    ]
    assert [view.product_combo.itemText(i) for i in range(3)] == [
        "Analytics Suite  ⚠1",
        "Billing Cloud",
        "Field Mobile  ⚠3",
    ]
    view.set_product("mobile")
    assert view.matrix_rows() == [
        ["Awareness", "●", "", ""],
        ["Nurture", "", "", "⚠ no asset"],
        ["Marketing qualified", "", "", "⚠ no asset"],
        ["Sales qualified", "", "", "⚠ no asset"],
        ["Site demo", "", "●", ""],
        ["Closing", "", "●", ""],
    ]
    assert view.matrix_summary.text() == "3 of 6 stages covered"
    assert "ROI calculator</b> — review by 2027-09-30 (sent by analytics/roi)" in (
        view.running_out.text()
    )


def test_add_asset_is_one_undo_step_and_covers_a_stage(qtbot, view, controller):
    view.set_product("mobile")
    dialog = view.add_asset()
    dialog.title_edit.setText("Technician stories")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("blog_post"))
    dialog.all_products.setChecked(False)
    dialog.products.item(2).setCheckState(Qt.CheckState.Checked)  # Field Mobile
    dialog.all_stages.setChecked(False)
    for row in range(dialog.stages.count()):
        if dialog.stages.item(row).data(Qt.ItemDataRole.UserRole) == "nurture":
            dialog.stages.item(row).setCheckState(Qt.CheckState.Checked)
    dialog.review_check.setChecked(True)
    dialog.review_edit.setDate(QDate(2027, 10, 1))
    ok(dialog)
    asset = controller.plan.asset("technician-stories")
    assert (asset.kind, asset.products, asset.stages, asset.review_by) == (
        "blog_post",
        ("mobile",),
        ("nurture",),
        date(2027, 10, 1),
    )
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.text(0) == "Add asset"
    assert view.matrix_rows()[1][-1] == ""
    assert view.matrix_summary.text() == "4 of 6 stages covered"
    assert controller.gap_kind_counts()["coverage"] == 3
    controller.undo()
    assert controller.plan.asset("technician-stories") is None
    assert controller.gap_kind_counts()["coverage"] == 4


def test_a_refused_asset_keeps_the_form_open(view, controller):
    dialog = view.add_asset()
    dialog.title_edit.setText("Backwards")
    dialog.ready_edit.setDate(QDate(2027, 5, 1))
    dialog.review_check.setChecked(True)
    dialog.review_edit.setDate(QDate(2027, 4, 1))
    ok(dialog)
    assert dialog.isVisible()
    assert "ready" in dialog.error.text()
    assert controller.undo_stack.count() == 0
    dialog.reject()


def test_edit_and_delete_the_selected_asset(qtbot, view, controller):
    assert view.select_asset("roi-calculator")
    dialog = view.edit_selected()
    dialog.review_edit.setDate(QDate(2027, 12, 31))
    ok(dialog)
    assert controller.plan.asset("roi-calculator").review_by == date(2027, 12, 31)
    assert controller.undo_stack.text(0) == "Edit asset “ROI calculator”"
    assert controller.gap_kind_counts()["content"] == 1  # only the case study, not ready
    assert view.select_asset("roi-calculator")
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Delete)
    assert controller.plan.asset("roi-calculator") is None
    assert controller.undo_stack.count() == 2
    assert view.status.text() == "Deleted “ROI calculator” (Edit ▸ Undo brings it back)."
    # The touch still names it: each of its occurrences is now a "missing" content gap.
    assert controller.gap_kind_counts()["content"] == 41
    controller.undo()
    assert controller.plan.asset("roi-calculator").review_by == date(2027, 12, 31)


def test_asset_picker_on_a_touch(qtbot, editor, controller):
    model = editor.touch_model
    row = model.row_of("kickoff")
    index = model.index(row, TouchTableModel.ASSET)
    assert index.data() == "—"
    labels = [c[0] for c in index.data(Qt.ItemDataRole.UserRole + 1).choices]
    assert labels[:2] == ["No asset", "Northwind at a glance (not for this stage)"]
    assert model.setData(index, "overview")
    assert controller.plan.product("analytics").touches[row].asset == "overview"
    assert controller.undo_stack.text(0) == "Set asset of “Onboarding kickoff”"
    assert index.data() == "Northwind at a glance"
    tour = model.index(model.row_of("tour"), TouchTableModel.ASSET)
    assert [c[0] for c in tour.data(Qt.ItemDataRole.UserRole + 1).choices][:3] == [
        "No asset",
        "Northwind at a glance",
        "Analytics product tour",
    ]


def test_a_delivered_request_becomes_an_asset(qtbot, controller):
    requests = RequestsView(controller, today=date(2027, 3, 9))
    qtbot.addWidget(requests)
    requests.show()
    qtbot.waitExposed(requests)
    assert requests.select_request("roi-sheet-globex")
    assert not requests.library_button.isEnabled()  # scheduled, not delivered
    assert requests.select_request("acme-case-study")
    assert requests.library_button.isEnabled()
    qtbot.mouseClick(requests.library_button, Qt.MouseButton.LeftButton)
    (dialog,) = requests.findChildren(AssetDialog)
    assert dialog.title_edit.text() == "Case study: Acme Logistics rollout"
    assert dialog.ready_edit.date() == QDate(2027, 2, 5)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("case_study"))
    ok(dialog)
    asset = controller.plan.asset("acme-case-study")
    assert (asset.kind, asset.owner, asset.products, asset.stages, asset.ready_on) == (
        "case_study",
        "mkt",
        ("analytics",),
        ("negotiate",),
        date(2027, 2, 5),
    )
    assert controller.undo_stack.count() == 1


def test_a_late_answer_offers_reuse(qtbot, controller):
    requests = RequestsView(controller, today=date(2027, 3, 2))
    qtbot.addWidget(requests)
    requests.show()
    requests.product_combo.setCurrentIndex(requests.product_combo.findData("billing"))
    requests.stage_combo.setCurrentIndex(requests.stage_combo.findData("close"))
    requests.title_edit.setText("ROI sheet for Initech")
    requests.requested_on.setDate(QDate(2027, 3, 2))
    requests.needed_by.setDate(QDate(2027, 3, 9))
    requests.days_spin.setValue(3)
    requests.update_answer()
    assert (
        "reuse: ROI calculator, ready (roi-calculator, ROI sheet)" in requests.answer_plain_text()
    )


def test_content_tab_in_the_main_window(qtbot, tmp_path, monkeypatch):
    from ui import documents

    monkeypatch.setattr(documents, "data_dir", lambda: tmp_path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = app_module.build_window([], settings, open_now=False, today=date(2027, 3, 9))
    qtbot.addWidget(win)
    win.resize(1024, 700)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.empty_state is None)
    assert TABS[-2] == "content" and TABS[-3] == "actuals"
    action = win.tab_actions[TABS.index("content")]
    assert action.shortcut().toString() == "Ctrl+6"
    action.trigger()
    assert win.tabs.currentIndex() == 5
    assert isinstance(win.content, ContentView)
    assert win.tabs.tabBar().accessibleTabName(5) == "Content"
    # The Delete key of the library table deletes the asset (no other window action takes it).
    assert win.content.select_asset("fleet-tco")
    win.content.table.setFocus()
    qtbot.keyClick(win.content.table, Qt.Key.Key_Delete)
    assert win.controller.plan.asset("fleet-tco") is None
    assert win.controller.undo_stack.undoText() == "Delete asset “Fleet TCO one-pager”"
    win.controller.undo()
    assert win.controller.plan.asset("fleet-tco") is not None
    win.close()


def test_add_asset_shortcut_opens_the_form(qtbot, view):
    view.table.setFocus()
    qtbot.keyClick(
        view.table,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert view.dialog is not None and view.dialog.windowTitle() == "New asset"
    view.dialog.reject()
