"""Test setup shared by tests/core and tests/gui: headless Qt, private runtime dir.

The soak (tests/gui/test_soak.py: user actions on the real window) runs in a
subprocess started as soon as the tests are collected, beside the rest of the
suite (tests/soak_run.py): on two cores the suite takes as long as the longer
of the two, not their sum. Its tests wait for it and check what it printed.

With pytest-xdist (``make test``: two workers, ``--dist loadfile``) each test file
runs whole on one worker (its module fixtures are built once), the tests that use
the PostgreSQL server all on one worker (one server), and the soak's tests last.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests import soak_run
from tests.pg_fixtures import (  # noqa: F401 - fixtures
    PgDatabase,
    pg_db,
    pg_demo_db,
    pg_demo_db_two_plans,
    pg_demo_templates,
    pg_init_db,
    pg_server,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "XDG_RUNTIME_DIR" not in os.environ or not os.path.isdir(os.environ["XDG_RUNTIME_DIR"]):
    _runtime = tempfile.mkdtemp(prefix="cadence-xdg-")
    os.chmod(_runtime, 0o700)
    os.environ["XDG_RUNTIME_DIR"] = _runtime
# The command line keeps holiday facts in the user's cache folder (cli.main.cache_folder):
# the commands the tests run write to a private one, never to the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cadence-cache-")

_soak: dict[str, subprocess.Popen] = {}


def pytest_configure(config):
    try:
        soak_run.soak_actions()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not hasattr(config, "workerinput"):  # the process that starts the soak: its folder
        config.soak_folder = Path(tempfile.mkdtemp(prefix="cadence-soak-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """An xdist worker finds the soak's folder in what the controller hands it."""
    node.workerinput["cadence_soak_folder"] = str(node.config.soak_folder)


def _soak_folder(config) -> Path:
    if hasattr(config, "workerinput"):
        return Path(config.workerinput["cadence_soak_folder"])
    return config.soak_folder


def start_soak(config) -> None:
    """Start the soak once per run (in the process that owns its folder)."""
    run = soak_run.SoakRun(_soak_folder(config))
    if not run.started:
        _soak["process"] = run.start(soak_run.soak_actions())


@pytest.fixture(scope="session")
def soak_process(pytestconfig) -> soak_run.SoakRun:
    """The running (or finished) soak: ``communicate(timeout)`` then ``returncode``."""
    run = soak_run.SoakRun(_soak_folder(pytestconfig))
    if not run.started:  # not started at collection (an xdist worker without a controller?)
        start_soak(pytestconfig)
    return run


def _selects_the_soak(nodeids) -> bool:
    return any("test_soak.py::" in nodeid for nodeid in nodeids)


def pytest_collection_finish(session):
    if not hasattr(session.config, "workerinput") and _selects_the_soak(
        item.nodeid for item in session.items
    ):
        start_soak(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """The xdist controller: start the soak when the first worker has collected its tests."""
    if _selects_the_soak(ids):
        start_soak(node.config)


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL tests first (the largest unit of work: one worker takes it while the
    other runs the rest), the soak's tests last (it has finished by then)."""
    items.sort(key=lambda item: (not uses_postgresql(item.nodeid), "test_soak.py::" in item.nodeid))


def uses_postgresql(nodeid: str) -> bool:
    """The tests on the PostgreSQL server: tests/shared_pg and the stores' ``[postgresql]`` cases."""
    return nodeid.startswith("tests/shared_pg/") or "[postgresql" in nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, except that the PostgreSQL tests are one unit (one server)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FilesAndPostgreSQL(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "postgresql" if uses_postgresql(nodeid) else nodeid.split("::", 1)[0]

    return FilesAndPostgreSQL(config, log)


def pytest_sessionfinish(session, exitstatus):
    process = _soak.pop("process", None)
    if process is not None:
        soak_run.stop(process)
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(session.config.soak_folder, ignore_errors=True)
