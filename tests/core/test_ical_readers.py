"""Every kind of export is accepted by five independent readers, libical included.

libical rejected every export while it carried ``METHOD:PUBLISH`` without an
``ORGANIZER`` (RFC 5546 requires one for PUBLISH); exports now carry no METHOD.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cadence.demo import demo_plan
from cadence.formats.ical import export_ics, ics_bytes, read_previous
from tests.core.ics_readers import libical_report, read_everywhere
from tests.core.test_ical_export import GAPS, PLAN, SCHEDULE, sample

engine = pytest.importorskip("cadence.engine")
gaps_module = pytest.importorskip("cadence.gaps")

DEMO = demo_plan()
NOW = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
EVERYTHING = {"touches", "broadcasts", "requests", "gaps"}


@pytest.fixture(scope="module")
def demo_schedule():
    return engine.schedule(DEMO)


@pytest.fixture(scope="module")
def demo_gaps(demo_schedule):
    return gaps_module.check(DEMO, demo_schedule)


def test_libical_rejected_a_publish_method_without_organizer(tmp_path):
    # The old header, put back: libical's iTIP check names the missing ORGANIZER.
    data = sample().replace(b"CALSCALE:GREGORIAN\r\n", b"CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n")
    report = libical_report(data, tmp_path)
    assert "Failed iTIP restrictions for ORGANIZER property" in report
    assert b"METHOD:" not in sample()


def test_sample_with_hostile_titles_and_gaps_is_read_alike_everywhere(tmp_path):
    events = read_everywhere(sample(include=EVERYTHING), tmp_path)
    assert len(events) == 10
    assert events[0] == ("t.broadcast.newsletter.0@cadence", "2027-03-02T09:00:00.000Z", 0)


def test_utc_plan_is_read_alike_everywhere(tmp_path):
    utc_plan = replace(PLAN, timezone="UTC")
    events = read_everywhere(ics_bytes(utc_plan, SCHEDULE, GAPS), tmp_path)
    assert len(events) == 9


@pytest.mark.parametrize("team", [None, "mkt", "sdr", "ae", "cs"])
def test_demo_exports_with_alarms_are_read_alike_everywhere(
    team, demo_schedule, demo_gaps, tmp_path
):
    data = ics_bytes(
        DEMO, demo_schedule, demo_gaps, team=team, include=EVERYTHING, now=NOW,
        alarm=timedelta(minutes=30),
    )  # fmt: skip
    events = read_everywhere(data, tmp_path)
    assert len(events) == data.count(b"BEGIN:VEVENT") > 0


def test_change_file_with_cancellations_is_read_alike_everywhere(demo_schedule, tmp_path):
    full = tmp_path / "full.ics"
    export_ics(DEMO, demo_schedule, (), full, now=NOW)
    kept = tuple(o for o in demo_schedule.touches if o.touch != "webinar")
    changes = tmp_path / "changes.ics"
    later = NOW + timedelta(hours=1)
    export_ics(
        DEMO, replace(demo_schedule, touches=kept), (), changes, changes_since=full, now=later
    )
    events = read_everywhere(changes.read_bytes(), tmp_path)
    removed = [o.uid for o in demo_schedule.touches if o.touch == "webinar"]
    uids = [uid for uid, _start, _seq in events]
    # The webinars, cancelled; and the 10 alignment meetings whose agenda lists fewer
    # gaps without them (an agenda is part of the event's text).
    agendas = [uid for uid in uids if ".broadcast.alignment." in uid]
    assert sorted(set(uids) - set(agendas)) == sorted(removed)
    assert len(agendas) == 10
    assert {seq for _uid, _start, seq in events} == {1}
    assert sorted(read_previous(changes)) == sorted(agendas)  # the webinars are cancelled
