"""Pausing Python's cyclic garbage collector while building many acyclic objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector while a large result is built; restore its state after.

    Why: every 700 allocations trigger a collection of the young objects, and a
    growing heap triggers full collections that walk everything alive; for 100 k
    occurrences or gaps that costs a large share of building them. Occurrences
    and gaps form no cycles (reference counting frees them), so nothing is lost.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# A plan whose schedule has at least this many occurrences keeps its results out of
# full collections (below it, a full collection is cheap and nothing is frozen).
FREEZE_FROM_OCCURRENCES = 10_000
# Every this many freezes, everything is thawed once (see LongLivedFreezer.settle).
THAW_EVERY = 100
# A freezer that leaves the full collection to its owner's idle moment (``defer``)
# still runs it itself at this many freezes, if no idle moment came.
THAW_AT_THE_LATEST = 3 * THAW_EVERY


class LongLivedFreezer:
    """Keeps a large plan's results (occurrences, gaps) out of full collections.

    Why: on the 40-product plan about 140 k occurrences and gaps stay alive for the
    whole session. Python's collector walks every tracked object in a full
    collection (~200 ms there), which it starts after enough allocations — inside
    whichever edit happens to cross the line, so one edit in ten waited for it.
    :meth:`settle`, called after each re-plan, collects the young generations (the
    edit's cyclic garbage, a few ms) and then freezes what is alive (``gc.freeze``):
    later collections walk only what was allocated since. Frozen objects are still
    freed by reference counting when the plan drops them; only a cycle that becomes
    garbage after it was frozen waits, until the full collection every
    :data:`THAW_EVERY` freezes (or :meth:`thaw` when the document closes).

    With ``defer`` (the app), :meth:`settle` leaves that full collection to the
    owner, which runs :meth:`collect_frozen_garbage` when :attr:`collection_due` and
    the user pauses, so no edit waits for it; :meth:`settle` runs it only at
    :data:`THAW_AT_THE_LATEST` freezes.
    """

    def __init__(self, defer: bool = False) -> None:
        self.frozen = 0  # freezes since the last thaw
        self.defer = defer

    @property
    def collection_due(self) -> bool:
        """Whether the full collection of :meth:`collect_frozen_garbage` is due."""
        return self.frozen >= THAW_EVERY

    def settle(self, occurrences: int) -> None:
        """After a re-plan: freeze what is alive when the plan is large enough."""
        if occurrences < FREEZE_FROM_OCCURRENCES:
            return
        if self.frozen >= (THAW_AT_THE_LATEST if self.defer else THAW_EVERY):
            self.collect_frozen_garbage()
        else:
            gc.collect(1)
        gc.freeze()
        self.frozen += 1

    def collect_frozen_garbage(self) -> None:
        """Thaw and collect everything (one full collection, ~200 ms on the large plan).

        Why: a thawed object goes back to the oldest generation, which only a full
        collection looks at; freezing again right after a young collection froze the
        cycles that had become garbage for good: on a large plan, whatever cycle a
        re-plan or a view dropped stayed in memory for the rest of the session.
        """
        self.thaw()
        gc.collect()

    def thaw(self) -> None:
        """Give everything frozen back to the collector (its next full collection walks it)."""
        if self.frozen:
            gc.unfreeze()
            self.frozen = 0
