"""The export benchmark runs and reports what cadence.bench prints (small sizes here)."""

from __future__ import annotations

import icalendar

from cadence.bench_export import _events, icalendar_baseline, measure_export
from tests.core.test_ical_export import OCCURRENCES, PLAN, SCHEDULE, parse_icalendar, sample


def test_measure_export_reports_both_rates():
    figures = measure_export(PLAN, SCHEDULE, events=50, baseline_events=20, runs=1)
    assert figures["ics_events"] == 50
    assert figures["icalendar_events"] == 20
    assert figures["ics_events_per_s"] > 0 and figures["icalendar_events_per_s"] > 0
    assert set(figures) >= {"ics_events_per_s", "icalendar_events_per_s", "csv_events_per_s"}


def test_small_schedule_is_repeated_under_fresh_uids():
    events = _events(SCHEDULE, 20)
    assert len(events) == 20
    assert len({o.uid for o in events}) == 20
    assert events[9].uid == "r1." + OCCURRENCES[0].uid


def test_icalendar_baseline_holds_the_same_events():
    ours = parse_icalendar(sample())
    theirs = parse_icalendar(icalendar_baseline(PLAN, OCCURRENCES))
    assert [e[:3] for e in theirs] == [e[:3] for e in ours]
    assert (
        len(icalendar.Calendar.from_ical(icalendar_baseline(PLAN, OCCURRENCES)).walk("VEVENT")) == 9
    )
