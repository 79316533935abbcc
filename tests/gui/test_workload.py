"""The workload chart on the demo plan: weekly loads, capacity line, overloads, click → calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtGui import QPalette

from cadence.demo import demo_plan
from ui.calendar_view import CalendarView
from ui.controller import NavTarget
from ui.theme import apply_theme
from ui.workload import WorkloadChart, week_loads, weekly_load


@pytest.fixture
def chart(qtbot, controller):
    widget = WorkloadChart(controller)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_weekly_load_counts_touches_like_the_capacity_check(controller):
    loads = weekly_load(controller.plan, controller.occurrences(), "ae")
    assert len(loads) == 52
    assert (loads[0].monday, loads[-1].monday) == (date(2027, 1, 4), date(2027, 12, 27))
    week9 = loads[8]
    assert (week9.label, week9.manual, week9.manual_touches, week9.automated) == (
        "W09",
        34.2,
        4,
        0.0,
    )
    assert sum(w.manual_touches + w.automated_touches for w in loads) == 163


def test_the_planners_weeks_follow_an_edit_and_its_undo_like_the_calendar(controller):
    # The chart reads each product's kept weeks (no merge of the calendar): after an
    # edit and its undo they equal the weeks summed from the merged calendar.
    plan = controller.plan
    assert week_loads(plan, controller.team_weeks("ae"))[8].manual == 34.2  # W09, as above
    product = plan.products[0]
    touch = next(t for t in product.touches if t.owner == "ae")
    automated = replace(
        product,
        touches=tuple(replace(t, automated=True) if t is touch else t for t in product.touches),
    )
    edited = replace(plan, products=(automated, *plan.products[1:]))
    assert controller.apply(edited, "Automate") is None
    moved = week_loads(edited, controller.team_weeks("ae"))
    for team in edited.teams:
        assert week_loads(edited, controller.team_weeks(team.id)) == weekly_load(
            edited, controller.occurrences(), team.id
        ), team.id
    controller.undo_stack.undo()
    back = week_loads(plan, controller.team_weeks("ae"))
    for team in plan.teams:
        assert week_loads(plan, controller.team_weeks(team.id)) == weekly_load(
            plan, controller.occurrences(), team.id
        ), team.id
    counts = [sum(w.automated_touches for w in weeks) for weeks in (back, moved)]
    assert (touch.id, counts) == ("discovery", [5, 45])  # its 40 calls became automated


def test_starts_on_the_overloaded_team_with_red_bars_and_a_capacity_line(chart, controller):
    assert chart.team() == "ae"
    assert chart.team_combo.currentText() == "Account executives · 45/week"
    over = chart.over_capacity_weeks()
    assert [w.monday for w in over] == [date(2027, 4, 12), date(2027, 5, 3), date(2027, 11, 8)]
    # Exactly the weeks the capacity check flags.
    flagged = {g.start for g in controller.gaps if g.kind == "capacity" and g.team == "ae"}
    assert {w.monday for w in over} == flagged
    red = chart.manual_set.selectedBars()
    assert sorted(red) == [i for i, w in enumerate(chart.loads) if w.manual > 45] == [14, 17, 44]
    assert chart.manual_set.count() == chart.automated_set.count() == 52
    line = chart.capacity_series
    assert [(p.x(), p.y()) for p in line.points()] == [(-0.5, 45.0), (51.5, 45.0)]
    assert chart.summary.text().endswith("worst W18: 52.3 manual contacts, capacity 45")
    assert "<b>3 weeks over capacity</b>" in chart.summary.text()


def test_team_and_measure_selection(chart):
    chart.set_team("sdr")
    assert chart.over_capacity_weeks() == []
    assert chart.summary.text() == "Within capacity (60/week) every week"
    assert chart.manual_set.selectedBars() == []
    chart.set_team("mkt")
    assert chart.capacity_series is None
    assert chart.summary.text() == "Marketing: no weekly capacity set"
    chart.set_team("ae")
    chart.set_measure("touches")
    assert chart.capacity_series is None
    assert chart.manual_set.at(8) == 4.0
    chart.automated_check.setChecked(False)
    assert chart.automated_set is None


def test_clicking_a_bar_shows_the_teams_week_in_the_calendar(qtbot, chart, controller):
    calendar = CalendarView(controller, today=date(2027, 1, 4))
    qtbot.addWidget(calendar)
    with qtbot.waitSignal(controller.sig_navigate) as nav:
        chart.manual_set.clicked.emit(8)
    assert nav.args == [NavTarget(day=date(2027, 3, 1), tab="calendar")]
    assert calendar.view() == "week"
    assert calendar.period() == (date(2027, 3, 1), date(2027, 3, 7))
    assert calendar.filter().teams == {"ae"}
    assert len(calendar.visible_occurrences()) == 6  # 5 touches and the alignment meeting


def test_follows_edits(qtbot, chart, controller):
    plan = controller.plan
    teams = tuple(replace(t, weekly_capacity=60) if t.id == "ae" else t for t in plan.teams)
    with qtbot.waitSignal(controller.sig_schedule_changed):
        assert controller.apply(replace(plan, teams=teams), "Capacity") is None
    assert chart.team() == "ae"
    assert chart.team_combo.currentText() == "Account executives · 60/week"
    assert chart.over_capacity_weeks() == []
    controller.undo_stack.undo()
    assert len(chart.over_capacity_weeks()) == 3


def test_an_edit_that_changes_nothing_shown_leaves_the_chart_alone(qtbot, chart, controller):
    drawn = chart.manual_set
    plan = controller.plan
    assert controller.apply(replace(plan, name="Renamed plan"), "Rename") is None
    assert chart.manual_set is drawn  # same loads, same team: nothing rebuilt
    teams = tuple(replace(t, weekly_capacity=60) if t.id == "ae" else t for t in plan.teams)
    assert controller.apply(replace(plan, teams=teams), "Capacity") is None
    assert chart.manual_set is not drawn
    assert chart.summary.text() == "Within capacity (60/week) every week"


def test_a_hidden_chart_rebuilds_when_shown(qtbot, chart, controller):
    chart.hide()
    plan = controller.plan
    teams = tuple(replace(t, weekly_capacity=60) if t.id == "ae" else t for t in plan.teams)
    assert controller.apply(replace(plan, teams=teams), "Capacity") is None
    assert chart.manual_set.selectedBars() != []  # not rebuilt while hidden
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.manual_set.selectedBars() == []
    assert chart.over_capacity_weeks() == []


def test_opening_a_document_picks_its_most_overloaded_team_again(qtbot, chart, controller):
    chart.set_team("cs")
    assert controller.apply(replace(controller.plan, name="Renamed"), "Rename") is None
    assert chart.team() == "cs"  # the user's choice survives edits
    with qtbot.waitSignal(controller.sig_schedule_changed):
        controller.load(demo_plan())
    assert chart.team() == "ae"
    assert chart.summary.text().startswith("<span")


@pytest.fixture
def restore_theme(qapp):
    palette, sheet, style = QPalette(qapp.palette()), qapp.styleSheet(), qapp.style().name()
    yield qapp
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def test_the_chart_follows_a_theme_switch_shown_or_hidden(qtbot, chart, restore_theme):
    apply_theme(restore_theme, "dark")
    assert chart.chart.backgroundBrush().color().name() == "#272b32"
    chart.hide()  # another tab is shown while the theme changes back
    apply_theme(restore_theme, "light")
    chart.show()
    qtbot.waitExposed(chart)
    assert chart.chart.backgroundBrush().color().name() == "#ffffff"
    assert chart.chart.titleBrush().color().name() == restore_theme.palette().text().color().name()
