"""Start the desktop app: ``python main.py [--demo | PLAN.cadence | PLAN.json]``.

* no argument: reopen the last document, or the demo plan the first time (kept
  as "Northwind demo.cadence" in the app's data folder);
* ``--demo``: a fresh copy of the demo plan;
* a ``.cadence`` file: open it; a ``.json`` plan: import it into a new
  ``.cadence`` beside it.

The window paints first with an empty plan; the document (the store imports
SQLAlchemy, ~0.6 s) is opened right after, from the event loop.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from cadence.model import Plan
from ui import documents
from ui.controller import DocumentController
from ui.theme import app_icon, apply_theme

USAGE = "usage: python main.py [--demo | PLAN.cadence | PLAN.json]"


def application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "cadence"])
    app.setApplicationName("Cadence")
    app.setOrganizationName("Cadence")
    app.setApplicationDisplayName("Cadence")
    app.setApplicationVersion("0.1")
    app.setWindowIcon(app_icon())
    return app


def empty_plan() -> Plan:
    today = date.today()
    return Plan(id="opening", name="Opening…", start=today, end=today)


def initial_path(args: list[str], settings: QSettings) -> Path:
    """Which document to show for the command line (creating the demo when needed)."""
    if args and args[0] == "--demo":
        return documents.fresh_demo()
    if args:
        return Path(args[0]).expanduser()
    last = documents.last_file(settings)
    if last is not None and last.exists():
        return last
    demo = documents.data_dir() / documents.DEMO_NAME
    return demo if demo.exists() else documents.fresh_demo()


def open_initial(window: object, args: list[str]) -> bool:
    """Open what the command line asks for; fall back to the demo when that fails."""
    from ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    try:
        path = initial_path(args, window.settings)
    except Exception as exc:  # no data folder, disk full…
        documents.show_error(window, "Cadence", f"Could not prepare the demo plan: {exc}")
        return False
    if window.open_path(path):
        return True
    if args and args[0] != "--demo":
        return window.open_path(documents.fresh_demo())
    return False


def build_window(
    args: list[str], settings: QSettings | None = None, open_now: bool = True
) -> object:
    """The main window on an empty plan; the document opens now or from the event loop."""
    from ui.main_window import MainWindow

    application()
    settings = settings if settings is not None else documents.settings()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, str(settings.value("theme", "system")))
    controller = DocumentController(empty_plan())
    window = MainWindow(controller, settings)
    if open_now:
        open_initial(window, args)
    else:
        QTimer.singleShot(0, lambda: open_initial(window, args))
    return window


def main(args: list[str]) -> int:
    if len(args) > 1 or (args and args[0].startswith("-") and args[0] != "--demo"):
        print(USAGE, file=sys.stderr)
        return 2
    if args and args[0] != "--demo" and not args[0].lower().endswith((".cadence", ".json")):
        print(USAGE, file=sys.stderr)
        return 2
    app = application()
    window = build_window(args, open_now=False)
    window.show()  # type: ignore[attr-defined]
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
