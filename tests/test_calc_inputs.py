"""Inputs read right: a minus sign is kept and gets the allowed range, an absurd age is refused at
once, an ID-card or phone number is never an age or a wage, a rate the worker stated is used."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from calculators.dialog import advance, detect
from calculators.numbers import read

DAY = dt.date(2025, 6, 1)


def chat(state, answer=None):
    return advance(state, answer, one_shot=False, today=DAY)


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("工资-5000", "wage", Decimal(-5000)),
    ("交了-5年", "years_paid", Decimal(-5)),
    ("工资负五千", "wage", Decimal(-5000)),
    ("工资－4500元", "wage", Decimal(-4500)),  # a full-width minus
])
def test_a_minus_sign_is_kept(text, kind, value):
    assert [(r.kind, r.value) for r in read(text) if r.kind == kind] == [(kind, value)]


def test_a_dash_between_two_numbers_is_a_range_not_a_minus():
    assert all(r.value >= 0 for r in read("交了5-10年") if isinstance(r.value, Decimal))


@pytest.mark.parametrize(("question", "words", "not_shown"), [
    ("工资-5000每月社保交多少", "0 到 1,000,000", "525"),  # 10.5% of 5000 would be 525
    ("交了-5年能领多少养老金", "0 到 60 年", "284"),
    ("失业保险交了-5年能领几个月", "0 到 60 年", "18 个月"),
    ("干了-5年，工资6000，公司没交社保我辞职能要多少补偿", "0 到 60 年", "30000"),
    ("鉴定九级伤残，工资-4000，能赔多少", "0 到 1,000,000", "36000"),
])
def test_a_negative_input_gets_the_allowed_range_never_a_figure(question, words, not_shown):
    state = detect(question)
    assert state is not None, question
    for one_shot in (True, False):
        turn = advance(state, None, one_shot=one_shot, today=DAY)
        assert turn.result is None and not turn.done
        assert words in turn.text and not_shown not in turn.text


def test_an_age_of_200_in_the_question_is_refused_at_once():
    turn = chat(detect("我200岁，交了20年养老保险，能领多少养老金"))
    assert turn.result is None and "16 到 100 岁" in turn.text


def test_an_age_of_200_as_an_answer_is_refused_before_the_next_question():
    turn = chat(detect("我想算养老金"))
    assert turn.state.asking == "age"
    turn = chat(turn.state, "200岁")
    assert turn.state.asking == "age" and "40 到 70 岁" in turn.text  # asked again, not the years next


@pytest.mark.parametrize("number", ["630102199001011234", "63010219900101123x", "13812345678",
                                    "6222021234567890123"])
def test_an_id_card_bank_card_or_phone_number_is_not_a_number_of_the_question(number):
    assert read(f"我的年龄是{number}") == []
    assert [r.value for r in read(f"身份证{number}，工资4500")] == [Decimal(4500)]


def test_an_id_card_number_typed_as_an_age_is_asked_again_without_repeating_it():
    turn = chat(detect("我想算养老金"))
    turn = chat(turn.state, "630102199001011234")
    assert turn is not None and turn.state.asking == "age"
    assert "身份证号" in turn.text and "630102" not in turn.text
    assert "age" not in turn.state.inputs


def test_a_rate_the_worker_stated_is_used_and_the_industry_is_not_asked():
    turn = chat(detect("工资5000，工伤保险按1%一年交多少"))
    assert turn.done and turn.result.result["yearly"] == 5000 * 12 / 100  # 5000 × 1% × 12 = 600


def test_a_rate_given_in_an_answer_is_used_and_not_asked_again():
    turn = chat(detect("给我算算工伤保险一年交多少"))
    assert turn.state.asking == "wage"
    turn = chat(turn.state, "工资5000，按0.5%")
    assert turn.done and turn.result.result["yearly"] == 300  # 5000 × 0.5% × 12
