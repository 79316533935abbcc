"""Print / Export PDF: the month grid and the agenda as text documents and text PDFs."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from PySide6.QtWidgets import QFileDialog

from ui._cal_common import CalendarFilter
from ui.printing import PrintDialog, agenda_document, build_document, export_pdf, month_document

SDR = CalendarFilter(teams=frozenset({"sdr"}))


def pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
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
    # A 5-week month lists up to 8 entries a cell: Mar 25 has 12 → 7 and "+5 more".
    assert "+5 more" in text
    assert "■ ✉ Trial nudge · Billing 01…" in text  # elided to one line of the column


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
    assert "Tue 09 Mar 2027 · 1 entry" in text
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
