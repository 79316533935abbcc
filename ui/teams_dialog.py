"""Plan ▸ Teams: name, colour and weekly capacity of each team.

Removing a team that owns stages, touches, broadcasts, requests or the studio
offers to give them to another team; OK applies the hand-over and the removal
as one undoable edit.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QToolButton,
    QWidget,
)

from cadence.model import PALETTE, Plan, Team
from cadence.request_ops import reassign_team
from ui import edits
from ui.controller import DocumentController
from ui.dialog_base import PlanDialog
from ui.glyphs import swatch_icon
from ui.theme import icon


def ask_reassign(parent: QWidget | None, name: str, owned: str, choices: list[str]) -> str | None:
    """Ask which team takes over what a removed team owns (patched in tests); None: keep it."""
    choice, ok = QInputDialog.getItem(
        parent,
        "Remove team",
        f"{name} owns {owned}. Give them to:",
        choices,
        0,
        False,
    )
    return choice if ok else None


def pick_color(parent: QWidget | None, current: str) -> str | None:
    """Ask for a colour (patched in tests)."""
    color = QColorDialog.getColor(QColor(current), parent, "Team colour")
    return color.name() if color.isValid() else None


class TeamsDialog(PlanDialog):
    undo_text = "Edit teams"
    NAME, COLOR, CAPACITY, ID = range(4)

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self.setWindowTitle("Teams")
        self.resize(560, 380)
        intro = QLabel(
            "Teams own stages and touches. Their colour marks their work in every view; "
            "capacity is how many manual contacts a week they can handle (the leads their "
            "calls and meetings are expected to reach)."
        )
        intro.setWordWrap(True)
        intro.setProperty("role", "hint")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Team", "Colour", "Capacity / week", "Id"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            self.NAME, QHeaderView.ResizeMode.Stretch
        )
        self.table.setShowGrid(False)
        self.table.verticalHeader().setDefaultSectionSize(32)
        self._ids: list[str | None] = []
        #: removed team id → the team that takes over its stages, touches and requests
        self.reassigned: dict[str, str] = {}
        self._colors: list[str] = []
        for team in controller.plan.teams:
            self._add_row(team)
        add = QPushButton(icon("add"), "Add team")
        add.clicked.connect(lambda: self._add_row(None))
        remove = QPushButton(icon("delete"), "Remove team")
        remove.clicked.connect(self._remove_row)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        self.body.addWidget(intro)
        self.body.addWidget(self.table, 1)
        self.body.addLayout(row)

    def _add_row(self, team: Team | None) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        used = set(self._colors)
        color = team.color if team else next((c for c in PALETTE if c not in used), PALETTE[0])
        name = QLineEdit(team.name if team else edits.unique_name("New team", self.names()))
        self.table.setCellWidget(r, self.NAME, name)
        button = QToolButton()
        button.setIcon(swatch_icon(color))
        button.setIconSize(QSize(20, 20))
        button.setText(color)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.clicked.connect(lambda _=False, b=button: self._pick(b))
        self.table.setCellWidget(r, self.COLOR, button)
        cap = QSpinBox()
        cap.setRange(0, 100000)
        cap.setSpecialValueText("no limit")
        cap.setValue(team.weekly_capacity or 0 if team else 0)
        self.table.setCellWidget(r, self.CAPACITY, cap)
        ident = QLabel(team.id if team else "(new)")
        ident.setProperty("role", "hint")
        self.table.setCellWidget(r, self.ID, ident)
        self._ids.append(team.id if team else None)
        self._colors.append(color)
        self.table.resizeColumnToContents(self.COLOR)
        self.table.resizeColumnToContents(self.CAPACITY)
        if team is None:
            self.table.setCurrentCell(r, self.NAME)
            name.setFocus()
            name.selectAll()

    def _remove_row(self) -> None:
        r = self.table.currentRow()
        if r < 0:
            return
        team_id = self._ids[r]
        owned = self.owned_by(team_id)
        if owned and team_id is not None:
            name = self.names()[r] or team_id
            heirs = {
                self.names()[k]: tid
                for k, tid in enumerate(self._ids)
                if tid is not None and k != r
            }
            chosen = ask_reassign(self, name, owned, list(heirs)) if heirs else None
            if chosen is None or chosen not in heirs:
                self.show_error(f"{name} still owns {owned}: give them to another team first.")
                return
            self.reassigned[team_id] = heirs[chosen]
        self.error.hide()
        self.table.removeRow(r)
        del self._ids[r]
        del self._colors[r]

    def owned_by(self, team_id: str | None) -> str:
        """What ``team_id`` owns in the plan, in words ("4 stages, 6 touches"), or ""."""
        plan = self.controller.plan
        if team_id is None:  # added in this dialog
            return ""
        counts = {
            "stage": sum(s.owner == team_id for p in plan.products for s in p.stages),
            "touch": sum(t.owner == team_id for p in plan.products for t in p.touches),
            "broadcast": sum(b.owner == team_id for b in plan.broadcasts),
            "request": sum(q.requested_by == team_id for q in plan.requests),
            "asset": sum(a.owner == team_id for a in plan.content),
        }
        words = [
            f"{n} {kind if n == 1 else kind + ('es' if kind == 'touch' else 's')}"
            for kind, n in counts.items()
            if n
        ]
        if plan.studio is not None and plan.studio.team == team_id:
            words.append("the content studio")
        return ", ".join(words)

    def _pick(self, button: QToolButton) -> None:
        for r in range(self.table.rowCount()):
            if self.table.cellWidget(r, self.COLOR) is button:
                chosen = pick_color(self, self._colors[r])
                if chosen:
                    self.set_color(r, chosen)

    def set_color(self, row: int, color: str) -> None:
        self._colors[row] = color
        button = self.table.cellWidget(row, self.COLOR)
        assert isinstance(button, QToolButton)
        button.setIcon(swatch_icon(color))
        button.setText(color)

    def names(self) -> list[str]:
        out = []
        for r in range(self.table.rowCount()):
            w = self.table.cellWidget(r, self.NAME)
            if isinstance(w, QLineEdit):
                out.append(w.text())
        return out

    def new_plan(self) -> Plan | str:
        teams: list[Team] = []
        taken = [i for i in self._ids if i]
        for r in range(self.table.rowCount()):
            name_w = self.table.cellWidget(r, self.NAME)
            cap_w = self.table.cellWidget(r, self.CAPACITY)
            assert isinstance(name_w, QLineEdit) and isinstance(cap_w, QSpinBox)
            name = name_w.text().strip()
            tid = self._ids[r]
            if tid is None:
                tid = edits.unique_id(name, taken, "team")
                taken.append(tid)
            old = self.controller.plan.team(tid)
            team = Team(tid, name, self._colors[r], cap_w.value() or None)
            teams.append(
                replace(old, **{f: getattr(team, f) for f in ("name", "color", "weekly_capacity")})
                if old
                else team
            )
        plan = self.controller.plan
        for gone, heir in self.reassigned.items():
            while heir in self.reassigned:  # its heir was removed too
                heir = self.reassigned[heir]
            plan = reassign_team(plan, gone, heir)
        return replace(plan, teams=tuple(teams))
