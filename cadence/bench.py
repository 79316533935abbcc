"""Benchmark of the engine and the checks on a large generated plan.

``python -m cadence.bench`` (or ``cadence bench``) builds :func:`build_large_plan`
— 50 products × 8 stages × 25 touches with repeats, weekly cohorts over a
year, German public holidays — and prints: occurrences, schedule seconds,
gap-check seconds, peak memory, a floor loop that only emits the same
(date, uid) pairs from precomputed working-day tables, the ratio to it, and
the time to re-plan one changed product. ``--json`` prints one JSON object
(keys: occurrences, schedule_s, gaps_s, floor_s, replan_ms, peak_mb, …).

Timings are the best of a few rounds (schedule, gap checks, floor in turn) after
one warm-up run (which also loads the public holidays); peak memory is
measured by tracemalloc in a separate run of schedule + gaps.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time as clock
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, time, timedelta
from functools import partial
from typing import Any

from cadence import engine, gaps
from cadence.calendar import WorkingDays
from cadence.model import (
    Blackout,
    Broadcast,
    Cohorts,
    HolidayRule,
    Plan,
    Product,
    Rules,
    Stage,
    Team,
    Touch,
    WorkCalendar,
)
from cadence.planner import Planner

PRODUCTS = 50
GUI_PRODUCTS = 40  # the plan of the window's and the commands' figures (~125 k occurrences)
STAGES = 8
TOUCHES = 25
COHORTS = 52
REPEATS = 3


def build_large_plan(products: int = PRODUCTS, seed: int = 2027) -> Plan:
    """A deterministic large plan: ``products`` × 8 stages × 25 touches, 52 weekly cohorts.

    About 2 500 occurrences per product (≥ 100 000 for 50 products) in 2027,
    with the German (Berlin) holidays, two blackouts, every roll policy,
    repeats, times of day, unowned stages, hand-offs, capacity-limited teams
    and three broadcasts — so every check has something to find.
    """
    rng = random.Random(seed)
    teams = (
        Team("mkt", "Marketing", "#2b7bb9"),
        Team("sdr", "Sales development", "#e67e22", weekly_capacity=900),
        Team("ae", "Account executives", "#27ae60", weekly_capacity=400),
        Team("cs", "Customer success", "#8e44ad", weekly_capacity=600),
    )
    owners = ("mkt", "mkt", "mkt", None, "sdr", "sdr", "ae", "cs")
    channels = ("email", "content", "social", "event", "direct_mail")
    times = (None, None, time(9, 0), time(9, 30), time(14, 0))
    out_products = []
    for p in range(products):
        stages = tuple(
            Stage(
                id=f"s{k}",
                name=f"Stage {k + 1}",
                days=rng.choice((14, 21, 21, 28)),
                owner=owners[k],
                conversion=rng.choice((0.5, 0.6, 0.75, 0.9)),
                max_silence_days=rng.choice((None, None, None, 10)),
            )
            for k in range(STAGES)
        )
        touches: list[Touch] = []
        for k, stage in enumerate(stages):
            owner = stage.owner or "mkt"
            # Three drips, one every 3 days in turn (the third a call in sales
            # stages); the first stage also gets a welcome.
            slots: list[tuple[int, int | None]] = [(0, 9), (3, 9), (6, 9)]
            if k == 0:
                slots.insert(0, (1, None))
            for offset, every in slots:
                i = len(touches)
                personal = owner != "mkt" and offset == 6
                touches.append(
                    Touch(
                        id=f"t{i:02d}",
                        name=f"Touch {i + 1}",
                        channel="call" if personal else rng.choice(channels),
                        owner=owner,
                        stage=stage.id,
                        offset_days=offset,
                        every_days=every,
                        time=rng.choice(times),
                        automated=not personal,
                        roll=rng.choice((None, None, None, None, None, None, "backward", "skip")),
                    )
                )
        out_products.append(
            Product(
                id=f"p{p:02d}",
                name=f"Product {p + 1}",
                stages=stages,
                touches=tuple(touches),
                cohorts=Cohorts(
                    start=date(2026, 11, 2) + timedelta(days=p % 5),
                    every_days=7,
                    count=COHORTS,
                    size=rng.choice((20, 40, 60, 80)),
                ),
            )
        )
    ids = tuple(p.id for p in out_products)
    return Plan(
        id="bench-2027",
        name="Benchmark plan 2027",
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        timezone="Europe/Berlin",
        calendar=WorkCalendar(
            holidays=HolidayRule("DE", "BE"),
            blackouts=(
                Blackout("Company offsite", date(2027, 6, 14), date(2027, 6, 16)),
                Blackout("Year-end freeze", date(2027, 12, 20), date(2027, 12, 31)),
            ),
        ),
        rules=Rules(min_spacing_days=2, max_silence_days=14, handoff_sla_days=2),
        teams=teams,
        products=tuple(out_products),
        broadcasts=(
            Broadcast(
                "newsletter",
                "Monthly newsletter",
                "newsletter",
                "mkt",
                "FREQ=MONTHLY;BYDAY=1TU",
                date(2027, 1, 1),
                time(10, 0),
            ),
            Broadcast(
                "webinar",
                "Webinar (every other week)",
                "event",
                "mkt",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
                date(2027, 1, 1),
                time(16, 0),
                products=ids[::5],
            ),
            Broadcast(
                "alignment",
                "Sales & marketing alignment",
                "meeting",
                "mkt",
                "FREQ=WEEKLY;BYDAY=MO",
                date(2027, 1, 1),
                time(9, 0),
                products=(),
            ),
        ),
    )


def floor_loop(plan: Plan) -> list[tuple[date, str]]:
    """The least work that yields the same touch (date, uid) pairs as the engine.

    Working-day tables are precomputed (outside the timing: see :func:`floor_tables`);
    the loop only rolls, keeps what lands in the horizon and builds UIDs.
    """
    return _floor(plan, floor_tables(plan))


def floor_tables(plan: Plan) -> dict[str, Any]:
    """Roll tables per policy and the dates of the calendar window."""
    workdays = WorkingDays(plan.calendar, plan.start, plan.end)
    base = workdays.first.toordinal()
    size = workdays.last.toordinal() - base + 1
    tables = {}
    for policy in ("forward", "backward", "skip"):
        rolled = [workdays.roll_ordinal(base + i, policy) for i in range(size)]
        tables[policy] = [-1 if r is None else r for r in rolled]
    return {
        "base": base,
        "size": size,
        "roll": tables,
        "dates": [date.fromordinal(base + i) for i in range(size)],
    }


def _floor(plan: Plan, tables: dict[str, Any]) -> list[tuple[date, str]]:
    base, size, dates = tables["base"], tables["size"], tables["dates"]
    start, end = plan.start.toordinal(), plan.end.toordinal()
    out: list[tuple[date, str]] = []
    emit = out.append
    for product in plan.products:
        cohorts = [(d.toordinal(), f"{d:%Y%m%d}") for d in product.cohorts.intake_dates()]
        for t in product.touches:
            stage_start = product.stage_start(t.stage)
            stage = product.stage(t.stage)
            assert stage is not None
            last = stage_start + stage.days - 1
            first = stage_start + t.offset_days
            offsets = list(range(first, last + 1, t.every_days)) if t.every_days else [first]
            suffixes = [f".{j}@cadence" for j in range(len(offsets))]
            table = tables["roll"][t.roll or plan.calendar.roll]
            prefix = f"{plan.id}.{product.id}.{t.id}."
            for ordinal, text in cohorts:
                for offset, suffix in zip(offsets, suffixes, strict=True):
                    i = ordinal + offset - base
                    if 0 <= i < size:
                        final = table[i]
                        if start <= final <= end:
                            emit((dates[final - base], f"{prefix}{text}{suffix}"))
    return out


def _best(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        result = None  # free the previous result before the clock starts
        t0 = clock.perf_counter()
        result = fn()
        best = min(best, clock.perf_counter() - t0)
    return best, result


def _replan_ms(plan: Plan, runs: int) -> float:
    """Re-plan after lengthening one stage of one product (a typical GUI edit)."""
    planner = Planner()
    planner.update(plan)
    best = float("inf")
    for i in range(runs):
        p = plan.products[(7 * i + 3) % len(plan.products)]
        stages = list(p.stages)
        stages[2] = replace(stages[2], days=stages[2].days + 1 + i)
        edited = replace(
            plan,
            products=tuple(
                q if q is not p else replace(p, stages=tuple(stages)) for q in plan.products
            ),
        )
        t0 = clock.perf_counter()
        planner.update(edited)
        best = min(best, clock.perf_counter() - t0)
        planner.update(plan)
    return best * 1000


_RSS_PROBE = (
    "import atexit, resource, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "def note():\n"
    "    with open(out, 'w') as f:\n"
    "        f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "atexit.register(note)\n"
    "sys.argv[0] = 'cadence'\n"
    "from cli.main import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def command_figures(plan: Plan) -> dict[str, Any]:
    """Wall seconds and peak RSS (MB) of ``cadence schedule --json`` and ``cadence export``
    (to .ics, then again over the previous export) on ``plan``, each run as a subprocess
    of this interpreter (``resource`` ru_maxrss of the child, read as it exits)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from cadence.formats.plan_json import dumps_plan

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="cadence-bench-") as folder:
        plan_file = Path(folder) / "plan.json"
        plan_file.write_text(dumps_plan(plan), encoding="utf-8")
        ics = str(Path(folder) / "plan.ics")
        runs = {
            "schedule_json": ["schedule", str(plan_file), "--json"],
            "export": ["export", str(plan_file), "-o", ics],
            "reexport": ["export", str(plan_file), "-o", ics],
        }
        for name, args in runs.items():
            rss_file = str(Path(folder) / f"{name}.rss")
            t0 = clock.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", _RSS_PROBE, rss_file, *args],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
            wall = clock.perf_counter() - t0
            if done.returncode != 0:
                figures[f"{name}_error"] = done.stderr.strip().splitlines()[-1:] or done.returncode
                continue
            figures[f"{name}_s"] = round(wall, 2)
            figures[f"{name}_peak_rss_mb"] = round(int(Path(rss_file).read_text()) / 1024, 1)
    return figures


def gui_figures(products: int = 40, runs: int = 20) -> dict[str, Any]:
    """The window's figures (``python -m ui.bench_gui --json``), run as a subprocess so
    that the core never imports Qt; empty when the GUI cannot run here."""
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.bench_gui",
            "--json",
            "--products",
            str(products),
            "--runs",
            str(runs),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"gui_error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measure(plan: Plan | None = None, runs: int = 5, export: bool = True) -> dict[str, Any]:
    """Every benchmark figure for ``plan`` (default: :func:`build_large_plan`).

    With ``export``, also the export speed from ``cadence.bench_export`` when present.
    """
    plan = plan or build_large_plan()
    sched = engine.schedule(plan)  # warm-up: public holidays, imports
    gaps.check(plan, sched)
    tables = floor_tables(plan)

    def floor() -> list[tuple[date, str]]:
        return _floor(plan, tables)  # run plainly, as the engine runs

    # Rounds of (schedule, gaps, floor), best of each: the three see the same
    # machine (a shared machine's speed drifts), and the ratio compares like with like.
    schedule_s = gaps_s = floor_s = float("inf")
    for _ in range(runs):
        t, sched = _best(lambda: engine.schedule(plan), 1)
        schedule_s = min(schedule_s, t)
        t, found = _best(partial(gaps.check, plan, sched), 1)
        gaps_s = min(gaps_s, t)
        t, pairs = _best(floor, 1)
        floor_s = min(floor_s, t)
    # Every occurrence and gap is an object already (tuples and lists of them):
    # these figures include building them all.
    touches = sum(1 for o in sched.touches if o.kind == "touch")
    if len(pairs) != touches:
        raise AssertionError(f"floor emitted {len(pairs)} pairs, engine {touches} touches")
    planner_s, _ = _best(lambda: Planner().update(plan), runs)
    replan_ms = _replan_ms(plan, runs)

    tracemalloc.start()
    gaps.check(plan, engine.schedule(plan))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    figures: dict[str, Any] = {
        "occurrences": len(sched.touches),
        "skipped": len(sched.skipped),
        "gaps": len(found),
        "schedule_s": round(schedule_s, 4),
        "gaps_s": round(gaps_s, 4),
        "floor_s": round(floor_s, 4),
        "ratio": round((schedule_s + gaps_s) / floor_s, 2) if floor_s else None,
        "schedule_ratio": round(schedule_s / floor_s, 2) if floor_s else None,
        "planner_s": round(planner_s, 4),
        "replan_ms": round(replan_ms, 2),
        "peak_mb": round(peak / 1e6, 1),
    }
    if export:
        try:
            from cadence.bench_export import measure_export
        except ImportError:  # the export benchmark is optional
            pass
        else:
            figures.update(measure_export(plan, sched))
    return figures


LABELS = (
    ("occurrences", "occurrences", ""),
    ("skipped", "skipped (roll = skip)", ""),
    ("gaps", "gaps", ""),
    ("schedule_s", "schedule", " s"),
    ("gaps_s", "gap checks", " s"),
    ("floor_s", "floor loop (date, uid)", " s"),
    ("ratio", "(schedule + gaps) / floor", "×"),
    ("schedule_ratio", "schedule / floor", "×"),
    ("planner_s", "Planner.update, from scratch", " s"),
    ("replan_ms", "re-plan one changed product", " ms"),
    ("peak_mb", "peak memory (tracemalloc)", " MB"),
    ("ics_events_per_s", "iCalendar export", " events/s"),
    ("schedule_json_s", "schedule --json (40 products)", " s"),
    ("schedule_json_peak_rss_mb", "  its peak RSS", " MB"),
    ("export_s", "export .ics (40 products)", " s"),
    ("export_peak_rss_mb", "  its peak RSS", " MB"),
    ("reexport_s", "export again over it", " s"),
    ("reexport_peak_rss_mb", "  its peak RSS", " MB"),
    ("edit_ms", "edit to painted (p50/p95)", " ms"),
    ("undo_ms", "undo to painted (p50/p95)", " ms"),
    ("drag_frame_ms", "drag frame (p50/p95)", " ms"),
    ("product_switch_ms", "product switch (p50/p95)", " ms"),
    ("icalendar_events_per_s", "icalendar library", " events/s"),
)


def render(figures: dict[str, Any]) -> str:
    """The figures as aligned text lines."""
    lines = []
    for key, label, unit in LABELS:
        if key in figures:
            lines.append(f"{label:<32} {figures[key]}{unit}")
    return "\n".join(lines)


def run(
    as_json: bool = False,
    products: int = PRODUCTS,
    runs: int = 5,
    export: bool = True,
    commands: bool | None = None,
    gui: bool | None = None,
) -> int:
    """Measure and print the figures (one JSON object with ``as_json``).

    ``commands``: also the CLI's wall time and peak RSS on the 40-product plan;
    ``gui``: also the window's edit, undo, drag and product-switch times on it.
    None (the default): both when the plan is that large (``products`` ≥ 40).
    """
    large = products >= GUI_PRODUCTS
    commands = large if commands is None else commands
    gui = large if gui is None else gui
    figures = measure(build_large_plan(products), runs, export)
    if commands:
        figures.update(command_figures(build_large_plan(GUI_PRODUCTS)))
    if gui:
        figures.update(gui_figures(GUI_PRODUCTS))
    print(json.dumps(figures) if as_json else render(figures))
    return 0


def positive_int(text: str) -> int:
    """argparse type for a count of at least 1 (as the command line's own)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--products",
        type=positive_int,
        default=PRODUCTS,
        help=f"products in the plan (default {PRODUCTS})",
    )
    parser.add_argument(
        "--runs", type=positive_int, default=5, help="timed rounds, best kept (default 5)"
    )
    parser.add_argument(
        "--no-export", dest="export", action="store_false", help="skip the export figures"
    )
    parser.add_argument(
        "--no-commands",
        dest="commands",
        action="store_false",
        default=None,
        help="skip timing schedule --json and export as subprocesses (run when --products ≥ 40)",
    )
    parser.add_argument(
        "--no-gui",
        dest="gui",
        action="store_false",
        default=None,
        help="skip the window's figures (run when --products ≥ 40)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cadence.bench", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args.json, args.products, args.runs, args.export, args.commands, args.gui)


if __name__ == "__main__":
    sys.exit(main())
