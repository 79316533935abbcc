"""The holiday facts the app keeps on disk (cadence.holiday_cache): same answers, no import."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cadence import calendar, holiday_cache
from cadence.model import HolidayRule

BERLIN = HolidayRule("DE", "BE")


def _forget_in_memory() -> None:
    for cached in (
        calendar.holiday_names,
        calendar.default_holiday_language,
        calendar.supported_countries,
        calendar.working_days,
    ):
        cached.cache_clear()


@pytest.fixture
def folder(tmp_path):
    _forget_in_memory()
    holiday_cache.use_folder(tmp_path)
    yield tmp_path
    holiday_cache.use_folder(None)
    _forget_in_memory()


def test_the_first_answer_is_written_and_the_next_run_reads_it(folder):
    names = calendar.holiday_names(BERLIN, (2027,))
    assert len(names) == 10
    assert names[date(2027, 3, 8)] == "Women's Day"
    assert "BE" in calendar.supported_countries()["DE"]
    stored = json.loads((folder / "holidays.json").read_text(encoding="utf-8"))
    assert stored["release"] == holiday_cache.package_release()
    assert stored["languages"] == {"DE": "en_US"}
    assert stored["names"]["DE/BE/en_US/2027-2027"]["2027-10-03"] == "German Unity Day"
    assert "BE" in stored["subdivisions"]["DE"]
    # A new run: the file answers, with the same table.
    _forget_in_memory()
    holiday_cache.use_folder(folder)
    assert calendar.holiday_names(BERLIN, (2027,)) == names


def test_the_release_is_the_one_the_package_metadata_names():
    from importlib import metadata

    # Read from the dist-info folder's name, the same answer as the metadata reader's.
    assert holiday_cache.package_release() == metadata.version("holidays")


def test_a_file_from_another_release_or_damaged_is_ignored(folder):
    path = folder / "holidays.json"
    path.write_text(
        json.dumps({"release": "0.0", "names": {"DE/BE/en_US/2027-2027": {"2027-01-02": "Fake"}}}),
        encoding="utf-8",
    )
    names = calendar.holiday_names(BERLIN, (2027,))
    assert date(2027, 1, 2) not in names and names[date(2027, 1, 1)] == "New Year's Day"
    path.write_text("{not json", encoding="utf-8")
    _forget_in_memory()
    holiday_cache.use_folder(folder)
    assert calendar.holiday_names(BERLIN, (2027,)) == names


def test_an_unwritable_folder_only_means_no_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    _forget_in_memory()
    holiday_cache.use_folder(blocker / "cache")  # a folder inside a file cannot exist
    try:
        assert calendar.holiday_names(BERLIN, (2027,))[date(2027, 3, 8)] == "Women's Day"
    finally:
        holiday_cache.use_folder(None)
        _forget_in_memory()


def test_with_the_facts_on_disk_a_plan_calendar_needs_no_holidays_import(folder):
    # What validating and scheduling a Berlin plan asks, once (this writes the file).
    calendar.working_days(calendar_of_berlin(), date(2027, 1, 4), date(2027, 12, 31))
    assert "BE" in calendar.supported_countries()["DE"]
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from cadence import calendar, holiday_cache\n"
        "from cadence.model import HolidayRule, WorkCalendar\n"
        f"holiday_cache.use_folder(Path({str(folder)!r}))\n"
        "cal = WorkCalendar(holidays=HolidayRule('DE', 'BE'))\n"
        "days = calendar.working_days(cal, date(2027, 1, 4), date(2027, 12, 31))\n"
        "assert 'BE' in calendar.supported_countries()['DE']\n"
        "print(days.reason(date(2027, 3, 8)), 'holidays' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "holiday: Women's Day False"


def calendar_of_berlin():
    from cadence.model import WorkCalendar

    return WorkCalendar(holidays=BERLIN)
