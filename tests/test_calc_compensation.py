"""Compensation questions reach injury_compensation and severance: the worker's numbers are read, a
missing grade is asked with buttons, and the reply says the figure is an estimate that the local
office and the courts decide."""

from __future__ import annotations

import argparse
import datetime as dt
import json

import pytest

from calculators import cli
from calculators.dialog import advance, detect

DAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(("question", "name", "inputs"), [
    ("手指断了鉴定九级，工资4000能赔多少", "injury_compensation", {"grade": "9", "wage": "4000"}),
    ("工亡赔偿多少钱", "injury_compensation", {"grade": "death"}),
    ("干了5年公司没交社保我辞职能要多少补偿", "severance", {"years": "5"}),
    ("在工地摔伤了，评了七级伤残，月工资5000，工伤能赔多少钱", "injury_compensation",
     {"grade": "7", "wage": "5000"}),
    ("老公在工地上被砸死了，能赔多少", "injury_compensation", {"grade": "death"}),
    ("干了3年半，工资6000，公司不交社保我辞职能要多少补偿", "severance", {"years": "3.5", "wage": "6000"}),
    ("被辞退了，干了8年，月薪五千，经济补偿有多少", "severance", {"years": "8", "wage": "5000"}),
])
def test_a_compensation_question_reaches_its_calculator_with_the_numbers_read(question, name, inputs):
    state = detect(question)
    assert state is not None and state.name == name, question
    assert {k: v for k, v in state.inputs.items() if not k.startswith("_")} == inputs


@pytest.mark.parametrize("question", [
    "工资5000，工伤保险一年交多少",           # the premium, not compensation
    "失业保险交了6年，辞职了能领几个月失业金",  # unemployment benefit, not severance
    "工伤赔偿找谁要",                        # a rule question: the FAQ
    "我爸退休好几年了 前几天去世了 社保那边能给多少钱",  # a death, but not at work
    "月工资五千，工伤保险费率1%，一年得多少钱",  # the premium
    "工亡赔偿标准是多少",                     # the standard: the FAQ
])
def test_questions_about_something_else_do_not_go_to_the_compensation_calculators(question):
    state = detect(question)
    assert state is None or state.name not in ("injury_compensation", "severance"), question


def test_a_missing_grade_is_asked_with_a_button_for_each_grade_and_for_a_death():
    turn = advance(detect("手指断了，工资4000能赔多少"), None, one_shot=False, today=DAY)
    assert not turn.done and turn.state.asking == "grade"
    labels = [label for label, _ in turn.choices]
    assert labels[:10] == ["一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级"]
    assert "因工死亡" in labels
    value = dict(turn.choices)["九级"]
    done = advance(turn.state, value, one_shot=False, today=DAY)
    assert done.done and done.result.result["disability_grant"] == 9 * 4000


def test_the_death_button_gives_the_death_benefits():
    turn = advance(detect("工伤能赔多少，工资5000，帮我算算"), None, one_shot=False, today=DAY)
    assert turn.state.asking == "grade"
    done = advance(turn.state, dict(turn.choices)["因工死亡"], one_shot=False, today=DAY)
    assert done.done
    assert done.result.result["death_grant"] == 20 * 54188  # 2024's national income, for a 2025 death


def test_a_severance_question_without_a_wage_asks_for_it_then_computes():
    turn = advance(detect("干了5年公司没交社保我辞职能要多少补偿"), None, one_shot=False, today=DAY)
    assert turn.state.asking == "wage"
    done = advance(turn.state, "6000", one_shot=False, today=DAY)
    assert done.done and done.result.result["compensation"] == 5 * 6000


def test_a_one_shot_severance_question_without_a_wage_names_what_is_missing():
    turn = advance(detect("干了5年公司没交社保我辞职能要多少补偿"), None, one_shot=True, today=DAY)
    assert not turn.done and "离职前的月工资" in turn.text


def test_a_grade_without_a_wage_stays_with_the_faq_which_says_the_months_of_each_grade():
    assert detect("工伤十级能赔多少") is None
    assert detect("伤残等级一级到十级各赔多少") is None


def test_a_grade_asked_for_in_the_chat_and_no_wage_yet_asks_for_the_wage():
    turn = advance(detect("帮我算算工伤赔偿"), None, one_shot=False, today=DAY)
    turn = advance(turn.state, "9级", one_shot=False, today=DAY)
    assert not turn.done and turn.state.asking == "wage"
    done = advance(turn.state, "4000", one_shot=False, today=DAY)
    assert done.done and done.result.result["disability_grant"] == 9 * 4000


@pytest.mark.parametrize("question", [
    "手指断了鉴定九级，工资4000能赔多少",
    "工亡赔偿多少钱",
    "干了3年半，工资6000，公司不交社保我辞职能要多少补偿",
])
def test_the_reply_says_it_is_an_estimate_and_the_office_and_courts_decide(question):
    turn = advance(detect(question), None, one_shot=True, today=DAY)
    assert turn.done
    last = turn.text.splitlines()[-1]
    assert "估算" in last and "仲裁" in last and "法院" in last


def test_the_death_reply_names_the_dependants_pensions():
    turn = advance(detect("工亡赔偿多少钱"), None, one_shot=True, today=DAY)
    assert "供养亲属" in turn.text and "40%" in turn.text and "30%" in turn.text


def run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="shebao")
    cli.register(parser.add_subparsers(dest="command"))
    code = cli.run(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_takes_death_and_the_average_wage_and_income(capsys):
    code, out, _ = run(capsys, "calc", "injury_compensation", "--death", "--average-wage", "5683",
                       "--income", "54188", "--json")
    assert code == 0
    result = json.loads(out)["result"]
    assert result["funeral_grant"] == 34098.0 and result["death_grant"] == 1083760.0
    assert result["disability_grant"] is None and result["monthly_allowance"] is None


def test_the_command_line_severance_has_the_result_keys_of_interfaces_md(capsys):
    code, out, _ = run(capsys, "calc", "severance", "--years", "3.5", "--wage", "6000",
                       "--no-contract-months", "2", "--json")
    assert code == 0
    result = json.loads(out)["result"]
    assert {"months", "compensation", "double_wage", "total"} <= set(result)
    assert (result["months"], result["compensation"], result["double_wage"], result["total"]) == \
        (4.0, 24000.0, 12000.0, 36000.0)  # 4 × 6000; 2 × 6000


@pytest.mark.parametrize(("argv", "option", "words"), [
    (["injury_compensation", "--grade", "12", "--wage", "4000"], "--grade", "1 到 10 级"),
    (["severance", "--years", "-5", "--wage", "6000"], "--years", "0 到 60"),
    (["severance", "--years", "5", "--wage", "6000", "--no-contract-months", "-1"], "--no-contract-months", "0 到 600"),
])
def test_a_bad_input_exits_2_with_the_allowed_range(capsys, argv, option, words):
    code, out, err = run(capsys, "calc", *argv)
    assert code == 2 and out == ""
    assert err.startswith(option) and words in err
