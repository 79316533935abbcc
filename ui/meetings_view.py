"""Meetings that act: each internal meeting's occurrences, their agenda, the action items.

``MeetingsView(controller)``:

* the occurrences of the plan's internal meetings (``products: []``), by date;
* the selected occurrence's agenda, built from the plan (:mod:`cadence.agenda`):
  open gaps by team, requests late or at risk, weeks over capacity, drift;
* its action items (carried from earlier occurrences until done): add one — from
  the selected agenda line or blank —, edit, mark done, reopen, delete. Every change
  is one undo step through ``controller.apply`` and the operations of :mod:`cadence.ops`.

Preview: ``python -m ui.meetings_view demo [out.png]``.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cadence.agenda import Agenda, AgendaEntry, carried_actions, is_meeting
from cadence.model import ActionItem, Plan
from cadence.ops import (
    add_action_item,
    delete_action_item,
    mark_action_done,
    reopen_action_item,
    set_action_item,
)

DAY_ROLE = Qt.ItemDataRole.UserRole


def agenda_html(agenda: Agenda | None, plan: Plan) -> str:
    """The agenda as rich text for the calendar's details pane and the Meetings tab."""
    if agenda is None:
        return ""
    parts = [f"<p><b>Agenda</b> · {agenda.start:%a %d %b} – {agenda.end:%a %d %b}</p>"]
    for section in agenda.sections:
        if not section.entries:
            continue
        parts.append(f"<p><b>{html.escape(section.title)}</b></p><ul>")
        for entry in section.entries:
            who = ""
            if section.id == "gaps":
                team = plan.team(entry.team)
                who = f"<i>{html.escape(team.name if team else 'No team')}</i>: "
            parts.append(f"<li>{who}{html.escape(entry.text)}</li>")
        parts.append("</ul>")
    if len(parts) == 1:
        parts.append("<p>Nothing open.</p>")
    return "".join(parts)


class ActionItemDialog(QDialog):
    """Text, owner team and due date of an action item."""

    def __init__(self, plan: Plan, item: ActionItem | None, text: str, due: date, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Edit action item" if item else "New action item")
        form = QFormLayout(self)
        self.text = QLineEdit(item.text if item else text)
        self.text.setAccessibleName("Action item text")
        self.owner = QComboBox()
        self.owner.setAccessibleName("Owner team")
        for team in plan.teams:
            self.owner.addItem(team.name, team.id)
        if item is not None:
            self.owner.setCurrentIndex(max(0, self.owner.findData(item.owner)))
        start = item.due if item else due
        self.due = QDateEdit(QDate(start.year, start.month, start.day))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setAccessibleName("Due date")
        form.addRow("&Text:", self.text)
        form.addRow("&Owner:", self.owner)
        form.addRow("&Due:", self.due)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(460, self.sizeHint().height())

    def values(self) -> tuple[str, str, date]:
        d = self.due.date()
        return (
            self.text.text().strip(),
            str(self.owner.currentData()),
            date(d.year(), d.month(), d.day()),
        )


class MeetingsView(QWidget):
    """The meetings' occurrences, the selected one's agenda and its action items."""

    def __init__(
        self, controller: Any, parent: QWidget | None = None, *, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._today = today or date.today()  # the UI may read the clock; the core never does
        self.setObjectName("meetingsView")
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.occurrences = QListWidget()
        self.occurrences.setAccessibleName("Meeting occurrences")
        self.occurrences.setMinimumWidth(130)
        self.occurrences.currentItemChanged.connect(lambda *_: self._show_selected())
        split.addWidget(self.occurrences)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.agenda_title = QLabel()
        font = self.agenda_title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() + 1)
        self.agenda_title.setFont(font)
        self.agenda_title.setWordWrap(True)  # a 1024 px window leaves the tab ~530 px
        rl.addWidget(self.agenda_title)
        self.agenda_list = QTreeWidget()
        self.agenda_list.setHeaderLabels(["Agenda", "Team"])
        self.agenda_list.setAccessibleName("Agenda")
        self.agenda_list.setRootIsDecorated(True)
        self.agenda_list.itemDoubleClicked.connect(lambda *_: self.add_item())
        header = self.agenda_list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.agenda_list.setWordWrap(True)
        rl.addWidget(self.agenda_list, 3)
        items_label = QLabel("<b>Action items</b> (carried to the next agenda until done)")
        items_label.setWordWrap(True)
        rl.addWidget(items_label)
        self.items = QTreeWidget()
        self.items.setHeaderLabels(["Action item", "Owner", "Due", "Status", "From"])
        self.items.setAccessibleName("Action items")
        self.items.setRootIsDecorated(False)
        self.items.itemDoubleClicked.connect(lambda *_: self.edit_item())
        self.items.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.items.header().setStretchLastSection(False)
        self.items.currentItemChanged.connect(lambda *_: self._enable())
        rl.addWidget(self.items, 2)
        buttons = QHBoxLayout()
        self.add_button = self._button("&Add action item…", "Ctrl+Shift+I", self.add_item)
        self.edit_button = self._button("&Edit…", None, self.edit_item)
        self.done_button = self._button("Mark &done", "Ctrl+Shift+M", self.toggle_done)
        self.delete_button = self._button("De&lete", None, self.delete_item)
        for b in (self.add_button, self.edit_button, self.done_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        rl.addLayout(buttons)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 850])
        layout.addWidget(split, 1)
        self._stale = True  # the schedule changed while the tab was hidden
        controller.sig_schedule_changed.connect(self._on_schedule_changed)
        self.refresh()

    def _on_schedule_changed(self) -> None:
        # Hidden, the tab only notes it: an edit does not pay for agendas nobody sees.
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:  # noqa: N802
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def _button(self, text: str, keys: str | None, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.clicked.connect(slot)
        if keys:
            button.setToolTip(f"{text.replace('&', '')} ({keys})")
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
            # Only while the Meetings tab has the focus: the window's own keys stay theirs.
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        return button

    # -- reading the plan ----------------------------------------------------------

    @property
    def plan(self) -> Plan:
        return self.controller.plan

    def selected(self) -> tuple[str, date] | None:
        item = self.occurrences.currentItem()
        return item.data(DAY_ROLE) if item is not None else None

    def refresh(self) -> None:
        """Re-list the occurrences (keeping the selection) and the selected one's details."""
        self._stale = False
        keep = self.selected()
        book = self.controller.agenda_book()
        meetings = [b for b in self.plan.broadcasts if is_meeting(b)]
        self.occurrences.blockSignals(True)
        self.occurrences.clear()
        current_row, upcoming_row = -1, -1
        for b in meetings:
            for day in book.dates(b.id):
                label = f"{day:%a %d %b %Y}" + (f" · {b.name}" if len(meetings) > 1 else "")
                item = QListWidgetItem(label)
                item.setToolTip(f"{b.name}, {day:%A %d %B %Y}")
                item.setData(DAY_ROLE, (b.id, day))
                self.occurrences.addItem(item)
                if (b.id, day) == keep:
                    current_row = self.occurrences.count() - 1
                if upcoming_row < 0 and day >= self._today:
                    upcoming_row = self.occurrences.count() - 1
        self.occurrences.blockSignals(False)
        if meetings:
            names = ", ".join(b.name for b in meetings)
            self.heading.setText(
                f"Internal meetings: {names}. Each agenda covers the days until the next "
                "occurrence; double-click an agenda line to make it an action item."
            )
        else:
            self.heading.setText(
                'No internal meeting: a broadcast with "products": [] (reaches no lead) '
                "has an agenda. Add one in Plan ▸ Broadcasts."
            )
        row = current_row if current_row >= 0 else max(upcoming_row, 0)
        if self.occurrences.count():
            self.occurrences.setCurrentRow(row)
        self._show_selected()

    def _show_selected(self) -> None:
        self.agenda_list.clear()
        self.items.clear()
        chosen = self.selected()
        if chosen is None:
            self.agenda_title.setText("")
            self._enable()
            return
        meeting, day = chosen
        agenda: Agenda = self.controller.agenda_book().agenda(meeting, day)
        self.agenda_title.setText(
            f"{agenda.name} · {day:%a %d %b %Y} — covers {agenda.start:%d %b} to {agenda.end:%d %b}"
        )
        for section in agenda.sections:
            if section.id == "actions":
                continue
            top = QTreeWidgetItem([f"{section.title} ({len(section.entries)})", ""])
            self.agenda_list.addTopLevelItem(top)
            for entry in section.entries:
                team = self.plan.team(entry.team)
                child = QTreeWidgetItem([entry.text, team.name if team else "—"])
                child.setData(0, DAY_ROLE, entry)
                child.setToolTip(0, entry.text)
                top.addChild(child)
            top.setExpanded(True)
        shown = carried_actions(self.plan, meeting, day)
        # Decided at this occurrence and done since: still listed, struck out.
        shown += [
            a
            for a in self.plan.action_items
            if a.meeting == meeting and a.meeting_date == day and a not in shown
        ]
        for a in shown:
            self._add_item_row(a)
        self._enable()

    def _add_item_row(self, a: ActionItem) -> None:
        team = self.plan.team(a.owner)
        status = a.status if a.done_on is None else f"done {a.done_on:%d %b}"
        row = QTreeWidgetItem(
            [
                a.text,
                team.name if team else a.owner,
                a.due.isoformat(),
                status,
                f"{a.meeting_date:%d %b}",
            ]
        )
        row.setData(0, DAY_ROLE, a.id)
        if a.status == "done":
            font = row.font(0)
            font.setStrikeOut(True)
            row.setFont(0, font)
        self.items.addTopLevelItem(row)

    def _current_item(self) -> ActionItem | None:
        row = self.items.currentItem()
        if row is None:
            return None
        item_id = row.data(0, DAY_ROLE)
        return next((a for a in self.plan.action_items if a.id == item_id), None)

    def _enable(self) -> None:
        item = self._current_item()
        self.add_button.setEnabled(self.selected() is not None)
        for b in (self.edit_button, self.done_button, self.delete_button):
            b.setEnabled(item is not None)
        self.done_button.setText("Re&open" if item and item.status == "done" else "Mark &done")

    # -- edits (each one undo step) --------------------------------------------------

    def _apply(self, plan: Plan, text: str) -> None:
        error = self.controller.apply(plan, text)
        if error:
            self.heading.setText(f"⚠ {error}")

    def add_item(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        meeting, day = chosen
        row = self.agenda_list.currentItem()
        entry = row.data(0, DAY_ROLE) if row is not None else None
        text = entry.text if isinstance(entry, AgendaEntry) else ""
        dialog = ActionItemDialog(self.plan, None, text, day, self)
        if isinstance(entry, AgendaEntry) and entry.team:
            dialog.owner.setCurrentIndex(max(0, dialog.owner.findData(entry.team)))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        text, owner, due = dialog.values()
        if text:
            self.add_action(text, owner, due)

    def add_action(self, text: str, owner: str, due: date) -> None:
        """Add an action item to the selected occurrence (one undo step)."""
        chosen = self.selected()
        if chosen is None:
            return
        op = add_action_item(self.plan, text, owner, due, chosen[0], chosen[1])
        self._apply(op.plan, "Add action item")

    def edit_item(self) -> None:
        item = self._current_item()
        if item is None:
            return
        dialog = ActionItemDialog(self.plan, item, item.text, item.due, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        text, owner, due = dialog.values()
        if text:
            op = set_action_item(self.plan, item.id, text=text, owner=owner, due=due)
            self._apply(op.plan, "Edit action item")

    def toggle_done(self) -> None:
        """Mark the selected action item done (today) or open again."""
        item = self._current_item()
        if item is None:
            return
        if item.status == "done":
            self._apply(reopen_action_item(self.plan, item.id).plan, "Reopen action item")
        else:
            done = mark_action_done(self.plan, item.id, self._today).plan
            self._apply(done, "Mark action item done")

    def delete_item(self) -> None:
        item = self._current_item()
        if item is not None:
            self._apply(delete_action_item(self.plan, item.id).plan, "Delete action item")


def _preview(argv: list[str]) -> None:  # pragma: no cover - a designer's tool
    import sys

    from PySide6.QtWidgets import QApplication

    from cadence.demo import demo_plan
    from ui.controller import DocumentController

    app = QApplication.instance() or QApplication(sys.argv)
    view = MeetingsView(DocumentController(demo_plan()), today=date(2027, 4, 12))
    view.resize(1100, 700)
    view.show()
    if len(argv) > 2:
        view.grab().save(argv[2])
    else:
        app.exec()


if __name__ == "__main__":  # pragma: no cover
    import sys

    _preview(sys.argv)
