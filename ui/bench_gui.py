"""What users wait for in the window, measured offscreen on a large plan.

``python -m ui.bench_gui --json`` opens the benchmark plan (``cadence.bench``,
40 products by default) as a ``.cadence`` document in a temporary folder, shows
the main window offscreen and times, each to the window painted (the action,
then ``processEvents``, which delivers the update requests: every widget that
changed paints into the window's backing store):

* ``edit_ms``: a stage-length edit made through the same path as the GUI
  (``DocumentController.apply``: save in one transaction, re-plan, every view);
* ``undo_ms``: Edit ▸ Undo of that edit;
* ``drag_frame_ms``: one mouse move of a stage-edge drag in the cycle map
  (mouse events sent to the map's viewport), and ``drag_release_ms`` (the
  release saves and re-plans);
* ``product_switch_ms``: selecting another product in the list;
* ``edit_calendar_ms`` and ``edit_workload_ms``: the same edit and its undo (both
  samples) with the Calendar tab (month view) or the Workload tab in front.

Figures are p50 and p95 over the rounds (``--runs``), in wall time, and again
(``…_cpu_ms``) in the process's CPU time. ``cadence.bench`` runs this
as a subprocess and adds its keys to its own. The clock is read here only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time as clock
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


def measure(products: int = 40, runs: int = 20) -> dict[str, Any]:
    """The window's figures on the benchmark plan with ``products`` products."""
    from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from cadence.bench import build_large_plan
    from ui import documents, edits
    from ui.controller import DocumentController
    from ui.cycle_map import LEFT
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    folder = Path(tempfile.mkdtemp(prefix="cadence-bench-"))
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    opened = documents.create(folder / "bench.cadence", build_large_plan(products))
    controller = DocumentController(opened.plan, opened.path, document=opened.document)
    window = MainWindow(controller, settings)
    window.show()
    app.processEvents()

    cpu: dict[str, list[float]] = {}  # the process's CPU time of each sample, by figure

    def painted(action: Callable[[], Any], figure: str = "") -> float:
        # processEvents delivers the update requests the action posted: every widget
        # that changed paints (offscreen, into the window's backing store).
        started, started_cpu = clock.perf_counter(), clock.process_time()
        action()
        app.processEvents()
        cpu.setdefault(figure, []).append((clock.process_time() - started_cpu) * 1000)
        return (clock.perf_counter() - started) * 1000

    plan = controller.plan
    ids = [p.id for p in plan.products]
    window.side.select_product(ids[0])
    app.processEvents()
    edit, undo = [], []
    for i in range(runs):
        product = controller.plan.products[i % len(ids)]
        stage = product.stages[2]
        longer = edits.set_stage(product, stage.id, days=stage.days + 1)
        new_plan = edits.with_product(controller.plan, longer)
        edit.append(painted(partial(controller.apply, new_plan, "Resize"), "edit"))
        undo.append(painted(controller.undo, "undo"))

    in_front: dict[str, list[float]] = {}
    for tab in ("calendar", "workload"):
        window.show_tab(tab)
        app.processEvents()
        samples = in_front.setdefault(tab, [])
        for i in range(runs):
            product = controller.plan.products[i % len(ids)]
            stage = product.stages[2]
            longer = edits.set_stage(product, stage.id, days=stage.days + 1)
            new_plan = edits.with_product(controller.plan, longer)
            samples.append(painted(partial(controller.apply, new_plan, "Resize"), f"edit_{tab}"))
            samples.append(painted(controller.undo, f"edit_{tab}"))
    window.show_tab("map")
    app.processEvents()

    switch = []
    for i in range(runs):
        pid = ids[(i + 1) % len(ids)]
        switch.append(painted(partial(window.side.select_product, pid), "product_switch"))

    # A drag of the third stage's right edge in the cycle map, one day per move.
    window.side.select_product(ids[0])
    app.processEvents()
    view = window.editor.map
    product = controller.plan.products[0]
    edge_day = sum(s.days for s in product.stages[:3])
    viewport = view.viewport()

    def send(kind: QEvent.Type, day: float) -> None:
        scene_x = LEFT + day * view.ppd
        point = view.mapFromScene(
            QPointF(scene_x, view._stage_items[product.stages[2].id].rect.center().y())
        )
        position = QPointF(point)
        buttons = (
            Qt.MouseButton.NoButton
            if kind == QEvent.Type.MouseButtonRelease
            else Qt.MouseButton.LeftButton
        )
        event = QMouseEvent(
            kind,
            position,
            view.mapToGlobal(point).toPointF(),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, event)

    frames = []
    undo_before = controller.undo_stack.index()
    painted(lambda: send(QEvent.Type.MouseButtonPress, edge_day))
    for step in range(1, runs + 1):
        frames.append(painted(partial(send, QEvent.Type.MouseMove, edge_day + step), "drag_frame"))
    release = painted(lambda: send(QEvent.Type.MouseButtonRelease, edge_day + runs))
    undo_steps = controller.undo_stack.index() - undo_before

    occurrences = len(controller.schedule.touches)
    window.close()
    controller.close()
    return {
        "gui_products": products,
        "gui_occurrences": occurrences,
        "edit_ms": _percentiles(edit),
        "undo_ms": _percentiles(undo),
        "drag_frame_ms": _percentiles(frames),
        "drag_release_ms": round(release, 1),
        "drag_undo_steps": undo_steps,
        "product_switch_ms": _percentiles(switch),
        "edit_calendar_ms": _percentiles(in_front["calendar"]),
        "edit_workload_ms": _percentiles(in_front["workload"]),
        # The same, in CPU time of this process: on a shared machine, the part of the
        # wait that is this program's work rather than other programs'.
        **{
            f"{name}_cpu_ms": _percentiles(cpu[name])
            for name in (
                "edit",
                "undo",
                "drag_frame",
                "product_switch",
                "edit_calendar",
                "edit_workload",
            )
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.bench_gui", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--products", type=int, default=40)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    figures = measure(args.products, args.runs)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:<20} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
