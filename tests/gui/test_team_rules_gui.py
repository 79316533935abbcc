"""Plan settings edit count_days and the lead desk; Teams edit a team's own calendar;
the workload view alerts the team that answers for unowned days."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QDate

from cadence.demo import demo_plan
from cadence.model import Blackout, HolidayRule
from ui import teams_dialog
from ui.settings_dialog import PlanSettingsDialog
from ui.team_calendar_dialog import TeamCalendarDialog
from ui.teams_dialog import TeamsDialog
from ui.workload import WorkloadChart


def kinds(controller) -> Counter:
    return Counter(g.kind for g in controller.gaps)


def test_settings_dialog_sets_working_days_and_the_lead_desk_in_one_undo_step(qtbot, controller):
    assert kinds(controller)["handoff"] == 29
    dialog = PlanSettingsDialog(controller)
    qtbot.addWidget(dialog)
    assert dialog.count_days.currentData() == "calendar"
    assert dialog.lead_desk.currentText() == "None — the previous owner answers"
    dialog.count_days.setCurrentIndex(dialog.count_days.findData("working"))
    dialog.lead_desk.setCurrentIndex(dialog.lead_desk.findData("cs"))
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    rules = controller.plan.rules
    assert (rules.count_days, rules.lead_desk) == ("working", "cs")
    assert kinds(controller)["handoff"] == 7
    assert {g.team for g in controller.gaps if g.kind == "unowned"} == {"cs"}
    assert controller.undo_stack.undoText() == "Edit plan settings"
    controller.undo_stack.undo()
    assert controller.plan == demo_plan()
    assert kinds(controller)["handoff"] == 29


def test_teams_dialog_gives_a_team_its_own_calendar(qtbot, controller, monkeypatch):
    off = (Blackout("Offsite", date(2027, 6, 7), date(2027, 6, 11)),)
    monkeypatch.setattr(
        teams_dialog, "edit_team_calendar", lambda *_a: (HolidayRule("US", "NY"), off)
    )
    dialog = TeamsDialog(controller)
    qtbot.addWidget(dialog)
    button = dialog.table.cellWidget(2, dialog.CALENDAR)  # Account executives
    assert button.text() == "Plan's calendar"
    button.click()
    assert button.text() == "US-NY holidays · 1 time off"
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    ae = controller.plan.team("ae")
    assert (ae.holidays, ae.blackouts) == (HolidayRule("US", "NY"), off)
    assert controller.undo_stack.undoText() == "Edit teams"
    controller.undo_stack.undo()
    assert controller.plan.team("ae").holidays is None


def test_team_calendar_dialog_refuses_time_off_ending_before_it_starts(qtbot, controller):
    dialog = TeamCalendarDialog(controller.plan.team("sdr"), date(2027, 1, 1))
    qtbot.addWidget(dialog)
    assert dialog.holidays() is None and dialog.time_off() is None  # the plan's
    assert not dialog.blackouts.isEnabled()
    dialog.country.setCurrentIndex(dialog.country.findData("US"))
    dialog.own_time_off.setChecked(True)
    assert dialog.blackouts.isEnabled()
    dialog.add_blackout(None)
    dialog.blackouts.item(0, 0).setText("Ski week")
    dialog.blackouts.cellWidget(0, 1).setDate(QDate(2027, 2, 12))
    dialog.blackouts.cellWidget(0, 2).setDate(QDate(2027, 2, 8))
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.error.text() == (
        "⚠  Time off “Ski week” ends on 2027-02-08, before it starts (2027-02-12)."
    )
    dialog.blackouts.item(0, 0).setText("")
    dialog.blackouts.cellWidget(0, 2).setDate(QDate(2027, 2, 19))
    dialog.accept()
    assert dialog.error.text() == "⚠  Time off row 1 needs a name."
    dialog.blackouts.item(0, 0).setText("Ski week")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.holidays() == HolidayRule("US", None)
    assert dialog.time_off() == (Blackout("Ski week", date(2027, 2, 12), date(2027, 2, 19)),)


def test_a_team_with_no_time_off_of_its_own_ignores_the_plan_blackouts(qtbot, controller):
    dialog = TeamCalendarDialog(controller.plan.team("mkt"), date(2027, 1, 1))
    qtbot.addWidget(dialog)
    dialog.own_time_off.setChecked(True)
    dialog.accept()
    assert dialog.time_off() == ()


def test_removing_the_lead_desk_team_hands_the_duty_over(qtbot, controller, monkeypatch):
    plan = controller.plan
    assert controller.apply(replace(plan, rules=replace(plan.rules, lead_desk="cs")), "x") is None
    monkeypatch.setattr(teams_dialog, "ask_reassign", lambda *_a: "Account executives")
    dialog = TeamsDialog(controller)
    qtbot.addWidget(dialog)
    assert dialog.owned_by("cs") == "1 stage, 2 touches, the lead desk"
    dialog.table.setCurrentCell(3, 0)  # Customer success
    dialog._remove_row()
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert controller.plan.rules.lead_desk == "ae"


def test_workload_alerts_the_team_that_answers_for_unowned_days(qtbot, controller):
    chart = WorkloadChart(controller)
    qtbot.addWidget(chart)
    chart.resize(1024, 600)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_team("cs")
    assert not chart.unowned_label.isVisible()
    plan = controller.plan
    assert controller.apply(replace(plan, rules=replace(plan.rules, lead_desk="cs")), "x") is None
    assert chart.unowned_label.isVisible()
    assert chart.unowned_label.text() == (
        "⚠ Answers for 45 unowned runs (425 lead-days no team owns); first 2027-02-08 to 2027-02-17"
    )
    assert chart.unowned_label.accessibleName() == "Unowned days alert"
    chart.set_team("mkt")  # answered before the desk existed; not any more
    assert not chart.unowned_label.isVisible()


def test_workload_capacity_line_steps_down_in_a_team_calendar_week_off(qtbot, controller):
    plan = controller.plan
    teams = tuple(replace(t, holidays=HolidayRule("US")) if t.id == "ae" else t for t in plan.teams)
    assert controller.apply(replace(plan, teams=teams), "US holidays") is None
    chart = WorkloadChart(controller)
    qtbot.addWidget(chart)
    chart.set_team("ae")
    points = [(p.x(), p.y()) for p in chart.capacity_series.points()]
    assert len(points) == 2 * 52
    assert points[0:2] == [(-0.5, 45.0), (0.5, 45.0)]  # W01: a full week
    assert points[4:6] == [(1.5, 36.0), (2.5, 36.0)]  # W03: Martin Luther King Jr. Day
    assert points[92:94] == [(45.5, 36.0), (46.5, 36.0)]  # W47: Thanksgiving
    # W24: the plan's offsite (Mon–Wed) and Juneteenth (observed Fri 18 June) leave Thursday.
    assert points[46:48] == [(22.5, 9.0), (23.5, 9.0)]


def test_calendar_filtered_to_one_team_shades_its_own_holidays(qtbot, controller):
    from ui._cal_common import CalendarFilter
    from ui.calendar_view import CalendarView

    plan = controller.plan
    teams = tuple(replace(t, holidays=HolidayRule("US")) if t.id == "ae" else t for t in plan.teams)
    assert controller.apply(replace(plan, teams=teams), "US holidays") is None
    view = CalendarView(controller, today=date(2027, 3, 9))
    qtbot.addWidget(view)
    thanksgiving, easter_monday = date(2027, 11, 25), date(2027, 3, 29)
    assert view.state.day_note(thanksgiving) == ("working", None)  # the plan's (Berlin)
    assert view.state.day_note(easter_monday)[0] == "holiday"
    view.set_filter(CalendarFilter(teams=frozenset({"ae"})))
    assert view.state.day_note(thanksgiving) == ("holiday", "Thanksgiving Day")
    assert view.state.day_note(easter_monday) == ("working", None)
    view.set_filter(CalendarFilter(teams=frozenset({"ae", "sdr"})))  # two teams: the plan's
    assert view.state.day_note(thanksgiving) == ("working", None)
