"""Visual defects seen on screen: scrollbar tracks, the checked calendar view, narrow views."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QScrollBar

from ui import edits
from ui.calendar_view import CalendarView
from ui.controller import DocumentController
from ui.product_list import SidePanel
from ui.theme import DARK, LIGHT, apply_theme


@pytest.fixture
def themed(qtbot):
    app = QApplication.instance()
    yield lambda choice: apply_theme(app, choice)
    apply_theme(app, "light")


def test_the_product_list_scrollbar_track_is_the_panel_colour(qtbot, themed, controller):
    themed("light")
    plan = controller.plan
    for i in range(8):
        plan, _ = edits.add_product(plan, f"Product {i}")
    side = SidePanel(DocumentController(plan))
    qtbot.addWidget(side)
    side.resize(260, 500)
    side.show()
    qtbot.waitExposed(side)
    bar = next(b for b in side.findChildren(QScrollBar) if b.isVisible())
    image = side.grab().toImage()
    # The page part below the handle (the handle starts at the top), as the panel shows it.
    at = bar.mapTo(side, bar.rect().bottomLeft())
    track = QColor(image.pixel(at.x() + bar.width() // 2, at.y() - 20))
    assert track.name() == QColor(LIGHT.panel).name()


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_the_checked_calendar_view_is_filled_with_the_accent(
    qtbot, themed, controller, today, choice
):
    themed(choice)
    palette = DARK if choice == "dark" else LIGHT
    view = CalendarView(controller, today=today)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    view.set_view("week")
    checked = view.view_buttons["week"].grab().toImage()
    unchecked = view.view_buttons["month"].grab().toImage()
    fill = QColor(checked.pixel(6, checked.height() // 2))
    other = QColor(unchecked.pixel(6, unchecked.height() // 2))
    assert fill.name() == QColor(palette.accent).name()
    assert other.name() != fill.name()


def test_a_narrow_calendar_hides_the_details_for_wider_day_cells(qtbot, controller, today):
    view = CalendarView(controller, today=today)
    qtbot.addWidget(view)
    view.resize(790, 640)  # the calendar tab of a 1366 px window
    view.show()
    qtbot.waitExposed(view)
    assert not view.details.isVisible()
    assert view.month_grid.width() >= 740
    view.details_button.click()
    assert view.details.isVisible()
    view.resize(1200, 700)
    qtbot.waitUntil(lambda: view.width() == 1200)
    assert view.details.isVisible()


def test_combo_popups_are_wide_enough_for_their_items(qtbot, themed):
    from PySide6.QtWidgets import QComboBox

    from ui.theme import popup_width

    themed("light")
    combo = QComboBox()
    qtbot.addWidget(combo)
    combo.addItems(["Marketing", "Sales development", "Account executives"])
    combo.setFixedWidth(70)
    combo.show()
    qtbot.waitExposed(combo)
    combo.showPopup()
    container = combo.view().window()
    qtbot.waitUntil(container.isVisible)
    text = combo.view().fontMetrics().horizontalAdvance("Account executives")
    assert container.width() >= popup_width(combo) > text
    combo.hidePopup()
