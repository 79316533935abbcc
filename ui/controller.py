"""The document controller: the one place where the open plan changes.

Views never edit the plan, the document or each other. They build the plan they
want (``dataclasses.replace``) and call :meth:`DocumentController.apply`, which
validates it and pushes a :class:`PlanEdit` onto the undo stack. The command's
``redo()``/``undo()`` go through :meth:`DocumentController._commit`: save through
the store facade (one transaction; it returns *what changed*), re-plan only the
changed products, then announce it:

- ``sig_plan_changed(Changes)`` — the plan changed (edit, undo, redo, open);
- ``sig_schedule_changed()`` — the schedule and the gaps were recomputed;
- ``sig_navigate(NavTarget)`` — some view asks the window to show a place;
- ``sig_flush_pending()`` — views apply edits they are still holding back
  (debounced typing) now: :meth:`undo` and :meth:`redo` emit it first, so an
  undo never lands between a keystroke and its edit.

The controller is created once per window and survives File ▸ Open: opening a
document calls :meth:`load`, which resets the undo stack and emits both signals,
so widgets built with ``Widget(controller)`` never need rebuilding.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QUndoCommand, QUndoStack

from cadence.engine import occurrence_sort_key
from cadence.gcpause import LongLivedFreezer
from cadence.model import Gap, Occurrence, Plan, Product, Schedule
from ui.replan import Replanner, preview_gaps

#: how long no edit must come before the deferred full collection runs (ms)
IDLE_COLLECTION_MS = 1500

if TYPE_CHECKING:  # the store imports sqlmodel (~600 ms): only when needed
    from cadence.store import Changes, Document


@dataclass(frozen=True)
class NavTarget:
    """A place in the window: a product/stage/touch in the map, a day in the calendar."""

    product: str | None = None
    stage: str | None = None
    touch: str | None = None
    day: date | None = None
    tab: str | None = None  # "map" | "calendar" | "requests" | "workload"


def first_error(plan: Plan, since: Plan | None = None) -> str | None:
    """The validation layer's first message for ``plan``, or None when it is valid
    (``since``: the valid plan it was edited from; only what differs is checked)."""
    from cadence.formats.plan_json import validate_plan
    from cadence.validate import PlanInvalid

    try:
        validate_plan(plan, since)
    except PlanInvalid as exc:
        return str(exc.errors[0]) if exc.errors else str(exc)
    return None


class PlanEdit(QUndoCommand):
    """One edit of the plan: holds the plan before and after; redo applies new, undo old."""

    def __init__(
        self, controller: DocumentController, old: Plan, new: Plan, text: str, merge_id: int
    ) -> None:
        super().__init__(text)
        self._controller = controller
        self.old = old
        self.new = new
        self._merge_id = merge_id
        self.discard_on_undo = False  # a cancelled gesture: undo it and forget it

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, PlanEdit) or other.id() != self.id() or self.id() == -1:
            return False
        if other.isObsolete():  # refused by validation or the store: keep our plan
            return False
        self.new = other.new
        self.setText(other.text())  # "Resize … to 17 days": the gesture's final value
        # A drag that ends where it began leaves nothing to undo.
        self.setObsolete(replace(self.new, updated=self.old.updated) == self.old)
        return True

    def redo(self) -> None:
        if not self._controller._commit(self.new):
            self.setObsolete(True)  # the store refused it: nothing changed, keep no command

    def undo(self) -> None:
        if not self._controller._commit(self.old) or self.discard_on_undo:
            self.setObsolete(True)  # the stack drops an obsolete command after undo()


class DocumentController(QObject):
    """Owns the open plan, its document, its undo stack, its schedule and gaps."""

    #: cadence.store.Changes — after every edit, undo, redo and open
    sig_plan_changed = Signal(object)
    #: after re-planning; read ``schedule``, ``gaps`` and ``occurrences()``
    sig_schedule_changed = Signal()
    #: a ui.controller.NavTarget the window should show
    sig_navigate = Signal(object)
    #: datetime (aware) of the last successful write to the document
    sig_saved = Signal(object)
    #: a write failed: user-readable message (the plan was not changed)
    sig_store_error = Signal(str)
    #: the document or its path changed (open, new, save as)
    sig_document_changed = Signal()
    #: apply any edit held back (debounced typing) now — before undo and redo
    sig_flush_pending = Signal()

    def __init__(
        self,
        plan: Plan,
        path: Path | None = None,
        parent: QObject | None = None,
        *,
        document: Document | None = None,
        replanner: Replanner | None = None,
    ) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.plan: Plan = plan
        self.path: Path | None = Path(path) if path is not None else None
        self.document: Document | None = document
        self.read_only: bool = bool(document is not None and document.read_only)
        #: why the plan is read-only, in one line (the window sets it; dialogs show it)
        self.read_only_reason: str = ""
        #: (plan, new plan) -> why this login may not make the edit, or None (shared-plan roles)
        self.edit_policy: Callable[[Plan, Plan], str | None] | None = None
        #: why this login may change requests only, not the plan's structure ("" : it may)
        self.structure_locked: str = ""
        self.last_saved: datetime | None = None
        self.last_error: str | None = None
        # Injectable so tests need no real clock.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._replanner = replanner or Replanner()
        self.schedule: Schedule = Schedule(())
        #: every gap in report order (put in order when first read)
        self.gaps: Sequence[Gap] = []
        self._by_product: Mapping[str | None, Sequence[Gap]] = {}
        self._kind_counts: Mapping[str, int] = {}
        self._occurrences: list[Occurrence] | None = None
        self._request_entries: tuple[Occurrence, ...] | None = None
        self._agendas: Any = None  # cadence.agenda.AgendaBook of this schedule
        self.replan_ms: float = 0.0
        # The whole last edit (save, re-plan, every view's refresh): the map drags
        # live below ~60 ms and previews locally (applying on release) above.
        self.edit_ms: float = 0.0
        self._merge_serial = 1000
        # A large plan's results stay out of full collections (no 200 ms pause mid-edit);
        # the full collection that frees what became garbage meanwhile (~200 ms on the
        # large plan, every 100 edits) waits for the user to pause for a moment.
        self._freezer = LongLivedFreezer(defer=True)
        self._idle_collection = QTimer(self)
        self._idle_collection.setSingleShot(True)
        self._idle_collection.setInterval(IDLE_COLLECTION_MS)
        self._idle_collection.timeout.connect(self._collect_when_idle)
        self._replan()

    # -- the contract ----------------------------------------------------------

    def apply(self, new_plan: Plan, text: str, merge_id: int = -1) -> str | None:
        """Validate ``new_plan`` and make it the plan as one undoable edit.

        Returns the first validation (or store) error and changes nothing, or
        None when the edit was applied. ``merge_id`` ≠ -1 merges consecutive
        edits with the same id into one undo step (drags, typing).
        """
        if self.read_only:
            return "the document is open read-only; use File ▸ Save As to edit a copy"
        if new_plan == self.plan:
            return None
        if self.edit_policy is not None and (refusal := self.edit_policy(self.plan, new_plan)):
            return refusal
        self.last_error = None
        stamped = replace(new_plan, updated=self.clock())
        # redo() validates (the store facade re-validates every save; without a
        # document, first_error does): an invalid plan leaves an obsolete command
        # that the stack discards, and its message comes back here.
        self.undo_stack.push(PlanEdit(self, self.plan, stamped, text, merge_id))
        return self.last_error

    def flush_pending(self) -> None:
        """Have the views apply the edits they are still holding back (typing)."""
        self.sig_flush_pending.emit()

    def undo(self) -> None:
        """Edit ▸ Undo: first apply pending typing, so Undo takes back exactly that."""
        self.flush_pending()
        self.undo_stack.undo()

    def redo(self) -> None:
        """Edit ▸ Redo (pending typing is applied first, which leaves nothing to redo)."""
        self.flush_pending()
        self.undo_stack.redo()

    def new_merge_id(self) -> int:
        """A fresh id for one gesture (a drag, a typing session) to merge its edits."""
        self._merge_serial += 1
        return self._merge_serial

    def cancel_gesture(self, undo_index: int) -> None:
        """Undo and forget the edits pushed since ``undo_index`` (Esc during a drag)."""
        stack = self.undo_stack
        while stack.index() > undo_index:
            command = stack.command(stack.index() - 1)
            if isinstance(command, PlanEdit):
                command.discard_on_undo = True
            stack.undo()

    def request_entries(self) -> tuple[Occurrence, ...]:
        """The booked requests' calendar entries, in date order (kept until requests,
        settings, teams or products change)."""
        if self._request_entries is None:
            from cadence.requests import calendar_entries

            entries = calendar_entries(self.plan)
            self._request_entries = tuple(sorted(entries, key=occurrence_sort_key))
        return self._request_entries

    def occurrences(self) -> list[Occurrence]:
        """Every calendar entry: touches, broadcasts and booked requests, in date order.
        This merges the whole calendar: a view that shows some days reads
        ``schedule.touches`` a day at a time and ``request_entries()`` instead."""
        if self._occurrences is None:
            requests = self.request_entries()
            touches = self.schedule.touches
            if requests:
                self._occurrences = list(heapq.merge(touches, requests, key=occurrence_sort_key))
            else:
                self._occurrences = list(touches)
        return self._occurrences

    def navigate(self, target: NavTarget) -> None:
        """Ask the window to show ``target`` (switch tab, select in the map, go to a day)."""
        self.sig_navigate.emit(target)

    # -- documents ---------------------------------------------------------------

    def load(self, plan: Plan, path: Path | None = None, document: Document | None = None) -> None:
        """Show another plan (File ▸ Open/New): closes the previous document, clears undo."""
        from cadence.store import diff_plans

        if self.document is not None and self.document is not document:
            self.document.close()
        self.document = document
        self.read_only = bool(document is not None and document.read_only)
        self.edit_policy = None  # a shared plan's window sets its login's policy again
        self.structure_locked = ""
        self.path = Path(path) if path is not None else None
        self.plan = plan
        self.last_saved = None
        self.undo_stack.clear()
        self._request_entries = None
        self._replanner.reset()
        changes = diff_plans(None, plan)
        self.sig_document_changed.emit()
        self.sig_plan_changed.emit(changes)
        self._replan()

    def attach(self, document: Document, path: Path) -> None:
        """Continue editing in another document holding the same plan (Save As)."""
        if self.document is not None and self.document is not document:
            self.document.close()
        self.document = document
        self.read_only = document.read_only
        self.edit_policy = None
        self.structure_locked = ""
        self.path = Path(path)
        self.undo_stack.setClean()
        self.sig_document_changed.emit()

    def _collect_when_idle(self) -> None:
        """The deferred full collection, unless a mouse button is held (a drag)."""
        if QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
            self._idle_collection.start()
            return
        self._freezer.collect_frozen_garbage()

    def close(self) -> None:
        if self.document is not None:
            self.document.close()
            self.document = None
        self._idle_collection.stop()
        self._freezer.thaw()

    @property
    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        shared = getattr(self.document, "label", None)  # a shared plan: its URL
        return f"{self.plan.name} ({shared})" if shared else f"{self.plan.name} (not saved)"

    def set_read_only(self, read_only: bool, reason: str = "") -> None:
        """Turn edits off (with the one-line reason dialogs show) or back on."""
        self.read_only = read_only
        self.read_only_reason = reason if read_only else ""
        self.sig_document_changed.emit()

    def show_remote(self, plan: Plan) -> Changes:
        """Show ``plan`` as someone else saved it (a shared plan): re-plan only what differs.

        The undo history is cleared: undoing across another person's edit would
        overwrite it."""
        from cadence.store import diff_plans

        changes = diff_plans(self.plan, plan)
        self.plan = plan
        if changes.empty:
            return changes
        self.undo_stack.clear()
        if changes.requests or changes.settings or changes.teams or changes.products:
            self._request_entries = None
        self.sig_plan_changed.emit(changes)
        self._replan()
        return changes

    # -- lookups the views share -------------------------------------------------

    def gaps_by_product(self) -> Mapping[str | None, Sequence[Gap]]:
        """The gaps grouped by product id (None: capacity), as the planner keeps them."""
        return self._by_product

    def gaps_of(self, product_id: str | None) -> list[Gap]:
        return list(self._by_product.get(product_id, ()))

    def gap_counts(self) -> dict[str | None, int]:
        """Gaps per product id (None: plan-wide capacity gaps)."""
        return {pid: len(found) for pid, found in self._by_product.items()}

    def gap_kind_counts(self) -> Mapping[str, int]:
        """Gaps per kind, summed from the products' counts (no gap list is walked)."""
        return self._kind_counts

    def agenda_book(self) -> Any:
        """The agendas of the plan's internal meetings (:class:`cadence.agenda.AgendaBook`),
        over the current schedule and gaps; built once per re-plan."""
        if self._agendas is None:
            from cadence.agenda import AgendaBook

            self._agendas = AgendaBook(self.plan, self.schedule, self.gaps)
        return self._agendas

    def agenda_of(self, occ: Occurrence) -> Any:
        """The agenda of a meeting's occurrence (None for any other entry)."""
        from cadence.agenda import AgendaError

        try:
            return self.agenda_book().for_occurrence(occ)
        except AgendaError:
            return None

    def team_weeks(self, team: str) -> dict[int, tuple[list[float], list[float]]]:
        """One team's weekly leads (Monday's ordinal -> manual, automated touches' leads),
        from each product's kept schedule: no merge of the calendar."""
        return self._replanner.team_weeks(team)

    def occurrence_count(self) -> int:
        """How many calendar entries ``occurrences()`` holds, without merging them."""
        if self._occurrences is not None:
            return len(self._occurrences)
        return len(self.schedule.touches) + len(self.request_entries())

    def preview_gaps(self, product: Product, cohort: date) -> list[Gap]:
        """The gaps one cohort of ``product`` would have (a drag in progress): only that
        cohort is re-planned; nothing is saved, pushed or announced."""
        return preview_gaps(self.plan, product, cohort)

    # -- the path every edit, undo and redo takes ----------------------------------

    def _commit(self, plan: Plan) -> bool:
        """Store ``plan``, re-plan what changed, announce it. False when the store refused."""
        started = time.perf_counter()
        done = self._store_and_announce(plan)
        self.edit_ms = (time.perf_counter() - started) * 1000
        return done

    def _store_and_announce(self, plan: Plan) -> bool:
        from cadence.store import StoreError, diff_plans
        from cadence.validate import PlanInvalid

        try:
            if self.document is not None:
                changes = self.document.save(plan)  # validates, one transaction
                self.last_saved = self.clock()
            else:
                error = first_error(plan, since=self.plan)
                if error is not None:
                    self.last_error = error
                    return False
                changes = diff_plans(self.plan, plan)
        except PlanInvalid as exc:
            self.last_error = str(exc.errors[0]) if exc.errors else str(exc)
            return False
        except (StoreError, OSError) as exc:
            self.last_error = f"Could not save {self.display_name}: {exc}"
            self.sig_store_error.emit(self.last_error)
            return False
        self.plan = plan
        if changes.requests or changes.settings or changes.teams or changes.products:
            self._request_entries = None
        self.sig_plan_changed.emit(changes)
        if self.document is not None:
            self.sig_saved.emit(self.last_saved)
        self._replan()
        return True

    def _replan(self) -> None:
        result, self.replan_ms = self._replanner.update(self.plan)
        self.schedule = result.schedule
        self.gaps = result.gaps
        self._by_product = result.gaps_by_product
        self._kind_counts = result.kind_counts
        self._occurrences = None
        self._agendas = None
        self.sig_schedule_changed.emit()
        self._freezer.settle(len(self.schedule.touches))
        if self._freezer.collection_due:
            self._idle_collection.start()  # (again): runs once no edit came for a moment


__all__ = ["DocumentController", "NavTarget", "PlanEdit", "first_error"]
