"""``make bench-shared``: many people editing one shared plan at once, on loopback.

Starts a throwaway PostgreSQL (see :mod:`cadence.store.shared.localserver`), shares the
demo plan, then runs W writer processes × E edits (each renames a random stage or
touch, from its own possibly stale copy; a conflict counts, and the writer re-reads what
others changed: ``stale_objects()`` and ``refresh()``, as a window catches up) and R reader
processes that behave like open windows: each LISTENs, re-reads only the objects the
notices name (``SharedPlan.refresh``) and re-plans (:class:`cadence.planner.Planner`, the
app's incremental planner), at most once per ``REFRESH_EVERY_SECONDS`` with every
notice held meanwhile (``RefreshThrottle``, as a window does). Prints edits/s, p50/p95
commit latency (the edit's COMMIT) and commit + notice (the save as the app sees it:
the store announces the edit after its COMMIT), the client CPU of one save, conflicts,
notify-to-refresh latency over ALL readers (commit → each reader has re-read and
re-planned: p50/p95/max), and checks that the database accounts for every committed
edit (no lost update): each object's final revision is 1 + the edits committed on it,
its final name the one the last of them wrote, and every
reader saw every committed edit.

``--stress-readers N`` adds N processes loading the WHOLE plan in a tight loop (no
real reader does that; a stress figure, reported apart).

    make bench-shared ARGS="--writers 20 --edits 100 --readers 10 --stress-readers 10"
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from cadence.model import Plan

ObjectEdit = tuple[str, str, str, int, float]  # kind, id, new name, revision after, commit time
Seen = tuple[tuple[str, str, int], float, float]  # (kind, id, revision), notice at, refreshed at
END_OF_RUN = "end-of-run"  # the kind of the notice that tells the readers the writers are done


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


def writer(url: str, number: int, edits: int, go: Any, out: Any) -> None:
    from cadence.store.shared import plans
    from cadence.store.shared.plans import Conflict, open_shared_plan

    rng = random.Random(number)
    sent: list[float] = []  # the edit's statements sent → COMMIT acknowledged
    last_send = [0.0]
    real_send = plans.send

    def timed_send(conn: Any, statements: Any) -> None:  # times the server's part
        started = time.perf_counter()
        try:
            real_send(conn, statements)
        finally:
            last_send[0] = time.perf_counter() - started

    plans.send = timed_send  # this process only
    latencies: list[float] = []  # the edit's commit
    announced: list[float] = []  # commit + the notice sent after it
    cpu: list[float] = []  # this process's CPU time per committed save
    committed: list[ObjectEdit] = []
    conflicts = 0
    with open_shared_plan(url) as shared:
        shared.load()
        out.put(("ready", [], [], 0, [], []))
        go.wait()  # every process connected and loaded: the edits start together
        for i in range(edits):
            plan, kind, object_id, name = rename(shared.plan, rng, f"w{number}e{i}")
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                shared.save(plan, announce=False)
            except Conflict:
                conflicts += 1
                # As a window catches up (its idle check): re-read what others changed,
                # the refused object among them, not the whole plan.
                shared.refresh(shared.stale_objects())
                continue
            commit_time, committed_at = time.time(), time.perf_counter()
            shared.announce()
            latencies.append(committed_at - start)
            sent.append(last_send[0])
            announced.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            revision = shared.revision(kind, object_id)
            assert revision is not None
            committed.append((kind, object_id, name, revision, commit_time))
    out.put(("writer", latencies, committed, conflicts, cpu, announced, sent))


def stress_reader(url: str, go: Any, stop: Any, out: Any) -> None:
    """Loads the whole plan in a tight loop (a stress figure: no real reader does this)."""
    from cadence.store.shared.plans import open_shared_plan

    latencies: list[float] = []
    with open_shared_plan(url) as shared:
        out.put(("ready", [], [], 0, [], []))
        go.wait()
        while not stop.is_set():
            start = time.perf_counter()
            shared.load()
            latencies.append(time.perf_counter() - start)
    out.put(("stress", latencies, [], 0, [], []))


def reader(url: str, out: Any, refresh_every: float | None = None) -> None:
    """An open window: LISTEN; on each batch of notices re-read the objects named and
    re-plan (the app's incremental planner, gaps included), until the end-of-run notice.

    Reports, per changed object revision, when its notice arrived and when the re-plan
    that followed was done (wall clock, compared with the writer's commit), and the CPU
    time of its refreshes. Like a window, it asks the server for missed changes when no
    notice came for ``IDLE_CHECK_SECONDS`` (none are missed here: it reports how many)."""
    from cadence.planner import Planner
    from cadence.store.shared.live import (
        IDLE_CHECK_SECONDS,
        ChangeNotice,
        PlanListener,
        RefreshThrottle,
    )
    from cadence.store.shared.plans import open_shared_plan

    seen: list[Seen] = []
    cpu: list[float] = []
    caught_idle = 0  # objects found stale by the idle check (a missed notice)
    planner = Planner()
    # As a window: at most one refresh per REFRESH_EVERY_SECONDS (or ``refresh_every``).
    throttle = RefreshThrottle() if refresh_every is None else RefreshThrottle(refresh_every)
    with PlanListener(url) as listener, open_shared_plan(url) as shared:
        len(planner.update(shared.load()).gaps)  # the window's first plan
        out.put(("ready", [], [], 0, [], []))
        done = False
        quiet_since = time.monotonic()
        pending: list[tuple[ChangeNotice, float]] = []  # notices held, when each arrived
        while not done:
            wait = throttle.wait(time.monotonic()) if pending else 1.0
            arrived = listener.poll(wait)
            done = any(n.kind == END_OF_RUN for n in arrived)
            now = time.time()
            pending += [(n, now) for n in arrived if n.kind != END_OF_RUN]
            if not pending:
                if time.monotonic() - quiet_since >= IDLE_CHECK_SECONDS:
                    stale = shared.stale_objects()
                    caught_idle += len(stale)
                    if stale:
                        len(planner.update(shared.refresh(stale)).gaps)
                    quiet_since = time.monotonic()
                continue
            quiet_since = time.monotonic()
            if throttle.wait(quiet_since) > 0 and not done:
                continue  # a burst: more notices may come before the refresh is due
            start_cpu = time.process_time()
            notices = [n for n, _ in pending]
            if any(n.reload_all for n in notices):
                plan = shared.load()
            else:
                plan = shared.refresh(n.key for n in notices)  # re-read only what changed
            len(planner.update(plan).gaps)  # re-plan the products that differ
            refreshed = time.time()
            throttle.applied(time.monotonic())
            cpu.append(time.process_time() - start_cpu)
            seen += [
                ((n.kind, n.object_id, n.revision or 0), received, refreshed)
                for n, received in pending
                if n.op == "update"
            ]
            pending = []
    out.put(("reader", seen, [], caught_idle, cpu, []))


def end_of_run(url: str) -> None:
    """Tell the readers the writers are done: a notice committed after every edit, so
    (notices arrive in commit order) each reader has received every edit's before it."""
    from cadence.store.shared.live import CHANNEL, conninfo
    from cadence.store.shared.url import parse_shared_url

    location = parse_shared_url(url)
    payload = json.dumps({"plan": location.plan, "kind": END_OF_RUN, "id": "", "op": "update"})
    with psycopg.connect(conninfo(location), autocommit=True) as conn:
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


@dataclass
class WaitSampler:
    """``--waits``: what the server's active backends are doing, sampled every few
    milliseconds from pg_stat_activity while the writers edit (where commit time goes:
    ``Lock:object`` is the notify lock, ``IO:WALSync`` the flush, ``CPU`` no wait;
    ``Client:ClientRead`` the backend waits for the client, e.g. the next statement of
    a pipeline). Each sample is named by the statement's first word (UPDATE: an edit)."""

    url: str
    interval: float = 0.005
    counts: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _sample(self) -> None:
        from cadence.store.shared.live import conninfo
        from cadence.store.shared.url import parse_shared_url

        query = (
            "SELECT split_part(ltrim(query), ' ', 1) || ' ' "
            "|| coalesce(wait_event_type || ':' || wait_event, 'CPU') "
            "FROM pg_stat_activity "
            "WHERE state <> 'idle' AND backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()"
        )
        with psycopg.connect(conninfo(parse_shared_url(self.url)), autocommit=True) as conn:
            while not self._stop.wait(self.interval):
                self.counts.update(row[0] for row in conn.execute(query))

    def report(self) -> str:
        total = sum(self.counts.values()) or 1
        top = ", ".join(f"{name} {n / total:.0%}" for name, n in self.counts.most_common(6))
        return f"  waits:     active backends sampled {total} times: {top}"


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
    commits: list[float]  # seconds per committed save: the edit's COMMIT
    announced: list[float]  # seconds per committed save: COMMIT, then the notice sent
    sent: list[float]  # seconds per committed save from its SQL sent to COMMIT acknowledged
    save_cpu: list[float]  # the writer's CPU seconds per committed save
    readers: int
    notify: list[float]  # seconds from a commit to its notice, at each reader
    refresh: list[float]  # seconds from a commit to each reader's re-read and re-planned plan
    refresh_cpu: list[float]  # a reader's CPU seconds per refresh (re-read + re-plan)
    missed: int  # (committed edit, reader) pairs the reader never refreshed
    caught_idle: int  # objects the readers' idle checks found stale (missed notices)
    lost: int  # objects whose revision misses a committed edit
    wrong: int  # objects whose final value is not the last committed edit's
    stress_reads: list[float]  # seconds per whole-plan load of the stress readers


def run_load(
    url: str,
    writers: int,
    edits: int,
    readers: int,
    stress_readers: int = 0,
    waits: WaitSampler | None = None,
    refresh_every: float | None = None,
) -> LoadResult:
    """Run the writers and readers against the shared plan at ``url``, then check it.

    Every process imports, connects and loads the plan before the edits start (the
    figures are those of editing, not of starting 30 Python processes)."""
    import cadence.planner  # noqa: F401 - imported once here, shared by the forked processes
    import cadence.store.shared.live
    import cadence.store.shared.plans  # noqa: F401

    ctx = mp.get_context("fork")
    out = ctx.Queue()
    go, stop = ctx.Event(), ctx.Event()
    procs = [ctx.Process(target=reader, args=(url, out, refresh_every)) for _ in range(readers)]
    procs += [
        ctx.Process(target=stress_reader, args=(url, go, stop, out)) for _ in range(stress_readers)
    ]
    procs += [ctx.Process(target=writer, args=(url, n, edits, go, out)) for n in range(writers)]
    for p in procs:
        p.start()
    ready = [out.get()[0] for _ in procs]
    assert ready == ["ready"] * len(procs)  # the readers listen before the first edit
    start = time.perf_counter()
    go.set()
    if waits is not None:
        waits.start()
    results = [out.get() for _ in range(writers)]
    wall = time.perf_counter() - start
    if waits is not None:
        waits.stop()
    stop.set()
    end_of_run(url)
    results += [out.get() for _ in range(readers + stress_readers)]
    for p in procs:
        p.join()

    def pooled(kind: str, index: int) -> list[Any]:
        return [x for r in results if r[0] == kind for x in r[index]]

    committed: list[ObjectEdit] = pooled("writer", 2)
    lost, wrong = check(url, committed)
    commit_time = {(e[0], e[1], e[3]): e[4] for e in committed}
    seen: list[Seen] = [x for x in pooled("reader", 1) if x[0] in commit_time]
    return LoadResult(
        attempts=writers * edits,
        committed=len(committed),
        conflicts=sum(r[3] for r in results if r[0] == "writer"),
        wall=wall,
        commits=pooled("writer", 1),
        announced=pooled("writer", 5),
        sent=pooled("writer", 6),
        save_cpu=pooled("writer", 4),
        readers=readers,
        notify=[got - commit_time[key] for key, got, _ in seen],
        refresh=[done - commit_time[key] for key, _, done in seen],
        refresh_cpu=pooled("reader", 4),
        missed=len(committed) * readers - len(seen),
        caught_idle=sum(r[3] for r in results if r[0] == "reader"),
        lost=lost,
        wrong=wrong,
        stress_reads=pooled("stress", 1),
    )


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.1f}"


def report(r: LoadResult, writers: int, edits: int, stress_readers: int) -> None:
    stress = f" + {stress_readers} stress readers" if stress_readers else ""
    print(f"shared plan: {writers} writers × {edits} edits + {r.readers} readers{stress}, loopback")
    print(f"  edits:     {r.committed} committed, {r.conflicts} refused as conflicts")
    print(
        f"  rate:      {r.attempts / r.wall:.0f} edits/s ({r.committed / r.wall:.0f} committed/s)"
    )
    print(
        f"  commit:    p50 {ms(r.commits, 50)} ms, p95 {ms(r.commits, 95)} ms "
        f"(target p95 ≤ 50 ms); client CPU per save p50 {ms(r.save_cpu, 50)} ms, "
        f"mean {statistics.fmean(r.save_cpu or [0]) * 1000:.2f} ms"
    )
    print(
        f"  of which:  SQL sent → COMMIT acknowledged p50 {ms(r.sent, 50)} ms, "
        f"p95 {ms(r.sent, 95)} ms (the rest: the writer's Python work and waiting for a CPU)"
    )
    print(
        f"  + notice:  commit then the notice sent: p50 {ms(r.announced, 50)} ms, "
        f"p95 {ms(r.announced, 95)} ms (the save as the app waits for it)"
    )
    if r.readers:
        print(
            f"  live:      notice p50 {ms(r.notify, 50)} ms, p95 {ms(r.notify, 95)} ms after commit; "
            f"re-read + re-planned p50 {ms(r.refresh, 50)} ms, p95 {ms(r.refresh, 95)} ms, "
            f"max {max(r.refresh or [0]) * 1000:.1f} ms (target ≤ 1000 ms)"
        )
        print(
            f"             over {len(r.refresh)} (edit, reader) pairs of {r.readers} readers; "
            f"missed {r.missed}, found by idle checks {r.caught_idle}; reader CPU per refresh p50 {ms(r.refresh_cpu, 50)} ms "
            f"({len(r.refresh_cpu)} refreshes)"
        )
    if stress_readers:
        print(
            f"  stress:    {len(r.stress_reads)} whole-plan loads in a tight loop, "
            f"p50 {ms(r.stress_reads, 50)} ms, p95 {ms(r.stress_reads, 95)} ms"
        )
    print(f"  check:     lost updates {r.lost}, wrong final values {r.wrong}")
    load = os.getloadavg()
    print(f"  machine:   load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")


def run(
    writers: int,
    edits: int,
    readers: int,
    stress_readers: int,
    waits: bool = False,
    refresh_every: float | None = None,
) -> None:
    from cadence.demo import demo_plan
    from cadence.store.shared.localserver import start_local_server
    from cadence.store.shared.plans import make_engine, share_plan
    from cadence.store.shared.schema import upgrade_schema
    from cadence.store.shared.url import parse_shared_url

    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    server = start_local_server()
    try:
        url = f"postgresql://cadence_admin:{server.password}@127.0.0.1:{server.port}/postgres"
        engine = make_engine(parse_shared_url(url, need_plan=False))
        upgrade_schema(engine)
        engine.dispose()
        url += "?plan=bench"
        share_plan(demo_plan(), url)
        sampler = WaitSampler(url) if waits else None
        result = run_load(url, writers, edits, readers, stress_readers, sampler, refresh_every)
    finally:
        server.stop()
    report(result, writers, edits, stress_readers)
    if sampler is not None:
        print(sampler.report())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--readers", type=int, default=10, help="listening readers (windows)")
    parser.add_argument(
        "--stress-readers",
        type=int,
        default=0,
        help="extra processes loading the whole plan in a tight loop (a stress figure)",
    )
    parser.add_argument(
        "--waits",
        action="store_true",
        help="sample the server's wait events while the writers edit (where commit time goes)",
    )
    parser.add_argument(
        "--refresh-every",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a reader applies notices at most once in this many seconds "
        "(default: the app's REFRESH_EVERY_SECONDS; 0: after every batch, as before)",
    )
    args = parser.parse_args(argv)
    run(
        args.writers,
        args.edits,
        args.readers,
        args.stress_readers,
        args.waits,
        args.refresh_every,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
