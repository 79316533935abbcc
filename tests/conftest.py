"""Test setup shared by tests/core and tests/gui: headless Qt, private runtime dir.

The soak (tests/gui/test_soak.py: thousands of user actions on the real window)
runs in a subprocess started as soon as the tests are collected, beside the
rest of the suite: on two cores the suite takes as long as the longer of the
two, not their sum. Its test waits for it and checks what it printed.
"""

import os
import subprocess
import sys
import tempfile

import pytest

from tests.pg_fixtures import PgDatabase, pg_db, pg_server  # noqa: F401 - fixtures

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "XDG_RUNTIME_DIR" not in os.environ or not os.path.isdir(os.environ["XDG_RUNTIME_DIR"]):
    _runtime = tempfile.mkdtemp(prefix="cadence-xdg-")
    os.chmod(_runtime, 0o700)
    os.environ["XDG_RUNTIME_DIR"] = _runtime

#: what the CI soak runs: ≥ 5 000 actions, a fixed seed (replay a failure with it)
SOAK_ARGS = ["--plan", "both", "--actions", "5100", "--large-share", "0.02", "--seed", "12"]
_soak: dict[str, subprocess.Popen] = {}


def start_soak() -> subprocess.Popen:
    """The soak subprocess (started once per session)."""
    if "process" not in _soak:
        _soak["process"] = subprocess.Popen(
            [sys.executable, "-m", "ui.soak", "--json", *SOAK_ARGS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
    return _soak["process"]


@pytest.fixture(scope="session")
def soak_process() -> subprocess.Popen:
    """The running (or finished) soak subprocess."""
    return start_soak()


def pytest_collection_finish(session):
    if any(item.path.name == "test_soak.py" for item in session.items):
        start_soak()


def pytest_sessionfinish(session, exitstatus):
    process = _soak.get("process")
    if process is not None and process.poll() is None:
        process.kill()  # the soak test did not run (deselected, -x stopped early)
        process.communicate()
