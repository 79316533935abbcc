"""DocumentController: edits as undo commands through the store facade, signals, re-planning."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from cadence import gcpause
from cadence.demo import demo_plan
from cadence.engine import occurrence_sort_key, schedule
from cadence.gaps import check
from cadence.store import create_document, open_document
from ui import controller as controller_module
from ui import edits
from ui.controller import DocumentController, NavTarget

STAMP = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def stage_days(plan, product="analytics", stage="aware"):
    return plan.product(product).stage(stage).days


def resized(plan, days, product="analytics", stage="aware"):
    return edits.with_product(plan, edits.set_stage(plan.product(product), stage, days=days))


@pytest.fixture
def controller(qtbot):
    c = DocumentController(demo_plan())
    c.clock = lambda: STAMP
    return c


def test_apply_pushes_one_command_and_undo_redo_take_the_same_path(qtbot, controller):
    with qtbot.waitSignals([controller.sig_plan_changed, controller.sig_schedule_changed]):
        assert controller.apply(resized(controller.plan, 20), "Resize") is None
    assert stage_days(controller.plan) == 20
    assert controller.plan.updated == STAMP
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Resize"

    with qtbot.waitSignal(controller.sig_plan_changed) as blocker:
        controller.undo_stack.undo()
    assert blocker.args[0].products == frozenset({"analytics"})
    assert stage_days(controller.plan) == 14
    assert controller.plan == demo_plan()
    controller.undo_stack.redo()
    assert stage_days(controller.plan) == 20


def test_invalid_plan_is_refused_with_the_validation_message(qtbot, controller):
    with qtbot.assertNotEmitted(controller.sig_plan_changed):
        error = controller.apply(resized(controller.plan, 0), "Resize")
    assert error == "products[0].stages[0].days: must be an integer ≥ 1, got 0"
    assert stage_days(controller.plan) == 14
    assert controller.undo_stack.count() == 0


def test_edits_with_one_merge_id_are_one_undo_step(controller):
    drag = controller.new_merge_id()
    for days in (15, 16, 17):
        assert controller.apply(resized(controller.plan, days), "Drag", drag) is None
    # A refused step in the middle of a drag does not end up in the command.
    assert controller.apply(resized(controller.plan, 0), "Drag", drag) is not None
    assert controller.undo_stack.count() == 1
    assert stage_days(controller.plan) == 17
    controller.undo_stack.undo()
    assert stage_days(controller.plan) == 14
    # A new gesture is a new step.
    controller.apply(resized(controller.plan, 18), "Drag", controller.new_merge_id())
    controller.apply(resized(controller.plan, 19), "Drag", controller.new_merge_id())
    assert controller.undo_stack.count() == 2


def test_a_drag_back_to_the_start_leaves_nothing_to_undo(controller):
    drag = controller.new_merge_id()
    controller.apply(resized(controller.plan, 15), "Drag", drag)
    controller.apply(resized(controller.plan, 14), "Drag", drag)
    assert stage_days(controller.plan) == 14
    assert controller.undo_stack.count() == 0


def test_schedule_and_gaps_are_the_engines_after_each_edit(controller):
    plan = resized(controller.plan, 20)
    controller.apply(plan, "Resize")
    expected = schedule(controller.plan)
    assert controller.schedule == expected
    assert controller.gaps == check(controller.plan, expected)


def test_the_full_collection_waits_for_the_user_to_pause(qtbot, monkeypatch):
    # As on a large plan (every plan freezes here), with the full collection due
    # after 3 re-plans: no edit runs it; it runs once the user pauses.
    monkeypatch.setattr(gcpause, "FREEZE_FROM_OCCURRENCES", 0)
    monkeypatch.setattr(gcpause, "THAW_EVERY", 3)
    monkeypatch.setattr(controller_module, "IDLE_COLLECTION_MS", 50)
    gc.unfreeze()
    c = DocumentController(demo_plan())  # its first re-plan freezes once
    for days in (20, 21):
        c.apply(resized(c.plan, days), "Resize")
    assert gc.get_freeze_count() > 0  # due now, frozen still: no edit collected it
    qtbot.waitUntil(lambda: gc.get_freeze_count() == 0, timeout=5000)
    c.apply(resized(c.plan, 22), "Resize")
    assert gc.get_freeze_count() > 0  # the next edit freezes again
    c.close()
    assert gc.get_freeze_count() == 0


def test_occurrences_merge_touches_broadcasts_and_requests_in_order(controller):
    occurrences = controller.occurrences()
    kinds = {o.kind for o in occurrences}
    assert kinds == {"touch", "broadcast", "request"}
    assert occurrences == sorted(occurrences, key=occurrence_sort_key)
    assert len(occurrences) == len(controller.schedule.touches) + sum(
        1 for o in occurrences if o.kind == "request"
    )


def test_navigate_emits_the_target(qtbot, controller):
    target = NavTarget(product="billing", stage="trial", day=date(2027, 3, 4), tab="calendar")
    with qtbot.waitSignal(controller.sig_navigate) as blocker:
        controller.navigate(target)
    assert blocker.args == [target]


def test_every_edit_is_saved_to_the_document(qtbot, tmp_path):
    path = tmp_path / "plan.cadence"
    doc = create_document(path, demo_plan(), lock=True)
    controller = DocumentController(doc.plan, path, document=doc)
    with qtbot.waitSignal(controller.sig_saved):
        controller.apply(resized(controller.plan, 21), "Resize")
    with open_document(path, read_only=True) as other:
        assert stage_days(other.load()) == 21
    controller.undo_stack.undo()
    with open_document(path, read_only=True) as other:
        assert stage_days(other.load()) == 14
    controller.close()
    assert not (tmp_path / ".~plan.cadence.lock").exists()


def test_read_only_document_refuses_edits(tmp_path):
    path = tmp_path / "plan.cadence"
    create_document(path, demo_plan()).close()
    doc = open_document(path, read_only=True)
    controller = DocumentController(doc.load(), path, document=doc)
    error = controller.apply(resized(controller.plan, 21), "Resize")
    assert error is not None and "read-only" in error
    assert controller.undo_stack.count() == 0
    controller.close()


def test_store_failure_changes_nothing_and_says_why(qtbot, tmp_path):
    path = tmp_path / "plan.cadence"
    doc = create_document(path, demo_plan())
    controller = DocumentController(doc.plan, path, document=doc)
    doc.read_only = True  # the facade now refuses every write
    with qtbot.waitSignal(controller.sig_store_error) as blocker:
        error = controller.apply(resized(controller.plan, 21), "Resize")
    assert error is not None and error.startswith("Could not save plan.cadence")
    assert blocker.args[0] == error
    assert stage_days(controller.plan) == 14
    assert controller.undo_stack.count() == 0
    controller.close()


def test_load_resets_undo_and_announces_everything(qtbot, controller):
    controller.apply(resized(controller.plan, 20), "Resize")
    other = replace(demo_plan(), name="Other plan")
    with qtbot.waitSignal(controller.sig_plan_changed) as blocker:
        controller.load(other)
    assert blocker.args[0].settings and blocker.args[0].products
    assert controller.plan.name == "Other plan"
    assert controller.undo_stack.count() == 0


def test_gap_counts_per_product(controller):
    counts = controller.gap_counts()
    assert counts == {"analytics": 114, "billing": 55, "mobile": 22, None: 3}


def test_re_planning_after_an_edit_recomputes_only_the_changed_product(controller):
    controller.apply(resized(controller.plan, 20, product="billing"), "Resize")
    assert controller._replanner.rescheduled == ("billing",)
    controller.undo_stack.undo()
    assert controller._replanner.rescheduled == ("billing",)


def test_counts_for_the_status_bar_need_no_merged_calendar(controller):
    assert controller.occurrence_count() == 894  # 890 touches and broadcasts, 4 request entries
    assert controller._occurrences is None  # counted, not merged
    assert controller.occurrence_count() == len(controller.occurrences())
    kinds = {
        k: sum(1 for g in controller.gaps if g.kind == k) for k in {g.kind for g in controller.gaps}
    }
    assert dict(controller.gap_kind_counts()) == kinds
    assert sum(controller.gap_counts().values()) == len(controller.gaps) == 194


def test_a_drag_preview_has_the_gaps_the_edit_will_have(controller):
    product = edits.set_stage(controller.plan.product("analytics"), "consider", days=40)
    cohort = product.cohorts.intake_dates()[0]
    preview = controller.preview_gaps(product, cohort)
    assert (
        controller.undo_stack.count() == 0 and stage_days(controller.plan, stage="consider") == 21
    )
    controller.apply(edits.with_product(controller.plan, product), "Resize")
    after = [g for g in controller.gaps_of("analytics") if g.cohort == cohort]
    assert preview == after
    # Consideration (40 days from 18 Jan) now ends on 26 Feb: the unowned stage starts 27 Feb.
    # The case study goes out on 1 Feb, before its asset is ready (8 Feb): a content gap.
    assert [(g.kind, g.start.isoformat()) for g in preview] == [
        ("spacing", "2027-01-04"),
        ("spacing", "2027-01-14"),
        ("content", "2027-02-01"),
        ("spacing", "2027-02-01"),
        ("unowned", "2027-02-27"),
        ("spacing", "2027-03-02"),
        ("spacing", "2027-04-06"),
    ]
