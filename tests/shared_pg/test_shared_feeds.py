"""Feeds of a shared plan: tokens in the database (hashed), served, following NOTIFY."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import icalendar
import pytest
from starlette.testclient import TestClient

from cadence.demo import demo_plan
from cadence.feeds import token_digest
from cadence.store.shared.feed_service import SharedFeedService
from cadence.store.shared.plans import open_shared_plan, share_plan
from cli import shared_io
from cli.main import main
from cli.serve import create_app
from tests.core.ics_readers import read_everywhere

PUBLIC = "https://calendars.example.com"
EVENTS_OF_BILLING = 225  # the demo plan's billing feed
CLOCK = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _close_open_plans():
    yield
    shared_io.close_all()


@pytest.fixture
def pg_db(pg_demo_db_two_plans):
    """This module's database: ``db init`` done, the demo plan shared as "northwind" and
    as "other" (a copy of a database the session set up so once: tests/pg_fixtures.py)."""
    return pg_demo_db_two_plans


@pytest.fixture
def shared_url(pg_db) -> str:
    return pg_db.url()


def _add(url: str, capsys, *options: str) -> str:
    """Add a token via the command; returns its secret (from the printed https link)."""
    capsys.readouterr()
    assert main(["feeds", url, "add", *options, "--public-url", PUBLIC]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].strip().startswith("webcal://calendars.example.com/feeds/")
    return lines[2].strip().split("/")[-2]


def _rows(pg_db) -> list[tuple]:
    with pg_db.admin() as conn:
        return conn.execute(
            "SELECT plan_key, token_id, feed, team, alarm, digest FROM feed_token ORDER BY 1, 2"
        ).fetchall()


def test_tokens_of_a_shared_plan_live_hashed_in_its_database(shared_url, pg_db, capsys, tmp_path):
    sdr = _add(shared_url, capsys, "--team", "sdr", "--alarm", "30m")
    everything = _add(shared_url, capsys)
    other = _add(pg_db.url(plan="other"), capsys, "--product", "billing")
    assert _rows(pg_db) == [
        ("northwind", "f1", "sdr", "sdr", "30m", token_digest(sdr)),
        ("northwind", "f2", "all", None, None, token_digest(everything)),
        ("other", "f1", "billing", None, None, token_digest(other)),
    ]
    assert list(tmp_path.glob("*.feeds.json")) == [] and list(Path.cwd().glob("*.feeds.json")) == []
    assert main(["feeds", shared_url, "list"]) == 0
    listed = [line.split("  created")[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == ["f1  sdr.ics  (team sdr, alarm 30m)", "f2  all.ics  (everything)"]
    assert main(["feeds", shared_url, "revoke", "f1"]) == 0
    assert "Revoked f1 (sdr.ics): its links now answer 404" in capsys.readouterr().out
    assert [row[:2] for row in _rows(pg_db)] == [("northwind", "f2"), ("other", "f1")]
    assert main(["feeds", shared_url, "revoke", "f1"]) == 2
    assert "no feed token 'f1' (tokens: f2)" in capsys.readouterr().err
    assert main(["feeds", shared_url, "add", "--team", "ops"]) == 2
    assert "--team: unknown team 'ops' (teams: mkt, sdr, ae, cs)" in capsys.readouterr().err


def test_a_viewer_may_not_add_tokens(shared_url, pg_db, capsys):
    login = pg_db.login("viewer", "s3cret-view")
    with pg_db.admin() as conn:
        conn.execute(f"GRANT cadence_viewer TO {login}")
    url = pg_db.url(user=login)
    assert main(["feeds", url, "add", "--team", "sdr"]) == 2
    assert "not allowed by your role" in capsys.readouterr().err
    assert _rows(pg_db) == []


def test_a_shared_feed_follows_edits_and_revocation_by_notify(shared_url, capsys, tmp_path):
    secret = _add(shared_url, capsys)
    times = iter([CLOCK, CLOCK + timedelta(minutes=5)])
    service = SharedFeedService(shared_url, clock=lambda: next(times))
    try:
        client = TestClient(create_app(service))
        url = f"/feeds/{secret}/all.ics"
        first = client.get(url, headers={"Accept-Encoding": "identity"})
        assert first.status_code == 200
        assert first.headers["content-type"] == "text/calendar; charset=utf-8"
        assert first.headers["last-modified"] == "Tue, 05 Jan 2027 09:30:00 GMT"
        etag = first.headers["etag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(f"/feeds/{secret}/sdr.ics").status_code == 404

        with open_shared_plan(shared_url) as editor:
            plan = editor.load()
            product = plan.products[0]
            stages = (replace(product.stages[0], days=product.stages[0].days + 7),)
            moved = replace(product, stages=stages + product.stages[1:])
            editor.save(replace(plan, products=(moved, *plan.products[1:])))
        assert service.poll(10.0) == 1  # the stage row's notice
        second = client.get(url, headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
        assert second.status_code == 200 and second.headers["etag"] != etag
        # The edit did not touch the plan's `updated`: Last-Modified still moves on.
        assert second.headers["last-modified"] == "Tue, 05 Jan 2027 09:35:00 GMT"
        since = client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
        assert since.status_code == 200
        sequences = [
            int(e.get("SEQUENCE", 0))
            for e in icalendar.Calendar.from_ical(second.content).walk("VEVENT")
        ]
        assert max(sequences) == 1  # moved events: SEQUENCE + 1
        assert len(read_everywhere(second.content, tmp_path)) == len(sequences)

        with open_shared_plan(shared_url.replace("plan=northwind", "plan=other")) as other:
            other_plan = other.load()
            other.save(replace(other_plan, name="Another plan"))
        assert service.poll(0.5) == 0  # another plan's edit is not ours
        assert client.get(url, headers={"If-None-Match": second.headers["etag"]}).status_code == 304

        assert main(["feeds", shared_url, "revoke", "f1"]) == 0
        assert service.poll(10.0) == 1
        assert client.get(url).status_code == 404
    finally:
        service.close()


def test_a_change_whose_notice_never_came_is_found_by_the_idle_check(shared_url, capsys) -> None:
    secret = _add(shared_url, capsys, "--team", "mkt")
    service = SharedFeedService(shared_url, clock=lambda: CLOCK)
    try:
        token = service.lookup(secret, "mkt")
        assert token is not None
        service.body(token)
        assert service.check_missed() is False
        with open_shared_plan(shared_url) as editor:
            plan = editor.load()
            # Committed, never announced: as a client killed between commit and notice.
            editor.save(replace(plan, name="Renamed quietly"), announce=False)
        assert service.poll(0.5) == 0
        assert service.current_body(token) is not None  # still the old feed
        assert service.check_missed() is True
        assert service.current_body(token) is None  # regenerated on the next request
        assert service.check_missed() is False  # already stale: no query
    finally:
        service.close()


def test_serve_command_serves_a_shared_plan(shared_url, pg_db, capsys):
    secret = _add(shared_url, capsys, "--product", "billing")
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, str(root / "main.py"), "serve", shared_url, "--port", "0",
               "--public-url", PUBLIC]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        try:
            first = child.stdout.readline()
            assert first.startswith(f"Serving the feeds of {shared_url} on http://127.0.0.1:")
            port = int(first.split(" on http://127.0.0.1:")[1].split()[0])
            answer = httpx.get(f"http://127.0.0.1:{port}/feeds/{secret}/billing.ics", timeout=60)
            assert answer.status_code == 200
            calendar = icalendar.Calendar.from_ical(answer.content)
            assert len(calendar.walk("VEVENT")) == EVENTS_OF_BILLING
        finally:
            child.terminate()
            child.wait(timeout=30)


def test_links_survive_share_replace(shared_url, pg_db, capsys):
    secret = _add(shared_url, capsys, "--team", "sdr")
    share_plan(demo_plan(), shared_url, replace=True)
    assert [row[:2] for row in _rows(pg_db)] == [("northwind", "f1")]
    assert _rows(pg_db)[0][5] == token_digest(secret)


def test_a_viewer_login_can_serve_the_feeds(shared_url, pg_db, capsys):
    secret = _add(shared_url, capsys, "--team", "sdr")
    login = pg_db.login("feedsrv", "s3cret-feeds")
    with pg_db.admin() as conn:
        conn.execute(f"GRANT cadence_viewer TO {login}")
    service = SharedFeedService(pg_db.url(user=login), clock=lambda: CLOCK)
    try:
        answer = TestClient(create_app(service)).get(f"/feeds/{secret}/sdr.ics")
        assert answer.status_code == 200
        assert answer.content.count(b"BEGIN:VEVENT") == 193  # the sdr feed: 143 + 50 meetings
    finally:
        service.close()


def test_a_lost_notification_connection_reloads_everything_when_back(shared_url, pg_db, capsys):
    import psycopg

    secret = _add(shared_url, capsys)
    service = SharedFeedService(shared_url, clock=lambda: CLOCK)
    try:
        client = TestClient(create_app(service))
        url = f"/feeds/{secret}/all.ics"
        etag = client.get(url).headers["etag"]
        with pg_db.admin() as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%%' AND pid <> pg_backend_pid()"
            )
        with pytest.raises(psycopg.OperationalError):
            service.poll(10.0)
        with open_shared_plan(shared_url) as editor:  # a change nobody announced to us
            plan = editor.load()
            editor.save(replace(plan, name="Renamed while not listening"))
        assert service.poll(0.0) == 0  # listening again; the missed change is assumed
        second = client.get(url, headers={"If-None-Match": etag})
        assert second.status_code == 200
        assert b"X-WR-CALNAME:Renamed while not listening" in second.content
    finally:
        service.close()


def test_a_sales_login_cannot_read_the_tokens_so_cannot_serve(shared_url, pg_db, capsys):
    login = pg_db.login("sales", "s3cret-sales")
    assert (
        main(["db", "grant", pg_db.url(plan=None), login, "--role", "sales", "--team", "ae"]) == 0
    )
    capsys.readouterr()
    assert main(["serve", pg_db.url(user=login), "--port", "0"]) == 2
    assert "not allowed by your role" in capsys.readouterr().err
