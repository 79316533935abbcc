"""The gaps panel: every gap grouped product → kind, with an explanation and a fix.

``GapsPanel(controller)`` lists ``controller.gaps`` in a tree (group headers
carry counts), sortable by any column and filterable by kind. Selecting a gap
explains its kind in one plain sentence and suggests a fix built from the gap
("Assign an owner to Qualification", "Add a touch between day 22 and day 33").
Double-click navigates: the stage in the cycle map and the day in the calendar
(capacity gaps: the team's week in the calendar).

Preview: ``python -m ui.gaps_panel demo [out.png]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from cadence.model import GAP_KIND_TITLES, GAP_KINDS, Gap, Plan
from ui._cal_common import (
    WARNING_COLOR,
    WARNING_GLYPH,
    CalendarFilter,
    CalendarHint,
    calendar_bus,
    stage_name,
    swatch_icon,
    team_name,
    week_monday,
)

ModelIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

KIND_TITLES = GAP_KIND_TITLES
#: One plain-language sentence per kind: what the gap means for a lead.
KIND_EXPLANATIONS: dict[str, str] = {
    "unowned": "No team owns the lead on these days, so nobody is accountable for it.",
    "silence": "The lead hears nothing from anyone for longer than the allowed silence.",
    "handoff": "A new team takes the lead over but does not contact it within the hand-off SLA.",
    "spacing": "Two contacts reach the same leads too close together (one budget for all teams).",
    "capacity": (
        "A team's manual contacts in one ISO week (the leads its calls and meetings are "
        "expected to reach) exceed its weekly capacity."
    ),
    "drift": (
        "The CRM's leads convert or stay in the stage differently from what the plan assumes "
        "(Plan vs actual)."
    ),
    "content": (
        "A touch sends a content asset that is not in the library, not ready yet, "
        "or past its review date on the day it goes out (Content tab)."
    ),
    "coverage": (
        "A stage of the funnel has no content asset at all (for one persona, when the "
        "product's assets name personas) (Content tab)."
    ),
}

#: Qt.ItemDataRole.UserRole: the Gap of a leaf row; group rows give None.
GAP_ROLE = Qt.ItemDataRole.UserRole
#: the value a column sorts by (dates, numbers) — the proxy's sortRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: "product", "kind" or "gap"
LEVEL_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("Gap", "Dates", "Days", "Team", "Message")
#: starting widths (px) of the columns sized by the user rather than by their text
GAP_COLUMN_WIDTHS = {0: 230, 3: 130, 4: 320}
#: narrower than this (px), the panel (a side dock) shows the gap, its dates and days only;
#: team and message are in the tooltip and the explanation below
WIDE_PANEL = 640
#: the least width (px) of the gap column (stage and cohort: "Qualification · cohort 01-04")
GAP_LABEL_MIN = 150


def gap_day(gap: Gap, d: date) -> int | None:
    """Day of the cohort's journey (0 = intake) on which ``d`` falls."""
    return (d - gap.cohort).days if gap.cohort is not None else None


def date_span(first: date, last: date, year: int) -> str:
    """ "5–6 Jul", "28 Feb – 3 Mar", "30 Dec 2027 – 2 Jan 2028": short, year only if needed."""
    suffix = "" if first.year == last.year == year else f" {last.year}"
    if first == last:
        return f"{first.day} {first:%b}{suffix}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b}{suffix}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b} – {last.day} {last:%b}{suffix}"


def _iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def suggested_fix(plan: Plan, gap: Gap) -> str:
    """A concrete next step for one gap, in the planner's words."""
    product = plan.product(gap.product)
    pname = product.name if product is not None else (gap.product or "")
    stage = stage_name(plan, gap.product, gap.stage) if gap.stage else ""
    if gap.kind == "unowned":
        return f"Assign an owner to {stage} ({pname})."
    if gap.kind == "silence":
        first, last = gap_day(gap, gap.start), gap_day(gap, gap.end)
        if first is not None and last is not None:
            return f"Add a touch between day {first} and day {last} of {pname} (from {stage})."
        return f"Add a touch between {gap.start:%d %b} and {gap.end:%d %b}."
    if gap.kind == "handoff":
        team = team_name(plan, gap.team)
        sla = plan.rules.handoff_sla_days
        if sla is None:
            return f"Have {team} contact the lead when {stage} starts."
        return (
            f"Have {team} contact the lead within {sla} day{'s' if sla != 1 else ''} of "
            f"the start of {stage} (a touch at offset 0–{sla})."
        )
    if gap.kind == "spacing":
        spacing = plan.rules.min_spacing_days
        return (
            f"Move one of the two contacts so they are at least {spacing} days apart, "
            "or make one of them a repeat of the other."
        )
    if gap.kind == "capacity":
        team = team_name(plan, gap.team)
        load = f"{gap.load:g}" if gap.load is not None else "?"
        return (
            f"{team} has {load} manual contacts (expected leads) in week "
            f"{_iso_week(gap.start)}; capacity {gap.capacity}. Automate a touch, spread the "
            "cohorts, or raise the capacity."
        )
    if gap.kind == "content":
        return (
            "Pick a ready asset for the touch (cycle map ▸ touch ▸ Asset), or move the "
            "asset's ready or review date (Content tab)."
        )
    if gap.kind == "coverage":
        return f"Add an asset for {stage} of {pname}, or widen an asset's stages (Content tab)."
    return gap.message


def gap_message(plan: Plan, gap: Gap) -> str:
    """The gap's message in the app's words (the core says "leads" for a capacity load)."""
    if gap.kind == "capacity" and gap.load is not None:
        return (
            f"{team_name(plan, gap.team)}: {gap.load:g} manual contacts in week "
            f"{_iso_week(gap.start)}, capacity {gap.capacity}"
        )
    return gap.message


def gap_label(plan: Plan, gap: Gap) -> str:
    """The short name of a gap row: where it is (stage or team) and for whom (cohort)."""
    if gap.kind == "capacity":
        return f"{team_name(plan, gap.team)} · {_iso_week(gap.start)}"
    where = stage_name(plan, gap.product, gap.stage) if gap.stage else "—"
    if gap.kind == "handoff":
        where = f"{where} → {team_name(plan, gap.team)}"
    if gap.cohort is not None:
        return f"{where} · cohort {gap.cohort:%m-%d}"
    return where


#: the plan-wide rules a gap kind needs, in the words of Plan ▸ Plan settings ▸ Rules
RULE_NAMES: dict[str, str] = {
    "max_silence_days": "silence",
    "handoff_sla_days": "hand-off",
    "min_spacing_days": "spacing",
}


def rules_off(plan: Plan) -> list[str]:
    """The names of the plan-wide rules that are off ("silence", "hand-off", "spacing")."""
    off = [
        name for field_name, name in RULE_NAMES.items() if getattr(plan.rules, field_name) is None
    ]
    if "silence" in off and any(s.max_silence_days for p in plan.products for s in p.stages):
        off.remove("silence")  # some stages set their own maximum silence
    return off


def rules_off_text(plan: Plan) -> str:
    """Which checks are not run and where to turn them on, or "" when all run."""
    off = rules_off(plan)
    if not off:
        return ""
    names = off[0] if len(off) == 1 else ", ".join(off[:-1]) + " and " + off[-1]
    verb = "is" if len(off) == 1 else "are"
    return (
        f"The {names} rule{'s' if len(off) != 1 else ''} {verb} off, so those gaps are not "
        "looked for. Turn them on in Plan ▸ Plan settings ▸ Rules."
    )


def nav_tab(gap: Gap) -> str:
    """Where a double-click on a gap goes: the Content tab for coverage, the cycle map for
    other product gaps, else the calendar."""
    if gap.kind == "coverage":
        return "content"
    return "map" if gap.product is not None and gap.stage is not None else "calendar"


@dataclass(eq=False)
class _Node:
    """A group row (product or kind). Gap rows are not nodes: a kind node keeps its
    gaps in a list and a gap row's internalId encodes (kind node id, row), so a plan
    with tens of thousands of gaps costs one list per group, not one object per gap.

    A kind group's gap rows reach the views when it is first opened (``fetched``,
    see :meth:`GapTreeModel.canFetchMore`). A node names its parent by id: a reference
    back would make every tree a cycle, which only the collector frees (and a large
    plan's collector policy freezes)."""

    id: int
    level: str  # "root" | "product" | "kind"
    parent_id: int | None
    row: int
    key: str | None = None  # product id or kind
    children: list[_Node] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    count: int = 0
    fetched: bool = False  # a kind group: its gap rows are in the model (it was opened)


# internalId of a gap row: (kind node id << _LEAF_SHIFT) + row; group ids stay below.
_LEAF_SHIFT = 32
_LEAF_MASK = (1 << _LEAF_SHIFT) - 1


class GapTreeModel(QAbstractItemModel):
    """Products (plan order, then team capacity) → kinds (GAP_KINDS order) → gaps."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._plan: Plan | None = None
        self._nodes: dict[int, _Node] = {}
        self._root = _Node(0, "root", None, 0)
        self._kinds: frozenset[str] = frozenset()
        # The gap list of each product id last shown (the planner's, to tell changed ones
        # by identity), and the product group nodes by product id.
        self._shown: dict[str | None, Sequence[Gap]] = {}
        self._products: dict[str | None, _Node] = {}
        self._icons: dict[str, QIcon] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self._warning = QColor(WARNING_COLOR)
        self.total = 0

    def reset(
        self,
        plan: Plan,
        by_product: Mapping[str | None, Sequence[Gap]],
        kinds: frozenset[str] = frozenset(),
    ) -> None:
        """Show the gaps of each product id (None: team capacity), only those of
        ``kinds`` when given."""
        self.beginResetModel()
        self._plan = plan
        self._kinds = kinds
        self._shown = dict(by_product)
        self._icons = {t.id: swatch_icon(t.color) for t in plan.teams}
        self._root = _Node(0, "root", None, 0)
        self._nodes = {0: self._root}
        self._products = {}
        order = {p.id: i for i, p in enumerate(plan.products)}
        next_id = 1
        for product in sorted(by_product, key=lambda p: (p is None, order.get(p or "", 1 << 30))):
            grouped = self._by_kind(by_product[product])
            if not grouped:
                continue
            pnode = _Node(next_id, "product", 0, len(self._root.children), key=product)
            next_id += 1
            self._root.children.append(pnode)
            self._nodes[pnode.id] = pnode
            self._products[product] = pnode
            for kind, found in grouped.items():
                knode = _Node(next_id, "kind", pnode.id, len(pnode.children), key=kind)
                next_id += 1
                knode.gaps = found
                knode.count = len(found)
                pnode.children.append(knode)
                self._nodes[knode.id] = knode
            pnode.count = sum(k.count for k in pnode.children)
        self.total = sum(p.count for p in self._root.children)
        self.endResetModel()

    def _by_kind(self, found: Sequence[Gap]) -> dict[str, list[Gap]]:
        """One product's gaps by kind (GAP_KINDS order), only the kinds shown."""
        grouped: dict[str, list[Gap]] = {}
        for gap in found:
            if not self._kinds or gap.kind in self._kinds:
                grouped.setdefault(gap.kind, []).append(gap)
        return {kind: grouped[kind] for kind in sorted(grouped, key=GAP_KINDS.index)}

    def update(self, plan: Plan, by_product: Mapping[str | None, Sequence[Gap]]) -> bool:
        """Show new gaps where only the rows inside the groups change (an edit of a few
        products): the changed products' kind groups get their rows replaced, every
        other row stays as it is. False, changing nothing, when a group would appear
        or go, or the products' order or the teams changed: then :meth:`reset`."""
        if self._plan is None or plan.teams != self._plan.teams:
            return False
        if [p.id for p in plan.products] != [p.id for p in self._plan.products]:
            return False
        changed: dict[str | None, dict[str, list[Gap]]] = {}
        for pid in {*by_product, *self._shown}:
            found = by_product.get(pid, ())
            if found is self._shown.get(pid, ()):
                continue  # the planner kept this product's gaps
            grouped = self._by_kind(found)
            pnode = self._products.get(pid)
            shown_kinds = [k.key for k in pnode.children] if pnode is not None else []
            if list(grouped) != shown_kinds:
                return False
            if pnode is not None:
                changed[pid] = grouped
        renamed = {
            p.id
            for p, q in zip(plan.products, self._plan.products, strict=True)
            if p.name != q.name
        }
        self._plan = plan
        self._shown = dict(by_product)
        for pid, grouped in changed.items():
            pnode = self._products[pid]
            for knode in pnode.children:
                self._replace_rows(knode, grouped[knode.key or ""])
            pnode.count = sum(k.count for k in pnode.children)
        self.total = sum(p.count for p in self._root.children)
        self._group_labels_changed({*changed, *renamed})
        return True

    def _replace_rows(self, knode: _Node, found: list[Gap]) -> None:
        """A kind group's rows become ``found``: rows removed or added at the end, the
        others announced as changed (nothing to announce while no view opened it)."""
        if not knode.fetched:
            knode.gaps, knode.count = found, len(found)
            return
        parent = self.createIndex(knode.row, 0, knode.id)
        before, after = len(knode.gaps), len(found)
        if after < before:
            self.beginRemoveRows(parent, after, before - 1)
            knode.gaps = knode.gaps[:after]
            self.endRemoveRows()
        elif after > before:
            self.beginInsertRows(parent, before, after - 1)
            knode.gaps = found
            self.endInsertRows()
        knode.gaps = found
        knode.count = after
        if min(before, after):
            last = self.index(min(before, after) - 1, len(COLUMNS) - 1, parent)
            self.dataChanged.emit(self.index(0, 0, parent), last)

    def _group_labels_changed(self, product_ids: set[str | None]) -> None:
        """The group rows' labels carry names and counts: announce those of these products."""
        for pnode in self._root.children:
            if pnode.key not in product_ids:
                continue
            self.dataChanged.emit(
                self.createIndex(pnode.row, 0, pnode.id), self.createIndex(pnode.row, 0, pnode.id)
            )
            if pnode.children:
                first, last = pnode.children[0], pnode.children[-1]
                self.dataChanged.emit(
                    self.createIndex(first.row, 0, first.id), self.createIndex(last.row, 0, last.id)
                )

    # -- structure ---------------------------------------------------------------------

    def _node(self, index: ModelIndex) -> _Node | None:
        """The group node of an index (the root for an invalid one; None for a gap row)."""
        if not index.isValid():
            return self._root
        return self._nodes.get(index.internalId())

    def _leaf(self, index: ModelIndex) -> tuple[_Node, int] | None:
        key = index.internalId()
        if key <= _LEAF_MASK:
            return None
        return self._nodes[key >> _LEAF_SHIFT], key & _LEAF_MASK

    def index(self, row: int, column: int, parent: ModelIndex = _ROOT) -> QModelIndex:
        # The view's layout asks for every shown row after rows come or go: checked
        # here directly rather than through hasIndex (three calls back into Python).
        node = self._node(parent)
        if node is None or not 0 <= column < len(COLUMNS) or parent.column() > 0:
            return QModelIndex()
        if node.level == "kind":
            if not 0 <= row < self._rows(node):
                return QModelIndex()
            return self.createIndex(row, column, (node.id << _LEAF_SHIFT) + row)
        if not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row].id)

    def parent(self, child: ModelIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        leaf = self._leaf(child)
        node = leaf[0] if leaf is not None else self._parent_of(self._nodes[child.internalId()])
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node.id)

    def _parent_of(self, node: _Node) -> _Node | None:
        return None if node.parent_id is None else self._nodes[node.parent_id]

    def rowCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent)
        if node is None:
            return 0
        return self._rows(node) if node.level == "kind" else len(node.children)

    @staticmethod
    def _rows(knode: _Node) -> int:
        """How many gap rows a kind group has in the model (none until it is fetched)."""
        return len(knode.gaps) if knode.fetched else 0

    def columnCount(self, parent: ModelIndex = _ROOT) -> int:  # noqa: N802 - Qt's name
        return len(COLUMNS)

    def hasChildren(self, parent: ModelIndex = _ROOT) -> bool:  # noqa: N802 - Qt's name
        if parent.isValid() and parent.column() != 0:
            return False
        node = self._node(parent)
        if node is None:
            return False
        return bool(node.gaps) if node.level == "kind" else bool(node.children)

    def canFetchMore(self, parent: ModelIndex) -> bool:  # noqa: N802 - Qt's name
        """True for a kind group whose gap rows are not in the model yet.

        Why: a group's rows are added when a view first opens it (Qt calls
        :meth:`fetchMore` on expanding). An edit then changes the rows of closed
        groups without announcing any: announced, every edit made the tree lay
        itself out and repaint whole (the sort proxy maps any group it hears of).
        """
        node = self._node(parent) if parent.isValid() else None
        return node is not None and node.level == "kind" and not node.fetched and bool(node.gaps)

    def fetchMore(self, parent: ModelIndex) -> None:  # noqa: N802 - Qt's name
        """Add a kind group's gap rows (a view opens it)."""
        if not self.canFetchMore(parent):
            return
        node = self._nodes[parent.internalId()]
        self.beginInsertRows(self.createIndex(node.row, 0, node.id), 0, len(node.gaps) - 1)
        node.fetched = True
        self.endInsertRows()

    def fetch_all(self) -> None:
        """Add every group's gap rows (to search or walk every gap)."""
        for pnode in self._root.children:
            for knode in pnode.children:
                self.fetchMore(self.createIndex(knode.row, 0, knode.id))

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

    # -- content ------------------------------------------------------------------------

    def gap(self, index: ModelIndex) -> Gap | None:
        leaf = self._leaf(index) if index.isValid() else None
        return leaf[0].gaps[leaf[1]] if leaf is not None else None

    def kind_of(self, index: ModelIndex) -> str | None:
        """The kind of a kind-group row (None for other rows)."""
        node = self._node(index) if index.isValid() else None
        return node.key if node is not None and node.level == "kind" else None

    def group_label(self, node: _Node) -> str:
        if node.level == "product":
            product = self._plan.product(node.key) if self._plan else None
            name = product.name if product is not None else "Team capacity"
            return f"{name} ({node.count})"
        return f"{KIND_TITLES.get(node.key or '', node.key)} ({node.count})"

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._plan is None:
            return None
        col = index.column()
        leaf = self._leaf(index)
        if leaf is None:
            node = self._nodes[index.internalId()]
            if role == LEVEL_ROLE:
                return node.level
            return self._group_data(node, col, role)
        if role == LEVEL_ROLE:
            return "gap"
        gap = leaf[0].gaps[leaf[1]]
        plan = self._plan
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return gap_label(plan, gap)
            if col == 1:
                return date_span(gap.start, gap.end, plan.start.year)
            if col == 2:
                return gap.days
            if col == 3:
                return team_name(plan, gap.team) if gap.team else "—"
            if col == 4:
                return gap_message(plan, gap)
        if role == SORT_ROLE:
            return (
                gap_label(plan, gap),
                gap.start.toordinal(),
                gap.days,
                team_name(plan, gap.team) if gap.team else "",
                gap_message(plan, gap),
            )[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 3 and gap.team:
            return self._icons.get(gap.team)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{gap_message(plan, gap)}\n\nSuggested fix: {suggested_fix(plan, gap)}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == GAP_ROLE:
            return gap
        return None

    def _group_data(self, node: _Node, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.group_label(node) if col == 0 else None
        if role == SORT_ROLE:
            # Groups keep their own order (plan order, GAP_KINDS order) under any sort.
            return node.row if col == 0 else node.row
        if role == Qt.ItemDataRole.FontRole and node.level == "product":
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and node.level == "kind":
            return self._warning
        if role == Qt.ItemDataRole.ToolTipRole and node.level == "kind":
            return KIND_EXPLANATIONS.get(node.key or "", "")
        return None


class _GroupOrderProxy(QSortFilterProxyModel):
    """Sorts gaps inside their kind by the clicked column; groups stay in plan order."""

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:  # noqa: N802 - Qt's name
        if left.data(LEVEL_ROLE) != "gap":
            # Keep group order ascending whatever the sort direction.
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return (left.row() < right.row()) == ascending
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a == b:
            return left.row() < right.row()
        return a < b


class GapsPanel(QWidget):
    """Every gap by product → kind, with counts, a kind filter, an explanation and a fix."""

    #: the selected Gap (None for a group row or nothing)
    sig_gap_selected = Signal(object)

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = GapTreeModel(self)
        self.proxy = _GroupOrderProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self._kinds: frozenset[str] = frozenset()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        head = QHBoxLayout()
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        head.addWidget(self.title)
        head.addStretch(1)
        self.kind_combo = QComboBox()
        self.kind_combo.setToolTip("Show one kind of gap")
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        head.addWidget(self.kind_combo)
        layout.addLayout(head)
        self.rules_hint = QLabel()
        self.rules_hint.setObjectName("gapRulesOff")
        self.rules_hint.setProperty("role", "hint")
        self.rules_hint.setWordWrap(True)
        layout.addWidget(self.rules_hint)

        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setExpandsOnDoubleClick(False)
        header = self.tree.header()
        # The gap (stage and cohort) keeps room for its label, the dates and days fit
        # their text, the team its name; the message takes the rest (scrolling sideways
        # in a narrow dock rather than squeezing the label). Columns can be hidden from
        # the header menu.
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        for column, width in GAP_COLUMN_WIDTHS.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.tree.setColumnWidth(column, width)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self.tree.doubleClicked.connect(self._on_double_clicked)
        self.tree.activated.connect(self._on_activated)
        self.tree.selectionModel().currentChanged.connect(self._on_current)
        layout.addWidget(self.tree, 1)

        self.explain = QFrame()
        self.explain.setObjectName("gapExplanation")
        self.explain.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self.explain)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(4)
        self.explain_kind = QLabel()
        self.explain_kind.setWordWrap(True)
        kfont = self.explain_kind.font()
        kfont.setBold(True)
        self.explain_kind.setFont(kfont)
        self.explain_text = QLabel()
        self.explain_text.setWordWrap(True)
        self.fix_text = QLabel()
        self.fix_text.setWordWrap(True)
        self.fix_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.explain_kind)
        box.addWidget(self.explain_text)
        box.addWidget(self.fix_text)
        layout.addWidget(self.explain)
        # Wrapped labels in a narrow dock do not ask for their height: reserve room for
        # the kind, two lines of explanation and three of the fix.
        self.explain.setMinimumHeight(self.fontMetrics().lineSpacing() * 7 + 24)

        self._stale = False
        self._wide: bool | None = None
        controller.sig_schedule_changed.connect(self._on_schedule_changed)
        self.refresh()

    # -- public ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the controller's gaps (after re-planning), keeping the kind filter.

        After an edit of a few products only their rows change (their gap lists are
        new objects; the planner keeps the others'): expansion, scrolling and the
        selection stay. Anything else rebuilds the tree."""
        self._stale = False
        plan: Plan = self.controller.plan
        by_product = self.controller.gaps_by_product()
        if self.model.update(plan, by_product):
            self._on_current(self.tree.currentIndex(), QModelIndex())
        else:
            self.model.reset(plan, by_product, self._kinds)
            self._span_groups()
            self.tree.expandToDepth(0)
            self._show_explanation(None, None)
        counts = self.controller.gap_kind_counts()
        total = sum(counts.values())
        self.kind_combo.blockSignals(True)
        current = self.kind_combo.currentData()
        self.kind_combo.clear()
        self.kind_combo.addItem(f"All kinds ({total})", None)
        for kind in GAP_KINDS:
            if kind == "drift" and not counts.get(kind):
                continue  # drift needs a CRM export (Plan vs actual): no entry without one
            self.kind_combo.addItem(f"{KIND_TITLES[kind]} ({counts.get(kind, 0)})", kind)
        i = self.kind_combo.findData(current)
        self.kind_combo.setCurrentIndex(max(i, 0))
        self.kind_combo.blockSignals(False)
        self.title.setText(f"{WARNING_GLYPH} Gaps ({total})" if total else "No gaps")
        hint = rules_off_text(plan)
        self.rules_hint.setText(hint)
        self.rules_hint.setVisible(bool(hint))

    def _on_schedule_changed(self) -> None:
        # A closed or tabified dock catches up when shown again.
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self._stale:
            self.refresh()
        super().showEvent(event)

    def set_kind_filter(self, kind: str | None) -> None:
        """Show only gaps of ``kind`` (None: all kinds)."""
        i = self.kind_combo.findData(kind)
        self.kind_combo.setCurrentIndex(max(i, 0))

    def visible_gaps(self) -> list[Gap]:
        """The gap rows shown (in view order, all groups), for tests and exports."""
        if self._stale:
            self.refresh()
        self.model.fetch_all()
        out = []

        def walk(parent: QModelIndex) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                gap = index.data(GAP_ROLE)
                if isinstance(gap, Gap):
                    out.append(gap)
                walk(index)

        walk(QModelIndex())
        return out

    def index_of(self, gap: Gap) -> QModelIndex:
        """The view (proxy) index of a gap row, or an invalid index."""
        self.model.fetch_all()
        matches = self.proxy.match(
            self.proxy.index(0, 0),
            GAP_ROLE,
            gap,
            1,
            Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
        )
        return matches[0] if matches else QModelIndex()

    def navigate_to(self, gap: Gap) -> None:
        """What a double-click does: the stage in the map and the day in the calendar."""
        if gap.kind == "capacity" and gap.team:
            hint = CalendarHint(
                CalendarFilter(teams=frozenset([gap.team]), automation="manual"),
                week_monday(gap.start),
                "week",
            )
            calendar_bus(self.controller).sig_show.emit(hint)
        from ui.controller import NavTarget

        self.controller.navigate(
            NavTarget(product=gap.product, stage=gap.stage, day=gap.start, tab=nav_tab(gap))
        )

    # -- slots ---------------------------------------------------------------------------

    def _on_kind(self, _index: int) -> None:
        kind = self.kind_combo.currentData()
        self._kinds = frozenset([kind]) if kind else frozenset()
        self.model.reset(self.controller.plan, self.controller.gaps_by_product(), self._kinds)
        self._span_groups()
        self.tree.expandAll() if kind else self.tree.expandToDepth(0)
        self._show_explanation(None, kind)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        gap = current.data(GAP_ROLE) if current.isValid() else None
        kind = None
        if not isinstance(gap, Gap):
            gap = None
            if current.isValid() and current.data(LEVEL_ROLE) == "kind":
                kind = self.model.kind_of(self.proxy.mapToSource(current))
        self._show_explanation(gap, kind)
        self.sig_gap_selected.emit(gap)

    def _span_groups(self) -> None:
        # Group rows ("Analytics Suite (160)", "Unowned (40)") use the whole width.
        proxy = self.proxy
        for row in range(proxy.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
            product = proxy.index(row, 0)
            for kind_row in range(proxy.rowCount(product)):
                self.tree.setFirstColumnSpanned(kind_row, product, True)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Wide: every column; narrow (a dock): the gap label takes what dates and days
        leave (at least GAP_LABEL_MIN), team and message wait in the tooltip."""
        wide = self.width() >= WIDE_PANEL
        if wide == self._wide:
            if not wide:
                self._fit_label()
            return
        self._wide = wide
        for column in (3, 4):
            self.tree.setColumnHidden(column, not wide)
        if wide:
            self.tree.setColumnWidth(0, GAP_COLUMN_WIDTHS[0])
        else:
            self._fit_label()

    def _fit_label(self) -> None:
        header = self.tree.header()
        others = sum(
            header.sectionSize(c) for c in range(1, header.count()) if not header.isSectionHidden(c)
        )
        self.tree.setColumnWidth(0, max(GAP_LABEL_MIN, self.tree.viewport().width() - others))

    def set_column_visible(self, column: int, visible: bool) -> None:
        self.tree.setColumnHidden(column, not visible)
        if visible and column in GAP_COLUMN_WIDTHS:
            self.tree.setColumnWidth(column, GAP_COLUMN_WIDTHS[column])

    def _header_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        for column in range(1, len(COLUMNS)):
            action = menu.addAction(COLUMNS[column])
            action.setCheckable(True)
            action.setChecked(not self.tree.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.set_column_visible(c, on))
        menu.exec(self.tree.header().mapToGlobal(pos))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        gap = index.data(GAP_ROLE)
        if isinstance(gap, Gap):
            self.navigate_to(gap)
        else:
            self.tree.setExpanded(index, not self.tree.isExpanded(index))

    def _on_activated(self, index: QModelIndex) -> None:
        # Enter on a row (activated also fires on double-click; navigate once).
        if self.tree.hasFocus() and not self.tree.underMouse():
            gap = index.data(GAP_ROLE)
            if isinstance(gap, Gap):
                self.navigate_to(gap)

    def _show_explanation(self, gap: Gap | None, kind: str | None) -> None:
        kind = gap.kind if gap is not None else kind
        if kind is None:
            self.explain_kind.setText("Select a gap")
            self.explain_text.setText(
                "Gaps are the places where the plan lets a lead fall through the cracks. "
                "Double-click one to see it in the cycle map and the calendar."
            )
            self.fix_text.setText("")
            return
        self.explain_kind.setText(f"{WARNING_GLYPH} {KIND_TITLES[kind]}")
        self.explain_text.setText(KIND_EXPLANATIONS[kind])
        if gap is None:
            self.fix_text.setText("")
        else:
            self.fix_text.setText(
                f"<b>Suggested fix:</b> {suggested_fix(self.controller.plan, gap)}"
            )


# --- preview ----------------------------------------------------------------------------


def _prepare_preview(panel: QWidget, controller: Any) -> None:
    # Products open, a silence gap selected.
    assert isinstance(panel, GapsPanel)
    panel.tree.expandToDepth(0)
    silence = next((g for g in controller.gaps if g.kind == "silence"), None)
    if silence is not None:
        index = panel.index_of(silence)
        panel.tree.expand(index.parent())
        panel.tree.setCurrentIndex(index)


if __name__ == "__main__":
    from ui.preview import run_preview

    raise SystemExit(
        run_preview(
            "ui.gaps_panel",
            GapsPanel,
            title="gaps",
            size=(460, 720),  # about the width of the gaps dock
            prepare=_prepare_preview,
        )
    )
