"""The router: questions asking for a figure with the worker's own numbers go to a calculator; rule
questions stay with the FAQ."""

from __future__ import annotations

import pytest

from calculators.dialog import detect

FIGURE_QUESTIONS = [
    # from the brief and shared/eval/dev.yaml
    ("工资5000养老保险交多少", "contribution", {"wage": "5000"}),
    ("月薪七千每月个人交多少社保", "contribution", {"wage": "7000"}),
    ("我工资4000，每个月社保个人要交多少", "contribution", {"wage": "4000"}),
    ("月薪七千，每月个人要交多少社保", "contribution", {"wage": "7000"}),
    ("工资5000一个月，工伤保险一年交多少", "work_injury_premium", {"wage": "5000"}),
    ("我60岁退休，交了25年，个人账户有8万，社平工资6000，缴费指数1，能领多少养老金", "pension",
     {"age": "60", "years": "25", "account": "80000", "avg_wage": "6000", "index": "1"}),
    ("还差5年一次性补缴要多少钱", "catch_up", {"years": "5"}),
    ("还差5年养老保险，一次性补缴要多少钱", "catch_up", {"years": "5", "insurance": "pension"}),
    ("欠了3万拖了100天滞纳金多少", "late_fee", {"amount": "30000", "days": "100"}),
    ("公司欠了3万社保费，拖了100天，滞纳金多少", "late_fee", {"amount": "30000", "days": "100"}),
    ("灵活就业按最低基数交一个月多少", "flexible", {"share": "floor"}),
    ("灵活就业按最低基数交养老，一个月多少钱", "flexible", {"share": "floor"}),
    ("我男的医保交了18年还差几年", "medical_years", {"gender": "male", "years": "18"}),
    ("我是男的，医保交了18年，退休还差几年", "medical_years", {"gender": "male", "years": "18"}),
    ("交了6年能领几个月失业金", "unemployment", {"years": "6"}),
    ("社保交了6年，失业了能领几个月失业金", "unemployment", {"years": "6"}),
    # other ways of asking
    ("我一个月挣四千五，社保要扣多少钱", "contribution", {"wage": "4500"}),
    ("4.5k的工资，五险个人交多少", "contribution", {"wage": "4500"}),
    ("我工资是3000块，养老保险每个月交多少钱", "contribution", {"wage": "3000"}),
    ("2019年4月工资7000，单位养老保险交多少", "contribution", {"wage": "7000", "date": "2019-04-01"}),
    ("我们厂是第三类行业，工资4000，工伤保险一年交多少", "work_injury_premium", {"wage": "4000", "risk_class": "3"}),
    ("交了20年社保，退休能领多少养老金", "pension", {"years": "20"}),
    ("我交了15年，60岁退休，每个月能拿多少退休金", "pension", {"years": "15", "age": "60"}),
    ("养老保险交了30年，个人账户有10万，能领多少", "pension", {"years": "30", "account": "100000"}),
    ("医保还差5年，一次性补交要多少钱", "catch_up", {"years": "5", "insurance": "medical"}),
    ("交了十年不够十五年，一次性补缴多少钱", "catch_up", {"years": "5"}),
    ("欠了5000块社保费，拖了30天，要交多少滞纳金", "late_fee", {"amount": "5000", "days": "30"}),
    ("单位欠了两万社保，拖了半年，滞纳金多少", "late_fee", {"amount": "20000", "days": "180"}),
    ("灵活就业按60%的基数交一个月多少钱", "flexible", {"share": "0.6"}),
    ("我是退役军人，灵活就业按最低档交，补贴后一个月多少", "flexible", {"share": "floor", "group": "veteran"}),
    ("送外卖的自己交社保，按最低基数一个月多少", "flexible", {"share": "floor"}),
    ("女的医保交了20年还要交几年", "medical_years", {"gender": "female", "years": "20"}),
    ("我是女职工，医保交了15年，够不够", "medical_years", {"gender": "female", "years": "15"}),
    ("失业保险交了3年能领多久失业金", "unemployment", {"years": "3"}),
    ("交了12年失业保险，失业金能领多少个月", "unemployment", {"years": "12"}),
    # traditional characters
    ("工資五千，每個月個人交多少社保", "contribution", {"wage": "5000"}),
    ("失業保險交了六年能領幾個月", "unemployment", {"years": "6"}),
    ("我男的醫保交了18年還差幾年", "medical_years", {"gender": "male", "years": "18"}),
]

RULE_QUESTIONS = [
    "养老保险交多少比例",
    "社保缴费基数怎么定",
    "滞纳金怎么算",
    "失业金能领多久",
    "医保要交满多少年",
    "五险一金单位交多少个人交多少",
    "养老保险公司交百分之几，我自己交百分之几",
    "社平工资是多少啊，最低按多少交",
    "单位按最低基数给我交社保合法吗",
    "社保晚交了有滞纳金吗",
    "交了十年社保不够十五年怎么办",
    "养老保险交多少年才能领退休金",
    "女职工医保缴费年限要满多少年",
    "退役军人自己交社保政府补多少",
    "大学毕业生灵活就业交社保有补贴吗",
    "快退休了养老保险年限不够，可以一次性补缴吗",
    "医保断了三个月还能补吗",
    "工伤鉴定九级能赔多少个月工资",
    "我六十多岁了还在工地干活，受伤了能算工伤吗",
    "老板拖欠工资三个月了怎么办",
    "交社保到底划不划算",
    "失业金一个月能领多少",
    "延迟退休是怎么回事，我几岁能退休",
    "你好",
    "今天西宁天气怎么样",
    "打12333能查社保交了多少吗",
    "",
    "多少",
]


@pytest.mark.parametrize(("question", "name", "inputs"), FIGURE_QUESTIONS, ids=[q for q, _, _ in FIGURE_QUESTIONS])
def test_a_figure_question_goes_to_its_calculator_with_the_inputs_it_holds(question, name, inputs):
    state = detect(question)
    assert state is not None
    assert state.name == name
    for key, value in inputs.items():
        assert state.inputs.get(key) == value, state.inputs


@pytest.mark.parametrize("question", RULE_QUESTIONS, ids=[q or "empty" for q in RULE_QUESTIONS])
def test_a_question_about_the_rules_without_own_numbers_stays_with_the_faq(question):
    assert detect(question) is None


@pytest.mark.parametrize("junk", [None, 42, "x" * 100_000, "\x00工资\x005000社保交多少", "💰💰💰"])
def test_detect_never_raises(junk):
    detect(junk)
