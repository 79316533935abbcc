"""The cycle-map tab driven like a user: tables, map drags, the product list, refusals."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QSpinBox

from cadence.demo import demo_plan
from ui.cycle_map import LEFT
from ui.product_list import GAPS_ROLE, ProductListModel, SidePanel
from ui.tables import StageTableModel, TouchTableModel

WARN = pytest.mark.qt_log_level_fail("WARNING")


def model_tester(model):
    return QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)


def edit_cell(qtbot, table, row, column, value):
    """Open the cell's editor like a double-click, type the value, press Enter."""
    index = table.model().index(row, column)
    table.setCurrentIndex(index)
    table.edit(index)
    qtbot.waitUntil(lambda: table.state() == table.State.EditingState)
    editor = QApplication.focusWidget()
    if isinstance(editor, QLineEdit) and isinstance(editor.parent(), QSpinBox):
        editor = editor.parent()
    if isinstance(editor, QSpinBox):
        editor.setValue(value)
    elif isinstance(editor, QComboBox):
        editor.setCurrentIndex(editor.findData(value))
    else:
        assert isinstance(editor, QLineEdit)
        editor.setText(str(value))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)


def badge(panel_model: ProductListModel, product_id: str) -> int:
    return panel_model.index(panel_model.row_of(product_id)).data(GAPS_ROLE)


@WARN
def test_models_pass_the_model_tester_through_edits(qtbot, controller, editor):
    testers = [model_tester(editor.stage_model), model_tester(editor.touch_model)]
    side = SidePanel(controller)
    qtbot.addWidget(side)
    testers.append(model_tester(side.model))
    editor.add_stage()
    editor.add_touch()
    side.add_product()
    side.move_product(-1)
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    editor.set_product("billing")
    side.delete_product()
    controller.undo_stack.undo()
    assert editor.stage_model.rowCount() == 4
    assert len(testers) == 3


def test_add_a_stage_edit_its_days_in_the_table_bar_and_gaps_follow(qtbot, controller, editor):
    side_model = ProductListModel(controller)
    gaps_before = badge(side_model, "analytics")
    sid = editor.add_stage()
    assert sid == "new-stage"
    row = editor.stage_model.row_of(sid)
    assert row == 5  # after the last stage (no stage selected)
    assert editor.stage_model.index(row, StageTableModel.DAYS).data() == 14

    edit_cell(qtbot, editor.stage_table, row, StageTableModel.DAYS, 30)

    product = controller.plan.product("analytics")
    assert product.stage(sid).days == 30
    assert editor.stage_model.index(row, StageTableModel.DAYS).data() == 30
    rect = editor.map.stage_rect(sid)
    assert rect.width() == pytest.approx(30 * editor.map.ppd)
    assert rect.width() / editor.map.stage_rect("aware").width() == pytest.approx(30 / 14)
    # A month without a single touch: the silence rule (14 days) flags every cohort.
    gaps_after = badge(side_model, "analytics")
    assert gaps_after == len(controller.gaps_of("analytics"))
    assert gaps_after > gaps_before
    assert any(g.kind == "silence" and g.stage == sid for g in controller.gaps)
    assert editor.stage_model.index(row, StageTableModel.GAPS).data().startswith("⚠")


def test_a_bad_edit_is_refused_at_the_field_with_the_message(qtbot, controller, editor):
    edit_cell(qtbot, editor.stage_table, 0, StageTableModel.DAYS, 0)
    assert controller.plan.product("analytics").stage("aware").days == 14
    assert editor.error.isVisible()
    assert (
        editor.error.text()
        == "⚠  Not applied — Stage “Awareness” of Analytics Suite: days must be at least 1"
    )
    assert controller.undo_stack.count() == 0
    # The next good edit clears it.
    edit_cell(qtbot, editor.stage_table, 0, StageTableModel.DAYS, 15)
    assert not editor.error.isVisible()


def test_an_offset_past_the_stage_end_is_refused(qtbot, controller, editor):
    row = editor.touch_model.row_of("welcome")
    edit_cell(qtbot, editor.touch_table, row, TouchTableModel.OFFSET, 14)
    assert "Touch “Welcome email” of Analytics Suite: offset (days) must be" in (
        editor.error.text()
    )
    assert controller.plan.product("analytics").touches[0].offset_days == 0


def test_a_bad_time_is_refused_and_a_good_one_applied(qtbot, controller, editor):
    row = editor.touch_model.row_of("tour")
    edit_cell(qtbot, editor.touch_table, row, TouchTableModel.TIME, "25:00")
    assert "Touch “Product tour video” of Analytics Suite: time of day must" in (
        editor.error.text()
    )
    edit_cell(qtbot, editor.touch_table, row, TouchTableModel.TIME, "8:15")
    touch = controller.plan.product("analytics").touches[1]
    assert touch.time.strftime("%H:%M") == "08:15"
    edit_cell(qtbot, editor.touch_table, row, TouchTableModel.TIME, "")
    assert controller.plan.product("analytics").touches[1].time is None


def test_a_refusal_clears_once_the_plan_changes(qtbot, controller, editor):
    edit_cell(qtbot, editor.stage_table, 0, StageTableModel.DAYS, 16)
    edit_cell(qtbot, editor.stage_table, 0, StageTableModel.DAYS, 0)
    assert editor.error.isVisibleTo(editor)
    controller.undo()  # or a drag, a dialog, an edit elsewhere
    assert controller.plan.product("analytics").stage("aware").days == 14
    assert not editor.error.isVisibleTo(editor)
    assert editor.error.text() == ""


def test_owner_to_none_makes_an_unowned_gap_appear(qtbot, controller, editor):
    editor.set_product("billing")
    assert not [g for g in controller.gaps_of("billing") if g.kind == "unowned"]
    row = editor.stage_model.row_of("evaluate")
    edit_cell(qtbot, editor.stage_table, row, StageTableModel.OWNER, None)
    assert controller.plan.product("billing").stage("evaluate").owner is None
    unowned = [g for g in controller.gaps_of("billing") if g.kind == "unowned"]
    assert unowned and all(g.stage == "evaluate" for g in unowned)
    assert editor.stage_model.index(row, StageTableModel.OWNER).data() == "⚠ No owner"
    bands = [i for i in editor.map.gap_items() if i.gap.kind == "unowned"]
    assert len(bands) == 1
    assert bands[0].pill.width() == pytest.approx(14 * editor.map.ppd)
    controller.undo_stack.undo()
    assert not [g for g in controller.gaps_of("billing") if g.kind == "unowned"]


def test_drag_a_stage_edge_then_undo_it(qtbot, controller, editor):
    view = editor.map
    rect = view.stage_rect("aware")
    ppd = view.ppd
    y = rect.center().y()
    start = view.view_point(QPointF(rect.right() - 1, y)).toPoint()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in (1, 2, 3):
        qtbot.mouseMove(view.viewport(), start + QPoint(round(step * ppd), 0))
    qtbot.mouseRelease(
        view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(round(3 * ppd), 0)
    )
    assert controller.plan.product("analytics").stage("aware").days == 17
    assert controller.undo_stack.count() == 1  # three steps, one command
    assert controller.undo_stack.undoText() == "Resize “Awareness” to 17 days"
    assert editor.stage_model.index(0, StageTableModel.DAYS).data() == 17
    controller.undo_stack.undo()
    assert controller.plan.product("analytics").stage("aware").days == 14
    assert view.stage_rect("aware").width() == pytest.approx(14 * view.ppd)


def test_drag_a_touch_onto_another_stage(qtbot, controller, editor):
    view = editor.map
    point = view.touch_point("tour")  # Awareness, day 4
    start = view.view_point(point).toPoint()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    target = start + QPoint(round(12 * view.ppd), 0)  # journey day 16 = Consideration day 2
    qtbot.mouseMove(view.viewport(), start + QPoint(round(6 * view.ppd), 0))
    qtbot.mouseMove(view.viewport(), target)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    touch = next(t for t in controller.plan.product("analytics").touches if t.id == "tour")
    assert (touch.stage, touch.offset_days) == ("consider", 2)
    assert controller.undo_stack.count() == 1
    assert editor.current_touch() == "tour"


def test_escape_cancels_a_drag(qtbot, controller, editor):
    view = editor.map
    rect = view.stage_rect("consider")
    start = view.view_point(QPointF(rect.right() - 1, rect.center().y())).toPoint()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), start + QPoint(round(4 * view.ppd), 0))
    assert view.stage_rect("consider").width() == pytest.approx(25 * view.ppd)
    assert controller.plan.product("analytics").stage("consider").days == 21  # not saved yet
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.stage_rect("consider").width() == pytest.approx(21 * view.ppd)
    assert controller.plan.product("analytics").stage("consider").days == 21
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    assert controller.undo_stack.count() == 0


def test_map_and_tables_share_the_selection(qtbot, controller, editor):
    view = editor.map
    rect = view.stage_rect("qualify")
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.view_point(rect.center()).toPoint()
    )
    assert editor.current_stage() == "qualify"
    editor.touch_table.setCurrentIndex(editor.touch_model.index(3, 0))
    assert view.selected_touch == "digest"


def test_double_click_in_a_lane_adds_a_touch_on_that_day(qtbot, controller, editor):
    view = editor.map
    point = QPointF(LEFT + 40.5 * view.ppd, view.touch_point("roi").y())  # day 40: Qualification 5
    qtbot.mouseDClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.view_point(point).toPoint()
    )
    qtbot.waitUntil(lambda: len(controller.plan.product("analytics").touches) == 12)
    added = controller.plan.product("analytics").touches[-1]
    assert (added.stage, added.offset_days, added.owner) == ("qualify", 5, "mkt")
    editor.touch_table.closePersistentEditor(editor.touch_table.currentIndex())


def test_zoom_and_fit(qtbot, editor):
    view = editor.map
    fitted = view.ppd
    view.zoom_in()
    assert view.ppd == pytest.approx(fitted * 1.25)
    assert not view.fit
    view.fit_to_width()
    assert view.ppd == pytest.approx(fitted)
    assert view.stage_rect("aware").width() == pytest.approx(14 * fitted)


def test_lead_definition_is_one_undo_step_per_session(qtbot, controller, editor):
    editor.lead.setFocus()
    editor.lead.moveCursor(editor.lead.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor.lead, " Budget owner")
    editor.lead.commit()
    qtbot.keyClicks(editor.lead, " confirmed.")
    editor.lead.commit()
    text = controller.plan.product("analytics").lead_definition
    assert text.endswith("Budget owner confirmed.")
    assert controller.undo_stack.count() == 1
    controller.undo_stack.undo()
    assert editor.lead.toPlainText() == demo_plan().product("analytics").lead_definition


def test_product_list_add_rename_duplicate_reorder_delete(qtbot, controller):
    side = SidePanel(controller)
    qtbot.addWidget(side)
    side.select_product("analytics")
    assert side.current_product == "analytics"
    pid = side.add_product()
    assert pid == "new-product" and side.current_product == pid
    assert side.model.setData(side.model.index(3), "Data Platform")
    assert controller.plan.product(pid).name == "Data Platform"
    copy = side.duplicate_product()
    assert copy == "new-product-copy"
    assert controller.plan.product(copy).name == "Data Platform (copy)"
    assert side.move_product(-1)
    assert [p.id for p in controller.plan.products][3:] == [copy, pid]
    assert side.delete_product()
    assert copy not in [p.id for p in controller.plan.products]
    # An empty name goes to the validation layer and back.
    errors = []
    side.sig_refused.connect(errors.append)
    assert not side.model.setData(side.model.index(0), "  ")
    assert errors == ["Product “Analytics Suite”: name must not be empty"]


def test_ctrl_wheel_zooms_around_the_cursor(qtbot, editor):
    from PySide6.QtCore import QPoint as P
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication as App

    view = editor.map
    before = view.ppd
    pos = QPointF(200, 60)
    event = QWheelEvent(
        pos,
        QPointF(view.viewport().mapToGlobal(pos.toPoint())),
        P(0, 0),
        P(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    App.sendEvent(view.viewport(), event)
    assert view.ppd == pytest.approx(before * 1.15)
    assert not view.fit


def test_a_drag_is_previewed_and_applied_once_on_release(qtbot, controller, editor):
    view = editor.map
    rect = view.stage_rect("negotiate")
    start = view.view_point(QPointF(rect.right() - 1, rect.center().y())).toPoint()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), start - QPoint(round(5 * view.ppd), 0))
    # The map shows the new length; the plan is untouched until release.
    assert view.stage_rect("negotiate").width() == pytest.approx(15 * view.ppd)
    assert controller.plan.product("analytics").stage("negotiate").days == 20
    assert controller.undo_stack.count() == 0
    qtbot.mouseRelease(
        view.viewport(), Qt.MouseButton.LeftButton, pos=start - QPoint(round(5 * view.ppd), 0)
    )
    assert controller.plan.product("analytics").stage("negotiate").days == 15
    assert controller.undo_stack.undoText() == "Resize “Negotiation” to 15 days"
    assert controller.undo_stack.count() == 1


def test_switching_products_keeps_the_stage_table_inside_its_view(qtbot, editor):
    # The last column (gap counts, right-aligned) stretches; it used to widen by 14 px on
    # every product switch until the counts scrolled out of view.
    editor.resize(780, 800)  # the last column gets less than its 260 px cap
    table = editor.stage_table
    header = table.horizontalHeader()
    for pid in ("billing", "analytics", "billing", "analytics", "billing"):
        editor.set_product(pid)
    qtbot.waitUntil(lambda: header.length() == table.viewport().width())
    assert table.horizontalScrollBar().maximum() == 0


def test_header_labels_take_the_width_before_the_blank_between_them(qtbot, editor):
    facts, gap_chip, chip = editor.facts, editor.gap_chip, editor.cohort_chip

    def blank():
        return chip.x() - (gap_chip.x() + gap_chip.width())

    editor.resize(640, 800)  # too narrow for both: they elide, and nothing is left blank
    qtbot.waitUntil(lambda: chip.width() < chip.sizeHint().width())
    assert blank() <= 12
    editor.resize(2000, 800)  # room for both: full text, chips no wider than their text
    qtbot.waitUntil(lambda: facts.width() == facts.sizeHint().width())
    assert chip.width() == chip.sizeHint().width()
    assert blank() > 100


def test_product_buttons_are_off_with_the_reason_while_edits_are_not_allowed(qtbot, controller):
    side = SidePanel(controller)
    qtbot.addWidget(side)
    side.select_product("billing")
    buttons = (side.add_button, side.duplicate_button, side.delete_button, side.up_button)
    assert all(b.isEnabled() for b in buttons)
    controller.set_read_only(True, "Disconnected from the server: edits are off")
    assert not any(b.isEnabled() for b in buttons)
    assert side.add_button.toolTip() == "Disconnected from the server: edits are off"
    controller.set_read_only(False)
    assert all(b.isEnabled() for b in buttons)
    assert side.add_button.toolTip() == "Add a product"
    # A sales login on a shared plan: requests only (the window sets the reason).
    controller.structure_locked = "ae (sales): you edit your team's requests only"
    controller.sig_document_changed.emit()
    assert not any(b.isEnabled() for b in buttons)
    assert side.delete_button.toolTip() == "ae (sales): you edit your team's requests only"


def test_the_tables_columns_fit_their_widest_cell_on_each_product(editor, controller):
    # Measured from the widest cells only (product_editor.content_width): the same
    # widths as Qt's own measure of every cell.
    for product in controller.plan.products:
        editor.set_product(product.id)
        for table in (editor.stage_table, editor.touch_table):
            header = table.horizontalHeader()
            for col in range(header.count() - 1):
                hint = max(table.sizeHintForColumn(col), header.sectionSizeHint(col))
                assert header.sectionSize(col) == max(56, min(260, hint + 14)), (
                    product.id,
                    table.objectName(),
                    col,
                )
