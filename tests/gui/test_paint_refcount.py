"""The Qt binding must not leak references to None when our paint code runs.

PySide6 6.12.0 on Python 3.11 drops one reference to ``None`` on every QPainter
method call; after a few minutes of painting the count reaches zero and Python
aborts ("Fatal Python error: none_dealloc"). pyproject.toml pins a release that
does not. This test paints through the app's own paint code — the cycle map,
the month and week grids of the calendar, the workload chart — a few thousand
times and checks that ``sys.getrefcount(None)`` does not fall. It checks after
every round, so a leaking binding fails here long before the count could reach
zero and abort the test run.
"""

from __future__ import annotations

import sys
from datetime import date

from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

from ui.calendar_view import CalendarView
from ui.workload import WorkloadChart

TODAY = date(2027, 3, 9)
ROUNDS = 250
# Painting may create and drop a few objects that refer to None (caches, tooltips);
# a leaking binding loses hundreds of references in every round.
SLACK = 40


def paint(widget, image: QImage) -> None:
    """One paint of ``widget`` and its children through their paintEvent/paint code."""
    image.fill(0)
    painter = QPainter(image)
    QWidget.render(widget, painter, QPoint())  # the widget's own paint code, not a scene render
    painter.end()


def test_painting_the_app_thousands_of_times_keeps_every_reference_to_none(
    qtbot, controller, editor
):
    calendar = CalendarView(controller, today=TODAY)
    workload = WorkloadChart(controller)
    for widget in (calendar, workload):
        qtbot.addWidget(widget)
        widget.resize(1200, 800)
        widget.show()
        qtbot.waitExposed(widget)
    calendar.set_view("month")
    month = calendar.stack.currentWidget()
    calendar.set_view("week")
    week = calendar.stack.currentWidget()
    image = QImage(1200, 800, QImage.Format.Format_ARGB32_Premultiplied)
    targets = [editor.map, month, week, workload]
    for widget in targets:  # warm up: fonts, glyph caches, lazily built items
        paint(widget, image)

    before = sys.getrefcount(None)
    for round_no in range(ROUNDS):
        for widget in targets:
            paint(widget, image)
        now = sys.getrefcount(None)
        assert now >= before - SLACK, (
            f"round {round_no}: references to None fell from {before} to {now}: "
            "the Qt binding leaks them (see the PySide6 pin in pyproject.toml)"
        )
    assert sys.getrefcount(None) >= before - SLACK
