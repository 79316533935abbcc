"""Meetings that act in the app: the agenda in the calendar's details pane, the Meetings
tab's action items (each an undo step), and sign-off with "changed since sign-off"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt

from cadence.ops import add_action_item, set_touch
from ui.calendar_view import CalendarView
from ui.meetings_view import MeetingsView
from ui.product_list import FACTS_ROLE, SIGNOFF_ROLE, ProductListModel
from ui.signoff_dialog import SignoffDialog

TODAY = date(2027, 4, 12)


@pytest.fixture
def meetings(qtbot, controller):
    widget = MeetingsView(controller, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1024, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _agenda_lines(view: MeetingsView) -> list[str]:
    out = []
    for i in range(view.agenda_list.topLevelItemCount()):
        top = view.agenda_list.topLevelItem(i)
        out.append(top.text(0))
        out += ["  " + top.child(j).text(0) for j in range(top.childCount())]
    return out


def test_the_details_pane_shows_a_meetings_agenda_and_participants(qtbot, controller):
    view = CalendarView(controller, today=TODAY)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitExposed(view)
    occ = next(o for o in controller.occurrences() if o.touch == "alignment" and o.date == TODAY)
    view.select_occurrence(occ)
    details = view.details
    assert details.fields["Owner"].text() == (
        "Marketing (with Sales development, Account executives)"
    )
    assert details.agenda_area.isVisible()
    text = details.agenda.text()
    assert "Qualification of Analytics Suite unowned for 2 cohorts" in text
    assert "Account executives: week 2027-W15, 48.9 leads for capacity 45" in text
    touch = next(o for o in controller.occurrences() if o.kind == "touch")
    view.select_occurrence(touch)
    assert not details.agenda_area.isVisible()


def test_meetings_tab_lists_occurrences_and_the_agenda(meetings):
    assert meetings.occurrences.count() == 50
    assert meetings.selected() == ("alignment", TODAY)  # the first one from today
    assert _agenda_lines(meetings) == [
        "Open gaps by team (6)",
        "  Qualification of Analytics Suite unowned for 2 cohorts",
        "  Nurture of Field Mobile: silence over the limit for 1 cohort",
        "  Nurture of Field Mobile: no asset in the content library",
        "  Sales qualified of Field Mobile: no asset in the content library",
        "  Onboarding of Analytics Suite: no asset in the content library",
        "  Marketing qualified of Field Mobile: no asset in the content library",
        "Requests late or at risk (0)",
        "Weeks over capacity (1)",
        "  Account executives: week 2027-W15, 48.9 leads for capacity 45",
        "Assets running out (0)",
        "Plan versus actuals (0)",
    ]


def test_an_agenda_line_becomes_an_action_item_done_and_undone(meetings, controller, qtbot):
    top = meetings.agenda_list.topLevelItem(0)
    meetings.agenda_list.setCurrentItem(top.child(1))
    meetings.add_action("Give Qualification an owner", "mkt", date(2027, 4, 16))
    assert [a.id for a in controller.plan.action_items] == ["give-qualification-an-owner"]
    assert meetings.items.topLevelItemCount() == 1
    assert [meetings.items.topLevelItem(0).text(i) for i in range(5)] == [
        "Give Qualification an owner", "Marketing", "2027-04-16", "open", "12 Apr",
    ]  # fmt: skip
    # Carried into the next occurrence's agenda until done.
    meetings.occurrences.setCurrentRow(meetings.occurrences.currentRow() + 1)
    assert meetings.selected() == ("alignment", date(2027, 4, 19))
    assert meetings.items.topLevelItemCount() == 1
    meetings.items.setCurrentItem(meetings.items.topLevelItem(0))
    assert meetings.done_button.text() == "Mark &done"
    meetings.toggle_done()
    item = controller.plan.action_items[0]
    assert (item.status, item.done_on) == ("done", TODAY)
    assert meetings.items.topLevelItemCount() == 0  # done before 19 Apr: not carried
    controller.undo()
    assert controller.plan.action_items[0].status == "open"
    controller.undo()
    assert controller.plan.action_items == ()
    assert controller.undo_stack.index() == 0


def test_sign_off_marks_the_product_and_a_change_shows_the_diff(qtbot, controller):
    controller.clock = lambda: datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    model = ProductListModel(controller)
    dialog = SignoffDialog(controller, None, "billing")
    qtbot.addWidget(dialog)
    dialog.by.setText("Maria Lopez")
    dialog.role.setCurrentIndex(dialog.role.findData("marketing"))
    assert dialog.sign(all_products=False)
    dialog.by.setText("Sam Okafor")
    dialog.role.setCurrentIndex(dialog.role.findData("sales"))
    assert dialog.sign(all_products=False)
    row = model.index(model.row_of("billing"))
    assert row.data(SIGNOFF_ROLE) == "signed_off"
    assert row.data(FACTS_ROLE).startswith("✔ signed off · ")
    assert dialog.products.currentItem().text() == (
        "✔ Billing Cloud — signed off by Maria Lopez (marketing), Sam Okafor (sales)"
    )
    assert controller.plan.signoffs[1].at == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    controller.apply(set_touch(controller.plan, "billing", "proposal", offset_days=2).plan, "Move")
    assert row.data(SIGNOFF_ROLE) == "changed"
    assert row.data(FACTS_ROLE).startswith("⚠ changed since sign-off · ")
    assert row.data(Qt.ItemDataRole.AccessibleTextRole).endswith(", changed since sign-off")
    dialog._fill("billing")
    assert dialog.changes.toPlainText() == "proposal: offset_days 4 → 2"
    dialog.by.setText("Priya Shah")
    dialog.products.setCurrentRow(2)  # Field Mobile
    assert dialog.submit()
    assert dialog.products.currentItem().text() == (
        "✉ Field Mobile — in review (submitted by Priya Shah on 2027-01-04), "
        "awaiting marketing and sales"
    )
    dialog.products.setCurrentRow(1)
    dialog.by.setText("  ")
    assert not dialog.sign(all_products=False)
    assert dialog.message.text() == "The name of the person signing off must not be empty"


def test_broadcasts_dialog_edits_participants_in_one_undo_step(qtbot, controller):
    from ui.broadcasts_dialog import BroadcastsDialog

    dialog = BroadcastsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.list.setCurrentRow(2)  # Sales & marketing alignment
    checked = [
        dialog.participants.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(dialog.participants.count())
        if dialog.participants.item(i).checkState() == Qt.CheckState.Checked
    ]
    assert checked == ["sdr", "ae"]
    dialog.participants.item(3).setCheckState(Qt.CheckState.Checked)  # Customer success
    dialog.accept()
    assert controller.plan.broadcasts[2].participants == ("sdr", "ae", "cs")
    controller.undo()
    assert controller.plan.broadcasts[2].participants == ("sdr", "ae")


def test_a_hidden_meetings_tab_refreshes_when_shown(meetings, controller):
    meetings.hide()
    controller.apply(
        add_action_item(
            controller.plan, "Call Globex", "ae", date(2027, 4, 16), "alignment", TODAY
        ).plan,
        "Add action item",
    )
    assert meetings.items.topLevelItemCount() == 0  # not refreshed while hidden
    meetings.show()
    assert meetings.items.topLevelItemCount() == 1
    assert meetings.items.topLevelItem(0).text(0) == "Call Globex"
