"""Five independent iCalendar readers, for tests that must prove an export is accepted
everywhere: libical (Evolution, KDE; its RFC 5545/5546 restriction check), icalendar
(lenient), ical (strict), vobject and ical.js (Thunderbird, web apps).

libical is reached through a small C program built on first use (Debian: libical-dev,
gcc, pkg-config); ical.js through node (``npm ci --prefix tests/js``). Outside CI a
missing tool skips the test that needs it; in CI (``CI`` set, .ci/run installs both)
it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream

HERE = Path(__file__).parent
CHECKER_SOURCE = HERE / "libical_check.c"
JS_READER = HERE.parent / "js" / "read_ics.mjs"
JS_MODULES = HERE.parent / "js" / "node_modules" / "ical.js"
_built: dict[str, Path] = {}


def _missing(what: str) -> None:
    message = f"{what} (see tests/core/ics_readers.py)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def libical_checker() -> Path:
    """The compiled libical checker (built once per test run)."""
    if "checker" in _built:
        return _built["checker"]
    if shutil.which("gcc") is None or shutil.which("pkg-config") is None:
        _missing("gcc and pkg-config are needed to build the libical checker")
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "libical"], capture_output=True, text=True
    )
    if flags.returncode != 0:
        _missing("libical-dev is not installed (apt-get install libical-dev)")
    binary = Path(tempfile.mkdtemp(prefix="libical-check-")) / "libical_check"
    subprocess.run(
        ["gcc", "-O1", "-o", str(binary), str(CHECKER_SOURCE), *flags.stdout.split()],
        check=True,
    )
    _built["checker"] = binary
    return binary


def libical_report(data: bytes, tmp_path: Path) -> str:
    """libical's verdict: "N events, 0 errors" when it accepts the calendar."""
    path = tmp_path / "libical-input.ics"
    path.write_bytes(data)
    done = subprocess.run([str(libical_checker()), str(path)], capture_output=True, text=True)
    return done.stdout.strip()


def icaljs_events(data: bytes, tmp_path: Path) -> list[dict]:
    """The events ical.js reads (uid, start, sequence, status, summary, alarms)."""
    if shutil.which("node") is None:
        _missing("node is not installed")
    if not JS_MODULES.is_dir():
        _missing("ical.js is not installed (npm ci --prefix tests/js)")
    path = tmp_path / "icaljs-input.ics"
    path.write_bytes(data)
    done = subprocess.run(["node", str(JS_READER), str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _start(value: date | datetime) -> str:
    """A start as ical.js prints it: an all-day date, or the UTC instant."""
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"floating time {value}"
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value.isoformat()


def read_everywhere(data: bytes, tmp_path: Path) -> list[tuple[str, str, int]]:
    """(UID, start, SEQUENCE) of every event, after checking that all five readers
    accept the calendar and read the same events."""
    report = libical_report(data, tmp_path)
    assert report.endswith(" 0 errors"), report
    lenient = icalendar.Calendar.from_ical(data)
    expected = [
        (str(e["UID"]), _start(e.decoded("DTSTART")), int(e.get("SEQUENCE", 0)))
        for e in lenient.walk("VEVENT")
    ]
    assert report == f"{len(expected)} events, 0 errors"
    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert [(e.uid, _start(e.dtstart), e.sequence or 0) for e in strict.events] == expected
    loose = vobject.readOne(data.decode("utf-8"))
    vevents = getattr(loose, "vevent_list", [])
    read = [(e.uid.value, _start(e.dtstart.value), int(e.sequence.value)) for e in vevents]
    assert read == expected
    js = [(e["uid"], e["start"], e["sequence"]) for e in icaljs_events(data, tmp_path)]
    assert js == expected
    return expected
