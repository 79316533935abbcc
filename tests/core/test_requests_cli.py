"""The `request`, `requests` and `request-status` commands (issue 8).

plans/requests_queue.json: the studio plan of test_requests.py with
webinar-deck booked Wed 3 – Thu 4 March 2027, roi-acme requested (needed by
Wed 10) and old-deck declined.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.commands.common import read_plan, write_plan
from cli.main import main

PLANS = Path(__file__).parent / "plans"


@pytest.fixture
def queue_file(tmp_path: Path) -> Path:
    target = tmp_path / "plan.json"
    shutil.copy(PLANS / "requests_queue.json", target)
    return target


@pytest.fixture
def empty_file(tmp_path: Path) -> Path:
    target = tmp_path / "empty.json"
    shutil.copy(PLANS / "requests_studio.json", target)
    return target


def ask(path: Path, *extra: str, needed_by: str = "2027-03-10", days: str = "2") -> list[str]:
    return [
        "request",
        str(path),
        "--product",
        "analytics",
        "--stage",
        "close",
        "--title",
        "Case study",
        "--requested-by",
        "ae",
        "--needed-by",
        needed_by,
        "--days",
        days,
        "--on",
        "2027-03-01",
        *extra,
    ]


def test_request_json_fits_on_an_empty_queue(
    empty_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(ask(empty_file, "--json")) == 0
    assert json.loads(capsys.readouterr().out) == {
        "status": "fits",
        "start": "2027-03-03",
        "delivery": "2027-03-04",
        "slack_days": 4,
        "days_late": None,
        "max_days_for_deadline": 6,
        "cohorts_in_stage": 3,
        "reuse": [],
    }


def test_request_readable_fits(empty_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(ask(empty_file)) == 0
    assert capsys.readouterr().out == (
        "Fits: production Wed 2027-03-03 → Thu 2027-03-04 (2 working days), delivery Thu 2027-03-04, "
        "4 working days to spare before Wed 2027-03-10.\n"
        "Serves 3 cohorts of Analytics Suite in Negotiation during production.\n"
    )


def test_request_late_with_options(queue_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(ask(queue_file, "--json", needed_by="2027-03-08", days="3")) == 0
    assert json.loads(capsys.readouterr().out) == {
        "status": "late",
        "start": "2027-03-05",
        "delivery": "2027-03-09",
        "slack_days": None,
        "days_late": 1,
        "max_days_for_deadline": 2,
        "cohorts_in_stage": 4,
        "reuse": [],
    }
    assert main(ask(queue_file, needed_by="2027-03-08", days="3")) == 0
    assert capsys.readouterr().out == (
        "Late: production Fri 2027-03-05 → Tue 2027-03-09 (3 working days), earliest delivery "
        "Tue 2027-03-09, 1 working day after the deadline Mon 2027-03-08.\n"
        "Options:\n"
        "  - cut production to 2 working days to meet Mon 2027-03-08\n"
        "  - move the deadline to Tue 2027-03-09 (what the queue allows)\n"
        "Serves 4 cohorts of Analytics Suite in Negotiation during production.\n"
        "Would make late: roi-acme.\n"
    )


def test_request_without_save_leaves_the_file_alone(queue_file: Path) -> None:
    before = queue_file.read_bytes()
    assert main(ask(queue_file)) == 0
    assert queue_file.read_bytes() == before


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--product", "mobile", '--product: unknown product "mobile" (products: analytics)'),
        ("--stage", "win", '--stage: unknown stage "win" (stages: aware, close)'),
        ("--requested-by", "legal", '--requested-by: unknown team "legal" (teams: mkt, sdr, ae)'),
        ("--days", "0", "--days: must be an integer ≥ 1, got 0"),
        (
            "--needed-by",
            "2027-02-01",
            "--needed-by: must not be before the request date (2027-03-01)",
        ),
        ("--days", "100000", "--days: must be at most 36500, got 100000"),
        (
            "--on",
            "0001-01-01",
            "--on: must be a date from 1900-01-01 to 2999-12-31, got 0001-01-01",
        ),
        (
            "--needed-by",
            "9999-12-31",
            "--needed-by: must be a date from 1900-01-01 to 2999-12-31, got 9999-12-31",
        ),
    ],
)
def test_request_bad_input_names_the_value_and_the_choices(
    empty_file: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    args = ask(empty_file)
    args[args.index(option) + 1] = value
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""


def test_request_without_a_studio(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.loads((PLANS / "requests_studio.json").read_text())
    del raw["studio"]
    path = tmp_path / "nostudio.json"
    path.write_text(json.dumps(raw))
    assert main(ask(path)) == 2
    assert "the plan has no studio" in capsys.readouterr().err
    assert main(["requests", str(path)]) == 2
    assert "the plan has no studio" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".json", ".cadence"])
def test_saved_request_survives_reopen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    path = tmp_path / f"plan{suffix}"
    write_plan(read_plan(PLANS / "requests_queue.json"), path)

    assert main(ask(path, "--save")) == 0
    out = capsys.readouterr().out
    # Same deadline and day as roi-acme, and "case-study" < "roi-acme": it goes first
    # (roi-acme moves to Tue 9 – Wed 10 and still fits).
    assert out.endswith(
        f"in Negotiation during production.\nSaved as case-study (scheduled from 2027-03-05) in {path}\n"
    )

    assert main(ask(path, "--save", "--json", needed_by="2027-03-08", days="3")) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "late"
    assert captured.err == f"Saved as case-study-2 (requested) in {path}\n"

    plan = read_plan(path)
    assert [(q.id, q.status) for q in plan.requests] == [
        ("webinar-deck", "scheduled"),
        ("roi-acme", "requested"),
        ("old-deck", "declined"),
        ("case-study", "scheduled"),
        ("case-study-2", "requested"),
    ]
    assert plan.request("case-study-2").start is None  # type: ignore[union-attr]
    saved = plan.request("case-study")
    assert saved is not None and saved.start is not None
    assert saved.start.isoformat() == "2027-03-05"
    assert (saved.title, saved.product, saved.stage, saved.requested_by) == (
        "Case study",
        "analytics",
        "close",
        "ae",
    )
    assert saved.requested_on.isoformat() == "2027-03-01"
    assert plan.updated is not None


def test_requests_lists_the_queue(queue_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["requests", str(queue_file)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Studio: Marketing (mkt), 1 request per working day, lead time 2 working days",
        "ID            STATUS     BY   PRODUCT/STAGE    NEEDED BY   START       DELIVERY    ANSWER",
        "webinar-deck  scheduled  sdr  analytics/aware  2027-03-12  2027-03-03  2027-03-04  fits, 6 working days to spare",
        "roi-acme      requested  ae   analytics/close  2027-03-10  2027-03-05  2027-03-08  fits, 2 working days to spare",
        "old-deck      declined   sdr  analytics/aware  2027-03-05  —           —           —",
    ]


def test_requests_json_with_a_status_filter(
    queue_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["requests", str(queue_file), "--json", "--status", "requested"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["studio"] == {"team": "mkt", "capacity_per_day": 1, "min_lead_days": 2}
    assert out["requests"] == [
        {
            "id": "roi-acme",
            "title": "ROI sheet for Acme",
            "product": "analytics",
            "stage": "close",
            "requested_by": "ae",
            "requested_on": "2027-03-01",
            "needed_by": "2027-03-10",
            "production_days": 2,
            "status": "requested",
            "start": None,
            "note": "Acme wants numbers",
            "slot": {
                "status": "fits",
                "start": "2027-03-05",
                "delivery": "2027-03-08",
                "slack_days": 2,
                "days_late": None,
                "max_days_for_deadline": 4,
                "cohorts_in_stage": 4,
            },
        }
    ]
    assert out["load"] == [
        {"date": "2027-03-03", "booked": 1, "capacity": 1, "requests": ["webinar-deck"]},
        {"date": "2027-03-04", "booked": 1, "capacity": 1, "requests": ["webinar-deck"]},
        {"date": "2027-03-05", "booked": 1, "capacity": 1, "requests": ["roi-acme"]},
        {"date": "2027-03-08", "booked": 1, "capacity": 1, "requests": ["roi-acme"]},
    ]


def test_request_status_moves_and_saves(
    queue_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["request-status", str(queue_file), "roi-acme", "scheduled"]) == 0
    assert capsys.readouterr().out == "roi-acme: requested → scheduled (start 2027-03-05)\n"
    roi = read_plan(queue_file).request("roi-acme")
    assert roi is not None and roi.status == "scheduled" and roi.start is not None
    assert roi.start.isoformat() == "2027-03-05"

    assert (
        main(
            [
                "request-status",
                str(queue_file),
                "webinar-deck",
                "declined",
                "--note",
                "event cancelled",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "webinar-deck: scheduled → declined\n"
    deck = read_plan(queue_file).request("webinar-deck")
    assert deck is not None and (deck.status, deck.note) == ("declined", "event cancelled")


def test_request_status_refuses_illegal_moves(
    queue_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = queue_file.read_bytes()
    assert main(["request-status", str(queue_file), "roi-acme", "delivered"]) == 2
    assert capsys.readouterr().err == (
        'request "roi-acme" cannot move from requested to delivered '
        "(allowed from requested: scheduled, declined)\n"
    )
    assert main(["request-status", str(queue_file), "old-deck", "scheduled"]) == 2
    assert "none allowed: declined is final" in capsys.readouterr().err
    assert main(["request-status", str(queue_file), "roi-acme", "declined"]) == 2
    assert 'declining request "roi-acme" needs a note' in capsys.readouterr().err
    assert main(["request-status", str(queue_file), "nope", "scheduled"]) == 2
    assert capsys.readouterr().err == (
        'unknown request "nope" (requests: webinar-deck, roi-acme, old-deck)\n'
    )
    assert queue_file.read_bytes() == before
