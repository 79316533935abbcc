"""The main window and its documents: open/save round trips, the dialogs for bad files.

Modal dialogs are patched (``ui.documents.ask_*``/``show_*``), never clicked.
Every test keeps its files and settings in tmp_path.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from cadence.demo import demo_plan
from cadence.formats.plan_json import dumps_plan, load_plan_json
from cadence.store import create_document, open_document
from ui import app as app_module
from ui import documents, edits
from ui.controller import NavTarget
from ui.main_window import MainWindow

TODAY = date(2027, 3, 9)  # never the real clock


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(documents, "data_dir", lambda: folder)
    return folder


@pytest.fixture
def dialogs(monkeypatch):
    """Record every dialog the window would show; answer 'no' unless a test says otherwise."""
    seen: dict[str, list] = {"errors": [], "read_only": [], "warnings": [], "confirm": []}

    def record(key, answer=None):
        def dialog(_parent, *args):
            seen[key].append(args[0] if len(args) == 1 else args)
            return answer

        return dialog

    monkeypatch.setattr(documents, "show_open_error", record("errors"))
    monkeypatch.setattr(documents, "ask_open_read_only", record("read_only", False))
    monkeypatch.setattr(documents, "show_error", record("warnings"))
    monkeypatch.setattr(documents, "confirm", record("confirm", True))
    return seen


@pytest.fixture
def window(qtbot, settings, data_dir, dialogs):
    win = app_module.build_window([], settings, open_now=False, today=TODAY)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.empty_state is None)  # the demo opens after the first paint
    yield win
    win.close()


def demo_file(folder: Path, name: str = "plan.cadence") -> Path:
    path = folder / name
    create_document(path, demo_plan()).close()
    return path


def resize_aware(window: MainWindow, days: int) -> None:
    c = window.controller
    product = c.plan.product("analytics")
    assert (
        c.apply(edits.with_product(c.plan, edits.set_stage(product, "aware", days=days)), "x")
        is None
    )


def test_first_start_creates_the_demo_then_reopens_the_last_file(
    qtbot, settings, data_dir, dialogs
):
    first = app_module.build_window([], settings, today=TODAY)
    qtbot.addWidget(first)
    demo = data_dir / documents.DEMO_NAME
    assert first.controller.path == demo
    assert first.controller.plan.name == "Northwind nurture plan 2027"
    assert first.windowTitle() == "Northwind demo.cadence[*] — Cadence"
    resize_aware(first, 16)
    first.close()

    second = app_module.build_window([], settings, today=TODAY)
    qtbot.addWidget(second)
    assert second.controller.path == demo
    assert second.controller.plan.product("analytics").stage("aware").days == 16  # kept
    second.close()

    fresh = app_module.build_window(["--demo"], settings, today=TODAY)
    qtbot.addWidget(fresh)
    assert fresh.controller.plan.product("analytics").stage("aware").days == 14
    fresh.close()
    assert dialogs["errors"] == []


def test_demo_in_use_by_another_window_gets_a_new_name(qtbot, settings, data_dir, dialogs):
    one = app_module.build_window(["--demo"], settings, today=TODAY)
    two = app_module.build_window(["--demo"], settings, today=TODAY)
    qtbot.addWidget(one)
    qtbot.addWidget(two)
    assert one.controller.path.name == "Northwind demo.cadence"
    assert two.controller.path.name == "Northwind demo 2.cadence"
    one.close()
    two.close()


def test_open_edit_close_reopen_round_trip(qtbot, window, tmp_path):
    path = demo_file(tmp_path)
    assert window.open_path(path)
    assert window.controller.path == path
    resize_aware(window, 19)
    assert not window.isWindowModified()  # every edit is saved as made: no "*" in the title
    assert window.status.saved.text().startswith("saved ")
    window.controller.undo_stack.undo()
    window.controller.undo_stack.redo()
    window.close()
    assert not (tmp_path / ".~plan.cadence.lock").exists()
    with open_document(path, read_only=True) as doc:
        assert doc.load().product("analytics").stage("aware").days == 19


def test_import_json_makes_a_cadence_beside_it_and_export_gives_the_same_plan(
    qtbot, window, tmp_path, dialogs, monkeypatch
):
    source = tmp_path / "acme.json"
    source.write_text(dumps_plan(demo_plan()), encoding="utf-8")
    assert window.open_path(source)
    assert window.controller.path == tmp_path / "acme.cadence"
    assert window.status.currentMessage() == "Opened acme.cadence (imported acme.json)"
    resize_aware(window, 20)
    out = tmp_path / "out.json"
    monkeypatch.setattr(documents, "ask_save_path", lambda *_a: out)
    assert window.export_json()
    assert load_plan_json(out) == window.controller.plan
    # Importing the same JSON again does not overwrite the first import.
    assert window.open_path(source)
    assert window.controller.path == tmp_path / "acme 2.cadence"


def test_save_as_continues_in_the_copy(qtbot, window, tmp_path, monkeypatch):
    original = demo_file(tmp_path)
    window.open_path(original)
    copy = tmp_path / "copy.cadence"
    monkeypatch.setattr(documents, "ask_save_path", lambda *_a: copy)
    assert window.save_as()
    assert window.controller.path == copy
    assert window.windowTitle() == "copy.cadence[*] — Cadence"
    resize_aware(window, 22)
    with open_document(copy, read_only=True) as doc:
        assert doc.load().product("analytics").stage("aware").days == 22
    with open_document(original, read_only=True) as doc:
        assert doc.load().product("analytics").stage("aware").days == 14
    assert not (tmp_path / ".~plan.cadence.lock").exists()


def test_save_as_never_replaces_a_document_open_in_another_window(
    qtbot, window, tmp_path, dialogs, monkeypatch
):
    window.open_path(demo_file(tmp_path))
    taken = demo_file(tmp_path, "taken.cadence")
    other = open_document(taken, lock=True)  # another Cadence window edits it
    before = taken.read_bytes()
    monkeypatch.setattr(documents, "ask_save_path", lambda *_a: taken)
    assert not window.save_as()
    assert not window.new_document()
    assert [e.kind for e in dialogs["errors"]] == ["locked", "locked"]
    assert "Nothing was written" in dialogs["errors"][0].message
    assert taken.read_bytes() == before
    assert window.controller.path == tmp_path / "plan.cadence"
    other.close()


def test_the_calendar_tab_fits_a_1366_by_768_window(qtbot, window, tmp_path):
    window.open_path(demo_file(tmp_path))
    window.resize(1366, 768)
    window.show_tab("calendar")
    area = window.tabs.currentWidget()
    qtbot.waitUntil(lambda: window.size().toTuple() == (1366, 768))
    QApplication.processEvents()  # the scroll area lays out its page
    assert area.horizontalScrollBar().maximum() == 0  # view buttons, count, details
    assert area.verticalScrollBar().maximum() == 0  # the last week row and the legend


def test_corrupt_file_gives_a_dialog_and_stays_untouched(qtbot, window, tmp_path, dialogs):
    bad = tmp_path / "broken.cadence"
    bad.write_bytes(b"this is not a database at all\n" * 10)
    before = bad.read_bytes()
    assert not window.open_path(bad)
    (error,) = dialogs["errors"]
    assert error.kind == "corrupt"
    assert error.title == "Not a Cadence document"
    assert "not an SQLite database" in error.message
    assert bad.read_bytes() == before
    assert window.controller.path != bad


def test_damaged_plan_inside_a_document_lists_the_errors(qtbot, window, tmp_path, dialogs):
    path = demo_file(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE stage SET days = -3 WHERE stage_id = 'aware'")
    before = path.read_bytes()
    assert not window.open_path(path)
    (error,) = dialogs["errors"]
    assert error.kind == "invalid"
    assert "products[0].stages[0].days: must be an integer ≥ 1, got -3" in error.details
    assert path.read_bytes() == before


def test_newer_schema_is_refused_and_untouched(qtbot, window, tmp_path, dialogs):
    path = demo_file(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_info SET value = '99' WHERE key = 'schema_version'")
    before = path.read_bytes()
    assert not window.open_path(path)
    (error,) = dialogs["errors"]
    assert error.kind == "newer"
    assert "newer Cadence" in error.message
    assert path.read_bytes() == before


def test_locked_file_offers_read_only(qtbot, window, tmp_path, dialogs, monkeypatch):
    path = demo_file(tmp_path)
    other = open_document(path, lock=True)  # another Cadence has it open
    # Its lock names a live process on this host: our own pid stands in for it.
    assert not window.open_path(path)
    (asked,) = dialogs["read_only"]
    assert asked.kind == "locked"
    monkeypatch.setattr(documents, "ask_open_read_only", lambda *_a: True)
    assert window.open_path(path)
    assert window.controller.read_only
    assert window.windowTitle() == "plan.cadence[*] (read-only) — Cadence"
    assert window.status.read_only.isVisibleTo(window)
    error = window.controller.apply(
        edits.rename_product(window.controller.plan, "analytics", "X"), "Rename"
    )
    assert error is not None and "read-only" in error
    other.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write read-only files")
def test_read_only_file_offers_read_only(qtbot, window, tmp_path, dialogs, monkeypatch):
    path = demo_file(tmp_path)
    path.chmod(0o444)
    monkeypatch.setattr(documents, "ask_open_read_only", lambda *_a: True)
    assert window.open_path(path)
    assert window.controller.read_only


def test_read_only_permission_is_detected(qtbot, window, tmp_path, dialogs, monkeypatch):
    path = demo_file(tmp_path)
    real_access = os.access
    monkeypatch.setattr(
        documents.os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode)
    )
    assert not window.open_path(path)
    (asked,) = dialogs["read_only"]
    assert asked.kind == "readonly"


def test_missing_file(qtbot, window, tmp_path, dialogs):
    assert not window.open_path(tmp_path / "gone.cadence")
    assert dialogs["errors"][0].kind == "missing"


def test_invalid_json_lists_every_error(qtbot, window, tmp_path, dialogs):
    raw = json.loads(dumps_plan(demo_plan()))
    raw["products"][0]["stages"][0]["days"] = 0
    raw["timezone"] = "Mars/Olympus"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert not window.open_path(path)
    (error,) = dialogs["errors"]
    assert error.kind == "invalid"
    assert "products[0].stages[0].days: must be an integer ≥ 1, got 0" in error.details
    assert not (tmp_path / "bad.cadence").exists()


def test_recent_files_are_remembered(qtbot, window, tmp_path, settings):
    a, b = demo_file(tmp_path, "a.cadence"), demo_file(tmp_path, "b.cadence")
    window.open_path(a)
    window.open_path(b)
    assert documents.recent_files(settings)[:2] == [b.resolve(), a.resolve()]
    window._fill_recent()
    names = [act.text() for act in window.recent_menu.actions()]
    assert names[:2] == ["b.cadence", "a.cadence"]


def test_new_document(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "Launch plan.cadence"
    monkeypatch.setattr(documents, "ask_save_path", lambda *_a: target)
    assert window.new_document()
    plan = window.controller.plan
    assert plan.name == "Launch plan" and plan.id == "launch-plan"
    assert [p.name for p in plan.products] == ["First product"]
    assert target.exists()


def test_navigate_switches_tab_and_selects(qtbot, window, tmp_path):
    window.open_path(demo_file(tmp_path))
    window.controller.navigate(NavTarget(product="billing", stage="trial", tab="map"))
    assert window.tabs.currentIndex() == 0
    assert window.side.current_product == "billing"
    assert window.editor.current_stage() == "trial"
    window.controller.navigate(NavTarget(product="analytics", touch="digest"))
    assert window.editor.current_touch() == "digest"
    assert window.editor.map.selected_touch == "digest"
    calls = []
    window.calendar.go_to = calls.append  # whatever widget is there gets the day
    window.controller.navigate(NavTarget(day=date(2027, 3, 4), tab="calendar"))
    assert window.tabs.currentIndex() == 1
    # The calendar may also listen itself, and opening the document set its first day.
    assert calls and calls[-1] == date(2027, 3, 4)


def test_delete_product_asks_first(qtbot, window, tmp_path, dialogs):
    window.open_path(demo_file(tmp_path))
    window.side.select_product("mobile")
    assert window.delete_product()
    assert "Field Mobile" in dialogs["confirm"][0][1]
    assert window.controller.plan.product("mobile") is None
    window.controller.undo_stack.undo()
    assert window.controller.plan.product("mobile") is not None


def test_status_bar_counts(qtbot, window, tmp_path):
    window.open_path(demo_file(tmp_path))
    assert window.status.occurrences.text() == "894 occurrences"
    assert window.status.gaps.text() == (
        "⚠ 194 gaps (45 unowned, 9 silence, 29 hand-off, 97 spacing, 3 capacity, "
        "7 content, 4 coverage)"
    )
    resize_aware(window, 15)
    assert window.status.saved.text().startswith("saved ")


def test_theme_switch_keeps_working(qtbot, window, settings):
    window.set_theme("dark")
    assert settings.value("theme") == "dark"
    window.set_theme("light")
    assert window.palette().window().color().name() == "#f3f4f6"


def test_missing_widget_gets_a_placeholder(qtbot):
    from ui.main_window import optional_widget

    widget = optional_widget("ui.not_there", "Nothing", None, None, "Later")  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    assert widget.objectName() == "placeholder"


def test_command_line_usage(capsys):
    assert app_module.main(["--nope"]) == 2
    assert app_module.main(["plan.txt"]) == 2
    assert "usage" in capsys.readouterr().err


def test_export_and_print_open_the_other_widgets(qtbot, window, tmp_path, monkeypatch):
    import ui.export_dialog
    import ui.printing

    window.open_path(demo_file(tmp_path))
    seen = []

    class FakeExport:
        def __init__(self, controller, parent):
            seen.append(("export", controller, parent))

        def exec(self):
            return 0

    monkeypatch.setattr(ui.export_dialog, "ExportDialog", FakeExport)
    monkeypatch.setattr(
        ui.printing,
        "print_dialog",
        lambda controller, parent: seen.append(("print", controller, parent)),
    )
    window.act_export.trigger()
    window.act_print.trigger()
    assert seen == [
        ("export", window.controller, window),
        ("print", window.controller, window),
    ]
    assert window.act_export.shortcut().toString() == "Ctrl+E"
    assert window.act_print.shortcut().toString() == "Ctrl+P"


def test_plan_vs_actual_is_a_tab_and_compare_opens_the_what_if_panel(qtbot, window):
    from ui.actuals_view import ActualsView
    from ui.diff_panel import DiffPanel

    titles = [
        "Cycle map",
        "Calendar",
        "Requests",
        "Workload",
        "Plan vs actual",
        "Content",
        "Meetings",
    ]
    window.resize(1440, 900)
    qtbot.waitUntil(lambda: window.size().toTuple() == (1440, 900))
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == titles
    window.resize(1024, 700)  # too narrow for the titles: icons, titles in tooltips
    qtbot.waitUntil(lambda: window.size().toTuple() == (1024, 700))
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [""] * 7
    assert [window.tabs.tabToolTip(i) for i in range(window.tabs.count())] == titles
    bar = window.tabs.tabBar()
    assert [bar.accessibleTabName(i) for i in range(bar.count())] == titles
    window.tab_actions[4].trigger()  # Ctrl+5
    assert window.tab_actions[4].shortcut().toString() == "Ctrl+5"
    assert window.tabs.currentIndex() == 4
    assert isinstance(window.actuals, ActualsView)
    assert not window.diff_dock.isVisible()
    window.act_compare.trigger()  # Plan ▸ Compare with… (Ctrl+Shift+D)
    assert window.diff_dock.isVisible()
    assert isinstance(window.diff_panel, DiffPanel)
    assert window.diff_panel.summary.text() == "no changes"
