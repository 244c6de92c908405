"""Figures for today: an older year's figure standing in for the year asked is said in the reply's
first line and in the JSON, never only at the end."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from calculators.dialog import advance, detect
from calculators.registry import compute
from calculators.reply import render

THIS_YEAR = dt.date.today().year


def first_line(name: str, inputs: dict) -> str:
    return render(compute(name, inputs)).splitlines()[0]


@pytest.mark.parametrize(("name", "inputs"), [
    ("contribution", {"wage": 5000}),
    ("flexible", {}),
    ("pension", {"years": 20}),
    ("catch_up", {"years": 3}),
    ("medical_years", {"years": 10}),
    ("work_injury_premium", {"wage": 4000}),
], ids=["contribution", "flexible", "pension", "catch_up", "medical_years", "work_injury_premium"])
def test_a_question_about_today_says_first_that_2018_figures_are_used(name, inputs):
    assert first_line(name, inputs) == "按2018年标准估算，今年的实际标准请问12333。"


def test_a_past_year_without_its_figure_is_named_in_the_first_line():
    assert first_line("contribution", {"wage": 5000, "date": "2023-06-01"}) == \
        "按2018年标准估算，2023年的实际标准请问12333。"


def test_a_month_of_2019_uses_the_2018_figure_as_the_rules_say_and_warns_of_nothing():
    line = first_line("contribution", {"wage": 5000, "date": "2019-06-01"})
    assert line.startswith("每月个人交约")


def test_a_figure_the_worker_gave_needs_no_warning():
    line = first_line("pension", {"years": 20, "avg_wage": 7000, "account": 50000, "date": "2026-06-01"})
    assert line.startswith("估算每月养老金约")


def test_the_json_says_which_year_was_used_and_which_was_wanted():
    data = compute("contribution", {"wage": 5000, "date": "2026-06-01"}).to_json()
    assert data["years_used"] == [{"parameter": "average_wage.qinghai", "year": 2018, "wanted": 2025}]
    json.dumps(data)  # serialisable as it is


def test_the_json_says_the_year_used_even_when_it_is_the_right_one():
    data = compute("contribution", {"wage": 5000, "date": "2019-06-01"}).to_json()
    assert data["years_used"] == [{"parameter": "average_wage.qinghai", "year": 2018, "wanted": 2018}]


def test_the_warning_comes_first_through_the_dialog_too():
    state = detect("工资四千五每月社保扣多少")
    turn = advance(state, None, one_shot=True, today=dt.date(THIS_YEAR, 3, 1))
    assert turn.text.splitlines()[0] == "按2018年标准估算，今年的实际标准请问12333。"


def test_the_flexible_subsidy_is_said_to_be_xinings_2019_share_under_a_national_cap():
    result = compute("flexible", {"group": "graduate", "date": "2026-06-01"})
    text = render(result)
    assert "西宁 2019 年" in text.splitlines()[1]
    assert "2/3" in text and "财社〔2017〕164号" in text
    assert "当地" in text
