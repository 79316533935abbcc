"""Fixtures shared by the GUI tests: the demo plan in an in-memory controller.

Every test leaves no window behind: after it, every top-level widget without a
parent is deleted, and the deferred deletions are processed there and
then (pytest-qt only calls ``deleteLater``, which no event loop ever runs between
tests, so windows used to pile up and slow every later test down).
"""

import gc
from datetime import date

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from cadence.demo import demo_plan
from ui import documents
from ui.controller import DocumentController
from ui.product_editor import ProductEditor

#: The day the GUI tests run on: inside the demo plan's year, never the real clock.
TODAY = date(2027, 3, 9)


def delete_top_level_widgets() -> None:
    """Delete every parentless window now, with its children.

    No close() here: a window a test kept open on purpose would ask about its
    edits once the test's patches are gone. Deleting sends no close event.
    """
    for widget in QApplication.topLevelWidgets():
        if widget.parent() is None:
            widget.hide()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    # Collect the deleted windows' wrapper cycles now, not during a later test; then
    # freeze what outlived the test (pytest's reports, caches): the next collection
    # walks only what the next test made (a full one walked the whole run so far,
    # 16-40 ms a test and growing).
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def frozen_imports(qapp):
    """What exists before the first test (modules, classes, the app) stays for the session:
    the collection after each test need not walk it again (it halves its cost)."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(autouse=True)
def no_window_outlives_its_test(qapp):
    yield
    delete_top_level_widgets()


@pytest.fixture(autouse=True)
def unsaved_prompts(monkeypatch):
    """Closing a window with edits in no file asks; tests answer "discard" unless they say."""
    asked: list[str] = []

    def ask_unsaved(_parent, plan_name):
        asked.append(plan_name)
        return "discard"

    monkeypatch.setattr(documents, "ask_unsaved", ask_unsaved)
    return asked


@pytest.fixture
def today() -> date:
    return TODAY


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
