"""The engine's compact schedule: records built on read, and same-day contact order.

The gap checks read the engine's integer tables; a schedule of plain occurrence
objects goes through ``gaps.index_occurrences`` and sorts each day's contacts by
(time, UID) explicitly. Both must give the same gaps, including where the
engine's numbering cannot follow UID order by itself.
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
from cadence.records import Records


def spacing_pairs(p: Plan) -> list[tuple[str, str, str]]:
    """The spacing gaps as (start, earlier uid, later uid), checked both ways."""
    sched = engine.schedule(p)
    found = list(gaps.check(p, sched))
    plain = list(gaps.check(p, Schedule(tuple(sched.touches), tuple(sched.skipped))))
    assert found == plain
    assert list(engine.Planner().update(p).gaps) == found
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


def test_records_behave_like_the_tuple_of_their_objects():
    made = []
    records = Records([3, 1, 2], lambda ref: made.append(ref) or ref * 10)
    assert len(records) == 3 and made == []
    assert records == (30, 10, 20) and records == [30, 10, 20]
    assert records != (30, 10) and (30, 10, 20) == records
    assert records[1] == 10 and records[-1] == 20 and records[1:] == (10, 20)
    assert list(reversed(records)) == [20, 10, 30]
    assert records + (40,) == (30, 10, 20, 40) and (0,) + records == (0, 30, 10, 20)
    assert hash(records) == hash((30, 10, 20)) and 10 in records and bool(records)
    assert not Records([], str)


def test_occurrences_are_built_once_and_equal_the_plain_schedule():
    p = plan((Touch("t", "Tip", "email", "mkt", "s", 0, 7),))
    sched = engine.schedule(p)
    assert [o.date.isoformat() for o in sched.touches] == [
        "2027-03-01",
        "2027-03-08",
        "2027-03-15",
        "2027-03-22",
        "2027-03-29",
    ]
    assert sched.touches[0] is sched.touches[0]
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


def test_a_cohort_whose_journey_ends_before_the_horizon_is_not_checked():
    # Intake Saturday 27 February: the two-day journey ends before the horizon opens
    # on 1 March, but both touches roll forward into it, onto Monday 1 March.
    touches = (
        Touch("sat", "Saturday", "email", "mkt", "s", 0),
        Touch("sun", "Sunday", "email", "mkt", "s", 1),
    )
    p = plan(touches)
    p = replace(
        p,
        products=(
            replace(
                p.products[0],
                stages=(Stage("s", "Stage", 2, "mkt"),),
                cohorts=Cohorts(dates=(date(2027, 2, 27),), size=10),
            ),
        ),
    )
    assert [o.date.isoformat() for o in engine.schedule(p).touches] == ["2027-03-01"] * 2
    assert spacing_pairs(p) == []
