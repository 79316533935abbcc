"""validate, convert and demo from the command line (exit codes and literal output)."""

import json
import subprocess
import sys
from pathlib import Path

from cadence.formats.plan_json import load_plan_json
from cli.main import main

PLANS = Path(__file__).parent / "plans"
ROOT = Path(__file__).resolve().parents[2]


def test_validate_ok(capsys):
    assert main(["validate", str(PLANS / "format_example.json")]) == 0
    assert capsys.readouterr().out == (
        "OK: Nurture plan 2027 — 1 product, 4 stages, 3 touches\n"
        "About 172 occurrences in the horizon (a plan may ask for 5,000,000)\n"
    )


def test_validate_lists_every_error_and_exits_2(tmp_path, capsys):
    raw = json.loads((PLANS / "format_example.json").read_text())
    raw["products"][0]["stages"][2]["days"] = -3
    raw["calendar"]["holidays"]["country"] = "XX"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    assert main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"{bad}: 2 errors\n"
        '  calendar.holidays.country: unknown country "XX"\n'
        "  products[0].stages[2].days: must be an integer ≥ 1, got -3\n"
    )


def test_validate_malformed_json(tmp_path, capsys):
    bad = tmp_path / "broken.json"
    bad.write_text('{"cadence": 1,\n "name": }')
    assert main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"{bad}: 1 error\n  broken.json: line 2, column 10: invalid JSON (Expecting value)\n"
    )


def test_validate_missing_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nope.json'}: no such file\n"


def test_unknown_extension(tmp_path, capsys):
    path = tmp_path / "plan.yaml"
    path.write_text("x")
    assert main(["validate", str(path)]) == 2
    assert "unknown plan file type '.yaml' (use .json or .cadence)" in capsys.readouterr().err


def test_demo_then_convert_round_trip(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path / "demo.cadence")]) == 0
    assert main(["convert", str(tmp_path / "demo.cadence"), str(tmp_path / "demo.json")]) == 0
    assert main(["validate", str(tmp_path / "demo.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "OK: Northwind nurture plan 2027 — 3 products, 15 stages, 26 touches"
    bundled = load_plan_json(ROOT / "resources" / "demo_plan.json")
    assert load_plan_json(tmp_path / "demo.json") == bundled


def test_convert_refuses_to_overwrite(tmp_path, capsys):
    target = tmp_path / "out.json"
    target.write_text("precious")
    assert main(["convert", str(PLANS / "format_example.json"), str(target)]) == 2
    assert target.read_text() == "precious"
    assert "exists already (use --force to replace it)" in capsys.readouterr().err


def test_convert_into_a_missing_folder(tmp_path, capsys):
    # The .cadence writer gave an SQLAlchemy traceback ("unable to open database file").
    for name in ("out.cadence", "out.json"):
        target = tmp_path / "no" / name
        assert main(["convert", str(PLANS / "format_example.json"), str(target)]) == 2
        assert capsys.readouterr().err == f"{target}: folder '{tmp_path / 'no'}' does not exist\n"
    assert list(tmp_path.iterdir()) == []


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "validate" in capsys.readouterr().out


def test_main_py_runs_the_cli():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "validate", str(PLANS / "format_example.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("OK: Nurture plan 2027")
