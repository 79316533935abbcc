"""Print / Export PDF: the month grid and the agenda as text documents and text PDFs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from ui._cal_common import CalendarFilter
from ui.printing import PrintDialog, agenda_document, build_document, export_pdf, month_document

SDR = CalendarFilter(teams=frozenset({"sdr"}))
REPO = Path(__file__).resolve().parents[2]


def pdf_text(path, *pages: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def test_month_document_has_header_grid_and_holidays(controller):
    doc = month_document(
        controller.plan, controller.occurrences(), date(2027, 3, 1), date(2027, 3, 31)
    )
    text = doc.toPlainText()
    assert text.startswith("Northwind nurture plan 2027\n")
    assert "Month view · Filter: All entries · Dates: 1 Mar 2027 – 31 Mar 2027" in text
    assert "March 2027 · 92 entries" in text
    assert "Good Friday" in text and "Easter Monday" in text
    # The cells list as many entries as keep the grid on one page (6 for this 5-week
    # month): Mar 25 has 12 → 5 and "+7 more →"; those 7 follow the grid in full.
    assert "+7 more →" in text
    assert "Thu 25 Mar · 7 more of 12" in text
    assert "■ ✉ Trial nudge · Billing 02…" in text  # elided to one line of the column
    assert "■ ✉ Trial nudge · Billing 02-22" in text  # in full after the grid


def test_month_document_names_a_holiday_inside_the_year_end_blackout(controller):
    doc = month_document(
        controller.plan, controller.occurrences(), date(2027, 12, 1), date(2027, 12, 31)
    )
    text = doc.toPlainText()
    assert "Year-end freeze · Christmas Day" in text
    assert "Year-end freeze · Second Day of Christmas" in text


def test_agenda_document_lists_every_filtered_entry(controller):
    doc = agenda_document(
        controller.plan, controller.occurrences(), date(2027, 3, 1), date(2027, 3, 31), SDR
    )
    text = doc.toPlainText()
    assert "Agenda · Filter: Team: Sales development · Dates: 1 Mar 2027 – 31 Mar 2027" in text
    assert text.count("Sales development") == 12 + 1  # 12 entries + the header
    assert "Thu 04 Mar 2027 · 2 entries" in text
    assert "Tue 09 Mar 2027 · 2 entries" in text  # a call and the alignment meeting (rolled)
    assert "Trial review call · Billing 01-25 ↻ (from Mon 08 Mar)" in text


def test_empty_agenda_says_so(controller):
    doc = build_document(
        controller, "agenda", date(2027, 3, 1), date(2027, 3, 31), CalendarFilter(text="zzz")
    )
    assert "No entries in this range." in doc.toPlainText()


def test_bad_arguments_are_refused(controller):
    with pytest.raises(ValueError, match="unknown printout 'poster'"):
        build_document(controller, "poster", date(2027, 3, 1), date(2027, 3, 31))
    with pytest.raises(ValueError, match="before it starts"):
        build_document(controller, "agenda", date(2027, 3, 31), date(2027, 3, 1))


def test_month_pdf_is_a_searchable_text_pdf(controller, tmp_path):
    path = export_pdf(
        controller, tmp_path / "march.pdf", "month", date(2027, 3, 1), date(2027, 4, 30)
    )
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert 5_000 < len(data) < 500_000  # text, not 1200-dpi images
    assert [p.name for p in tmp_path.iterdir()] == ["march.pdf"]  # no temporary file left
    text = pdf_text(path)
    assert "Northwind nurture plan 2027" in text
    assert "Month view · Filter: All entries · Dates: 1 Mar 2027 – 30 Apr 2027" in text
    assert "March 2027 · 92 entries" in text
    assert "April 2027 · 100 entries" in text
    assert "Good Friday" in text


def test_agenda_pdf_with_a_filter(controller, tmp_path):
    path = export_pdf(
        controller, tmp_path / "sdr.pdf", "agenda", date(2027, 3, 1), date(2027, 3, 31), SDR
    )
    text = pdf_text(path)
    assert "Agenda · Filter: Team: Sales development · Dates: 1 Mar 2027 – 31 Mar 2027" in text
    assert "SDR intro call" in text
    assert "Blog digest" not in text  # a Marketing touch


def test_print_dialog_exports_the_chosen_pdf(controller, tmp_path, qtbot, monkeypatch):
    dialog = PrintDialog(controller, filters=SDR, start=date(2027, 3, 1), end=date(2027, 3, 31))
    qtbot.addWidget(dialog)
    assert dialog.filter_label.text() == "Team: Sales development"
    dialog.agenda_radio.setChecked(True)
    target = tmp_path / "chosen"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "PDF (*.pdf)"))
    )
    written = dialog.export_pdf()
    assert written == tmp_path / "chosen.pdf"
    assert dialog.status.text() == "Wrote chosen.pdf"
    assert "SDR intro call" in pdf_text(written)


def march_entries(controller):
    """(name, times listed) of every entry of March 2027, one per day it is on."""
    from ui.printing import _index

    index = _index(controller.plan, controller.occurrences(), CalendarFilter())
    return [
        occ for _d, entries in index.days(date(2027, 3, 1), date(2027, 3, 31)) for occ in entries
    ]


def test_a_printed_month_fits_its_page_and_lists_every_entry(controller, tmp_path):
    path = export_pdf(
        controller, tmp_path / "march.pdf", "month", date(2027, 3, 1), date(2027, 3, 31)
    )
    first_page = pdf_text(path, "-f", "1", "-l", "1")
    # The whole grid is on page 1: its last week (29 Mar – 4 Apr) did not spill over.
    assert "Easter Monday" in first_page
    assert "continued" not in first_page
    second_page = pdf_text(path, "-f", "2", "-l", "2")
    assert second_page.lstrip().startswith("March 2027 (continued)")
    # Every entry is on paper: one "■" per entry and day, in the grid or after it.
    text = pdf_text(path)
    entries = march_entries(controller)
    assert text.count("■") == len(entries) == 93
    flat = " ".join(text.split())
    for occ in entries:
        assert occ.name[:12] in flat, occ.name


def test_print_command_writes_the_month_and_the_agenda(tmp_path, controller):
    from cadence.formats.plan_json import plan_to_dict

    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_to_dict(controller.plan), default=str))
    main = [sys.executable, str(REPO / "main.py"), "print", str(plan_file)]
    month = tmp_path / "march.pdf"
    done = subprocess.run(
        [*main, "--month", "2027-03", "-o", str(month)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Wrote the month 2027-03-01 – 2027-03-31 to {month}\n"
    assert pdf_text(month).count("■") == 93
    sdr = tmp_path / "sdr.pdf"
    done = subprocess.run(
        [*main, "--month", "2027-03", "--team", "sdr", "-o", str(sdr)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Filter: Team: Sales development" in pdf_text(sdr)
    agenda = tmp_path / "agenda.pdf"
    done = subprocess.run(
        [*main, "--agenda", "2027-03-01", "2027-03-07", "-o", str(agenda)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Agenda · Filter: All entries · Dates: 1 Mar 2027 – 7 Mar 2027" in pdf_text(agenda)
    bad = subprocess.run(
        [*main, "--month", "2027-03", "--team", "ghost", "-o", str(tmp_path / "x.pdf")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith('unknown team "ghost" (teams: mkt, sdr, ae, cs)')
    assert not (tmp_path / "x.pdf").exists()
