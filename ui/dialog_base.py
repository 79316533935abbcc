"""What the plan dialogs share: a form that builds a new plan and applies it on OK.

``PlanDialog.accept()`` asks the subclass for the plan its fields describe,
passes it to ``controller.apply`` (one undo step) and stays open showing the
validation layer's message when the plan is refused. On a read-only plan the
dialog opens read-only: a line at the top says why, the fields take no input,
OK is off and Cancel reads Close.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from cadence.model import Plan
from ui.controller import DocumentController
from ui.theme import WARNING_GLYPH
from ui.words import error_in_words


class PlanDialog(QDialog):
    """A modal form over the controller's plan; OK applies it as one edit."""

    undo_text = "Edit the plan"

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self._watching = False
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.read_only_note = QLabel()
        self.read_only_note.setObjectName("readOnlyNote")
        self.read_only_note.setProperty("role", "hint")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.hide()
        if controller.read_only:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
            reason = getattr(controller, "read_only_reason", "") or (
                "This plan is open read-only. File ▸ Save As makes an editable copy."
            )
            self.read_only_note.setText(f"🔒  Read-only: {reason}")
            self.read_only_note.show()
        self._made_read_only = False
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.read_only_note)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        # The subclass has built its fields by now: lock them on a read-only plan.
        if self.controller.read_only and not self._made_read_only:
            self._made_read_only = True
            lock_fields(self, keep=self.buttons)
        super().showEvent(event)

    def new_plan(self) -> Plan | str:
        """The plan the form describes, or a message saying what is wrong with the form."""
        raise NotImplementedError

    def refused(self, plan: Plan, error: str) -> None:
        """Show the validation layer's refusal of ``plan`` in the form's words."""
        self.show_error(error_in_words(plan, error))

    def show_error(self, message: str) -> None:
        self.error.setText(f"{WARNING_GLYPH}  {message}")
        self.error.show()
        self._watch_inputs()

    def _watch_inputs(self) -> None:
        """Hide the error as soon as the user changes a field (its cause may be gone)."""
        if self._watching:
            return
        self._watching = True
        hide = self.error.hide
        for edit in self.findChildren(QLineEdit):
            edit.textEdited.connect(hide)
        for spin in self.findChildren(QAbstractSpinBox):
            if isinstance(spin, QSpinBox):
                spin.valueChanged.connect(hide)
            elif isinstance(spin, QDateTimeEdit):
                spin.dateTimeChanged.connect(hide)
        for combo in self.findChildren(QComboBox):
            combo.currentIndexChanged.connect(hide)
        for box in self.findChildren(QCheckBox):
            box.toggled.connect(hide)

    def accept(self) -> None:
        plan = self.new_plan()
        if isinstance(plan, str):
            self.show_error(plan)
            return
        error = self.controller.apply(plan, self.undo_text)
        if error is not None:
            self.refused(plan, error)
            return
        super().accept()


def lock_fields(dialog: QWidget, keep: QWidget) -> None:
    """Make every input of ``dialog`` read-only (text stays selectable), except inside ``keep``."""
    for child in dialog.findChildren(QWidget):
        if child is keep or keep.isAncestorOf(child):
            continue
        if isinstance(child, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox):
            child.setReadOnly(True)
        elif isinstance(child, QAbstractItemView):
            child.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            child.setDragEnabled(False)
        elif isinstance(child, QComboBox | QAbstractButton):
            child.setEnabled(False)
