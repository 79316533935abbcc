"""publish: a real Radicale server (started here on a free loopback port) follows the plan."""

from __future__ import annotations

import json
import threading
import wsgiref.simple_server
from pathlib import Path

import icalendar
import pytest

from cli.main import main
from tests.core.ics_readers import read_everywhere

USER, PASSWORD = "alice", "s3cret-Pa55"
#: every event of a collection with its ETag and text (a CalDAV calendar-query)
_EVERY_EVENT = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>
</C:calendar-query>"""


class _Quiet(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class Radicale:
    """Radicale's own WSGI application on a loopback port, recording each request's method."""

    def __init__(self, folder: Path) -> None:
        from radicale import Application, config

        users = folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
        configuration = config.load()
        configuration.update(
            {
                # No fsync per item: a throwaway server (~25 ms less per PUT).
                "storage": {
                    "filesystem_folder": str(folder / "collections"),
                    "_filesystem_fsync": "False",
                },
                "auth": {
                    "type": "htpasswd",
                    "htpasswd_filename": str(users),
                    "htpasswd_encryption": "plain",
                    "delay": "0",  # no pause after a refused login (the default is 1 s)
                },
                "rights": {"type": "owner_only"},
                "logging": {"level": "warning"},
            },
            "test",
            privileged=True,
        )
        app = Application(configuration)
        self.methods: list[str] = []

        def recorded(environ, start_response):
            self.methods.append(environ["REQUEST_METHOD"])
            return app(environ, start_response)

        self.server = wsgiref.simple_server.make_server(
            "127.0.0.1", 0, recorded, handler_class=_Quiet
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def client(self):
        from caldav.davclient import DAVClient

        return DAVClient(url=self.url, username=USER, password=PASSWORD)

    def writes(self) -> list[str]:
        return [m for m in self.methods if m in ("PUT", "DELETE", "MKCALENDAR", "PROPPATCH")]

    def events(self, collection: str) -> dict[str, tuple[str, icalendar.Event, str]]:
        """UID → (ETag, event, href), read back from the server in one REPORT."""
        response = self.client().report(collection, _EVERY_EVENT, depth=1)
        assert response.status == 207
        out = {}
        for item in response.tree.iterfind("{DAV:}response"):
            href = item.findtext("{DAV:}href")
            etag = item.findtext(".//{DAV:}getetag")
            data = item.findtext(".//{urn:ietf:params:xml:ns:caldav}calendar-data")
            event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
            out[str(event["UID"])] = (etag, event, href)
        return out

    def resource(self, href: str) -> bytes:
        """One stored resource exactly as the server sends it (GET)."""
        return self.client().request(self.url + href).raw.encode()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=30)


@pytest.fixture
def radicale(tmp_path, monkeypatch):
    server = Radicale(tmp_path)
    netrc_file = tmp_path / "netrc"
    netrc_file.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n", encoding="utf-8")
    netrc_file.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc_file))
    client = server.client()
    client.propfind(f"{server.url}/{USER}/")  # Radicale creates the user's home on first use
    response = client.mkcalendar(f"{server.url}/{USER}/sdr/")
    assert response.status == 201
    server.methods.clear()
    yield server
    server.stop()


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    assert main(["demo", "-o", str(path)]) == 0
    return path


def _publish(plan: Path, url: str, capsys, *extra: str) -> str:
    capsys.readouterr()
    assert main(["publish", str(plan), "--caldav", url, "--team", "sdr", *extra]) == 0
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    return out.out


def _sdr_events(plan: Path, tmp_path: Path) -> dict[str, bytes]:
    """UID → DTSTART of the team's events in an export (what the server should hold)."""
    return {uid: start for uid, (start, _text) in _sdr_contents(plan, tmp_path).items()}


def _sdr_contents(plan: Path, tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """UID → (DTSTART, DESCRIPTION) of the team's events in an export."""
    out = tmp_path / "sdr.ics"
    assert main(["export", str(plan), "-o", str(out), "--team", "sdr", "--no-sequence"]) == 0
    events = icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    return {str(e["UID"]): (e["DTSTART"].to_ical(), str(e["DESCRIPTION"])) for e in events}


def _edit(plan: Path, change) -> None:
    data = json.loads(plan.read_text(encoding="utf-8"))
    change(data)
    plan.write_text(json.dumps(data), encoding="utf-8")


def test_radicale_follows_the_plan_through_add_move_delete(radicale, demo_file, tmp_path, capsys):
    collection = f"{radicale.url}/{USER}/sdr/"
    expected = _sdr_events(demo_file, tmp_path)
    contents = _sdr_contents(demo_file, tmp_path)
    # 1. Publish the demo: every event is new.
    message = _publish(demo_file, collection, capsys)
    assert message == (
        f"Published team sdr to {collection}: {len(expected)} added, 0 changed, 0 removed, 0 unchanged\n"
    )
    held = radicale.events(collection)
    assert {uid: e.get("DTSTART").to_ical() for uid, (_t, e, _d) in held.items()} == expected
    assert radicale.writes() == ["PUT"] * len(expected)
    # Each stored resource is accepted by the five readers.
    read_everywhere(radicale.resource(next(iter(held.values()))[2]), tmp_path)
    # 2. Publish again: nothing sent.
    radicale.methods.clear()
    message = _publish(demo_file, collection, capsys)
    assert message.endswith(f": 0 added, 0 changed, 0 removed, {len(expected)} unchanged\n")
    assert radicale.writes() == []
    # 3. Lengthen billing's first stage: only the SDR events that moved are replaced.
    _edit(demo_file, lambda d: d["products"][1]["stages"][0].update(days=13))
    moved_plan = _sdr_events(demo_file, tmp_path)
    # Moved, or rolled for another reason (the description says why it moved).
    moved = {
        uid for uid, content in _sdr_contents(demo_file, tmp_path).items()
        if contents.get(uid) not in (None, content)
    }  # fmt: skip
    added = set(moved_plan) - set(expected)
    removed = set(expected) - set(moved_plan)
    assert moved
    radicale.methods.clear()
    message = _publish(demo_file, collection, capsys)
    assert message.endswith(
        f": {len(added)} added, {len(moved)} changed, {len(removed)} removed, "
        f"{len(moved_plan) - len(moved) - len(added)} unchanged\n"
    )
    after = radicale.events(collection)
    assert {uid: e.get("DTSTART").to_ical() for uid, (_t, e, _d) in after.items()} == moved_plan
    for uid, (etag, event, _data) in after.items():
        if uid in moved:
            assert int(event["SEQUENCE"]) == 1 and etag != held[uid][0]
        elif uid in held:
            assert int(event["SEQUENCE"]) == 0 and etag == held[uid][0]
    # 4. Delete a touch: its events are gone from the server; the alignment meetings
    # whose agenda lists other gaps without it are replaced (the agenda is their text).
    before = _sdr_contents(demo_file, tmp_path)
    _edit(demo_file, lambda d: d["products"][1].update(
        touches=[t for t in d["products"][1]["touches"] if t["id"] != "intro-call"]
    ))  # fmt: skip
    gone = {uid for uid in after if ".billing.intro-call." in uid}
    assert gone
    agendas = {
        uid for uid, content in _sdr_contents(demo_file, tmp_path).items()
        if before.get(uid) not in (None, content)
    }  # fmt: skip
    assert agendas and all(".broadcast.alignment." in uid for uid in agendas)
    radicale.methods.clear()
    message = _publish(demo_file, collection, capsys)
    assert f": 0 added, {len(agendas)} changed, {len(gone)} removed," in message
    assert sorted(radicale.writes()) == ["DELETE"] * len(gone) + ["PUT"] * len(agendas)
    assert set(radicale.events(collection)) == set(after) - gone
    # 5. And again: no writes.
    radicale.methods.clear()
    _publish(demo_file, collection, capsys)
    assert radicale.writes() == []


def test_dry_run_lists_the_change_set_by_date_and_sends_nothing(radicale, demo_file, capsys):
    collection = f"{radicale.url}/{USER}/sdr/"
    _edit(demo_file, lambda d: d["products"][1].update(
        touches=[t for t in d["products"][1]["touches"] if t["id"] in ("intro-call",)]
    ))  # fmt: skip
    message = _publish(demo_file, collection, capsys, "--dry-run")
    lines = message.splitlines()
    assert lines[0].startswith(f"Would publish team sdr to {collection}: ")
    assert lines[0].endswith("added, 0 changed, 0 removed, 0 unchanged (--dry-run: nothing sent)")
    assert lines[1].startswith("  + 2027-01-")
    assert all(line.startswith("  + ") for line in lines[1:])
    assert lines[1:] == sorted(lines[1:])
    assert radicale.writes() == []


def test_foreign_events_in_the_collection_are_left_alone(radicale, demo_file, capsys):
    collection = f"{radicale.url}/{USER}/sdr/"
    foreign = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone//Else//EN\r\nBEGIN:VEVENT\r\n"
        "UID:lunch@example.com\r\nDTSTAMP:20270101T000000Z\r\nDTSTART;VALUE=DATE:20270105\r\n"
        "SUMMARY:Team lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert (
        radicale.client()
        .put(collection + "lunch.ics", foreign, {"Content-Type": "text/calendar"})
        .status
        == 201
    )
    _publish(demo_file, collection, capsys)
    response = radicale.client().request(collection + "lunch.ics")
    assert response.status == 200 and "Team lunch" in response.raw


def test_bad_credentials_and_unreachable_server_are_clear_errors(
    radicale, demo_file, tmp_path, capsys, monkeypatch
):
    collection = f"{radicale.url}/{USER}/sdr/"
    netrc_file = tmp_path / "wrong-netrc"
    netrc_file.write_text(f"machine 127.0.0.1 login {USER} password wrong\n", encoding="utf-8")
    netrc_file.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc_file))
    assert main(["publish", str(demo_file), "--caldav", collection, "--team", "sdr"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"{collection}: the server refused the credentials"
    assert main(["publish", str(demo_file), "--caldav", collection, "--team", "ops"]) == 2
    assert "--team: unknown team 'ops'" in capsys.readouterr().err
    monkeypatch.setenv("NETRC", str(tmp_path / "netrc"))  # the right password again
    missing = f"{radicale.url}/{USER}/nope/"
    assert main(["publish", str(demo_file), "--caldav", missing, "--team", "sdr"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{missing}: no calendar collection there (404); create the calendar first"
    )
    radicale.stop()
    with_password = collection.replace("http://", f"http://{USER}:{PASSWORD}@")
    assert main(["publish", str(demo_file), "--caldav", with_password, "--team", "sdr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{collection}: cannot reach the server") and PASSWORD not in err
    radicale.stop = lambda: None  # already stopped


def test_credentials_come_from_the_url_netrc_or_nowhere(tmp_path, monkeypatch):
    from cli.commands.common import CommandError
    from cli.commands.publish import credentials

    netrc_file = tmp_path / "netrc"
    netrc_file.write_text("machine dav.example.com login bob password pw1\n", encoding="utf-8")
    netrc_file.chmod(0o600)
    assert credentials("https://ann:pw0@dav.example.com/ann/c/", None, str(netrc_file)) == (
        "ann",
        "pw0",
    )
    assert credentials("https://dav.example.com/bob/c/", None, str(netrc_file)) == ("bob", "pw1")
    assert credentials("https://other.example.com/c/", None, str(netrc_file)) is None
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(CommandError) as caught:
        credentials("https://other.example.com/c/", "carol", str(netrc_file))
    assert caught.value.message == (
        "publish: no password for carol@other.example.com in ~/.netrc and no terminal to ask on"
    )


def test_signed_off_only_publishes_the_signed_products_and_the_meetings(
    radicale, demo_file, capsys
):
    collection = f"{radicale.url}/{USER}/sdr/"
    for role, who in (("marketing", "Maria Lopez"), ("sales", "Sam Okafor")):
        assert main(["signoff", str(demo_file), "--product", "billing", "--by", who,
                     "--role", role, "--save"]) == 0  # fmt: skip
    message = _publish(demo_file, collection, capsys, "--dry-run", "--signed-off-only")
    lines = message.splitlines()[1:]
    assert sum("Sales & marketing alignment" in x for x in lines) == 50
    assert sum("Billing Cloud" in x for x in lines) == 138 == len(lines) - 50
    # sdr's billing touches and the alignment meetings sdr takes part in; no other product.
    assert lines and all(("Billing Cloud" in x) or ("alignment" in x) for x in lines)
    assert any("Sales & marketing alignment" in x for x in lines)
    assert not any(("Analytics Suite" in x) or ("Field Mobile" in x) for x in lines)
