"""Plan dialogs: teams, plan settings, cohorts, broadcasts with the RRULE builder."""

from __future__ import annotations

from datetime import date, time

import pytest
from PySide6.QtCore import QDate, Qt

from cadence.demo import demo_plan
from ui import rrule, teams_dialog
from ui.broadcasts_dialog import BroadcastsDialog
from ui.cohorts_dialog import CohortsDialog
from ui.settings_dialog import PlanSettingsDialog
from ui.teams_dialog import TeamsDialog


def test_teams_dialog_adds_a_team_with_a_picked_colour(qtbot, controller, monkeypatch):
    dialog = TeamsDialog(controller)
    qtbot.addWidget(dialog)
    dialog._add_row(None)
    row = dialog.table.rowCount() - 1
    dialog.table.cellWidget(row, dialog.NAME).setText("Partners")
    dialog.table.cellWidget(row, dialog.CAPACITY).setValue(15)
    monkeypatch.setattr(teams_dialog, "pick_color", lambda _parent, _current: "#123456")
    dialog.table.cellWidget(row, dialog.COLOR).click()
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    team = controller.plan.team("partners")
    assert (team.name, team.color, team.weekly_capacity) == ("Partners", "#123456", 15)
    assert controller.undo_stack.undoText() == "Edit teams"


def test_removing_a_team_that_owns_stages_is_refused_in_the_dialog(qtbot, controller, monkeypatch):
    monkeypatch.setattr(teams_dialog, "ask_reassign", lambda *_a: None)  # the user cancels
    dialog = TeamsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.table.setCurrentCell(2, 0)  # Account executives
    dialog._remove_row()
    assert dialog.table.rowCount() == 4  # the row stays
    assert dialog.error.isVisibleTo(dialog)
    assert dialog.error.text() == (
        "⚠  Account executives still owns 4 stages, 6 touches, 2 requests, 1 asset: give them to another team first."
    )
    dialog._add_row(None)
    dialog._remove_row()  # a team that owns nothing goes
    assert dialog.table.rowCount() == 4
    assert not dialog.error.isVisibleTo(dialog)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert controller.plan.team("ae") is not None


def test_settings_dialog_changes_calendar_and_rules(qtbot, controller):
    dialog = PlanSettingsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.name.setText("Northwind 2027 v2")
    dialog.workdays["sat"].setChecked(True)
    dialog.country.setCurrentIndex(dialog.country.findData("FR"))
    dialog.max_silence.setValue(-1)  # off
    dialog._add_blackout(None)
    row = dialog.blackouts.rowCount() - 1
    dialog.blackouts.item(row, 0).setText("Summer break")
    dialog.blackouts.cellWidget(row, 1).setDate(QDate(2027, 8, 2))
    dialog.blackouts.cellWidget(row, 2).setDate(QDate(2027, 8, 13))
    dialog.accept()
    plan = controller.plan
    assert plan.name == "Northwind 2027 v2"
    assert "sat" in plan.calendar.workdays
    assert plan.calendar.holidays.country == "FR" and plan.calendar.holidays.subdivision is None
    assert plan.rules.max_silence_days is None
    assert plan.calendar.blackouts[-1].name == "Summer break"
    assert plan.calendar.blackouts[-1].start == date(2027, 8, 2)
    controller.undo_stack.undo()
    assert controller.plan == demo_plan()


def test_settings_dialog_shows_the_validation_message(qtbot, controller):
    dialog = PlanSettingsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.end.setDate(QDate(2026, 12, 1))
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.error.text() == "⚠  Plan: end must not be before start (2027-01-04)"
    assert controller.undo_stack.count() == 0


def test_subdivisions_follow_the_country(qtbot, controller):
    dialog = PlanSettingsDialog(controller)
    qtbot.addWidget(dialog)
    assert dialog.country.currentData() == "DE"
    assert dialog.subdivision.currentData() == "BE"
    dialog.country.setCurrentIndex(dialog.country.findData("US"))
    assert dialog.subdivision.findData("CA") > 0


def test_cohorts_dialog_switches_to_explicit_dates(qtbot, controller):
    dialog = CohortsDialog(controller, "billing")
    qtbot.addWidget(dialog)
    dialog.explicit.setChecked(True)
    for d in (date(2027, 3, 1), date(2027, 2, 1)):
        dialog._add_date(d)
    dialog.cohort_size.setValue(120)
    assert dialog.summary.text() == "2 dated cohorts × 120 leads · 01 Feb – 01 Mar 2027"
    dialog.accept()
    cohorts = controller.plan.product("billing").cohorts
    assert cohorts.dates == (date(2027, 2, 1), date(2027, 3, 1))
    assert cohorts.size == 120


def test_broadcasts_dialog_builds_rules(qtbot, controller):
    dialog = BroadcastsDialog(controller)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == len(demo_plan().broadcasts)
    dialog.add_broadcast()
    dialog.name.setText("Quarterly webinar")
    dialog.channel.setCurrentIndex(dialog.channel.findData("event"))
    dialog.time.setText("16:00")
    dialog.builder.mode.setCurrentIndex(1)  # monthly on the Nth weekday
    dialog.builder.nth.setCurrentIndex(dialog.builder.nth.findData(-1))
    dialog.builder.weekday.setCurrentIndex(dialog.builder.weekday.findData("TH"))
    dialog.builder.interval.setValue(3)
    assert dialog.builder.rule() == "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH"
    assert dialog.preview.text().startswith(
        "Every 3 months on the last Thursday: Thu 28 Jan 2027, Thu 29 Apr 2027"
    )
    dialog.reach_some.setChecked(True)
    dialog.products.item(1).setCheckState(Qt.CheckState.Checked)
    dialog.accept()
    b = controller.plan.broadcasts[-1]
    assert (b.id, b.name, b.channel, b.time) == (
        "quarterly-webinar",
        "Quarterly webinar",
        "event",
        time(16, 0),
    )
    assert b.rrule == "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH"
    assert b.products == ("billing",)
    assert any(o.touch == "quarterly-webinar" for o in controller.schedule.touches)


def test_broadcasts_dialog_refuses_a_bad_raw_rule(qtbot, controller):
    dialog = BroadcastsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.builder.mode.setCurrentIndex(3)  # custom
    dialog.builder.raw.setText("FREQ=SOMETIMES")
    assert dialog.preview.text().startswith("⚠ not a valid RRULE")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "Broadcast “Monthly newsletter”, repeat rule: invalid RRULE" in dialog.error.text()


def test_broadcasts_dialog_shows_the_broadcast_its_error_names(qtbot, controller):
    dialog = BroadcastsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.builder.mode.setCurrentIndex(3)  # custom
    dialog.builder.raw.setText("FREQ=SOMETIMES")
    dialog.list.setCurrentRow(1)  # the rule is kept; the time was fine
    assert dialog.list.currentRow() == 1
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.list.currentRow() == 0
    assert dialog.builder.raw.text() == "FREQ=SOMETIMES"
    assert "Broadcast “Monthly newsletter”, repeat rule: invalid RRULE" in dialog.error.text()


def test_broadcasts_dialog_keeps_a_broadcast_whose_time_is_unreadable(qtbot, controller):
    dialog = BroadcastsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.time.setText("25:00")
    dialog.list.setCurrentRow(1)
    assert dialog.list.currentRow() == 0
    assert dialog.time.text() == "25:00"
    assert dialog.error.text() == (
        '⚠  broadcast "newsletter": time must be "HH:MM" or empty, got "25:00"'
    )
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert controller.plan.broadcasts[0].time == time(10, 0)
    dialog.add_broadcast()
    assert dialog.list.count() == 3
    dialog.time.setText("9:30")
    dialog.list.setCurrentRow(1)
    assert dialog.list.currentRow() == 1
    assert dialog.error.isHidden()


@pytest.mark.parametrize(
    ("text", "mode", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "weekly", "Every week on Monday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "weekly", "Every 2 weeks on Tuesday and Thursday"),
        ("FREQ=MONTHLY;BYDAY=1TU", "monthly_nth", "Monthly on the first Tuesday"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "monthly_nth", "Monthly on the last Friday"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "monthly_day", "Monthly on day 15"),
        ("FREQ=YEARLY;BYMONTH=3", "custom", "Custom rule FREQ=YEARLY;BYMONTH=3"),
    ],
)
def test_rrule_round_trip(text, mode, words):
    spec = rrule.parse(text)
    assert spec.mode == mode
    assert rrule.build(spec) == text
    assert rrule.describe(text) == words


def test_rrule_preview_matches_dateutil():
    assert rrule.preview("FREQ=MONTHLY;BYDAY=1TU", date(2027, 1, 5), 3) == [
        date(2027, 1, 5),
        date(2027, 2, 2),
        date(2027, 3, 2),
    ]
    assert isinstance(rrule.preview("FREQ=NEVER", date(2027, 1, 5)), str)


def test_rrule_preview_reads_an_until_in_utc_as_the_engine_does():
    rule = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270309T000000Z"
    assert rrule.preview(rule, date(2027, 3, 1)) == [date(2027, 3, 2), date(2027, 3, 9)]


def test_removing_a_team_offers_to_give_its_work_to_another_team(qtbot, controller, monkeypatch):
    asked = []

    def choose(_parent, name, owned, choices):
        asked.append((name, owned, choices))
        return "Marketing"

    monkeypatch.setattr(teams_dialog, "ask_reassign", choose)
    dialog = TeamsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.table.setCurrentCell(2, 0)  # Account executives
    dialog._remove_row()
    assert asked == [
        (
            "Account executives",
            "4 stages, 6 touches, 2 requests, 1 asset",
            ["Marketing", "Sales development", "Customer success"],
        )
    ]
    assert dialog.table.rowCount() == 3
    dialog.accept()
    plan = controller.plan
    assert plan.team("ae") is None
    assert not any(s.owner == "ae" for p in plan.products for s in p.stages)
    assert sum(q.requested_by == "mkt" for q in plan.requests) >= 2
    assert controller.undo_stack.undoText() == "Edit teams"
    controller.undo_stack.undo()
    assert controller.plan.team("ae") is not None


def test_a_dialog_error_goes_when_a_field_changes(qtbot, controller):
    from datetime import date as day

    from ui.settings_dialog import to_qdate

    dialog = PlanSettingsDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.end.setDate(to_qdate(day(2026, 1, 1)))
    dialog.accept()
    assert dialog.error.isVisible()
    dialog.end.setDate(to_qdate(day(2027, 12, 31)))  # the cause is gone
    assert not dialog.error.isVisible()
