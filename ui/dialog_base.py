"""What the plan dialogs share: a form that builds a new plan and applies it on OK.

``PlanDialog.accept()`` asks the subclass for the plan its fields describe,
passes it to ``controller.apply`` (one undo step) and stays open showing the
validation layer's message when the plan is refused.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QSpinBox,
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
        if controller.read_only:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

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
