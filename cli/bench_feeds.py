"""Load test of the feed server on loopback: ``make bench-feeds``.

Writes a generated plan whose "all" feed holds over 10 000 events, starts the real
server (uvicorn, in a child process so client and server do not share one
interpreter) on a free 127.0.0.1 port, warms the feed once, then sends bounded
bursts of concurrent fetches, each on a new connection — half with the current ETag
(answered 304), half without (the full feed, gzip-encoded as calendar programs ask
for it) — and prints the p50/p95 latency of each kind, the requests per second, the
CPU the server and the client each spent per request, and the load average (the
machine may be shared). Targets: p95 ≤ 100 ms for 304s and ≤ 500 ms for the full
10k-event feed.

All fetches of a burst start together, so the last answered waits for the server to
answer the 199 others first: p95 is about 200 × the server's cost per connection
(accept, parse, answer, close), not the cost of one answer (printed apart).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


class _FetchProtocol(asyncio.Protocol):
    """One HTTP/1.1 exchange on a fresh connection: send the request as soon as the
    connection is made, note the status line, count the body bytes, done when the server
    closes. Callbacks, not streams: the client's own cost stays small beside the server's."""

    def __init__(self, request: bytes, done: asyncio.Future[tuple[bytes, int]]) -> None:
        self.request = request
        self.done = done
        self.head = b""
        self.received = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        cast(asyncio.WriteTransport, transport).write(self.request)

    def data_received(self, data: bytes) -> None:
        if len(self.head) < 16:
            self.head += data[:16]
        self.received += len(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result((self.head, self.received))


async def _fetch(port: int, path: str, etag: str | None) -> tuple[int, float]:
    """One fetch over a new connection, as a calendar program makes it: (status, seconds).

    Timed from the connect to the last byte of the answer. A lean asyncio client (no
    HTTP library): the figures are the server's, not a client library's. The body is
    read as it came over the wire (gzip): decoding it is the calendar program's work
    on its own machine.
    """
    began = clock.perf_counter()
    loop = asyncio.get_running_loop()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept-Encoding: gzip"]
    if etag is not None:
        lines.append(f"If-None-Match: {etag}")
    lines += ["Connection: close", "", ""]
    request = "\r\n".join(lines).encode("ascii")
    done: asyncio.Future[tuple[bytes, int]] = loop.create_future()
    await loop.create_connection(lambda: _FetchProtocol(request, done), "127.0.0.1", port)
    head, _received = await done
    return int(head.split()[1]), clock.perf_counter() - began


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


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(total: int = 200, products: int = 5, rounds: int = 3) -> dict[str, float]:
    """Run ``rounds`` bursts; returns the figures (seconds converted to ms).

    Latencies of all rounds are pooled; the CPU the server process and this client
    used during the bursts is measured apart, so a slow figure says which side (or
    the rest of the machine: the load average) was busy.
    """
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
            not_modified, full, elapsed = [], [], 0.0
            server_cpu = client_cpu = 0.0
            for _ in range(rounds):
                server_before, client_before = _cpu_seconds(child.pid), _own_cpu_seconds()
                answers_304, answers_full, seconds = _run_async(_burst(port, path, etag, total))
                server_cpu += _cpu_seconds(child.pid) - server_before
                client_cpu += _own_cpu_seconds() - client_before
                not_modified += answers_304
                full += answers_full
                elapsed += seconds
        finally:
            child.terminate()
            child.wait(timeout=30)
            sock.close()
    return {
        "events": events,
        "feed_bytes": len(first.content),
        "first_fetch_ms": warm_s * 1000,
        "requests": total,
        "rounds": rounds,
        "p50_304_ms": _percentile(not_modified, 0.5) * 1000,
        "p95_304_ms": _percentile(not_modified, 0.95) * 1000,
        "p50_full_ms": _percentile(full, 0.5) * 1000,
        "p95_full_ms": _percentile(full, 0.95) * 1000,
        "requests_per_s": total * rounds / elapsed,
        "server_cpu_ms_per_request": server_cpu * 1000 / (total * rounds),
        "client_cpu_ms_per_request": client_cpu * 1000 / (total * rounds),
        "load_average": os.getloadavg()[0],
        "cores": os.cpu_count() or 1,
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
    parser.add_argument("--rounds", type=int, default=3, help="bursts, latencies pooled (3)")
    parser.add_argument("--products", type=int, default=5, help="plan size (5: ~12k events)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("plan", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_fd is not None:
        _serve(args.serve_fd, args.plan)
        return 0
    figures = run(min(max(args.requests, 2), 1000), args.products, max(args.rounds, 1))
    if args.json:
        print(json.dumps(figures))
        return 0
    print(
        f"feed: {figures['events']} events, {figures['feed_bytes'] / 1e6:.1f} MB "
        f"(first fetch, generating it: {figures['first_fetch_ms']:.0f} ms)"
    )
    print(
        f"{figures['rounds']} bursts of {figures['requests']} concurrent fetches on loopback "
        "(each on a new connection), half with the current ETag:"
    )
    print(
        f"  304 Not Modified: p50 {figures['p50_304_ms']:.0f} ms, p95 {figures['p95_304_ms']:.0f} ms"
    )
    print(
        f"  200 full feed:    p50 {figures['p50_full_ms']:.0f} ms, p95 {figures['p95_full_ms']:.0f} ms"
    )
    print(f"  {figures['requests_per_s']:.0f} requests/s")
    print(
        f"CPU per request: server {figures['server_cpu_ms_per_request']:.2f} ms, "
        f"client {figures['client_cpu_ms_per_request']:.2f} ms; load average "
        f"{figures['load_average']:.1f} on {figures['cores']} cores"
    )
    print(
        f"one at a time (median of 20): 304 {figures['alone_304_ms']:.1f} ms, "
        f"full feed {figures['alone_full_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
