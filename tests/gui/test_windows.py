"""Nothing lost between windows; the window on screen before its document.

* a window whose "open read-only?" prompt is cancelled holds no plan: it is
  empty, read-only, and closes without asking;
* closing a window whose edits are in no file asks first;
* a read-only window follows the window that edits the file; its dialogs open
  read-only with a line saying why; its disabled actions look disabled;
* the window paints its "Opening …" state before the document is opened.

Modal dialogs are patched (``ui.documents.ask_*``/``show_*``), never clicked.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from cadence.demo import demo_plan
from cadence.store import create_document, open_document
from ui import app as app_module
from ui import documents, edits
from ui.broadcasts_dialog import BroadcastsDialog
from ui.cohorts_dialog import CohortsDialog
from ui.controller import DocumentController
from ui.main_window import NO_PLAN, MainWindow
from ui.settings_dialog import PlanSettingsDialog
from ui.teams_dialog import TeamsDialog

TODAY = date(2027, 3, 9)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialogs(tmp_path, monkeypatch):
    """Record the dialogs; "open read-only?" is answered no (Cancel) unless a test says."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(documents, "data_dir", lambda: folder)
    seen: dict[str, list] = {"errors": [], "read_only": [], "warnings": []}
    answer = {"read_only": False}

    def ask_open_read_only(_parent, error):
        seen["read_only"].append(error)
        return answer["read_only"]

    monkeypatch.setattr(documents, "ask_open_read_only", ask_open_read_only)
    monkeypatch.setattr(documents, "show_open_error", lambda _p, e: seen["errors"].append(e))
    monkeypatch.setattr(documents, "show_error", lambda _p, *a: seen["warnings"].append(a))
    seen["answer"] = [answer]
    return seen


@pytest.fixture
def locked_plan(tmp_path):
    """plan.cadence (the demo), open for editing in "another window" (its lock is held)."""
    path = tmp_path / "plan.cadence"
    create_document(path, demo_plan()).close()
    other = open_document(path, lock=True)
    yield path, other
    other.close()


def resize_aware(controller, days: int) -> str | None:
    product = controller.plan.product("analytics")
    return controller.apply(
        edits.with_product(controller.plan, edits.set_stage(product, "aware", days=days)), "Resize"
    )


def open_read_only(qtbot, settings, dialogs, path) -> MainWindow:
    dialogs["answer"][0]["read_only"] = True
    window = app_module.build_window([str(path)], settings, today=TODAY)
    qtbot.addWidget(window)
    assert window.controller.read_only and window.controller.path == path
    return window


# -- a cancelled prompt leaves nothing to lose ---------------------------------------------------


def test_cancelled_read_only_prompt_leaves_an_empty_read_only_window(
    qtbot, settings, dialogs, locked_plan, unsaved_prompts
):
    path, _other = locked_plan
    documents.add_recent(settings, path)  # the last file: what `python main.py` reopens
    window = app_module.build_window([], settings, today=TODAY)
    qtbot.addWidget(window)
    (asked,) = dialogs["read_only"]
    assert asked.kind == "locked"
    assert window.empty_state == NO_PLAN
    assert window.windowTitle() == "No plan open — Cadence"
    assert window.pages.currentWidget() is window.state_label
    assert "File ▸ Open" in window.state_label.text()
    assert window.controller.path is None and window.controller.read_only
    plan, _pid = edits.add_product(window.controller.plan, "Typed into the placeholder")
    error = window.controller.apply(plan, "Add product")
    assert error is not None and "read-only" in error
    assert window.controller.undo_stack.count() == 0
    for act in (
        window.act_add_product,
        window.act_settings,
        window.act_teams,
        window.act_save_as,
        window.act_export,
        window.act_print,
        window.act_add_stage,
        window.act_add_touch,
    ):
        assert not act.isEnabled(), act.text()
    assert window.act_open.isEnabled() and window.act_new.isEnabled()
    window.close()
    assert unsaved_prompts == []  # nothing to ask about


def test_a_file_named_on_the_command_line_and_declined_does_not_open_the_demo(
    qtbot, settings, dialogs, locked_plan
):
    path, _other = locked_plan
    window = app_module.build_window([str(path)], settings, today=TODAY)
    qtbot.addWidget(window)
    assert window.empty_state == NO_PLAN
    assert not (documents.data_dir() / documents.DEMO_NAME).exists()


def test_opening_a_file_from_the_empty_window_shows_it(
    qtbot, settings, dialogs, locked_plan, tmp_path
):
    path, _other = locked_plan
    window = app_module.build_window([str(path)], settings, today=TODAY)
    qtbot.addWidget(window)
    free = tmp_path / "free.cadence"
    create_document(free, demo_plan()).close()
    assert window.open_path(free)
    assert window.empty_state is None
    assert window.pages.currentIndex() == 0
    assert window.windowTitle() == "free.cadence[*] — Cadence"
    assert window.act_add_product.isEnabled() and window.act_save_as.isEnabled()
    assert resize_aware(window.controller, 20) is None


# -- edits in no file are never dropped silently -------------------------------------------------


@pytest.fixture
def memory_window(qtbot, settings):
    """A window on a plan that is in no file (as a test or a preview builds it)."""
    window = MainWindow(DocumentController(demo_plan()), settings, today=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_closing_with_edits_in_no_file_asks_and_cancel_keeps_the_window(
    qtbot, memory_window, monkeypatch
):
    asked = []
    monkeypatch.setattr(documents, "ask_unsaved", lambda _p, name: asked.append(name) or "cancel")
    assert resize_aware(memory_window.controller, 20) is None
    assert not memory_window.close()
    assert asked == ["Northwind nurture plan 2027"]
    assert memory_window.isVisible()
    assert memory_window.controller.plan.product("analytics").stage("aware").days == 20


def test_closing_with_edits_in_no_file_can_save_them_first(
    qtbot, memory_window, monkeypatch, tmp_path
):
    target = tmp_path / "kept.cadence"
    monkeypatch.setattr(documents, "ask_unsaved", lambda _p, _name: "save")
    monkeypatch.setattr(documents, "ask_save_path", lambda *_a: target)
    assert resize_aware(memory_window.controller, 20) is None
    assert memory_window.close()
    with open_document(target, read_only=True) as doc:
        assert doc.load().product("analytics").stage("aware").days == 20


def test_closing_without_edits_does_not_ask(qtbot, memory_window, unsaved_prompts):
    assert memory_window.close()
    assert unsaved_prompts == []


# -- a read-only window follows the file ---------------------------------------------------------


def test_read_only_window_reloads_when_the_other_window_saves(
    qtbot, settings, dialogs, locked_plan
):
    path, other = locked_plan
    window = open_read_only(qtbot, settings, dialogs, path)
    window.side.select_product("billing")
    window.show_tab("calendar")
    plan = other.load()
    product = plan.product("analytics")
    other.save(edits.with_product(plan, edits.set_stage(product, "aware", days=21)))
    qtbot.waitUntil(
        lambda: window.controller.plan.product("analytics").stage("aware").days == 21,
        timeout=5000,
    )
    assert window.controller.read_only
    assert window.status.currentMessage() == (
        "Reloaded plan.cadence: it was saved in another window"
    )
    assert window.side.current_product == "billing"  # where the user was
    assert window.tabs.currentIndex() == 1
    # And again: the watch survives the reload.
    plan = other.load()
    other.save(replace(plan, name="Renamed elsewhere"))
    qtbot.waitUntil(lambda: window.controller.plan.name == "Renamed elsewhere", timeout=5000)


def test_read_only_dialogs_open_read_only_and_say_why(qtbot, settings, dialogs, locked_plan):
    path, _other = locked_plan
    window = open_read_only(qtbot, settings, dialogs, path)
    assert window.act_settings.isEnabled() and window.act_teams.isEnabled()
    assert not window.act_add_product.isEnabled()
    c = window.controller
    for dialog in (
        PlanSettingsDialog(c, window),
        TeamsDialog(c, window),
        BroadcastsDialog(c, window),
        CohortsDialog(c, "analytics", window),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.read_only_note.isVisibleTo(dialog)
        assert dialog.read_only_note.text() == (
            "🔒  Read-only: plan.cadence is open for editing in another Cadence window; "
            "this window follows its saves. File ▸ Save As makes an editable copy."
        )
        assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        assert dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "Close"
        fields = [f for f in dialog.findChildren(QLineEdit) if f.isVisibleTo(dialog)]
        assert fields and all(f.isReadOnly() for f in fields), type(dialog).__name__
        dialog.reject()
    assert c.undo_stack.count() == 0


def test_disabled_toolbar_actions_look_disabled(qtbot, settings, dialogs, locked_plan, tmp_path):
    path, _other = locked_plan
    window = open_read_only(qtbot, settings, dialogs, path)
    window.show()
    qtbot.waitExposed(window)
    button = window.toolbar.widgetForAction(window.act_add_product)
    assert not button.isEnabled()
    disabled = button.grab().toImage()
    free = tmp_path / "free.cadence"
    create_document(free, demo_plan()).close()
    assert window.open_path(free)
    assert button.isEnabled()
    enabled = button.grab().toImage()
    assert disabled.size() == enabled.size()
    assert disabled != enabled  # muted icon and text


# -- on screen at once ---------------------------------------------------------------------------


class PaintLog(QObject):
    """Remembers, for each paint of the window, whether a document was open then."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.with_document: list[bool] = []
        window.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.with_document.append(self.window.controller.path is not None)
        return False


def test_the_window_paints_its_opening_state_before_the_document(qtbot, settings, dialogs):
    window = app_module.build_window(["--demo"], settings, open_now=False, today=TODAY)
    qtbot.addWidget(window)
    log = PaintLog(window)
    assert window.windowTitle() == "Opening Northwind demo… — Cadence"
    assert window.state_label.text() == "<h3>Opening Northwind demo…</h3>"
    assert window.controller.read_only  # the placeholder takes no edits
    assert window.menuBar().actions()[0].text() == "&File"
    window.show()
    qtbot.waitUntil(lambda: window.empty_state is None, timeout=10000)
    assert log.with_document[0] is False  # the first paint came before the document
    assert window.controller.path.name == documents.DEMO_NAME
    assert window.windowTitle() == "Northwind demo.cadence[*] — Cadence"
    assert not window.controller.read_only
    qtbot.waitUntil(lambda: log.with_document[-1] is True)  # and then the document was drawn


# -- found by the soak -----------------------------------------------------------------------------


def test_the_cohorts_dialog_opens_on_a_product_with_chosen_dates(qtbot, controller):
    dialog = CohortsDialog(controller, "mobile")  # Field Mobile: five chosen intake dates
    qtbot.addWidget(dialog)
    assert dialog.explicit.isChecked()
    assert dialog.dates.count() == 5
    assert dialog.dates.item(0).text().startswith("2027-02-22")
    assert dialog.dates_box.isEnabled() and not dialog.series_box.isEnabled()


def test_the_start_up_benchmark_reports_medians_against_the_targets():
    from ui import bench_startup

    runs = iter(
        [
            {
                "first_paint_wall": 900,
                "first_paint_cpu": 800,
                "drawn_wall": 2000,
                "drawn_cpu": 1500,
            },
            {"first_paint_wall": 700, "first_paint_cpu": 400, "drawn_wall": 1500, "drawn_cpu": 900},
            {"first_paint_wall": 500, "first_paint_cpu": 300, "drawn_wall": 1100, "drawn_cpu": 800},
            {"first_paint_wall": 600, "first_paint_cpu": 350, "drawn_wall": 1200, "drawn_cpu": 850},
        ]
    )
    figures = bench_startup.measure(runs=3, once=lambda: next(runs))  # the first start warms up
    assert figures == {
        "first_paint_wall": 600,
        "first_paint_cpu": 350,
        "drawn_wall": 1200,
        "drawn_cpu": 850,
    }
    assert bench_startup.render(figures, 3).splitlines()[1:] == [
        "first paint (window, menus)      600 ms wall      350 ms CPU   (target ≤ 500 ms CPU)",
        "document drawn                  1200 ms wall      850 ms CPU   (target ≤ 1000 ms CPU)",
    ]
