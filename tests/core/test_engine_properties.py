"""Properties of the engine and the checks, against a slow day-by-day reference.

The reference below follows the words of issue 4 / docs/scheduling.md one day
at a time, with no tables, buckets or caches; the engine, the checks and the
incremental planner must agree with it on every generated plan.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence import engine, gaps
from cadence.calendar import WorkingDays
from cadence.formats.plan_json import loads_plan
from cadence.model import (
    Blackout,
    Broadcast,
    Cohorts,
    HolidayRule,
    Occurrence,
    Plan,
    Product,
    Rules,
    Schedule,
    Skipped,
    Stage,
    Team,
    Touch,
    WorkCalendar,
    broadcast_uid,
    touch_uid,
)
from cadence.planner import MergedEntries, Planner
from tests.core.strategies import raw_plans

ONE = timedelta(days=1)

# --- the reference -----------------------------------------------------------------


def _time_key(t: time | None) -> tuple[int, int, int, int]:
    return (0, 0, 0, 0) if t is None else (1, t.hour, t.minute, t.second)


def _roll(wd: WorkingDays, d: date, policy: str) -> date | None:
    try:
        return wd.roll(d, policy)
    except ValueError:  # outside the calendar window, or no working day left in it
        return None


def _team_days(plan: Plan, owner: str | None) -> WorkingDays:
    """The owner's working days: the plan calendar with the team's own holidays and
    blackouts in place of the plan's when it has them."""
    cal = plan.calendar
    team = plan.team(owner)
    if team is not None and team.holidays is not None:
        cal = replace(cal, holidays=team.holidays)
    if team is not None and team.blackouts is not None:
        cal = replace(cal, blackouts=team.blackouts)
    return WorkingDays(cal, plan.start, plan.end)


def _stage_bounds(product: Product, cohort: date) -> list[tuple[date, date]]:
    out, day = [], cohort
    for s in product.stages:
        out.append((day, day + timedelta(days=s.days - 1)))
        day += timedelta(days=s.days)
    return out


def _stage_on(product: Product, cohort: date, d: date) -> int | None:
    for k, (a, b) in enumerate(_stage_bounds(product, cohort)):
        if a <= d <= b:
            return k
    return None


def _stage_leads(product: Product, k: int) -> float:
    return product.cohorts.size * math.prod(s.conversion for s in product.stages[:k])


def _reaches(b: Broadcast, product_id: str) -> bool:
    return b.products is None or product_id in b.products


def reference_schedule(plan: Plan) -> tuple[list[Occurrence], list[Skipped]]:
    days_of = {t.id: _team_days(plan, t.id) for t in plan.teams}
    wd = WorkingDays(plan.calendar, plan.start, plan.end)
    inside = lambda d: plan.start <= d <= plan.end  # noqa: E731
    touches: list[Occurrence] = []
    skipped: list[Skipped] = []
    for p in plan.products:
        for cohort in p.cohorts.intake_dates():
            bounds = _stage_bounds(p, cohort)
            for t in p.touches:
                k = [s.id for s in p.stages].index(t.stage)
                stage_start, stage_end = bounds[k]
                policy = t.roll or plan.calendar.roll
                wd = days_of.get(t.owner, wd)
                leads = _stage_leads(p, k)
                j = 0
                while True:
                    nominal = stage_start + timedelta(days=t.offset_days + j * (t.every_days or 0))
                    if nominal > stage_end or (j > 0 and not t.every_days):
                        break
                    uid = touch_uid(plan.id, p.id, t.id, cohort, j)
                    fields = (t.time, p.id, cohort, p.stages[k].id, t.id, t.name, t.channel)
                    more = (t.owner, t.automated, leads)
                    if not (wd.first <= nominal <= wd.last):
                        pass
                    elif policy == "skip" and not wd.is_working(nominal):
                        if inside(nominal):
                            reason = wd.reason(nominal) or ""
                            skipped.append(Skipped(uid, nominal, *fields, *more, reason, j))
                    else:
                        final = _roll(wd, nominal, policy)
                        if final is not None and inside(final):
                            touches.append(
                                Occurrence(uid, final, *fields, *more, nominal, j, "touch")
                            )
                    j += 1
    for b in plan.broadcasts:
        wd = days_of[b.owner]
        for index, d in enumerate(engine.expand_rrule(b.rrule, b.dtstart)):
            if d > plan.end + timedelta(days=30):
                break
            if not (wd.first <= d <= wd.last):
                continue
            policy = plan.calendar.roll
            uid = broadcast_uid(plan.id, b.id, index)
            if policy == "skip" and not wd.is_working(d):
                if inside(d):
                    leads = _broadcast_leads(plan, b, d)
                    fields = (None, None, None, b.id, b.name, b.channel, b.owner, b.automated)
                    reason = wd.reason(d) or ""
                    skipped.append(
                        Skipped(uid, d, b.time, *fields, leads, reason, index, "broadcast")
                    )
                continue
            final = _roll(wd, d, policy)
            if final is None or not inside(final):
                continue
            leads = _broadcast_leads(plan, b, final)
            touches.append(
                Occurrence(
                    uid,
                    final,
                    b.time,
                    None,
                    None,
                    None,
                    b.id,
                    b.name,
                    b.channel,
                    b.owner,
                    b.automated,
                    leads,
                    d,
                    index,
                    "broadcast",
                )
            )
    touches.sort(
        key=lambda o: (
            o.date,
            _time_key(o.time),
            o.product or "",
            o.touch,
            o.cohort or date.min,
            o.repeat,
        )
    )
    skipped.sort(
        key=lambda s: (
            s.nominal,
            _time_key(s.time),
            s.product or "",
            s.touch,
            s.cohort or date.min,
            s.repeat,
        )
    )
    return touches, skipped


def _broadcast_leads(plan: Plan, b: Broadcast, d: date) -> float:
    total = 0.0
    for p in plan.products:
        if not _reaches(b, p.id):
            continue
        subtotal = 0.0
        for cohort in p.cohorts.intake_dates():
            k = _stage_on(p, cohort, d)
            if k is not None:
                subtotal += _stage_leads(p, k)
        total += subtotal
    return total


def _answering(product: Product, k: int, rules) -> str | None:
    """Who answers in stage k: its owner, else the lead desk, else the last earlier owner."""
    if product.stages[k].owner is not None:
        return product.stages[k].owner
    if rules.lead_desk is not None:
        return rules.lead_desk
    owners = [s.owner for s in product.stages[:k] if s.owner is not None]
    return owners[-1] if owners else None


def _runs(days: list[date]) -> list[list[date]]:
    runs: list[list[date]] = []
    for d in days:
        if runs and runs[-1][-1] + ONE == d:
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs


def reference_gaps(plan: Plan, touches: list[Occurrence]) -> list[tuple]:
    """Gaps as comparable tuples (every field but the message)."""
    rules = plan.rules
    found: list[tuple] = []
    by_id = {b.id: b for b in plan.broadcasts}
    for p in plan.products:
        for cohort in p.cohorts.intake_dates():
            bounds = _stage_bounds(p, cohort)
            journey_end = bounds[-1][1]
            days = []
            d = max(cohort, plan.start)
            while d <= min(journey_end, plan.end):
                days.append(d)
                d += ONE
            contacts = [o for o in touches if o.product == p.id and o.cohort == cohort]
            contacts += [
                o
                for o in touches
                if o.kind == "broadcast"
                and _reaches(by_id[o.touch], p.id)
                and cohort <= o.date <= journey_end
            ]
            contacts.sort(key=lambda o: (o.date, _time_key(o.time), o.uid))
            contact_days = {o.date for o in contacts}

            if rules.min_spacing_days:  # every cohort, also one outside the horizon
                for a, b in zip(contacts, contacts[1:], strict=False):
                    if (b.date - a.date).days < rules.min_spacing_days:
                        k = _stage_on(p, cohort, b.date)
                        stage_id = p.stages[k].id if k is not None else b.stage
                        found.append(
                            ("spacing", p.id, cohort, stage_id, None, a.date, b.date, a.uid, b.uid)
                        )
            if not days:  # the journey misses the horizon: nothing else to check
                continue

            unowned = [d for d in days if p.stages[_stage_on(p, cohort, d)].owner is None]
            for run in _runs(unowned):
                k = _stage_on(p, cohort, run[0])
                team = _answering(p, k, rules)
                found.append(("unowned", p.id, cohort, p.stages[k].id, team, run[0], run[-1]))

            silent = [d for d in days if d not in contact_days]
            for run in _runs(silent):
                stage = p.stages[_stage_on(p, cohort, run[0])]
                allowed = stage.max_silence_days
                if allowed is None:
                    allowed = rules.max_silence_days
                team = _answering(p, _stage_on(p, cohort, run[0]), rules)
                length = len(run)
                if rules.count_days == "working":
                    length = sum(_team_days(plan, team).is_working(d) for d in run)
                if allowed is not None and length > allowed:
                    found.append(("silence", p.id, cohort, stage.id, team, run[0], run[-1]))

            if rules.handoff_sla_days is not None:
                for k in range(1, len(p.stages)):
                    owner, before = p.stages[k].owner, p.stages[k - 1].owner
                    start = bounds[k][0]
                    if owner is None or owner == before or not plan.start <= start <= plan.end:
                        continue
                    end = min(start + timedelta(days=rules.handoff_sla_days), plan.end)
                    if rules.count_days == "working":  # the SLA-th working day after start
                        owner_days, end, n = _team_days(plan, owner), start, 0
                        while end < plan.end and (
                            n < rules.handoff_sla_days or not owner_days.is_working(end)
                        ):
                            end += ONE
                            n += owner_days.is_working(end)
                    if not any(o.owner == owner and start <= o.date <= end for o in contacts):
                        found.append(("handoff", p.id, cohort, p.stages[k].id, owner, start, end))

    found += reference_library_gaps(plan, touches)
    capacity = {t.id: t.weekly_capacity for t in plan.teams if t.weekly_capacity is not None}
    weeks: dict[tuple[str, date], list[float]] = {}
    for o in touches:
        if o.kind == "touch" and not o.automated and o.owner in capacity:
            monday = o.date - timedelta(days=o.date.weekday())
            weeks.setdefault((o.owner, monday), []).append(o.leads)
    for (team, monday), loads in weeks.items():
        wd = _team_days(plan, team)
        load = round(math.fsum(loads), 2)
        # A week's capacity: per workday of a full week, times the week's working days.
        working = sum(wd.is_working(monday + timedelta(days=i)) for i in range(7))
        full = len(plan.calendar.workdays)
        if not plan.team(team).has_own_calendar:
            working = full  # the plan's calendar: the whole weekly capacity every week
        if load > capacity[team] * min(working, full) / full:
            sunday = monday + timedelta(days=6)
            found.append(("capacity", None, None, None, team, monday, sunday, load))
    return sorted(found, key=repr)


def reference_library_gaps(plan: Plan, touches: list[Occurrence]) -> list[tuple]:
    """The content and coverage gaps, as docs/scheduling.md words them."""
    found: list[tuple] = []
    library = {a.id: a for a in plan.content}
    for p in plan.products:
        sends = {t.id: t.asset for t in p.touches}
        for o in touches:
            if o.kind != "touch" or o.product != p.id or not plan.start <= o.date <= plan.end:
                continue
            if sends.get(o.touch) is None:
                continue
            a = library.get(sends[o.touch])
            missing = a is None
            not_ready = a is not None and o.date < a.ready_on
            past = a is not None and a.review_by is not None and o.date > a.review_by
            if missing or not_ready or past:
                team = o.owner if a is None else a.owner
                found.append(("content", p.id, o.cohort, o.stage, team, o.date, o.date))
        if not plan.content:
            continue

        def serves(a, stage_id, product_id=p.id):
            return (a.products is None or product_id in a.products) and (
                a.stages is None or stage_id in a.stages
            )

        personas = {
            a.persona
            for a in plan.content
            if a.persona is not None and any(serves(a, s.id) for s in p.stages)
        }
        for s in p.stages:
            for persona in sorted(personas) or [None]:
                if not any(serves(a, s.id) and a.persona in (None, persona) for a in plan.content):
                    found.append(("coverage", p.id, None, s.id, s.owner, plan.start, plan.end))
    return found


def as_tuples(found: list) -> list[tuple]:
    out = []
    for g in found:
        row = (g.kind, g.product, g.cohort, g.stage, g.team, g.start, g.end)
        if g.kind == "spacing":
            row += g.uids
        if g.kind == "capacity":
            row += (g.load,)
        out.append(row)
    return sorted(out, key=repr)


# --- plans ---------------------------------------------------------------------------

TEAMS = (
    Team("mkt", "Marketing", "#2b7bb9"),
    Team("sdr", "Sales development", "#e67e22", weekly_capacity=50),
    Team("ae", "Account executives", "#27ae60", weekly_capacity=10),
)
OWNERS = st.sampled_from([None, "mkt", "sdr", "ae"])
TIMES = st.sampled_from([None, time(9, 0), time(9, 30), time(14, 15)])
POLICIES = st.sampled_from(["forward", "backward", "skip"])
START = date(2027, 3, 1)  # Easter (Good Friday 26 March, Easter Monday 29 March) is near


@st.composite
def small_plans(draw: st.DrawFn) -> Plan:
    """Dense little plans around one quarter: rolls, holidays, blackouts, gaps of every kind."""
    start = START + timedelta(days=draw(st.integers(-40, 40)))
    end = start + timedelta(days=draw(st.integers(0, 90)))
    workdays = draw(
        st.sampled_from(
            [
                ("mon", "tue", "wed", "thu", "fri"),
                ("mon", "tue", "wed", "thu"),
                ("tue", "sat"),
            ]
        )
    )
    blackouts = tuple(
        Blackout(f"freeze {i}", d, d + timedelta(days=draw(st.integers(0, 9))))
        for i, d in enumerate(draw(st.lists(st.dates(start - timedelta(days=20), end), max_size=2)))
    )
    calendar = WorkCalendar(
        workdays=workdays,
        holidays=draw(st.sampled_from([None, HolidayRule("DE", "BE")])),
        blackouts=blackouts,
        roll=draw(POLICIES),
    )
    small = st.one_of(st.none(), st.integers(0, 6))
    rules = Rules(
        min_spacing_days=draw(small),
        max_silence_days=draw(st.one_of(st.none(), st.integers(1, 12))),
        handoff_sla_days=draw(small),
        count_days=draw(st.sampled_from(["calendar", "working"])),
        lead_desk=draw(st.sampled_from([None, "mkt", "ae"])),
    )
    # Teams with calendars of their own: US holidays, a week off around Easter.
    own = draw(st.sampled_from(["none", "us", "time-off"]))
    teams = TEAMS
    if own == "us":
        teams = (TEAMS[0], replace(TEAMS[1], holidays=HolidayRule("US")), TEAMS[2])
    elif own == "time-off":
        off = (Blackout("Time off", date(2027, 3, 22), date(2027, 3, 31)),)
        teams = (replace(TEAMS[0], blackouts=off), TEAMS[1], TEAMS[2])
    products = []
    for pi in range(draw(st.integers(1, 3))):
        stages = tuple(
            Stage(
                f"s{k}",
                f"Stage {k}",
                draw(st.integers(1, 15)),
                draw(OWNERS),
                draw(st.sampled_from([1.0, 0.5, 0.4, 0.3])),
                draw(st.one_of(st.none(), st.integers(1, 8))),
            )
            for k in range(draw(st.integers(1, 4)))
        )
        touches = []
        for ti in range(draw(st.integers(0, 5))):
            stage = draw(st.sampled_from(stages))
            touches.append(
                Touch(
                    f"t{ti}" if draw(st.booleans()) else f"z{ti}",
                    f"Touch {ti}",
                    "email",
                    draw(st.sampled_from(["mkt", "sdr", "ae"])),
                    stage.id,
                    draw(st.integers(0, stage.days - 1)),
                    draw(st.one_of(st.none(), st.integers(1, 7))),
                    draw(TIMES),
                    draw(st.booleans()),
                    draw(st.one_of(st.none(), POLICIES)),
                )
            )
        intake = draw(st.lists(st.dates(start - timedelta(days=50), end), min_size=1, max_size=4))
        products.append(
            Product(
                f"p{pi}",
                f"Product {pi}",
                stages,
                tuple(touches),
                Cohorts(dates=tuple(sorted(set(intake))), size=draw(st.integers(1, 90))),
            )
        )
    ids = [p.id for p in products]
    broadcasts = tuple(
        Broadcast(
            f"b{i}",
            f"Broadcast {i}",
            "newsletter",
            draw(st.sampled_from(["mkt", "sdr"])),
            draw(
                st.sampled_from(
                    ["FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=SA", "FREQ=MONTHLY;BYDAY=1TU"]
                )
            ),
            start - timedelta(days=draw(st.integers(0, 60))),
            draw(TIMES),
            True,
            draw(st.sampled_from([None, (), tuple(ids[:1])])),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    return Plan(
        "prop",
        "Property plan",
        start,
        end,
        "Europe/Berlin",
        calendar,
        rules,
        teams,
        tuple(products),
        broadcasts,
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- properties ----------------------------------------------------------------------


@SETTINGS
@given(small_plans())
def test_engine_and_checks_agree_with_the_reference(plan: Plan) -> None:
    sched = engine.schedule(plan)
    touches, skipped = reference_schedule(plan)
    assert list(sched.touches) == touches
    assert list(sched.skipped) == skipped
    found = gaps.check(plan, sched)
    assert as_tuples(found) == reference_gaps(plan, touches)
    assert found == sorted(found, key=gaps.gap_sort_key)
    assert list(Planner().update(plan).gaps) == found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_plans())
def test_validated_plans_agree_with_the_reference(raw: dict) -> None:
    import json

    plan = loads_plan(json.dumps(raw))
    sched = engine.schedule(plan)
    touches, skipped = reference_schedule(plan)
    assert list(sched.touches) == touches
    assert list(sched.skipped) == skipped
    assert as_tuples(gaps.check(plan, sched)) == reference_gaps(plan, touches)


@SETTINGS
@given(small_plans())
def test_every_emitted_date_is_a_working_day_inside_the_horizon(plan: Plan) -> None:
    # A working day of the entry's owner (its team's own calendar when it has one).
    for o in engine.schedule(plan).touches:
        assert plan.start <= o.date <= plan.end
        assert _team_days(plan, o.owner).is_working(o.date)


@SETTINGS
@given(small_plans())
def test_rolling_forward_never_moves_a_date_earlier(plan: Plan) -> None:
    forward = replace(
        plan,
        calendar=replace(plan.calendar, roll="forward"),
        products=tuple(
            replace(p, touches=tuple(replace(t, roll="forward") for t in p.touches))
            for p in plan.products
        ),
    )
    sched = engine.schedule(forward)
    assert sched.skipped == ()
    for o in sched.touches:
        assert o.date >= o.nominal


@SETTINGS
@given(small_plans())
def test_no_unowned_gap_when_every_stage_has_an_owner(plan: Plan) -> None:
    owned = replace(
        plan,
        products=tuple(
            replace(p, stages=tuple(replace(s, owner=s.owner or "mkt") for s in p.stages))
            for p in plan.products
        ),
    )
    found = gaps.check(owned, engine.schedule(owned))
    assert not [g for g in found if g.kind == "unowned"]


def assert_days_read_alone(schedule: Schedule, plan: Plan) -> None:
    """Each day read alone (what the calendar reads) is that day's part of the calendar."""
    by_day: dict[int, list[Occurrence]] = {}
    for o in engine.schedule(plan).touches:
        by_day.setdefault(o.date.toordinal(), []).append(o)
    touches = schedule.touches
    assert isinstance(touches, MergedEntries)
    assert touches.group_range() == ((min(by_day), max(by_day)) if by_day else None)
    for day in range(min(by_day, default=0) - 1, max(by_day, default=0) + 2):
        assert list(touches.group(day)) == by_day.get(day, [])


def renamed(product: Product, edit: str, name: str) -> Product:
    """``product`` with its last stage, its last touch or itself renamed (``edit``); with
    "rename and move touch" the touch also fires a day later."""
    if edit == "rename stage":
        return replace(
            product, stages=(*product.stages[:-1], replace(product.stages[-1], name=name))
        )
    if edit == "rename product":
        return replace(product, name=name or "Renamed")
    if not product.touches:
        return product
    touch = replace(product.touches[-1], name=name or "Renamed")
    if edit == "rename and move touch":
        touch = replace(touch, offset_days=touch.offset_days + 1)
    return replace(product, touches=(*product.touches[:-1], touch))


@SETTINGS
@given(small_plans(), st.data())
def test_incremental_replanning_equals_planning_from_scratch(
    plan: Plan, data: st.DataObject
) -> None:
    planner = Planner()
    assert_days_read_alone(planner.update(plan).schedule, plan)
    edit = data.draw(
        st.sampled_from(
            [
                "stage",
                "touch",
                "remove",
                "add",
                "rules",
                "capacity",
                "none",
                "rename stage",
                "rename touch",
                "rename product",
                "rename and move touch",
                "reorder",
            ]
        )
    )
    products = list(plan.products)
    if edit.startswith("rename"):  # names only: the occurrences are renamed, not planned again
        products[-1] = renamed(products[-1], edit, data.draw(st.sampled_from(["Aware", "x", ""])))
    if edit == "stage":
        p = products[0]
        stages = (replace(p.stages[0], days=p.stages[0].days + 3),) + p.stages[1:]
        products[0] = replace(p, stages=stages)
    elif edit == "touch" and products[-1].touches:
        p = products[-1]
        products[-1] = replace(p, touches=p.touches[1:])
    elif edit == "remove":
        products.pop(0)
    elif edit == "add":
        products.append(replace(products[0], id="extra"))
    elif edit == "reorder":  # the same leads, summed in another order
        products.reverse()
    edited = replace(plan, products=tuple(products))
    if edit == "rules":
        edited = replace(plan, rules=replace(plan.rules, min_spacing_days=3))
    if edit == "capacity":  # every week of a team with a capacity is checked again
        lower = [replace(t, weekly_capacity=1) if t.weekly_capacity else t for t in plan.teams]
        edited = replace(plan, teams=tuple(lower))
    result = planner.update(edited)
    fresh = Planner().update(edited)
    assert result.schedule == fresh.schedule == engine.schedule(edited)
    assert_days_read_alone(result.schedule, edited)
    assert result.gaps == fresh.gaps
    assert list(result.gaps) == gaps.check(edited, fresh.schedule)
    if edit in ("none", "rules"):
        assert result.rescheduled == ()
    if edit == "stage":
        assert result.rescheduled == (products[0].id,)
        assert set(result.rechecked) == {products[0].id}
    assert set(result.rescheduled) <= {p.id for p in products} | {p.id for p in plan.products}
    # Undone: the kept results (and the capacity weeks summed again) equal a fresh plan's.
    assert list(planner.update(plan).gaps) == list(Planner().update(plan).gaps)
