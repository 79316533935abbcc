"""The keyboard: Delete in the tables and the product list, Undo while typing, Help ▸ shortcuts.

Keys go to real widgets with qtbot; modal dialogs (the delete confirmation) are patched.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit

from cadence.demo import demo_plan
from ui import app as app_module
from ui import documents, edits
from ui.product_list import SidePanel
from ui.tables import StageTableModel, TouchTableModel
from ui.widgets import delete_keys

TODAY = date(2027, 3, 9)  # never the real clock
ORIGINAL_LEAD = demo_plan().product("analytics").lead_definition


@pytest.fixture
def confirm(monkeypatch):
    """documents.confirm answering from a list (True: Delete, False: Cancel); records the text."""
    asked: list[str] = []
    answers: list[bool] = []

    def dialog(_parent, _title, message, _ok="OK"):
        asked.append(message)
        return answers.pop(0)

    monkeypatch.setattr(documents, "confirm", dialog)
    return asked, answers


def focus(qtbot, widget):
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def stage_ids(controller, product="analytics"):
    return [s.id for s in controller.plan.product(product).stages]


def touch_ids(controller, product="analytics"):
    return [t.id for t in controller.plan.product(product).touches]


# -- Delete ------------------------------------------------------------------------------


def test_delete_keys_are_delete_and_backspace_on_macos(qtbot):
    delete, backspace = QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)
    assert delete_keys("linux") == [delete]  # not the emacs Ctrl+D of QKeySequence.Delete
    assert delete_keys("darwin") == [delete, backspace]


def test_delete_key_deletes_the_selected_stage_as_one_undo_step(qtbot, controller, editor):
    table = editor.stage_table
    table.setCurrentIndex(editor.stage_model.index(1, StageTableModel.NAME))
    focus(qtbot, table)
    with qtbot.waitSignal(controller.sig_plan_changed):
        qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert stage_ids(controller) == ["aware", "qualify", "negotiate", "onboard"]
    assert controller.undo_stack.undoText() == "Delete stage “Consideration”"
    assert editor.stage_model.rowCount() == 4
    controller.undo()
    assert stage_ids(controller) == ["aware", "consider", "qualify", "negotiate", "onboard"]


def test_delete_key_deletes_the_selected_touch(qtbot, controller, editor):
    editor.select(touch="digest")
    table = editor.touch_table
    focus(qtbot, table)
    with qtbot.waitSignal(controller.sig_plan_changed):
        qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert "digest" not in touch_ids(controller)
    assert len(touch_ids(controller)) == 10
    assert controller.undo_stack.undoText().startswith("Delete touch “")
    controller.undo()
    assert "digest" in touch_ids(controller)


def test_delete_key_in_the_cycle_map_deletes_what_is_selected_there(qtbot, controller, editor):
    editor.map.select(touch="digest")
    focus(qtbot, editor.map)
    with qtbot.waitSignal(controller.sig_plan_changed):
        qtbot.keyClick(editor.map, Qt.Key.Key_Delete)
    assert "digest" not in touch_ids(controller)
    assert controller.undo_stack.undoText() == "Delete touch “Blog digest”"
    editor.map.select(stage="consider")
    with qtbot.waitSignal(controller.sig_plan_changed):
        qtbot.keyClick(editor.map, Qt.Key.Key_Delete)
    assert stage_ids(controller) == ["aware", "qualify", "negotiate", "onboard"]
    assert controller.undo_stack.undoText() == "Delete stage “Consideration”"
    controller.undo()
    controller.undo()
    assert "digest" in touch_ids(controller)
    assert stage_ids(controller) == ["aware", "consider", "qualify", "negotiate", "onboard"]


def test_delete_key_in_an_open_cell_editor_edits_the_text_not_the_rows(qtbot, controller, editor):
    table = editor.touch_table
    index = editor.touch_model.index(0, TouchTableModel.NAME)
    table.setCurrentIndex(index)
    table.edit(index)
    qtbot.waitUntil(lambda: table.state() == table.State.EditingState)
    line = QApplication.focusWidget()
    assert isinstance(line, QLineEdit)
    line.setCursorPosition(0)
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    assert table.state() == table.State.EditingState
    assert len(touch_ids(controller)) == 11
    assert controller.undo_stack.count() == 0
    qtbot.keyClick(line, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState)


def test_delete_key_refuses_the_last_stage_with_a_message(qtbot, controller, editor):
    product = controller.plan.product("analytics")
    single = replace(
        product,
        stages=product.stages[:1],
        touches=tuple(t for t in product.touches if t.stage == "aware"),
    )
    plan = replace(edits.with_product(controller.plan, single), requests=())
    assert controller.apply(plan, "One stage") is None
    table = editor.stage_table
    table.setCurrentIndex(editor.stage_model.index(0, StageTableModel.NAME))
    assert not editor.act_delete_stage.isEnabled()
    assert editor.act_delete_stage.toolTip() == "A product needs at least one stage"
    focus(qtbot, table)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert stage_ids(controller) == ["aware"]
    assert controller.undo_stack.count() == 1
    assert editor.error.isVisible()
    assert editor.error.text() == (
        "⚠  Not applied — “Awareness” is the only stage of Analytics Suite; a product needs "
        "at least one stage, so add another one before deleting it."
    )


def test_delete_key_in_the_product_list_asks_first(qtbot, controller, confirm):
    asked, answers = confirm
    side = SidePanel(controller)
    qtbot.addWidget(side)
    side.show()
    qtbot.waitExposed(side)
    side.select_product("mobile")
    focus(qtbot, side.products)
    answers.append(False)
    qtbot.keyClick(side.products, Qt.Key.Key_Delete)
    assert asked and "Field Mobile" in asked[0]
    assert controller.plan.product("mobile") is not None
    answers.append(True)
    with qtbot.waitSignal(controller.sig_plan_changed):
        qtbot.keyClick(side.products, Qt.Key.Key_Delete)
    assert controller.plan.product("mobile") is None
    assert controller.undo_stack.undoText() == "Delete product “Field Mobile”"
    controller.undo()
    assert controller.plan.product("mobile") is not None


def test_the_delete_button_asks_like_the_menu(qtbot, controller, confirm):
    asked, answers = confirm
    side = SidePanel(controller)
    qtbot.addWidget(side)
    side.select_product("billing")
    answers.append(False)
    qtbot.mouseClick(side.delete_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    assert controller.plan.product("billing") is not None


# -- Undo while typing the lead definition ---------------------------------------------------


def type_in_lead(qtbot, editor, text):
    lead = editor.lead
    lead._timer.setInterval(60_000)  # the keys below come "within the debounce"
    focus(qtbot, lead)
    lead.moveCursor(lead.textCursor().MoveOperation.End)
    qtbot.keyClicks(lead, text)
    assert lead._timer.isActive()  # typed, not applied yet


def test_ctrl_z_while_typing_undoes_exactly_the_typing(qtbot, controller, editor):
    # An earlier edit that Undo must not take instead.
    assert (
        controller.apply(
            edits.with_product(
                controller.plan,
                edits.set_stage(controller.plan.product("analytics"), "aware", days=20),
            ),
            "Resize",
        )
        is None
    )
    type_in_lead(qtbot, editor, " XYZ")
    qtbot.keyClick(editor.lead, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not editor.lead._timer.isActive()  # nothing left to apply later
    assert controller.plan.product("analytics").lead_definition == ORIGINAL_LEAD
    assert editor.lead.toPlainText() == ORIGINAL_LEAD
    assert controller.plan.product("analytics").stage("aware").days == 20
    assert controller.undo_stack.redoText() == "Edit the lead definition of “Analytics Suite”"
    # Redo (Ctrl+Shift+Z) brings the typing back.
    qtbot.keyClick(
        editor.lead,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert editor.lead.toPlainText() == ORIGINAL_LEAD + " XYZ"


def test_ctrl_z_with_nothing_applied_yet_undoes_the_typing(qtbot, controller, editor):
    type_in_lead(qtbot, editor, " XYZ")
    qtbot.keyClick(editor.lead, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not editor.lead._timer.isActive()
    assert controller.plan.product("analytics").lead_definition == ORIGINAL_LEAD
    assert (controller.undo_stack.count(), controller.undo_stack.index()) == (1, 0)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "data_dir", lambda: tmp_path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = app_module.build_window(["--demo"], settings, today=TODAY)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.side.select_product("analytics")
    yield win
    win.close()


def test_edit_undo_in_the_window_applies_the_typing_first(qtbot, window):
    c = window.controller
    assert (
        c.apply(
            edits.with_product(
                c.plan, edits.set_stage(c.plan.product("analytics"), "aware", days=20)
            ),
            "Resize",
        )
        is None
    )
    type_in_lead(qtbot, window.editor, " XYZ")
    window.act_undo.trigger()  # the menu item or the toolbar button: the field keeps the focus
    assert c.plan.product("analytics").lead_definition == ORIGINAL_LEAD
    assert c.plan.product("analytics").stage("aware").days == 20
    window.act_redo.trigger()
    assert c.plan.product("analytics").lead_definition == ORIGINAL_LEAD + " XYZ"


# -- Help ▸ Keyboard shortcuts -----------------------------------------------------------------


def test_help_lists_the_shortcuts_of_the_actions(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(window, "_run", lambda dialog: shown.append(dialog) or True)
    help_menu = window.menuBar().actions()[-1].menu()
    assert window.act_shortcuts in help_menu.actions()
    window.act_shortcuts.trigger()
    dialog = shown[0]
    qtbot.addWidget(dialog)
    rows = dialog.rows()
    assert ("Edit", "Undo", "Ctrl+Z") in rows
    assert ("Edit", "Redo", "Ctrl+Shift+Z, Ctrl+Y") in rows
    delete = QKeySequence(Qt.Key.Key_Delete).toString(QKeySequence.SequenceFormat.NativeText)
    assert ("In lists, tables and fields", "Delete the selected stage", delete) in rows
    assert ("In lists, tables and fields", "Delete the selected touch", delete) in rows
    assert ("In lists, tables and fields", "Delete the selected product", delete) in rows
    assert ("In lists, tables and fields", "Delete the selected touch or stage", delete) in rows
    assert ("In lists, tables and fields", "Clear the search", "Esc") in rows
    assert ("View", "Cycle map", "Ctrl+1") in rows
    # Read from the actions: a changed shortcut shows in the next dialog.
    window.act_fit.setShortcut(QKeySequence("Ctrl+9"))
    window.show_shortcuts()
    assert ("View", "Fit cycle to width", "Ctrl+9") in shown[1].rows()
    qtbot.addWidget(shown[1])
