"""Calendar ▸ Mark changes: the What-if panel's comparison drawn on the calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import Qt

from ui._cal_agenda import DAY_ROLE, OCCURRENCE_ROLE
from ui.calendar_view import CalendarView
from ui.diff_panel import DiffPanel

REMOVED = "northwind-2027.billing.trial-review.20270125.0@cadence"
MOVED = "northwind-2027.billing.proposal.20270125.0@cadence"


def shorten_trial_to_15_days(controller) -> None:
    """Trial 21 → 15 days, without its trial review call (day 18)."""
    billing = controller.plan.product("billing")
    stages = tuple(replace(s, days=15) if s.id == "trial" else s for s in billing.stages)
    touches = tuple(t for t in billing.touches if t.id != "trial-review")
    shorter = replace(billing, stages=stages, touches=touches)
    products = tuple(shorter if p.id == "billing" else p for p in controller.plan.products)
    assert controller.apply(replace(controller.plan, products=products), "Trial 15 days") is None


@pytest.fixture
def view(qtbot, controller) -> CalendarView:
    """The calendar at 1024×700 beside the What-if panel (which compares after each edit)."""
    panel = DiffPanel(controller)
    qtbot.addWidget(panel)
    panel.show()
    view = CalendarView(controller, today=date(2027, 3, 9))
    qtbot.addWidget(view)
    view.resize(1024, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_calendar_marks_moved_added_and_removed_entries(qtbot, controller, view):
    assert view.marks_button.accessibleName() == "Mark changes"
    assert not view.marks_button.isEnabled()  # nothing compared yet: the plan as opened

    # Trial 21 → 15 days: the trial review (day 18) goes, the proposal comes 6 days sooner.
    shorten_trial_to_15_days(controller)
    assert view.marks_button.isEnabled()
    assert view.marks_button.toolTip() == (
        "Mark entries changed since the plan as opened (M): 1 added, 21 moved, 22 removed"
    )
    view.set_view("week")
    view.go_to(date(2027, 3, 9))
    assert view.week_body.chip_rect(REMOVED) is None
    qtbot.keyClick(view.week_body, Qt.Key.Key_M)
    assert view.marking() and view.marks_button.isChecked()
    assert view.legend.text().endswith(
        "+&nbsp;added, ↷&nbsp;moved, ✕&nbsp;removed since&nbsp;the&nbsp;plan&nbsp;as&nbsp;opened"
    )

    ghost = view.week_body.chip_rect(REMOVED)  # drawn on its old date, Tue 09 Mar
    assert ghost is not None
    assert view.week_body.tooltip_at(ghost.center()).splitlines()[-1] == (
        "Removed: in the plan as opened on Tue 09 Mar, not in this plan"
    )
    moved = view.week_body.chip_rect(MOVED)
    assert moved is not None
    assert view.week_body.tooltip_at(moved.center()).splitlines()[-1] == (
        "Moved: Mon 15 Mar → Tue 09 Mar"
    )
    assert moved.left() == ghost.left()  # both on Tuesday 9 March
    grab = view.week_body.grab()  # paints the marked chips without error
    assert not grab.isNull()

    view.marks_button.click()  # off: no ghost, plain tooltips
    assert not view.marking()
    assert "removed since" not in view.legend.text()
    assert view.week_body.chip_rect(REMOVED) is None
    assert "Moved" not in view.week_body.tooltip_at(view.week_body.chip_rect(MOVED).center())

    view.marks_button.click()
    controller.undo_stack.undo()  # back to the plan as opened: nothing to mark
    assert not view.marks_button.isEnabled()
    assert not view.marking()


def test_the_agenda_lists_marked_and_removed_entries(qtbot, controller, view):
    shorten_trial_to_15_days(controller)
    view.set_view("agenda")
    view.go_to(date(2027, 3, 9))
    model = view.agenda_model
    plain = model.entry_count()
    view.set_marking(True)
    assert model.entry_count() == plain  # the removed ones are shown, not counted

    def row_of(uid: str):
        for day_row in range(model.rowCount()):
            day = model.index(day_row, 0)
            for row in range(model.rowCount(day)):
                if model.index(row, 0, day).data(OCCURRENCE_ROLE).uid == uid:
                    return day, row
        return None

    day, row = row_of(REMOVED)
    assert day.data(DAY_ROLE) == date(2027, 3, 9)  # on its old day
    assert " · 1 removed" in day.data()
    entry = model.index(row, 1, day)
    assert entry.data().startswith("✕ ")
    assert entry.data(Qt.ItemDataRole.FontRole).strikeOut()
    assert entry.data(Qt.ItemDataRole.ToolTipRole).splitlines()[-1] == (
        "Removed: in the plan as opened on Tue 09 Mar, not in this plan"
    )
    day, row = row_of(MOVED)
    moved = model.index(row, 1, day)
    assert moved.data().startswith("↷ ")
    assert moved.data(Qt.ItemDataRole.ToolTipRole).splitlines()[-1] == (
        "Moved: Mon 15 Mar → Tue 09 Mar"
    )
    view.set_marking(False)
    assert row_of(REMOVED) is None
    day, row = row_of(MOVED)
    assert not model.index(row, 1, day).data().startswith("↷")
