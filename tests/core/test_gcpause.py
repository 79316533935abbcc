"""The collector policy for a large plan's results (cadence.gcpause)."""

from __future__ import annotations

import gc
import weakref

import pytest

from cadence.gcpause import (
    FREEZE_FROM_OCCURRENCES,
    THAW_AT_THE_LATEST,
    THAW_EVERY,
    LongLivedFreezer,
)


@pytest.fixture
def thawed():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_small_plan_freezes_nothing(thawed):
    freezer = LongLivedFreezer()
    freezer.settle(FREEZE_FROM_OCCURRENCES - 1)
    assert (freezer.frozen, gc.get_freeze_count()) == (0, 0)


def test_a_large_plan_keeps_what_is_alive_out_of_collections_until_thawed(thawed):
    freezer = LongLivedFreezer()
    kept = [[i] for i in range(1000)]  # 1000 tracked lists alive
    freezer.settle(100_000)
    assert freezer.frozen == 1
    assert gc.get_freeze_count() > 1000
    freezer.thaw()
    assert (freezer.frozen, gc.get_freeze_count()) == (0, 0)
    assert len(kept) == 1000


def test_everything_is_thawed_once_every_hundred_freezes(thawed):
    freezer = LongLivedFreezer()
    for _ in range(THAW_EVERY):
        freezer.settle(100_000)
    assert freezer.frozen == 100
    freezer.settle(100_000)  # thaws, then freezes again
    assert freezer.frozen == 1


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_a_cycle_that_becomes_garbage_while_frozen_is_freed_at_the_hundredth_freeze(thawed):

    freezer = LongLivedFreezer()
    node = _Node()
    gone = weakref.ref(node)
    freezer.settle(100_000)  # frozen while alive
    del node  # garbage now, but frozen
    for _ in range(THAW_EVERY - 1):
        freezer.settle(100_000)
    assert gone() is not None  # waits, out of every collection
    freezer.settle(100_000)  # the hundredth: thawed and collected in full
    assert gone() is None
    assert freezer.frozen == 1


def test_a_deferring_freezer_says_when_the_full_collection_is_due_and_waits_for_it(thawed):
    freezer = LongLivedFreezer(defer=True)
    for _ in range(THAW_EVERY - 1):
        freezer.settle(100_000)
    assert (freezer.frozen, freezer.collection_due) == (99, False)
    freezer.settle(100_000)
    assert (freezer.frozen, freezer.collection_due) == (100, True)
    for _ in range(THAW_AT_THE_LATEST - THAW_EVERY):  # no idle moment came: still frozen
        freezer.settle(100_000)
    assert freezer.frozen == 300
    freezer.settle(100_000)  # the latest: thawed and collected, then frozen again
    assert (freezer.frozen, freezer.collection_due) == (1, False)
    freezer.collect_frozen_garbage()  # what the app runs when the user pauses
    assert (freezer.frozen, gc.get_freeze_count()) == (0, 0)
