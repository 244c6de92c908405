"""A worker who asks to calculate without giving the numbers ("帮我算算养老金") starts the calculator's
dialog: the chat asks the first follow-up (with buttons where the choices are few), a one-shot answer
names what is needed in one line with an example. Questions how a figure is made stay with the FAQ."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from calculators.dialog import CalcState, CalcTurn, advance, detect

DAY = dt.date(2019, 6, 1)

# (request, calculator, first follow-up the chat asks, button labels offered or None)
REQUESTS = [
    ("麻烦帮我算一下养老金", "pension", "age", ["50 岁", "55 岁", "60 岁", "63 岁", "不清楚"]),
    ("我要算算退休以后能拿多少钱", "pension", "age", None),
    ("計算一下退休金", "pension", "age", None),
    ("帮忙算算我每个月社保要扣多少", "contribution", "wage", []),
    ("想算一下五险", "contribution", "wage", []),
    ("帮我算下 shebao", "contribution", "wage", []),
    ("给我算算工伤保险一年交多少", "work_injury_premium", "wage", []),
    ("我想算一下补缴", "catch_up", "insurance", ["养老保险", "医疗保险"]),
    ("帮我算算医保补交要多少钱", "catch_up", "years", []),
    ("公司欠费了，帮我算一算滞纳金", "late_fee", "amount", []),
    ("我是跑外卖的，帮我算算自己交社保一个月多少", "flexible", "share", ["最低档（60%）", "100%", "最高档（300%）"]),
    ("帮我算算医保还要交几年", "medical_years", "gender", ["男", "女"]),
    ("我是女的，帮我算算医保年限够不够", "medical_years", "years", []),
    ("帮我算个失业金能领多久", "unemployment", "years", []),
    # the brief's examples
    ("我想算养老金", "pension", "age", None),
    ("帮我算算社保", "contribution", "wage", []),
    ("算一下每月扣多少社保", "contribution", "wage", []),
    ("能帮我算滞纳金吗", "late_fee", "amount", []),
    ("算算失业金能领几个月", "unemployment", "years", []),
    # the second round: compensation (the grade with a button for each and one for a death)
    ("帮我算算工伤赔偿多少", "injury_compensation", "grade",
     ["一级", "二级", "三级", "四级", "五级", "六级", "七级", "八级", "九级", "十级", "因工死亡"]),
    ("我想算一下辞职的经济补偿", "severance", "years", []),
    # the worker's own monthly figure asked for without the numbers (router.yaml `unnumbered`)
    ("五险一金每个月扣多少钱", "contribution", "wage", []),
    ("在深圳上班，社保个人一个月要交多少钱", "contribution", "wage", []),
    ("退休以后每个月能领多少养老金", "pension", "age", None),
    ("自己交灵活就业养老保险一年交多少钱", "flexible", "share", ["最低档（60%）", "100%", "最高档（300%）"]),
]

# Questions about the rules, or with 算 in another sense: the FAQ answers them.
NOT_REQUESTS = [
    "养老金怎么算",
    "退休金是怎么计算的",
    "失业金按什么算",
    "养老金计算公式是什么",
    "灵活就业社保怎么计算",
    "医保年限怎么算",
    "我这种情况算不算工伤",
    "帮我算一下这个算不算工伤",
    "工龄可以算进养老保险吗",
    "社保断了一个月还算连续缴费吗",
    "算一下工龄",
    "帮我查查社保交了多少",
    "我算了一下社保好像交少了",
    "算下来养老金一个月才一千多",
    "社保算下来一个月多少钱",
    "西宁城乡居民养老金一个月发多少钱",
    "医保一年交多少钱",  # often a resident's fixed yearly fee: the FAQ's
    "养老保险每个月交多少比例",
    "五险一金单位交多少个人交多少",
    "帮我算一下养老金，为什么这么少",
    "算了",
]


def chat(state: CalcState, text: str | None = None) -> CalcTurn | None:
    stored = CalcState.from_json(json.loads(json.dumps(state.to_json())))
    return advance(stored, text, one_shot=False, today=DAY)


@pytest.mark.parametrize(("question", "name", "asking", "buttons"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_a_request_to_calculate_starts_the_dialog_with_one_question(question, name, asking, buttons):
    state = detect(question)
    assert state is not None and state.name == name
    turn = chat(state)
    assert not turn.done and turn.result is None
    assert turn.state.asking == asking
    if buttons is not None:
        assert [label for label, _ in turn.choices] == buttons


@pytest.mark.parametrize(("question", "name", "_asking", "_buttons"), REQUESTS, ids=[r[0] for r in REQUESTS])
def test_a_one_shot_request_names_the_inputs_needed_in_one_line_without_a_figure(question, name, _asking, _buttons):
    turn = advance(detect(question), None, one_shot=True, today=DAY)
    assert not turn.done and turn.result is None
    assert "\n" not in turn.text and len(turn.text) <= 80
    assert turn.text.startswith("要算") and "例如：“" in turn.text
    assert "约" not in turn.text  # no figure made up from defaults


@pytest.mark.parametrize("question", NOT_REQUESTS)
def test_a_question_about_how_a_figure_is_made_stays_with_the_faq(question):
    assert detect(question) is None


def test_how_it_is_calculated_followed_by_please_do_it_for_me_is_a_request():
    state = detect("养老金怎么算？帮我算算")
    assert state is not None and state.name == "pension"


def test_a_pension_conversation_from_a_request_to_the_figure():
    turn = chat(detect("我想算养老金"))
    assert turn.state.asking == "age"
    turn = chat(turn.state, "60")
    assert turn.state.asking == "years"
    turn = chat(turn.state, "25年")
    assert turn.state.asking == "account" and ("不知道", "不知道") in turn.choices
    turn = chat(turn.state, "8万")
    assert turn.done
    assert "1996.29" in turn.text.splitlines()[0]  # (5683 + 5683) / 2 × 25 × 1% + 80000 / 139


def test_not_knowing_the_optional_inputs_uses_the_defaults_and_says_so():
    turn = chat(detect("帮我算算退休金"))
    turn = chat(turn.state, "不清楚")
    turn = chat(turn.state, "20年")
    turn = chat(turn.state, "不知道")
    assert turn.done and "1921.59" in turn.text.splitlines()[0]
    [defaults] = [x for x in turn.text.splitlines() if x.startswith("您没说的")]
    assert "60 岁退休" in defaults and "个人账户估为 109113.60 元" in defaults


def test_a_required_input_is_not_skipped_with_i_do_not_know():
    turn = chat(detect("帮我算算滞纳金"))
    turn = chat(turn.state, "不知道")
    assert not turn.done and turn.state.asking == "amount"


@pytest.mark.parametrize(
    ("answer", "figure"),
    [("最低档", "681.96"), ("100%", "1136.60"), ("4500", "900.00"), ("按5000交", "1000.00")],
)
def test_a_flexible_worker_answers_the_level_or_the_base_itself(answer, figure):
    turn = chat(detect("帮我算算灵活就业社保"))
    assert turn.state.asking == "share"
    turn = chat(turn.state, answer)
    assert turn.state.asking == "group"
    turn = chat(turn.state, "都不是")
    assert turn.done and figure in turn.text.splitlines()[0]


def test_a_contribution_request_then_the_wage_gives_the_figure():
    turn = chat(detect("帮我算算社保"))
    turn = chat(turn.state, "四千五")
    assert turn.done and "472.50" in turn.text.splitlines()[0]


def test_a_request_for_another_calculator_mid_dialog_is_handed_back():
    turn = chat(detect("我想算养老金"))
    assert chat(turn.state, "帮我算算滞纳金") is None


def test_a_one_shot_pension_request_mentions_the_optional_inputs():
    turn = advance(detect("我想算养老金"), None, one_shot=True, today=DAY)
    assert "养老保险缴费年限" in turn.text and "退休年龄" in turn.text and "个人账户余额" in turn.text
