"""Export speed: our iCalendar serializer against the same events built with `icalendar`.

``measure_export(plan, schedule)`` times a 100 000-event .ics export (taking
the first 100 000 occurrences of the schedule; a smaller schedule is repeated
under fresh UIDs) and the same events built and serialized with the
``icalendar`` library. The library is about 20× slower, so by default it is
timed on the first 10 000 of those events and reported as a rate.
``cadence.bench`` prints these figures with the engine's.

Run alone: ``python -m cadence.bench_export`` (uses the demo plan).
"""

from __future__ import annotations

import io
import json
import sys
import time as clock
from datetime import UTC, datetime, timedelta
from typing import Any

from cadence.model import Occurrence, Plan, Schedule

EXPORT_EVENTS = 100_000
BASELINE_EVENTS = 10_000


def _events(schedule: Schedule, count: int) -> tuple[Occurrence, ...]:
    touches = schedule.touches
    if not touches:
        return ()
    if len(touches) >= count:
        return tuple(touches[:count])
    out = list(touches)
    round_ = 1
    while len(out) < count:
        out.extend(o._replace(uid=f"r{round_}.{o.uid}") for o in touches[: count - len(out)])
        round_ += 1
    return tuple(out)


def icalendar_baseline(plan: Plan, occurrences: tuple[Occurrence, ...]) -> bytes:
    """The same calendar built with `icalendar` objects (the reference implementation)."""
    from zoneinfo import ZoneInfo

    import icalendar

    from cadence.formats.ical import CHANNEL_LABELS, DEFAULT_MINUTES, PRODID, css_color_name

    zone = ZoneInfo(plan.timezone)
    stamp = plan.updated or datetime.combine(plan.start, datetime.min.time(), tzinfo=UTC)
    teams = {t.id: t for t in plan.teams}
    products = {p.id: p for p in plan.products}
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", plan.name)
    for occ in occurrences:
        ev = icalendar.Event()
        ev.add("uid", occ.uid)
        ev.add("dtstamp", stamp)
        ev.add("sequence", 0)
        if occ.time is None:
            ev.add("dtstart", occ.date)
            ev.add("dtend", (occ.end or occ.date) + timedelta(days=1))
        else:
            start = datetime.combine(occ.date, occ.time, tzinfo=zone)
            ev.add("dtstart", start)
            ev.add("dtend", start + timedelta(minutes=DEFAULT_MINUTES.get(occ.channel, 30)))
        product = products.get(occ.product or "")
        product_name = product.name if product else ""
        ev.add("summary", f"{occ.name} — {product_name}")
        team = teams.get(occ.owner)
        channel = CHANNEL_LABELS.get(occ.channel, occ.channel)
        ev.add(
            "description",
            f"{occ.name}\nProduct: {product_name}\nStage: {occ.stage}\nChannel: {channel}\n"
            f"Owner: {team.name if team else occ.owner}",
        )
        ev.add("categories", [channel, team.name if team else occ.owner])
        color = css_color_name(team.color) if team else None
        if color:
            ev.add("color", color)
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


def measure_export(
    plan: Plan,
    schedule: Schedule,
    *,
    events: int = EXPORT_EVENTS,
    baseline_events: int = BASELINE_EVENTS,
    runs: int = 2,
) -> dict[str, Any]:
    """Events per second of our .ics export and of an `icalendar`-built one.

    Keys: ``ics_events_per_s``, ``icalendar_events_per_s``, ``ics_events``,
    ``ics_s``, ``ics_mb``, ``icalendar_events``, ``icalendar_s``, ``csv_events_per_s``,
    and for an export over that one (what keeps DTSTAMP and SEQUENCE of unchanged
    events): ``ics_previous_read_s`` (reading it back, :func:`read_previous_bytes`, each
    event's lines as written) and ``ics_over_previous_s`` (writing again, each event's
    lines compared).
    Everything is written to memory, so the figures are the serializers', not the
    disk's; ours is the best of ``runs``, the library's (slow) a single run.
    """
    from cadence.formats.csv_export import write_csv
    from cadence.formats.ical import Revision, read_previous_bytes, write_ics

    occurrences = _events(schedule, events)
    ics_s = float("inf")
    size = 0
    for _ in range(runs):  # best of a few: the first run also pays for imports and caches
        buffer = io.BytesIO()
        began = clock.perf_counter()
        write_ics(plan, occurrences, (), buffer)
        ics_s = min(ics_s, clock.perf_counter() - began)
        size = buffer.tell()
    exported = buffer.getvalue()
    del buffer

    read_s = over_s = float("inf")
    for _ in range(runs):
        began = clock.perf_counter()
        previous = read_previous_bytes(exported, details=False, written=True)  # as export_ics
        read_s = min(read_s, clock.perf_counter() - began)
        began = clock.perf_counter()
        write_ics(plan, occurrences, (), io.BytesIO(), revision=Revision(previous))
        over_s = min(over_s, clock.perf_counter() - began)
    del exported, previous

    csv_buffer = io.BytesIO()
    began = clock.perf_counter()
    write_csv(plan, occurrences, (), csv_buffer)
    csv_s = clock.perf_counter() - began

    sample = occurrences[:baseline_events]
    began = clock.perf_counter()
    icalendar_baseline(plan, sample)
    baseline_s = clock.perf_counter() - began

    def rate(count: int, seconds: float) -> float:
        return round(count / seconds, 1) if seconds > 0 else 0.0

    return {
        "ics_events": len(occurrences),
        "ics_s": round(ics_s, 4),
        "ics_mb": round(size / 1e6, 2),
        "ics_events_per_s": rate(len(occurrences), ics_s),
        "ics_previous_read_s": round(read_s, 4),
        "ics_over_previous_s": round(over_s, 4),
        "icalendar_events": len(sample),
        "icalendar_s": round(baseline_s, 4),
        "icalendar_events_per_s": rate(len(sample), baseline_s),
        "csv_events_per_s": rate(len(occurrences), csv_s),
    }


def main(argv: list[str] | None = None) -> int:
    from cadence.engine import schedule
    from cadence.formats.plan_json import loads_plan

    args = sys.argv[1:] if argv is None else argv
    from importlib import resources

    text = resources.files("resources").joinpath("demo_plan.json").read_text(encoding="utf-8")
    plan = loads_plan(text, "demo_plan.json")
    figures = measure_export(plan, schedule(plan))
    if "--json" in args:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
