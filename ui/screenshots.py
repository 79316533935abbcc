"""Screenshots of the main window on the demo plan: ``python -m ui.screenshots docs``
(``python -m ui.screenshots docs main-window-content.png`` writes only the files named).

Re-runnable, headless (offscreen when there is no display, or under Xvfb):
every tab in the light palette at 1440×900, the cycle map in the dark palette,
the window at 1366×768, and the broadcasts and plan-settings dialogs. The demo
document and the settings live in a temporary folder: the user's own files
and configuration are never touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

SHOTS = (
    ("main-window.png", "map"),
    ("main-window-calendar.png", "calendar"),
    ("main-window-requests.png", "requests"),
    ("main-window-workload.png", "workload"),
)


def _settle(app: object, rounds: int = 6) -> None:
    for _ in range(rounds):
        app.processEvents()  # type: ignore[attr-defined]


def _lengthen_stage(controller: object, product_id: str, stage_id: str) -> None:
    """One edit for the what-if picture: the stage one day longer (undone afterwards)."""
    from dataclasses import replace

    plan = controller.plan  # type: ignore[attr-defined]
    products = tuple(
        replace(
            p,
            stages=tuple(replace(s, days=s.days + 1) if s.id == stage_id else s for s in p.stages),
        )
        if p.id == product_id
        else p
        for p in plan.products
    )
    controller.apply(replace(plan, products=products), "Stage one day longer")  # type: ignore[attr-defined]


def take(out: Path, only: tuple[str, ...] = ()) -> list[Path]:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = tempfile.mkdtemp(prefix="cadence-xdg-")
        os.chmod(runtime, 0o700)
        os.environ["XDG_RUNTIME_DIR"] = runtime

    from PySide6.QtCore import QSettings, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    from ui import documents
    from ui.app import application, build_window
    from ui.main_window import MainWindow

    app = application()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="cadence-shots-") as tmp:
        folder = Path(tmp)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("theme", "light")
        demo = documents.fresh_demo(folder)
        window = build_window([str(demo)], settings)
        assert isinstance(window, MainWindow)
        window.resize(1440, 900)
        window.show()
        _settle(app)
        window.editor.fit_map_height()
        # A selected touch shows the selection in the map and the table.
        window.editor.select(touch="digest")
        _settle(app)

        def save(name: str) -> None:
            if only and name not in only:
                return
            _settle(app)
            path = out / name
            window.grab().save(str(path))
            written.append(path)

        for name, tab in SHOTS:
            window.show_tab(tab)
            save(name)

        from ui.actuals_view import ActualsView, sample_export_text

        if isinstance(window.actuals, ActualsView):  # with the bundled sample CRM export
            window.actuals.load_text(sample_export_text(), "sample_crm.csv")
            window.actuals.set_product("billing")
            window.show_tab("actuals")
            save("main-window-actuals.png")
        from ui.content_view import ContentView

        if isinstance(window.content, ContentView):  # at 1366×768, with an asset running out
            from datetime import date

            window.resize(1366, 768)
            window.content.today = date(2027, 9, 15)
            window.content.refresh()
            window.content.set_product("mobile")
            window.content.select_asset("roi-calculator")
            window.show_tab("content")
            save("main-window-content.png")
            window.resize(1440, 900)
        # What-if: the Trial of Billing Cloud one day longer, against the plan as opened.
        window.side.select_product("billing")
        window.editor.select(stage="trial")
        window.show_tab("map")
        window.show_compare()
        _lengthen_stage(window.controller, "billing", "trial")
        save("main-window-what-if.png")
        window.controller.undo()
        window.diff_dock.hide()

        window.show_tab("map")
        window.side.select_product("billing")
        window.editor.select(stage="trial")
        save("main-window-billing.png")

        window.set_theme("dark")
        window.side.select_product("analytics")
        window.editor.select(touch="digest")
        save("main-window-dark.png")
        window.show_tab("calendar")
        save("main-window-calendar-dark.png")
        window.set_theme("light")
        window.show_tab("map")

        window.resize(1366, 768)
        _settle(app)
        window.editor.fit_map_height()
        save("main-window-1366x768.png")
        window.resize(1440, 900)

        from ui.broadcasts_dialog import BroadcastsDialog
        from ui.settings_dialog import PlanSettingsDialog

        for name, dialog in (
            ("dialog-broadcasts.png", BroadcastsDialog(window.controller, window)),
            ("dialog-plan-settings.png", PlanSettingsDialog(window.controller, window)),
        ):
            if only and name not in only:
                dialog.deleteLater()
                continue
            dialog.show()
            _settle(app)
            path = out / name
            dialog.grab().save(str(path))
            written.append(path)
            dialog.close()
            dialog.deleteLater()
        window.close()
        window.deleteLater()
        _settle(app)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("docs")
    for path in take(out, tuple(argv[1:])):
        print(path)
    sys.stdout.flush()
    # Skip interpreter teardown: PySide6 6.12 can crash while garbage-collecting
    # Qt wrappers at exit, after every file is written.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
