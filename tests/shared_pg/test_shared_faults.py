"""Load and faults, bounded: many writers, a writer killed mid-transaction, a server restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace

import pytest

from cadence.store.shared.bench import run_load
from cadence.store.shared.plans import SharedError, open_shared_plan

KILLED_WRITER = """
import sys, psycopg
conn = psycopg.connect(sys.argv[1])
conn.execute("UPDATE stage SET days = 99 WHERE stage_id = 'aware'")
conn.execute("UPDATE team SET name = 'half done' WHERE team_id = 'mkt'")
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def pg_db(pg_demo_db):
    """This module's database: ``db init`` done, the demo plan shared as "northwind"
    (a copy of a database the session set up so once: tests/pg_fixtures.py)."""
    return pg_demo_db


@pytest.fixture
def shared_url(pg_db) -> str:
    return pg_db.url()


def test_concurrent_writers_lose_no_update(shared_url) -> None:
    result = run_load(shared_url, writers=4, edits=15, readers=2, stress_readers=1)
    assert result.committed + result.conflicts == 60
    assert (result.lost, result.wrong) == (0, 0)
    assert len(result.commits) == result.committed
    # Each listening reader re-read and re-planned every committed edit.
    assert result.missed == 0
    assert len(result.refresh) == 2 * result.committed


def test_a_writer_killed_mid_transaction_leaves_nothing(shared_url, pg_db) -> None:
    conninfo = f"host=127.0.0.1 port={pg_db.server.port} dbname={pg_db.name} user=cadence_admin"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, conninfo],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "ready\n"
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    with pg_db.admin() as conn:
        conn.execute("SET lock_timeout = '30s'")  # the dead client's locks go with it
        conn.execute("UPDATE team SET color = '#000000' WHERE team_id = 'mkt'")
        assert conn.execute("SELECT count(*) FROM stage WHERE days = 99").fetchone() == (0,)
        assert conn.execute("SELECT DISTINCT revision FROM stage").fetchall() == [(1,)]
        assert conn.execute("SELECT name, revision FROM team WHERE team_id = 'mkt'").fetchone() == (
            "Marketing",
            2,
        )


def test_edits_are_refused_while_the_server_is_down_then_work_again(shared_url, pg_db) -> None:
    with open_shared_plan(shared_url) as shared:
        plan = shared.load()
        renamed = replace(plan, name="Renamed while down")
        pg_db.server.halt()
        try:
            with pytest.raises(SharedError) as info:
                shared.save(renamed)
            assert str(info.value).startswith(f"{shared_url}: ")
        finally:
            pg_db.server.resume()
        shared.save(renamed)  # the pool reconnects; nothing was queued meanwhile
        assert shared.load().name == "Renamed while down"
        assert shared.revision("settings") == 2


def test_a_save_after_a_server_restart_reconnects_first(shared_url, pg_db) -> None:
    with open_shared_plan(shared_url) as shared:
        shared.save(replace(shared.load(), name="Before the restart"))
        pg_db.server.halt()
        pg_db.server.resume()
        # The connection the server closed is noticed before sending: no failed save.
        shared.save(replace(shared.plan, name="After the restart"))
        assert shared.load().name == "After the restart"
        assert shared.revision("settings") == 3
