"""Small widgets the window shares."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
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
