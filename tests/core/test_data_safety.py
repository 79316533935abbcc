"""Nothing lost (issue 13): concurrent saves, the app's lock, exports over their input,
writes that would not read back, stale locks and half-finished transactions.

The command line runs in child processes here, as users run it, so the OS
locks are exercised for real.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from cadence.store import DocumentLocked, open_document, save_plan_document
from cadence.store.lock import lock_path_for
from cli.commands.common import read_plan
from cli.main import main

PLANS = Path(__file__).parent / "plans"
RUN_CLI = "import sys; from cli.main import main; sys.exit(main(sys.argv[1:]))"


def cli_process(*args: str, wait: str = "60") -> subprocess.Popen[str]:
    env = {**os.environ, "CADENCE_LOCK_WAIT": wait}
    return subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def request_args(path: Path, title: str) -> list[str]:
    return [
        "request", str(path), "--product", "analytics", "--stage", "close",
        "--title", title, "--requested-by", "ae", "--needed-by", "2027-06-30",
        "--days", "2", "--on", "2027-03-01", "--save",
    ]  # fmt: skip


@pytest.fixture(params=[".json", ".cadence"])
def studio_plan(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    target = tmp_path / f"plan{request.param}"
    if request.param == ".json":
        shutil.copy(PLANS / "requests_studio.json", target)
    else:
        save_plan_document(read_plan(PLANS / "requests_studio.json"), target)
    return target


# --- concurrent saves ----------------------------------------------------------------


def test_eight_simultaneous_saves_keep_all_eight(studio_plan: Path) -> None:
    titles = [f"Piece {n}" for n in range(8)]
    children = [cli_process(*request_args(studio_plan, t)) for t in titles]
    results = [(c.wait(timeout=120), c.stderr.read() if c.stderr else "") for c in children]
    for child in children:
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()
    assert [code for code, _ in results] == [0] * 8, results
    saved = read_plan(studio_plan)
    assert sorted(q.title for q in saved.requests) == titles
    assert len({q.id for q in saved.requests}) == 8
    assert not lock_path_for(studio_plan).exists()


def test_save_that_cannot_get_the_lock_says_so_and_writes_nothing(studio_plan: Path) -> None:
    before = studio_plan.read_bytes()
    from cadence.store import lock

    held = lock.acquire(studio_plan)
    try:
        child = cli_process(*request_args(studio_plan, "Blocked"), wait="0.2")
        _out, err = child.communicate(timeout=60)
    finally:
        held.release()
    assert child.returncode == 2
    assert f"({getpass.getuser()} on {socket.gethostname()} (process {os.getpid()}))" in err
    assert "nothing was written" in err
    if studio_plan.suffix == ".json":
        assert studio_plan.read_bytes() == before
    assert read_plan(studio_plan).requests == ()


# --- the app's lock --------------------------------------------------------------------


def test_cli_honours_the_apps_lock_and_the_app_keeps_saving(tmp_path: Path) -> None:
    path = tmp_path / "plan.cadence"
    save_plan_document(read_plan(PLANS / "requests_studio.json"), path)
    app = open_document(path, lock=True)  # what a Cadence window holds while editing
    try:
        plan = app.load()
        child = cli_process(*request_args(path, "From the CLI"), wait="0.2")
        _out, err = child.communicate(timeout=60)
        assert child.returncode == 2
        assert "open in another Cadence window or command" in err
        assert str(os.getpid()) in err
        # The app's document was not replaced underneath: it still saves.
        app.save(replace(plan, name="Renamed in the app"))
    finally:
        app.close()
    assert read_plan(path).name == "Renamed in the app"
    # Once the window is closed, the command line saves.
    child = cli_process(*request_args(path, "From the CLI"))
    assert child.wait(timeout=60) == 0, child.stderr.read() if child.stderr else ""
    child.communicate()
    after = read_plan(path)
    assert (after.name, [q.title for q in after.requests]) == (
        "Renamed in the app",
        ["From the CLI"],
    )


def test_convert_force_refuses_a_document_open_in_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADENCE_LOCK_WAIT", "0")
    path = tmp_path / "plan.cadence"
    save_plan_document(read_plan(PLANS / "requests_studio.json"), path)
    before = path.read_bytes()
    with open_document(path, lock=True):
        code = main(["convert", str(PLANS / "requests_queue.json"), str(path), "--force"])
    assert code == 2
    assert "open in another Cadence window or command" in capsys.readouterr().err
    assert path.read_bytes() == before


# --- export over its own input --------------------------------------------------------------


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_export_refuses_to_overwrite_its_input(
    studio_plan: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = studio_plan.read_bytes()
    output = studio_plan
    if how == "symlink":
        output = studio_plan.with_name("link.csv")
        output.symlink_to(studio_plan)
    elif how == "hardlink":
        output = studio_plan.with_name("hard.csv")
        os.link(studio_plan, output)
    code = main(["export", str(studio_plan), "-o", str(output), "--format", "csv"])
    assert code == 2
    assert "that is the input" in capsys.readouterr().err
    assert studio_plan.read_bytes() == before


def test_export_refuses_devices_pipes_and_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.json"
    shutil.copy(PLANS / "requests_studio.json", plan)
    pipe = tmp_path / "pipe.ics"
    os.mkfifo(pipe)
    folder = tmp_path / "folder.ics"
    folder.mkdir()
    messages = []
    for target in ("/dev/full", "/dev/null", str(pipe), str(folder)):
        assert main(["export", str(plan), "-o", target, "--format", "ics"]) == 2
        messages.append(capsys.readouterr().err.strip())
    assert messages == [
        "/dev/full: is a device; write to a regular file (or - for standard output)",
        "/dev/null: is a device; write to a regular file (or - for standard output)",
        f"{pipe}: is a named pipe; write to a regular file (or - for standard output)",
        f"{folder}: is a folder; write to a regular file (or - for standard output)",
    ]
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")


def test_reading_a_named_pipe_is_refused_not_hung(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = tmp_path / "X.json"
    os.mkfifo(pipe)
    assert main(["validate", str(pipe)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{pipe}: not a regular file (a named pipe); give a plan file"
    )


# --- nothing written fails validation ---------------------------------------------------------


def test_request_status_never_writes_a_start_past_2999(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = json.loads((PLANS / "requests_studio.json").read_text())
    raw["start"], raw["end"] = "2999-01-04", "2999-12-31"
    raw["products"][0]["cohorts"]["start"] = "2999-01-04"
    raw["requests"] = [
        {
            "id": "late-deck", "title": "Late deck", "product": "analytics",
            "stage": "close", "requested_by": "ae", "requested_on": "2999-12-30",
            "needed_by": "2999-12-31", "production_days": 3, "status": "requested",
            "start": None, "note": "",
        }
    ]  # fmt: skip
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(raw))
    before = path.read_bytes()
    assert main(["request-status", str(path), "late-deck", "scheduled"]) == 2
    err = capsys.readouterr().err
    assert "no production slot" in err and "2999-12-31" in err
    assert path.read_bytes() == before
    assert main(["validate", str(path)]) == 0


# --- after a crash ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "",
        f"{socket.gethostname()}:999999999",
        f"someone@{socket.gethostname()}:999999999",
        "garbage without a colon",
    ],
)
def test_stale_lock_files_are_reclaimed(tmp_path: Path, content: str) -> None:
    path = tmp_path / "p.cadence"
    save_plan_document(read_plan(PLANS / "requests_studio.json"), path)
    lock_path_for(path).write_text(content)
    open_document(path, lock=True).close()
    assert main([*request_args(path, "After the crash")]) == 0
    assert not lock_path_for(path).exists()


def test_lock_file_naming_another_host_is_respected(tmp_path: Path) -> None:
    path = tmp_path / "p.cadence"
    save_plan_document(read_plan(PLANS / "requests_studio.json"), path)
    lock_path_for(path).write_text("other-host.example:4242")
    with pytest.raises(DocumentLocked, match=r"\(other-host.example \(process 4242\)\)"):
        open_document(path, lock=True)
    lock_path_for(path).write_text("dana@other-host.example:4242")
    with pytest.raises(DocumentLocked, match=r"\(dana on other-host.example \(process 4242\)\)"):
        open_document(path, lock=True)


def test_lock_of_a_killed_holder_is_free_at_once(tmp_path: Path) -> None:
    path = tmp_path / "p.cadence"
    save_plan_document(read_plan(PLANS / "requests_studio.json"), path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from cadence.store import lock; lock.acquire(sys.argv[1]);"
            "print('held', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with pytest.raises(DocumentLocked, match=f"\\(process {holder.pid}\\)"):
        open_document(path, lock=True)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    expected = f"{getpass.getuser()}@{socket.gethostname()}:{holder.pid}"
    assert lock_path_for(path).read_text() == expected
    open_document(path, lock=True).close()
    for stream in (holder.stdin, holder.stdout):
        if stream:
            stream.close()


def test_hot_journal_is_recovered_not_reported_read_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.cadence"
    save_plan_document(read_plan(PLANS / "requests_studio.json"), path)
    # A writer killed inside its transaction, after SQLite spilled pages to the file.
    script = (
        "import os, signal, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA cache_size=1')\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"UPDATE plan SET name = 'half written'\")\n"
        "for n in range(3000):\n"
        "    c.execute('INSERT INTO blackout (position, name, start, end) VALUES (?,?,?,?)',"
        " (n, 'x' * 200, '2027-01-01', '2027-01-01'))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=False)
    journal = path.with_name(path.name + "-journal")
    assert journal.exists() and journal.stat().st_size > 0
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("OK: Studio test")
    assert read_plan(path).calendar.blackouts == ()


# --- a save writes what changed -------------------------------------------------------------


def test_request_save_on_a_document_writes_only_the_new_row(tmp_path: Path) -> None:
    raw = json.loads((PLANS / "requests_queue.json").read_text())
    path = tmp_path / "plan.cadence"
    save_plan_document(read_plan(PLANS / "requests_queue.json"), path)

    def rows() -> list[tuple[int, str, int]]:
        con = sqlite3.connect(path)
        try:
            found = con.execute("SELECT pk, request_id, position FROM request ORDER BY pk")
            return [tuple(r) for r in found.fetchall()]
        finally:
            con.close()

    before = rows()
    assert [r[1] for r in before] == [q["id"] for q in raw["requests"]]
    assert main(request_args(path, "One more")) == 0
    assert rows() == [*before, (before[-1][0] + 1, "one-more", 3)]
    assert main(["request-status", str(path), "roi-acme", "declined", "--note", "no"]) == 0
    assert rows() == [*before, (before[-1][0] + 1, "one-more", 3)]
    assert read_plan(path).request("roi-acme").status == "declined"


def test_a_lock_holder_reads_as_a_person_and_a_machine() -> None:
    from cadence.store.lock import describe_holder

    assert describe_holder("alice@laptop-7:2962") == "alice on laptop-7 (process 2962)"
    assert describe_holder("vm:2962") == "vm (process 2962)"
    assert describe_holder("") == "another program"
    assert describe_holder("garbage") == "another program"
