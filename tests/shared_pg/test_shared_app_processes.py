"""Two real app processes and a sales ``request --save`` on one shared plan at once.

Each app is ``python main.py postgresql://…?plan=northwind`` (offscreen, its own
settings and data folders), driven through ``CADENCE_APP_SCRIPT=stdin`` (ui/app_script.py):
it edits through its window's controller and reports, as JSON lines, what arrived
live. Nothing waits on a clock: each step waits for a line, with a timeout.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # seconds for one expected line: generous on a loaded CI machine


class App:
    """One ``python main.py URL`` process and the JSON events it printed."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "main.py", url],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.skipped: list[dict[str, Any]] = []  # events read while waiting for another
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                self.events.put(json.loads(line))

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def next_event(self, kind: str) -> dict[str, Any]:
        """The next event of ``kind`` (others before it are kept in ``skipped``)."""
        while True:
            event = self.events.get(timeout=TIMEOUT)
            if event["event"] == kind:
                return event
            self.skipped.append(event)

    def refreshed_until(self, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Wait for 'refreshed' events until they named every key of ``wanted``; all keys seen."""
        seen = {tuple(k) for e in self.skipped if e["event"] == "refreshed" for k in e["keys"]}
        while not wanted <= seen:
            seen |= {tuple(k) for k in self.next_event("refreshed")["keys"]}
        return seen  # type: ignore[return-value]


@pytest.fixture
def pg_db(pg_demo_db):
    """This module's database: ``db init`` done, the demo plan shared as "northwind"
    (a copy of a database the session set up so once: tests/pg_fixtures.py)."""
    return pg_demo_db


@pytest.fixture
def logins(pg_db, capsys) -> dict[str, str]:
    """The demo plan shared as 'northwind'; two planners and a sales login of team 'ae'."""
    names = {who: pg_db.login(who, f"{who}-pw") for who in ("maria", "jon", "tom")}
    for who in ("maria", "jon"):
        assert main(["db", "grant", pg_db.url(plan=None), names[who], "--role", "planner"]) == 0
    grant = ["db", "grant", pg_db.url(plan=None), names["tom"], "--role", "sales", "--team", "ae"]
    assert main(grant) == 0
    capsys.readouterr()
    return names


def app_env(pg_db, tmp_path: Path, name: str) -> dict[str, str]:
    folder = tmp_path / name
    runtime = folder / "runtime"
    runtime.mkdir(parents=True, mode=0o700)
    env = dict(os.environ, PGPASSFILE=str(pg_db.passfile), QT_QPA_PLATFORM="offscreen")
    env |= {f"XDG_{d}_HOME": str(folder / d.lower()) for d in ("CONFIG", "DATA", "CACHE")}
    return env | {"XDG_RUNTIME_DIR": str(runtime), "CADENCE_APP_SCRIPT": "stdin"}


def test_two_app_processes_and_a_sales_request_edit_one_plan_at_once(
    pg_db, logins, tmp_path
) -> None:
    apps = [
        App(pg_db.url(user=logins[who]), app_env(pg_db, tmp_path, who)) for who in ("maria", "jon")
    ]
    maria, jon = apps
    try:
        for app in apps:
            assert app.next_event("opened") == {
                "event": "opened",
                "plan": "Northwind nurture plan 2027",
            }
        # Both windows listen: now the three edits, at once.
        sales_command = [sys.executable, "main.py", "request", pg_db.url(user=logins["tom"])]
        sales_command += ["--product", "billing", "--stage", "close", "--title", "Press kit"]
        sales_command += ["--requested-by", "ae", "--needed-by", "2027-05-28", "--days", "1"]
        sales_command += ["--on", "2027-05-03", "--save"]
        sales = subprocess.Popen(
            sales_command,
            cwd=ROOT,
            env=dict(os.environ, PGPASSFILE=str(pg_db.passfile)),
            stdout=subprocess.PIPE,
            text=True,
        )
        maria.send('edit products[0].stages[0].name "Aware!"')
        jon.send('edit teams[0].name "Marketing EMEA"')
        assert maria.next_event("edited") == {"event": "edited", "error": None}
        assert jon.next_event("edited") == {"event": "edited", "error": None}
        out, _ = sales.communicate(timeout=TIMEOUT)
        assert sales.returncode == 0, out
        with pg_db.admin() as conn:
            assert conn.execute(
                "SELECT request_id, title FROM request ORDER BY position DESC LIMIT 1"
            ).fetchone() == ("press-kit", "Press kit")
        # Each window got the other's edit and the request live, re-read and re-planned.
        request = ("request", "press-kit")
        assert {("team", "mkt"), request} <= maria.refreshed_until({("team", "mkt"), request})
        stage = ("stage", "analytics/aware")
        assert {stage, request} <= jon.refreshed_until({stage, request})
        states = []
        for app in apps:
            app.send("state")
            states.append(app.next_event("state"))
        for state in states:
            plan = state["plan"]
            assert plan["products"][0]["stages"][0]["name"] == "Aware!"
            assert plan["teams"][0]["name"] == "Marketing EMEA"
            assert [(q["title"], q["requested_by"]) for q in plan["requests"]][-1] == (
                "Press kit",
                "ae",
            )
            assert state["read_only"] is False
        del states[0]["plan"]["updated"], states[1]["plan"]["updated"]
        assert states[0]["plan"] == states[1]["plan"]
        with pg_db.admin() as conn:
            assert conn.execute(
                "SELECT (SELECT changed_by FROM stage WHERE stage_id = 'aware' "
                "AND product_id = 'analytics'), (SELECT changed_by FROM team WHERE team_id = "
                "'mkt'), (SELECT changed_by FROM request WHERE request_id = 'press-kit')"
            ).fetchone() == (logins["maria"], logins["jon"], logins["tom"])
        for app in apps:
            app.send("quit")
        assert [app.process.wait(timeout=TIMEOUT) for app in apps] == [0, 0]
    finally:
        for app in apps:
            if app.process.poll() is None:
                app.process.kill()
                app.process.wait()
