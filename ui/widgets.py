"""Small widgets the window shares."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QSizePolicy,
    QStyle,
    QStyleOption,
    QWidget,
)


def delete_keys(platform: str = sys.platform) -> list[QKeySequence]:
    """The keys that delete the selected row: Delete, and on macOS also Backspace (the
    key labelled "delete" there). Not QKeySequence.Delete: on X11 and macOS it also
    holds the emacs-style Ctrl+D / Meta+D, meant for deleting a character in text."""
    keys = [QKeySequence(Qt.Key.Key_Delete)]
    if platform == "darwin":
        keys.append(QKeySequence(Qt.Key.Key_Backspace))
    return keys


def add_delete_action(view: QAbstractItemView, text: str, slot: Callable[[], object]) -> QAction:
    """A Delete-key action on ``view`` only (not while a cell editor has the focus)."""
    action = QAction(text, view)
    action.setShortcuts(delete_keys())
    # WidgetShortcut: the key belongs to the view itself, so an open cell editor
    # (the focus widget then) keeps Delete for its text.
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)

    def trigger() -> None:
        if view.state() != QAbstractItemView.State.EditingState:
            slot()

    action.triggered.connect(trigger)
    view.addAction(action)
    return action


class ElidedLabel(QLabel):
    """A one-line label that shrinks with an ellipsis instead of widening the window.

    Stylesheet boxes (padding, border, background) are kept; the full text is
    the tooltip when it does not fit.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 48), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        rect = self.contentsRect()
        full = self.text()
        text = self.fontMetrics().elidedText(full, Qt.TextElideMode.ElideRight, rect.width())
        self.setToolTip(full if text != full else self.toolTip() if self.toolTip() != full else "")
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), text)


class WrapRow(QLayout):
    """A tool row that wraps onto a second line instead of widening the window.

    Items sit left to right at their preferred widths; an item that does not fit
    starts a new line. On each line the room left over goes to the items whose
    horizontal size policy expands (a search box, or a group that pushes the next
    one to the right edge); with ``right=True`` a line with no such item keeps to the
    right edge. Qt has no flow layout; this is its documented example cut to what the
    tool rows need.
    """

    def __init__(
        self, parent: QWidget | None = None, spacing: int = 6, *, right: bool = False
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._right = right
        self._width = 0  # the width it was last laid out at
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    # QLayout's interface ------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        wrapped = len(self.lines(rect.width())) != len(self.lines(self._width))
        self._width = rect.width()
        self._arrange(rect, move=True)
        if wrapped:  # one line more or less: the parents lay out again with its height
            self.invalidate()

    def sizeHint(self) -> QSize:  # noqa: N802
        visible = self._visible()
        width = sum(i.sizeHint().width() for i in visible) + self.spacing() * max(
            0, len(visible) - 1
        )
        height = max((i.sizeHint().height() for i in visible), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:  # noqa: N802
        # As narrow as the widest single item (everything else wraps), as tall as the
        # lines at the width it has: parents that ignore height-for-width (a splitter, a
        # box in a scroll area) then keep room for the second line.
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        if self._width > 0:
            size.setHeight(max(size.height(), self.heightForWidth(self._width)))
        return size

    # the arrangement ----------------------------------------------------------------------
    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def lines(self, width: int) -> list[list[QLayoutItem]]:
        """The items of each line at this width."""
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._visible():
            wanted = _base_width(item)
            if lines[-1] and used + self.spacing() + wanted > width:
                lines.append([])
                used = 0
            used += (self.spacing() if lines[-1] else 0) + wanted
            lines[-1].append(item)
        return [line for line in lines if line]

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        y = rect.y()
        gap = self.spacing()
        for line in self.lines(rect.width()):
            widths = [min(_base_width(i), rect.width()) for i in line]
            spare = max(0, rect.width() - sum(widths) - gap * (len(line) - 1))
            growing = [n for n, i in enumerate(line) if _grows(i)]
            for n in growing:
                widths[n] += spare // len(growing)
            height = max(i.sizeHint().height() for i in line)
            if move:
                x = rect.x() + (spare if self._right and not growing else 0)
                for item, width in zip(line, widths, strict=True):
                    item.setGeometry(QRect(x, y, width, height))
                    x += width + gap
            y += height + gap
        return y - gap - rect.y()


def _grows(item: QLayoutItem) -> bool:
    return bool(item.expandingDirections() & Qt.Orientation.Horizontal)


def _base_width(item: QLayoutItem) -> int:
    """The width an item needs on a line: its preferred width, or its minimum when it
    grows into the room left (a search box shrinks before the row wraps)."""
    return item.minimumSize().width() if _grows(item) else item.sizeHint().width()


def row_group(*parts: QWidget | int, grows: bool = False) -> QWidget:
    """Widgets side by side in one box (an int is a gap in pixels). It keeps its width,
    or ``grows`` into the room left on its line, its widgets kept to the left."""
    box = QWidget()
    policy = QSizePolicy.Policy.Expanding if grows else QSizePolicy.Policy.Fixed
    box.setSizePolicy(policy, QSizePolicy.Policy.Preferred)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for part in parts:
        if isinstance(part, int):
            row.addSpacing(part)
        else:
            row.addWidget(part)
    if grows:
        row.addStretch(1)
    return box
