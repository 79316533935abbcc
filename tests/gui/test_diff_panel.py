"""The what-if panel: the open plan against the version opened, or against a file."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cadence.actuals import actuals_report, adopt, read_crm
from cadence.formats.plan_json import dumps_plan
from ui.actuals_view import sample_export_text
from ui.diff_panel import DiffPanel


@pytest.fixture
def panel(qtbot, controller):
    widget = DiffPanel(controller)
    qtbot.addWidget(widget)
    widget.resize(900, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def children(item) -> list[tuple[str, str]]:
    return [(item.child(i).text(0), item.child(i).text(1)) for i in range(item.childCount())]


def shorten_trial(controller) -> None:
    billing = controller.plan.product("billing")
    stages = tuple(replace(s, days=22) if s.id == "trial" else s for s in billing.stages)
    products = tuple(
        replace(p, stages=stages) if p.id == "billing" else p for p in controller.plan.products
    )
    assert controller.apply(replace(controller.plan, products=products), "Trial 22 days") is None


def test_an_unedited_plan_has_no_changes(panel):
    assert panel.title.text() == "Compared with the plan as opened"
    assert panel.summary.text() == "no changes"
    assert panel.tree.topLevelItemCount() == 0


def test_an_edit_shows_its_diff_and_undo_takes_it_back(panel, controller):
    shorten_trial(controller)
    # Trial 21 → 22 days: a fourth weekly nudge (day 21) per cohort, and Closing's
    # proposal meeting one day later (Mon → Tue).
    assert panel.summary.text() == (
        "22 added, 0 removed, 20 moved; 29 gaps opened, 28 closed; "
        "load changes in 0 team weeks; expected leads change in 0 stages"
    )
    entries = panel.section("Calendar entries")
    assert entries is not None
    assert children(entries) == [("Sales development", "22"), ("Account executives", "20")]
    assert children(entries.child(0))[0] == ("2027-W08", "1")
    assert entries.child(0).child(0).child(0).text(0) == (
        "added  Thu 25 Feb  Trial nudge · billing 2027-01-11"
    )
    assert entries.child(1).child(0).child(0).text(0) == (
        "moved  Mon 01 Mar → Tue 02 Mar  Proposal meeting · billing 2027-01-11"
    )
    assert entries.child(1).child(0).child(0).toolTip(0) == (
        "northwind-2027.billing.proposal.20270111.0@cadence"
    )
    assert panel.section("Expected leads per stage") is None
    controller.undo()
    assert panel.summary.text() == "no changes"


def test_compare_with_a_file_and_back_to_the_opened_version(panel, controller, tmp_path):
    plan = controller.plan
    adopted, _ = adopt(plan, actuals_report(plan, read_crm(sample_export_text(), plan)))
    what_if = tmp_path / "what-if.json"
    what_if.write_text(dumps_plan(adopted), encoding="utf-8")
    assert panel.compare_with_file(what_if)
    assert panel.title.text() == "Compared with what-if.json"
    leads = panel.section("Expected leads per stage")
    assert leads is not None and leads.text(1) == "12"
    # From the file (the CRM's 0.55 Awareness conversion) to the open plan (0.5).
    assert children(leads)[0] == ("analytics/consider: 1760 → 1600", "")
    panel.compare_with_opened()
    assert panel.summary.text() == "no changes"


def test_an_unreadable_file_keeps_the_comparison(panel, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert not panel.compare_with_file(bad)
    assert panel.last_error is not None and panel.last_error.startswith(f"{bad}:")
    assert panel.title.text() == "Compared with the plan as opened"


def test_opening_another_document_resets_the_baseline(panel, controller):
    shorten_trial(controller)
    assert panel.summary.text() != "no changes"
    controller.load(controller.plan)
    assert panel.summary.text() == "no changes"


def test_a_hidden_panel_compares_when_shown(panel, controller):
    panel.hide()
    shorten_trial(controller)
    assert panel.summary.text() == "no changes"  # not recomputed while hidden
    panel.show()
    assert panel.summary.text().startswith("22 added, 0 removed, 20 moved")
