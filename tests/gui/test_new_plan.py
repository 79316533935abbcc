"""A plan made from scratch in the GUI (File ▸ New) answers a request and shows its gaps."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSettings

from cadence.demo import demo_plan
from cadence.model import HolidayRule
from cadence.store import create_document
from ui import app as app_module
from ui import documents, plan_defaults
from ui.plan_defaults import DEFAULT_RULES
from ui.settings_dialog import PlanSettingsDialog


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(documents, "data_dir", lambda: folder)
    monkeypatch.setattr(documents, "show_error", lambda *_a: None)
    monkeypatch.setattr(plan_defaults, "system_timezone", lambda: "Europe/Berlin")
    monkeypatch.setattr(plan_defaults, "system_country", lambda: "DE")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = app_module.build_window([], settings, open_now=False, today=date(2027, 3, 9))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.empty_state is None)  # the views are built after the first paint
    yield win
    win.close()


def new_plan(window, tmp_path, monkeypatch, name="Launch plan"):
    target = tmp_path / f"{name}.cadence"
    monkeypatch.setattr(documents, "ask_save_path", lambda *_a: target)
    assert window.new_document()
    return window.controller.plan


def test_a_new_plan_has_rules_zone_and_country(qtbot, window, tmp_path, monkeypatch):
    plan = new_plan(window, tmp_path, monkeypatch)
    assert plan.rules == DEFAULT_RULES
    assert (plan.rules.min_spacing_days, plan.rules.max_silence_days) == (2, 14)
    assert plan.rules.handoff_sla_days == 3
    assert plan.timezone == "Europe/Berlin"
    assert plan.calendar.holidays == HolidayRule("DE")
    # The starter product's welcome email is followed by 34 silent days: a gap shows.
    kinds = {g.kind for g in window.controller.gaps}
    assert "silence" in kinds
    panel = window.gaps_panel
    panel.refresh()
    assert panel.title.text().startswith("⚠ Gaps (")
    assert panel.rules_hint.isHidden()


def test_the_gaps_panel_says_which_rules_are_off(qtbot, window, tmp_path, monkeypatch):
    from dataclasses import replace

    from cadence.model import Rules

    plan = new_plan(window, tmp_path, monkeypatch)
    window.controller.apply(replace(plan, rules=Rules()), "Rules off")
    panel = window.gaps_panel
    panel.refresh()
    assert panel.title.text() == "No gaps"
    assert panel.rules_hint.isVisibleTo(panel)
    assert panel.rules_hint.text() == (
        "The silence, hand-off and spacing rules are off, so those gaps are not looked "
        "for. Turn them on in Plan ▸ Plan settings ▸ Rules."
    )


def test_a_new_plan_answers_a_request_after_the_studio_is_set_up(
    qtbot, window, tmp_path, monkeypatch
):
    plan = new_plan(window, tmp_path, monkeypatch)
    window.show_tab("requests")
    view = window.requests
    assert plan.studio is None
    assert view.studio_setup.isVisibleTo(view)
    assert "Nobody produces collateral in this plan yet" in view.answer_plain_text() or (
        view.answer_plain_text().startswith("Fill in the form")
    )
    # The form's dates come from the new plan (its first working day), not start-up's.
    requested_on = view.requested_on.date().toPython()
    assert requested_on == view.first_day()
    assert plan.start <= requested_on <= plan.end
    # The empty state offers the studio in words; one click sets it up.
    view.studio_team_combo.setCurrentIndex(view.studio_team_combo.findData("mkt"))
    view.studio_setup_button.click()
    plan = window.controller.plan
    assert plan.studio is not None and plan.studio.team == "mkt"
    assert not view.studio_setup.isVisibleTo(view)
    assert window.controller.undo_stack.undoText() == "Studio: Marketing"
    # A request from Sales: the live answer fits, Submit schedules it.
    view.product_combo.setCurrentIndex(view.product_combo.findData("first-product"))
    view.requester_combo.setCurrentIndex(view.requester_combo.findData("sales"))
    view.title_edit.setText("Battle card")
    view.days_spin.setValue(2)
    assert view.proposal is not None and view.proposal.fits
    assert view.answer_plain_text().startswith("Fits: production ")
    view.submit_button.click()
    (added,) = window.controller.plan.requests
    assert (added.title, added.status, added.requested_by) == ("Battle card", "scheduled", "sales")
    # The form is empty again: no live answer for a phantom copy of what was just added.
    assert view.title_edit.text() == ""
    assert view.proposal is None
    assert view.answer_plain_text() == (
        "Fill in the form for a new request: the answer appears here as you type."
    )


def test_the_studio_tab_of_plan_settings(qtbot, window, tmp_path, monkeypatch):
    new_plan(window, tmp_path, monkeypatch)
    dialog = PlanSettingsDialog(window.controller)
    qtbot.addWidget(dialog)
    dialog.show_page("Studio")
    assert dialog.studio_team.currentData() is None
    assert not dialog.studio_capacity.isEnabled()
    dialog.studio_team.setCurrentIndex(dialog.studio_team.findData("sales"))
    dialog.studio_capacity.setValue(2)
    dialog.studio_lead.setValue(3)
    dialog.accept()
    studio = window.controller.plan.studio
    assert (studio.team, studio.capacity_per_day, studio.min_lead_days) == ("sales", 2, 3)


def test_form_values_do_not_leak_into_the_next_document(qtbot, window, tmp_path, monkeypatch):
    path = tmp_path / "demo.cadence"
    create_document(path, demo_plan()).close()
    assert window.open_path(path)
    view = window.requests
    view.title_edit.setText("Half-typed request")
    view.days_spin.setValue(9)
    plan = new_plan(window, tmp_path, monkeypatch, "Next year")
    assert view.title_edit.text() == ""
    assert view.days_spin.value() == 3
    assert view.requested_on.date().toPython() == view.first_day()
    assert view.first_day() >= plan.start


def test_counts_of_one_are_singular(qtbot, window, tmp_path, monkeypatch):
    from collections import Counter

    from ui.product_list import FACTS_ROLE
    from ui.status import gap_summary

    new_plan(window, tmp_path, monkeypatch)
    index = window.side.model.index(0, 0)
    assert index.data(FACTS_ROLE) == "35 d · 2 stages · 1 touch"
    assert window.editor.facts.text() == "35-day cycle · 2 stages · 1 touch"
    assert gap_summary(Counter({"silence": 1})) == "⚠ 1 gap (1 silence)"


def test_an_opened_plan_for_next_year_shows_its_first_month(qtbot, window, tmp_path):
    from datetime import date

    path = tmp_path / "demo.cadence"
    create_document(path, demo_plan()).close()
    window.calendar.set_today(date(2026, 12, 6))  # a month before the plan starts
    assert window.open_path(path)
    window.show_tab("calendar")  # a hidden calendar catches up when shown
    assert window.calendar.state.selected_day == date(2027, 1, 4)
