"""The scheduling engine on small hand-made plans with literal expected dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cadence import engine, gaps
from cadence.formats.plan_json import load_plan_json
from cadence.model import Cohorts, Occurrence, Plan, touch_uid
from cadence.planner import Planner

PLANS = Path(__file__).parent / "plans"


def plan(name: str) -> Plan:
    return load_plan_json(PLANS / f"{name}.json")


def rows(occurrences) -> list[tuple]:
    return [(o.date.isoformat(), o.touch, o.stage, o.nominal.isoformat()) for o in occurrences]


# --- cohorts, stages, repeats -------------------------------------------------------


def test_repeats_stop_at_the_stage_end():
    sched = engine.schedule(plan("engine_repeats"))
    # Consideration runs 2027-01-14 … 01-27: the drip fires on offsets 1, 5, 9, 13; 17 is past it.
    assert rows(sched.touches) == [
        ("2027-01-15", "drip", "consider", "2027-01-15"),
        ("2027-01-19", "drip", "consider", "2027-01-19"),
        ("2027-01-23", "drip", "consider", "2027-01-23"),
        ("2027-01-27", "drip", "consider", "2027-01-27"),
        ("2027-02-01", "once", "close", "2027-02-01"),
    ]
    assert [o.repeat for o in sched.touches] == [0, 1, 2, 3, 0]
    assert sched.skipped == ()


def test_leads_are_the_cohort_size_times_earlier_conversions():
    sched = engine.schedule(plan("engine_repeats"))
    # 80 leads; Awareness converts 0.5, Consideration 0.25.
    assert [o.leads for o in sched.touches] == [40.0, 40.0, 40.0, 40.0, 10.0]


def test_uids_name_plan_product_touch_cohort_and_repeat():
    sched = engine.schedule(plan("engine_repeats"))
    assert [o.uid for o in sched.touches] == [
        "rep.app.drip.20270104.0@cadence",
        "rep.app.drip.20270104.1@cadence",
        "rep.app.drip.20270104.2@cadence",
        "rep.app.drip.20270104.3@cadence",
        "rep.app.once.20270104.0@cadence",
    ]
    for o in sched.touches:
        assert o.cohort is not None and o.product is not None
        assert o.uid == touch_uid("rep", o.product, o.touch, o.cohort, o.repeat)


def test_occurrences_are_real_occurrence_objects():
    o = engine.schedule(plan("engine_repeats")).touches[0]
    assert type(o) is Occurrence
    rebuilt = Occurrence(
        o.uid,
        o.date,
        o.time,
        o.product,
        o.cohort,
        o.stage,
        o.touch,
        o.name,
        o.channel,
        o.owner,
        o.automated,
        o.leads,
        o.nominal,
        o.repeat,
        o.kind,
        o.end,
    )
    assert o == rebuilt and hash(o) == hash(rebuilt)
    with pytest.raises(AttributeError):
        o.date = date(2027, 1, 1)  # type: ignore[misc]


def test_cohorts_before_the_horizon_lose_their_earlier_touches():
    p = plan("engine_repeats")
    early = replace(p, start=date(2027, 1, 20))
    assert rows(engine.schedule(early).touches) == [
        ("2027-01-23", "drip", "consider", "2027-01-23"),
        ("2027-01-27", "drip", "consider", "2027-01-27"),
        ("2027-02-01", "once", "close", "2027-02-01"),
    ]


def test_uids_stable_across_runs_and_under_a_stage_length_edit():
    p = plan("engine_repeats")
    first = engine.schedule(p)
    assert engine.schedule(p) == first
    # Awareness 10 → 13 days: later touches move by three days under the same UIDs.
    longer = replace(p.products[0].stages[0], days=13)
    product = replace(p.products[0], stages=(longer,) + p.products[0].stages[1:])
    moved = engine.schedule(replace(p, products=(product,)))
    assert [o.uid for o in moved.touches] == [o.uid for o in first.touches]
    assert [o.date.isoformat() for o in moved.touches] == [
        "2027-01-18",
        "2027-01-22",
        "2027-01-26",
        "2027-01-30",
        "2027-02-04",
    ]


# --- working days -------------------------------------------------------------------


def test_weekend_holiday_and_blackout_in_all_three_policies():
    sched = engine.schedule(plan("engine_rolls"))
    # 2027-03-06 is a Saturday and 03-08 Women's Day in Berlin; 03-26 Good Friday and
    # 03-29 Easter Monday; 04-12 … 04-14 the "Spring freeze" blackout.
    assert rows(sched.touches) == [
        ("2027-03-05", "weekend-b", "first", "2027-03-06"),
        ("2027-03-09", "weekend-f", "first", "2027-03-06"),
        ("2027-03-25", "holiday-b", "rest", "2027-03-26"),
        ("2027-03-30", "holiday-f", "rest", "2027-03-26"),
        ("2027-04-09", "blackout-b", "rest", "2027-04-12"),
        ("2027-04-15", "blackout-f", "rest", "2027-04-12"),
    ]
    assert [(s.nominal.isoformat(), s.touch, s.reason) for s in sched.skipped] == [
        ("2027-03-06", "weekend-s", "weekend"),
        ("2027-03-26", "holiday-s", "holiday: Good Friday"),
        ("2027-04-12", "blackout-s", "blackout: Spring freeze"),
    ]
    assert [s.uid for s in sched.skipped][0] == "rolls.app.weekend-s.20270301.0@cadence"


def test_rolling_across_a_stage_boundary_keeps_the_stage():
    sched = engine.schedule(plan("engine_rolls"))
    forward = next(o for o in sched.touches if o.touch == "weekend-f")
    # "First week" ends on 2027-03-06; the touch lands in "Rest" but stays a first-week touch.
    assert (forward.date, forward.stage) == (date(2027, 3, 9), "first")


def test_an_occurrence_rolling_into_the_horizon_is_emitted():
    p = plan("engine_rolls")
    # Horizon from Tuesday 2027-03-09: the Saturday touch rolled forward lands on its first day.
    later = replace(p, start=date(2027, 3, 9))
    sched = engine.schedule(later)
    assert rows(sched.touches)[0] == ("2027-03-09", "weekend-f", "first", "2027-03-06")
    # Skipped ones are listed only when their nominal date is inside the horizon.
    assert [s.touch for s in sched.skipped] == ["holiday-s", "blackout-s"]


def test_rolling_out_of_the_horizon_drops_the_occurrence():
    p = plan("engine_rolls")
    earlier = replace(p, end=date(2027, 3, 8))
    assert rows(engine.schedule(earlier).touches) == [
        ("2027-03-05", "weekend-b", "first", "2027-03-06")
    ]


# --- broadcasts, order, time of day ---------------------------------------------------


def test_broadcasts_merge_with_sequences_in_output_order():
    sched = engine.schedule(plan("engine_broadcasts"))
    assert [
        (o.date.isoformat(), o.time.strftime("%H:%M") if o.time else None, o.product, o.touch)
        for o in sched.touches
    ] == [
        ("2027-03-02", None, "app", "tips"),
        ("2027-03-02", "09:00", None, "sync"),
        ("2027-03-02", "09:00", "app", "brief"),
        ("2027-03-02", "10:00", None, "newsletter"),
        ("2027-03-08", None, None, "saturday"),
        ("2027-03-08", "09:30", "app", "digest"),
        ("2027-03-09", None, "app", "tips"),
        ("2027-03-09", "09:00", "app", "brief"),
        ("2027-03-15", None, None, "saturday"),
        ("2027-03-15", "09:30", "app", "digest"),
        ("2027-03-15", "09:30", "app", "digest"),
        ("2027-03-22", "09:30", "app", "digest"),
        ("2027-03-22", "09:30", "app", "digest"),
        ("2027-03-29", "09:30", "app", "digest"),
        ("2027-03-29", "09:30", "app", "digest"),
        ("2027-04-05", "09:30", "app", "digest"),
        ("2027-04-06", "10:00", None, "newsletter"),
    ]
    digests = [o.cohort for o in sched.touches if o.date == date(2027, 3, 15)][1:]
    assert digests == [date(2027, 3, 1), date(2027, 3, 8)]  # same time: by cohort


def test_broadcast_fields_uids_and_leads():
    sched = engine.schedule(plan("engine_broadcasts"))
    casts = [o for o in sched.touches if o.kind == "broadcast"]
    assert [(o.uid, o.nominal.isoformat(), o.leads) for o in casts] == [
        # dtstart 2027-03-01 is no first Tuesday: occurrence 0 is 03-02.
        ("mix.broadcast.sync.0@cadence", "2027-03-02", 0.0),  # products [] reach nobody
        ("mix.broadcast.newsletter.0@cadence", "2027-03-02", 40.0),
        # Saturdays roll to Monday; all products: app 20 + 40 (two cohorts), web 5.
        ("mix.broadcast.saturday.0@cadence", "2027-03-06", 65.0),
        ("mix.broadcast.saturday.1@cadence", "2027-03-13", 45.0),
        ("mix.broadcast.newsletter.1@cadence", "2027-04-06", 20.0),
    ]
    assert all(o.product is None and o.cohort is None and o.stage is None for o in casts)


def test_time_of_day_is_wall_clock_across_the_dst_change():
    p = plan("engine_broadcasts")
    digests = [o for o in engine.schedule(p).touches if o.touch == "digest"]
    around = [o for o in digests if o.date in (date(2027, 3, 22), date(2027, 3, 29))]
    assert {o.time for o in around} == {time(9, 30)}
    # Berlin switches to summer time on 2027-03-28: same wall clock, one hour earlier in UTC.
    zone = ZoneInfo(p.timezone)
    utc = [
        datetime.combine(o.date, o.time, zone).astimezone(UTC).strftime("%H:%M")
        for o in around
        if o.time
    ]
    assert sorted(set(utc)) == ["07:30", "08:30"]


def test_expand_rrule_accepts_until_in_utc():
    days = list(
        engine.expand_rrule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270309T000000Z", date(2027, 3, 1))
    )
    assert days == [date(2027, 3, 2), date(2027, 3, 9)]


def test_occurrence_sort_key_matches_the_output_order():
    sched = engine.schedule(plan("engine_broadcasts"))
    keys = [engine.occurrence_sort_key(o) for o in sched.touches]
    assert keys == sorted(keys)


def test_empty_horizon_and_empty_plan():
    p = plan("engine_repeats")
    assert engine.schedule(replace(p, end=date(2027, 1, 1))).touches == ()
    assert engine.schedule(replace(p, products=())).touches == ()


# --- incremental re-planning -------------------------------------------------------------


def test_planner_recomputes_only_the_changed_product():
    p = plan("engine_broadcasts")
    planner = Planner()
    first = planner.update(p)
    assert first.rescheduled == ("app", "web")
    assert planner.update(p).rescheduled == ()
    web = replace(p.products[1], touches=p.products[0].touches[:1])
    edited = replace(p, products=(p.products[0], web))
    result = planner.update(edited)
    assert result.rescheduled == ("web",)
    assert result.rechecked == ("web",)
    assert result.schedule == engine.schedule(edited)
    fewer = planner.update(replace(p, products=p.products[:1]))
    assert fewer.rescheduled == ("web",)
    assert fewer.schedule == engine.schedule(replace(p, products=p.products[:1]))


def test_planner_finds_a_product_brought_back_as_it_was(monkeypatch):
    p = plan("engine_broadcasts")
    planner = Planner()
    before = planner.update(p)
    web = replace(p.products[1], touches=p.products[0].touches[:1])
    planner.update(replace(p, products=(p.products[0], web)))
    calls = []
    monkeypatch.setattr(engine, "product_schedule", lambda *a: calls.append(a))
    undone = planner.update(p)  # an undo: "web" as it was, its results still kept
    assert calls == []
    assert undone.rescheduled == ("web",)
    assert undone.rechecked == ("web",)
    assert undone.gaps_by_product.get("web") is before.gaps_by_product.get("web")
    assert undone.schedule == before.schedule


def test_a_renamed_touch_renames_its_occurrences_skipped_ones_too():
    p = plan("engine_rolls")
    product = p.products[0]
    piece = engine.product_schedule(p, product)
    touches = tuple(
        replace(t, name=f"{t.name}!") if t.id == "weekend-s" else t for t in product.touches
    )
    renamed = replace(product, touches=touches)
    stages = (replace(product.stages[0], name="First of all"), *product.stages[1:])
    for edited in (renamed, replace(renamed, name="App!", stages=stages)):
        got = engine.renamed_schedule(piece, edited)
        assert got is not None
        fresh = engine.product_schedule(p, edited)
        assert (got.by_slot, got.skipped_by_slot) == (fresh.by_slot, fresh.skipped_by_slot)
        assert (got.count, got.skipped_count, got.product) == (
            fresh.count,
            fresh.skipped_count,
            edited,
        )
    assert [s.name for s in got.skipped if s.touch == "weekend-s"] == [
        f"{t.name}!" for t in product.touches if t.id == "weekend-s"
    ]
    only_stage = engine.renamed_schedule(piece, replace(product, stages=stages))
    assert only_stage is not None and only_stage.by_slot is piece.by_slot  # nothing to rename


def test_a_rename_with_another_change_is_planned_again():
    p = plan("engine_rolls")
    product = p.products[0]
    piece = engine.product_schedule(p, product)
    first = replace(
        product.touches[0], name="Renamed", offset_days=product.touches[0].offset_days + 1
    )
    moved = replace(product, touches=(first, *product.touches[1:]))
    assert engine.renamed_schedule(piece, moved) is None
    longer = (replace(product.stages[0], name="Longer", days=product.stages[0].days + 1),)
    assert (
        engine.renamed_schedule(piece, replace(product, stages=longer + product.stages[1:])) is None
    )


def test_planner_renames_without_planning_again(monkeypatch):
    p = plan("engine_broadcasts")
    planner = Planner()
    planner.update(p)
    app = p.products[0]
    touches = (replace(app.touches[0], name="Hello again"), *app.touches[1:])
    edited = replace(p, products=(replace(app, touches=touches), p.products[1]))
    calls = []
    real = engine.product_schedule
    monkeypatch.setattr(engine, "product_schedule", lambda *a: calls.append(a) or real(*a))
    result = planner.update(edited)
    assert calls == []
    assert result.rescheduled == ("app",)
    assert result.schedule == engine.schedule(edited)
    assert list(result.gaps) == gaps.check(edited, engine.schedule(edited))
    assert {o.name for o in result.schedule.touches if o.touch == touches[0].id} == {"Hello again"}


def test_planner_checks_again_only_the_weeks_of_the_edited_products_loads(monkeypatch):
    p = plan("gaps_capacity")  # sdr: capacity 40 a week
    app = p.products[0]
    web = replace(app, id="web", cohorts=Cohorts(dates=(date(2027, 1, 25),), size=40))
    both = replace(p, products=(app, web))
    planner = Planner()
    before = planner.update(both)
    assert [(g.start, g.load) for g in before.gaps_by_product[None]] == [
        (date(2027, 1, 4), 60.0),
        (date(2027, 1, 11), 50.0),
        (date(2027, 1, 25), 50.0),
    ]
    weeks: list[date] = []
    capacity_gap = gaps.capacity_gap

    def counted(plan: Plan, team: Any, monday: int, leads: Any) -> Any:
        weeks.append(date.fromordinal(monday))
        return capacity_gap(plan, team, monday, leads)

    monkeypatch.setattr(gaps, "capacity_gap", counted)
    call = replace(web.touches[0], automated=True)  # web's call no longer loads sdr
    edited = replace(both, products=(app, replace(web, touches=(call, *web.touches[1:]))))
    after = planner.update(edited)
    assert weeks == [date(2027, 1, 25)]  # the one week web's loads had
    assert [(g.start, g.load) for g in after.gaps_by_product[None]] == [
        (date(2027, 1, 4), 60.0),
        (date(2027, 1, 11), 50.0),
    ]
    assert list(after.gaps) == list(Planner().update(edited).gaps)
    # Loads summed again to the same gaps: the same list (views compare it by identity).
    renamed = replace(edited, products=(replace(app, name="App 2"), edited.products[1]))
    assert planner.update(renamed).gaps_by_product[None] is after.gaps_by_product[None]


def test_planner_rechecks_every_product_when_the_rules_change():
    p = plan("engine_broadcasts")
    planner = Planner()
    planner.update(p)
    stricter = replace(p, rules=replace(p.rules, min_spacing_days=3))
    result = planner.update(stricter)
    assert result.rescheduled == ()
    assert result.rechecked == ("app", "web")
    assert [(g.kind, g.cohort.isoformat(), g.start.isoformat(), g.uids) for g in result.gaps] == [
        # Two pairs on 03-02 tie on every sort field: they follow their contacts'
        # order: Tips (all day), Morning brief (09:00), Newsletter (10:00).
        (
            "spacing",
            "2027-03-01",
            "2027-03-02",
            ("mix.app.tips.20270301.0@cadence", "mix.app.brief.20270301.0@cadence"),
        ),
        (
            "spacing",
            "2027-03-01",
            "2027-03-02",
            ("mix.app.brief.20270301.0@cadence", "mix.broadcast.newsletter.0@cadence"),
        ),
        (
            "spacing",
            "2027-03-01",
            "2027-03-08",
            ("mix.broadcast.saturday.0@cadence", "mix.app.digest.20270301.0@cadence"),
        ),
        (
            "spacing",
            "2027-03-08",
            "2027-03-08",
            ("mix.broadcast.saturday.0@cadence", "mix.app.tips.20270308.0@cadence"),
        ),
        (
            "spacing",
            "2027-03-08",
            "2027-03-09",
            ("mix.app.tips.20270308.0@cadence", "mix.app.brief.20270308.0@cadence"),
        ),
        (
            "spacing",
            "2027-03-01",
            "2027-03-15",
            ("mix.broadcast.saturday.1@cadence", "mix.app.digest.20270301.1@cadence"),
        ),
        (
            "spacing",
            "2027-03-08",
            "2027-03-15",
            ("mix.broadcast.saturday.1@cadence", "mix.app.digest.20270308.0@cadence"),
        ),
        (
            "spacing",
            "2027-03-08",
            "2027-04-05",
            ("mix.app.digest.20270308.3@cadence", "mix.broadcast.newsletter.1@cadence"),
        ),
    ]
    assert planner.update(p).gaps == ()  # back to no spacing rule


def test_planner_follows_a_calendar_change():
    p = plan("engine_rolls")
    planner = Planner()
    planner.update(p)
    no_freeze = replace(p, calendar=replace(p.calendar, blackouts=()))
    result = planner.update(no_freeze)
    assert result.schedule == engine.schedule(no_freeze)
    assert ("2027-04-12", "blackout-f", "rest", "2027-04-12") in rows(result.schedule.touches)


def test_an_earlier_schedule_keeps_its_calendar_after_the_planner_moves_on():
    # The planner's calendar is put in order when first read (a count needs no merge):
    # one not read before the next update still gives its own plan's occurrences.
    p = plan("engine_broadcasts")
    planner = Planner()
    before = planner.update(p)
    app = replace(p.products[0], touches=())
    after = planner.update(replace(p, products=(app, p.products[1])))
    assert len(before.schedule.touches) == len(engine.schedule(p).touches)
    assert before.schedule == engine.schedule(p)
    assert after.schedule == engine.schedule(replace(p, products=(app, p.products[1])))
    assert len(after.schedule.touches) < len(before.schedule.touches)
