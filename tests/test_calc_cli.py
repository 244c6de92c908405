"""`shebao calc NAME ... [--json]` through calculators.cli.register/run."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from calculators import cli
from calculators.registry import NAMES


def run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="shebao")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    code = cli.run(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_shape_of_interfaces_md(capsys):
    code, out, _ = run(capsys, "calc", "pension", "--age", "60", "--years", "20", "--account", "100000",
                       "--index", "1.0", "--avg-wage", "7000", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"calculator", "result", "breakdown", "parameters", "assumptions", "years_used"}
    assert data["calculator"] == "pension"
    assert data["result"] == {"eligible": True, "basic": 1400.0, "account_part": 719.42, "total": 2119.42}
    assert data["breakdown"][0] == "基础养老金 = (7000 + 7000) / 2 × 20 × 1% = 1400.00"
    months = [p for p in data["parameters"] if p["name"] == "pension.payout_months.60"]
    assert len(months) == 1
    assert {k: months[0][k] for k in ("name", "value", "from", "source", "scale", "key")} == {
        "name": "pension.payout_months.60", "value": 139, "from": "2006-01-01", "source": "国发〔2005〕38号",
        "scale": "pension.payout_months", "key": 60}
    assert all(isinstance(a, str) for a in data["assumptions"])


@pytest.mark.parametrize(
    ("argv", "keys"),
    [
        (["contribution", "--wage", "7000", "--date", "2019-05-01"], {"base", "individual_total", "employer_total", "items"}),
        (["work_injury_premium", "--wage", "3500", "--risk-class", "3"], {"yearly", "monthly"}),
        (["catch_up", "--years", "5", "--insurance", "medical"], {"total"}),
        (["late_fee", "--amount", "30000", "--days", "100"], {"fee"}),
        (["flexible", "--share", "0.6", "--group", "veteran"], {"pension", "after_subsidy"}),
        (["medical_years", "--gender", "male", "--years", "18"], {"years_needed"}),
        (["medical_years", "--gender", "女", "--years", "18"], {"years_needed"}),
        (["catch_up", "--years", "2", "--insurance", "养老"], {"total"}),
        (["unemployment", "--years", "6"], {"max_months"}),
    ],
)
def test_every_calculator_answers_in_json_with_its_result_keys(capsys, argv, keys):
    code, out, _ = run(capsys, "calc", *argv, "--json")
    assert code == 0
    assert keys <= set(json.loads(out)["result"])


def test_contribution_items_are_split_by_insurance(capsys):
    _, out, _ = run(capsys, "calc", "contribution", "--wage", "7000", "--date", "2019-05-01", "--json")
    items = json.loads(out)["result"]["items"]
    assert items["pension"] == {"employer": 1120.0, "individual": 560.0}
    assert set(items) == {"pension", "medical", "maternity", "unemployment", "work_injury"}


def test_late_fee_json(capsys):
    _, out, _ = run(capsys, "calc", "late_fee", "--amount", "3万", "--days", "100", "--json")
    assert json.loads(out)["result"] == {"fee": 1500.0}


def test_without_json_the_reply_text_is_printed(capsys):
    code, out, _ = run(capsys, "calc", "unemployment", "--years", "6")
    assert code == 0
    assert out.splitlines()[0] == "最长能领 18 个月失业保险金。"
    assert "12333" in out


@pytest.mark.parametrize(
    ("argv", "start", "words"),
    [
        (["contribution", "--wage", "-1"], "--wage: ", "1,000,000"),
        (["contribution", "--wage", "1e20"], "--wage: ", "1,000,000"),
        (["contribution", "--wage", "abc"], "--wage: ", "1,000,000"),
        (["pension", "--years", "20", "--age", "200"], "--age: ", "40 到 70"),
        (["pension", "--years", "300"], "--years: ", "0 到 60"),
        (["late_fee", "--amount", "30000", "--days", "0"], "--days: ", "36,500"),
        (["work_injury_premium", "--wage", "5000", "--risk-class", "9"], "--risk-class: ", "1 到 8"),
        (["work_injury_premium", "--wage", "5000", "--rate", "0.5"], "--rate: ", "10%"),
        (["medical_years", "--gender", "x", "--years", "3"], "--gender: ", "男或女"),
        (["contribution", "--wage", "5000", "--date", "yesterday"], "--date: ", "YYYY-MM-DD"),
        (["unemployment"], "--years: ", "失业保险缴费年限"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_input_and_the_range(capsys, argv, start, words):
    code, out, err = run(capsys, "calc", *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(start) and words in err


def test_an_unknown_calculator_exits_2_listing_the_names(capsys):
    code, _, err = run(capsys, "calc", "lottery")
    assert code == 2
    assert all(name in err for name in NAMES)


def test_the_module_runs_as_a_script():
    done = subprocess.run([sys.executable, "-m", "calculators.cli", "calc", "late_fee", "--amount", "30000",
                           "--days", "100", "--json"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert json.loads(done.stdout)["result"]["fee"] == 1500.0
