"""The number reader: how workers write numbers, what they mean, and hostile input."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculators.numbers import parse_number, read, read_number


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("4500", "4500"),
        ("4,500元", "4500"),
        ("4500元", "4500"),
        ("4.5k", "4500"),
        ("4.5K", "4500"),
        ("4千5", "4500"),
        ("四千五", "4500"),
        ("四千五百块", "4500"),
        ("一万二", "12000"),
        ("1.2万", "12000"),
        ("一点二万", "12000"),
        ("3万", "30000"),
        ("2万5", "25000"),
        ("两千五", "2500"),
        ("12万5千", "125000"),
        ("百分之一", "0.01"),
        ("百分之零点五", "0.005"),
        ("1%", "0.01"),
        ("１％", "0.01"),
        ("千分之五", "0.005"),
        ("十年", "10"),
        ("半年", "0.5"),
        ("一年半", "1.5"),
        ("18年", "18"),
        ("100天", "100"),
        ("六十岁", "60"),
        ("肆仟伍佰元", "4500"),
        ("４５００", "4500"),
        ("壹萬貳仟", "12000"),
    ],
)
def test_a_number_is_read_however_it_is_written(written, value):
    assert read_number(written) == Decimal(value)


@pytest.mark.parametrize("written", ["三四千", "七八年", "十几年", "百分之几", "几千块", "", "   ", "没有", "万一"])
def test_ranges_and_vague_amounts_are_not_read_as_a_number(written):
    assert read_number(written) is None


@pytest.mark.parametrize(
    ("question", "kind", "value"),
    [
        ("我工资四千五，每个月扣多少", "wage", "4500"),
        ("月薪七千", "wage", "7000"),
        ("一个月收入3500元", "wage", "3500"),
        ("缴费基数5000", "base", "5000"),
        ("社保交了6年", "years_paid", "6"),
        ("缴费20年能领多少", "years_paid", "20"),
        ("交了两年半", "years_paid", "2.5"),
        ("还差5年", "years_short", "5"),
        ("差三年", "years_short", "3"),
        ("不够十五年", "years_target", "15"),
        ("我55岁", "current_age", "55"),
        ("今年45岁，交了10年", "current_age", "45"),
        ("60岁退休", "age", "60"),
        ("退休年龄60岁", "age", "60"),
        ("打算63岁退", "age", "63"),
        ("拖了100天", "days", "100"),
        ("拖了3个月", "days", "90"),
        ("欠了3万社保费", "amount", "30000"),
        ("个人账户有8万", "account", "80000"),
        ("社平工资6000", "avg_wage", "6000"),
        ("当地平均工资6000", "avg_wage", "6000"),
        ("受伤前一年平均工资大概五千二", "wage", "5200"),
        ("本人月平均工资4800", "wage", "4800"),
        ("缴费指数1.2", "index", "1.2"),
        ("费率百分之一", "rate", "0.01"),
        ("按60%的档次交", "share", "0.6"),
        ("第三类行业", "risk_class", "3"),
        ("我男的", "gender", "male"),
        ("女职工", "gender", "female"),
        ("养老保险", "insurance", "pension"),
        ("医保", "insurance", "medical"),
        ("我是退役军人", "group", "veteran"),
        ("按最低基数交", "share_level", "floor"),
    ],
)
def test_the_meaning_of_a_number_comes_from_the_words_around_it(question, kind, value):
    found = [r for r in read(question) if r.kind == kind]
    assert found, read(question)
    assert str(found[0].value) == value or found[0].value == Decimal(value)


def test_months_late_are_counted_as_days_with_a_note():
    (reading,) = [r for r in read("拖了3个月") if r.kind == "days"]
    assert reading.note == "months_as_days"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("五险一金交多少", "wage"),
        ("2019年交了多少", "years_paid"),
        ("工伤保险一年交多少", "years_paid"),
        ("灵活就业交一个月多少", "years_paid"),
        ("打12333问问", "wage"),
        ("一次性补缴", "years_short"),
        ("女儿的医保", "gender"),
    ],
)
def test_words_that_hold_numerals_are_not_read_as_inputs(question, kind):
    assert kind not in {r.kind for r in read(question)}


def test_the_first_labelled_number_wins_and_others_keep_their_meaning():
    kinds = [(r.kind, r.value) for r in read("我60岁退休，交了25年，个人账户有8万，社平工资6000，缴费指数1")]
    assert kinds[:5] == [("age", 60), ("years_paid", 25), ("account", 80000), ("avg_wage", 6000), ("index", 1)]


def test_absurd_sizes_are_read_as_such_so_they_can_be_refused():
    assert read_number("10的20次方") == Decimal(10) ** 20
    assert read_number("10^20") == Decimal(10) ** 20
    assert read_number("1e20") == Decimal(10) ** 20
    assert read_number("100000000000000000000元") == Decimal(10) ** 20


HOSTILE = [
    "",
    "x" * 100_000,
    "四" * 100_000,
    "1" * 100_000,
    "\x00\x01\x02\x1b[31m工资\x7f4500",
    "工资💰4500🙂元",
    "'; DROP TABLE users; --",
    "<script>alert('工资5000')</script>",
    "０的０次方",
    "9" * 5000 + "的9999次方",
    "工资\u202e0054\u202c",
    "\ud800",
    "百分之" * 1000,
    "万" * 1000,
    "点点点。。。",
    "1,2,3,4,5,,,",
    "..4..5..",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_never_raises(text):
    assert isinstance(read(text), list)
    read_number(text)
    parse_number(text)


@pytest.mark.parametrize("value", [None, 4500, 4.5, b"4500", ["4500"], {"a": 1}])
def test_input_that_is_not_text_reads_as_nothing(value):
    assert read(value) == []
    assert read_number(value) is None


@given(st.integers(min_value=0, max_value=10**12))
def test_arabic_numbers_round_trip_through_chinese_numerals(n):
    assert read_number(cn2an.an2cn(n)) == n
    assert read_number(cn2an.an2cn(n, "up")) == n


@given(st.integers(min_value=1, max_value=10**9))
def test_arabic_numbers_with_thousands_separators_read_back(n):
    assert read_number(f"{n:,}元") == n
    assert read_number(str(n)) == n


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2))
def test_percentages_read_back_as_fractions(d):
    assert read_number(f"{d}%") == d / 100


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_never_raises(text):
    readings = read(text)
    assert all(r.start <= r.end for r in readings)
    read_number(text)
    parse_number(text)


@settings(max_examples=200)
@given(st.text(alphabet="零〇一二两三四五六七八九十百千万亿点0123456789.,kw%年岁天元块分之个月半", max_size=40))
def test_any_numeral_soup_never_raises(text):
    read(text)
    parse_number(text)


@pytest.mark.parametrize(("written", "simplified"), [("養老保險", "养老保险"), ("失業金領幾個月", "失业金领几个月"),
                                                     ("工资4500社保交多少", "工资4500社保交多少")])
def test_traditional_text_is_simplified(written, simplified):
    from calculators.numbers import normalise

    assert normalise(written) == simplified
