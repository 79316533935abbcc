"""The export dialog: background iCal/CSV/JSON export with progress, Cancel and memory."""

from __future__ import annotations

import csv
import gc
import json
import weakref
from datetime import date

import icalendar
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from PySide6.QtCore import QDate, QSettings

from cadence.formats.plan_json import loads_plan
from ui.export_dialog import ExportDialog, run_export


@pytest.fixture
def settings(tmp_path):
    # Never the user's configuration: an ini file in the test's folder.
    return QSettings(str(tmp_path / "settings" / "cadence.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialog(qtbot, controller, settings):
    widget = ExportDialog(controller, settings=settings)
    qtbot.addWidget(widget)
    return widget


def export(qtbot, dialog, expected="done"):
    with qtbot.waitSignal(dialog.sig_done, timeout=20_000) as blocker:
        assert dialog.start_export()
        assert dialog.is_running()
        assert not dialog.export_button.isEnabled()
        assert dialog.cancel_button.isEnabled()
    assert blocker.args == [expected]
    assert not dialog.is_running()


def uids_of_three_parsers(data: bytes) -> tuple[list[str], list[str], list[str]]:
    text = data.decode("utf-8")
    first = [str(e["UID"]) for e in icalendar.Calendar.from_ical(data).walk("VEVENT")]
    second = [e.uid for e in IcsCalendarStream.calendar_from_ics(text).events]
    third = [e.uid.value for e in vobject.readOne(text).vevent_list]
    return first, second, third


def test_ical_export_is_read_by_three_parsers_and_reaches_100_percent(
    qtbot, dialog, controller, tmp_path
):
    target = tmp_path / "northwind.ics"
    dialog.set_format("ics")
    dialog.path_edit.setText(str(target))
    assert dialog.summary.text() == "894 events will be written."
    progress = []
    dialog.progress.valueChanged.connect(progress.append)
    export(qtbot, dialog)
    assert dialog.progress.value() == dialog.progress.maximum() == 894
    assert dialog.progress.text() == "100 %"
    assert progress[-1] == 894
    assert dialog.status.text() == "Wrote 894 events to northwind.ics"
    first, second, third = uids_of_three_parsers(target.read_bytes())
    assert len(first) == 894
    assert first == second == third
    assert first[0] == "northwind-2027.broadcast.alignment.0@cadence"
    assert set(first) == {o.uid for o in controller.occurrences()}


def test_team_export_with_requests_and_gaps(qtbot, dialog, tmp_path):
    target = tmp_path / "ae.ics"
    dialog.team_combo.setCurrentIndex(dialog.team_combo.findData("ae"))
    for part in ("touches", "broadcasts", "requests", "gaps"):
        dialog.include_checks[part].setChecked(True)
    dialog.path_edit.setText(str(target))
    assert dialog.summary.text() == "243 events will be written."
    export(qtbot, dialog)
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    events = cal.walk("VEVENT")
    # Its touches and requests, 28 gaps, and the 50 alignment meetings it takes part in.
    assert len(events) == 165 + 28 + 50
    assert sum(".broadcast.alignment." in str(e["UID"]) for e in events) == 50
    assert str(cal["X-WR-CALNAME"]) == "Northwind nurture plan 2027 — Account executives"
    assert sum(str(e["UID"]).startswith("northwind-2027.gap.") for e in events) == 28


def test_date_range_csv_export(qtbot, dialog, tmp_path):
    target = tmp_path / "march.csv"
    dialog.set_format("csv")
    dialog.whole_range.setChecked(False)
    dialog.from_edit.setDate(QDate(2027, 3, 1))
    dialog.to_edit.setDate(QDate(2027, 3, 31))
    dialog.path_edit.setText(str(target))
    assert dialog.summary.text() == "92 rows will be written."
    export(qtbot, dialog)
    rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
    assert len(rows) == 1 + 92
    assert dialog.status.text() == "Wrote 92 rows to march.csv"


def test_json_export_writes_the_plan(qtbot, dialog, controller, tmp_path):
    target = tmp_path / "plan.json"
    dialog.set_format("json")
    assert not dialog.filter_box.isEnabled()
    dialog.path_edit.setText(str(target))
    export(qtbot, dialog)
    assert loads_plan(target.read_text(encoding="utf-8")) == controller.plan
    assert json.loads(target.read_text(encoding="utf-8"))["id"] == "northwind-2027"


def test_each_export_lets_go_of_its_worker_and_job(qtbot, dialog, tmp_path):
    # The worker holds the job (plan, schedule, gaps): one kept per export was a leak
    # (its deleteLater was posted after its thread had finished, so it never ran).
    dialog.set_format("csv")
    dialog.path_edit.setText(str(tmp_path / "plan.csv"))
    jobs = []
    for _ in range(3):
        with qtbot.waitSignal(dialog.sig_done, timeout=20_000):
            assert dialog.start_export()
            jobs.append(weakref.ref(dialog._worker.job))
    gc.collect()
    assert [job() for job in jobs] == [None, None, None]


def test_cancel_leaves_no_partial_file_and_keeps_the_old_one(qtbot, dialog, tmp_path):
    target = tmp_path / "calendar.ics"
    target.write_bytes(b"previous export")
    dialog.path_edit.setText(str(target))

    def held_runner(job, progress, cancel):
        # Stop after the first chunk until the user cancels (no race with a fast export).
        event = dialog._worker.cancel_event

        def on_progress(done, total):
            progress(done, total)
            if done:
                event.wait(timeout=10)

        return run_export(job, on_progress, cancel)

    dialog.runner = held_runner
    with qtbot.waitSignal(dialog.sig_done, timeout=20_000) as blocker:
        assert dialog.start_export()
        qtbot.waitUntil(lambda: dialog.progress.value() > 0)
        assert not dialog.close_button.isEnabled()
        dialog.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert dialog.status.text() == "Cancelled — nothing was written."
    assert target.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calendar.ics", "settings"]
    # The dialog is ready again.
    assert dialog.export_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_refuses_what_cannot_be_exported(dialog, tmp_path):
    for check in dialog.include_checks.values():
        check.setChecked(False)
    assert dialog.summary.text() == "Choose at least one thing to include."
    dialog.path_edit.setText(str(tmp_path / "x.ics"))
    assert not dialog.start_export()
    assert dialog.status.text() == "⚠ Choose at least one thing to include."
    dialog.include_checks["touches"].setChecked(True)
    dialog.path_edit.setText(str(tmp_path / "missing" / "x.ics"))
    assert not dialog.start_export()
    assert dialog.status.text() == f"⚠ The folder {tmp_path / 'missing'} does not exist."
    dialog.path_edit.setText(str(tmp_path / "x.ics"))
    dialog.whole_range.setChecked(False)
    dialog.from_edit.setDate(QDate(2027, 5, 1))
    dialog.to_edit.setDate(QDate(2027, 4, 1))
    assert dialog.summary.text() == "⚠ --to 2027-04-01 is before --from 2027-05-01"
    assert not dialog.start_export()


def test_the_proposed_file_name_follows_the_team_and_product(dialog, tmp_path):
    folder = tmp_path / "out"
    dialog._propose(folder / "northwind-2027.ics")
    dialog.team_combo.setCurrentIndex(dialog.team_combo.findData("sdr"))
    assert dialog.path_edit.text() == str(folder / "northwind-2027-sdr.ics")
    dialog.product_combo.setCurrentIndex(dialog.product_combo.findData("billing"))
    dialog.set_format("csv")
    assert dialog.path_edit.text() == str(folder / "northwind-2027-sdr-billing.csv")
    dialog.team_combo.setCurrentIndex(0)  # all teams
    assert dialog.path_edit.text() == str(folder / "northwind-2027-billing.csv")
    # A name the user typed stays as it is.
    dialog.path_edit.setText(str(tmp_path / "mine.csv"))
    dialog.product_combo.setCurrentIndex(0)
    assert dialog.path_edit.text() == str(tmp_path / "mine.csv")


def test_remembers_the_last_choices(qtbot, controller, settings, tmp_path):
    first = ExportDialog(controller, settings=settings)
    qtbot.addWidget(first)
    first.set_format("csv")
    first.team_combo.setCurrentIndex(first.team_combo.findData("sdr"))
    first.product_combo.setCurrentIndex(first.product_combo.findData("billing"))
    first.whole_range.setChecked(False)
    first.from_edit.setDate(QDate(2027, 3, 1))
    first.to_edit.setDate(QDate(2027, 3, 31))
    first.include_checks["broadcasts"].setChecked(False)
    first.include_checks["gaps"].setChecked(True)
    first.path_edit.setText(str(tmp_path / "sdr.csv"))
    export(qtbot, first)

    again = ExportDialog(controller, settings=settings)
    qtbot.addWidget(again)
    assert again.format() == "csv"
    assert again.team_combo.currentData() == "sdr"
    assert again.product_combo.currentData() == "billing"
    assert not again.whole_range.isChecked()
    assert again.from_edit.date().toPython() == date(2027, 3, 1)
    assert again.to_edit.date().toPython() == date(2027, 3, 31)
    assert again.include() == {"touches", "requests", "gaps"}
    assert again.path_edit.text() == str(tmp_path / "northwind-2027-sdr-billing.csv")
