"""What-if panel: what the edits since opening (or another plan file) change.

``DiffPanel(controller)`` compares a baseline plan with the open plan through
:func:`cadence.plan_diff.diff_plans` and lists the result as a tree: calendar
entries added, removed and moved (per team and ISO week), gaps opened and
closed (per kind), each team's weekly load, expected leads per stage. The
baseline is the plan as it was when the document was opened ("Compare with
opened version") or a plan file ("Compare with file…"); the tree follows every
edit, undo and redo.

Preview: ``python -m ui.diff_panel demo [out.png]`` (the demo after adopting
the bundled sample CRM export).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cadence import engine
from cadence.model import GAP_KINDS, Occurrence, Plan
from cadence.plan_diff import EntryChange, PlanDiff, diff_plans
from ui._cal_common import calendar_bus
from ui.change_marks import change_marks

# Sections with more rows than this start collapsed.
EXPANDED_UP_TO = 40


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def entry_text(e: EntryChange) -> str:
    """One entry's line: what happened, when, what."""
    if e.change == "moved":
        assert e.old is not None and e.new is not None
        when = f"{e.old:%a %d %b} → {e.new:%a %d %b}"
    else:
        day = e.new if e.change == "added" else e.old
        assert day is not None
        when = f"{day:%a %d %b}"
    what = e.name + (f" · {e.product} {e.cohort}" if e.product and e.cohort else "")
    return f"{e.change}  {when}  {what}"


class DiffPanel(QWidget):
    """The what-if tree: baseline plan against the open plan."""

    #: the comparison was redone: the summary line
    sig_compared = Signal(str)

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.baseline: Plan = controller.plan
        self.baseline_name = "the plan as opened"
        self.result = PlanDiff()
        self.last_error: str | None = None
        self._ghost_source: Plan | None = None
        self._ghost_entries: Sequence[Occurrence] = ()

        self.opened_button = QPushButton("Compare with opened version")
        self.opened_button.clicked.connect(self.compare_with_opened)
        self.file_button = QPushButton("Compare with file…")
        self.file_button.clicked.connect(self._ask_for_file)
        self.title = QLabel()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Change", "Count"])
        self.tree.setColumnWidth(0, 520)

        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
        bar.addWidget(self.opened_button)
        bar.addWidget(self.file_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)

        self._stale = False
        controller.sig_plan_changed.connect(lambda _changes: self._plan_changed())
        controller.sig_document_changed.connect(self._document_changed)
        # Built after edits (the window builds it when first shown): still the plan as opened.
        self.compare_with_opened()

    # Comparing schedules both plans (~20 ms on the demo, seconds on a 50-product
    # plan): a hidden panel only notes that it is stale and compares when shown.
    def _plan_changed(self) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True
            # The calendar's marks would be out of date until the panel compares again.
            calendar_bus(self.controller).sig_changes.emit(None)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        if self._stale:
            self.refresh()
        super().showEvent(event)

    # -- the baseline ------------------------------------------------------------------

    def _document_changed(self) -> None:
        # Open/New clear the undo stack: a new document, a new baseline. Save As keeps it.
        if self.controller.undo_stack.count() == 0:
            self.compare_with_opened()

    def compare_with_opened(self) -> None:
        """Compare with the plan as it was before the first edit still on the undo stack."""
        stack = self.controller.undo_stack
        first = stack.command(0) if stack.count() else None
        self.baseline = getattr(first, "old", None) or self.controller.plan
        self.baseline_name = "the plan as opened"
        self.refresh()

    def _ask_for_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Compare with plan", "", "Plans (*.json *.cadence);;All files (*)"
        )
        if path:
            self.compare_with_file(Path(path))

    def compare_with_file(self, path: Path) -> bool:
        """Compare with a plan file; False with the message in the summary when unreadable."""
        from cadence.formats.plan_io import PlanFileError, read_plan_file

        try:
            self.baseline = read_plan_file(path)
        except PlanFileError as exc:
            self.last_error = str(exc)
            self.summary.setText(f"⚠ {exc}")
            return False
        self.last_error = None
        self.baseline_name = path.name
        self.refresh()
        return True

    # -- the tree ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Compare the baseline with the open plan and rebuild the tree."""
        self._stale = False
        self.result = diff_plans(self.baseline, self.controller.plan)
        self.title.setText(f"Compared with {self.baseline_name}")
        self.summary.setText(self.result.summary())
        self.tree.clear()
        self._add_entries()
        self._add_gaps()
        self._add_load()
        self._add_leads()
        self.sig_compared.emit(self.result.summary())
        self.send_marks()

    # -- the calendar's marks (Calendar ▸ Mark changes) -------------------------------------

    def baseline_occurrences(self) -> Sequence[Occurrence]:
        """The baseline's calendar (scheduled once per baseline): removed entries' ghosts."""
        if self._ghost_source is not self.baseline:
            self._ghost_source = self.baseline
            self._ghost_entries = engine.schedule(self.baseline).touches
        return self._ghost_entries

    def send_marks(self) -> None:
        """Tell the calendar what changed (ui.change_marks), or that nothing is compared."""
        entries = self.result.entries
        removed = any(e.change == "removed" for e in entries)
        source = self.baseline_occurrences() if removed else ()
        marks = change_marks(self.result, source, self.baseline_name) if entries else None
        calendar_bus(self.controller).sig_changes.emit(marks)

    def section(self, title: str) -> QTreeWidgetItem | None:
        """The top-level item titled ``title`` (tests, navigation)."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.text(0) == title:
                return item
        return None

    def _top(self, title: str, count: int) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [title, str(count)])
        item.setExpanded(count <= EXPANDED_UP_TO)
        return item

    def _add_entries(self) -> None:
        entries = self.result.entries
        if not entries:
            return
        top = self._top("Calendar entries", len(entries))
        plan = self.controller.plan
        teams: dict[str, dict[str, list[EntryChange]]] = {}
        for e in entries:
            teams.setdefault(e.team, {}).setdefault(e.week, []).append(e)
        order = [t.id for t in plan.teams] + [t.id for t in self.baseline.teams]
        rank = {team_id: i for i, team_id in reversed(list(enumerate(order)))}
        for team_id, weeks in sorted(teams.items(), key=lambda kv: rank.get(kv[0], len(rank))):
            team = plan.team(team_id) or self.baseline.team(team_id)
            name = team.name if team else team_id
            team_item = QTreeWidgetItem(top, [name, str(sum(len(w) for w in weeks.values()))])
            for week, changes in sorted(weeks.items()):
                week_item = QTreeWidgetItem(team_item, [week, str(len(changes))])
                for e in changes:
                    child = QTreeWidgetItem(week_item, [entry_text(e), ""])
                    child.setToolTip(0, e.uid)

    def _add_gaps(self) -> None:
        d = self.result
        for title, found in (("Gaps opened", d.gaps_opened), ("Gaps closed", d.gaps_closed)):
            if not found:
                continue
            top = self._top(title, len(found))
            kinds = list(GAP_KINDS) + sorted({g.kind for g in found} - set(GAP_KINDS))
            for kind in kinds:
                of_kind = [g for g in found if g.kind == kind]
                if of_kind:
                    kind_item = QTreeWidgetItem(top, [kind, str(len(of_kind))])
                    for g in of_kind:
                        QTreeWidgetItem(kind_item, [g.message, ""])

    def _add_load(self) -> None:
        if not self.result.load:
            return
        top = self._top("Load per team and week", len(self.result.load))
        for c in self.result.load:
            cap = f" (capacity {c.capacity})" if c.capacity is not None else ""
            QTreeWidgetItem(
                top, [f"{c.team} {c.week}: {_num(c.before)} → {_num(c.after)}{cap}", ""]
            )

    def _add_leads(self) -> None:
        if not self.result.leads:
            return
        top = self._top("Expected leads per stage", len(self.result.leads))
        for c in self.result.leads:
            line = f"{c.product}/{c.stage}: {_num(c.before)} → {_num(c.after)}"
            QTreeWidgetItem(top, [line, ""])


def _prepare(widget: QWidget, controller: Any) -> None:
    from cadence.actuals import actuals_report, adopt, read_crm
    from ui.actuals_view import sample_export_text

    plan = controller.plan
    report = actuals_report(plan, read_crm(sample_export_text(), plan))
    controller.apply(adopt(plan, report)[0], "Adopt CRM numbers")


if __name__ == "__main__":
    from ui.preview import run_preview

    raise SystemExit(
        run_preview("ui.diff_panel", DiffPanel, title="what-if", size=(900, 640), prepare=_prepare)
    )
