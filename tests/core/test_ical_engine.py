"""Export of real schedules: the engine's output, the demo plan, the `export` command."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import icalendar
import pytest

from cadence.demo import demo_plan
from cadence.formats.export_common import ExportFilter, entries_for
from cadence.formats.ical import ics_bytes
from cli.main import main
from tests.core.test_ical_export import (
    OCCURRENCES,
    PLAN,
    parse_ical,
    parse_icalendar,
    parse_vobject,
    sample,
)

engine = pytest.importorskip("cadence.engine")
gaps_module = pytest.importorskip("cadence.gaps")

DEMO = demo_plan()
TEAMS = [t.id for t in DEMO.teams]


@pytest.fixture(scope="module")
def demo_schedule():
    return engine.schedule(DEMO)


@pytest.fixture(scope="module")
def demo_gaps(demo_schedule):
    return gaps_module.check(DEMO, demo_schedule)


def test_engine_gives_the_hand_written_sample():
    # The serializer tests pin OCCURRENCES by hand; the engine agrees with them,
    # so the DST-crossing digest and the Easter-Monday roll are real.
    assert engine.schedule(PLAN).touches == OCCURRENCES
    assert ics_bytes(PLAN, engine.schedule(PLAN)) == sample()


def _summary(parsed: list[tuple]) -> tuple[int, list[str], Counter]:
    return len(parsed), [e[0] for e in parsed], Counter(type(e[1]).__name__ for e in parsed)


@pytest.mark.parametrize("team", [None, *TEAMS])
def test_demo_exports_per_team_and_in_full_parse_alike(team, demo_schedule, demo_gaps):
    data = ics_bytes(DEMO, demo_schedule, demo_gaps, team=team)
    chosen, _ = entries_for(DEMO, demo_schedule, demo_gaps, ExportFilter(team=team))
    expected_uids = [o.uid for o in chosen]
    assert len(expected_uids) == len(set(expected_uids))  # UIDs are unique
    results = [parse_icalendar(data), parse_ical(data), parse_vobject(data)]
    for parsed in results:
        assert [e[0] for e in parsed] == expected_uids
    # All three read the same instants (timed, UTC) and dates (all-day).
    assert results[0] == results[1] == results[2]


def test_demo_team_calendars_add_up_to_the_full_one(demo_schedule):
    full = parse_icalendar(ics_bytes(DEMO, demo_schedule))
    per_team = [parse_icalendar(ics_bytes(DEMO, demo_schedule, team=t)) for t in TEAMS]
    assert sorted(e[0] for part in per_team for e in part) == sorted(e[0] for e in full)
    # Touches and broadcasts, plus the production run and delivery of the two booked requests.
    assert len(full) == len(demo_schedule.touches) + 4


def test_demo_with_requests_and_gaps(demo_schedule, demo_gaps):
    everything = {"touches", "broadcasts", "requests", "gaps"}
    data = ics_bytes(DEMO, demo_schedule, demo_gaps, include=everything)
    cal = icalendar.Calendar.from_ical(data)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    requests = [u for u in uids if ".request." in u]
    gap_uids = [u for u in uids if ".gap." in u]
    assert len(gap_uids) == len(demo_gaps) == len(set(gap_uids))
    assert len(requests) % 2 == 0 and len(requests) >= 2  # production + delivery
    assert len(uids) == len(set(uids))
    only = ics_bytes(DEMO, demo_schedule, demo_gaps, include={"requests", "gaps"})
    expected = [u for u in uids if ".request." in u or ".gap." in u]
    for parse in (parse_icalendar, parse_ical, parse_vobject):
        assert sorted(e[0] for e in parse(only)) == sorted(expected)


# --- the command --------------------------------------------------------------------


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.json"
    assert main(["demo", "-o", str(path)]) == 0
    return path


def test_cli_export_ics_and_reexport_is_byte_identical(demo_file, tmp_path, capsys):
    out = tmp_path / "demo.ics"
    assert main(["export", str(demo_file), "-o", str(out)]) == 0
    first = out.read_bytes()
    assert main(["export", str(demo_file), "-o", str(out)]) == 0
    assert out.read_bytes() == first
    message = capsys.readouterr().out.splitlines()[-1]
    n = len(engine.schedule(DEMO).touches) + 4  # and two booked requests × 2 entries
    assert message.startswith(f"Wrote {out}: {n} events (")
    assert message.endswith("— Northwind nurture plan 2027")


def test_cli_export_team_range_csv_and_stdout(demo_file, tmp_path, capsys):
    out = tmp_path / "mkt.ics"
    args = ["export", str(demo_file), "-o", str(out), "--team", "mkt"]
    assert main([*args, "--from", "2027-03-01", "--to", "2027-03-31"]) == 0
    events = parse_icalendar(out.read_bytes())
    assert events and all("2027-03-01" <= str(e[1])[:10] <= "2027-03-31" for e in events)
    sheet = tmp_path / "all.csv"
    assert main(["export", str(demo_file), "-o", str(sheet), "--include", "touches,gaps"]) == 0
    table = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8"), newline="")))
    assert table[0][:10] == [
        "date", "time", "product", "cohort", "stage", "touch", "channel", "owner",
        "automated", "uid",
    ]  # fmt: skip
    assert {row[10] for row in table[1:]} == {"touch", "gap"}
    capsys.readouterr()
    assert main(["export", str(demo_file), "-o", "-", "--team", "cs", "--to", "2027-02-01"]) == 0


def test_cli_export_bad_input_exits_2(demo_file, tmp_path, capsys):
    out = tmp_path / "x.ics"
    assert main(["export", str(demo_file), "-o", str(out), "--team", "ops"]) == 2
    assert "--team: unknown team 'ops' (teams: mkt, sdr, ae, cs)" in capsys.readouterr().err
    assert main(["export", str(demo_file), "-o", str(out), "--include", "touches,todo"]) == 2
    assert "--include: unknown part 'todo'" in capsys.readouterr().err
    assert main(["export", str(demo_file), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "cannot tell the format from the extension" in capsys.readouterr().err
    assert main(["export", str(demo_file), "-o", str(tmp_path / "no" / "x.ics")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_cli_export_after_a_multi_year_freeze_places_requests_after_it(demo_file, tmp_path, capsys):
    # Issue 13: a freeze of several years used to leave the slot finder "no working
    # day", and every default export failed; the requests now go after the freeze.
    plan = json.loads(demo_file.read_text(encoding="utf-8"))
    plan["calendar"]["blackouts"] = [{"name": "Freeze", "start": "2020-01-01", "end": "2035-12-31"}]
    demo_file.write_text(json.dumps(plan), encoding="utf-8")
    out = tmp_path / "x.ics"
    assert main(["export", str(demo_file), "-o", str(out)]) == 0
    assert capsys.readouterr().out == (
        f"Wrote {out}: 4 events (0 touches, 0 broadcasts, 4 request entries) — "
        "Northwind nurture plan 2027\n"
    )
    assert main(["export", str(demo_file), "-o", str(out), "--include", "touches"]) == 0
