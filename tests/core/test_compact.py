"""Same-day contact order and cohorts at the horizon's edge, in the spacing check.

A cohort's contacts are ordered by (date, time, UID): the spacing pairs on one
day follow that order, including where touch-id order and UID order differ.
The engine's schedule, a tuple of the same occurrences and the incremental
planner must give the same gaps.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from cadence import engine, gaps
from cadence.model import (
    Broadcast,
    Cohorts,
    Plan,
    Product,
    Rules,
    Schedule,
    Stage,
    Team,
    Touch,
    WorkCalendar,
)
from cadence.planner import Planner


def spacing_pairs(p: Plan) -> list[tuple[str, str, str]]:
    """The spacing gaps as (start, earlier uid, later uid), checked both ways."""
    sched = engine.schedule(p)
    found = list(gaps.check(p, sched))
    plain = list(gaps.check(p, Schedule(tuple(sched.touches), tuple(sched.skipped))))
    assert found == plain
    assert list(Planner().update(p).gaps) == found
    return [(g.start.isoformat(), g.uids[0], g.uids[1]) for g in found if g.kind == "spacing"]


def plan(touches: tuple[Touch, ...], product_id: str = "p", **extra) -> Plan:
    return Plan(
        id="c",
        name="Compact",
        start=date(2027, 3, 1),
        end=date(2027, 3, 31),
        timezone="UTC",
        calendar=WorkCalendar(),
        rules=Rules(min_spacing_days=1, max_silence_days=None, handoff_sla_days=None),
        teams=(Team("mkt", "Marketing", "#2b7bb9"),),
        products=(
            Product(
                product_id,
                "Product",
                (Stage("s", "Stage", 30, "mkt"),),
                touches,
                Cohorts(dates=(date(2027, 3, 1),), size=10),
            ),
        ),
        **extra,
    )


def test_the_schedule_is_a_tuple_of_occurrences():
    p = plan((Touch("t", "Tip", "email", "mkt", "s", 0, 7),))
    sched = engine.schedule(p)
    assert [o.date.isoformat() for o in sched.touches] == [
        "2027-03-01",
        "2027-03-08",
        "2027-03-15",
        "2027-03-22",
        "2027-03-29",
    ]
    assert isinstance(sched.touches, tuple)
    assert sched == Schedule(tuple(sched.touches), ())


def test_touch_ids_where_id_order_and_uid_order_differ():
    # "a" < "a-b" by id, but the UID "c.p.a-b.…" sorts before "c.p.a.…" ('-' < '.').
    p = plan(
        (
            Touch("a", "A", "email", "mkt", "s", 1),
            Touch("a-b", "A-B", "email", "mkt", "s", 1),
            Touch("z", "Z", "email", "mkt", "s", 1),
        )
    )
    assert spacing_pairs(p) == [
        ("2027-03-02", "c.p.a-b.20270301.0@cadence", "c.p.a.20270301.0@cadence"),
        ("2027-03-02", "c.p.a.20270301.0@cadence", "c.p.z.20270301.0@cadence"),
    ]


def test_repeats_nine_and_ten_rolled_onto_one_day_go_in_uid_order():
    # A daily touch from Thursday 4 March: repeats 9 and 10 (Sat 13, Sun 14 March)
    # roll onto Monday 15 with repeat 11. By UID ".10@" < ".11@" < ".9@".
    p = plan((Touch("d", "Daily", "email", "mkt", "s", 3, 1),))
    assert [pair for pair in spacing_pairs(p) if pair[0] == "2027-03-15"] == [
        ("2027-03-15", "c.p.d.20270301.10@cadence", "c.p.d.20270301.11@cadence"),
        ("2027-03-15", "c.p.d.20270301.11@cadence", "c.p.d.20270301.9@cadence"),
    ]
    # Repeats 2, 3 (6, 7 March) roll onto Monday 8 with repeat 4: plain order.
    assert [pair for pair in spacing_pairs(p) if pair[0] == "2027-03-08"] == [
        ("2027-03-08", "c.p.d.20270301.2@cadence", "c.p.d.20270301.3@cadence"),
        ("2027-03-08", "c.p.d.20270301.3@cadence", "c.p.d.20270301.4@cadence"),
    ]


def test_a_product_named_broadcast_orders_broadcasts_by_uid():
    # Same time: "c.broadcast.news.0@…" against "c.broadcast.tip.…" (the touch).
    touches = (Touch("tip", "Tip", "email", "mkt", "s", 1, time=time(9, 0)),)
    news = Broadcast(
        "news", "News", "newsletter", "mkt", "FREQ=DAILY;COUNT=1", date(2027, 3, 2), time(9, 0)
    )
    p = plan(touches, product_id="broadcast", broadcasts=(news,))
    assert spacing_pairs(p) == [
        ("2027-03-02", "c.broadcast.news.0@cadence", "c.broadcast.tip.20270301.0@cadence"),
    ]


def edge_plan(intake: date) -> Plan:
    """Two touches on the two days of a two-day stage; spacing rule 2."""
    touches = (
        Touch("sat", "Saturday", "email", "mkt", "s", 0),
        Touch("sun", "Sunday", "email", "mkt", "s", 1),
    )
    p = plan(touches)
    return replace(
        p,
        rules=replace(p.rules, min_spacing_days=2),
        products=(
            replace(
                p.products[0],
                stages=(Stage("s", "Stage", 2, "mkt"),),
                cohorts=Cohorts(dates=(intake,), size=10),
            ),
        ),
    )


def test_a_cohort_whose_journey_ends_before_the_horizon_is_still_spacing_checked():
    # Intake Saturday 27 February: the two-day journey ends before the horizon opens
    # on Monday 1 March, but both touches roll forward into it, onto 1 March. They
    # reach the same leads on one day: flagged, as when the journey overlaps the
    # horizon (below). It used to be dropped.
    p = edge_plan(date(2027, 2, 27))
    assert [o.date.isoformat() for o in engine.schedule(p).touches] == ["2027-03-01"] * 2
    assert spacing_pairs(p) == [
        ("2027-03-01", "c.p.sat.20270227.0@cadence", "c.p.sun.20270227.0@cadence"),
    ]
    [gap] = [g for g in gaps.check(p, engine.schedule(p)) if g.kind == "spacing"]
    assert (gap.cohort, gap.stage, gap.message) == (
        date(2027, 2, 27),
        "s",
        '"Saturday" (2027-03-01) and "Sunday" (2027-03-01) are 0 days apart; minimum 2 days',
    )


def test_a_cohort_whose_journey_overlaps_the_horizon_by_one_day_is_spacing_checked():
    # Intake Sunday 28 February: the journey's second day is 1 March.
    p = edge_plan(date(2027, 2, 28))
    assert [o.date.isoformat() for o in engine.schedule(p).touches] == ["2027-03-01"] * 2
    assert spacing_pairs(p) == [
        ("2027-03-01", "c.p.sat.20270228.0@cadence", "c.p.sun.20270228.0@cadence"),
    ]
