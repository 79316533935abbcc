"""Load test of the feed server on loopback: ``make bench-feeds``.

Writes a generated plan whose "all" feed holds over 10 000 events, starts the real
server (uvicorn, in a child process so client and server do not share one
interpreter) on a free 127.0.0.1 port, warms the feed once, then sends a bounded
burst of concurrent fetches — half with the current ETag (answered 304), half
without (the full feed, gzip-encoded as calendar programs ask for it) — and prints the
p50/p95 latency of each kind and the requests per second. Targets: p95 ≤ 100 ms
for 304s and ≤ 500 ms for the full 10k-event feed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


async def _fetch(port: int, path: str, etag: str | None) -> tuple[int, float]:
    """One fetch over a new connection, as a calendar program makes it: (status, seconds).

    A lean asyncio client (no HTTP library): the figures are the server's, not a
    client library's. The body is read as it came over the wire (gzip): decoding
    it is the calendar program's work on its own machine.
    """
    began = clock.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept-Encoding: gzip"]
    if etag is not None:
        lines.append(f"If-None-Match: {etag}")
    lines += ["Connection: close", "", ""]
    writer.write("\r\n".join(lines).encode("ascii"))
    await writer.drain()
    status_line = await reader.readline()
    while await reader.read(1 << 20):
        pass
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1]), clock.perf_counter() - began


async def _burst(
    port: int, path: str, etag: str, total: int
) -> tuple[list[float], list[float], float]:
    """``total`` fetches at once, every other one with the current ETag."""
    began = clock.perf_counter()
    results = await asyncio.gather(
        *(_fetch(port, path, etag if i % 2 == 0 else None) for i in range(total))
    )
    elapsed = clock.perf_counter() - began
    not_modified: list[float] = []
    full: list[float] = []
    for i, (status, seconds) in enumerate(results):
        expected = 304 if i % 2 == 0 else 200
        if status != expected:
            raise RuntimeError(f"expected {expected}, got {status}")
        (not_modified if i % 2 == 0 else full).append(seconds)
    return not_modified, full, elapsed


def _run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the client on uvloop when installed (as the server does): a slow client
    would make the server look slow."""
    try:
        import uvloop
    except ModuleNotFoundError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def run(total: int = 200, products: int = 5) -> dict[str, float]:
    """Run the burst; returns the figures (seconds converted to ms)."""
    import httpx2 as httpx

    from cadence.bench import build_large_plan
    from cadence.feeds import add_token
    from cadence.formats.plan_json import dumps_plan

    plan = build_large_plan(products)
    with tempfile.TemporaryDirectory(prefix="cadence-bench-feeds-") as folder:
        plan_path = Path(folder) / "bench.json"
        plan_path.write_text(dumps_plan(plan), encoding="utf-8")
        _token, secret = add_token(plan_path, plan, created=datetime.now(UTC))
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        port = sock.getsockname()[1]
        child = subprocess.Popen(
            [sys.executable, "-m", "cli.bench_feeds", "--serve-fd", str(sock.fileno()),
             str(plan_path)],
            pass_fds=[sock.fileno()],
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}/feeds/{secret}/all.ics"
            began = clock.perf_counter()
            first = httpx.get(url, timeout=120, headers={"Accept-Encoding": "identity"})
            first.raise_for_status()
            warm_s = clock.perf_counter() - began
            events = first.content.count(b"BEGIN:VEVENT")
            path = f"/feeds/{secret}/all.ics"
            etag = first.headers["etag"]
            # One at a time first: what a single answer costs, without queueing.
            alone_304 = [_run_async(_fetch(port, path, etag))[1] for _ in range(20)]
            alone_full = [_run_async(_fetch(port, path, None))[1] for _ in range(20)]
            not_modified, full, elapsed = _run_async(_burst(port, path, etag, total))
        finally:
            child.terminate()
            child.wait(timeout=30)
            sock.close()
    return {
        "events": events,
        "feed_bytes": len(first.content),
        "first_fetch_ms": warm_s * 1000,
        "requests": total,
        "p50_304_ms": _percentile(not_modified, 0.5) * 1000,
        "p95_304_ms": _percentile(not_modified, 0.95) * 1000,
        "p50_full_ms": _percentile(full, 0.5) * 1000,
        "p95_full_ms": _percentile(full, 0.95) * 1000,
        "requests_per_s": total / elapsed,
        "alone_304_ms": _percentile(alone_304, 0.5) * 1000,
        "alone_full_ms": _percentile(alone_full, 0.5) * 1000,
    }


def _serve(fd: int, plan_path: str) -> None:
    """The child: the real server on the socket the parent bound."""
    from cadence.feeds import FeedService
    from cli.serve import create_app, serve_on

    sock = socket.socket(fileno=fd)
    serve_on(create_app(FeedService(plan_path)), sock, max_connections=1024).run(sockets=[sock])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.bench_feeds", description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="concurrent fetches (200)")
    parser.add_argument("--products", type=int, default=5, help="plan size (5: ~12k events)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("plan", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fd is not None:
        _serve(args.serve_fd, args.plan)
        return 0
    figures = run(min(max(args.requests, 2), 1000), args.products)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(
        f"feed: {figures['events']} events, {figures['feed_bytes'] / 1e6:.1f} MB "
        f"(first fetch, generating it: {figures['first_fetch_ms']:.0f} ms)"
    )
    print(f"{figures['requests']} concurrent fetches on loopback, half with the current ETag:")
    print(
        f"  304 Not Modified: p50 {figures['p50_304_ms']:.0f} ms, p95 {figures['p95_304_ms']:.0f} ms"
    )
    print(
        f"  200 full feed:    p50 {figures['p50_full_ms']:.0f} ms, p95 {figures['p95_full_ms']:.0f} ms"
    )
    print(f"  {figures['requests_per_s']:.0f} requests/s")
    print(
        f"one at a time (median of 20): 304 {figures['alone_304_ms']:.1f} ms, "
        f"full feed {figures['alone_full_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
