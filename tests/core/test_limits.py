"""Bounded work for any valid plan (issue 13): limits named by `validate`, the
estimate shown before a long run, and bounded .ics imports.

The limits are in docs/plan-format.md ("Limits"). Each test would have run for
minutes or exhausted memory before the limits existed; here each is refused
(or bounded) before any work starts.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cadence.bench import build_large_plan
from cadence.demo import demo_plan_text
from cadence.formats.ics_import import merge_blackouts, read_ics_blackouts
from cadence.formats.plan_json import loads_plan, plan_to_dict
from cadence.model import Blackout
from cadence.validate import PlanInvalid, build_plan, estimate_occurrences
from cli.commands.common import announce_work
from cli.main import main


def demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo_plan_text())
    return data


def errors_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        build_plan(raw)
    return [str(e) for e in info.value.errors]


@pytest.mark.parametrize("freq", ["SECONDLY", "MINUTELY", "HOURLY"])
def test_broadcasts_repeat_daily_at_most(freq: str) -> None:
    raw = demo()
    raw["broadcasts"][0]["rrule"] = f"FREQ={freq}"
    raw["broadcasts"][0]["dtstart"] = "1900-01-01"
    assert errors_of(raw) == [
        f"broadcasts[0].rrule: FREQ={freq} is not allowed: broadcasts repeat daily, weekly, "
        f'monthly, yearly at most (got "FREQ={freq}")'
    ]


def test_broadcasts_take_their_time_from_the_time_field() -> None:
    raw = demo()
    raw["broadcasts"][1]["rrule"] = "FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0,30"
    assert errors_of(raw) == [
        "broadcasts[1].rrule: BYHOUR is not allowed: a broadcast happens once a day at most, at "
        'its "time" (got "FREQ=DAILY;BYHOUR=1,2,3;BYMINUTE=0,30")'
    ]


def test_text_lengths() -> None:
    raw = demo()
    raw["products"][0]["touches"][0]["name"] = "x" * 10_000_000
    raw["products"][0]["touches"][1]["name"] = "y" * 301
    raw["requests"][0]["note"] = "z" * 10_001
    assert errors_of(raw) == [
        "products[0].touches[0].name: a text of 10000000 characters, more than 10000",
        "requests[0].note: a text of 10001 characters, more than 10000",
    ]
    raw["products"][0]["touches"][0]["name"] = "Welcome"
    del raw["requests"][0]["note"]
    assert errors_of(raw) == [
        "products[0].touches[1].name: must be at most 300 characters, got 301"
    ]


def test_horizon_of_more_than_a_hundred_years() -> None:
    raw = demo()
    raw["start"], raw["end"] = "1900-01-01", "2999-12-31"
    assert errors_of(raw) == [
        "end: the horizon 1900-01-01 … 2999-12-31 is 401767 days long, more than 36500 "
        "(a hundred years)"
    ]


def test_a_thousand_products_of_daily_cohorts_are_refused_before_any_work() -> None:
    raw = demo()
    product = raw["products"][0]
    product["cohorts"] = {"start": "1950-01-01", "every_days": 1, "count": 36_500, "size": 1}
    raw["products"] = [{**product, "id": f"p{n}"} for n in range(1000)]
    raw["broadcasts"], raw["requests"], raw["studio"] = [], [], None
    raw["content"] = []  # its assets name the demo's products
    raw["start"], raw["end"] = "1950-01-01", "2049-11-30"
    assert errors_of(raw) == [
        "products[0].cohorts: the products have 36,500,000 cohort intakes in all (this one "
        "36,500), more than the 1,000,000 a plan may have"
    ]


def test_too_many_occurrences_names_the_largest_share() -> None:
    raw = demo()
    raw["start"], raw["end"] = "1950-01-01", "2049-11-30"
    for product in raw["products"]:
        product["cohorts"] = {"start": "1950-01-01", "every_days": 1, "count": 36_500}
        for touch in product["touches"]:
            touch["every_days"] = 1
    assert errors_of(raw) == [
        "products[0]: the plan asks for about 10,768,761 occurrences in its horizon (this "
        "product 4,525,256), more than the 5,000,000 a plan may have: fewer cohorts, repeats "
        "or a shorter horizon"
    ]


def test_the_benchmark_plan_and_ten_times_it_are_well_inside_the_limits() -> None:
    for products, estimate in ((50, 152_345), (500, 1_530_969)):
        plan = build_large_plan(products)
        assert estimate_occurrences(plan) == estimate
        assert build_plan(plan_to_dict(plan)) == plan


def test_a_long_run_is_announced_with_its_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    announce_work(build_large_plan(50))
    assert capsys.readouterr().err == ""
    announce_work(build_large_plan(100))
    assert capsys.readouterr().err == "Planning about 308,241 occurrences…\n"


def test_validate_prints_the_estimate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(demo_plan_text())
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "About 968 occurrences in the horizon (a plan may ask for 5,000,000)"
    )


# --- .ics import ------------------------------------------------------------------------------


def ics(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n{body}END:VCALENDAR\r\n"


def test_ics_subdaily_rules_from_1900_are_skipped_not_expanded() -> None:
    found = read_ics_blackouts(
        ics(
            "UID:a\r\nSUMMARY:Tick\r\nDTSTART;VALUE=DATE:19000101\r\nRRULE:FREQ=SECONDLY\r\n",
            "UID:b\r\nSUMMARY:Tock\r\nDTSTART;VALUE=DATE:19000101\r\nRRULE:FREQ=MINUTELY\r\n",
            "UID:c\r\nSUMMARY:Day\r\nDTSTART;VALUE=DATE:20270105\r\n",
        ),
        first=date(2027, 1, 1),
        last=date(2027, 12, 31),
    )
    assert (found.blackouts, found.timed_skipped, found.subdaily) == (
        (Blackout("Day", date(2027, 1, 5), date(2027, 1, 5)),),
        0,
        2,
    )


def test_ics_extreme_dates_do_not_overflow() -> None:
    found = read_ics_blackouts(
        ics(
            "UID:a\r\nSUMMARY:Ever\r\nDTSTART;VALUE=DATE:00010101\r\nDTEND;VALUE=DATE:99991231\r\n",
            "UID:b\r\nSUMMARY:End\r\nDTSTART;VALUE=DATE:99991230\r\nRRULE:FREQ=DAILY\r\n",
            "UID:c\r\nSUMMARY:Long\r\nDTSTART;VALUE=DATE:00010101\r\n"
            "DTEND;VALUE=DATE:99991231\r\nRRULE:FREQ=YEARLY\r\n",
        ),
        first=date(2027, 1, 1),
        last=date(2027, 12, 31),
    )
    assert found.blackouts == (
        Blackout("Ever", date(1900, 1, 1), date(2999, 12, 31)),
        Blackout("Long", date(1900, 1, 1), date(2999, 12, 31)),
    )


def test_ics_huge_titles_are_cut_to_a_name() -> None:
    found = read_ics_blackouts(
        ics(f"UID:a\r\nSUMMARY:{'A' * 1_000_000}\r\nDTSTART;VALUE=DATE:20270105\r\n"),
        first=date(2027, 1, 1),
        last=date(2027, 12, 31),
    )
    assert [len(b.name) for b in found.blackouts] == [300]
    assert found.blackouts[0].name.endswith("A…")


def test_merging_twenty_thousand_imported_days_is_linear() -> None:
    plan = loads_plan(demo_plan_text())
    imported = [
        Blackout(f"Day {n}", date(2027, 1, 1).fromordinal(date(1950, 1, 1).toordinal() + n),
                 date(1950, 1, 1).fromordinal(date(1950, 1, 1).toordinal() + n))
        for n in range(20_000)
    ]  # fmt: skip
    first = merge_blackouts(plan, imported)
    assert (len(first.added), len(first.already_there)) == (20_000, 0)
    again = merge_blackouts(first.plan, imported)
    assert (len(again.added), len(again.already_there)) == (0, 20_000)


def test_a_plan_file_larger_than_the_limit_is_not_read_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cadence.formats import plan_json

    monkeypatch.setattr(plan_json, "MAX_PLAN_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(demo_plan_text())
    assert main(["validate", str(path)]) == 2
    assert (
        capsys.readouterr().err
        == f"{path}: 1 error\n  big.json: more than 1,000 bytes: not a plan\n"
    )
