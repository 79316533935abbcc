"""The stage and touch tables of the selected product: thin models over the plan.

Models read ``controller.plan`` and never keep their own copy. An edit in a
cell builds the new plan (``ui.edits``) and goes through
``controller.apply``; when the validation layer refuses it, the model emits
``sig_refused(message, index)`` and the value stays as it was. Models refresh
on ``sig_plan_changed`` with ``dataChanged`` (same rows) or a reset (rows
added, removed or moved) and on ``sig_schedule_changed`` (gap counts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QStyledItemDelegate,
    QWidget,
)

from cadence.model import CHANNEL_LABELS, CHANNELS, ROLL_POLICIES, Plan, Product, Stage, Touch
from ui import edits
from ui.controller import DocumentController
from ui.glyphs import channel_icon, swatch_icon
from ui.theme import WARNING_GLYPH, colors, team_color
from ui.words import error_in_words

ModelIndex = QModelIndex | QPersistentModelIndex
EDITOR_ROLE = Qt.ItemDataRole.UserRole + 1  # an EditorSpec for the cell
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the stage or touch id of the row

_NO_INDEX = QModelIndex()


@dataclass(frozen=True)
class EditorSpec:
    """What editor a cell wants: text, an integer range, a choice list, a time."""

    kind: str  # "text" | "int" | "percent" | "choice" | "time"
    minimum: int = 0
    maximum: int = 0
    special: str | None = None  # spin box text for the value meaning "none"
    suffix: str = ""
    choices: tuple[tuple[str, Any, Any], ...] = ()  # (label, value, icon)


def _team_choices(plan: Plan, allow_none: bool) -> tuple[tuple[str, Any, Any], ...]:
    out: list[tuple[str, Any, Any]] = []
    if allow_none:
        out.append((f"{WARNING_GLYPH} No owner", None, swatch_icon(colors().warning, True)))
    out.extend((t.name, t.id, swatch_icon(t.color)) for t in plan.teams)
    return tuple(out)


class _ProductTable(QAbstractTableModel):
    """Rows of one product (stages or touches) of the controller's plan."""

    #: the validation layer's message, and the cell whose edit it refused
    sig_refused = Signal(str, QModelIndex)
    #: an edit went through (the error banner can go)
    sig_accepted = Signal()

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, controller: DocumentController, parent: Any = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.product_id: str | None = None
        self._product_of: tuple[Any, str | None, Product | None] = (None, None, None)
        self._ids: list[str] = []
        controller.sig_plan_changed.connect(self._on_plan_changed)
        controller.sig_schedule_changed.connect(self._on_schedule_changed)

    # -- which product ---------------------------------------------------------

    @property
    def product(self) -> Product | None:
        # Looked up once per plan (data() asks for every cell; the plan may have 40+).
        plan = self.controller.plan
        if self._product_of[0] is not plan or self._product_of[1] != self.product_id:
            self._product_of = (plan, self.product_id, plan.product(self.product_id))
        return self._product_of[2]

    def set_product(self, product_id: str | None) -> None:
        self.beginResetModel()
        self.product_id = product_id
        self._ids = self._row_ids()
        self.endResetModel()

    def _rows(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _row_ids(self) -> list[str]:
        return [r.id for r in self._rows()]

    def row_of(self, item_id: str | None) -> int:
        try:
            return self._ids.index(item_id) if item_id is not None else -1
        except ValueError:
            return -1

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    # -- refresh ---------------------------------------------------------------

    def _on_plan_changed(self, changes: Any) -> None:
        if self.product_id is not None and self.product is None:
            self.set_product(None)  # the product was removed
            return
        if not (changes.teams or self.product_id in changes.products or changes.removed_products):
            return
        self.refresh()

    def refresh(self) -> None:
        ids = self._row_ids()
        if ids != self._ids:
            self.beginResetModel()
            self._ids = ids
            self.endResetModel()
        elif ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, len(self.COLUMNS) - 1))

    def _on_schedule_changed(self) -> None:
        pass

    # -- Qt model --------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = _NO_INDEX) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: ModelIndex = _NO_INDEX) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self.COLUMNS):
                return self.COLUMNS[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    # -- applying an edit ------------------------------------------------------

    def _apply(self, product: Product, text: str, index: QModelIndex) -> bool:
        plan = edits.with_product(self.controller.plan, product)
        error = self.controller.apply(plan, text)
        if error is not None:
            self.sig_refused.emit(error_in_words(plan, error), index)
            return False
        self.sig_accepted.emit()
        return True

    def _refuse(self, message: str, index: QModelIndex) -> bool:
        self.sig_refused.emit(error_in_words(self.controller.plan, message), index)
        return False

    def _path(self, kind: str, row: int, field: str) -> str:
        plan = self.controller.plan
        ids: list[str | None] = [x.id for x in plan.products]
        p = ids.index(self.product_id)
        return f"products[{p}].{kind}[{row}].{field}"


class StageTableModel(_ProductTable):
    NAME, DAYS, SPAN, OWNER, CONVERSION, SILENCE, GAPS = range(7)
    COLUMNS = ("Stage", "Days", "Journey", "Owner", "Conversion", "Max silence", "Gaps")

    def _rows(self) -> tuple[Stage, ...]:
        product = self.product
        return product.stages if product is not None else ()

    _stage_gaps: dict[str, int] | None = None  # counted once per re-plan (see stage_gaps)

    def _on_schedule_changed(self) -> None:
        self._stage_gaps = None
        if self._ids:
            self.dataChanged.emit(
                self.index(0, self.GAPS), self.index(len(self._ids) - 1, self.GAPS)
            )

    def set_product(self, product_id: str | None) -> None:
        self._stage_gaps = None
        super().set_product(product_id)

    def stage_gaps(self) -> dict[str, int]:
        """Gaps per stage of this product, counted once per re-plan (data() asks often)."""
        cached = self._stage_gaps
        if cached is None:
            cached = {}
            for g in self.controller.gaps_by_product().get(self.product_id, ()):
                if g.stage is not None:
                    cached[g.stage] = cached.get(g.stage, 0) + 1
            self._stage_gaps = cached
        return cached

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (self.SPAN, self.GAPS) or self.controller.read_only:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        product = self.product
        if product is None or index.row() >= len(product.stages):
            return None
        stage = product.stages[index.row()]
        col = index.column()
        plan = self.controller.plan
        if role == ID_ROLE:
            return stage.id
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return stage.name
            if col == self.DAYS:
                return stage.days
            if col == self.SPAN:
                start = product.stage_start(stage.id)
                return f"d{start}–{start + stage.days - 1}"
            if col == self.OWNER:
                team = plan.team(stage.owner)
                return team.name if team else f"{WARNING_GLYPH} No owner"
            if col == self.CONVERSION:
                return f"{stage.conversion * 100:.0f} %"
            if col == self.SILENCE:
                return f"{stage.max_silence_days} d" if stage.max_silence_days else "plan rule"
            if col == self.GAPS:
                n = self.stage_gaps().get(stage.id, 0)
                return f"{WARNING_GLYPH} {n}" if n else "—"
        if role == Qt.ItemDataRole.EditRole:
            return {
                self.NAME: stage.name,
                self.DAYS: stage.days,
                self.OWNER: stage.owner,
                self.CONVERSION: round(stage.conversion * 100, 1),
                self.SILENCE: stage.max_silence_days or 0,
            }.get(col)
        if role == Qt.ItemDataRole.DecorationRole and col == self.OWNER:
            if stage.owner is None:
                return swatch_icon(colors().warning, True)
            return swatch_icon(team_color(plan, stage.owner))
        if role == Qt.ItemDataRole.ForegroundRole:
            if (col == self.OWNER and stage.owner is None) or (
                col == self.GAPS and self.stage_gaps().get(stage.id)
            ):
                return QColor(colors().warning_text)
            if col in (self.SPAN, self.SILENCE) and not (
                col == self.SILENCE and stage.max_silence_days
            ):
                return QColor(colors().muted)
        if role == Qt.ItemDataRole.FontRole and col == self.NAME:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            self.DAYS,
            self.CONVERSION,
            self.SILENCE,
            self.GAPS,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.OWNER and stage.owner is None:
                return "Nobody owns the lead in this stage: every day of it is an unowned gap."
            if col == self.SILENCE:
                rule = plan.rules.max_silence_days
                return (
                    "Longest allowed run of days without a contact in this stage "
                    f"(plan rule: {f'{rule} days' if rule else 'off'})"
                )
            if col == self.CONVERSION:
                return "Share of the leads entering this stage that go on to the next one"
            if col == self.GAPS:
                return "Gaps starting in this stage, over all cohorts"
        if role == EDITOR_ROLE:
            if col == self.NAME:
                return EditorSpec("text")
            if col == self.DAYS:
                # 0 is allowed in the editor on purpose: the validation layer refuses it.
                return EditorSpec("int", 0, 3650, suffix=" d")
            if col == self.OWNER:
                return EditorSpec("choice", choices=_team_choices(plan, True))
            if col == self.CONVERSION:
                return EditorSpec("percent", 0, 100, suffix=" %")
            if col == self.SILENCE:
                return EditorSpec("int", 0, 365, special="plan rule", suffix=" d")
        return None

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        product = self.product
        if role != Qt.ItemDataRole.EditRole or product is None or not index.isValid():
            return False
        stage = product.stages[index.row()]
        col = index.column()
        idx = self.index(index.row(), col)
        if col == self.NAME:
            name = str(value).strip()
            if name == stage.name:
                return False
            new = edits.set_stage(product, stage.id, name=name)
            return self._apply(new, f"Rename stage “{stage.name}” to “{name}”", idx)
        if col == self.DAYS:
            new = edits.set_stage(product, stage.id, days=_as_int(value))
            return self._apply(new, f"Set “{stage.name}” to {value} days", idx)
        if col == self.OWNER:
            owner = value or None
            team = self.controller.plan.team(owner)
            new = edits.set_stage(product, stage.id, owner=owner)
            who = team.name if team else "no owner"
            return self._apply(new, f"Give “{stage.name}” to {who}", idx)
        if col == self.CONVERSION:
            share = round(float(value) / 100, 4) if value is not None else 1.0
            new = edits.set_stage(product, stage.id, conversion=share)
            return self._apply(new, f"Set conversion of “{stage.name}” to {value} %", idx)
        if col == self.SILENCE:
            days = _as_int(value) or None
            new = edits.set_stage(product, stage.id, max_silence_days=days)
            return self._apply(new, f"Set max silence of “{stage.name}”", idx)
        return False


class TouchTableModel(_ProductTable):
    NAME, CHANNEL, OWNER, STAGE, OFFSET, EVERY, TIME, AUTOMATED, ROLL, DAY, ASSET = range(11)
    COLUMNS = (
        "Touch",
        "Channel",
        "Owner",
        "Stage",
        "Day in stage",
        "Repeat",
        "Time",
        "Automated",
        "Roll",
        "Journey",
        "Asset",
    )

    def _rows(self) -> tuple[Touch, ...]:
        product = self.product
        return product.touches if product is not None else ()

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.controller.read_only or index.column() == self.DAY:
            return base
        if index.column() == self.AUTOMATED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        product = self.product
        if product is None or index.row() >= len(product.touches):
            return None
        touch = product.touches[index.row()]
        col = index.column()
        plan = self.controller.plan
        stage = product.stage(touch.stage)
        if role == ID_ROLE:
            return touch.id
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return touch.name
            if col == self.CHANNEL:
                return CHANNEL_LABELS.get(touch.channel, touch.channel)
            if col == self.OWNER:
                team = plan.team(touch.owner)
                return team.name if team else touch.owner
            if col == self.STAGE:
                return stage.name if stage else touch.stage
            if col == self.OFFSET:
                return touch.offset_days
            if col == self.EVERY:
                return f"every {touch.every_days} d" if touch.every_days else "once"
            if col == self.TIME:
                return hhmm(touch.time) if touch.time else "all day"
            if col == self.AUTOMATED:
                return "automated" if touch.automated else "manual"
            if col == self.ROLL:
                return touch.roll or f"plan ({plan.calendar.roll})"
            if col == self.DAY:
                if stage is None:
                    return ""
                return f"d{product.stage_start(stage.id) + touch.offset_days}"
            if col == self.ASSET:
                return asset_label(plan, touch.asset)
        if role == Qt.ItemDataRole.EditRole:
            return {
                self.NAME: touch.name,
                self.CHANNEL: touch.channel,
                self.OWNER: touch.owner,
                self.STAGE: touch.stage,
                self.OFFSET: touch.offset_days,
                self.EVERY: touch.every_days or 0,
                self.TIME: hhmm(touch.time) if touch.time else "",
                self.ROLL: touch.roll,
                self.ASSET: touch.asset,
            }.get(col)
        if role == Qt.ItemDataRole.CheckStateRole and col == self.AUTOMATED:
            return Qt.CheckState.Checked if touch.automated else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole:
            if col == self.CHANNEL:
                return channel_icon(touch.channel, team_color(plan, touch.owner))
            if col == self.OWNER:
                return swatch_icon(team_color(plan, touch.owner))
            if col == self.STAGE and stage is not None:
                if stage.owner is None:
                    return swatch_icon(colors().warning, True)
                return swatch_icon(team_color(plan, stage.owner))
        if role == Qt.ItemDataRole.ForegroundRole:
            if col in (self.DAY,) or (col == self.EVERY and not touch.every_days):
                return QColor(colors().muted)
            if col == self.TIME and touch.time is None:
                return QColor(colors().muted)
            if col == self.ROLL and touch.roll is None:
                return QColor(colors().muted)
            if col == self.ASSET and touch.asset is None:
                return QColor(colors().muted)
            if col == self.ASSET and plan.asset(touch.asset) is None:
                return QColor(colors().warning_text)
        if role == Qt.ItemDataRole.FontRole and col == self.NAME:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.OFFSET,):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.OFFSET and stage is not None:
                return f"Days after the start of “{stage.name}” (0 – {stage.days - 1})"
            if col == self.ROLL:
                return "Where the touch goes when its day is not a working day"
            if col == self.DAY:
                return "Day of the lead's journey (0 = intake)"
            if col == self.ASSET:
                return "The content library asset this touch sends (Content tab)"
        if role == EDITOR_ROLE:
            if col == self.NAME:
                return EditorSpec("text")
            if col == self.CHANNEL:
                color = team_color(plan, touch.owner)
                return EditorSpec(
                    "choice",
                    choices=tuple((CHANNEL_LABELS[c], c, channel_icon(c, color)) for c in CHANNELS),
                )
            if col == self.OWNER:
                return EditorSpec("choice", choices=_team_choices(plan, False))
            if col == self.STAGE:
                return EditorSpec(
                    "choice",
                    choices=tuple(
                        (
                            s.name,
                            s.id,
                            swatch_icon(team_color(plan, s.owner), s.owner is None),
                        )
                        for s in product.stages
                    ),
                )
            if col == self.OFFSET:
                return EditorSpec("int", 0, 3650)
            if col == self.EVERY:
                return EditorSpec("int", 0, 365, special="once", suffix=" d")
            if col == self.TIME:
                return EditorSpec("time")
            if col == self.ROLL:
                return EditorSpec(
                    "choice",
                    choices=(
                        (f"Plan default ({plan.calendar.roll})", None, None),
                        *((p, p, None) for p in ROLL_POLICIES),
                    ),
                )
            if col == self.ASSET:
                return EditorSpec("choice", choices=asset_choices(plan, product, touch))
        return None

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        product = self.product
        if product is None or not index.isValid():
            return False
        touch = product.touches[index.row()]
        col = index.column()
        idx = self.index(index.row(), col)
        label = f"“{touch.name}”"
        if role == Qt.ItemDataRole.CheckStateRole and col == self.AUTOMATED:
            automated = Qt.CheckState(value) == Qt.CheckState.Checked
            new = edits.set_touch(product, touch.id, automated=automated)
            word = "automated" if automated else "manual"
            return self._apply(new, f"Make {label} {word}", idx)
        if role != Qt.ItemDataRole.EditRole:
            return False
        if col == self.NAME:
            name = str(value).strip()
            if name == touch.name:
                return False
            return self._apply(
                edits.set_touch(product, touch.id, name=name), f"Rename touch {label}", idx
            )
        if col == self.CHANNEL:
            return self._apply(
                edits.set_touch(product, touch.id, channel=value), f"Set channel of {label}", idx
            )
        if col == self.OWNER:
            return self._apply(
                edits.set_touch(product, touch.id, owner=value), f"Set owner of {label}", idx
            )
        if col == self.STAGE:
            return self._apply(
                edits.set_touch(product, touch.id, stage=value), f"Move {label} to a stage", idx
            )
        if col == self.OFFSET:
            return self._apply(
                edits.set_touch(product, touch.id, offset_days=_as_int(value)),
                f"Move {label} to day {value}",
                idx,
            )
        if col == self.EVERY:
            every = _as_int(value) or None
            return self._apply(
                edits.set_touch(product, touch.id, every_days=every), f"Repeat {label}", idx
            )
        if col == self.TIME:
            text = str(value or "").strip()
            parsed = parse_time(text)
            if parsed is False:
                path = self._path("touches", index.row(), "time")
                return self._refuse(
                    f'{path}: must be a time "HH:MM" (00:00–23:59) or empty for all day, '
                    f'got "{text}"',
                    idx,
                )
            return self._apply(
                edits.set_touch(product, touch.id, time=parsed), f"Set time of {label}", idx
            )
        if col == self.ROLL:
            return self._apply(
                edits.set_touch(product, touch.id, roll=value), f"Set roll of {label}", idx
            )
        if col == self.ASSET:
            if value == touch.asset:
                return False
            return self._apply(
                edits.set_touch(product, touch.id, asset=value), f"Set asset of {label}", idx
            )
        return False


def asset_label(plan: Plan, asset_id: str | None) -> str:
    """How a touch's asset reads in the table: its title, "—", or the missing id."""
    if asset_id is None:
        return "—"
    asset = plan.asset(asset_id)
    return asset.title if asset is not None else f"{WARNING_GLYPH} {asset_id} (not in library)"


def asset_choices(plan: Plan, product: Product, touch: Touch) -> tuple[tuple[str, Any, Any], ...]:
    """The asset picker of a touch: none, the assets meant for its stage, then the others."""
    meant = [a for a in plan.content if a.serves(product.id, touch.stage)]
    others = [a for a in plan.content if a not in meant]
    out: list[tuple[str, Any, Any]] = [("No asset", None, None)]
    out += [(a.title, a.id, None) for a in meant]
    out += [(f"{a.title} (not for this stage)", a.id, None) for a in others]
    if touch.asset is not None and plan.asset(touch.asset) is None:
        out.append((asset_label(plan, touch.asset), touch.asset, None))
    return tuple(out)


def hhmm(value: time) -> str:
    # Not strftime: in a PySide process every strftime call re-imports `time`
    # through shiboken's import hook (~70 µs each).
    return f"{value.hour:02d}:{value.minute:02d}"


def _as_int(value: Any) -> Any:
    """An int when the value reads as one, else the value (validation names it)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return value


def parse_time(text: str) -> time | None | bool:
    """'9:30', '09:30', '0930' → time; '' → None (all day); anything else → False."""
    if not text or text.lower() in ("all day", "allday", "-", "—"):
        return None
    m = re.fullmatch(r"(\d{1,2}):?(\d{2})", text)
    if not m:
        return False
    h, mnt = int(m.group(1)), int(m.group(2))
    if h > 23 or mnt > 59:
        return False
    return time(h, mnt)


class FieldDelegate(QStyledItemDelegate):
    """Creates the editor a cell asks for through EDITOR_ROLE."""

    def createEditor(self, parent: QWidget, option: Any, index: ModelIndex) -> QWidget:  # noqa: N802
        spec: EditorSpec | None = index.data(EDITOR_ROLE)
        if spec is None or spec.kind == "text":
            return QLineEdit(parent)
        if spec.kind == "time":
            edit = QLineEdit(parent)
            edit.setPlaceholderText("HH:MM — empty: all day")
            return edit
        if spec.kind == "int":
            spin = QSpinBox(parent)
            spin.setRange(spec.minimum, spec.maximum)
            spin.setSuffix(spec.suffix)
            if spec.special:
                spin.setSpecialValueText(spec.special)
            return spin
        if spec.kind == "percent":
            dspin = QDoubleSpinBox(parent)
            dspin.setRange(spec.minimum, spec.maximum)
            dspin.setDecimals(1)
            dspin.setSuffix(spec.suffix)
            return dspin
        combo = QComboBox(parent)
        for label, value, icon in spec.choices:
            if icon is not None:
                combo.addItem(icon, label, value)
            else:
                combo.addItem(label, value)
        return combo

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:  # noqa: N802
        value = index.data(Qt.ItemDataRole.EditRole)
        if isinstance(editor, QComboBox):
            for i in range(editor.count()):
                if editor.itemData(i) == value:
                    editor.setCurrentIndex(i)
                    break
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(value or 0))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 0))
        elif isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))

    def setModelData(self, editor: QWidget, model: Any, index: ModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QDoubleSpinBox):
            model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QSpinBox):
            editor.interpretText()
            model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)
        elif isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)
