"""Start the desktop app: ``python main.py [--demo | PLAN.cadence | PLAN.json]``.

* no argument: reopen the last document, or the demo plan the first time (kept
  as "Northwind demo.cadence" in the app's data folder);
* ``--demo``: a fresh copy of the demo plan;
* a ``.cadence`` file: open it; a ``.json`` plan: import it into a new
  ``.cadence`` beside it;
* a ``postgresql://user@host:port/db?plan=NAME`` URL: the shared plan (a password
  is asked for when PGPASSWORD and ~/.pgpass have none; see ui/shared_open.py).

The window paints first — frame, menus and an "Opening Northwind demo…" state,
read-only, on a placeholder plan that takes no edits — and the document (the
store imports SQLAlchemy, ~0.4 s) opens once that first paint is done. When it
cannot be opened (or the user cancels), the window stays empty and read-only:
"No plan open".
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from cadence.model import Plan
from ui import documents
from ui.controller import DocumentController
from ui.theme import app_icon, apply_theme

if TYPE_CHECKING:  # imported when the window is built, after the first paint matters
    from ui.main_window import MainWindow

USAGE = "usage: python main.py [--demo | PLAN.cadence | PLAN.json | postgresql://…?plan=NAME]"


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


def keep_caches() -> None:
    """What the app keeps between runs to start sooner: the holiday facts (no import
    of the `holidays` package's ~250 countries at every start) and the built demo
    document (copied, not rebuilt, for each fresh demo)."""
    from cadence import holiday_cache

    holiday_cache.use_folder(documents.cache_dir())
    documents.demo_template_folder = documents.cache_dir()


def empty_plan(today: date) -> Plan:
    """The placeholder a window holds until its document opens (it takes no edits)."""
    return Plan(id="opening", name="Opening…", start=today, end=today)


def opening_name(args: list[str], settings: QSettings) -> str:
    """What the window says it is opening, known without touching the store."""
    if args and args[0] == "--demo":
        return "Northwind demo"
    if args and documents.is_shared_address(args[0]):
        return "shared plan"
    if args:
        return Path(args[0]).stem
    last = documents.last_file(settings)
    if last is not None and last.exists():
        return last.stem
    return "Northwind demo"


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
    """Open what the command line asks for (the demo when that fails); else "No plan open"."""
    from ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    opened = _open_initial(window, args)
    window.build_views()  # with the document open: the gaps are listed once, not twice
    if not opened:
        window.show_no_plan()
    return opened


def _open_initial(window: object, args: list[str]) -> bool:
    from ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    if args and documents.is_shared_address(args[0]):
        return window.open_shared(args[0])
    try:
        path = initial_path(args, window.settings)
    except Exception as exc:  # no data folder, disk full…
        documents.show_error(window, "Cadence", f"Could not prepare the demo plan: {exc}")
        return False
    if window.open_path(path):
        return True
    # A file that cannot be opened gives way to the demo, unless the user just
    # declined to open it read-only: then nothing opens.
    if args and args[0] != "--demo" and not window.open_cancelled:
        return window.open_path(documents.fresh_demo())
    return False


class AfterFirstPaint(QObject):
    """Calls ``callback`` from the event loop once ``widget`` has been painted the first time."""

    def __init__(self, widget: QObject, callback: Callable[[], object]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # Posted now, it runs after this paint and its flush to the screen.
            QTimer.singleShot(0, self._callback)
        return False


def build_window(
    args: list[str],
    settings: QSettings | None = None,
    open_now: bool = True,
    *,
    today: date | None = None,
) -> MainWindow:
    """The main window; its document opens now, or once the window's first paint is done.

    ``today`` is the day the calendar and the requests open on (the real clock
    when None: the app passes it at the edge; tests pass a fixed day).
    """
    from ui.main_window import MainWindow

    application()
    settings = settings if settings is not None else documents.settings()
    today = today if today is not None else date.today()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, str(settings.value("theme", "system")))
    controller = DocumentController(empty_plan(today))
    # Opened later, the window paints first; its heavier views are built after that paint.
    window = MainWindow(controller, settings, today=today, defer_views=not open_now)
    window.show_opening(opening_name(args, settings))
    if open_now:
        open_initial(window, args)
    else:
        AfterFirstPaint(window, lambda: open_initial(window, args))
    return window


def main(args: list[str]) -> int:
    if len(args) > 1 or (args and args[0].startswith("-") and args[0] != "--demo"):
        print(USAGE, file=sys.stderr)
        return 2
    if (
        args
        and args[0] != "--demo"
        and not args[0].lower().endswith((".cadence", ".json"))
        and not documents.is_shared_address(args[0])
    ):
        print(USAGE, file=sys.stderr)
        return 2
    app = application()
    keep_caches()
    window = build_window(args, open_now=False, today=date.today())
    from ui import app_script

    if app_script.wanted():  # CADENCE_APP_SCRIPT=stdin: tests of real app processes only
        app_script.AppScript(window)
    window.show()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
