"""Run one widget alone on the demo plan: `python -m ui.<module> demo [shot.png]`.

Handy for designing a view and for its screenshot in docs/ (style.md: each
widget module can be run alone).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget


def run_preview(
    module: str,
    build: Callable[[Any], QWidget],
    *,
    title: str,
    size: tuple[int, int],
    prepare: Callable[[QWidget, Any], None] | None = None,
    argv: list[str] | None = None,
) -> int:
    """Show ``build(controller)`` on the demo plan; with a PNG path, save a grab and quit.

    ``prepare(widget, controller)`` runs once the widget is shown (select
    something worth seeing in a screenshot).
    """
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "demo":
        print(f"usage: python -m {module} demo [screenshot.png]")
        return 2
    if len(argv) > 1 and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a screenshot needs no screen
    from cadence.demo import demo_plan
    from ui.controller import DocumentController
    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app, "light")  # type: ignore[arg-type]
    controller = DocumentController(demo_plan())
    widget = build(controller)
    widget.resize(*size)
    widget.setWindowTitle(f"Cadence — {title}")
    widget.show()
    app.processEvents()
    if prepare is not None:
        prepare(widget, controller)
        app.processEvents()
    if len(argv) > 1:
        widget.grab().save(argv[1])
        print(f"wrote {argv[1]}")
        code = 0
    else:
        code = app.exec()
    # Delete the widget tree before the interpreter tears the application down.
    widget.close()
    widget.deleteLater()
    app.processEvents()
    return code
