"""The app tells validation errors with names, not the validation layer's paths."""

from __future__ import annotations

from cadence.demo import demo_plan
from ui.words import error_in_words, plural


def test_plurals():
    assert [plural(1, "touch"), plural(2, "touch"), plural(0, "gap"), plural(1, "gap")] == [
        "1 touch",
        "2 touches",
        "0 gaps",
        "1 gap",
    ]


def test_validation_paths_become_names():
    plan = demo_plan()
    product = plan.products[0]
    assert error_in_words(plan, "products[0].stages[0].days: must be an integer ≥ 1, got 0") == (
        f"Stage “{product.stages[0].name}” of {product.name}: days must be at least 1"
    )
    assert error_in_words(plan, "teams[1].name: must not be empty") == (
        f"Team “{plan.teams[1].name}”: name must not be empty"
    )
    assert error_in_words(plan, "products[0].touches[0].offset_days: must be at most 9") == (
        f"Touch “{product.touches[0].name}” of {product.name}: offset (days) must be at most 9"
    )
    assert error_in_words(plan, "rules.max_silence_days: must be an integer ≥ 1, got 0") == (
        "Rules: maximum silence must be at least 1"
    )
    assert error_in_words(plan, "end: must not be before start (2027-01-04)") == (
        "Plan: end must not be before start (2027-01-04)"
    )
    assert error_in_words(plan, "the document is open read-only") == (
        "the document is open read-only"
    )
