"""Change files (``export --changes-since``), reminders, and exports that depend on the plan alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    assert main(["demo", "-o", str(path)]) == 0
    return path


class Importer:
    """A calendar that imports files the way RFC 5545/5546 clients do: by UID,
    replacing an event only with a higher SEQUENCE (or the same SEQUENCE and a
    later DTSTAMP), and deleting it on STATUS:CANCELLED."""

    def __init__(self) -> None:
        self.events: dict[str, tuple[int, str, str, str]] = {}  # uid → seq, stamp, start, summary

    def apply(self, data: bytes) -> None:
        for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            uid = str(event["UID"])
            sequence = int(event.get("SEQUENCE", 0))
            stamp = event["DTSTAMP"].to_ical().decode()
            held = self.events.get(uid)
            if held is not None and (sequence, stamp) <= (held[0], held[1]):
                continue  # an older or equal revision: ignored
            if str(event.get("STATUS", "")) == "CANCELLED":
                self.events.pop(uid, None)
                continue
            start = event["DTSTART"].to_ical().decode()
            self.events[uid] = (sequence, stamp, start, str(event["SUMMARY"]))

    def view(self) -> dict[str, tuple[str, str]]:
        return {uid: (start, summary) for uid, (_s, _t, start, summary) in self.events.items()}


def _edit(source: Path, target: Path) -> None:
    """Lengthen the first stage, remove a touch, reword another (text only)."""
    plan = json.loads(source.read_text(encoding="utf-8"))
    product = plan["products"][0]
    product["stages"][0]["days"] += 3
    product["touches"] = [t for t in product["touches"] if t["id"] != "webinar"]
    for touch in product["touches"]:
        if touch["id"] == "welcome":
            touch["name"] = "Welcome aboard"
    target.write_text(json.dumps(plan), encoding="utf-8")


def test_change_file_brings_an_imported_calendar_in_line(demo_file, tmp_path, capsys):
    full = tmp_path / "full.ics"
    assert main(["export", str(demo_file), "-o", str(full)]) == 0
    importer = Importer()
    importer.apply(full.read_bytes())
    edited = tmp_path / "edited.json"
    _edit(demo_file, edited)
    changes = tmp_path / "changes.ics"
    capsys.readouterr()
    assert main(["export", str(edited), "-o", str(changes), "--changes-since", str(full)]) == 0
    message = capsys.readouterr().out.strip()
    assert message.startswith(f"Wrote {changes}: ")
    assert message.endswith(f"cancelled since {full} — Northwind nurture plan 2027")
    change_events = icalendar.Calendar.from_ical(changes.read_bytes()).walk("VEVENT")
    cancelled = [e for e in change_events if str(e.get("STATUS")) == "CANCELLED"]
    fresh_bytes = _export(edited, tmp_path / "fresh.ics")
    before = {str(e["UID"]) for e in icalendar.Calendar.from_ical(full.read_bytes()).walk("VEVENT")}
    after = {str(e["UID"]) for e in icalendar.Calendar.from_ical(fresh_bytes).walk("VEVENT")}
    assert sorted(str(e["UID"]) for e in cancelled) == sorted(before - after)
    assert any(".analytics.webinar." in str(e["UID"]) for e in cancelled)
    assert {int(e["SEQUENCE"]) for e in change_events} == {1}
    reworded = [e for e in change_events if ".analytics.welcome." in str(e["UID"])]
    assert reworded and all(str(e["SUMMARY"]).startswith("Welcome aboard") for e in reworded)
    assert (
        f"{len(change_events) - len(cancelled)} new or changed events and {len(cancelled)}"
        in message
    )
    importer.apply(changes.read_bytes())
    fresh = Importer()
    fresh.apply(fresh_bytes)
    assert importer.view() == fresh.view()
    # Applying the change file again changes nothing.
    importer.apply(changes.read_bytes())
    assert importer.view() == fresh.view()


def _export(plan: Path, out: Path) -> bytes:
    assert main(["export", str(plan), "-o", str(out), "--no-sequence"]) == 0
    return out.read_bytes()


def test_change_file_of_an_unchanged_plan_is_empty(demo_file, tmp_path, capsys):
    full = tmp_path / "full.ics"
    assert main(["export", str(demo_file), "-o", str(full)]) == 0
    changes = tmp_path / "changes.ics"
    assert main(["export", str(demo_file), "-o", str(changes), "--changes-since", str(full)]) == 0
    assert b"BEGIN:VEVENT" not in changes.read_bytes()
    assert "0 new or changed events and 0 cancelled" in capsys.readouterr().out


def test_change_file_needs_a_cadence_export_to_compare_with(demo_file, tmp_path, capsys):
    out = tmp_path / "changes.ics"
    missing = tmp_path / "none.ics"
    assert main(["export", str(demo_file), "-o", str(out), "--changes-since", str(missing)]) == 2
    assert (
        f"--changes-since {missing}: cannot read (No such file or directory)"
        in capsys.readouterr().err
    )
    foreign = tmp_path / "foreign.ics"
    foreign.write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//Other//EN\r\nEND:VCALENDAR\r\n")
    assert main(["export", str(demo_file), "-o", str(out), "--changes-since", str(foreign)]) == 2
    assert "not a calendar exported by Cadence" in capsys.readouterr().err
    assert (
        main(["export", str(demo_file), "-o", str(foreign), "--changes-since", str(foreign)]) == 2
    )
    assert "write the change file elsewhere" in capsys.readouterr().err
    sheet = tmp_path / "x.csv"
    assert main(["export", str(demo_file), "-o", str(sheet), "--changes-since", str(foreign)]) == 2
    assert "--changes-since: only for .ics exports" in capsys.readouterr().err
    assert not out.exists() and not sheet.exists()


def test_alarm_reminds_the_owner_of_manual_touches_only(demo_file, tmp_path, capsys):
    out = tmp_path / "sdr.ics"
    assert main(["export", str(demo_file), "-o", str(out), "--team", "sdr", "--alarm", "30m"]) == 0
    events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    manual = [e for e in events if "Manual (done by a person)" in str(e["DESCRIPTION"])]
    assert manual and len(manual) < len(events)
    for event in events:
        alarms = event.walk("VALARM")
        assert len(alarms) == (1 if event in manual else 0)
    alarm = manual[0].walk("VALARM")[0]
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].to_ical() == b"-PT30M"
    assert main(["export", str(demo_file), "-o", str(out), "--alarm", "soon"]) == 2
    assert "--alarm: cannot read 'soon' (use minutes, hours or days" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "trigger"), [("30m", "-PT30M"), ("2h", "-PT2H"), ("1d", "-P1D"), ("1h30m", "-PT90M")]
)
def test_alarm_texts(text, trigger):
    from cadence.formats.ical import _trigger, parse_alarm

    assert _trigger(parse_alarm(text)) == trigger


def _export_in(env_changes: dict[str, str | None], plan: Path, out: Path, *extra: str) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "export", str(plan), "-o", str(out), "--no-sequence", *extra],
        check=True, env=env, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    return out.read_bytes()


def test_export_does_not_depend_on_the_locale(demo_file, tmp_path):
    plan = json.loads(demo_file.read_text(encoding="utf-8"))
    plan["updated"] = "2026-12-01T10:00:00Z"  # stamps from the plan, not the clock
    demo_file.write_text(json.dumps(plan), encoding="utf-8")
    c_locale = _export_in({"LANG": "C.UTF-8"}, demo_file, tmp_path / "c.ics")
    no_locale = _export_in({}, demo_file, tmp_path / "none.ics")
    german = _export_in({"LANGUAGE": "de", "LANG": "de_DE.UTF-8"}, demo_file, tmp_path / "de.ics")
    assert c_locale == no_locale == german
    assert _unfolded(c_locale).count("holiday: Women's Day") == 6
    chosen = _export_in(
        {"LANG": "C.UTF-8"}, demo_file, tmp_path / "x.ics", "--holiday-language", "de"
    )
    assert _unfolded(chosen).count("holiday: Frauentag") == 6


def _unfolded(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "")


def test_output_that_is_a_folder_or_a_full_device_is_a_clear_error(
    demo_file, tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "calendars"
    folder.mkdir()
    assert main(["export", str(demo_file), "-o", str(folder), "--format", "ics"]) == 2
    assert (
        f"{folder}: is a folder; write to a regular file (or - for standard output)"
        in capsys.readouterr().err
    )
    out = tmp_path / "full.ics"
    out.write_bytes(b"previous")
    real_fdopen = os.fdopen

    class FullDevice:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDevice(real_fdopen(fd, mode)))
    assert main(["export", str(demo_file), "-o", str(out)]) == 2
    assert (
        f"{out}: cannot write (No space left on device); nothing was written"
        in capsys.readouterr().err
    )
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calendars", "demo.json", "full.ics"]


def test_standard_output_on_a_full_device_is_a_clear_error(demo_file):
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "export", str(demo_file), "-o", "-"],
            stdout=full, stderr=subprocess.PIPE, cwd=ROOT,
        )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.decode().strip() == "cannot write to standard output (No space left on device)"
    )
