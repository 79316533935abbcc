"""A seeded mutation fuzzer over the demo plan (issue 13): no traceback, no hang.

Each mutant is the demo plan with a few random edits (keys deleted or added,
values of the wrong type, huge and tiny numbers, NaN/Infinity, odd Unicode
including lone surrogates, deep nesting, duplicate keys, broken JSON text).
Every command runs on it, in-process, in a worker process whose memory is
capped (``resource.setrlimit``) and with a time limit per command
(``signal.setitimer``). A failure is any exception escaping ``main`` (a
traceback), a time-out (a hang) or running out of memory; each is printed with
the seed that reproduces it:

    python tests/core/test_fuzz.py --count 10000            # the long run (make fuzz)
    python tests/core/test_fuzz.py --seed 4242 --count 1 -v  # one mutant, verbosely

The suite runs a short campaign (``test_short_fuzz_run``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

SECONDS_PER_COMMAND = 20
MEMORY_BYTES = 2 * 1024**3

# Values a mutation puts where another one was.
ODD_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 7, 36_500, 36_501, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1,
    10**30, 1e308, -1e-308, 0.5, math.nan, math.inf, -math.inf,
    "", " ", "x", "é", "𝄞", "\ud800", "\udfff", "a\x00b", "\n", "Ünïcødé ✓",
    "0000-00-00", "1900-01-01", "2999-12-31", "3000-01-01", "9999-12-31", "0001-01-01",
    "2027-02-29", "24:00", "23:59", "FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=DAILY;COUNT=0",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "America", "Europe/Berlin", "../etc/passwd",
    "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "mon", "sun", "skip",
    [], {}, [[]], [None], ["mon", "mon"], {"a": 1},
)  # fmt: skip


def demo_raw() -> dict[str, Any]:
    from cadence.demo import demo_plan_text

    data: dict[str, Any] = json.loads(demo_plan_text())
    return data


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every dict and list inside ``value`` (the root is ``()``)."""
    out = []
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, (dict, list)):
            out.append(where)
            keys = item.keys() if isinstance(item, dict) else range(len(item))
            for k in keys:
                stack.append((item[k], (*where, k)))
    out.sort(key=repr)
    return out


def _at(root: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        root = root[key]
    return root


def _deep(depth: int) -> Any:
    value: Any = 1
    for n in range(depth):
        value = [value] if n % 2 else {"x": value}
    return value


def _odd_value(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.08:
        return "x" * rng.choice((301, 10_001, 200_000))
    if roll < 0.12:
        return _deep(rng.choice((25, 200, 400)))
    if roll < 0.16:
        return rng.randint(-(10**6), 10**6)
    return copy.deepcopy(rng.choice(ODD_VALUES))


def _plausible_value(old: Any, rng: random.Random) -> Any:
    """A value of the same kind as ``old`` that a real plan might hold (often valid)."""
    if isinstance(old, bool):
        return not old
    if isinstance(old, int):
        return rng.choice((0, 1, 2, old + 1, old * 3, rng.randint(0, 400)))
    if isinstance(old, float):
        return rng.choice((0.0, 0.25, 1.0, old / 2))
    if isinstance(old, str):
        if len(old) == 10 and old[4:5] == "-":
            ordinal = rng.randint(726_833, 767_010)  # 1991 … 2101
            from datetime import date

            return date.fromordinal(ordinal).isoformat()
        return rng.choice((old + " ✓", old.upper(), "𝄞 " + old, old * 3, old[:1] or "x"))
    return old


def mutate_plausibly(raw: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One edit that keeps the kind of a value (dates, counts, names): valid plans
    with odd contents, which reach the engine, the exports and the saves."""
    places = [p for p in _containers(raw) if isinstance(_at(raw, p), dict)]
    target = _at(raw, rng.choice(places))
    keys = sorted(k for k in target if not isinstance(target[k], (dict, list)))
    if keys:
        key = rng.choice(keys)
        target[key] = _plausible_value(target[key], rng)
    return raw


def mutate_data(raw: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One structural edit of the plan data, in place; returns it."""
    places = _containers(raw)
    where = rng.choice(places)
    target = _at(raw, where)
    kind = rng.choice(("delete", "insert", "replace", "replace", "wrap", "duplicate", "number"))
    if isinstance(target, dict):
        keys = sorted(target)
        if kind == "delete" and keys:
            del target[rng.choice(keys)]
        elif kind == "insert":
            target[rng.choice(("extra", "id", "name", "days", "\ud800", ""))] = _odd_value(rng)
        elif kind == "wrap" and keys:
            key = rng.choice(keys)
            target[key] = rng.choice(([target[key]], {"value": target[key]}))
        elif kind == "number" and keys:
            key = rng.choice(keys)
            if isinstance(target[key], int) and not isinstance(target[key], bool):
                target[key] = rng.choice((-1, 0, 10**6, 2**63, target[key] * 1000 + 1))
            else:
                target[key] = _odd_value(rng)
        elif keys:
            target[rng.choice(keys)] = _odd_value(rng)
    elif isinstance(target, list):
        if kind == "delete" and target:
            del target[rng.randrange(len(target))]
        elif kind == "duplicate" and target:
            target.append(copy.deepcopy(rng.choice(target)))
        elif kind == "insert":
            target.insert(rng.randrange(len(target) + 1), _odd_value(rng))
        elif target:
            target[rng.randrange(len(target))] = _odd_value(rng)
    return raw


def mutate_text(text: str, rng: random.Random) -> str:
    """One edit of the JSON text: a duplicate key, a cut, stray characters."""
    kind = rng.choice(("duplicate", "cut", "garble", "nest"))
    if kind == "nest":  # a value inside thousands of lists (deeper than json.dumps goes)
        lines = text.split("\n")
        candidates = [i for i, line in enumerate(lines) if '": "' in line]
        if candidates:
            i = rng.choice(candidates)
            head, _, value = lines[i].partition('": ')
            comma = "," if value.endswith(",") else ""
            depth = rng.choice((900, 3000, 100_000))
            lines[i] = f'{head}": {"[" * depth}{value.rstrip(",")}{"]" * depth}{comma}'
        return "\n".join(lines)
    if kind == "duplicate":
        at = text.find('"', rng.randrange(len(text)))
        end = text.find('":', at + 1) if at >= 0 else -1
        if at >= 0 and 0 < end - at < 40:
            key = text[at : end + 1]
            return f"{text[:at]}{key}: null, {text[at:]}"
        return text
    if kind == "cut":
        return text[: rng.randrange(len(text))]
    at = rng.randrange(len(text))
    return text[:at] + rng.choice(("\\ud800", "}", "]", ",", "NaN", "\x00", "\\")) + text[at:]


def mutant(seed: int) -> str:
    """The JSON text of mutant ``seed`` (reproducible)."""
    rng = random.Random(seed)
    raw = demo_raw()
    gentle = rng.random() < 0.4
    for _ in range(rng.choice((1, 1, 2, 3))):
        raw = mutate_plausibly(raw, rng) if gentle else mutate_data(raw, rng)
    text = json.dumps(raw, indent=1)  # ASCII: surrogates become \ud800 escapes
    if rng.random() < 0.15:
        text = mutate_text(text, rng)
    return text


HOLIDAYS_ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\nBEGIN:VEVENT\r\nUID:h1\r\n"
    "SUMMARY:Company day\r\nDTSTART;VALUE=DATE:20270503\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def commands(folder: Path, plan: dict[str, Any] | None, valid: bool) -> list[list[str]]:
    """The commands for the mutant at folder/m.json (and its .cadence copy).

    A valid mutant goes through every command. An invalid one stops in the read
    every command starts with, so it goes through one command of each kind
    (read-only, export, save, convert): running all of them would repeat that
    same read seventeen times.
    """
    m, c = str(folder / "m.json"), str(folder / "m.cadence")
    request_id = "x"
    if plan and isinstance(plan.get("requests"), list) and plan["requests"]:
        first = plan["requests"][0]
        if isinstance(first, dict) and isinstance(first.get("id"), str):
            request_id = first["id"]
    ask = [
        "--product", "analytics", "--stage", "negotiate", "--title", "Fuzz deck",
        "--requested-by", "ae", "--needed-by", "2027-06-30", "--days", "2", "--on", "2027-03-01",
    ]  # fmt: skip
    if not valid:
        return [
            ["validate", m],
            ["export", m, "-o", "-"],
            ["request", m, *ask, "--save"],
            ["convert", m, c, "--force"],
        ]
    return [
        ["validate", m],
        ["schedule", m, "--json"],
        ["gaps", m, "--json"],
        ["export", m, "-o", str(folder / "out.ics")],
        [
            "export",
            m,
            "-o",
            str(folder / "out.csv"),
            "--include",
            "touches,broadcasts,requests,gaps",
        ],
        ["export", m, "-o", "-"],
        ["requests", m, "--json"],
        ["request", m, *ask],
        ["convert", m, c, "--force"],
        ["validate", c],
        ["requests", c],
        ["request", c, *ask, "--save"],
        ["request-status", c, request_id, "scheduled"],
        ["calendar", "import-ics", c, str(folder / "h.ics")],
        ["request", m, *ask, "--save"],
        ["request-status", m, request_id, "declined", "--note", "fuzz"],
        ["calendar", "import-ics", m, str(folder / "h.ics")],
    ]


class Hang(BaseException):
    """A command ran past its time limit."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise Hang()


def run_command(argv: list[str]) -> str | None:
    """Run one command in-process; None when it ended properly, else what went wrong."""
    from cli.main import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_COMMAND)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        if code not in (0, 2, 3):
            return f"exit code {code}"
        return None
    except SystemExit as exc:  # argparse usage errors
        return None if exc.code == 2 else f"SystemExit {exc.code}"
    except Hang:
        return f"hang: more than {SECONDS_PER_COMMAND} s"
    except MemoryError:
        return "out of memory"
    except Exception:
        return "traceback:\n" + traceback.format_exc(limit=6)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def run_campaign(seed: int, count: int, verbose: bool = False) -> dict[str, Any]:
    """Fuzz ``count`` mutants from ``seed`` on; the figures and every failure."""
    signal.signal(signal.SIGALRM, _alarm)
    failures: list[dict[str, Any]] = []
    valid = 0
    started = time.perf_counter()
    # In memory when the system has it: the saves fsync, a disk would set the pace.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=shm) as name:
        folder = Path(name)
        (folder / "h.ics").write_text(HOLIDAYS_ICS)
        os.environ["CADENCE_LOCK_WAIT"] = "1"
        for n in range(seed, seed + count):
            text = mutant(n)
            (folder / "m.json").write_text(text, encoding="utf-8")
            (folder / "m.cadence").unlink(missing_ok=True)  # only this mutant's document
            try:
                plan = json.loads(text)
            except (ValueError, RecursionError):
                plan = None
            is_valid = _is_valid(folder / "m.json")
            valid += is_valid
            for argv in commands(folder, plan if isinstance(plan, dict) else None, is_valid):
                problem = run_command(argv)
                if verbose:
                    print(f"seed {n}: {argv[0]} {argv[1:2]} -> {problem or 'ok'}")
                if problem is not None:
                    failures.append({"seed": n, "command": argv[0], "problem": problem})
                    break
    elapsed = time.perf_counter() - started
    return {
        "mutants": count,
        "valid": valid,
        "seconds": round(elapsed, 1),
        "mutants_per_s": round(count / elapsed, 1) if elapsed else 0.0,
        "failures": failures,
    }


def _is_valid(path: Path) -> bool:
    from cadence.formats.plan_io import PlanFileError, read_plan_file

    try:
        read_plan_file(path)
    except PlanFileError:
        return False
    except Exception:  # the commands will report it, with its traceback
        return True
    return True


def run_in_worker(seed: int, count: int) -> dict[str, Any]:
    """The campaign in a child process with its memory capped; its JSON summary."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [sys.executable, __file__, "--worker", "--seed", str(seed), "--count", str(count)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        return {
            "mutants": count,
            "valid": 0,
            "seconds": 0,
            "mutants_per_s": 0,
            "failures": [
                {
                    "seed": seed,
                    "command": "worker",
                    "problem": f"died ({done.returncode}): {done.stderr[-2000:]}",
                }
            ],
        }
    summary: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return summary


# --- in the suite ----------------------------------------------------------------------------


def test_mutants_are_reproducible() -> None:
    assert mutant(7) == mutant(7)
    assert mutant(7) != mutant(8)


def test_short_fuzz_run() -> None:
    summary = run_in_worker(seed=1, count=40)
    assert summary["failures"] == []
    assert summary["mutants"] == 40


# --- the long run ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz every command with mutated demo plans.")
    parser.add_argument("--count", type=int, default=1000, help="mutants to try")
    parser.add_argument("--seed", type=int, default=1, help="first seed")
    parser.add_argument("--batch", type=int, default=500, help="mutants per worker process")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        summary = run_campaign(args.seed, args.count, args.verbose)
        print(json.dumps(summary))
        return 0
    if args.verbose:
        print(json.dumps(run_campaign(args.seed, args.count, verbose=True), indent=1))
        return 0
    total = {"mutants": 0, "valid": 0, "seconds": 0.0, "failures": []}
    started = time.perf_counter()
    for first in range(args.seed, args.seed + args.count, args.batch):
        size = min(args.batch, args.seed + args.count - first)
        part = run_in_worker(first, size)
        for key in ("mutants", "valid"):
            total[key] += part[key]
        total["failures"] += part["failures"]
        elapsed = time.perf_counter() - started
        print(
            f"{total['mutants']} mutants ({total['valid']} valid plans), "
            f"{len(total['failures'])} failures, {total['mutants'] / elapsed:.1f} mutants/s",
            flush=True,
        )
    hangs = sum(1 for f in total["failures"] if f["problem"].startswith("hang"))
    tracebacks = sum(1 for f in total["failures"] if f["problem"].startswith("traceback"))
    print(
        f"Done: {total['mutants']} mutants in {time.perf_counter() - started:.0f} s, "
        f"{tracebacks} tracebacks, {hangs} hangs, "
        f"{len(total['failures']) - tracebacks - hangs} other failures"
    )
    for failure in total["failures"]:
        print(f"--- seed {failure['seed']} ({failure['command']}): {failure['problem']}")
    return 1 if total["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
