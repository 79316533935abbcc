"""Keyboard and assistive technology: Tab leaves tables, F2 renames, every control is named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTabWidget, QWidget

from cadence.demo import demo_plan
from cadence.store import create_document
from ui import app as app_module
from ui import documents


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(documents, "data_dir", lambda: folder)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = app_module.build_window([], settings, open_now=False, today=date(2027, 3, 9))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.empty_state is None)  # the views are built after the first paint
    path = Path(tmp_path) / "plan.cadence"
    create_document(path, demo_plan()).close()
    assert win.open_path(path)
    yield win
    win.close()


@pytest.mark.parametrize("table_name", ["stage_table", "touch_table"])
def test_tab_leaves_the_stage_and_touch_tables(qtbot, window, table_name):
    editor = window.editor
    table = getattr(editor, table_name)
    editor.table_tabs.setCurrentWidget(
        editor.stage_page if table_name == "stage_table" else editor.touch_page
    )
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert not table.hasFocus()


def test_f2_renames_a_newly_added_product(qtbot, window):
    side = window.side
    pid = side.add_product()
    assert pid is not None
    focus = QApplication.focusWidget()
    assert focus is side.products
    qtbot.keyClick(focus, Qt.Key.Key_F2)
    assert side.products.state() == QAbstractItemView.State.EditingState
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "Data Platform")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on the next turn of the event loop.
    qtbot.waitUntil(lambda: window.controller.plan.product(pid).name == "Data Platform")


def unnamed(root):
    """Visible buttons, inputs and views under ``root`` without an accessible name."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QGraphicsView,
        QLineEdit,
        QPlainTextEdit,
        QTextEdit,
    )

    kinds = (
        QAbstractButton,
        QLineEdit,
        QAbstractSpinBox,
        QComboBox,
        QTextEdit,
        QPlainTextEdit,
        QAbstractItemView,
        QGraphicsView,
    )
    out = []
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, kinds) and widget.isVisibleTo(root) and not widget.accessibleName():
            out.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.toolTip()!r}")
    return out


def test_every_control_of_the_main_window_has_an_accessible_name(qtbot, window):
    for tab in ("map", "calendar", "requests", "workload"):
        window.show_tab(tab)
        QApplication.processEvents()
        assert unnamed(window) == [], tab


def test_every_control_of_the_dialogs_has_an_accessible_name(qtbot, window):
    from ui.broadcasts_dialog import BroadcastsDialog
    from ui.cohorts_dialog import CohortsDialog
    from ui.export_dialog import ExportDialog
    from ui.settings_dialog import PlanSettingsDialog
    from ui.teams_dialog import TeamsDialog

    c = window.controller
    dialogs = [
        PlanSettingsDialog(c, window),
        TeamsDialog(c, window),
        BroadcastsDialog(c, window),
        CohortsDialog(c, "analytics", window),
        ExportDialog(c, window),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        pages = dialog.findChildren(QTabWidget)
        for tabs in pages:
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                QApplication.processEvents()
                assert unnamed(dialog) == [], (type(dialog).__name__, tabs.tabText(i))
        assert unnamed(dialog) == [], type(dialog).__name__
        dialog.reject()


def test_custom_views_describe_what_they_show(qtbot, window):
    editor = window.editor
    assert editor.map.accessibleName() == "Cycle map"
    assert editor.map.accessibleDescription().startswith("Analytics Suite: 79-day cycle")
    window.show_tab("calendar")
    grid = window.calendar.month_grid
    assert grid.accessibleName() == "Month grid"
    assert "entries" in grid.accessibleDescription()
    window.show_tab("workload")
    assert window.workload.accessibleName() == "Workload chart"
    assert window.workload.accessibleDescription() == (
        "Account executives: contacts per ISO week, 52 weeks; "
        "over capacity (45/week) in W15, W18, W45"
    )
