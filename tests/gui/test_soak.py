"""The soak: thousands of seeded random user actions on the real main window.

The run itself is ``python -m ui.soak`` in a subprocess that tests/conftest.py
starts when the tests are collected (so it runs beside the other tests); this
tests wait for it and check its report: the process lived to the end, and on
both plans every check passed (the document validates and reopens with the plan
on screen, undo all gives the plan as opened and redo all the plan as edited,
no warnings about deleted objects); RSS growth under 50 MB per 10 000 actions
is its own test, judged on each plan that ran 1 000 actions past its warm-up.
"""

from __future__ import annotations

import json

import pytest

from tests import soak_run
from ui import soak

TIMEOUT_S = 1800  # a bound for a loaded machine
RSS_FAILURE = "RSS grew"


@pytest.fixture(scope="module")
def soak_reports(soak_process):
    """The soak's JSON reports (one per plan), once it has finished."""
    out, err = soak_process.communicate(timeout=TIMEOUT_S)
    reports = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return soak_process.returncode, reports, err


def test_thousands_of_user_actions_leave_the_app_alive_and_the_plan_intact(soak_reports):
    returncode, reports, err = soak_reports
    # 0: every check passed; 1: a check failed (listed in the reports). Anything else: it died.
    assert returncode in (0, 1), f"the soak process died ({returncode}):\n{err[-3000:]}"
    assert [r["plan"] for r in reports] == ["demo", "large"]
    assert [r["actions"] for r in reports] == [
        soak_run.soak_actions() - soak_run.LARGE_ACTIONS,
        soak_run.LARGE_ACTIONS,
    ]
    for report in reports:
        failures = [f for f in report["failures"] if not f.startswith(RSS_FAILURE)]
        assert failures == [], report["plan"]
        assert report["undo_steps"] > 0  # it edited, so undo all / redo all were checked
        for kind in ("drag edge", "drag touch", "calendar", "tab", "product"):
            assert report["counts"].get(kind, 0) > 0, (report["plan"], kind)
    assert reports[0]["counts"].get("dialog", 0) > 0
    assert reports[0]["counts"].get("submit request", 0) > 0
    assert "deleted" not in err.lower()


def test_memory_grows_less_than_50_mb_per_10000_actions(soak_reports):
    _returncode, reports, _err = soak_reports
    judged = [r for r in reports if r["rss_growth_judged"]]
    if not judged:  # make test's short run; CI's run (make test-soak) judges it
        pytest.skip(f"{[r['actions'] for r in reports]} actions: too short to judge growth")
    for report in judged:
        assert report["rss_growth_per_10k_mb"] < soak.MAX_GROWTH_MB_PER_10K, report["plan"]


def test_bad_arguments_are_refused_with_the_field_named(capsys):
    assert soak.main(["--actions", "0"]) == 2
    assert soak.main(["--actions", "many"]) == 2
    assert soak.main(["--plan", "huge"]) == 2
    assert soak.main(["--seed", "abc"]) == 2
    assert soak.main(["--only", "tab,fly"]) == 2
    assert soak.main(["--check-every", "-1"]) == 2
    err = capsys.readouterr().err
    assert "--actions: must be a whole number ≥ 1, got '0'" in err
    assert "--actions: must be a whole number ≥ 1, got 'many'" in err
    assert "--plan: must be demo, large or both, got 'huge'" in err
    assert "--seed: must be an integer, got 'abc'" in err
    assert "--only: unknown action 'fly'; one of tab, product, calendar" in err
    assert "--check-every: must be a whole number ≥ 0, got '-1'" in err


@pytest.mark.parametrize(
    ("actions", "before", "after", "growth"),
    [(10_000, 100.0, 130.0, 37.5), (2_000, 100.0, 102.0, 12.5), (50_000, 100.0, 200.0, 20.8)],
)
def test_growth_is_measured_after_the_warm_up_per_10000_actions(actions, before, after, growth):
    result = soak.SoakResult("demo", 1, actions, 10.0, 90.0, before, after, 140.0)
    assert round(result.growth_per_10k_mb, 1) == growth


@pytest.mark.parametrize(("actions", "judged"), [(102, False), (1_248, False), (1_249, True)])
def test_growth_is_judged_over_1000_actions_after_the_warm_up(actions, judged):
    # 102 actions on the large plan are its warm-up: ×98 would call it a leak.
    result = soak.SoakResult("large", 12, actions, 10.0, 226.0, 230.0, 306.0, 306.0)
    assert result.growth_judged is judged


def test_undo_all_redo_all_returns_to_the_plan_as_edited_when_the_run_ended_on_an_undo(
    qtbot, tmp_path
):
    # The run's last action was an undo: redo all goes back to where the run left
    # the stack (the plan as edited), not beyond it to the undone step.
    from types import SimpleNamespace

    from cadence.demo import demo_plan
    from cadence.store import create_document
    from ui import edits
    from ui.controller import DocumentController

    path = tmp_path / "plan.cadence"
    doc = create_document(path, demo_plan(), lock=True)
    controller = DocumentController(doc.plan, path, document=doc)
    opened = controller.plan
    for days in (20, 21):
        product = controller.plan.product("analytics")
        new = edits.with_product(controller.plan, edits.set_stage(product, "aware", days=days))
        assert controller.apply(new, f"Resize to {days}") is None
    controller.undo()
    edited = controller.plan
    assert edited.product("analytics").stage("aware").days == 20
    failures: list[str] = []
    steps = soak._undo_redo_all(SimpleNamespace(controller=controller), opened, edited, failures)
    assert failures == []
    assert steps == 1
    assert controller.plan.product("analytics").stage("aware").days == 20
    assert controller.undo_stack.index() == 1
    controller.close()


def test_a_modal_box_the_run_does_not_answer_is_closed_and_reported(qtbot):
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, "Mark delivered", "Mark it delivered anyway?")
    qtbot.addWidget(box)
    box.setModal(True)
    box.show()
    qtbot.waitExposed(box)
    messages: list[str] = []
    soak._close_unexpected_modal(messages)
    assert messages == ["unexpected modal dialog left open: 'Mark delivered'"]
    assert not box.isVisible()
    soak._close_unexpected_modal(messages)  # nothing modal now: nothing to say
    assert len(messages) == 1
