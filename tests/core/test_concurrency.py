"""Concurrent writers and SIGKILL (issue 13): every acknowledged change survives.

* Concurrency: command-line saves and the app's store (a window opening the
  document, editing, saving, closing) write one document at once.
* Kills: a save loop (command-line saves, and app-style saves for .cadence) is
  killed with SIGKILL at random points; after each kill the document opens for
  editing at once (never stays locked) and holds every change acknowledged.

A short run is part of the suite; the long run prints figures:
``python tests/core/test_concurrency.py --kills 300`` (``make fuzz`` runs it).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PLANS = Path(__file__).parent / "plans"

# The child that saves in a loop and prints "ack <title>" after each save returned.
SAVE_LOOP = r"""
import sys
from cli.main import main

path, tag, count, app_style = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"

def app_save(title):
    from dataclasses import replace
    from cadence.model import Blackout
    from cadence.store import open_document
    from datetime import date
    with open_document(path, lock=True, wait=60) as doc:
        plan = doc.load()
        day = date(2027, 8, 1 + len(plan.calendar.blackouts) % 28)
        cal = replace(plan.calendar, blackouts=(*plan.calendar.blackouts, Blackout(title, day, day)))
        doc.save(replace(plan, calendar=cal))
    return 0

for n in range(count):
    title = f"{tag}-{n}"
    if app_style and n % 2:
        code = app_save(title)
    else:
        code = main([
            "request", path, "--product", "analytics", "--stage", "close", "--title", title,
            "--requested-by", "ae", "--needed-by", "2027-12-30", "--days", "1",
            "--on", "2027-03-01", "--save",
        ])
    if code == 0:
        print("ack", title, flush=True)
    else:
        print("fail", title, code, flush=True)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "CADENCE_LOCK_WAIT": "60"}


def new_plan(folder: Path, suffix: str) -> Path:
    from cadence.store import save_plan_document
    from cli.commands.common import read_plan

    target = folder / f"plan{suffix}"
    target.unlink(missing_ok=True)
    if suffix == ".json":
        shutil.copy(PLANS / "requests_studio.json", target)
    else:
        save_plan_document(read_plan(PLANS / "requests_studio.json"), target)
    return target


def saver(path: Path, tag: str, count: int, app_style: bool) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SAVE_LOOP, str(path), tag, str(count), "1" if app_style else "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
    )


def stored_titles(path: Path) -> set[str]:
    """Request titles and blackout names the document holds (opened for editing:
    this also proves it is not left locked)."""
    from cadence.formats.plan_io import read_plan_file
    from cadence.store import open_document

    if path.suffix == ".cadence":
        with open_document(path, lock=True) as doc:
            plan = doc.load()
    else:
        plan = read_plan_file(path)
    return {q.title for q in plan.requests} | {b.name for b in plan.calendar.blackouts}


# --- concurrency ----------------------------------------------------------------------------


def run_concurrent(path: Path, writers: int, saves_each: int) -> tuple[int, int, set[str]]:
    """Start ``writers`` save loops at once; (acknowledged, failed, titles stored)."""
    app_style = path.suffix == ".cadence"
    children = [saver(path, f"w{n}", saves_each, app_style and n == 0) for n in range(writers)]
    acked: set[str] = set()
    failed = 0
    for child in children:
        out, _ = child.communicate(timeout=600)
        for line in out.splitlines():
            if line.startswith("ack "):
                acked.add(line.split()[1])
            elif line.startswith("fail "):
                failed += 1
    stored = stored_titles(path)
    assert acked <= stored, sorted(acked - stored)
    return len(acked), failed, stored


@pytest.mark.parametrize("suffix", [".json", ".cadence"])
def test_cli_and_app_writers_at_once_keep_every_acknowledged_change(
    tmp_path: Path, suffix: str
) -> None:
    path = new_plan(tmp_path, suffix)
    acked, failed, stored = run_concurrent(path, writers=4, saves_each=3)
    assert (acked, failed) == (12, 0)
    assert len(stored) == 12


# --- kills ----------------------------------------------------------------------------------


def kill_rounds(path: Path, rounds: int, seed: int) -> dict[str, int]:
    """Kill a save loop ``rounds`` times at random points; check the document each time."""
    rng = random.Random(seed)
    acked: set[str] = set()
    figures = {"kills": 0, "acknowledged": 0, "lost": 0, "locked_after": 0}
    for r in range(rounds):
        child = saver(path, f"k{r}", 1000, path.suffix == ".cadence")
        assert child.stdout is not None
        wanted = rng.randrange(0, 3)
        while wanted:
            line = child.stdout.readline()
            if not line:
                break
            if line.startswith("ack "):
                acked.add(line.split()[1])
                wanted -= 1
        # Busy-wait a random moment (no sleep): lands anywhere inside the next save.
        deadline = time.perf_counter() + rng.random() * 0.08
        while time.perf_counter() < deadline:
            pass
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        for line in rest.splitlines():  # acks printed before the kill landed
            if line.startswith("ack "):
                acked.add(line.split()[1])
        figures["kills"] += 1
        try:
            stored = stored_titles(path)
        except Exception as exc:  # pragma: no cover - the failure the test reports
            if "open in another" in str(exc):
                figures["locked_after"] += 1
            raise
        figures["lost"] += len(acked - stored)
        assert acked <= stored, (seed, r, sorted(acked - stored))
    figures["acknowledged"] = len(acked)
    return figures


@pytest.mark.parametrize("suffix", [".json", ".cadence"])
def test_sigkill_during_saves_loses_nothing_acknowledged(tmp_path: Path, suffix: str) -> None:
    path = new_plan(tmp_path, suffix)
    figures = kill_rounds(path, rounds=4, seed=13)
    assert (figures["kills"], figures["lost"], figures["locked_after"]) == (4, 0, 0)


def main(argv: list[str] | None = None) -> int:
    """The long run: kills and concurrent writers, with figures."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".json", ".cadence"):
            path = new_plan(Path(folder), suffix)
            started = time.perf_counter()
            acked, failed, stored = run_concurrent(path, args.writers, 5)
            print(
                f"concurrency {suffix}: {args.writers} writers, {acked} saves acknowledged, "
                f"{failed} refused, {len(stored)} stored, 0 lost "
                f"({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
        for suffix in (".json", ".cadence"):
            path = new_plan(Path(folder), suffix)
            started = time.perf_counter()
            figures = kill_rounds(path, args.kills // 2, args.seed)
            print(
                f"kills {suffix}: {figures['kills']} SIGKILLs, {figures['acknowledged']} saves "
                f"acknowledged, {figures['lost']} lost, {figures['locked_after']} left locked "
                f"({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
