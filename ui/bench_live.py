"""``python -m ui.bench_live``: how soon an open window shows another person's commit.

Starts a throwaway PostgreSQL on loopback, shares the demo plan, opens it in a real
window (offscreen) and, N times, commits a stage rename from another connection (as
another person would). Prints, in milliseconds, p50/p95 of: commit → the window
re-planned with the change (the whole path: NOTIFY, socket notifier, re-read of the
changed object, re-plan, views told), and the window's own part of it (from the
socket becoming readable).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--edits", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from cadence.demo import demo_plan
    from cadence.store.shared.localserver import ADMIN, start_local_server
    from cadence.store.shared.plans import make_engine, open_shared_plan, share_plan
    from cadence.store.shared.schema import upgrade_schema
    from cadence.store.shared.url import parse_shared_url
    from ui import app as app_module

    server = start_local_server()
    folder = Path(tempfile.mkdtemp(prefix="cadence-bench-live-"))
    try:
        passfile = folder / "pgpass"
        passfile.write_text(f"127.0.0.1:{server.port}:*:{ADMIN}:{server.password}\n")
        passfile.chmod(0o600)
        os.environ["PGPASSFILE"] = str(passfile)
        import psycopg

        with psycopg.connect(server.admin_conninfo(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        engine = make_engine(parse_shared_url(server.url(ADMIN, "bench"), need_plan=False))
        upgrade_schema(engine)  # what `db init` does
        engine.dispose()
        url = server.url(ADMIN, "bench", "northwind")
        share_plan(demo_plan(), url)
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = app_module.build_window([url], settings, today=date(2027, 3, 9))
        window.show()
        link = window.live  # type: ignore[attr-defined]
        whole: list[float] = []
        in_window: list[float] = []
        loop = QEventLoop()
        link.sig_refreshed.connect(lambda _keys: loop.quit())
        guard = QTimer()  # a lost notice must not hang the bench
        guard.setSingleShot(True)
        guard.timeout.connect(loop.quit)
        with open_shared_plan(url) as other:
            for i in range(args.edits):
                plan = other.load()
                product = plan.products[i % len(plan.products)]
                stages = (replace(product.stages[0], name=f"Aware {i}"), *product.stages[1:])
                products = tuple(
                    replace(p, stages=stages) if p.id == product.id else p for p in plan.products
                )
                other.save(replace(plan, products=products))
                committed = time.perf_counter()
                guard.start(10000)
                loop.exec()
                guard.stop()
                whole.append((time.perf_counter() - committed) * 1000)
                in_window.append(link.refresh_ms)
        window.close()
        print(f"edits: {len(whole)}")
        print(
            f"commit → window re-planned: p50 {statistics.median(whole):.1f} ms, "
            f"p95 {_percentile(whole, 0.95):.1f} ms"
        )
        print(
            f"in the window (socket readable → re-planned): p50 "
            f"{statistics.median(in_window):.1f} ms, p95 {_percentile(in_window, 0.95):.1f} ms"
        )
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
