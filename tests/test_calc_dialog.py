"""The calculator dialog: one-shot replies with defaults, follow-ups one at a time, cancel, new
questions mid-dialog, and invalid values."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.dialog import CalcState, CalcTurn, advance, detect

DAY = dt.date(2019, 6, 1)


def chat(state: CalcState, text: str | None = None) -> CalcTurn | None:
    """One chat turn, with the state going through JSON as the service stores it."""
    stored = CalcState.from_json(json.loads(json.dumps(state.to_json())))
    return advance(stored, text, one_shot=False, today=DAY)


def test_a_one_shot_reply_puts_the_figure_first_and_says_who_decides():
    turn = advance(detect("月薪七千，每月个人要交多少社保"), None, one_shot=True, today=DAY)
    assert turn.done and turn.state is None and turn.result is not None
    first_line = turn.text.splitlines()[0]
    assert "735.00 元" in first_line
    assert "12333" in turn.text and "社保经办机构" in turn.text
    assert "2019-05-01" in turn.text  # the date the 16% holds from
    assert "国办发〔2019〕13号" in turn.text
    assert len(turn.text) <= 4096


def test_a_one_shot_reply_uses_the_defaults_and_says_so():
    turn = advance(detect("交了20年社保，退休能领多少养老金"), None, one_shot=True, today=DAY)
    assert turn.done
    [defaults] = [line for line in turn.text.splitlines() if line.startswith("您没说的")]
    assert "60 岁退休" in defaults and "5683" in defaults
    assert "您没说退休年龄，按 60 岁算" in turn.result.assumptions  # the full sentence stays for staff


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("我工资4000，每个月社保个人要交多少", "420.00"),
        ("工资5000一个月，工伤保险一年交多少", "600.00"),
        ("工资3500，工伤保险一年交多少", "420.00"),
        ("工资5500，工伤保险一年交多少", "660.00"),
        ("我60岁退休，交了25年，个人账户有8万，社平工资6000，缴费指数1，能领多少养老金", "2075.54"),
        ("公司欠了3万社保费，拖了100天，滞纳金多少", "1500.00"),
        ("我是男的，医保交了18年，退休还差几年", "12 年"),
        ("女的医保交了20年还要交几年", "5 年"),
        ("社保交了6年，失业了能领几个月失业金", "18 个月"),
        ("还差5年养老保险，一次性补缴要多少钱", "40917.60"),
        ("灵活就业按最低基数交养老，一个月多少钱", "681.96"),
    ],
)
def test_one_shot_questions_state_the_expected_figure_first(question, figure):
    turn = advance(detect(question), None, one_shot=True, today=DAY)
    assert turn.done
    assert figure in turn.text.splitlines()[0]


def test_a_missing_input_is_asked_for_and_the_answer_completes_the_calculation():
    state = detect("公司欠了3万社保费，滞纳金多少")
    turn = chat(state)
    assert not turn.done and turn.state.asking == "days"
    assert "天" in turn.text and turn.result is None
    turn = chat(turn.state, "拖了一百天")
    assert turn.done
    assert "1500.00 元" in turn.text.splitlines()[0]


def test_a_conversation_asks_one_thing_at_a_time_and_remembers_what_was_given():
    state = detect("欠了社保费，滞纳金帮我算一下 欠了5万")
    assert state is not None and state.inputs["amount"] == "50000"
    turn = chat(state)
    assert turn.state.asking == "days"
    turn = chat(turn.state, "10")
    assert turn.done and "250.00 元" in turn.text


def test_buttons_are_offered_where_the_choices_are_few():
    turn = chat(detect("医保交了18年，还差几年"))
    assert turn.state.asking == "gender"
    assert ("男", "男") in turn.choices and ("女", "女") in turn.choices
    turn = chat(turn.state, "女")
    assert turn.done and "还差 7 年" in turn.text


def test_a_worker_who_does_not_know_gets_the_default_for_an_optional_choice():
    turn = chat(detect("工资5000，工伤保险一年交多少"))
    assert turn.state.asking == "risk_class" and len(turn.choices) == 9
    turn = chat(turn.state, "不清楚")
    assert turn.done and "600.00" in turn.text


def test_a_button_answer_is_read():
    turn = chat(detect("还差5年，一次性补缴要多少钱"))
    assert turn.state.asking == "insurance"
    label, fed = turn.choices[1]
    turn = chat(turn.state, fed)
    assert turn.done and "医疗保险" in turn.text.splitlines()[0]


@pytest.mark.parametrize("word", ["取消", "算了", " 取消 "])
def test_cancel_ends_the_dialog(word):
    turn = chat(detect("公司欠了3万社保费，滞纳金多少"))
    turn = chat(turn.state, word)
    assert turn.done and turn.state is None and turn.result is None


def test_a_new_question_mid_dialog_is_handed_back():
    turn = chat(detect("公司欠了3万社保费，滞纳金多少"))
    assert chat(turn.state, "工伤认定要在多长时间内申请") is None
    assert chat(turn.state, "月薪七千，每月个人要交多少社保") is None


def test_an_unreadable_answer_is_asked_again():
    turn = chat(detect("公司欠了3万社保费，滞纳金多少"))
    again = chat(turn.state, "嗯嗯")
    assert not again.done and again.state.asking == "days"
    assert "没看懂" in again.text


@pytest.mark.parametrize(
    ("question", "answer", "asking", "range_words"),
    [
        ("交了20年，能领多少养老金", None, "age", None),
        ("公司欠了3万社保费，滞纳金多少", "0天", "days", "1 到 36,500"),
        ("公司欠了3万社保费，滞纳金多少", "拖了10的20次方天", "days", "36,500"),
    ],
)
def test_an_invalid_answer_gets_the_allowed_range_and_the_question_again(question, answer, asking, range_words):
    turn = chat(detect(question))
    if answer is None:
        return
    turn = chat(turn.state, answer)
    assert not turn.done and turn.result is None
    assert turn.state.asking == asking
    assert range_words in turn.text


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("我200岁退休，交了20年，能领多少养老金", "40 到 70 岁"),
        ("工资10的20次方，每个月社保交多少", "1,000,000"),
        ("养老保险交了300年，退休能领多少养老金", "0 到 60 年"),
        ("欠了3万社保费，拖了0天，滞纳金多少", "1 到 36,500"),
    ],
)
def test_absurd_values_get_the_allowed_range_never_a_figure(question, words):
    state = detect(question)
    assert state is not None
    for one_shot in (True, False):
        turn = advance(state, None, one_shot=one_shot, today=DAY)
        assert turn.result is None and not turn.done
        assert words in turn.text
        assert "元。" not in turn.text.splitlines()[0]


def test_an_invalid_value_can_be_corrected_in_the_chat():
    turn = chat(detect("我200岁退休，交了20年，能领多少养老金"))
    assert turn.state.asking == "age"
    turn = chat(turn.state, "60")
    assert turn.done and turn.result.result["total"] > 0


def test_a_one_shot_question_missing_a_required_input_says_what_is_needed():
    turn = advance(detect("公司欠了3万社保费，滞纳金多少"), None, one_shot=True, today=DAY)
    assert not turn.done and turn.result is None
    assert "拖欠天数" in turn.text


def test_the_state_survives_json():
    state = CalcState("late_fee", {"amount": "30000"}, "days")
    assert CalcState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_a_state_for_an_unknown_calculator_is_handed_back():
    assert advance(CalcState("no_such", {}), "100", one_shot=False) is None


@pytest.mark.parametrize("junk", ["", "\x00\x01", "💰" * 50, "x" * 100_000, "'; DROP TABLE x; --"])
def test_junk_answers_never_raise(junk):
    turn = chat(detect("公司欠了3万社保费，滞纳金多少"))
    result = chat(turn.state, junk)
    assert result is None or isinstance(result, CalcTurn)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_any_question_or_answer_never_raises(text):
    state = detect(text)
    if state is not None:
        advance(state, None, one_shot=True, today=DAY)
    for asking in ("days", "gender", "risk_class", None):
        turn = advance(CalcState("late_fee" if asking == "days" else "medical_years" if asking == "gender"
                                 else "work_injury_premium", {"amount": "1000", "years": "3", "wage": "4000"},
                                 asking), text, one_shot=False, today=DAY)
        assert turn is None or isinstance(turn, CalcTurn)
        assert turn is None or len(turn.text) <= 4096
