"""The soak: thousands of seeded random user actions on the real main window.

The run itself is ``python -m ui.soak`` in a subprocess that tests/conftest.py
starts when the tests are collected (so it runs beside the other tests); this
test waits for it and checks its report: the process lived to the end, and on
both plans every check passed (the document validates and reopens with the plan
on screen, undo all gives the plan as opened and redo all the plan as edited,
no warnings about deleted objects, RSS growth under 50 MB per 10 000 actions).
"""

from __future__ import annotations

import json

import pytest

from ui import soak

TIMEOUT_S = 900  # a bound for a loaded machine; a normal run takes a minute or two


def test_thousands_of_user_actions_leave_the_app_alive_and_the_plan_intact(soak_process):
    out, err = soak_process.communicate(timeout=TIMEOUT_S)
    assert soak_process.returncode == 0, f"the soak failed or died:\n{out}\n{err[-3000:]}"
    reports = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [r["plan"] for r in reports] == ["demo", "large"]
    assert sum(r["actions"] for r in reports) >= 5000
    for report in reports:
        assert report["failures"] == []
        assert report["rss_growth_per_10k_mb"] < soak.MAX_GROWTH_MB_PER_10K
        assert report["undo_steps"] > 0  # it edited, so undo all / redo all were checked
        for kind in ("drag edge", "drag touch", "calendar", "dialog", "submit request"):
            assert report["counts"].get(kind, 0) > 0, (report["plan"], kind)
    assert "deleted" not in err.lower()


def test_bad_arguments_are_refused_with_the_field_named(capsys):
    assert soak.main(["--actions", "0"]) == 2
    assert soak.main(["--actions", "many"]) == 2
    assert soak.main(["--plan", "huge"]) == 2
    assert soak.main(["--seed", "abc"]) == 2
    err = capsys.readouterr().err
    assert "--actions: must be a whole number ≥ 1, got '0'" in err
    assert "--actions: must be a whole number ≥ 1, got 'many'" in err
    assert "--plan: must be demo, large or both, got 'huge'" in err
    assert "--seed: must be an integer, got 'abc'" in err


@pytest.mark.parametrize(
    ("actions", "before", "after", "growth"),
    [(10_000, 100.0, 130.0, 37.5), (2_000, 100.0, 102.0, 12.5), (50_000, 100.0, 200.0, 20.8)],
)
def test_growth_is_measured_after_the_warm_up_per_10000_actions(actions, before, after, growth):
    result = soak.SoakResult("demo", 1, actions, 10.0, 90.0, before, after, 140.0)
    assert round(result.growth_per_10k_mb, 1) == growth
