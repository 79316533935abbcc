"""Layouts that fit a laptop: 1024 × 700 is usable, columns keep readable widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QSize
from PySide6.QtWidgets import QApplication

from cadence.demo import demo_plan
from cadence.store import create_document
from ui import app as app_module
from ui import documents
from ui.requests_view import TITLE_COLUMN_WIDTH, RequestsView
from ui.theme import first_window_size


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, today):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(documents, "data_dir", lambda: folder)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = app_module.build_window([], settings, open_now=False, today=today)
    qtbot.addWidget(win)
    path = Path(tmp_path) / "plan.cadence"
    create_document(path, demo_plan()).close()
    assert win.open_path(path)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_the_first_window_fits_the_screen():
    assert first_window_size(QSize(1366, 736)) == QSize(1350, 688)
    assert first_window_size(QSize(1920, 1040)) == QSize(1360, 840)
    assert first_window_size(QSize(1024, 700)) == QSize(1008, 652)


def test_a_1024_by_700_window_is_usable(qtbot, window):
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 700))
    QApplication.processEvents()
    assert window.minimumSizeHint().width() <= 1024
    editor = window.editor
    for table in (editor.stage_table, editor.touch_table):
        rows = table.verticalHeader().defaultSectionSize()
        assert table.minimumHeight() >= 4 * rows
    stage_table = editor.stage_table
    assert stage_table.viewport().height() >= 4 * stage_table.verticalHeader().defaultSectionSize()
    # The main tabs fit: no scroll arrows on the tab bar.
    bar = window.tabs.tabBar()
    assert bar.sizeHint().width() <= window.tabs.width()


def test_the_requests_queue_title_column_is_readable(qtbot, controller):
    from datetime import date

    view = RequestsView(controller, today=date(2027, 3, 1))
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    qtbot.waitExposed(view)
    assert view.table.columnWidth(1) >= TITLE_COLUMN_WIDTH
    # The answer panel shows all of its lines above the Submit button.
    view.title_edit.setText("Security whitepaper for Initech")
    view.set_date(view.needed_by, date(2027, 3, 12))
    QApplication.processEvents()
    answer = view.answer
    assert answer.height() >= answer.heightForWidth(answer.width())
    assert answer.geometry().bottom() < view.submit_button.geometry().top()


def test_gap_rows_name_stage_and_cohort_in_readable_columns(qtbot, controller):
    from ui.gaps_panel import GapsPanel

    panel = GapsPanel(controller)
    qtbot.addWidget(panel)
    panel.resize(1200, 700)
    panel.show()
    qtbot.waitExposed(panel)
    tree = panel.tree
    assert tree.columnWidth(0) >= 200
    assert not tree.isColumnHidden(3) and tree.columnWidth(3) >= 100
    assert not tree.isColumnHidden(4) and tree.columnWidth(4) >= 300
    group = panel.proxy.index(0, 0, panel.proxy.index(0, 0))
    tree.expand(group)  # a group's gap rows come when it is opened
    first = panel.proxy.index(0, 0, group)
    assert first.data() == "Qualification · cohort 01-04"


def test_in_a_narrow_dock_the_gap_label_takes_the_room(qtbot, controller):
    from ui.gaps_panel import GAP_LABEL_MIN, GapsPanel

    panel = GapsPanel(controller)
    qtbot.addWidget(panel)
    panel.resize(300, 700)
    panel.show()
    qtbot.waitExposed(panel)
    tree = panel.tree
    assert tree.isColumnHidden(3) and tree.isColumnHidden(4)
    assert tree.columnWidth(0) >= GAP_LABEL_MIN
    panel.resize(1200, 700)
    qtbot.waitUntil(lambda: not tree.isColumnHidden(4))
    assert tree.columnWidth(4) >= 300


@pytest.mark.parametrize("size", [(1024, 700), (1366, 768)])
def test_the_calendar_fits_without_sideways_scrolling(qtbot, window, size):
    """Its tool rows wrap onto another line rather than widen the tab past the window
    (at 1024 px the grid showed Monday to Thursday and a scroll bar) or squeeze the
    view buttons into "M…h"."""
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    window.show_tab("calendar")
    view = window.calendar
    qtbot.waitUntil(lambda: view.isVisible())
    QApplication.processEvents()
    area = view.parentWidget().parentWidget()  # the tab's scroll area
    assert area.horizontalScrollBar().maximum() == 0
    assert view.month_grid.width() <= area.viewport().width()
    for name, button in view.view_buttons.items():
        assert button.width() >= button.sizeHint().width(), name
    legend = view.legend
    assert legend.height() >= legend.heightForWidth(legend.width())


@pytest.mark.parametrize("tab", ["requests", "workload", "actuals"])
def test_at_1024_px_the_tabs_wrap_their_rows_instead_of_scrolling_sideways(qtbot, window, tab):
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 700))
    window.show_tab(tab)
    QApplication.processEvents()
    area = window.tabs.currentWidget()
    assert area.horizontalScrollBar().maximum() == 0
    if tab == "requests":  # the form's pairs two to a row, the long labels in one column
        view = window.tab_view("requests")
        grid = view._form_grid
        assert view._form_columns == 2
        assert grid.getItemPosition(grid.indexOf(view.days_spin)) == (2, 3, 1, 1)
        assert grid.getItemPosition(grid.indexOf(view.requested_on)) == (3, 1, 1, 1)
        window.resize(1366, 768)
        qtbot.waitUntil(lambda: view._form_columns == 3)
        assert grid.getItemPosition(grid.indexOf(view.days_spin)) == (2, 5, 1, 1)
