"""share / pull / db init / db grant, and plan commands reading a postgresql:// URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import shared_io
from cli.commands.common import read_plan
from cli.main import main

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo_plan.json"
COUNTS = "1 settings, 4 team, 3 product, 15 stage, 26 touch, 3 broadcast, 3 request, 7 asset"


@pytest.fixture(autouse=True)
def _close_open_plans():
    yield
    shared_io.close_all()


@pytest.fixture
def demo_cadence(tmp_path: Path) -> Path:
    path = tmp_path / "demo.cadence"
    assert main(["demo", "-o", str(path)]) == 0
    return path


def _init(pg_db, capsys) -> None:
    assert main(["db", "init", pg_db.url(plan=None)]) == 0
    capsys.readouterr()


def test_db_init_creates_the_schema(pg_db, capsys) -> None:
    assert main(["db", "init", pg_db.url(plan=None)]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"postgresql://cadence_admin@127.0.0.1:{pg_db.server.port}/{pg_db.name}: Cadence schema "
        "at revision 0006_notify_after_commit (new); roles cadence_planner, cadence_sales, cadence_viewer ready\n"
    )
    assert main(["db", "init", pg_db.url(plan=None)]) == 0
    assert "(was 0006_notify_after_commit)" in capsys.readouterr().out


def test_share_then_pull_gives_the_same_plan(pg_db, demo_cadence, tmp_path, capsys) -> None:
    _init(pg_db, capsys)
    url = pg_db.url()
    assert main(["share", str(demo_cadence), url]) == 0
    assert capsys.readouterr().out == f"Shared {demo_cadence} as {url} ({COUNTS})\n"
    copy = tmp_path / "copy.cadence"
    assert main(["pull", url, "-o", str(copy)]) == 0
    assert capsys.readouterr().out == f"Pulled {url} into {copy} ({COUNTS})\n"
    original, pulled = read_plan(demo_cadence), read_plan(copy)
    assert pulled == original
    assert (len(pulled.products), pulled.stage_count, pulled.touch_count) == (3, 15, 26)
    assert (len(pulled.teams), len(pulled.broadcasts), len(pulled.requests)) == (4, 3, 3)


def test_working_days_lead_desk_and_team_calendars_round_trip(pg_db, tmp_path, capsys) -> None:
    from dataclasses import replace
    from datetime import date

    from cadence.demo import demo_plan
    from cadence.formats.plan_io import write_plan_file
    from cadence.model import Blackout, HolidayRule

    plan = demo_plan()
    off = (Blackout("Offsite", date(2027, 6, 7), date(2027, 6, 11)),)
    teams = (
        replace(plan.teams[0], holidays=HolidayRule("US", "NY"), blackouts=off),
        replace(plan.teams[1], blackouts=()),
        *plan.teams[2:],
    )
    rules = replace(plan.rules, count_days="working", lead_desk="sdr")
    plan = replace(plan, teams=teams, rules=rules)
    source = tmp_path / "rules.cadence"
    write_plan_file(plan, source)
    _init(pg_db, capsys)
    url = pg_db.url()
    assert main(["share", str(source), url]) == 0
    copy = tmp_path / "copy.json"
    assert main(["pull", url, "-o", str(copy)]) == 0
    capsys.readouterr()
    pulled = read_plan(copy)
    assert pulled == read_plan(source)
    assert (pulled.rules.count_days, pulled.rules.lead_desk) == ("working", "sdr")
    assert (pulled.teams[0].holidays, pulled.teams[0].blackouts) == (HolidayRule("US", "NY"), off)
    assert (pulled.teams[1].holidays, pulled.teams[1].blackouts) == (None, ())


def test_one_server_holds_several_plans(pg_db, demo_cadence, capsys) -> None:
    _init(pg_db, capsys)
    assert main(["share", str(demo_cadence), pg_db.url(plan="northwind")]) == 0
    assert main(["share", str(demo_cadence), pg_db.url(plan="southwind")]) == 0
    capsys.readouterr()
    assert main(["share", str(demo_cadence), pg_db.url(plan="northwind")]) == 2
    assert capsys.readouterr().err == (
        f"{pg_db.url(plan='northwind')}: a plan 'northwind' exists already "
        "(use --replace to overwrite it, or choose another ?plan=)\n"
    )
    assert main(["share", str(demo_cadence), pg_db.url(plan="northwind"), "--replace"]) == 0
    with pg_db.admin() as conn:
        rows = conn.execute("SELECT plan_key, count(*) FROM touch GROUP BY 1 ORDER BY 1").fetchall()
    assert rows == [("northwind", 26), ("southwind", 26)]


def test_plan_commands_accept_a_url(pg_db, demo_cadence, tmp_path, capsys) -> None:
    _init(pg_db, capsys)
    url = pg_db.url()
    assert main(["share", str(demo_cadence), url]) == 0
    capsys.readouterr()
    assert main(["validate", url]) == 0
    assert capsys.readouterr().out == (
        "OK: Northwind nurture plan 2027 — 3 products, 15 stages, 26 touches\n"
        "About 968 occurrences in the horizon (a plan may ask for 5,000,000)\n"
    )
    assert main(["schedule", url, "--json"]) == 0
    from_url = json.loads(capsys.readouterr().out)
    assert main(["schedule", str(demo_cadence), "--json"]) == 0
    assert from_url == json.loads(capsys.readouterr().out)
    main(["gaps", url, "--json"])
    gaps_url = json.loads(capsys.readouterr().out)
    main(["gaps", str(demo_cadence), "--json"])
    assert gaps_url == json.loads(capsys.readouterr().out)
    assert main(["export", url, "-o", str(tmp_path / "plan.csv")]) == 0
    assert main(["export", str(demo_cadence), "-o", str(tmp_path / "file.csv")]) == 0
    assert (tmp_path / "plan.csv").read_bytes() == (tmp_path / "file.csv").read_bytes()
    capsys.readouterr()
    assert main(["requests", url, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["requests"]) == 3


def test_request_save_adds_one_request_on_the_server(pg_db, demo_cadence, capsys) -> None:
    _init(pg_db, capsys)
    url = pg_db.url()
    assert main(["share", str(demo_cadence), url]) == 0
    argv = ["request", url, "--product", "analytics", "--stage", "negotiate"]
    argv += ["--title", "ROI sheet", "--requested-by", "ae", "--needed-by", "2027-05-28"]
    argv += ["--days", "2", "--on", "2027-05-03", "--save"]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(f" in {url}")
    with pg_db.admin() as conn:
        rows = conn.execute(
            "SELECT request_id, title, requested_by, revision, changed_by FROM request "
            "WHERE plan_key = 'northwind' ORDER BY position"
        ).fetchall()
        stamp = conn.execute("SELECT updated FROM plan_stamp").fetchone()
        touched = conn.execute("SELECT count(*) FROM touch WHERE revision <> 1").fetchone()
    assert len(rows) == 4
    assert rows[3][1:] == ("ROI sheet", "ae", 1, "cadence_admin")
    assert [r[3] for r in rows[:3]] == [1, 1, 1]  # the other requests were not rewritten
    assert touched == (0,)
    assert stamp[0] is not None and stamp[0].endswith("Z")


def test_passwords_never_appear_in_messages(pg_db, capsys, monkeypatch) -> None:
    _init(pg_db, capsys)
    secret = "s3cr3t-Pa55"
    url = f"postgresql://nobody:{secret}@127.0.0.1:{pg_db.server.port}/{pg_db.name}?plan=x"
    assert main(["validate", url]) == 2
    err = capsys.readouterr().err
    assert secret not in err
    assert err.startswith(
        f"postgresql://nobody:***@127.0.0.1:{pg_db.server.port}/{pg_db.name}?plan=x: "
    )
    assert 'password authentication failed for user "nobody"' in err
    monkeypatch.setenv("PGPASSWORD", secret)
    assert main(["validate", pg_db.url(user="nobody", plan="x")]) == 2
    assert secret not in capsys.readouterr().err
    assert main(["validate", f"postgresql://a:{secret}@127.0.0.1:1/db"]) == 2
    assert capsys.readouterr().err == (
        "postgresql://a:***@127.0.0.1:1/db: the URL names no plan; add ?plan=NAME\n"
    )


def test_a_missing_plan_is_named(pg_db, capsys) -> None:
    _init(pg_db, capsys)
    assert main(["validate", pg_db.url(plan="nope")]) == 2
    assert capsys.readouterr().err == f"{pg_db.url(plan='nope')}: no plan 'nope' on this server\n"


def test_a_command_writing_a_stale_plan_gets_the_conflict(pg_db, demo_cadence, capsys) -> None:
    from dataclasses import replace

    from cadence.store.shared.plans import open_shared_plan
    from cli.commands.common import CommandError, write_plan

    _init(pg_db, capsys)
    url = pg_db.url()
    assert main(["share", str(demo_cadence), url]) == 0
    plan = read_plan(url)  # what the command read
    with open_shared_plan(url) as other:
        theirs = other.load()
        other.save(replace(theirs, name="Renamed meanwhile"))
    with pytest.raises(CommandError) as info:
        write_plan(replace(plan, name="Renamed by the command"), url)
    assert info.value.code == 2
    assert info.value.message.startswith("conflict: settings was changed by cadence_admin at ")
    assert info.value.message.endswith(
        "(revision 2; your edit was based on revision 1); nothing was saved — reload and edit again"
    )
    assert read_plan(url).name == "Renamed meanwhile"


def test_action_items_and_signoffs_round_trip_and_change_on_the_server(
    pg_db, demo_cadence, tmp_path, capsys
) -> None:
    _init(pg_db, capsys)
    url = pg_db.url()
    assert main(["share", str(demo_cadence), url]) == 0
    agenda = ["agenda", url, "--meeting", "alignment", "--date", "2027-03-01"]
    assert main([*agenda, "--add-action", "Own it", "--owner", "mkt", "--due", "2027-03-05",
                 "--save"]) == 0  # fmt: skip
    assert main(["signoff", url, "--product", "billing", "--by", "Sam", "--role", "sales",
                 "--save"]) == 0  # fmt: skip
    assert main(["actions", url, "--done", "own-it", "--on", "2027-03-04"]) == 0
    assert main(["signoff", url, "--submit", "--product", "mobile", "--by", "Priya", "--save"]) == 0
    copy = tmp_path / "copy.cadence"
    capsys.readouterr()
    assert main(["pull", url, "-o", str(copy)]) == 0
    assert capsys.readouterr().out == (
        f"Pulled {url} into {copy} ({COUNTS}, 1 action_item, 1 signoff, 1 review)\n"
    )
    pulled = read_plan(copy)
    assert pulled == read_plan(url)
    assert [(a.id, a.status, str(a.done_on)) for a in pulled.action_items] == [
        ("own-it", "done", "2027-03-04")
    ]
    assert [(s.product, s.by, s.role) for s in pulled.signoffs] == [("billing", "Sam", "sales")]
    assert [(q.product, q.by) for q in pulled.reviews] == [("mobile", "Priya")]
    assert pulled.broadcasts[2].participants == ("sdr", "ae")
