"""The agenda: a two-level item model (days → entries) over the occurrence index."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon

from cadence.model import Occurrence, Plan
from ui._cal_common import (
    OccurrenceIndex,
    chip_fill,
    chip_text,
    occurrence_tooltip,
    stage_name,
    swatch_icon,
    team_color,
    team_name,
    time_text,
)
from ui.change_marks import MARK_COLORS, MARK_GLYPHS, ChangeMarks, mark_tooltip

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

#: Qt.ItemDataRole.UserRole: the Occurrence of an entry row, the date of a day row.
OCCURRENCE_ROLE = Qt.ItemDataRole.UserRole
DAY_ROLE = Qt.ItemDataRole.UserRole + 1

COLUMNS = ("When", "Entry", "Product · stage", "Cohort", "Team")


class AgendaModel(QAbstractItemModel):
    """Days that have entries (top level) and their entries (children), for one range.

    internalId 0 marks a day row; an entry row's internalId is its day row + 1.
    With the What-if panel's marks, a changed entry's text starts with its glyph
    (+ added, ↷ moved) and its tooltip says what changed; a removed entry is listed
    on its old day, greyed and struck through (as the month and week show ghosts).
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._plan: Plan | None = None
        self._days: list[tuple[date, list[Occurrence], str | None]] = []
        self._icons: dict[str, QIcon] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._gone = QFont()
        self._gone.setItalic(True)
        self._gone.setStrikeOut(True)
        self._marks: ChangeMarks | None = None

    def reset(
        self,
        plan: Plan,
        index: OccurrenceIndex,
        first: date,
        last: date,
        notes: dict[date, str] | None = None,
        marks: ChangeMarks | None = None,
    ) -> None:
        """Show first … last under the index's current filter (days without entries left
        out); with ``marks``, the removed entries too, on their old days."""
        self.beginResetModel()
        self._plan = plan
        self._marks = marks
        self._icons = {t.id: swatch_icon(t.color) for t in plan.teams}
        notes = notes or {}
        days = []
        for d, entries in index.days(first, last):
            shown = list(entries)
            if marks is not None:
                shown += [o for o in marks.ghosts_on(d) if index.matches(o)]
            if shown:
                days.append((d, shown, notes.get(d)))
        self._days = days
        self.endResetModel()

    def _removed(self, occ: Occurrence) -> bool:
        change = self._marks.change(occ.uid) if self._marks is not None else None
        return change is not None and change.change == "removed"

    # -- structure -------------------------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, child: ModelIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        day_row = child.internalId() - 1
        if day_row < 0:
            return QModelIndex()
        return self.createIndex(day_row, 0, 0)

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        if not parent.isValid():
            return len(self._days)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self._days[parent.row()][1])

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        return len(COLUMNS)

    def hasChildren(self, parent: ModelIndex = _ROOT) -> bool:  # noqa: N802
        return self.rowCount(parent) > 0

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(  # noqa: N802 - Qt's name
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    # -- content ----------------------------------------------------------------------

    def occurrence(self, index: ModelIndex) -> Occurrence | None:
        if not index.isValid() or index.internalId() == 0:
            return None
        return self._days[index.internalId() - 1][1][index.row()]

    def day_of(self, index: ModelIndex) -> date | None:
        if not index.isValid():
            return None
        row = index.row() if index.internalId() == 0 else index.internalId() - 1
        return self._days[row][0]

    def row_of_day(self, day: date) -> int:
        """The day row of ``day``, or of the first later day with entries (-1: none)."""
        for row, (d, _, _) in enumerate(self._days):
            if d >= day:
                return row
        return -1

    def entry_count(self) -> int:
        """Entries listed (removed ones shown as marks not counted)."""
        return sum(1 for _, entries, _ in self._days for occ in entries if not self._removed(occ))

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._plan is None:
            return None
        if index.internalId() == 0:
            return self._day_data(index, role)
        occ = self.occurrence(index)
        if occ is None:
            return None
        plan, col = self._plan, index.column()
        marks = self._marks
        change = marks.change(occ.uid) if marks is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return time_text(occ)
            if col == 1:
                text = chip_text(plan, occ)
                return f"{MARK_GLYPHS[change.change]} {text}" if change is not None else text
            if col == 2:
                if occ.product is None:
                    return "all products" if occ.kind == "broadcast" else ""
                product = plan.product(occ.product)
                return (
                    f"{product.name if product else occ.product} · "
                    f"{stage_name(plan, occ.product, occ.stage)}"
                )
            if col == 3:
                return f"{occ.cohort:%Y-%m-%d}" if occ.cohort else ""
            if col == 4:
                return team_name(plan, occ.owner)
        if role == Qt.ItemDataRole.DecorationRole and col == 4:
            return self._icons.get(occ.owner)
        removed = change is not None and change.change == "removed"
        if role == Qt.ItemDataRole.BackgroundRole and col == 1 and not removed:
            return chip_fill(team_color(plan, occ.owner))
        if role == Qt.ItemDataRole.ForegroundRole and change is not None:
            return QColor(MARK_COLORS[change.change]) if removed or col == 1 else None
        if role == Qt.ItemDataRole.FontRole and removed:
            return self._gone
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = occurrence_tooltip(plan, occ)
            if change is not None and marks is not None:
                tip += "\n" + mark_tooltip(change, marks.baseline_name)
            return tip
        if role == OCCURRENCE_ROLE:
            return occ
        if role == DAY_ROLE:
            return occ.date
        return None

    def _day_data(self, index: ModelIndex, role: int) -> Any:
        d, entries, note = self._days[index.row()]
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
            gone = sum(1 for occ in entries if self._removed(occ))
            n = len(entries) - gone
            text = f"{d:%a %d %b %Y} · {n} entr{'y' if n == 1 else 'ies'}"
            if gone:
                text += f" · {gone} removed"
            return f"{text} · {note}" if note else text
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and note:
            return QColor("#a0522d")
        if role == DAY_ROLE:
            return d
        return None


__all__ = ["COLUMNS", "DAY_ROLE", "OCCURRENCE_ROLE", "AgendaModel"]
