"""Sign-off: marketing and sales sign off a product's touches; what changed since.

``SignoffDialog(controller)`` lists each product with where it stands (signed off,
awaiting a role, changed since sign-off), shows the selected product's diff since
its sign-off, and records a sign-off — the person's name and role, now (UTC, the
controller's clock) — as one undo step (:func:`cadence.ops.sign_off_product`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from cadence.model import SIGNOFF_ROLES
from cadence.ops import sign_off_product, submit_for_review
from cadence.signoff import SignoffError, changes_since_signoff, signoff_status

STATE_GLYPHS = {"signed_off": "✔", "changed": "⚠", "awaiting": "…", "none": "○"}
REVIEW_GLYPH = "✉"  # submitted for review, waiting for sign-off


class SignoffDialog(QDialog):
    """Products' sign-off states, the diff since sign-off, and a sign-off form."""

    def __init__(self, controller: Any, parent: Any = None, product_id: str | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Sign-off")
        self.setAccessibleName("Sign-off")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "A product goes out as signed off when marketing and sales have both signed "
                "its touches as they are now."
            )  # fmt: skip
        )
        self.products = QListWidget()
        self.products.setAccessibleName("Products and their sign-off")
        self.products.currentItemChanged.connect(lambda *_: self._show_changes())
        layout.addWidget(self.products, 1)
        layout.addWidget(QLabel("Changed since sign-off:"))
        self.changes = QPlainTextEdit()
        self.changes.setReadOnly(True)
        self.changes.setAccessibleName("Changes since sign-off")
        self.changes.setMaximumHeight(120)
        layout.addWidget(self.changes)
        form = QFormLayout()
        self.by = QLineEdit()
        self.by.setAccessibleName("Signed off by")
        self.by.setPlaceholderText("Name of the person signing off")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role in SIGNOFF_ROLES:
            self.role.addItem(role.capitalize(), role)
        form.addRow("&By:", self.by)
        form.addRow("&Role:", self.role)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.sign_button = QPushButton("&Sign off this product")
        self.sign_button.setAccessibleName("Sign off this product")
        self.sign_all_button = QPushButton("Sign off &every product")
        self.sign_all_button.setAccessibleName("Sign off every product")
        self.submit_button = QPushButton("Su&bmit for review")
        self.submit_button.setAccessibleName("Submit for review")
        self.submit_button.setToolTip("Ask marketing and sales to sign off this product")
        self.submit_button.clicked.connect(self.submit)
        buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.sign_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.sign_all_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.sign_button.clicked.connect(lambda: self.sign(all_products=False))
        self.sign_all_button.clicked.connect(lambda: self.sign(all_products=True))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 460)
        self._fill(product_id)
        if controller.read_only:
            for w in (
                self.sign_button,
                self.sign_all_button,
                self.submit_button,
                self.by,
                self.role,
            ):
                w.setEnabled(False)
            self.message.setText(controller.read_only_reason or "The plan is open read-only.")

    def _fill(self, select: str | None = None) -> None:
        plan = self.controller.plan
        self.products.clear()
        for p in plan.products:
            status = signoff_status(plan, p)
            mark = REVIEW_GLYPH if status.review is not None else STATE_GLYPHS[status.state]
            item = QListWidgetItem(f"{mark} {p.name} — {status.label}")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.products.addItem(item)
            if p.id == select:
                self.products.setCurrentItem(item)
        if self.products.currentItem() is None and self.products.count():
            self.products.setCurrentRow(0)

    def current_product(self) -> str | None:
        item = self.products.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_changes(self) -> None:
        plan = self.controller.plan
        product = plan.product(self.current_product())
        found = changes_since_signoff(plan, product) if product is not None else []
        self.changes.setPlainText("\n".join(c.text for c in found) or "Nothing.")

    def sign(self, all_products: bool) -> bool:
        """Record the sign-off (one undo step); False with a message when refused."""
        product = None if all_products else self.current_product()
        role = str(self.role.currentData())
        try:
            op = sign_off_product(
                self.controller.plan, self.by.text(), role, self.controller.clock(), product
            )
        except SignoffError as exc:
            self.message.setText(str(exc).split(": ", 1)[-1].capitalize())
            return False
        what = "every product" if product is None else product
        error = self.controller.apply(op.plan, f"Sign off {what} ({role})")
        if error:
            self.message.setText(error)
            return False
        self.message.setText(f"Signed off {what} as {role}.")
        self._fill(self.current_product())
        return True

    def submit(self) -> bool:
        """Submit the selected product for review by the name in "By" (one undo step)."""
        product = self.current_product()
        try:
            op = submit_for_review(
                self.controller.plan, self.by.text(), self.controller.clock(), product
            )
        except SignoffError as exc:
            self.message.setText(str(exc).split(": ", 1)[-1].capitalize())
            return False
        error = self.controller.apply(op.plan, f"Submit {product} for review")
        if error:
            self.message.setText(error)
            return False
        self.message.setText(f"Submitted {product} for review.")
        self._fill(product)
        return True
