"""File ▸ Open shared plan…: a plan on a PostgreSQL server, by its URL.

The dialog takes ``postgresql://user@host:port/db?plan=NAME`` and, optionally, a
password. An empty password lets libpq take the usual one (``PGPASSWORD``,
``~/.pgpass``); a typed one is used for this connection (and its reconnections)
only: it is never written to the settings, the recent files, the title, a log or a
message. The recent files list the plan by its URL without password.

:func:`ask_shared_plan` is module-level so tests can answer it; :func:`open_shared`
connects, loads, and hands the window over to :class:`ui.live.LiveLink`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui import documents

if TYPE_CHECKING:
    from ui.main_window import MainWindow

URL_HINT = "postgresql://user@host:5432/database?plan=NAME"
PASSWORD_WORDS = ("no password supplied", "password authentication failed")


class OpenSharedDialog(QDialog):
    """Asks for a shared plan's URL and (optionally) the login's password."""

    def __init__(self, parent: QWidget | None = None, url: str = "", error: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Open shared plan")
        self.setObjectName("openSharedDialog")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A plan on a PostgreSQL server, shared by the team. Everyone who has it "
            "open sees each change as it is saved."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.url_edit = QLineEdit(url)
        self.url_edit.setPlaceholderText(URL_HINT)
        self.url_edit.setAccessibleName("Shared plan URL")
        self.url_edit.setMinimumWidth(420)
        form.addRow("&URL:", self.url_edit)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        self.password_edit.setPlaceholderText("empty: PGPASSWORD or ~/.pgpass")
        self.password_edit.setToolTip(
            "Used for this connection only; never saved. Leave it empty to use the "
            "PGPASSWORD variable or your ~/.pgpass file."
        )
        form.addRow("&Password:", self.password_edit)
        layout.addLayout(form)
        self.error_label = QLabel(error)
        self.error_label.setObjectName("openSharedError")
        self.error_label.setProperty("role", "error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setVisible(bool(error))
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons
        (self.password_edit if url and error else self.url_edit).setFocus()

    @property
    def url(self) -> str:
        return self.url_edit.text().strip()

    @property
    def password(self) -> str | None:
        return self.password_edit.text() or None

    def accept(self) -> None:
        """Only a well-formed URL naming a plan closes the dialog."""
        from cadence.store.shared.url import SharedUrlError, parse_shared_url

        try:
            parse_shared_url(self.url)
        except SharedUrlError as exc:
            self.show_error(str(exc))
            return
        super().accept()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()


def ask_shared_plan(
    parent: QWidget | None, url: str = "", error: str = ""
) -> tuple[str, str | None] | None:
    """(URL, password or None), or None when cancelled. Patched in tests."""
    dialog = OpenSharedDialog(parent, url, error)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.url, dialog.password
    finally:
        dialog.deleteLater()


def needs_password(message: str) -> bool:
    """The server asked for a password that libpq did not have (or it was wrong)."""
    return any(words in message for words in PASSWORD_WORDS)


def open_shared_dialog(window: MainWindow, url: str = "", error: str = "") -> bool:
    """File ▸ Open shared plan…: ask until the plan opens (a failure is shown in the
    dialog, so a missing password or a typo is fixed there) or the user cancels."""
    while True:
        answer = ask_shared_plan(window, url, error)
        if answer is None:
            return False
        url, password = answer
        error = open_shared(window, url, password) or ""
        if not error:
            return True


def open_shared_address(window: MainWindow, url: str) -> bool:
    """Open a shared plan named on the command line or in the recent files; ask for a
    password only when the server wants one that libpq does not have."""
    error = open_shared(window, url)
    if error is None:
        return True
    if needs_password(error):
        return open_shared_dialog(window, url, error)
    documents.show_error(window, "Cannot open the shared plan", error)
    return False


def open_shared(window: MainWindow, url: str, password: str | None = None) -> str | None:
    """Open the shared plan at ``url`` in ``window``: None when it opened, else why not
    (one message, never with the password)."""
    from cadence.store.shared.document import SharedStoreError, open_shared_document
    from cadence.validate import PlanInvalid
    from ui.live import LiveLink

    window.editor.lead.commit()
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        document = open_shared_document(url, password)
    except SharedStoreError as exc:
        return str(exc)
    except PlanInvalid as exc:
        return "The shared plan has errors:\n" + "\n".join(str(e) for e in exc.errors)
    finally:
        QGuiApplication.restoreOverrideCursor()
    window.controller.load(document.plan, None, document)  # type: ignore[arg-type]  # same facade
    LiveLink.attach(window, document)
    address = document.shared.location.address
    documents.add_recent(window.settings, address)
    window.status.showMessage(f"Opened {address}", 6000)
    return None
