"""Subscription feeds: tokens, the HTTP answers (Starlette's TestClient), one real uvicorn."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from pathlib import Path

import httpx2 as httpx
import icalendar
import pytest
from starlette.testclient import TestClient

from cadence.feeds import FeedService, find_token, load_tokens, token_digest, tokens_path
from cli.main import main
from cli.serve import create_app, serve_on
from tests.core.ics_readers import read_everywhere


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    assert main(["demo", "-o", str(path)]) == 0
    os.utime(
        path, ns=(1_796_000_000_000_000_000, 1_796_000_000_000_000_000)
    )  # 2026-11-30 00:53:20Z
    return path


def _add(plan: Path, capsys, *options: str) -> str:
    """Add a token via the command; returns its secret (from the printed link)."""
    capsys.readouterr()
    assert main(["feeds", str(plan), "add", *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    webcal, https = lines[1].strip(), lines[2].strip()
    assert webcal.startswith("webcal://calendars.example.com/feeds/")
    assert https == "https://" + webcal.removeprefix("webcal://")
    return https.split("/")[-2]


@pytest.fixture
def sdr_feed(demo_file, capsys):
    secret = _add(
        demo_file, capsys, "--team", "sdr", "--public-url", "https://calendars.example.com/"
    )
    client = TestClient(create_app(FeedService(demo_file)))
    return demo_file, secret, client


def test_tokens_are_stored_hashed_listed_and_revoked(demo_file, capsys):
    secret = _add(
        demo_file,
        capsys,
        "--team",
        "sdr",
        "--alarm",
        "30m",
        "--public-url",
        "https://calendars.example.com",
    )
    _add(demo_file, capsys, "--public-url", "https://calendars.example.com")
    stored = tokens_path(demo_file).read_text(encoding="utf-8")
    assert secret not in stored and token_digest(secret) in stored
    assert stat.S_IMODE(os.stat(tokens_path(demo_file)).st_mode) == 0o600
    assert len(secret) >= 43  # 32 random bytes
    assert main(["feeds", str(demo_file), "list"]) == 0
    listed = [line.split("  created")[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == ["f1  sdr.ics  (team sdr, alarm 30m)", "f2  all.ics  (everything)"]
    assert find_token(load_tokens(demo_file), secret).id == "f1"
    assert find_token(load_tokens(demo_file), secret[:-1] + "x") is None
    assert main(["feeds", str(demo_file), "revoke", "f1"]) == 0
    assert "Revoked f1 (sdr.ics): its links now answer 404" in capsys.readouterr().out
    assert [t.id for t in load_tokens(demo_file)] == ["f2"]
    assert main(["feeds", str(demo_file), "revoke", "f1"]) == 2
    assert "no feed token 'f1' (tokens: f2)" in capsys.readouterr().err
    assert main(["feeds", str(demo_file), "add", "--team", "ops"]) == 2
    assert "--team: unknown team 'ops' (teams: mkt, sdr, ae, cs)" in capsys.readouterr().err
    assert main(["feeds", str(demo_file), "add", "--alarm", "later"]) == 2
    assert "--alarm: cannot read 'later'" in capsys.readouterr().err


def test_feed_answers_with_validators_and_304(sdr_feed):
    _plan, secret, client = sdr_feed
    url = f"/feeds/{secret}/sdr.ics"
    first = client.get(url, headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert first.headers["last-modified"] == "Mon, 30 Nov 2026 00:53:20 GMT"
    assert first.headers["cache-control"] == "private, no-cache"
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    owners = {
        str(e["CATEGORIES"].cats[1])
        for e in icalendar.Calendar.from_ical(first.content).walk("VEVENT")
    }
    assert owners == {"Sales development"}
    again = client.get(url, headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    weak = client.get(
        url, headers={"If-None-Match": f'"other", W/{etag}', "Accept-Encoding": "identity"}
    )
    assert weak.status_code == 304
    since = client.get(url, headers={"If-Modified-Since": "Mon, 30 Nov 2026 00:53:20 GMT"})
    assert since.status_code == 304
    head = client.head(url, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag
    assert head.headers["content-length"] == str(len(first.content))


def test_feed_is_gzipped_when_asked(sdr_feed):
    _plan, secret, client = sdr_feed
    url = f"/feeds/{secret}/sdr.ics"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    raw = client.get(url, headers={"Accept-Encoding": "gzip"}, extensions={})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert raw.content == plain.content  # httpx decodes; the wire carried gzip
    assert raw.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert int(raw.headers["content-length"]) < len(plain.content) // 5
    revalidated = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": raw.headers["etag"]}
    )
    assert revalidated.status_code == 304


def test_wrong_token_other_feed_and_other_paths_are_the_same_plain_404(sdr_feed, capsys):
    plan, secret, client = sdr_feed
    answers = [
        client.get(f"/feeds/{secret[:-2]}xx/sdr.ics"),
        client.get(f"/feeds/{secret}/mkt.ics"),
        client.get(f"/feeds/{secret}/"),
        client.get("/feeds/"),
        client.get("/"),
        client.get(f"/feeds/{secret}/sdr.ics/x"),
    ]
    assert {(a.status_code, a.text, a.headers["content-type"]) for a in answers} == {
        (404, "Not Found", "text/plain; charset=utf-8")
    }
    assert client.post(f"/feeds/{secret}/sdr.ics", content=b"x").status_code == 413
    assert client.request("DELETE", f"/feeds/{secret}/sdr.ics").status_code == 405
    assert main(["feeds", str(plan), "revoke", "f1"]) == 0
    assert client.get(f"/feeds/{secret}/sdr.ics").status_code == 404


def test_feed_follows_the_plan_file(sdr_feed):
    plan_path, secret, client = sdr_feed
    url = f"/feeds/{secret}/sdr.ics"
    before = client.get(url)
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(before.content).walk("VEVENT")}
    assert {int(e["SEQUENCE"]) for e in events.values()} == {0}
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    plan["products"][1]["stages"][0]["days"] += 3  # billing: moves the SDR stages after it
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    os.utime(plan_path, ns=(1_796_100_000_000_000_000, 1_796_100_000_000_000_000))
    after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.headers["last-modified"] == "Tue, 01 Dec 2026 04:40:00 GMT"
    moved = [
        e for e in icalendar.Calendar.from_ical(after.content).walk("VEVENT")
        if str(e["UID"]) in events and e["DTSTART"].to_ical() != events[str(e["UID"])]["DTSTART"].to_ical()
    ]  # fmt: skip
    assert moved and {int(e["SEQUENCE"]) for e in moved} == {1}
    assert {e["DTSTAMP"].to_ical() for e in moved} == {b"20261201T044000Z"}
    # A new server (a restart) keeps the SEQUENCE numbers: they are kept beside the plan.
    restarted = TestClient(create_app(FeedService(plan_path))).get(url)
    assert restarted.headers["etag"] == after.headers["etag"]
    # A half-written (invalid) plan keeps the last good feed.
    plan_path.write_text("{", encoding="utf-8")
    assert client.get(url).headers["etag"] == after.headers["etag"]


def test_feeds_are_read_alike_everywhere(demo_file, capsys, tmp_path):
    everything = _add(demo_file, capsys, "--public-url", "https://calendars.example.com")
    reminded = _add(
        demo_file,
        capsys,
        "--team",
        "sdr",
        "--alarm",
        "1h",
        "--public-url",
        "https://calendars.example.com",
    )
    client = TestClient(create_app(FeedService(demo_file)))
    full = client.get(f"/feeds/{everything}/all.ics").content
    assert len(read_everywhere(full, tmp_path)) == full.count(b"BEGIN:VEVENT")
    sdr = client.get(f"/feeds/{reminded}/sdr.ics").content
    assert b"TRIGGER:-PT1H" in sdr
    assert len(read_everywhere(sdr, tmp_path)) == sdr.count(b"BEGIN:VEVENT")


def test_real_uvicorn_serves_a_feed_on_loopback(sdr_feed):
    plan_path, secret, _client = sdr_feed
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # a free port
    sock.listen(64)
    port = sock.getsockname()[1]
    server = serve_on(create_app(FeedService(plan_path)), sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            first = http.get(f"/feeds/{secret}/sdr.ics", headers={"Accept-Encoding": "gzip"})
            assert first.status_code == 200
            assert first.headers["content-encoding"] == "gzip"
            assert b"BEGIN:VCALENDAR" in first.content
            again = http.get(
                f"/feeds/{secret}/sdr.ics", headers={"If-None-Match": first.headers["etag"]}
            )
            assert again.status_code == 304
            assert "server" not in again.headers
            assert http.get("/feeds/nope/sdr.ics").status_code == 404
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    assert not thread.is_alive()


def test_bench_feeds_runs_a_small_burst_and_reports_every_figure():
    from cli.bench_feeds import run

    figures = run(total=6, products=1, rounds=2)
    assert figures["requests"] == 6
    assert figures["rounds"] == 2
    assert figures["events"] == 2427  # the one-product benchmark plan's "all" feed
    assert set(figures) == {
        "events", "feed_bytes", "first_fetch_ms", "requests", "p50_304_ms", "p95_304_ms",
        "p50_full_ms", "p95_full_ms", "requests_per_s", "alone_304_ms", "alone_full_ms",
        "rounds", "server_cpu_ms_per_request", "client_cpu_ms_per_request", "load_average",
        "cores",
    }  # fmt: skip


def test_core_and_exports_load_no_server_library():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import cadence.model, cadence.validate, cadence.calendar, cadence.engine, cadence.gaps\n"
        "import cadence.formats.ical, cadence.formats.csv_export, cli.main\n"
        "cli.main.build_parser()\n"
        "bad = ('starlette', 'uvicorn', 'caldav', 'radicale', 'httpx', 'httpx2', 'niquests')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_cadence_document_is_served_too(demo_file, tmp_path, capsys):
    document = tmp_path / "plan.cadence"
    assert main(["convert", str(demo_file), str(document)]) == 0
    secret = _add(
        document, capsys, "--product", "billing", "--public-url", "https://calendars.example.com"
    )
    assert tokens_path(document).name == "plan.cadence.feeds.json"
    client = TestClient(create_app(FeedService(document)))
    answer = client.get(f"/feeds/{secret}/billing.ics")
    assert answer.status_code == 200
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(answer.content).walk("VEVENT")]
    assert any(".billing." in uid for uid in uids)
    # The document is saved again with a longer stage: the feed follows.
    plan = json.loads(demo_file.read_text(encoding="utf-8"))
    plan["products"][1]["stages"][0]["days"] += 3
    demo_file.write_text(json.dumps(plan), encoding="utf-8")
    assert main(["convert", str(demo_file), str(document), "--force"]) == 0
    again = client.get(
        f"/feeds/{secret}/billing.ics", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert again.status_code == 200 and again.headers["etag"] != answer.headers["etag"]
    assert all(
        any(f".{kind}." in uid for kind in ("billing", "broadcast", "request")) for uid in uids
    )


def test_serve_command_prints_links_and_answers_once_they_show(demo_file, capsys):
    import subprocess
    import sys

    secret = _add(
        demo_file, capsys, "--team", "sdr", "--public-url", "https://calendars.example.com"
    )
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, str(root / "main.py"), "serve", str(demo_file), "--port", "0",
               "--public-url", "https://calendars.example.com"]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        try:
            first = child.stdout.readline()
            assert first.startswith(f"Serving the feeds of {demo_file} on http://127.0.0.1:")
            port = int(first.split("127.0.0.1:")[1].split()[0])
            assert child.stdout.readline() == (
                "  f1: webcal://calendars.example.com/feeds/<token f1>/sdr.ics  "
                "https://calendars.example.com/feeds/<token f1>/sdr.ics\n"
            )
            answer = httpx.get(f"http://127.0.0.1:{port}/feeds/{secret}/sdr.ics", timeout=60)
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        finally:
            child.terminate()
            child.wait(timeout=30)


def test_serve_on_a_busy_port_is_a_clear_error(demo_file, capsys):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["serve", str(demo_file), "--port", str(port)]) == 2
    assert capsys.readouterr().err.startswith(f"serve: cannot listen on 127.0.0.1:{port} (")


def test_unreadable_token_file_opens_nothing(demo_file):
    tokens_path(demo_file).write_text("{not json", encoding="utf-8")
    answer = TestClient(create_app(FeedService(demo_file))).get("/feeds/abc/all.ics")
    assert (answer.status_code, answer.text) == (404, "Not Found")
    assert main(["feeds", str(demo_file), "list"]) == 2
