"""No traceback, whatever the input (issue 13): each case exits 2 with a message
naming the field, and leaves the files as they were."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cadence.demo import demo_plan_text
from cadence.store import save_plan_document
from cli.commands.common import read_plan
from cli.main import main

PLANS = Path(__file__).parent / "plans"


def demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo_plan_text())
    return data


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err.strip()


def write(tmp_path: Path, data: Any, name: str = "plan.json") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def test_json_nested_thousands_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep_list = write(tmp_path, "[" * 100_000 + "]" * 100_000)
    assert run(capsys, "validate", str(deep_list)) == (
        2,
        f"{deep_list}: 1 error\n  plan.json: objects and lists nested too deeply to read",
    )
    raw = demo()
    raw["calendar"]["blackouts"] = [{"name": json.loads("[" * 50 + "]" * 50)}]
    nested = write(tmp_path, raw, "nested.json")
    code, err = run(capsys, "validate", str(nested))
    assert code == 2
    assert "calendar.blackouts[0].name" in err and "nested more than 20 levels deep" in err


def test_list_inside_workdays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = demo()
    raw["calendar"]["workdays"] = [["mon"], "tue", "tue"]
    path = write(tmp_path, raw)
    assert run(capsys, "validate", str(path)) == (
        2,
        f"{path}: 1 error\n"
        '  calendar.workdays[0]: unknown weekday ["mon"] (one of: mon, tue, wed, thu, fri, sat, sun)',
    )


@pytest.mark.parametrize("bad", [["x"], {"a": 1}])
def test_list_or_object_where_an_id_belongs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: Any
) -> None:
    raw = demo()
    raw["products"][0]["touches"][0]["stage"] = bad
    raw["products"][0]["touches"][1]["id"] = bad
    raw["requests"][0]["id"] = bad
    raw["broadcasts"][0]["products"] = [bad]
    path = write(tmp_path, raw)
    code, err = run(capsys, "validate", str(path))
    shown = json.dumps(bad)
    assert code == 2
    assert err.splitlines()[1:] == [
        f"  products[0].touches[0].stage: unknown stage {shown} "
        "(stages: aware, consider, qualify, negotiate, onboard)",
        "  products[0].touches[1].id: must be an id of lower-case letters, digits, '-' and '_' "
        f"starting with a letter or digit, got {shown}",
        f"  broadcasts[0].products[0]: unknown product {shown} (products: analytics, billing, mobile)",
        "  requests[0].id: must be an id of lower-case letters, digits, '-' and '_' "
        f"starting with a letter or digit, got {shown}",
    ]


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_updated_near_year_1_or_9999(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stamp: str
) -> None:
    raw = demo()
    raw["updated"] = stamp
    path = write(tmp_path, raw)
    assert run(capsys, "validate", str(path)) == (
        2,
        f'{path}: 1 error\n  updated: must be a date-time from 1900-01-01 to 2999-12-31, got "{stamp}"',
    )


def test_lone_surrogate_is_refused_before_any_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = demo()
    raw["products"][1]["touches"][0]["name"] = "Welcome \ud800"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(raw))  # ASCII JSON with the escape \ud800
    message = (
        f"{path}: 1 error\n"
        "  products[1].touches[0].name: not valid Unicode (a lone surrogate?): 'Welcome \\ud800'"
    )
    for command in (["validate"], ["schedule"], ["gaps"], ["requests"]):
        assert run(capsys, *command, str(path)) == (2, message)
    assert run(capsys, "convert", str(path), str(tmp_path / "p.cadence"))[0] == 2
    assert not (tmp_path / "p.cadence").exists()


def test_integers_beyond_64_bits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = demo()
    raw["teams"][0]["weekly_capacity"] = 2**63
    raw["products"][0]["cohorts"]["size"] = 2**64
    raw["studio"]["capacity_per_day"] = 10**30
    path = write(tmp_path, raw)
    assert run(capsys, "convert", str(path), str(tmp_path / "p.cadence")) == (
        2,
        f"{path}: 3 errors\n"
        "  teams[0].weekly_capacity: must be at most 1000000, got 9223372036854775808\n"
        "  products[0].cohorts.size: must be at most 1000000, got 18446744073709551616\n"
        "  studio.capacity_per_day: must be at most 1000000, got 1000000000000000000000000000000",
    )
    assert not (tmp_path / "p.cadence").exists()
    huge = write(tmp_path, json.dumps(demo())[:-1] + ', "x": ' + "9" * 5000 + "}", "huge.json")
    code, err = run(capsys, "validate", str(huge))
    assert code == 2 and "invalid JSON (Exceeds the limit (4300 digits)" in err


def test_timezone_naming_a_folder_is_reported_with_the_other_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = demo()
    raw["timezone"] = "America"
    raw["teams"][0]["color"] = "red"
    path = write(tmp_path, raw)
    assert run(capsys, "validate", str(path)) == (
        2,
        f"{path}: 2 errors\n"
        '  timezone: unknown time zone "America" (an IANA name such as "Europe/Berlin")\n'
        '  teams[0].color: must be a colour "#rrggbb", got "red"',
    )


def test_duplicate_keys_are_reported_with_their_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(demo(), indent=1)
    text = text.replace('"name": "Sales development"', '"name": "SDR", "name": "Sales development"')
    text = text.replace('"timezone":', '"timezone": "UTC", "timezone":', 1)
    path = write(tmp_path, text)
    assert run(capsys, "validate", str(path)) == (
        2,
        f"{path}: 2 errors\n"
        "  timezone: given twice in the same object (keep one)\n"
        "  teams[1].name: given twice in the same object (keep one)",
    )


def test_a_missing_required_field_is_reported_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = demo()
    del raw["teams"][0]["name"]
    del raw["products"][0]["touches"][0]["owner"]
    path = write(tmp_path, raw)
    assert run(capsys, "validate", str(path)) == (
        2,
        f"{path}: 2 errors\n  teams[0].name: required\n  products[0].touches[0].owner: required",
    )


def test_damaged_boolean_in_a_document_names_table_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plan.cadence"
    save_plan_document(read_plan(write(tmp_path, demo())), path)
    con = sqlite3.connect(path)
    con.execute("UPDATE touch SET automated='abc' WHERE pk=3")
    con.commit()
    con.close()
    before = path.read_bytes()
    assert run(capsys, "validate", str(path)) == (
        2,
        f"{path}: the document is damaged: table 'touch', row 3: automated must be 0 or 1, "
        "got 'abc'",
    )
    assert path.read_bytes() == before


def test_requests_after_a_multi_year_blackout_do_not_stop_exports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = json.loads((PLANS / "requests_queue.json").read_text())
    raw["calendar"]["blackouts"] = [{"name": "closed", "start": "2027-03-01", "end": "2031-12-31"}]
    path = write(tmp_path, raw)
    assert main(["export", str(path), "-o", str(tmp_path / "out.ics")]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote {tmp_path / 'out.ics'}: 2 events")
    assert main(["requests", str(path), "--json"]) == 0
    slots = json.loads(capsys.readouterr().out)["requests"]
    assert [(q["id"], q["slot"]["start"]) for q in slots if q["slot"]] == [
        ("webinar-deck", "2032-01-02"),
        ("roi-acme", "2032-01-06"),
    ]


# --- full disks and folders we may not write ---------------------------------------------------


def _tiny_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every SQLite connection of the store hits "database or disk is full" on growth."""
    from cadence.store import document

    original = document._enable_pragmas

    def full(dbapi_conn: sqlite3.Connection, record: object) -> None:
        original(dbapi_conn, record)
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={max(pages, 1)}")

    monkeypatch.setattr(document, "_enable_pragmas", full)


def test_document_writes_on_a_full_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(PLANS / "requests_queue.json", tmp_path / "plan.json")
    path = tmp_path / "plan.cadence"
    assert main(["convert", str(tmp_path / "plan.json"), str(path)]) == 0
    capsys.readouterr()
    before = path.read_bytes()
    _tiny_database(monkeypatch)
    code, err = run(
        capsys, "request-status", str(path), "roi-acme", "declined", "--note", "x" * 9000
    )
    assert (code, err) == (2, f"{path}: database or disk is full; nothing was written")
    assert path.read_bytes() == before
    code, err = run(capsys, "convert", str(tmp_path / "plan.json"), str(tmp_path / "new.cadence"))
    assert (code, err) == (
        2,
        f"{tmp_path / 'new.cadence'}: database or disk is full; nothing was written",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.cadence", "plan.json"]


def _no_space(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_json_save_and_export_on_a_full_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.json"
    shutil.copy(PLANS / "requests_queue.json", path)
    before = path.read_bytes()
    monkeypatch.setattr(os, "fsync", _no_space)
    code, err = run(capsys, "request-status", str(path), "roi-acme", "scheduled")
    assert (code, err) == (
        2,
        f"{path}: cannot write (No space left on device); nothing was written",
    )
    code, err = run(capsys, "export", str(path), "-o", str(tmp_path / "out.ics"))
    assert (code, err) == (
        2,
        f"{tmp_path / 'out.ics'}: cannot write (No space left on device); nothing was written",
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_save_where_the_lock_file_cannot_be_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only folder (simulated: the tests may run as root, who writes anywhere)."""
    from cadence.store import lock

    path = tmp_path / "plan.json"
    shutil.copy(PLANS / "requests_queue.json", path)
    real_open = os.open

    def refuse_lock(file: Any, flags: int, mode: int = 0o777) -> int:
        if str(file).endswith(".lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real_open(file, flags, mode)

    monkeypatch.setattr(lock.os, "open", refuse_lock)
    for name in ("plan.json", "plan.cadence"):
        target = tmp_path / name
        if name.endswith(".cadence"):
            monkeypatch.undo()
            save_plan_document(read_plan(path), target)
            monkeypatch.setattr(lock.os, "open", refuse_lock)
        code, err = run(capsys, "request-status", str(target), "roi-acme", "scheduled")
        assert code == 2
        assert err.startswith(f"{target}: cannot create the lock file .~{name}.lock in ")
        assert err.endswith("(Permission denied) (the folder is read-only); nothing was written")


def test_standard_output_on_a_full_disk(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write(tmp_path, demo())
    run_cli = "import sys; from cli.main import main; sys.exit(main(sys.argv[1:]))"
    results = []
    with open("/dev/full", "w") as full:
        for command in (["validate"], ["schedule"], ["export", "-o", "-"]):
            argv = [command[0], str(path), *command[1:]]
            done = subprocess.run(
                [sys.executable, "-c", run_cli, *argv],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            results.append((done.returncode, done.stderr.strip()))
    assert results == [
        (2, "cannot write to standard output (No space left on device)"),
        (2, "cannot write to standard output (No space left on device)"),
        (2, "cannot write to standard output (No space left on device)"),
    ]
