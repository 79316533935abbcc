"""The soak subprocess the tests check (tests/gui/test_soak.py), run beside the suite.

``python -m ui.soak`` starts as soon as the tests are collected, so on two cores it
runs beside the other tests instead of after them. With pytest-xdist (``make test``
runs two workers) the controller starts it, and whichever worker runs the soak tests
reads what it printed: the soak writes its output, errors and exit status into a
folder, and holds a lock on a file there until it exits.

How many actions: ``make test`` runs a short soak (``SOAK_ACTIONS``, every kind of
action still seen on both plans); CI runs ≥ 5 000 with the same checks through
``make test-soak`` (``CADENCE_SOAK_ACTIONS=5100``). The seed is fixed: a failure
replays with ``python -m ui.soak --plan … --actions … --seed 12``.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOAK_SEED = 12
#: actions on the large plan (40 products), where each action costs several demo ones
LARGE_ACTIONS = 100
ACTIONS_VARIABLE = "CADENCE_SOAK_ACTIONS"


def soak_actions() -> int:
    """All actions of the run (demo + large): 1 000 unless ``CADENCE_SOAK_ACTIONS`` says."""
    text = os.environ.get(ACTIONS_VARIABLE, "").strip() or "1000"
    if not text.isdigit() or int(text) < 2 * LARGE_ACTIONS:
        raise ValueError(
            f"{ACTIONS_VARIABLE}: must be a whole number ≥ {2 * LARGE_ACTIONS}, got {text!r}"
        )
    return int(text)


def soak_args(actions: int) -> list[str]:
    """Both plans, ``LARGE_ACTIONS`` of the actions on the large one."""
    share = LARGE_ACTIONS / actions
    return ["--plan", "both", "--actions", str(actions), "--large-share", f"{share:.6f}"] + [
        "--seed",
        str(SOAK_SEED),
    ]


class SoakRun:
    """The soak's folder: ``out`` (one JSON report per plan), ``err``, ``status`` (the
    exit status, written when it exits) and ``running`` (locked while it runs)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.returncode: int | None = None

    @property
    def started(self) -> bool:
        return (self.folder / "running").exists()

    def start(self, actions: int) -> subprocess.Popen:
        """Start the soak; the lock on ``running`` goes with it (released when it exits)."""
        with open(self.folder / "running", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            script = 'out=$1 err=$2 status=$3; shift 3; "$@" >"$out" 2>"$err"; echo $? >"$status"'
            files = [str(self.folder / name) for name in ("out", "err", "status")]
            command = [sys.executable, "-m", "ui.soak", "--json", *soak_args(actions)]
            return subprocess.Popen(
                ["sh", "-c", script, "soak", *files, *command],
                cwd=ROOT,
                pass_fds=(lock.fileno(),),
                start_new_session=True,  # stop() ends the shell and the soak together
            )

    def communicate(self, timeout: float) -> tuple[str, str]:
        """Wait (at most ``timeout`` s) until the soak has exited: its output and errors."""
        with open(self.folder / "running") as lock:
            previous = signal.signal(signal.SIGALRM, _soak_timed_out)
            signal.alarm(max(1, int(timeout)))
            try:
                fcntl.flock(lock, fcntl.LOCK_SH)
            finally:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, previous)
        status = (self.folder / "status").read_text().strip()
        self.returncode = int(status) if status.lstrip("-").isdigit() else -1
        out = (self.folder / "out").read_text()
        return out, (self.folder / "err").read_text()


def _soak_timed_out(_signum, _frame):
    raise TimeoutError("the soak did not finish in time")


def stop(process: subprocess.Popen) -> None:
    """End a soak still running (its tests did not run: deselected, ``-x`` stopped early)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
