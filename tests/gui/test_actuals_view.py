"""The Plan vs actual view on the demo plan and the bundled sample CRM export."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QAbstractItemModelTester

from ui.actuals_view import ActualsView, sample_export_text


@pytest.fixture
def view(qtbot, controller):
    widget = ActualsView(controller)
    qtbot.addWidget(widget)
    widget.resize(1100, 640)
    widget.show()
    qtbot.waitExposed(widget)
    QAbstractItemModelTester(widget.model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    assert widget.load_text(sample_export_text(), "sample_crm.csv")
    widget.set_product("analytics")
    return widget


def cells(view: ActualsView, row: int) -> list[str]:
    model = view.model
    return [model.index(row, c).data() for c in range(model.columnCount())]


def qualify(controller):
    return controller.plan.product("analytics").stage("qualify")


def test_table_chart_and_drift_marks(view):
    assert view.status.text() == "sample_crm.csv: 1027 rows · 3 drifting"
    assert view.product_combo.currentText() == "Analytics Suite  ⚠1"
    assert cells(view, 2) == [
        "Qualification",
        "33",
        "1",
        "0.38",
        "0.60",
        "⚠ -38 %",
        "8.5",
        "11",
        "10",
        "-15 %",
        "2.79",
        "",
    ]
    model = view.model
    assert model.drifting(2, 3) and not model.drifting(2, 6) and not model.drifting(0, 3)
    assert model.index(2, 3).data(Qt.ItemDataRole.ToolTipRole).startswith("Drift")
    # The chart: planned vs actual conversion per stage (the last stage has no plan).
    assert view.planned_set is not None and view.actual_set is not None
    assert [round(view.planned_set.at(i), 2) for i in range(5)] == [0.5, 0.4, 0.6, 0.5, 0.0]
    assert [round(view.actual_set.at(i), 2) for i in range(5)] == [0.55, 0.39, 0.38, 0.2, 0.5]
    view.measure_combo.setCurrentIndex(1)
    assert [view.planned_set.at(i) for i in range(5)] == [14, 21, 10, 20, 14]
    assert [view.actual_set.at(i) for i in range(5)] == [14, 22, 8.5, 21, 11]
    # Negotiation (12 leads) and Onboarding (2) have too little evidence to adopt.
    assert [view.adopt_button(r).isEnabled() for r in range(5)] == [True, True, True, False, False]


def test_adopt_a_row_is_one_undo_step(qtbot, view, controller):
    assert qualify(controller).conversion == 0.6
    qtbot.mouseClick(view.adopt_button(2), Qt.MouseButton.LeftButton)
    assert (qualify(controller).conversion, qualify(controller).days) == (0.38, 10)
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.text(0) == "Adopt CRM numbers for Qualification"
    # The view follows the edit: the plan now holds the rounded actual conversion.
    assert cells(view, 2)[3:6] == ["0.38", "0.38", "-1 %"]  # 0.3758 against 0.38
    assert view.product_combo.currentText() == "Analytics Suite"
    assert not view.adopt_button(2).isEnabled()
    controller.undo()
    assert qualify(controller).conversion == 0.6
    assert cells(view, 2)[5] == "⚠ -38 %"


def test_adopt_all_is_one_undo_step(view, controller):
    assert view.adopt_all() is None
    plan = controller.plan
    assert plan.product("billing").stage("trial").days == 27
    assert plan.product("mobile").stage("nurture").conversion == 0.56
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.text(0) == "Adopt CRM numbers (10 changes)"
    assert view.status.text() == "sample_crm.csv: 1027 rows · 0 drifting"
    controller.undo()
    assert controller.plan.product("billing").stage("trial").days == 21


def test_a_malformed_export_changes_nothing_and_says_why(view, controller):
    before = cells(view, 2)
    bad = "lead_id,product,stage,entered_on\nA1,analytics,qualify,someday\n"
    assert not view.load_text(bad, "bad.csv")
    assert view.status.text() == (
        "⚠ bad.csv: malformed — line 2: entered_on 'someday': "
        "not a date (expected YYYY-MM-DD or MM/DD/YYYY)"
    )
    assert cells(view, 2) == before
    assert not view.load_text("id,product\n", "short.csv")
    assert view.last_error is not None and view.last_error.startswith(
        "short.csv: the header lacks the columns lead_id, stage, entered_on"
    )


def test_without_an_export_the_view_is_empty(qtbot, controller):
    widget = ActualsView(controller)
    qtbot.addWidget(widget)
    assert widget.model.rowCount() == 0
    assert not widget.adopt_all_button.isEnabled()
    assert widget.chart.title() == "No CRM export loaded"
