"""The requests tab on the demo plan: live answer, submit, workflow, studio strip."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QInputDialog

from ui import requests_view
from ui.controller import NavTarget
from ui.requests_view import RequestsView

TODAY = date(2027, 3, 1)


@pytest.fixture
def view(qtbot, controller):
    widget = RequestsView(controller, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.product_combo.setCurrentIndex(widget.product_combo.findData("analytics"))
    widget.stage_combo.setCurrentIndex(widget.stage_combo.findData("negotiate"))
    widget.requester_combo.setCurrentIndex(widget.requester_combo.findData("ae"))
    widget.title_edit.setText("Security whitepaper for Initech")
    widget.days_spin.setValue(3)
    return widget


def test_the_live_answer_changes_when_the_deadline_changes(qtbot, view):
    with qtbot.waitSignal(view.sig_answer_changed) as blocker:
        view.set_date(view.needed_by, date(2027, 3, 16))
    assert blocker.args[0].fits
    assert view.answer_plain_text() == (
        "Fits: production Thu 11 Mar → Mon 15 Mar, 1 working day to spare\n"
        "3 cohorts of Analytics Suite are in Negotiation during production."
    )
    with qtbot.waitSignal(view.sig_answer_changed) as blocker:
        view.set_date(view.needed_by, date(2027, 3, 12))
    assert not blocker.args[0].fits
    assert view.answer_plain_text() == (
        "Late by 1 working day: production Thu 11 Mar → Mon 15 Mar (needed by Fri 12 Mar)\n"
        "Options: cut it to 2 production days to deliver by Fri 12 Mar; or move the deadline "
        "to Mon 15 Mar (the earliest the queue allows); or reuse: Case study: Contoso "
        "analytics, ready (contoso-case-study, Case study).\n"
        "3 cohorts of Analytics Suite are in Negotiation during production."
    )
    # Fewer production days: it fits again.
    view.days_spin.setValue(2)
    assert view.answer_plain_text().startswith(
        "Fits: production Thu 11 Mar → Fri 12 Mar, delivered on the deadline"
    )


def test_an_earlier_deadline_goes_first_and_says_whom_it_makes_late(view, controller):
    # Give the queued one-pager a deadline it meets (Fri 5, Tue 9, Wed 10 Mar; due Fri 12).
    plan = controller.plan
    requests = tuple(
        replace(q, needed_by=date(2027, 3, 12)) if q.id == "fleet-one-pager" else q
        for q in plan.requests
    )
    assert controller.apply(replace(plan, requests=requests), "Deadline") is None
    assert view.model.index(2, 6).data() == "+2"
    # A draft due a day earlier takes those days first; the one-pager turns late.
    view.set_date(view.needed_by, date(2027, 3, 11))
    text = view.answer_plain_text()
    assert text.startswith("Fits: production Fri 5 Mar → Wed 10 Mar, 1 working day to spare")
    assert text.endswith("⚠ It would make Fleet TCO one-pager late (earlier deadline goes first).")
    assert view.proposal.displaced == ("fleet-one-pager",)


def test_an_invalid_draft_names_the_field(view):
    view.set_date(view.needed_by, date(2027, 2, 20))
    assert view.proposal is None
    assert view.answer_plain_text() == (
        "Cannot answer yet:\nNeeded by: must not be before the request date (2027-03-01)"
    )
    assert not view.submit_button.isEnabled()
    view.set_date(view.needed_by, date(2027, 3, 16))
    view.title_edit.clear()
    assert view.proposal is not None  # a draft without a title still gets an answer
    assert not view.submit_button.isEnabled()


def test_submit_adds_the_request_as_one_undoable_edit(qtbot, view, controller):
    view.set_date(view.needed_by, date(2027, 3, 16))
    with qtbot.waitSignal(controller.sig_plan_changed):
        view.submit_button.click()
    added = controller.plan.requests[-1]
    assert (added.id, added.status, added.start) == (
        "security-whitepaper-for-initech",
        "scheduled",
        date(2027, 3, 11),
    )
    assert view.form_status.text() == "Added “Security whitepaper for Initech”: scheduled."
    assert view.model.rowCount() == 4
    assert view.selected_request() == added
    assert view.title_edit.text() == ""
    assert view.counts.text() == (
        "4 requests (1 requested, 2 scheduled, 1 delivered) · studio: Marketing"
    )
    # The booked request now occupies the studio and shows in the calendar entries.
    assert view.strip.booked(date(2027, 3, 11)) == 1
    assert any(o.touch == added.id for o in controller.occurrences())
    assert controller.undo_stack.undoText() == "Add request “Security whitepaper for Initech”"
    controller.undo_stack.undo()
    assert view.model.rowCount() == 3


def test_queue_table_and_model(view):
    QAbstractItemModelTester(view.model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    rows = [[view.model.index(r, c).data() for c in range(7)] for r in range(view.model.rowCount())]
    assert rows == [
        [
            "Delivered",
            "Case study: Acme Logistics rollout",
            "Account executives",
            "Analytics Suite · Negotiation",
            "Fri 12 Feb",
            "Wed 3 Feb → Fri 5 Feb",
            "+5",
        ],
        [
            "Scheduled",
            "ROI sheet for the Globex deal",
            "Account executives",
            "Billing Cloud · Closing",
            "Wed 10 Mar",
            "Wed 3 Mar → Thu 4 Mar",
            "+3",
        ],
        [
            "Requested",
            "Fleet TCO one-pager",
            "Sales development",
            "Field Mobile · Site demo",
            "Mon 8 Mar",
            "Fri 5 Mar → Wed 10 Mar",
            "2 late",
        ],
    ]


def enabled(view):
    return {s for s, b in view.action_buttons.items() if b.isEnabled()}


def test_workflow_actions_follow_the_status(qtbot, view, controller, monkeypatch):
    asked = []
    monkeypatch.setattr(
        requests_view, "ask_early_delivery", lambda _p, title, start: asked.append(start) or True
    )
    assert enabled(view) == set()
    view.select_request("fleet-one-pager")
    assert enabled(view) == {"scheduled", "declined"}
    assert view.action_buttons["delivered"].toolTip() == (
        "Not allowed from requested (allowed: scheduled, declined)"
    )
    # Asked for anyway (a menu, a script): refused, naming the allowed moves.
    message = view.move_selected("delivered")
    assert message == (
        '⚠ request "fleet-one-pager" cannot move from requested to delivered '
        "(allowed from requested: scheduled, declined)"
    )
    assert controller.plan.request("fleet-one-pager").status == "requested"
    view.action_buttons["scheduled"].click()
    moved = controller.plan.request("fleet-one-pager")
    assert (moved.status, moved.start) == ("scheduled", date(2027, 3, 5))
    assert view.selected_request() == moved
    assert enabled(view) == {"in_production", "declined"}
    view.action_buttons["in_production"].click()
    view.action_buttons["delivered"].click()
    assert controller.plan.request("fleet-one-pager").status == "delivered"
    assert asked == [date(2027, 3, 5)]  # production starts after today (1 Mar): asked first
    assert enabled(view) == set()
    assert view.action_buttons["scheduled"].toolTip() == "Not allowed from delivered (final status)"
    assert view.queue_status.text() == "“Fleet TCO one-pager” is now delivered."
    assert controller.undo_stack.count() == 3


def test_decline_asks_why_and_frees_the_studio(qtbot, view, controller, monkeypatch):
    monkeypatch.setattr(
        QInputDialog,
        "getText",
        staticmethod(lambda *a, **k: ("Deal lost to a competitor", True)),
    )
    view.set_date(view.needed_by, date(2027, 3, 16))
    assert view.strip.booked(date(2027, 3, 4)) == 1
    view.select_request("roi-sheet-globex")
    view.action_buttons["declined"].click()
    declined = controller.plan.request("roi-sheet-globex")
    assert (declined.status, declined.note) == ("declined", "Deal lost to a competitor")
    # The freed days go to the queue: the one-pager (due first) now runs Thu 4 – Tue 9 Mar,
    # one working day late instead of two; the draft moves a day earlier.
    assert [view.strip.load[d].requests for d in (date(2027, 3, 4), date(2027, 3, 9))] == [
        ("fleet-one-pager",),
        ("fleet-one-pager",),
    ]
    assert view.model.index(view.model.row_of("fleet-one-pager"), 6).data() == "1 late"
    assert view.answer_plain_text().startswith(
        "Fits: production Wed 10 Mar → Fri 12 Mar, 2 working days to spare"
    )
    assert view.model.index(view.model.row_of("roi-sheet-globex"), 6).data() == "—"


def test_cancelling_the_decline_question_changes_nothing(view, controller, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
    view.select_request("roi-sheet-globex")
    view.action_buttons["declined"].click()
    assert controller.plan.request("roi-sheet-globex").status == "scheduled"
    assert view.queue_status.text() == "Not declined."


def test_studio_strip_shows_booked_days_and_the_draft(view):
    view.set_date(view.needed_by, date(2027, 3, 16))
    strip = view.strip
    assert strip.capacity == 1
    assert strip.days[0] == date(2027, 3, 4)
    assert date(2027, 3, 8) not in strip.days  # Women's Day (Berlin): not a working day
    assert [strip.booked(d) for d in strip.days[:7]] == [1, 1, 1, 1, 1, 1, 1]
    assert strip.draft_days == {date(2027, 3, 11), date(2027, 3, 12), date(2027, 3, 15)}
    assert strip.needed_by == date(2027, 3, 16)


def test_navigation_selects_the_request(view, controller):
    controller.navigate(NavTarget(touch="roi-sheet-globex", tab="requests"))
    assert view.selected_request().id == "roi-sheet-globex"


def test_a_stage_with_no_cohort_in_it_says_so(view):
    # Field Mobile's first cohort (22 Feb) reaches Closing on day 64: 27 April.
    view.product_combo.setCurrentIndex(view.product_combo.findData("mobile"))
    view.stage_combo.setCurrentIndex(view.stage_combo.findData("close"))
    view.set_date(view.needed_by, date(2027, 3, 16))
    assert view.answer_plain_text().splitlines()[-1] == (
        "No cohort of Field Mobile is in Closing during production: check the piece is needed then."
    )


def test_edit_a_submitted_request_fixes_its_typo_in_one_undoable_step(qtbot, view, controller):
    view.select_request("fleet-one-pager")
    assert view.edit_button.isEnabled()
    view.edit_button.click()
    assert view.editing == "fleet-one-pager"
    assert view.form_box.title() == "Edit request “Fleet TCO one-pager”"
    assert view.submit_button.text() == "Save changes"
    assert view.title_edit.text() == "Fleet TCO one-pager"
    view.title_edit.setText("Fleet TCO one-pager (v2)")
    view.days_spin.setValue(2)
    view.submit_button.click()
    edited = controller.plan.request("fleet-one-pager")
    assert (edited.title, edited.production_days, edited.status) == (
        "Fleet TCO one-pager (v2)",
        2,
        "requested",
    )
    assert len(controller.plan.requests) == 3
    assert controller.undo_stack.undoText() == "Edit request “Fleet TCO one-pager (v2)”"
    assert view.editing is None and view.submit_button.text() == "Submit request"
    assert view.title_edit.text() == ""
    controller.undo_stack.undo()
    assert controller.plan.request("fleet-one-pager").title == "Fleet TCO one-pager"


def test_delete_a_submitted_request_and_undo_brings_it_back(qtbot, view, controller):
    view.select_request("fleet-one-pager")
    view.delete_button.click()
    assert controller.plan.request("fleet-one-pager") is None
    assert view.model.rowCount() == 2
    assert view.queue_status.text() == (
        "Deleted “Fleet TCO one-pager” (Edit ▸ Undo brings it back)."
    )
    assert controller.undo_stack.undoText() == "Delete request “Fleet TCO one-pager”"
    controller.undo_stack.undo()
    assert controller.plan.request("fleet-one-pager") is not None


def test_mark_delivered_before_production_asks_and_no_keeps_it(
    qtbot, view, controller, monkeypatch
):
    asked = []
    monkeypatch.setattr(
        requests_view, "ask_early_delivery", lambda _p, title, start: asked.append(title) or False
    )
    view.select_request("fleet-one-pager")
    view.action_buttons["scheduled"].click()
    view.action_buttons["in_production"].click()
    assert view.move_selected("delivered") == "Not marked delivered."
    assert asked == ["Fleet TCO one-pager"]
    assert controller.plan.request("fleet-one-pager").status == "in_production"


def test_a_plan_without_a_studio_says_so_in_words(qtbot, controller):
    from cadence.model import Plan

    plan: Plan = replace(controller.plan, studio=None, requests=())
    controller.load(plan)
    widget = RequestsView(controller, today=TODAY)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.studio_setup.isVisible()
    widget.title_edit.setText("Battle card")
    text = widget.answer_plain_text()
    assert text == (
        "Cannot answer yet:\nNobody produces collateral in this plan yet: choose the producing "
        "team above (or in Plan ▸ Plan settings ▸ Studio)."
    )
