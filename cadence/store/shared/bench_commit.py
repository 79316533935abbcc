"""``python -m cadence.store.shared.bench_commit``: the server's part of a commit, without Python.

``make bench-shared`` measures what a Python client waits for, on a machine whose two
cores its 31 processes share; this measures what PostgreSQL itself adds, with
``pgbench`` (C clients, from the ``postgresql`` package) on a throwaway loopback server
holding the demo plan. 20 clients each rename a random stage (the tables' triggers as
installed), three ways:

- **notice inside the edit** (how Cadence saved before ``0006_notify_after_commit``):
  the stage trigger NOTIFYs in the edit's transaction, so its COMMIT takes PostgreSQL's
  notify lock and holds it through the WAL flush;
- **notice after the edit** (how Cadence saves now): the session sets
  ``cadence.notify_after_commit``, the edit commits without the lock, then one
  asynchronous-commit transaction sends the notice (``statements.ANNOUNCE_SQL``);
- **edit alone**: no notice at all (the floor).

Prints, per way, transactions, p50/p95 latency of one edit (with its notice), the
COMMIT's mean and throughput; first flat out (``--seconds``), then at a fixed rate
(``--rate``, near what the Python bench commits). The load average is printed too.

    .venv/bin/python -m cadence.store.shared.bench_commit --seconds 10 --rate 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from cadence.store.shared.localserver import LocalServer, find_bindir, start_local_server
from cadence.store.shared.statements import ANNOUNCE_SQL

EDIT = (
    "\\set n random(1, 15)\n"  # the demo plan's 15 stages
    "BEGIN;\n"
    "UPDATE stage SET name = name || '' WHERE pk = :n;\n"
    "COMMIT;\n"
)
NOTICE = ANNOUNCE_SQL.replace("%(payload)s", """'{"plan":"bench","changes":[]}'""") + ";\n"
QUIET = "-c cadence.notify_after_commit=on"
WAYS = {
    "notice inside the edit (before)": (EDIT, ""),
    "notice after the edit (now)": (EDIT + NOTICE, QUIET),
    "edit alone, no notice": (EDIT, QUIET),
}


def prepare(server: LocalServer) -> None:
    """The schema (with its triggers) and the demo plan as 'bench'."""
    from cadence.demo import demo_plan
    from cadence.store.shared.plans import make_engine, share_plan
    from cadence.store.shared.schema import upgrade_schema
    from cadence.store.shared.url import parse_shared_url

    url = f"postgresql://cadence_admin:{server.password}@127.0.0.1:{server.port}/postgres"
    engine = make_engine(parse_shared_url(url, need_plan=False))
    upgrade_schema(engine)
    engine.dispose()
    share_plan(demo_plan(), url + "?plan=bench")


def pgbench(server: LocalServer, script: str, options: str, seconds: int, rate: int | None) -> str:
    """Run one way with 20 clients; a line of figures."""
    with tempfile.TemporaryDirectory(prefix="cadence-pgbench-") as name:
        return _pgbench_in(Path(name), server, script, options, seconds, rate)


def _pgbench_in(
    folder: Path, server: LocalServer, script: str, options: str, seconds: int, rate: int | None
) -> str:
    (folder / "edit.sql").write_text(script)
    command = [str(find_bindir() / "pgbench"), "-n", "-h", "127.0.0.1", "-p", str(server.port)]
    command += ["-U", "cadence_admin", "-c", "20", "-j", "2", "-T", str(seconds), "-r"]
    command += ["-f", str(folder / "edit.sql"), "-l", "--log-prefix", str(folder / "tx")]
    command += [*(["-R", str(rate)] if rate else []), "postgres"]
    env = dict(os.environ, PGPASSWORD=server.password, PGOPTIONS=options)
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=folder)
    if done.returncode != 0:
        return f"pgbench failed: {done.stderr.strip()[-300:]}"
    # pgbench's log: client, transaction, latency in microseconds, …
    latencies = [int(line.split()[2]) / 1000 for log in folder.glob("tx*") for line in log.open()]
    q = statistics.quantiles(latencies, n=100)
    tps = next(line.split()[2] for line in done.stdout.splitlines() if line.startswith("tps"))
    commit = next(line.split()[0] for line in done.stdout.splitlines() if "COMMIT" in line)
    return (
        f"{len(latencies)} edits, p50 {q[49]:.2f} ms, p95 {q[94]:.2f} ms, "
        f"COMMIT mean {commit} ms, {float(tps):.0f} edits/s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=10, help="per way and rate")
    parser.add_argument("--rate", type=int, default=200, help="the fixed rate, edits/s")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    server = start_local_server()
    try:
        prepare(server)
        for rate in (None, args.rate):
            print(f"20 pgbench clients, {f'{rate} edits/s' if rate else 'flat out'}:")
            for name, (script, options) in WAYS.items():
                print(f"  {name}: {pgbench(server, script, options, args.seconds, rate)}")
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
