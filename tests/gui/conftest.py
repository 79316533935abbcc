"""Fixtures shared by the GUI tests: the demo plan in an in-memory controller."""

import pytest

from cadence.commands.plan import demo_plan
from ui.controller import DocumentController
from ui.product_editor import ProductEditor


@pytest.fixture
def controller(qtbot):
    """The demo plan, not backed by a file (no store writes)."""
    return DocumentController(demo_plan())


@pytest.fixture
def editor(qtbot, controller):
    """The map editor on Analytics Suite, shown at 1200×800."""
    widget = ProductEditor(controller)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_product("analytics")
    return widget
