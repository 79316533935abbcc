"""The calendar view on the demo plan: filters, views, navigation, details, live updates.

Literal counts are for March 2027 of resources/demo_plan.json (the month view's
period is the month's own days; an entry spanning days counts once).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QAbstractItemModelTester

from ui._cal_common import CalendarFilter, CalendarHint, calendar_bus
from ui.calendar_view import CalendarView
from ui.controller import NavTarget

TODAY = date(2027, 3, 9)


@pytest.fixture
def view(qtbot, controller):
    widget = CalendarView(controller, today=TODAY)
    qtbot.addWidget(widget)
    widget.resize(1366, 768)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def count(view: CalendarView) -> int:
    return len(view.visible_occurrences())


def test_opens_on_today_in_month_view(view):
    assert view.view() == "month"
    assert view.current_day() == TODAY
    assert view.period() == (date(2027, 3, 1), date(2027, 3, 31))
    assert view.period_label.text() == "March 2027"
    assert count(view) == 92
    assert view.count_label.text() == "92 entries"


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (CalendarFilter(), 92),
        # sdr's 12 entries + the 5 alignment meetings it takes part in (participants)
        (CalendarFilter(teams=frozenset({"sdr"})), 12 + 5),
        (CalendarFilter(teams=frozenset({"mkt"})), 59),
        (CalendarFilter(channels=frozenset({"call"})), 16),
        (CalendarFilter(automation="manual"), 29),
        (CalendarFilter(automation="automated"), 63),
        # analytics touches (56) + the broadcast that reaches its leads (newsletter, Mar 2)
        (CalendarFilter(products=frozenset({"analytics"})), 56 + 1),
        (CalendarFilter(cohorts=frozenset({date(2027, 3, 1)})), 7),
        (CalendarFilter(text="digest"), 12),
        (CalendarFilter(teams=frozenset({"ae"}), channels=frozenset({"call"})), 12),
        (CalendarFilter(kinds=frozenset({"request"})), 2),
    ],
)
def test_filters_change_the_visible_occurrences(view, selection, expected):
    view.set_filter(selection)
    assert count(view) == expected
    for occ in view.visible_occurrences():
        assert view.state.index.day(occ.date).count(occ) == 1


def test_filter_widgets_drive_the_filter(view, qtbot):
    with qtbot.waitSignal(view.sig_filter_changed):
        view.team_combo.setCurrentIndex(view.team_combo.findData("sdr"))
    assert view.filter().teams == {"sdr"}
    assert count(view) == 17  # 12 of its own + 5 alignment meetings it takes part in
    assert view.count_label.text() == "17 entries (filtered)"
    view.channel_combo.setCurrentIndex(view.channel_combo.findData("call"))
    assert count(view) == 4
    qtbot.keyClicks(view.search, "intro")
    assert view.filter().text == "intro"
    assert all("intro" in o.name.lower() for o in view.visible_occurrences())
    view.window().activateWindow()
    view.search.setFocus()
    qtbot.waitUntil(view.search.hasFocus)
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)  # empties the search only
    assert view.search.text() == "" and view.filter().text == ""
    assert view.filter().teams == {"sdr"}
    assert count(view) == 4
    view.clear_button.click()
    assert view.filter().is_empty
    assert view.team_combo.currentIndex() == 0
    assert view.search.text() == ""
    assert count(view) == 92


def test_product_filter_offers_that_products_cohorts(view):
    view.product_combo.setCurrentIndex(view.product_combo.findData("mobile"))
    cohorts = [view.cohort_combo.itemData(i) for i in range(1, view.cohort_combo.count())]
    assert cohorts == [
        date(2027, 2, 22),
        date(2027, 3, 15),
        date(2027, 5, 10),
        date(2027, 9, 20),
        date(2027, 10, 18),
    ]


def test_a_filter_of_several_teams_shows_in_the_combo(view):
    view.set_filter(CalendarFilter(teams=frozenset({"sdr", "ae"})))
    assert view.team_combo.currentText() == "2 selected"
    assert count(view) == 28 + 5  # + the 5 alignment meetings both take part in


def test_week_and_agenda_views(view, qtbot):
    view.set_view("week")
    assert view.period() == (date(2027, 3, 8), date(2027, 3, 14))
    assert view.period_label.text() == "Week 10 · 8 – 14 Mar 2027"
    week = view.visible_occurrences()
    assert len(week) == 18
    view.set_view("agenda")
    model = view.agenda_model
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    # The request in production on Mar 3–4 is listed under both days.
    assert model.entry_count() == 92 + 1
    assert model.index(0, 0).data() == "Mon 01 Mar 2027 · 7 entries"
    view.set_filter(CalendarFilter(teams=frozenset({"cs"})))
    assert model.entry_count() == 5


def test_an_entry_chosen_in_the_agenda_is_in_the_week_view_after(view, qtbot):
    view.set_view("agenda")
    model = view.agenda_model
    day_row = model.row_of_day(date(2027, 3, 22))
    entry = model.index(0, 0, model.index(day_row, 0))
    view.agenda.setCurrentIndex(entry)
    chosen = view.selected_occurrence()
    assert chosen.date == date(2027, 3, 22)
    assert view.current_day() == date(2027, 3, 22)
    view.set_view("week")
    assert view.period() == (date(2027, 3, 22), date(2027, 3, 28))
    assert chosen in view.visible_occurrences()


def test_keyboard_navigation(view, qtbot):
    grid = view.month_grid
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert view.current_day() == date(2027, 3, 10)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert view.current_day() == date(2027, 3, 17)
    qtbot.keyClick(grid, Qt.Key.Key_Left)
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert view.current_day() == date(2027, 3, 9)
    qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert view.current_day() == date(2027, 4, 9)
    assert view.period_label.text() == "April 2027"
    qtbot.keyClick(grid, Qt.Key.Key_PageUp)
    qtbot.keyClick(grid, Qt.Key.Key_PageUp)
    assert view.period_label.text() == "February 2027"
    qtbot.keyClick(grid, Qt.Key.Key_T)
    assert view.current_day() == TODAY
    # Leaving the month with the arrows moves the period with the selection.
    view.go_to(date(2027, 3, 31))
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert view.period() == (date(2027, 4, 1), date(2027, 4, 30))
    # Enter opens the selected day's week.
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert view.view() == "week"
    qtbot.keyClick(view.week_body, Qt.Key.Key_PageDown)
    assert view.current_day() == date(2027, 4, 8)


def test_non_working_days_are_named(view):
    state = view.state
    assert state.day_note(date(2027, 3, 26)) == ("holiday", "Good Friday")
    assert state.day_note(date(2027, 3, 27)) == ("weekend", None)
    assert state.day_note(date(2027, 3, 10)) == ("working", None)
    assert state.day_note(date(2027, 6, 15)) == ("blackout", "Company offsite")
    cell = next(c for c in view.month_grid.cells() if c.day == date(2027, 3, 26))
    tip = view.month_grid.tooltip_at(cell.rect.bottomRight() - QPoint(4, 4))
    assert tip == "Fri 26 Mar 2027: Holiday — Good Friday"


def test_a_holiday_in_a_blackout_keeps_its_name(view):
    state = view.state
    assert state.day_note(date(2027, 12, 24)) == ("blackout", "Year-end freeze")
    assert state.day_note(date(2027, 12, 25)) == ("blackout", "Year-end freeze · Christmas Day")
    view.go_to(date(2027, 12, 25))
    cell = next(c for c in view.month_grid.cells() if c.day == date(2027, 12, 25))
    tip = view.month_grid.tooltip_at(cell.rect.bottomRight() - QPoint(4, 4))
    assert tip == "Sat 25 Dec 2027: Blackout — Year-end freeze · Christmas Day"


def test_rolled_touch_shows_its_nominal_date(view, qtbot):
    view.resize(1600, 1000)
    rolled = [o for o in view.visible_occurrences() if o.rolled]
    assert len(rolled) == 18
    occ = rolled[0]
    assert (occ.name, occ.date, occ.nominal) == (
        "Pricing guide",
        date(2027, 3, 1),
        date(2027, 2, 27),
    )
    rect = view.month_grid.chip_rect(occ.uid)
    assert rect is not None
    tip = view.month_grid.tooltip_at(rect.center())
    assert "↻ rolled from Sat 27 Feb 2027" in tip


def test_clicking_a_chip_shows_details_and_jumps_to_the_map(view, controller, qtbot):
    # The first rolled touch of the month: the Feb 22 cohort's Pricing guide, due on
    # Sat 27 Feb and sent on Mon 1 Mar.
    occ = next(o for o in view.visible_occurrences() if o.kind == "touch" and o.rolled)
    assert occ.uid == "northwind-2027.billing.guide.20270222.0@cadence"
    rect = view.month_grid.chip_rect(occ.uid)
    assert rect is not None
    with qtbot.waitSignal(view.sig_occurrence_selected) as blocker:
        qtbot.mouseClick(view.month_grid, Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [occ]
    fields = view.details.fields
    assert fields["UID"].text() == occ.uid
    assert fields["Product"].text() == "Billing Cloud"
    assert fields["Stage"].text() == "Awareness"
    assert fields["Cohort"].text() == "2027-02-22"
    assert fields["Owner"].text() == "Marketing"
    assert fields["Date"].text() == "Mon 1 Mar 2027"
    assert fields["Nominal date"].text() == "Sat 27 Feb 2027 · rolled ↻"
    assert view.details.show_button.isEnabled()
    with qtbot.waitSignal(controller.sig_navigate) as nav:
        view.details.show_button.click()
    assert nav.args == [NavTarget(product="billing", stage="aware", touch="guide", tab="map")]


def test_a_request_entry_jumps_to_the_requests_tab(view, controller, qtbot):
    occ = next(o for o in view.visible_occurrences() if o.kind == "request")
    view.select_occurrence(occ)
    assert view.details.show_button.text() == "Show in requests"
    with qtbot.waitSignal(controller.sig_navigate) as nav:
        view.details.show_button.click()
    assert nav.args[0].tab == "requests"
    assert nav.args[0].touch == "roi-sheet-globex"


def test_more_expands_the_day(view, qtbot):
    view.resize(1100, 600)
    day = date(2027, 3, 30)
    hidden = view.month_grid.hidden_count(day)
    assert hidden > 0
    entries = view.state.index.day(day)
    more = view.month_grid.more_rect(day)
    assert (
        view.month_grid.tooltip_at(more.center())
        == f"{hidden} more on Tue 30 Mar: click to see all"
    )
    qtbot.mouseClick(view.month_grid, Qt.MouseButton.LeftButton, pos=more.center())
    qtbot.waitUntil(view.popup.isVisible)
    assert view.popup.list.count() == len(entries) == 8
    item = view.popup.list.item(5)
    view.popup.list.itemClicked.emit(item)
    assert view.selected_occurrence() == entries[5]
    assert not view.popup.isVisible()


def test_navigation_from_elsewhere_moves_the_calendar(view, controller):
    controller.navigate(NavTarget(day=date(2027, 7, 14), tab="calendar"))
    assert view.current_day() == date(2027, 7, 14)
    assert view.period_label.text() == "July 2027"


def test_workload_hint_filters_to_a_team_week(view, controller):
    hint = CalendarHint(CalendarFilter(teams=frozenset({"ae"})), date(2027, 3, 1), "week")
    calendar_bus(controller).sig_show.emit(hint)
    assert view.view() == "week"
    assert view.period() == (date(2027, 3, 1), date(2027, 3, 7))
    assert view.team_combo.currentData() == "ae"
    # ae's own entries, and marketing's alignment meeting ae takes part in
    assert {o.owner for o in view.visible_occurrences()} == {"ae", "mkt"}
    assert count(view) == 5 + 1


def delete_the_blog_digest(controller, qtbot) -> None:
    """Analytics Suite without its weekly blog digest (12 entries in March 2027)."""
    plan = controller.plan
    analytics = plan.product("analytics")
    touches = tuple(t for t in analytics.touches if t.id != "digest")
    products = tuple(
        replace(p, touches=touches) if p.id == "analytics" else p for p in plan.products
    )
    with qtbot.waitSignal(controller.sig_schedule_changed):
        assert controller.apply(replace(plan, products=products), "Delete touch") is None


def test_updates_right_after_an_edit(view, controller, qtbot):
    delete_the_blog_digest(controller, qtbot)
    assert count(view) == 92 - 12
    view.set_filter(CalendarFilter(text="digest"))
    assert count(view) == 0
    controller.undo_stack.undo()
    assert count(view) == 12


def test_an_edit_repaints_the_month_without_merging_the_whole_calendar(
    view, controller, qtbot, monkeypatch
):
    # The calendar reads the month's days from the planner, one day at a time: an edit
    # never builds the list of every entry of the plan (~125 k on a large plan).
    def merged() -> list:
        raise AssertionError("the whole calendar was merged")

    monkeypatch.setattr(controller, "occurrences", merged)
    delete_the_blog_digest(controller, qtbot)
    assert count(view) == 92 - 12
    controller.undo_stack.undo()
    assert count(view) == 92
    digests = [o.date.day for o in view.visible_occurrences() if o.touch == "digest"]
    assert digests == [4, 4, 4, 11, 11, 11, 18, 18, 18, 25, 25, 25]  # Thursdays, 3 cohorts


def test_selection_survives_a_replan_and_clears_when_gone(view, controller):
    occ = next(o for o in view.visible_occurrences() if o.touch == "digest")
    view.select_occurrence(occ.uid)
    assert view.selected_occurrence() == occ
    plan = controller.plan
    rename = replace(plan, name="Renamed plan")
    assert controller.apply(rename, "Rename") is None
    assert view.state.selected_uid == occ.uid
    analytics = plan.product("analytics")
    touches = tuple(t for t in analytics.touches if t.id != "digest")
    products = tuple(
        replace(p, touches=touches) if p.id == "analytics" else p for p in plan.products
    )
    assert controller.apply(replace(rename, products=products), "Delete touch") is None
    assert view.state.selected_uid is None
    assert view.details.fields["UID"].text() == "—"


def test_today_marker_and_jump(view):
    assert view.state.today == TODAY
    view.set_today(date(2027, 5, 3))
    view.go_today()
    assert view.period_label.text() == "May 2027"
    view.jump.setDate(view.jump.date().addDays(40))
    assert view.current_day() == date(2027, 6, 12)


def test_a_hidden_calendar_catches_up_when_shown(view, controller, qtbot):
    view.hide()
    plan = controller.plan
    analytics = plan.product("analytics")
    touches = tuple(t for t in analytics.touches if t.id != "digest")
    products = tuple(
        replace(p, touches=touches) if p.id == "analytics" else p for p in plan.products
    )
    assert controller.apply(replace(plan, products=products), "Delete touch") is None
    # Edits made elsewhere cost the hidden calendar nothing …
    assert view.state.index.total == 894
    view.show()
    qtbot.waitExposed(view)
    # … and it is current as soon as it is shown.
    assert view.state.index.total == len(controller.occurrences()) < 894
    assert count(view) == 92 - 12
