"""Alignment meetings that act: participants, the agenda built from the plan, action items."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from cadence.agenda import AgendaBook, AgendaError, carried_actions
from cadence.demo import demo_plan
from cadence.engine import schedule
from cadence.formats.ical import ics_bytes
from cadence.formats.plan_io import read_plan_file, write_plan_file
from cadence.gaps import check
from cadence.ops import add_action_item, mark_action_done
from cadence.validate import PlanInvalid, build_plan
from cli.main import main


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    write_plan_file(demo_plan(), path)
    return path


def _book(plan=None) -> AgendaBook:
    plan = plan or demo_plan()
    planned = schedule(plan)
    return AgendaBook(plan, planned, check(plan, planned))


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- the agenda's gaps are the gaps of `gaps --json` on the same days --------------------


@pytest.mark.parametrize(
    ("day", "end", "counts"),
    [
        ("2027-03-01", "2027-03-08", {"coverage": 4, "spacing": 5, "unowned": 3}),
        (
            "2027-04-05",
            "2027-04-11",
            {"coverage": 4, "handoff": 2, "silence": 1, "spacing": 19, "unowned": 2},
        ),
        ("2027-04-12", "2027-04-18", {"capacity": 1, "coverage": 4, "silence": 1, "unowned": 2}),
    ],
)
def test_agenda_counts_equal_gaps_json_on_the_same_days(demo_file, capsys, day, end, counts):
    code, out, _ = _run(capsys, "gaps", str(demo_file), "--json")
    gaps = json.loads(out)["gaps"]
    filtered = Counter(g["kind"] for g in gaps if g["start"] <= end and g["end"] >= day)
    code, out, _ = _run(
        capsys, "agenda", str(demo_file), "--meeting", "alignment", "--date", day, "--json"
    )
    agenda = json.loads(out)
    assert code == 0
    assert (agenda["start"], agenda["end"]) == (day, end)
    assert agenda["gap_counts"] == counts == dict(sorted(filtered.items()))


def test_agenda_markdown_of_a_week_over_capacity(demo_file, capsys):
    code, out, _ = _run(
        capsys, "agenda", str(demo_file), "--meeting", "alignment", "--date", "2027-04-12"
    )
    assert code == 0
    assert out == (
        "# Agenda: Sales & marketing alignment, 2027-04-12\n\n"
        "Covers 2027-04-12 to 2027-04-18.\n\n"
        "## Open gaps by team\n\n"
        "- **Marketing**\n"
        "  - Qualification of Analytics Suite unowned for 2 cohorts\n"
        "  - Nurture of Field Mobile: silence over the limit for 1 cohort\n"
        "  - Nurture of Field Mobile: no asset in the content library\n"
        "- **Sales development**\n"
        "  - Sales qualified of Field Mobile: no asset in the content library\n"
        "- **Customer success**\n"
        "  - Onboarding of Analytics Suite: no asset in the content library\n"
        "- **No team**\n"
        "  - Marketing qualified of Field Mobile: no asset in the content library\n\n"
        "## Requests late or at risk\n\nNothing.\n\n"
        "## Weeks over capacity\n\n"
        "- Account executives: week 2027-W15, 48.9 leads for capacity 45\n\n"
        "## Assets running out\n\nNothing.\n\n"
        "## Plan versus actuals\n\nNothing.\n\n"
        "## Action items\n\nNothing.\n"
    )


def test_period_runs_to_the_day_before_the_next_occurrence_even_when_rolled():
    # 2027-03-08 is a holiday in Berlin: that week's meeting rolls to Tuesday the 9th.
    agenda = _book().agenda("alignment", date(2027, 3, 1))
    assert (agenda.start, agenda.end) == (date(2027, 3, 1), date(2027, 3, 8))
    # The year-end freeze rolls the later ones into 2028: the last runs to the plan's end.
    last = _book().agenda("alignment", date(2027, 12, 13))
    assert (last.start, last.end) == (date(2027, 12, 13), date(2027, 12, 31))


def test_late_request_is_on_the_agenda_until_its_delivery():
    book = _book()
    late = book.agenda("alignment", date(2027, 3, 1)).section("requests")
    assert late is not None
    assert [(e.kind, e.team, e.text) for e in late.entries] == [
        (
            "late",
            "sdr",
            "Fleet TCO one-pager (Field Mobile, Site demo): late by 2 working days — "
            "delivery 2027-03-10, needed by 2027-03-08",
        )
    ]
    after = book.agenda("alignment", date(2027, 3, 15)).section("requests")
    assert after is not None and after.entries == ()


def test_action_items_are_carried_until_done():
    plan = demo_plan()
    op = add_action_item(
        plan, "Give Qualification an owner", "mkt", date(2027, 3, 5), "alignment",
        date(2027, 3, 1),
    )  # fmt: skip
    assert op.created == "give-qualification-an-owner"
    done = mark_action_done(op.plan, op.created, date(2027, 3, 12)).plan
    book = _book(done)
    texts = {
        day: [e.text for e in book.agenda("alignment", day).section("actions").entries]  # type: ignore[union-attr]
        for day in (date(2027, 3, 1), date(2027, 3, 9), date(2027, 3, 15))
    }
    assert texts == {
        date(2027, 3, 1): ["Give Qualification an owner — Marketing, due 2027-03-05"],
        date(2027, 3, 9): [
            "Give Qualification an owner — Marketing, due 2027-03-05 (from 2027-03-01, overdue)"
        ],
        date(2027, 3, 15): [],
    }
    assert carried_actions(done, "alignment", date(2027, 2, 22)) == []


@pytest.mark.parametrize(
    ("meeting", "day", "message"),
    [
        ("standup", "2027-03-01", '--meeting: unknown meeting "standup" (meetings: alignment)'),
        (
            "newsletter",
            "2027-03-02",
            '--meeting: "newsletter" reaches leads; only an internal broadcast '
            '("products": []) has an agenda',
        ),
        (
            "alignment",
            "2027-03-08",
            '--date: "Sales & marketing alignment" does not meet on 2027-03-08; '
            "the next one is 2027-03-09",
        ),
    ],
)
def test_agenda_errors_name_the_option(demo_file, capsys, meeting, day, message):
    code, out, err = _run(capsys, "agenda", str(demo_file), "--meeting", meeting, "--date", day)
    assert (code, out, err) == (2, "", message + "\n")
    with pytest.raises(AgendaError):
        _book().agenda(meeting, date.fromisoformat(day))


# --- participants ----------------------------------------------------------------------


def _alignment_events(data: bytes) -> list[str]:
    text = data.decode().replace("\r\n ", "")
    return [e for e in text.split("BEGIN:VEVENT") if "broadcast.alignment." in e]


def test_participants_see_the_meeting_with_its_agenda_in_their_exports():
    plan = demo_plan()
    planned = schedule(plan)
    sales = _alignment_events(ics_bytes(plan, planned, team="sdr"))
    assert len(sales) == 50
    assert len(_alignment_events(ics_bytes(plan, planned, team="ae"))) == 50
    assert _alignment_events(ics_bytes(plan, planned, team="cs")) == []
    week_15 = next(e for e in sales if "UID:northwind-2027.broadcast.alignment.14@" in e)
    assert (
        "Participants: Marketing\\, Sales development\\, Account executives\\n"
        "\\nAgenda (2027-04-12 to 2027-04-18)\\n\\nOpen gaps by team:\\n"
        "- [Marketing] Qualification of Analytics Suite unowned for 2 cohorts\\n"
        "- [Marketing] Nurture of Field Mobile: silence over the limit for 1 cohort\\n"
        "- [Marketing] Nurture of Field Mobile: no asset in the content library\\n"
        "- [Sales development] Sales qualified of Field Mobile: no asset in the content library\\n"
        "- [Customer success] Onboarding of Analytics Suite: no asset in the content library\\n"
        "- [No team] Marketing qualified of Field Mobile: no asset in the content library\\n"
        "\\nWeeks over capacity:\\n"
        "- Account executives: week 2027-W15\\, 48.9 leads for capacity 45\\n"
    ) in week_15


def test_an_export_that_has_the_gaps_gives_them_to_the_agendas():
    plan = demo_plan()
    planned = schedule(plan)
    gaps = check(plan, planned)
    checked_here = ics_bytes(plan, planned, team="sdr")
    assert ics_bytes(plan, planned, team="sdr", plan_gaps=gaps) == checked_here
    # The agendas read the gaps given (none here), not a second check of their own.
    week_15 = next(
        e
        for e in _alignment_events(ics_bytes(plan, planned, team="sdr", plan_gaps=[]))
        if "UID:northwind-2027.broadcast.alignment.14@" in e
    )
    assert (
        "Participants: Marketing\\, Sales development\\, Account executives\\n"
        "\\nAgenda (2027-04-12 to 2027-04-18)\\nNothing open.\\n"
    ) in week_15


def test_participants_are_no_contact_for_any_lead():
    plan = demo_plan()
    alone = replace(
        plan,
        broadcasts=tuple(replace(b, participants=()) for b in plan.broadcasts),
    )
    assert check(plan, schedule(plan)) == check(alone, schedule(alone))


def test_a_changed_agenda_is_a_changed_event(tmp_path):
    plan = demo_plan()
    path = tmp_path / "sdr.ics"
    from datetime import UTC, datetime

    from cadence.formats.ical import export_ics

    first = datetime(2027, 1, 2, 8, 0, tzinfo=UTC)
    export_ics(plan, schedule(plan), [], path, team="sdr", now=first)
    op = add_action_item(
        plan, "Call Globex", "ae", date(2027, 3, 19), "alignment", date(2027, 3, 15)
    )
    later = datetime(2027, 1, 3, 8, 0, tzinfo=UTC)
    result = export_ics(op.plan, schedule(op.plan), [], path, team="sdr", now=later)
    events = _alignment_events(path.read_bytes())
    changed = [e.split("UID:")[1].split("\r\n")[0] for e in events if "SEQUENCE:1" in e]
    # Carried from 2027-03-15 until done: every later occurrence's agenda has it.
    assert len(changed) == 40 == result.changed
    assert changed[0] == "northwind-2027.broadcast.alignment.10@cadence"
    assert "DTSTAMP:20270103T080000Z" in events[10]
    assert "SEQUENCE:0" in events[9] and "DTSTAMP:20270102T080000Z" in events[9]


def test_unknown_participant_names_the_path():
    raw = json.loads((Path(__file__).parents[2] / "resources" / "demo_plan.json").read_text())
    raw["broadcasts"][2]["participants"] = ["sdr", "sales", "sdr"]
    with pytest.raises(PlanInvalid) as info:
        build_plan(raw)
    assert [(e.path, e.message) for e in info.value.errors] == [
        (
            "broadcasts[2].participants[1]",
            'unknown team "sales" (teams: mkt, sdr, ae, cs)',
        ),
        ("broadcasts[2].participants[2]", 'lists team "sdr" twice'),
    ]


def test_action_item_fields_are_checked():
    raw = json.loads((Path(__file__).parents[2] / "resources" / "demo_plan.json").read_text())
    raw["action_items"] = [
        {"id": "a1", "text": "x", "owner": "ops", "due": "2027-02-30", "meeting": "newsletterx",
         "meeting_date": "2027-03-01", "status": "open", "done_on": "2027-03-02"},
    ]  # fmt: skip
    with pytest.raises(PlanInvalid) as info:
        build_plan(raw)
    assert [e.path for e in info.value.errors] == [
        "action_items[0].owner",
        "action_items[0].due",
        "action_items[0].meeting",
        "action_items[0].done_on",
    ]


# --- the command line: agenda --add-action, actions ----------------------------------------


def test_add_an_action_then_mark_it_done(demo_file, capsys):
    code, out, err = _run(
        capsys, "agenda", str(demo_file), "--meeting", "alignment", "--date", "2027-03-01",
        "--add-action", "Give Qualification an owner", "--owner", "mkt", "--due", "2027-03-05",
        "--save",
    )  # fmt: skip
    assert code == 0
    assert "## Action items\n\n- Give Qualification an owner — Marketing, due 2027-03-05\n" in out
    assert err == f"Added action item give-qualification-an-owner to {demo_file}\n"
    code, out, _ = _run(capsys, "actions", str(demo_file))
    assert out == (
        "give-qualification-an-owner  [open]  Give Qualification an owner — Marketing, "
        "due 2027-03-05 (from alignment 2027-03-01)\n1 action item\n"
    )
    code, out, _ = _run(
        capsys, "actions", str(demo_file), "--done", "give-qualification-an-owner",
        "--on", "2027-03-04",
    )  # fmt: skip
    assert out.startswith("give-qualification-an-owner  [done on 2027-03-04]")
    assert read_plan_file(demo_file).action_items[0].done_on == date(2027, 3, 4)
    assert _run(capsys, "actions", str(demo_file))[1] == "0 action items\n"


def test_add_action_needs_owner_due_and_save(demo_file, capsys):
    base = ["agenda", str(demo_file), "--meeting", "alignment", "--date", "2027-03-01"]
    assert _run(capsys, *base, "--add-action", "x")[2] == (
        "--add-action needs --owner TEAM and --due D\n"
    )
    assert _run(capsys, *base, "--add-action", "x", "--owner", "ops", "--due", "2027-03-05")[2] == (
        '--owner: unknown team "ops" (teams: mkt, sdr, ae, cs)\n'
    )
    assert _run(capsys, *base, "--add-action", "x", "--owner", "ae", "--due", "2027-03-05")[2] == (
        "--add-action: add --save to write it into the plan\n"
    )
    assert read_plan_file(demo_file).action_items == ()


def test_agenda_lists_the_assets_whose_review_falls_before_the_next_meeting(demo_file, capsys):
    code, out, _ = _run(
        capsys, "agenda", str(demo_file), "--meeting", "alignment", "--date", "2027-09-27"
    )
    assert code == 0
    assert (
        "## Assets running out\n\n- ROI calculator: review by 2027-09-30, sent by 1 touch\n" in out
    )
    code, out, _ = _run(
        capsys, "agenda", str(demo_file), "--meeting", "alignment", "--date", "2027-09-20"
    )
    assert "## Assets running out\n\nNothing.\n" in out
