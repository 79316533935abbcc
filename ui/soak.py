"""A long scripted run of what users do, on the real main window: ``make soak``.

``python -m ui.soak --actions N --seed S [--plan demo|large|both]`` opens the
real :class:`~ui.main_window.MainWindow` (offscreen when there is no display)
on a ``.cadence`` copy of the demo plan and/or of a large generated plan
(40 products, :func:`cadence.bench.build_large_plan`), in a temporary folder,
and drives it with N actions drawn from a seeded random sequence:

switch tabs and products; page the calendar in its three views; drag stage
edges and touch markers in the map (real mouse events); undo and redo; open
every plan dialog and cancel or accept it; add, duplicate and delete products,
stages and touches; submit requests and move them through the workflow; switch
the theme; export (iCal, CSV, JSON) to a temporary file; print to PDF.

The actions run from the event loop (one per turn), so paints, timers and
deferred deletions happen as they do for a user. Modal dialogs are answered by
the driver instead of a person (``QDialog.exec`` is replaced while it runs).

After the run it checks, and prints (exit status 1 when a check fails):

* the ``.cadence`` document validates and reopens with the plan on screen;
* undo all → the plan as opened; redo all → the plan as edited;
* no Qt warning about deleted objects and no exception in a slot;
* memory: RSS grew by less than 50 MB per 10 000 actions (measured from the
  end of a warm-up: the first fifth of the run, at most 2 000 actions);

and the figures: actions/s, RSS at start/end, peak RSS, growth per 10 000
actions, and the seed that replays the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

MAX_GROWTH_MB_PER_10K = 50.0
# Caches (fonts, glyphs, holidays, export and print modules) fill during the first actions:
# growth is measured after the first fifth of the run, at most this many actions.
WARM_UP_MAX = 2000
#: growth per 10 000 actions is judged over at least this many actions after the warm-up
MIN_MEASURED_ACTIONS = 1000
LARGE_PRODUCTS = 40
# Messages Qt prints when code touches an object that is gone.
DELETED_WORDS = ("deleted", "destroyed", "dangling", "already been deleted")


@dataclass
class SoakResult:
    plan: str
    seed: int
    actions: int
    seconds: float
    rss_start_mb: float
    rss_warm_mb: float
    rss_end_mb: float
    peak_rss_mb: float
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    undo_steps: int = 0
    #: RSS at the end once the undo history is cleared (what the history held: end − this)
    rss_without_history_mb: float = 0.0

    @property
    def actions_per_s(self) -> float:
        return self.actions / self.seconds if self.seconds else 0.0

    @property
    def measured_actions(self) -> int:
        """The actions after the warm-up, over which growth is measured."""
        return self.actions - min(self.actions // 5, WARM_UP_MAX)

    @property
    def growth_per_10k_mb(self) -> float:
        return (self.rss_end_mb - self.rss_warm_mb) / max(1, self.measured_actions) * 10_000

    @property
    def growth_judged(self) -> bool:
        """Long enough to judge: a few hundred actions are still the warm-up of a large
        plan (views and caches filling), which ×100 would wrongly call a leak."""
        return self.measured_actions >= MIN_MEASURED_ACTIONS

    @property
    def passed(self) -> bool:
        return not self.failures

    def figures(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "seed": self.seed,
            "actions": self.actions,
            "seconds": round(self.seconds, 1),
            "actions_per_s": round(self.actions_per_s, 1),
            "rss_start_mb": round(self.rss_start_mb, 1),
            "rss_end_mb": round(self.rss_end_mb, 1),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "rss_growth_per_10k_mb": round(self.growth_per_10k_mb, 1),
            "rss_growth_judged": self.growth_judged,
            "rss_without_history_mb": round(self.rss_without_history_mb, 1),
            "undo_steps": self.undo_steps,
            "failures": self.failures,
            "counts": dict(sorted(self.counts.items())),
        }

    def render(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        lines = [
            f"soak {verdict}: {self.plan} plan, {self.actions} actions, seed {self.seed}",
            f"  {self.actions_per_s:.1f} actions/s ({self.seconds:.1f} s)",
            f"  RSS {self.rss_start_mb:.0f} MB at start, {self.rss_end_mb:.0f} MB at end, "
            f"peak {self.peak_rss_mb:.0f} MB; growth {self.growth_per_10k_mb:.1f} MB "
            f"per 10 000 actions after warm-up (limit {MAX_GROWTH_MB_PER_10K:.0f}"
            + ("" if self.growth_judged else f"; not judged under {MIN_MEASURED_ACTIONS}")
            + ")",
            f"  undo all / redo all over {self.undo_steps} steps; the undo history holds "
            f"{self.rss_end_mb - self.rss_without_history_mb:.0f} MB of RSS at the end",
            "  actions: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())),
        ]
        lines += [f"  ✗ {failure}" for failure in self.failures]
        if not self.passed:
            lines.append(
                f"  replay: python -m ui.soak --plan {self.plan} "
                f"--actions {self.actions} --seed {self.seed}"
            )
        return "\n".join(lines)


# --- memory ---------------------------------------------------------------------------------


def _status_mb(key: str) -> float:
    """A VmRSS/VmHWM figure of this process in MB (0 where /proc is not there)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rss_mb() -> float:
    """Resident memory now, after handing freed heap pages back to the system.

    Without the trim, RSS also counts memory the C allocator keeps after it was
    freed (fragmentation, per-thread arenas of the export worker): that is not a
    leak, and it would hide the trend of what is really still alive.
    """
    _malloc_trim()
    return _status_mb("VmRSS")


def _malloc_trim() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: RSS as it is
        pass


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


ACTION_NAMES = (
    "tab", "product", "calendar", "drag edge", "drag touch", "undo", "redo", "dialog",
    "add product", "delete product", "add stage", "delete stage", "add touch", "delete touch",
    "submit request", "move request", "theme", "export", "print pdf",
)  # fmt: skip


# --- the driver -----------------------------------------------------------------------------


class Driver:
    """Plays random user actions on one main window; answers its modal dialogs."""

    def __init__(
        self, window: Any, rng: random.Random, folder: Path, only: Sequence[str] = ()
    ) -> None:
        self.window = window
        self.rng = rng
        self.folder = folder
        self.counts: Counter[str] = Counter()
        self.max_products = len(window.controller.plan.products) + 3
        self.actions: list[tuple[int, str, Callable[[], object]]] = [
            # Weights: people look and navigate far more often than they edit.
            (16, "tab", self.switch_tab),
            (14, "product", self.switch_product),
            (16, "calendar", self.page_calendar),
            (6, "drag edge", self.drag_edge),
            (6, "drag touch", self.drag_touch),
            (6, "undo", self.undo),
            (4, "redo", self.redo),
            (4, "dialog", self.open_dialog),
            (2, "add product", self.add_product),
            (2, "delete product", self.delete_product),
            (3, "add stage", self.add_stage),
            (3, "delete stage", self.delete_stage),
            (3, "add touch", self.add_touch),
            (3, "delete touch", self.delete_touch),
            (3, "submit request", self.submit_request),
            (3, "move request", self.move_request),
            (1, "theme", self.switch_theme),
            (1, "export", self.export),
            (1, "print pdf", self.print_pdf),
        ]
        if only:
            self.actions = [a for a in self.actions if a[1] in only]
        self._weights = [w for w, _n, _f in self.actions]

    @property
    def controller(self) -> Any:
        return self.window.controller

    def step(self) -> str:
        (_weight, name, action) = self.rng.choices(self.actions, self._weights)[0]
        action()
        self.counts[name] += 1
        return name

    # -- navigation ------------------------------------------------------------------------

    def switch_tab(self) -> None:
        self.rng.choice(self.window.tab_actions).trigger()  # Ctrl+1 … Ctrl+4

    def _products(self) -> list[str]:
        return [p.id for p in self.controller.plan.products]

    def switch_product(self) -> None:
        products = self._products()
        if products:
            self.window.side.select_product(self.rng.choice(products))

    def page_calendar(self) -> None:
        calendar = self.window.calendar
        self.window.show_tab("calendar")
        if self.rng.random() < 0.3:
            calendar.set_view(self.rng.choice(("month", "week", "agenda")))
        for _ in range(self.rng.randint(1, 3)):
            calendar.page(self.rng.choice((-1, 1, 1)))  # PgUp / PgDn

    # -- the map ---------------------------------------------------------------------------

    def _map(self) -> Any:
        self.window.show_tab("map")
        return self.window.editor.map

    def _drag(self, view: Any, start: Any, days: int) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        viewport = view.viewport()
        left = Qt.MouseButton.LeftButton
        QTest.mousePress(viewport, left, Qt.KeyboardModifier.NoModifier, start)
        steps = max(1, abs(days))
        for i in range(1, steps + 1):
            dx = round(view.ppd * days * i / steps)
            QTest.mouseMove(viewport, start + QPoint(dx, 0))
        end = start + QPoint(round(view.ppd * days), 0)
        QTest.mouseRelease(viewport, left, Qt.KeyboardModifier.NoModifier, end)

    def drag_edge(self) -> None:
        from PySide6.QtCore import QPointF

        view = self._map()
        product = view.product
        if product is None or not product.stages:
            return
        stage = self.rng.choice(product.stages)
        rect = view.stage_rect(stage.id)
        if rect is None:
            return
        start = view.view_point(QPointF(rect.right() - 1, rect.center().y())).toPoint()
        days = self.rng.choice((-3, -2, -1, 1, 2, 3, 4))
        if stage.days + days < 1:
            days = 1
        self._drag(view, start, days)

    def drag_touch(self) -> None:
        view = self._map()
        product = view.product
        if product is None or not product.touches:
            return
        touch = self.rng.choice(product.touches)
        point = view.touch_point(touch.id)
        if point is None:
            return
        self._drag(view, view.view_point(point).toPoint(), self.rng.choice((-4, -2, -1, 1, 2, 5)))

    # -- undo ------------------------------------------------------------------------------

    def undo(self) -> None:
        self.window.act_undo.trigger()

    def redo(self) -> None:
        self.window.act_redo.trigger()

    # -- structure -------------------------------------------------------------------------

    def add_product(self) -> None:
        """Add a product, or duplicate the selected one; at the cap, delete one instead.

        The plan stays within a few products of its opening size, as people's plans do
        over a day: memory growth then measures what the app keeps, not a plan that
        grows (without the cap, adds and duplicates took the demo from 3 to 20 products
        in 4 000 actions)."""
        if len(self._products()) >= self.max_products:
            self.delete_product()
        elif self.rng.random() < 0.5:
            self.window.act_add_product.trigger()
        else:
            self.window.act_duplicate_product.trigger()

    def delete_product(self) -> None:
        products = self._products()
        if len(products) > 2:
            self.window.side.select_product(self.rng.choice(products))
            self.window.delete_product()  # confirmed by the patched dialog

    def _editor(self) -> Any:
        self.window.show_tab("map")
        return self.window.editor

    def add_stage(self) -> None:
        editor = self._editor()
        product = editor.product
        if product is not None and len(product.stages) < 10:
            editor.select(stage=self.rng.choice(product.stages).id)
            editor.add_stage()

    def delete_stage(self) -> None:
        editor = self._editor()
        product = editor.product
        if product is not None and len(product.stages) > 2:
            editor.select(stage=self.rng.choice(product.stages).id)
            editor.delete_stage()

    def add_touch(self) -> None:
        editor = self._editor()
        product = editor.product
        if product is not None and product.stages and len(product.touches) < 40:
            editor.select(stage=self.rng.choice(product.stages).id)
            editor.add_touch()

    def delete_touch(self) -> None:
        editor = self._editor()
        product = editor.product
        if product is not None and len(product.touches) > 3:
            editor.select(touch=self.rng.choice(product.touches).id)
            editor.delete_touch()

    # -- requests --------------------------------------------------------------------------

    def _requests(self) -> Any:
        self.window.show_tab("requests")
        return self.window.requests

    def submit_request(self) -> None:
        view = self._requests()
        for combo in (view.product_combo, view.stage_combo, view.requester_combo):
            if combo.count():
                combo.setCurrentIndex(self.rng.randrange(combo.count()))
        view.days_spin.setValue(self.rng.randint(1, 5))
        requested = view.requested_on.date().toPython()
        view.set_date(view.needed_by, requested + timedelta(days=self.rng.randint(3, 40)))
        view.title_edit.setText(f"Soak request {self.counts['submit request'] + 1}")
        view.submit()

    def move_request(self) -> None:
        from cadence.requests import allowed_moves

        view = self._requests()
        requests = self.controller.plan.requests
        if not requests:
            return
        request = self.rng.choice(requests)
        moves = allowed_moves(request.status)
        if not moves or not view.select_request(request.id):
            return
        status = self.rng.choice(moves)
        view.move_selected(status, "soak" if status == "declined" else None)

    # -- dialogs, theme, export, print -----------------------------------------------------

    def open_dialog(self) -> None:
        window = self.window
        choice = self.rng.choice(("settings", "teams", "broadcasts", "cohorts", "shortcuts"))
        {
            "settings": window.act_settings,
            "teams": window.act_teams,
            "broadcasts": window.act_broadcasts,
            "cohorts": window.act_cohorts,
            "shortcuts": window.act_shortcuts,
        }[choice].trigger()

    def switch_theme(self) -> None:
        self.window.set_theme(self.rng.choice(("light", "dark", "system")))

    def export(self) -> None:
        self.window.act_export.trigger()

    def print_pdf(self) -> None:
        self.window.show_tab("calendar")
        self.window.act_print.trigger()

    def answer(self, dialog: Any) -> int:
        """What the user does in a modal dialog (stands in for ``QDialog.exec``)."""
        from ui.dialog_base import PlanDialog
        from ui.export_dialog import ExportDialog
        from ui.printing import PrintDialog

        dialog.show()
        if isinstance(dialog, ExportDialog):
            return self._export_in(dialog)
        if isinstance(dialog, PrintDialog):
            return self._pdf_in(dialog)
        if isinstance(dialog, PlanDialog) and self.rng.random() < 0.5:
            if hasattr(dialog, "name") and hasattr(dialog.name, "setText"):
                dialog.name.setText(f"{self.controller.plan.name}·")  # a real edit
            dialog.accept()
            if dialog.result():
                return 1
        dialog.reject()
        return 0

    def _export_in(self, dialog: Any) -> int:
        from PySide6.QtCore import QCoreApplication

        fmt = self.rng.choice(("ics", "csv", "json"))
        dialog.set_format(fmt)
        dialog.path_edit.setText(str(self.folder / f"export.{fmt}"))
        if dialog.start_export():
            deadline = time.monotonic() + 120
            while dialog.is_running() and time.monotonic() < deadline:
                QCoreApplication.processEvents()
                time.sleep(0.002)  # the export runs on its worker thread
        dialog.reject()
        return 0

    def _pdf_in(self, dialog: Any) -> int:
        from ui.printing import export_pdf

        first, last = dialog.dates()
        export_pdf(
            dialog.controller, self.folder / "print.pdf", dialog.kind(), first, last, dialog.filters
        )
        dialog.reject()
        return 0


# --- running one plan -------------------------------------------------------------------


def _plan_document(kind: str, folder: Path) -> Path:
    from cadence.store import save_plan_document
    from ui import documents

    if kind == "demo":
        return documents.fresh_demo(folder)
    from cadence.bench import build_large_plan

    path = folder / "Large plan.cadence"
    save_plan_document(build_large_plan(LARGE_PRODUCTS), path)
    return path


def run(
    kind: str,
    actions: int,
    seed: int,
    progress: bool = False,
    check_every: int = 0,
    only: Sequence[str] = (),
) -> SoakResult:
    """Open ``kind`` ("demo" or "large") in a main window and play ``actions`` actions."""
    from PySide6.QtCore import QSettings, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QDialog

    from cadence.store import open_document
    from ui import app as app_module
    from ui import documents

    rss_start = rss_mb()
    failures: list[str] = []
    messages: list[str] = []

    def on_message(mode: Any, _context: Any, text: str) -> None:
        if any(word in text.lower() for word in DELETED_WORDS):
            messages.append(text)

    def on_exception(kind_: type, value: BaseException, tb: Any) -> None:
        text = "".join(traceback.format_exception(kind_, value, tb))
        messages.append(f"exception in a slot: {text.strip().splitlines()[-1]}")
        if sys.__stderr__ is not None:  # None under pythonw
            sys.__stderr__.write(text)

    # In memory when the system has one (/dev/shm): the run measures the app, not fsync.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix=f"cadence-soak-{kind}-", dir=shm) as tmp:
        folder = Path(tmp)
        saved: dict[str, Any] = {
            "data_dir": documents.data_dir,
            "confirm": documents.confirm,
            "show_error": documents.show_error,
            "show_open_error": documents.show_open_error,
            "ask_unsaved": documents.ask_unsaved,
            "exec": QDialog.exec,
            "excepthook": sys.excepthook,
        }
        documents.data_dir = lambda: folder
        documents.confirm = lambda *_a, **_k: True
        documents.show_error = lambda _p, *a: messages.append(f"error dialog: {a}")
        documents.show_open_error = lambda _p, e: messages.append(f"open error: {e}")  # type: ignore[assignment]
        documents.ask_unsaved = lambda *_a: "discard"
        # Questions asked with Qt's static message boxes (their modal loop runs in C++,
        # past the QDialog.exec patch): answered as a user would, never left open.
        from ui import requests_view, teams_dialog

        asked = {
            (requests_view, "ask_early_delivery"): lambda *_a: True,
            (teams_dialog, "ask_reassign"): lambda _p, _n, _o, choices: choices[0],
        }
        saved_questions = {key: getattr(*key) for key in asked}
        for (module, name), answer in asked.items():
            setattr(module, name, answer)
        sys.excepthook = on_exception
        previous_handler = qInstallMessageHandler(on_message)
        window = None
        try:
            app = app_module.application()
            settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
            path = _plan_document(kind, folder)
            with open_document(path, read_only=True) as doc:
                start = doc.load().start
            window = app_module.build_window(
                [str(path)], settings, today=start + timedelta(days=67)
            )
            window.resize(1366, 768)
            window.show()
            app.processEvents()
            opened = window.controller.plan
            driver = Driver(window, random.Random(seed), folder, only)
            QDialog.exec = lambda dialog: driver.answer(dialog)  # type: ignore[method-assign]
            warm_at = min(actions // 5, WARM_UP_MAX)
            marks = {"warm": rss_mb()}
            done = [0]
            started = time.perf_counter()

            def step() -> None:
                if done[0] >= actions:
                    timer.stop()
                    app.quit()
                    return
                name = driver.step()
                done[0] += 1
                if check_every and done[0] % check_every == 0:
                    _check_now(window, opened, done[0], name, failures)
                    if failures:
                        timer.stop()
                        app.quit()
                        return
                if done[0] == warm_at:
                    marks["warm"] = rss_mb()
                if progress and done[0] % 1000 == 0:
                    rate = done[0] / (time.perf_counter() - started)
                    print(
                        f"  {kind}: {done[0]} actions, {rate:.0f}/s, RSS {rss_mb():.0f} MB",
                        flush=True,
                    )

            timer = QTimer()
            timer.timeout.connect(step)
            timer.start(0)
            # A modal box nobody answers would stop the run for good: close it and say so.
            watchdog = QTimer()
            watchdog.timeout.connect(lambda: _close_unexpected_modal(messages))
            watchdog.start(MODAL_WATCHDOG_MS)
            app.exec()
            watchdog.stop()
            seconds = time.perf_counter() - started
            rss_end = rss_mb()
            if warm_at == 0:
                marks["warm"] = rss_start
            window.editor.lead.commit()
            edited = window.controller.plan
            # The document validates and holds what is on screen.
            with open_document(path, read_only=True) as doc:
                on_disk = doc.load()
            if on_disk != edited:
                failures.append("the reopened document differs from the plan on screen")
            # The check is about the plan and the document: hidden, the views that catch
            # up when shown (calendar, requests, workload, gaps) skip thousands of refreshes.
            window.hide()
            undo_steps = _undo_redo_all(window, opened, edited, failures)
            failures += [f"Qt/Python: {m}" for m in messages]
            rss_without_history = _rss_without_history(window)
            result = SoakResult(
                kind,
                seed,
                actions,
                seconds,
                rss_start,
                marks["warm"],
                rss_end,
                peak_rss_mb(),
                driver.counts,
                failures,
                undo_steps,
                rss_without_history,
            )
            if result.growth_judged and result.growth_per_10k_mb >= MAX_GROWTH_MB_PER_10K:
                failures.append(
                    f"RSS grew {result.growth_per_10k_mb:.1f} MB per 10 000 actions "
                    f"(limit {MAX_GROWTH_MB_PER_10K:.0f})"
                )
            return result
        finally:
            QDialog.exec = saved["exec"]  # type: ignore[method-assign]
            for name in ("data_dir", "confirm", "show_error", "show_open_error", "ask_unsaved"):
                setattr(documents, name, saved[name])
            for (module, name), original in saved_questions.items():
                setattr(module, name, original)
            sys.excepthook = saved["excepthook"]
            if window is not None:
                window.close()
                window.deleteLater()
                from PySide6.QtCore import QCoreApplication, QEvent

                QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            qInstallMessageHandler(previous_handler)


def _rss_without_history(window: Any) -> float:
    """RSS once the undo history (every edit's plans before and after) is cleared."""
    import gc

    window.controller.undo_stack.clear()
    gc.collect()
    return rss_mb()


def _check_now(window: Any, opened: Any, done: int, name: str, failures: list[str]) -> None:
    """--check-every: undo all and redo all now; a failure names the action count."""
    window.editor.lead.commit()
    edited = window.controller.plan
    found: list[str] = []
    _undo_redo_all(window, opened, edited, found)
    failures += [f"after action {done} ({name}): {f}" for f in found]


# How long a modal box may stay open before the run closes it as unexpected.
MODAL_WATCHDOG_MS = 3000


def _close_unexpected_modal(messages: list[str]) -> None:
    """Close a modal dialog the run did not answer (a new question the soak does not know)."""
    from PySide6.QtWidgets import QApplication, QDialog

    modal = QApplication.activeModalWidget()
    if modal is None:
        return
    messages.append(f"unexpected modal dialog left open: {modal.windowTitle()!r}")
    if isinstance(modal, QDialog):
        modal.reject()
    else:
        modal.close()


def _undo_redo_all(window: Any, opened: Any, edited: Any, failures: list[str]) -> int:
    """Undo everything (→ the plan as opened), then redo everything (→ as edited)."""
    from cadence.store import open_document

    c = window.controller
    stack = c.undo_stack
    steps = stack.index()
    while stack.canUndo():
        before = stack.index()
        c.undo()
        if stack.index() == before:
            failures.append(f"undo stuck at step {before}")
            break
    if c.plan != opened:
        failures.append(f"undo all ({steps} steps) did not give the plan as opened")
    # Back to where the run left the stack: its last actions may have been undos, whose
    # steps redo all would replay beyond the plan as edited.
    while stack.canRedo() and stack.index() < steps:
        before = stack.index()
        c.redo()
        if stack.index() == before:
            failures.append(f"redo stuck at step {before}")
            break
    if c.plan != edited:
        failures.append("redo all did not give the plan as edited")
    with open_document(c.path, read_only=True) as doc:
        if doc.load() != edited:
            failures.append("after redo all, the document differs from the plan as edited")
    return steps


# --- the command line ---------------------------------------------------------------------


def _headless() -> None:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = tempfile.mkdtemp(prefix="cadence-xdg-")
        os.chmod(runtime, 0o700)
        os.environ["XDG_RUNTIME_DIR"] = runtime


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ui.soak", description="Drive the main window with random user actions."
    )
    parser.add_argument("--actions", default="2000", help="actions per plan (default 2000)")
    parser.add_argument("--seed", default=None, help="random seed (default: chosen and printed)")
    parser.add_argument(
        "--plan", default="both", help="demo, large (40 products) or both (default both)"
    )
    parser.add_argument(
        "--large-share",
        default="0.25",
        help="with --plan both: the large plan's share of the actions (0.25)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per plan")
    parser.add_argument("--progress", action="store_true", help="a line every 1000 actions")
    parser.add_argument(
        "--check-every",
        default="0",
        help="debugging: undo all / redo all every K actions, stop at the first failure",
    )
    parser.add_argument(
        "--only",
        default="",
        help="debugging: play only these actions, comma-separated (e.g. 'tab,calendar')",
    )
    args = parser.parse_args(argv)
    errors = []
    if not args.actions.isdigit() or int(args.actions) < 1:
        errors.append(f"--actions: must be a whole number ≥ 1, got {args.actions!r}")
    if not args.check_every.isdigit():
        errors.append(f"--check-every: must be a whole number ≥ 0, got {args.check_every!r}")
    if args.seed is not None and not args.seed.isdigit():
        errors.append(f"--seed: must be an integer, got {args.seed!r}")
    try:
        share = float(args.large_share)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 1:
        errors.append(f"--large-share: must be a number from 0 to 1, got {args.large_share!r}")
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(ACTION_NAMES))
    if unknown:
        errors.append(f"--only: unknown action {unknown[0]!r}; one of {', '.join(ACTION_NAMES)}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2
    actions = int(args.actions)
    seed = int(args.seed) if args.seed is not None else random.randrange(1_000_000)
    plans = {"demo": ["demo"], "large": ["large"], "both": ["demo", "large"]}.get(args.plan)
    if plans is None:
        print(f"--plan: must be demo, large or both, got {args.plan!r}", file=sys.stderr)
        return 2
    _headless()
    ok = True
    for kind in plans:
        n = actions
        if len(plans) == 2:
            n = max(1, round(actions * (share if kind == "large" else 1 - share)))
        result = run(
            kind, n, seed, progress=args.progress, check_every=int(args.check_every), only=only
        )
        print(json.dumps(result.figures()) if args.json else result.render(), flush=True)
        ok = ok and result.passed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
