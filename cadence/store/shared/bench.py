"""``make bench-shared``: many people editing one shared plan at once, on loopback.

Starts a throwaway PostgreSQL (see :mod:`cadence.store.shared.localserver`), shares the
demo plan, then runs W writer processes × E edits (each renames a random stage or
touch, from its own possibly stale copy; a conflict reloads and counts), R reader
processes (full plan loads) and one watcher (an open window: LISTEN, re-read the
changed objects on each notice) until the writers finish. Prints edits/s, p50/p95 commit
latency, conflicts, notify-to-refresh latency, and checks that the database accounts for every committed edit
(no lost update): each object's final revision is 1 + the edits committed on it, and
its final name is the one the last of them wrote.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import time
from dataclasses import dataclass, replace
from typing import Any

from cadence.model import Plan

ObjectEdit = tuple[str, str, str, int, float]  # kind, id, new name, revision after, commit time


def rename(plan: Plan, rng: random.Random, tag: str) -> tuple[Plan, str, str, str]:
    """The plan with one random stage or touch renamed; returns (plan, kind, id, name)."""
    pi = rng.randrange(len(plan.products))
    product = plan.products[pi]
    kind = rng.choice(("stage", "touch"))
    if kind == "stage":
        stages = list(product.stages)
        i = rng.randrange(len(stages))
        object_id, name = stages[i].id, f"{stages[i].name.split(' ~')[0]} ~{tag}"
        stages[i] = replace(stages[i], name=name)
        changed = replace(product, stages=tuple(stages))
    else:
        touches = list(product.touches)
        i = rng.randrange(len(touches))
        object_id, name = touches[i].id, f"{touches[i].name.split(' ~')[0]} ~{tag}"
        touches[i] = replace(touches[i], name=name)
        changed = replace(product, touches=tuple(touches))
    products = plan.products[:pi] + (changed,) + plan.products[pi + 1 :]
    return replace(plan, products=products), kind, f"{product.id}/{object_id}", name


def writer(url: str, number: int, edits: int, out: Any) -> None:
    from cadence.store.shared.plans import Conflict, open_shared_plan

    rng = random.Random(number)
    latencies: list[float] = []
    committed: list[ObjectEdit] = []
    conflicts = 0
    with open_shared_plan(url) as shared:
        shared.load()
        for i in range(edits):
            plan, kind, object_id, name = rename(shared.plan, rng, f"w{number}e{i}")
            start = time.perf_counter()
            try:
                shared.save(plan)
            except Conflict:
                conflicts += 1
                shared.load()
                continue
            latencies.append(time.perf_counter() - start)
            revision = shared.revision(kind, object_id)
            assert revision is not None
            committed.append((kind, object_id, name, revision, time.time()))
    out.put(("writer", latencies, committed, conflicts))


def reader(url: str, stop: Any, out: Any) -> None:
    from cadence.store.shared.plans import open_shared_plan

    latencies: list[float] = []
    with open_shared_plan(url) as shared:
        while not stop.is_set():
            start = time.perf_counter()
            shared.load()
            latencies.append(time.perf_counter() - start)
    out.put(("reader", latencies, [], 0))


def watcher(url: str, stop: Any, out: Any) -> None:
    """An open window: on each notification, re-read the changed objects (the refresh).

    Reports, per changed object revision, when the notice arrived and when the
    refresh that followed it was done (wall clock, compared with the writer's commit)."""
    from cadence.store.shared.live import PlanListener
    from cadence.store.shared.plans import open_shared_plan

    seen: list[tuple[tuple[str, str, int], float, float]] = []
    with PlanListener(url) as listener, open_shared_plan(url) as shared:
        out.put(("ready", [], [], 0))
        while not stop.is_set():
            notices = listener.poll(0.2)
            if not notices:
                continue
            received = time.time()
            shared.refresh(n.key for n in notices)  # re-read only what changed
            done = time.time()
            seen += [
                ((n.kind, n.object_id, n.revision or 0), received, done)
                for n in notices
                if n.op == "update"
            ]
    out.put(("watcher", seen, [], 0))


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def check(url: str, committed: list[ObjectEdit]) -> tuple[int, int]:
    """(objects whose revision misses an edit, objects whose name is not the last edit's)."""
    from cadence.store.shared.plans import open_shared_plan

    by_object: dict[tuple[str, str], list[ObjectEdit]] = {}
    for edit in committed:
        by_object.setdefault((edit[0], edit[1]), []).append(edit)
    lost = wrong = 0
    with open_shared_plan(url) as shared:
        plan = shared.load()
        names = {
            ("stage" if kind == "stage" else "touch", f"{p.id}/{item.id}"): item.name
            for p in plan.products
            for kind, items in (("stage", p.stages), ("touch", p.touches))
            for item in items
        }
        for key, edits in by_object.items():
            if shared.revision(*key) != 1 + len(edits):
                lost += 1
            if names[key] != max(edits, key=lambda e: e[3])[2]:
                wrong += 1
    return lost, wrong


@dataclass(frozen=True)
class LoadResult:
    attempts: int
    committed: int
    conflicts: int
    wall: float
    commits: list[float]  # seconds per committed save
    reads: list[float]  # seconds per full load
    lost: int  # objects whose revision misses a committed edit
    wrong: int  # objects whose final value is not the last committed edit's
    notify: list[float]  # seconds from a commit to its notice at the watcher
    refresh: list[float]  # seconds from a commit to the watcher's reloaded plan


def run_load(url: str, writers: int, edits: int, readers: int) -> LoadResult:
    """Run the writers and readers against the shared plan at ``url``, then check it."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    stop = ctx.Event()
    watch = ctx.Process(target=watcher, args=(url, stop, out))
    watch.start()
    assert out.get()[0] == "ready"  # listening before the first edit
    procs = [ctx.Process(target=reader, args=(url, stop, out)) for _ in range(readers)]
    procs += [ctx.Process(target=writer, args=(url, n, edits, out)) for n in range(writers)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results = [out.get() for _ in range(writers)]
    wall = time.perf_counter() - start
    stop.set()
    results += [out.get() for _ in range(readers + 1)]
    for p in [*procs, watch]:
        p.join()
    committed = [e for kind, _, c, _ in results if kind == "writer" for e in c]
    lost, wrong = check(url, committed)
    commit_time = {(e[0], e[1], e[3]): e[4] for e in committed}
    seen = [x for kind, s, _, _ in results if kind == "watcher" for x in s]
    notify = [got - commit_time[key] for key, got, _ in seen if key in commit_time]
    refresh = [done - commit_time[key] for key, _, done in seen if key in commit_time]
    return LoadResult(
        attempts=writers * edits,
        committed=len(committed),
        conflicts=sum(c for kind, _, _, c in results if kind == "writer"),
        wall=wall,
        commits=[x for kind, lat, _, _ in results if kind == "writer" for x in lat],
        reads=[x for kind, lat, _, _ in results if kind == "reader" for x in lat],
        lost=lost,
        wrong=wrong,
        notify=notify,
        refresh=refresh,
    )


def run(writers: int, edits: int, readers: int) -> None:
    from cadence.demo import demo_plan
    from cadence.store.shared.localserver import start_local_server
    from cadence.store.shared.plans import make_engine, share_plan
    from cadence.store.shared.schema import upgrade_schema
    from cadence.store.shared.url import parse_shared_url

    server = start_local_server()
    try:
        url = f"postgresql://cadence_admin:{server.password}@127.0.0.1:{server.port}/postgres"
        engine = make_engine(parse_shared_url(url, need_plan=False))
        upgrade_schema(engine)
        engine.dispose()
        url += "?plan=bench"
        share_plan(demo_plan(), url)
        r = run_load(url, writers, edits, readers)
    finally:
        server.stop()
    print(f"shared plan: {writers} writers × {edits} edits + {readers} readers, loopback")
    print(f"  edits:     {r.committed} committed, {r.conflicts} refused as conflicts")
    print(
        f"  rate:      {r.attempts / r.wall:.0f} edits/s ({r.committed / r.wall:.0f} committed/s)"
    )
    print(
        f"  commit:    p50 {percentile(r.commits, 50) * 1000:.1f} ms, "
        f"p95 {percentile(r.commits, 95) * 1000:.1f} ms"
    )
    print(
        f"  reads:     {len(r.reads)} full plan loads, "
        f"p50 {percentile(r.reads, 50) * 1000:.1f} ms, p95 {percentile(r.reads, 95) * 1000:.1f} ms"
    )
    print(
        f"  live:      notice p50 {percentile(r.notify, 50) * 1000:.1f} ms, "
        f"p95 {percentile(r.notify, 95) * 1000:.1f} ms after commit; refreshed plan "
        f"p50 {percentile(r.refresh, 50) * 1000:.0f} ms, p95 {percentile(r.refresh, 95) * 1000:.0f} ms "
        f"({len(r.refresh)} edits seen by 1 watcher)"
    )
    print(f"  check:     lost updates {r.lost}, wrong final values {r.wrong}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--readers", type=int, default=10)
    args = parser.parse_args(argv)
    run(args.writers, args.edits, args.readers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
